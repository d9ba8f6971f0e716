-- One row per external person, across all conversations.
CREATE OR REPLACE VIEW contacts AS
SELECT
    p.identity AS contact_id,
    arg_max(p.name, length(p.name)) AS name,
    any_value(p.email) AS email,
    any_value(p.account) AS account,
    count(DISTINCT p.conversation_id) AS conversations,
    min(c.started_at) AS first_seen_at,
    max(c.ended_at) AS last_seen_at
FROM people p
JOIN conversation_times c USING (conversation_id)
WHERE p.side = 'external'
GROUP BY p.identity;
