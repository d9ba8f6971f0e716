-- Per internal person since --since: conversations by kind, deals touched, their share of what was said on calls, next steps they own.
-- param: since DATE = -30d -- from this date (2026-10-01, or -30d for the last 30 days)
WITH mine AS (
    SELECT p.email, any_value(p.name) AS name, p.conversation_id
    FROM people p JOIN conversation_times c USING (conversation_id)
    WHERE p.side = 'internal' AND p.email IS NOT NULL AND c.started_at >= $since
    GROUP BY p.email, p.conversation_id
), recent AS MATERIALIZED (  -- one pass over the timeline for both sums below
    SELECT conversation_id, email, side, kind, length(text) AS chars FROM timeline
    WHERE said_at >= $since AND (side = 'internal' OR kind = 'call')
), spoken AS (
    SELECT email, sum(chars) FILTER (WHERE kind = 'call') AS call_chars
    FROM recent WHERE side = 'internal' GROUP BY email
), call_chars AS (
    SELECT conversation_id, sum(chars) AS chars FROM recent
    WHERE kind = 'call' GROUP BY conversation_id
), steps AS (
    SELECT owner_email AS email, count(*) FILTER (WHERE is_open) AS open_next_steps,
           count(*) FILTER (WHERE is_overdue) AS overdue_next_steps
    FROM next_steps WHERE owner_email IS NOT NULL GROUP BY owner_email
)
SELECT m.email, any_value(m.name) AS name,
       count(*) AS conversations,
       count(*) FILTER (WHERE c.kind = 'call') AS calls,
       count(*) FILTER (WHERE c.kind = 'email') AS email_threads,
       count(*) FILTER (WHERE c.kind = 'chat') AS chats,
       count(DISTINCT cd.deal_id) AS deals,
       round(any_value(s.call_chars) / nullif(sum(cc.chars) FILTER (WHERE c.kind = 'call'), 0), 2) AS talk_share_on_calls,
       coalesce(any_value(st.open_next_steps), 0) AS open_next_steps,
       coalesce(any_value(st.overdue_next_steps), 0) AS overdue_next_steps,
       max(c.ended_at)::DATE AS last_activity
FROM mine m
JOIN conversation_times c USING (conversation_id)
LEFT JOIN conversation_deals cd USING (conversation_id)
LEFT JOIN call_chars cc USING (conversation_id)
LEFT JOIN spoken s ON s.email = m.email
LEFT JOIN steps st ON st.email = m.email
GROUP BY m.email
ORDER BY conversations DESC, m.email;
