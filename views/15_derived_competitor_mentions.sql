-- One row per competitor mention (abstained ones left out). `listed` is false for organisations
-- that look like competitors but are not in [competitors]: proposed at low confidence.
-- Derived table (rebuilt at write time, see views/__init__.py); the `competitor_mentions` view reads it.
-- key: conversation_id
CREATE OR REPLACE TABLE derived.competitor_mentions AS
SELECT
    fact_id, fact_key, conversation_id, utterance_id, source_uri, deal_id, deal_name, account,
    value ->> 'name' AS competitor,
    coalesce((value ->> 'active')::BOOLEAN, true) AS active,
    field = 'competitor' AS listed,
    state, confidence, quote, speaker, side, said_at, start_s
FROM fact_states
WHERE field IN ('competitor', 'competitor_candidate') AND state <> 'abstained';
