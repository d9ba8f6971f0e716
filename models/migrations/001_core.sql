-- The raw, append-only core: what was said, by whom, where it came from.
-- Facts live in schema `raw`; the CRM views of the same names live in `main`.
CREATE SCHEMA raw;

CREATE TABLE raw.sources (
    source_id    VARCHAR PRIMARY KEY,      -- sha256 of the raw bytes
    kind         VARCHAR NOT NULL,         -- ingestor name: vtt, eml, mbox, slack, ...
    uri          VARCHAR NOT NULL,         -- file path, or archive!member, or mbox#offset
    size_bytes   BIGINT NOT NULL,
    content      BLOB,                     -- the raw bytes for text sources; NULL for audio (path kept)
    meta         JSON,
    received_at  TIMESTAMPTZ NOT NULL,
    ingest_id    VARCHAR NOT NULL
);

CREATE TABLE raw.conversations (
    conversation_id VARCHAR PRIMARY KEY,
    kind            VARCHAR NOT NULL,      -- call, voice_note, email, chat
    thread_key      VARCHAR NOT NULL UNIQUE,
    title           VARCHAR,
    started_at      TIMESTAMPTZ,           -- as first seen; views use the utterances
    deal            VARCHAR,               -- from a sidecar, when given
    meta            JSON,
    created_at      TIMESTAMPTZ NOT NULL,
    ingest_id       VARCHAR NOT NULL
);

-- Every natural key that leads to a conversation: a Message-ID, a referenced
-- Message-ID, a chat thread, a normalised subject. New items join the
-- conversation of the first key they share.
CREATE TABLE raw.conversation_keys (
    key             VARCHAR PRIMARY KEY,
    conversation_id VARCHAR NOT NULL,
    ingest_id       VARCHAR NOT NULL
);

CREATE TABLE raw.participants (
    participant_id  VARCHAR PRIMARY KEY,
    conversation_id VARCHAR NOT NULL,
    identity        VARCHAR NOT NULL,      -- email, else normalised name or speaker label
    name            VARCHAR,
    email           VARCHAR,
    domain          VARCHAR,
    side_hint       VARCHAR,               -- internal/external when the source says so (Slack members)
    ingest_id       VARCHAR NOT NULL,
    UNIQUE (conversation_id, identity)
);

CREATE TABLE raw.transcripts (
    transcript_id   VARCHAR PRIMARY KEY,
    conversation_id VARCHAR NOT NULL,
    engine          VARCHAR NOT NULL,      -- text, whisper, ...
    model           VARCHAR,
    version         VARCHAR,
    config          JSON,
    created_at      TIMESTAMPTZ NOT NULL,
    ingest_id       VARCHAR NOT NULL
);

CREATE TABLE raw.utterances (
    utterance_id    VARCHAR PRIMARY KEY,
    conversation_id VARCHAR NOT NULL,
    transcript_id   VARCHAR NOT NULL,
    source_id       VARCHAR NOT NULL,
    seq             INTEGER NOT NULL,      -- order within its source item
    participant_id  VARCHAR,
    speaker         VARCHAR,               -- the label as the source wrote it
    kind            VARCHAR NOT NULL,      -- speech, message, join, bot, system
    start_s         DOUBLE,
    end_s           DOUBLE,
    sent_at         TIMESTAMPTZ,
    text            VARCHAR NOT NULL,
    external_id     VARCHAR,               -- Message-ID, slack:channel:ts, ...
    parent_id       VARCHAR,               -- In-Reply-To, chat thread parent
    meta            JSON,                  -- subject, attachments, ...
    ingest_id       VARCHAR NOT NULL
);
CREATE UNIQUE INDEX utterances_external_id ON raw.utterances (external_id);

CREATE TABLE raw.ingest_errors (
    uri        VARCHAR NOT NULL,
    kind       VARCHAR,
    error      VARCHAR NOT NULL,
    failed_at  TIMESTAMPTZ NOT NULL,
    ingest_id  VARCHAR NOT NULL
);

-- One row per `dealtape ingest` (and later per extraction command).
CREATE TABLE _dealtape_runs (
    run_id       VARCHAR PRIMARY KEY,
    command      VARCHAR NOT NULL,
    started_at   TIMESTAMPTZ NOT NULL,
    code_version VARCHAR NOT NULL
);
CREATE TABLE _dealtape_run_results (
    run_id      VARCHAR NOT NULL,
    finished_at TIMESTAMPTZ NOT NULL,
    status      VARCHAR NOT NULL,
    n_new       INTEGER NOT NULL,
    n_duplicate INTEGER NOT NULL,
    n_failed    INTEGER NOT NULL
);

-- Incremental cursors (IMAP UIDVALIDITY + last UID, ...), appended in the same
-- transaction as the rows they cover; the latest row per (ingestor, scope) wins.
CREATE TABLE _dealtape_ingest_state (
    ingestor   VARCHAR NOT NULL,
    scope      VARCHAR NOT NULL,
    state      JSON NOT NULL,
    saved_at   TIMESTAMPTZ NOT NULL,
    ingest_id  VARCHAR NOT NULL
);

-- Settings the views need (internal domains, free-mail domains), appended when
-- the configuration changes; the latest row per key wins.
CREATE TABLE _dealtape_settings (
    key    VARCHAR NOT NULL,
    value  JSON NOT NULL,
    set_at TIMESTAMPTZ NOT NULL
);
