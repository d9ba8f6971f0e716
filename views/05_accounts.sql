-- One row per prospect or customer organisation: an external, non-free-mail email domain.
CREATE OR REPLACE VIEW accounts AS
SELECT
    a.account,
    any_value(a.account_name) AS name,
    count(*) AS conversations,
    count(*) FILTER (WHERE c.kind IN ('call', 'voice_note')) AS calls,
    count(*) FILTER (WHERE c.kind = 'email') AS email_threads,
    count(*) FILTER (WHERE c.kind = 'chat') AS chats,
    (SELECT count(*) FROM contacts k WHERE k.account = a.account) AS contacts,
    min(c.started_at) AS first_activity_at,
    max(c.ended_at) AS last_activity_at
FROM conversation_times c
JOIN conversation_accounts a USING (conversation_id)  -- conversations with an account
GROUP BY a.account;
