-- Every conversation with its deal, kind, title, times, size and internal people (`reps`).
CREATE OR REPLACE VIEW deal_conversations AS
SELECT * FROM derived.conversation_deals;
