-- Every current fact with its state and the value the CRM uses. State: the latest human decision
-- (confirmed, edited, rejected); else abstained (below the confidence threshold, shown on
-- demand); else accepted when [review] auto_accept is set and the confidence reaches it; else
-- proposed (awaiting review). `fact_id` is the fact_key: stable across re-runs.
-- `fact_values` computes all of it but who said the quote: the quoted utterance's speaker, their
-- side, the conversation's kind and the source file, looked up here (as `evidence_utterances`
-- does) for the facts at hand only, so that a review decision rebuilds its rows in milliseconds.
-- Derived table (rebuilt at write time, see views/__init__.py); the `fact_states` view reads it.
-- key: conversation_id
CREATE OR REPLACE TABLE derived.fact_states AS
WITH current_transcript AS (
    SELECT conversation_id, arg_max(transcript_id, created_at) AS transcript_id
    FROM raw.transcripts GROUP BY conversation_id
), quoted AS (
    SELECT u.conversation_id, u.utterance_id, coalesce(p.name, u.speaker) AS speaker, coalesce(p.side, 'unknown') AS side,
           c.kind AS conversation_kind, s.uri AS source_uri
    FROM raw.utterances u
    JOIN current_transcript USING (conversation_id, transcript_id)
    JOIN raw.conversations c USING (conversation_id)
    JOIN raw.sources s ON s.source_id = u.source_id
    LEFT JOIN people p ON p.participant_id = u.participant_id
)
SELECT
    f.fact_id, f.fact_key, f.field, f.state, f.value, f.summary, f.proposed_value, f.confidence,
    f.conversation_id, f.deal_id, f.deal_name, f.account,
    f.utterance_id,
    f.quote, f.quote_start, f.quote_end,
    q.speaker, q.side, f.start_s, f.said_at,
    q.conversation_kind, q.source_uri,
    f.extractor, f.extractor_version, f.extraction_id, f.run_id,
    f.reviewer, f.reviewed_at
FROM fact_values f  -- joined by conversation too: a filter on it reaches the utterances
LEFT JOIN quoted q USING (conversation_id, utterance_id);
