-- One row per conversation with when it started and ended and how many utterances it has (of
-- its current transcript): the part of `conversations` that one pass over the utterances gives.
-- The views that need only these columns read this rather than `conversations`, which also
-- counts sources and participants and finds accounts.
CREATE OR REPLACE VIEW conversation_times AS
WITH latest_transcript AS (
    SELECT conversation_id, arg_max(transcript_id, created_at) AS transcript_id
    FROM raw.transcripts GROUP BY conversation_id
), said AS (
    SELECT u.conversation_id,
           count(*) FILTER (WHERE u.kind IN ('speech', 'message')) AS utterances,
           min(u.sent_at) AS first_sent_at,
           max(u.sent_at) AS last_sent_at,
           max(u.end_s) AS duration_s
    FROM raw.utterances u
    JOIN latest_transcript t USING (conversation_id, transcript_id)
    GROUP BY u.conversation_id
)
SELECT
    c.conversation_id,
    c.kind,
    c.title,
    c.deal,
    coalesce(said.first_sent_at, c.started_at) AS started_at,
    coalesce(said.last_sent_at, c.started_at + to_seconds(coalesce(said.duration_s, 0))) AS ended_at,
    coalesce(said.utterances, 0) AS utterances
FROM raw.conversations c
LEFT JOIN said USING (conversation_id);
