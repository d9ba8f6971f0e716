-- The current extractions: for each conversation and extractor, those of the latest run that
-- processed it (a newer run that found nothing means none), with who said the quote, abstained
-- ones included. A fact a rep confirmed or edited stays even when no current run proposes it
-- any more (from the extraction the rep decided on). See `current_extraction_rows` (the rows)
-- and `evidence_utterances` (the speaker, from the raw tables, not `timeline`).
CREATE OR REPLACE VIEW current_extractions AS
SELECT e.*, q.speaker, q.side, q.conversation_kind, q.source_uri
FROM current_extraction_rows e
LEFT JOIN evidence_utterances q ON q.utterance_id = e.evidence ->> 0;
