-- The audit trail (电子监察): one row per event, hash-chained by kiosk/audit.
-- Append-only: triggers refuse UPDATE and DELETE, so only someone who drops
-- them (an attacker with the file) can change a row, and the chain then
-- shows where. at is RFC 3339 text with its UTC offset, exactly as hashed.
CREATE TABLE audit (
    seq       INTEGER PRIMARY KEY CHECK (seq > 0),
    at        TEXT NOT NULL,
    kind      TEXT NOT NULL,
    subject   TEXT NOT NULL,
    detail    TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
) STRICT;

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit trail is append-only');
END;

CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit trail is append-only');
END;

-- How far the central server has acknowledged the trail (POST /v1/audit's
-- acked_through), with the hash it acknowledged, so a rewritten or deleted
-- tail is caught even when the rest of the chain is consistent.
CREATE TABLE audit_ack (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    acked_seq  INTEGER NOT NULL CHECK (acked_seq >= 0),
    acked_hash TEXT NOT NULL,
    acked_at   TEXT NOT NULL
) STRICT;
