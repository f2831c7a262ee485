-- Audit chains that survive a recovery (intake-api.md v1.1). A recovery
-- that cannot continue the trail starts a new chain: each chain the
-- terminal knows is a row here, and the newest (highest pos) is the one
-- the audit table holds. The restart_* columns are the restart block a
-- chain that began after a recovery is uploaded with ('' on the first
-- chain). For an earlier chain, acked_seq is how far the server holds it
-- and done says nothing more of it is to be uploaded.
CREATE TABLE audit_chain (
    pos                INTEGER PRIMARY KEY CHECK (pos > 0),
    chain_id           TEXT NOT NULL UNIQUE,
    started_at         TEXT NOT NULL,
    restart_reason     TEXT NOT NULL DEFAULT '',
    previous_chain_id  TEXT NOT NULL DEFAULT '',
    previous_last_seq  INTEGER NOT NULL DEFAULT 0 CHECK (previous_last_seq >= 0),
    previous_last_hash TEXT NOT NULL DEFAULT '',
    restart_at         TEXT NOT NULL DEFAULT '',
    acked_seq          INTEGER NOT NULL DEFAULT 0 CHECK (acked_seq >= 0),
    done               INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0, 1))
) STRICT;

-- The first chain: every trail so far. Its id is a random UUID.
INSERT INTO audit_chain(pos, chain_id, started_at)
SELECT 1, substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-' || substr(h, 13, 4) || '-' || substr(h, 17, 4) || '-' || substr(h, 21, 12),
       strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
FROM (SELECT lower(hex(randomblob(16))) AS h);

-- Events of earlier chains that a recovery carried over (the prefix whose
-- chain verifies), kept for upload before the current chain. Append-only,
-- like the audit table.
CREATE TABLE audit_held (
    chain_id  TEXT NOT NULL,
    seq       INTEGER NOT NULL CHECK (seq > 0),
    at        TEXT NOT NULL,
    kind      TEXT NOT NULL,
    subject   TEXT NOT NULL,
    detail    TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL,
    PRIMARY KEY (chain_id, seq)
) STRICT;

CREATE TRIGGER audit_held_no_update BEFORE UPDATE ON audit_held
BEGIN
    SELECT RAISE(ABORT, 'audit trail is append-only');
END;

CREATE TRIGGER audit_held_no_delete BEFORE DELETE ON audit_held
BEGIN
    SELECT RAISE(ABORT, 'audit trail is append-only');
END;
