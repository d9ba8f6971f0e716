-- Derived table (rebuilt at write time, see views/__init__.py): the warnings on open deals that
-- do not depend on today (`deal_risks` adds those that do), with the reason in words.
-- key: deal_id
CREATE OR REPLACE TABLE derived.deal_warnings AS
WITH open_deals AS (
    SELECT * FROM derived.deals WHERE coalesce(stage, '') NOT IN ('closed_won', 'closed_lost')
), last_calls AS (
    SELECT deal_id, arg_max(conversation_id, started_at) AS conversation_id,
           max(started_at) AS started_at, arg_max(title, started_at) AS title
    FROM derived.conversation_deals
    WHERE kind = 'call' AND deal_id IS NOT NULL GROUP BY deal_id
)
SELECT deal_id, 'single_threaded' AS risk, first_activity_at AS since,
       'single-threaded: one external contact has spoken' AS reason
FROM open_deals WHERE contacts_engaged = 1
UNION ALL
SELECT m.deal_id, 'active_competitor', max(m.said_at),
       format('{} is in play (last mentioned {})', m.competitor, max(m.said_at)::DATE)
FROM competitor_mentions m
JOIN open_deals d ON d.deal_id = m.deal_id AND list_contains(d.competitors, m.competitor)
WHERE m.state <> 'rejected'
GROUP BY m.deal_id, m.competitor
UNION ALL
SELECT o.deal_id, 'authority_objection', o.said_at,
       format('authority objection, no stage change since: "{}"', o.summary)
FROM objections o JOIN open_deals d USING (deal_id)
WHERE o.category = 'authority' AND o.state <> 'rejected'
  AND coalesce(d.stage_since <= o.said_at, true)  -- the latest change in `deal_stage_history`
UNION ALL
SELECT c.deal_id, 'no_next_step_after_call', c.started_at,
       format('no next step agreed on the last call ("{}", {})', c.title, c.started_at::DATE)
FROM last_calls c JOIN open_deals USING (deal_id)
WHERE NOT EXISTS (SELECT 1 FROM next_steps n WHERE n.conversation_id = c.conversation_id AND n.state <> 'rejected');
