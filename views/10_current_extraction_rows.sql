-- The current extractions as stored, without who said them (`current_extractions` adds that):
-- for each conversation and extractor, those of the latest run that processed it (a newer run
-- that found nothing means none), abstained ones included, plus the facts a rep confirmed or
-- edited that no current run proposes any more (from the extraction the rep decided on).
CREATE OR REPLACE VIEW current_extraction_rows AS
WITH latest AS (
    SELECT conversation_id, extractor, arg_max(run_id, covered_at) AS run_id
    FROM raw.extraction_coverage
    GROUP BY conversation_id, extractor
), current_rows AS (
    SELECT e.* FROM raw.extractions e JOIN latest l USING (conversation_id, extractor, run_id)
), kept AS (
    SELECT e.* FROM raw.extractions e JOIN decisions d ON d.extraction_id = e.extraction_id
    WHERE d.action IN ('confirm', 'edit')
      AND NOT EXISTS (SELECT 1 FROM current_rows c WHERE c.conversation_id = e.conversation_id AND c.fact_key = e.fact_key)
)
SELECT * FROM current_rows UNION ALL SELECT * FROM kept;
