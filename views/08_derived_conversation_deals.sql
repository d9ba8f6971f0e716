-- Derived table (rebuilt at write time, see views/__init__.py): per conversation, its deal (as
-- in `conversation_deals`, reassignments included), kind, title, times, size and the internal
-- people who took part: what the deal views need per conversation, without reading utterances.
-- key: conversation_id
CREATE OR REPLACE TABLE derived.conversation_deals AS
SELECT cd.conversation_id, cd.deal_id, cd.deal_name, cd.account,
       t.kind, t.title, t.started_at, t.ended_at, t.utterances,
       coalesce(r.reps, []) AS reps
FROM conversation_deals cd
JOIN conversation_times t USING (conversation_id)
LEFT JOIN (SELECT conversation_id, list(DISTINCT email ORDER BY email) AS reps FROM people
           WHERE side = 'internal' AND email IS NOT NULL GROUP BY conversation_id) r USING (conversation_id);
