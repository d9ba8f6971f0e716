-- One row per warning on an open deal (not closed won or lost), with the reason in words.
-- Thresholds: [risks] no_activity_days (10) and stalled_days (21).
CREATE OR REPLACE VIEW deal_risks AS
WITH s AS (SELECT * FROM settings_crm),
open_deals AS MATERIALIZED (
    SELECT * FROM deals WHERE coalesce(stage, '') NOT IN ('closed_won', 'closed_lost')
), last_calls AS (
    SELECT deal_id, arg_max(conversation_id, started_at) AS conversation_id,
           max(started_at) AS started_at, arg_max(title, started_at) AS title
    FROM derived.conversation_deals
    WHERE kind = 'call' AND deal_id IS NOT NULL GROUP BY deal_id
), risks AS (
    SELECT deal_id, 'no_activity' AS risk, last_activity_at AS since,
           format('no activity for {} days', days_since_activity) AS reason
    FROM open_deals, s WHERE days_since_activity > s.no_activity_days
    UNION ALL
    SELECT deal_id, 'overdue_next_step', due_date::TIMESTAMPTZ,
           format('next step overdue since {}: {}{}', due_date, action, coalesce(' (' || owner || ')', ''))
    FROM next_steps WHERE is_overdue
    UNION ALL
    SELECT deal_id, 'single_threaded', first_activity_at,
           'single-threaded: one external contact has spoken'
    FROM open_deals WHERE contacts_engaged = 1
    UNION ALL
    SELECT m.deal_id, 'active_competitor', max(m.said_at),
           format('{} is in play (last mentioned {})', m.competitor, max(m.said_at)::DATE)
    FROM competitor_mentions m
    JOIN open_deals d ON d.deal_id = m.deal_id AND list_contains(d.competitors, m.competitor)
    WHERE m.state <> 'rejected'
    GROUP BY m.deal_id, m.competitor
    UNION ALL
    SELECT deal_id, 'stalled', stage_since,
           format('in {} for {} days', stage, days_in_stage)
    FROM open_deals, s WHERE days_in_stage > s.stalled_days
    UNION ALL
    SELECT o.deal_id, 'authority_objection', o.said_at,
           format('authority objection, no stage change since: "{}"', o.summary)
    FROM objections o JOIN open_deals d USING (deal_id)
    WHERE o.category = 'authority' AND o.state <> 'rejected'
      AND coalesce(d.stage_since <= o.said_at, true)  -- the latest change in `deal_stage_history`
    UNION ALL
    SELECT c.deal_id, 'no_next_step_after_call', c.started_at,
           format('no next step agreed on the last call ("{}", {})', c.title, c.started_at::DATE)
    FROM last_calls c
    WHERE NOT EXISTS (SELECT 1 FROM next_steps n WHERE n.conversation_id = c.conversation_id AND n.state <> 'rejected')
)
SELECT r.deal_id, d.name, d.account, d.owner, r.risk, r.reason, r.since
FROM risks r JOIN open_deals d USING (deal_id);
