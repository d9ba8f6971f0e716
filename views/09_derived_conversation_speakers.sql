-- Derived table (rebuilt at write time, see views/__init__.py): per conversation and speaker of
-- its current transcript, how many utterances and characters they said or wrote.
-- key: conversation_id
CREATE OR REPLACE TABLE derived.conversation_speakers AS
WITH current_transcript AS (
    SELECT conversation_id, arg_max(transcript_id, created_at) AS transcript_id
    FROM raw.transcripts GROUP BY conversation_id
), spoken AS (
    SELECT u.conversation_id, u.participant_id, count(*) AS utterances, sum(length(u.text)) AS chars
    FROM raw.utterances u
    JOIN current_transcript USING (conversation_id, transcript_id)
    WHERE u.kind IN ('speech', 'message') AND u.participant_id IS NOT NULL
    GROUP BY ALL
)
SELECT s.conversation_id, s.participant_id, p.name, p.email, p.side, s.utterances, s.chars
FROM spoken s JOIN people p USING (participant_id);
