-- Every current fact with its state and the value the CRM uses (see 12_derived_fact_states.sql).
CREATE OR REPLACE VIEW fact_states AS
SELECT * FROM derived.fact_states;
