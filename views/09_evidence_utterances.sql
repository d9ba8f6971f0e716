-- Who said each utterance that some extraction quotes first (its evidence), when that utterance
-- belongs to its conversation's current transcript: the speaker (participant name, else the
-- source's label), their side, the conversation's kind and the source file. Looked up from the
-- raw tables for the quoted utterances only (`timeline` would number every utterance);
-- `current_extractions` and `fact_states` join it on `evidence ->> 0`.
CREATE OR REPLACE VIEW evidence_utterances AS
WITH current_transcript AS (
    SELECT conversation_id, arg_max(transcript_id, created_at) AS transcript_id
    FROM raw.transcripts GROUP BY conversation_id
)
SELECT u.utterance_id, coalesce(p.name, u.speaker) AS speaker, coalesce(p.side, 'unknown') AS side,
       c.kind AS conversation_kind, s.uri AS source_uri
FROM (SELECT DISTINCT evidence ->> 0 AS utterance_id FROM raw.extractions) quoted
JOIN raw.utterances u USING (utterance_id)
JOIN current_transcript USING (conversation_id, transcript_id)
JOIN raw.conversations c USING (conversation_id)
JOIN raw.sources s ON s.source_id = u.source_id
LEFT JOIN people p ON p.participant_id = u.participant_id;
