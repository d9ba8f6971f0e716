-- One row per objection raised by the prospect's side (abstained ones left out).
-- Derived table (rebuilt at write time, see views/__init__.py); the `objections` view reads it.
-- key: conversation_id
CREATE OR REPLACE TABLE derived.objections AS
SELECT
    fact_id, fact_key, conversation_id, utterance_id, source_uri, deal_id, deal_name, account,
    value ->> 'category' AS category,
    value ->> 'summary' AS summary,
    state, confidence, quote, speaker, side, said_at, start_s
FROM fact_states
WHERE field = 'objection' AND state <> 'abstained';
