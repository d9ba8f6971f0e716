-- A deal's stage changes in time order (see 16_derived_deal_stage_history.sql), with the days
-- spent in each stage (the current one: to today).
CREATE OR REPLACE VIEW deal_stage_history AS
SELECT
    h.deal_id, h.deal_name, h.account, h.changed_at, h.previous_stage, h.stage,
    date_diff('day', h.changed_at::DATE, coalesce(h.next_changed_at::DATE, s.today)) AS days_in_stage,
    h.next_changed_at IS NULL AS is_current,
    h.conversation_id, h.title, h.kind, h.state, h.confidence, h.quote, h.speaker, h.start_s, h.fact_id
FROM derived.deal_stage_history h, settings_crm s;
