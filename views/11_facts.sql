-- The current facts an extractor proposes (abstained ones, below the confidence threshold, are
-- left out; `fact_states` has them).
CREATE OR REPLACE VIEW facts AS
SELECT * FROM current_extractions WHERE NOT abstained;
