-- One row per extraction pass, with how it ended (NULL status: still running or killed).
CREATE OR REPLACE VIEW extraction_runs AS
SELECT r.run_id, r.command, r.extractors, r.started_at, res.finished_at, res.status,
       res.conversations, res.facts, res.error, r.params, r.models, r.config_hash, r.code_version
FROM raw.extraction_runs r
LEFT JOIN raw.extraction_run_results res USING (run_id);
