-- Per internal person since --since: conversations by kind, deals touched, their share of what was said on calls, next steps they own.
-- param: since DATE = -30d -- conversations started on or after this date (2026-10-01, or -30d for the last 30 days)
WITH recent AS (
    SELECT conversation_id, deal_id, kind, ended_at FROM deal_conversations WHERE started_at >= $since
), said AS (
    SELECT s.conversation_id, s.email, s.name, s.side, s.chars, r.kind, r.deal_id, r.ended_at
    FROM derived.conversation_speakers s JOIN recent r USING (conversation_id)
), call_chars AS (
    SELECT conversation_id, sum(chars) AS chars FROM said WHERE kind = 'call' GROUP BY conversation_id
), mine AS (  -- the internal people in each conversation, whether or not they said anything
    SELECT p.email, any_value(p.name) AS name, p.conversation_id, any_value(r.kind) AS kind,
           any_value(r.deal_id) AS deal_id, any_value(r.ended_at) AS ended_at
    FROM people p JOIN recent r USING (conversation_id)
    WHERE p.side = 'internal' AND p.email IS NOT NULL
    GROUP BY p.email, p.conversation_id
), spoken AS (
    SELECT email, sum(chars) AS call_chars FROM said WHERE side = 'internal' AND kind = 'call' GROUP BY email
), steps AS (
    SELECT owner_email AS email, count(*) FILTER (WHERE is_open) AS open_next_steps,
           count(*) FILTER (WHERE is_overdue) AS overdue_next_steps
    FROM next_steps WHERE owner_email IS NOT NULL GROUP BY owner_email
)
SELECT m.email, any_value(m.name) AS name,
       count(*) AS conversations,
       count(*) FILTER (WHERE m.kind = 'call') AS calls,
       count(*) FILTER (WHERE m.kind = 'email') AS email_threads,
       count(*) FILTER (WHERE m.kind = 'chat') AS chats,
       count(DISTINCT m.deal_id) AS deals,
       round(any_value(s.call_chars) / nullif(sum(cc.chars) FILTER (WHERE m.kind = 'call'), 0), 2) AS talk_share_on_calls,
       coalesce(any_value(st.open_next_steps), 0) AS open_next_steps,
       coalesce(any_value(st.overdue_next_steps), 0) AS overdue_next_steps,
       max(m.ended_at)::DATE AS last_activity
FROM mine m
LEFT JOIN call_chars cc USING (conversation_id)
LEFT JOIN spoken s ON s.email = m.email
LEFT JOIN steps st ON st.email = m.email
GROUP BY m.email
ORDER BY conversations DESC, m.email;
