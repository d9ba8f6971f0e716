-- What awaits a rep's decision: proposed facts, newest conversation first. `reps` are the
-- conversation's internal participants (whose queue it is in).
CREATE OR REPLACE VIEW review_queue AS
SELECT
    f.fact_id, f.conversation_id, c.started_at AS conversation_at, c.kind, c.title,
    f.deal_id, f.deal_name, f.account, f.field, f.summary, f.value, f.confidence,
    f.quote, f.quote_start, f.quote_end, f.speaker, f.side, f.start_s, f.said_at,
    f.utterance_id, f.source_uri, f.extractor, f.extractor_version, c.reps
FROM fact_states f
JOIN derived.conversation_deals c USING (conversation_id)
WHERE f.state = 'proposed';
