-- One row per competitor mention (see 15_derived_competitor_mentions.sql).
CREATE OR REPLACE VIEW competitor_mentions AS
SELECT * FROM derived.competitor_mentions;
