-- One row per warning on an open deal (not closed won or lost), with the reason in words.
-- Thresholds: [risks] no_activity_days (10) and stalled_days (21). The warnings that do not
-- depend on today come from 19_derived_deal_warnings.sql.
CREATE OR REPLACE VIEW deal_risks AS
WITH s AS (SELECT * FROM settings_crm),
open_deals AS MATERIALIZED (
    SELECT * FROM deals WHERE coalesce(stage, '') NOT IN ('closed_won', 'closed_lost')
), risks AS (
    SELECT deal_id, 'no_activity' AS risk, last_activity_at AS since,
           format('no activity for {} days', days_since_activity) AS reason
    FROM open_deals, s WHERE days_since_activity > s.no_activity_days
    UNION ALL
    SELECT deal_id, 'overdue_next_step', due_date::TIMESTAMPTZ,
           format('next step overdue since {}: {}{}', due_date, action, coalesce(' (' || owner || ')', ''))
    FROM next_steps WHERE is_overdue
    UNION ALL
    SELECT deal_id, 'stalled', stage_since,
           format('in {} for {} days', stage, days_in_stage)
    FROM open_deals, s WHERE days_in_stage > s.stalled_days
    UNION ALL
    SELECT deal_id, risk, since, reason FROM derived.deal_warnings
)
SELECT r.deal_id, d.name, d.account, d.owner, r.risk, r.reason, r.since
FROM risks r JOIN open_deals d USING (deal_id);
