-- One row per warning on an open deal (not closed won or lost), with the reason in words.
-- Thresholds: [risks] no_activity_days (10) and stalled_days (21).
-- The next-step, competitor, objection and stage rules follow `next_steps`,
-- `competitor_mentions`, `objections` and `deal_stage_history`, computed here from one read of
-- `fact_values` (each of those views would compute the facts again, with their speakers).
CREATE OR REPLACE VIEW deal_risks AS
WITH s AS (SELECT * FROM settings_crm),
open_deals AS MATERIALIZED (
    SELECT * FROM deals WHERE coalesce(stage, '') NOT IN ('closed_won', 'closed_lost')
), f AS MATERIALIZED (  -- facts in force, as in next_steps, objections, ...
    SELECT deal_id, conversation_id, fact_id, field, state, value, said_at
    FROM fact_values
    WHERE state NOT IN ('rejected', 'abstained') AND deal_id IS NOT NULL
      AND field IN ('stage', 'amount', 'close_date', 'next_step', 'objection', 'competitor', 'competitor_candidate')
), calls AS (
    SELECT cd.deal_id, arg_max(c.conversation_id, c.started_at) AS conversation_id,
           max(c.started_at) AS started_at, arg_max(c.title, c.started_at) AS title
    FROM conversation_times c JOIN conversation_deals cd USING (conversation_id)
    WHERE c.kind = 'call' GROUP BY cd.deal_id
), risks AS (
    SELECT deal_id, 'no_activity' AS risk, last_activity_at AS since,
           format('no activity for {} days', days_since_activity) AS reason
    FROM open_deals, s WHERE days_since_activity > s.no_activity_days
    UNION ALL
    -- next_steps.is_overdue: open (due on or after the deal's last activity) and due before today
    SELECT n.deal_id, 'overdue_next_step', n.due_date::TIMESTAMPTZ,
           format('next step overdue since {}: {}{}', n.due_date, n.action, coalesce(' (' || n.owner || ')', ''))
    FROM (SELECT deal_id, TRY_CAST(value ->> 'due_date' AS DATE) AS due_date, value ->> 'action' AS action,
                 value ->> 'owner' AS owner
          FROM f WHERE field = 'next_step') n
    JOIN open_deals d USING (deal_id), s
    WHERE n.due_date < s.today AND coalesce(d.last_activity_at::DATE <= n.due_date, true)
    UNION ALL
    SELECT deal_id, 'single_threaded', first_activity_at,
           'single-threaded: one external contact has spoken'
    FROM open_deals WHERE contacts_engaged = 1
    UNION ALL
    SELECT m.deal_id, 'active_competitor', max(m.said_at),
           format('{} is in play (last mentioned {})', m.competitor, max(m.said_at)::DATE)
    FROM (SELECT deal_id, said_at, value ->> 'name' AS competitor
          FROM f WHERE field IN ('competitor', 'competitor_candidate')) m
    JOIN open_deals d ON d.deal_id = m.deal_id AND list_contains(d.competitors, m.competitor)
    GROUP BY m.deal_id, m.competitor
    UNION ALL
    SELECT deal_id, 'stalled', stage_since,
           format('in {} for {} days', stage, days_in_stage)
    FROM open_deals, s WHERE days_in_stage > s.stalled_days
    UNION ALL
    SELECT o.deal_id, 'authority_objection', o.said_at,
           format('authority objection, no stage change since: "{}"', o.value ->> 'summary')
    FROM f o JOIN open_deals USING (deal_id)
    WHERE o.field = 'objection' AND o.value ->> 'category' = 'authority'
      AND NOT EXISTS (SELECT 1 FROM f h WHERE h.field = 'stage' AND h.deal_id = o.deal_id AND h.said_at > o.said_at)
    UNION ALL
    SELECT c.deal_id, 'no_next_step_after_call', c.started_at,
           format('no next step agreed on the last call ("{}", {})', c.title, c.started_at::DATE)
    FROM calls c
    JOIN open_deals USING (deal_id)
    -- (a next step said in the call has the call's deal, so `f` leaving out facts with no deal loses none)
    WHERE NOT EXISTS (SELECT 1 FROM f n WHERE n.field = 'next_step' AND n.conversation_id = c.conversation_id)
)
SELECT r.deal_id, d.name, d.account, d.owner, r.risk, r.reason, r.since
FROM risks r JOIN open_deals d USING (deal_id);
