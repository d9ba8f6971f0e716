-- The current extractions: for each conversation and extractor, those of the latest run that
-- processed it (a newer run that found nothing means none), with who said the quote, abstained
-- ones included. A fact a rep confirmed or edited stays even when no current run proposes it
-- any more (from the extraction the rep decided on). The speaker comes from the raw tables, not `timeline`, whose row numbers would be
-- computed over every utterance.
CREATE OR REPLACE VIEW current_extractions AS
WITH latest AS (
    SELECT conversation_id, extractor, arg_max(run_id, covered_at) AS run_id
    FROM raw.extraction_coverage
    GROUP BY conversation_id, extractor
), current_transcript AS (
    SELECT conversation_id, arg_max(transcript_id, created_at) AS transcript_id
    FROM raw.transcripts GROUP BY conversation_id
), said AS (
    SELECT u.utterance_id, coalesce(p.name, u.speaker) AS speaker, coalesce(p.side, 'unknown') AS side,
           c.kind AS conversation_kind, s.uri AS source_uri
    FROM raw.utterances u
    JOIN current_transcript USING (conversation_id, transcript_id)
    JOIN raw.conversations c USING (conversation_id)
    JOIN raw.sources s ON s.source_id = u.source_id
    LEFT JOIN people p ON p.participant_id = u.participant_id
), current_rows AS (
    SELECT e.* FROM raw.extractions e JOIN latest l USING (conversation_id, extractor, run_id)
), kept AS (
    SELECT e.* FROM raw.extractions e JOIN decisions d ON d.extraction_id = e.extraction_id
    WHERE d.action IN ('confirm', 'edit') AND e.fact_key NOT IN (SELECT fact_key FROM current_rows)
)
SELECT e.*, said.speaker, said.side, said.conversation_kind, said.source_uri
FROM (SELECT * FROM current_rows UNION ALL SELECT * FROM kept) e
LEFT JOIN said ON said.utterance_id = e.evidence ->> 0;
