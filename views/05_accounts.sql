-- One row per prospect or customer organisation: an external, non-free-mail email domain.
CREATE OR REPLACE VIEW accounts AS
SELECT
    c.account,
    any_value(c.account_name) AS name,
    count(*) AS conversations,
    count(*) FILTER (WHERE c.kind IN ('call', 'voice_note')) AS calls,
    count(*) FILTER (WHERE c.kind = 'email') AS email_threads,
    count(*) FILTER (WHERE c.kind = 'chat') AS chats,
    (SELECT count(*) FROM contacts k WHERE k.account = c.account) AS contacts,
    min(c.started_at) AS first_activity_at,
    max(c.ended_at) AS last_activity_at
FROM conversations c
WHERE c.account IS NOT NULL
GROUP BY c.account;
