-- One row per objection raised by the prospect's side (see 14_derived_objections.sql).
CREATE OR REPLACE VIEW objections AS
SELECT * FROM derived.objections;
