-- Recorded calls and voice notes. The audio itself stays where it is (raw.sources keeps its
-- sha256 and path); each transcription is a raw.transcripts row whose config holds the settings
-- that made it, so a re-transcription with other settings is a new row and views use the newest.

-- Reps' voiceprints, enrolled by `dealtape reps enroll` (internal people only, who can consent).
-- The latest row per email is the one in force; a diarized speaker this close (cosine) to one
-- becomes that rep.
CREATE TABLE raw.voiceprints (
    email       VARCHAR NOT NULL,
    embedding   FLOAT[] NOT NULL,        -- unit-length speaker embedding
    model       VARCHAR NOT NULL,        -- the encoder that made it (resemblyzer-ge2e)
    speech_s    DOUBLE NOT NULL,         -- seconds of speech it rests on
    source_id   VARCHAR NOT NULL,        -- sha256 of the enrolment recording (not stored)
    uri         VARCHAR NOT NULL,
    enrolled_by VARCHAR NOT NULL,
    enrolled_at TIMESTAMPTZ NOT NULL
);
