-- Submissions made at this terminal and their outbox rows.
-- Personal data lives only in submissions.sealed (AES-256-GCM, the row id as
-- associated data); applicant_tag is a keyed hash of the ID number; the rest
-- is what a receipt reprint and the audit need after the purge.
CREATE TABLE submissions (
    id            TEXT PRIMARY KEY,          -- ULID/UUID, also the Idempotency-Key
    local_no      TEXT NOT NULL UNIQUE,      -- T<terminal>-<yymmdd>-<seq>, read out to residents
    terminal_id   TEXT NOT NULL,
    item_code     TEXT NOT NULL,
    masked_id     TEXT NOT NULL,
    applicant_tag TEXT NOT NULL,
    created_at    TEXT NOT NULL,             -- RFC 3339, when the resident confirmed
    queued_ms     INTEGER NOT NULL,
    sealed        BLOB,                      -- NULL after purge or discard
    case_no       TEXT,
    accepted_at   TEXT,
    due_date      TEXT,
    track_url     TEXT,
    delivered_ms  INTEGER,
    discarded_ms  INTEGER
) STRICT;
CREATE INDEX submissions_applicant ON submissions(applicant_tag);

CREATE TABLE outbox (
    submission_id   TEXT PRIMARY KEY REFERENCES submissions(id) ON DELETE CASCADE,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'inflight', 'delivered', 'parked')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL,
    claim_token     TEXT NOT NULL DEFAULT '',
    claimed_until   INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    park_reason     TEXT NOT NULL DEFAULT '',
    park_code       TEXT NOT NULL DEFAULT '',
    park_fields     TEXT NOT NULL DEFAULT '[]',  -- JSON [{field, code, message}]
    updated_ms      INTEGER NOT NULL
) STRICT;
CREATE INDEX outbox_due ON outbox(state, next_attempt_ms);

CREATE TABLE local_seq (
    day TEXT PRIMARY KEY,
    seq INTEGER NOT NULL
) STRICT;
