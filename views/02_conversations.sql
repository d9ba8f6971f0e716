-- One row per conversation: what, when, with which account, from which file.
-- (Every utterance's source is stored with it, so the sources are counted from the utterances
-- and only the first one's uri is looked up.)
CREATE OR REPLACE VIEW conversations AS
WITH latest_transcript AS (
    SELECT conversation_id, arg_max(transcript_id, created_at) AS transcript_id
    FROM raw.transcripts GROUP BY conversation_id
), sources_used AS (
    SELECT conversation_id, count(*) AS sources, arg_min(source_id, first_at) AS first_source_id
    FROM (SELECT u.conversation_id, u.source_id, min(coalesce(u.sent_at, c.started_at)) AS first_at
          FROM raw.utterances u
          JOIN latest_transcript t USING (conversation_id, transcript_id)
          JOIN raw.conversations c USING (conversation_id)
          GROUP BY u.conversation_id, u.source_id)
    GROUP BY conversation_id
), participant_counts AS (
    SELECT conversation_id, count(*) AS participants FROM raw.participants GROUP BY conversation_id
)
SELECT
    t.conversation_id,
    t.kind,
    t.title,
    t.started_at,
    t.ended_at,
    a.account,
    a.account_name,
    t.deal,
    coalesce(pc.participants, 0) AS participants,
    t.utterances,
    s.uri AS source_uri,
    su.sources
FROM conversation_times t
LEFT JOIN sources_used su USING (conversation_id)
LEFT JOIN raw.sources s ON s.source_id = su.first_source_id
LEFT JOIN participant_counts pc USING (conversation_id)
LEFT JOIN conversation_accounts a USING (conversation_id);
