-- The current facts: for each conversation and extractor, those of the latest run that
-- processed it (a newer run that found nothing means no current fact).
CREATE OR REPLACE VIEW facts AS
WITH latest AS (
    SELECT conversation_id, extractor, arg_max(run_id, covered_at) AS run_id
    FROM raw.extraction_coverage
    GROUP BY conversation_id, extractor
)
SELECT e.*, t.speaker, t.side, t.kind AS conversation_kind, t.source_uri
FROM raw.extractions e
JOIN latest l USING (conversation_id, extractor, run_id)
LEFT JOIN timeline t ON t.utterance_id = e.evidence ->> 0;
