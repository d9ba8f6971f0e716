-- One row per deal, shaped like a CRM's opportunity record (see 17_derived_deals.sql), with
-- the days since its last activity and in its current stage counted to today ([crm] as_of).
CREATE OR REPLACE VIEW deals AS
SELECT
    d.deal_id, d.account, d.name, d.owner, d.stage, d.stage_state, d.stage_since,
    date_diff('day', d.stage_since::DATE, s.today) AS days_in_stage,
    d.amount, d.currency, d.close_date, d.next_step, d.last_activity_at,
    date_diff('day', d.last_activity_at::DATE, s.today) AS days_since_activity,
    d.open_next_steps, d.open_objections, d.competitors, d.contacts_engaged, d.first_activity_at, d.conversations
FROM derived.deals d, settings_crm s;
