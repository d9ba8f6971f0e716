-- The human layer: every decision a rep takes is one appended row, keyed by fact_key, so it
-- outlives every re-run. An undo is a row too (action 'undo', naming the decision it takes back).
-- Facts below the confidence threshold are kept, marked abstained, so a rep can see them on demand.

ALTER TABLE raw.extractions ADD COLUMN abstained BOOLEAN DEFAULT false;

CREATE TABLE raw.reviews (
    review_id         VARCHAR PRIMARY KEY,
    action            VARCHAR NOT NULL CHECK (action IN ('confirm', 'edit', 'reject', 'undo', 'reassign')),
    fact_key          VARCHAR,               -- confirm, edit, reject: the fact decided on
    conversation_id   VARCHAR,               -- reassign: the conversation moved; else where the fact was said
    field             VARCHAR,
    value             JSON,                  -- edit: the corrected value; reassign: {"deal": name}
    proposed          JSON,                  -- the value the rep was shown
    extraction_id     VARCHAR,               -- the proposal decided on (labelled data per extractor version)
    extractor         VARCHAR,
    extractor_version VARCHAR,
    confidence        DOUBLE,
    undoes            VARCHAR,               -- undo: the review_id taken back
    reviewer          VARCHAR NOT NULL,
    reviewed_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX reviews_fact_key ON raw.reviews (fact_key);
