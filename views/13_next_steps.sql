-- One row per next step (see 13_derived_next_steps.sql). Overdue: open and due before today.
CREATE OR REPLACE VIEW next_steps AS
SELECT
    n.fact_id, n.fact_key, n.conversation_id, n.utterance_id, n.source_uri, n.deal_id, n.deal_name, n.account,
    n.action, n.owner, n.owner_email, n.owner_side, n.due_date, n.due_text,
    n.is_open, n.is_open AND n.due_date < s.today AS is_overdue,
    n.state, n.confidence, n.quote, n.speaker, n.side, n.said_at, n.start_s
FROM derived.next_steps n, settings_crm s;
