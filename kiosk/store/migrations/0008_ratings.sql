-- Satisfaction ratings (好差评) waiting to be sent, and a short record of
-- those sent. A rating holds nothing personal (never an ID number; a case,
-- ticket or appointment number at most), so it is kept as plain JSON. The
-- row's id is the rating_id, also its Idempotency-Key. Delivered and
-- parked rows are purged after the retention, as submissions are.
CREATE TABLE ratings (
    id              TEXT PRIMARY KEY,
    body            TEXT NOT NULL,             -- the kiosk.Rating as JSON
    service         TEXT NOT NULL,
    level           INTEGER NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'inflight', 'delivered', 'parked')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL,
    claim_token     TEXT NOT NULL DEFAULT '',
    claimed_until   INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    park_code       TEXT NOT NULL DEFAULT '',
    queued_ms       INTEGER NOT NULL,
    done_ms         INTEGER,                   -- delivered or parked
    updated_ms      INTEGER NOT NULL
) STRICT;
CREATE INDEX ratings_due ON ratings(state, next_attempt_ms);
