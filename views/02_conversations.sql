-- One row per conversation: what, when, with which account, from which file.
CREATE OR REPLACE VIEW conversations AS
WITH latest_transcript AS (
    SELECT conversation_id, arg_max(transcript_id, created_at) AS transcript_id
    FROM raw.transcripts GROUP BY conversation_id
), said AS (
    SELECT u.conversation_id,
           count(*) FILTER (WHERE u.kind IN ('speech', 'message')) AS utterances,
           min(u.sent_at) AS first_sent_at,
           max(u.sent_at) AS last_sent_at,
           max(u.end_s) AS duration_s,
           arg_min(s.uri, coalesce(u.sent_at, c.started_at)) AS source_uri,
           count(DISTINCT u.source_id) AS sources
    FROM raw.utterances u
    JOIN latest_transcript t USING (conversation_id, transcript_id)
    JOIN raw.conversations c USING (conversation_id)
    JOIN raw.sources s ON s.source_id = u.source_id
    GROUP BY u.conversation_id
), accounts AS (
    SELECT conversation_id, arg_max(account, n) AS account
    FROM (SELECT conversation_id, account, count(*) AS n FROM people
          WHERE account IS NOT NULL GROUP BY ALL)
    GROUP BY conversation_id
), names AS (
    SELECT unnest(from_json(value, '[{"domain": "VARCHAR", "name": "VARCHAR"}]'), recursive := true)
    FROM settings WHERE key = 'accounts.names'
)
SELECT
    c.conversation_id,
    c.kind,
    c.title,
    coalesce(said.first_sent_at, c.started_at) AS started_at,
    coalesce(said.last_sent_at, c.started_at + to_seconds(coalesce(said.duration_s, 0))) AS ended_at,
    a.account,
    coalesce(n.name, a.account) AS account_name,
    c.deal,
    (SELECT count(*) FROM raw.participants p WHERE p.conversation_id = c.conversation_id) AS participants,
    coalesce(said.utterances, 0) AS utterances,
    said.source_uri,
    said.sources
FROM raw.conversations c
LEFT JOIN said USING (conversation_id)
LEFT JOIN accounts a USING (conversation_id)
LEFT JOIN names n ON n.domain = a.account;
