-- The derived layer: one row per extraction pass, per conversation it covered, per fact.
-- Append-only like the rest: a re-run writes new rows; views pick the latest run.

CREATE TABLE raw.extraction_runs (
    run_id       VARCHAR PRIMARY KEY,
    command      VARCHAR NOT NULL,         -- extract, reprocess
    extractors   JSON NOT NULL,            -- {"next_step": "1", ...} the versions that ran
    models       JSON NOT NULL,            -- model names and versions
    config_hash  VARCHAR NOT NULL,         -- SHA-256 of the settings the extractors read
    params       JSON,                     -- --since, --where, ...
    started_at   TIMESTAMPTZ NOT NULL,
    code_version VARCHAR NOT NULL
);

CREATE TABLE raw.extraction_run_results (
    run_id        VARCHAR NOT NULL,
    finished_at   TIMESTAMPTZ NOT NULL,
    status        VARCHAR NOT NULL,        -- ok, interrupted, failed
    conversations INTEGER NOT NULL,
    facts         INTEGER NOT NULL,
    error         VARCHAR
);

-- Which extractor processed which conversation (and transcript) in which run, facts or
-- not: "no extraction yet" and "the current facts" are both read from here.
CREATE TABLE raw.extraction_coverage (
    run_id          VARCHAR NOT NULL,
    conversation_id VARCHAR NOT NULL,
    transcript_id   VARCHAR NOT NULL,
    extractor       VARCHAR NOT NULL,
    version         VARCHAR NOT NULL,
    covered_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (run_id, conversation_id, extractor)
);

CREATE TABLE raw.extractions (
    extraction_id     VARCHAR PRIMARY KEY,
    run_id            VARCHAR NOT NULL,
    conversation_id   VARCHAR NOT NULL,
    transcript_id     VARCHAR NOT NULL,
    deal_id           VARCHAR,               -- the deal the conversation belonged to when extracted
    field             VARCHAR NOT NULL,      -- next_step, objection, competitor, stage, amount, close_date, ...
    value             JSON NOT NULL,
    confidence        DOUBLE NOT NULL CHECK (confidence BETWEEN 0 AND 1),
    fact_key          VARCHAR NOT NULL,      -- stable across runs: scope + field + normalised value
    evidence          JSON NOT NULL,         -- utterance ids, strongest first
    quote             VARCHAR NOT NULL,      -- verbatim, from the first evidence utterance
    quote_start       INTEGER,               -- character offsets of the quote in that utterance
    quote_end         INTEGER,
    start_s           DOUBLE,                -- calls: time offset of the quote
    said_at           TIMESTAMPTZ,           -- when it was said or written
    extractor         VARCHAR NOT NULL,      -- name
    extractor_version VARCHAR NOT NULL,
    models            JSON NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX extractions_fact_key ON raw.extractions (fact_key);
