-- One row per next step (abstained ones left out). Open: not rejected, and either due later
-- than the deal's last activity (nothing has happened since it fell due) or, with no due
-- date, said in the deal's latest conversation. Overdue: open and due before today.
CREATE OR REPLACE VIEW next_steps AS
WITH activity AS (
    SELECT cd.deal_id, max(c.ended_at) AS last_activity_at,
           arg_max(c.conversation_id, c.started_at) AS last_conversation_id
    FROM conversation_times c JOIN conversation_deals cd USING (conversation_id)
    GROUP BY cd.deal_id
), steps AS (
    SELECT f.*, TRY_CAST(f.value ->> 'due_date' AS DATE) AS due,
           f.state <> 'rejected' AND CASE
               WHEN TRY_CAST(f.value ->> 'due_date' AS DATE) IS NOT NULL
                   THEN coalesce(a.last_activity_at::DATE <= TRY_CAST(f.value ->> 'due_date' AS DATE), true)
               ELSE coalesce(f.conversation_id = a.last_conversation_id, true) END AS is_open
    FROM fact_states f LEFT JOIN activity a USING (deal_id)
    WHERE f.field = 'next_step' AND f.state <> 'abstained'
)
SELECT
    fact_id, fact_key, conversation_id, utterance_id, source_uri, deal_id, deal_name, account,
    value ->> 'action' AS action,
    value ->> 'owner' AS owner,
    value ->> 'owner_email' AS owner_email,
    value ->> 'owner_side' AS owner_side,
    due AS due_date,
    value ->> 'due_text' AS due_text,
    is_open,
    is_open AND due < (SELECT today FROM settings_crm) AS is_overdue,
    state, confidence, quote, speaker, side, said_at, start_s
FROM steps;
