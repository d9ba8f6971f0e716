-- The human decisions in force: per fact the latest confirm, edit or reject, per conversation
-- the latest reassignment to a deal; a decision taken back by an `undo` row no longer counts.
CREATE OR REPLACE VIEW decisions AS
SELECT r.*
FROM raw.reviews r
WHERE r.action <> 'undo'
  AND r.review_id NOT IN (SELECT undoes FROM raw.reviews WHERE action = 'undo' AND undoes IS NOT NULL)
QUALIFY row_number() OVER (
    PARTITION BY CASE WHEN r.action = 'reassign' THEN 'conversation:' || r.conversation_id ELSE r.fact_key END
    ORDER BY r.reviewed_at DESC, r.review_id DESC) = 1;
