-- Every current fact with its state and the value the CRM uses. State: the latest human decision
-- (confirmed, edited, rejected); else abstained (below the confidence threshold, shown on
-- demand); else accepted when [review] auto_accept is set and the confidence reaches it; else
-- proposed (awaiting review). `fact_id` is the fact_key: stable across re-runs.
-- `fact_values` computes all of it but who said the quote, added here from `evidence_utterances`.
-- Derived table (rebuilt at write time, see views/__init__.py); the `fact_states` view reads it.
-- key: conversation_id
CREATE OR REPLACE TABLE derived.fact_states AS
SELECT
    f.fact_id, f.fact_key, f.field, f.state, f.value, f.summary, f.proposed_value, f.confidence,
    f.conversation_id, f.deal_id, f.deal_name, f.account,
    f.utterance_id,
    f.quote, f.quote_start, f.quote_end,
    q.speaker, q.side, f.start_s, f.said_at,
    q.conversation_kind, q.source_uri,
    f.extractor, f.extractor_version, f.extraction_id, f.run_id,
    f.reviewer, f.reviewed_at
FROM fact_values f
LEFT JOIN evidence_utterances q ON q.utterance_id = f.utterance_id;
