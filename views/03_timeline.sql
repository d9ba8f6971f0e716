-- One row per utterance of the current transcript, in the order it was said.
CREATE OR REPLACE VIEW timeline AS
WITH latest_transcript AS (
    SELECT conversation_id, arg_max(transcript_id, created_at) AS transcript_id
    FROM raw.transcripts GROUP BY conversation_id
)
SELECT
    u.conversation_id,
    u.utterance_id,
    c.kind,
    coalesce(p.name, u.speaker) AS speaker,
    p.email,
    coalesce(p.side, 'unknown') AS side,
    u.kind AS utterance_kind,
    u.start_s,
    u.end_s,
    coalesce(u.sent_at, c.started_at + to_seconds(coalesce(u.start_s, 0))) AS said_at,
    u.sent_at,
    u.text,
    u.external_id,
    u.parent_id,
    s.uri AS source_uri,
    row_number() OVER (PARTITION BY u.conversation_id
                       ORDER BY coalesce(u.sent_at, c.started_at + to_seconds(coalesce(u.start_s, 0))), u.source_id, u.seq) AS position
FROM raw.utterances u
JOIN latest_transcript t USING (conversation_id, transcript_id)
JOIN raw.conversations c USING (conversation_id)
JOIN raw.sources s ON s.source_id = u.source_id
LEFT JOIN people p ON p.participant_id = u.participant_id;
