-- Derived table (rebuilt at write time, see views/__init__.py): one row per next step
-- (abstained ones left out). Open: not rejected, and either due later than the deal's last
-- activity (nothing has happened since it fell due) or, with no due date, said in the deal's
-- latest conversation. The `next_steps` view adds whether it is overdue.
-- key: conversation_id
CREATE OR REPLACE TABLE derived.next_steps AS
WITH activity AS (
    SELECT deal_id, max(ended_at) AS last_activity_at, arg_max(conversation_id, started_at) AS last_conversation_id
    FROM derived.conversation_deals WHERE deal_id IS NOT NULL
    GROUP BY deal_id
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
    state, confidence, quote, speaker, side, said_at, start_s
FROM steps;
