package intakesim

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	_ "github.com/mattn/go-sqlite3" // the simulator's own database
)

const schema = `
CREATE TABLE IF NOT EXISTS meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS catalog (
	id           INTEGER PRIMARY KEY CHECK (id = 1),
	version      TEXT NOT NULL,
	doc          BLOB NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS idempotency (
	terminal_id  TEXT NOT NULL,
	key          TEXT NOT NULL,
	body_hash    TEXT NOT NULL,
	status       INTEGER NOT NULL,
	response     BLOB NOT NULL,
	case_no      TEXT NOT NULL,
	created_at   TEXT NOT NULL,
	expires_at   TEXT NOT NULL,
	PRIMARY KEY (terminal_id, key)
) STRICT;
CREATE INDEX IF NOT EXISTS idempotency_expiry ON idempotency (expires_at);
CREATE TABLE IF NOT EXISTS case_seq (
	day  TEXT PRIMARY KEY,
	n    INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS cases (
	case_no         TEXT PRIMARY KEY,
	submission_id   TEXT,
	terminal_id     TEXT,
	id_number       TEXT NOT NULL,
	name            TEXT NOT NULL,
	item_code       TEXT NOT NULL,
	item_name       TEXT NOT NULL,
	department      TEXT NOT NULL,
	kind            TEXT NOT NULL,
	channel         TEXT NOT NULL,
	status          TEXT NOT NULL,
	submitted_at    TEXT NOT NULL,
	due_date        TEXT NOT NULL,
	result          TEXT NOT NULL DEFAULT '',
	track_url       TEXT NOT NULL,
	auto_advance    INTEGER NOT NULL DEFAULT 0,
	time_limit_days INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX IF NOT EXISTS cases_person ON cases (id_number, submitted_at);
CREATE UNIQUE INDEX IF NOT EXISTS cases_submission ON cases (submission_id) WHERE submission_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS case_events (
	case_no     TEXT NOT NULL REFERENCES cases (case_no),
	n           INTEGER NOT NULL,
	at          TEXT NOT NULL,
	status      TEXT NOT NULL,
	department  TEXT NOT NULL,
	note        TEXT NOT NULL,
	PRIMARY KEY (case_no, n)
) STRICT;
CREATE TABLE IF NOT EXISTS audit (
	terminal_id TEXT NOT NULL,
	seq         INTEGER NOT NULL,
	hash        TEXT NOT NULL,
	event       BLOB NOT NULL,
	received_at TEXT NOT NULL,
	PRIMARY KEY (terminal_id, seq)
) STRICT;
-- Audit chains per terminal (intake-api.md v1.1, "Audit chains that survive a
-- recovery"). chain_id '' is a first chain no upload has named yet; restart
-- is the restart block a later chain came with (JSON); closed_at is set once
-- a later chain replaced it. audit_events holds each chain's events; the
-- audit table above is the pre-chain layout, moved into pos 1 at open.
CREATE TABLE IF NOT EXISTS audit_chains (
	terminal_id TEXT NOT NULL,
	pos         INTEGER NOT NULL,
	chain_id    TEXT NOT NULL,
	restart     BLOB,
	created_at  TEXT NOT NULL,
	closed_at   TEXT,
	PRIMARY KEY (terminal_id, pos)
) STRICT;
CREATE TABLE IF NOT EXISTS audit_events (
	terminal_id TEXT NOT NULL,
	pos         INTEGER NOT NULL,
	seq         INTEGER NOT NULL,
	hash        TEXT NOT NULL,
	event       BLOB NOT NULL,
	received_at TEXT NOT NULL,
	PRIMARY KEY (terminal_id, pos, seq)
) STRICT;
INSERT OR IGNORE INTO audit_chains (terminal_id, pos, chain_id, created_at)
	SELECT terminal_id, 1, '', MIN(received_at) FROM audit GROUP BY terminal_id;
INSERT OR IGNORE INTO audit_events (terminal_id, pos, seq, hash, event, received_at)
	SELECT terminal_id, 1, seq, hash, event, received_at FROM audit;
DELETE FROM audit;
CREATE TABLE IF NOT EXISTS commands (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	terminal_id  TEXT NOT NULL,
	type         TEXT NOT NULL,
	created_at   TEXT NOT NULL,
	delivered_at TEXT
) STRICT;
-- Version 1.1: the centre (rebuilt at every start from the clock), its
-- queue tickets, appointments, ratings and calls for staff; idem11 keeps the
-- idempotency keys of their creating POSTs (scoped by endpoint).
CREATE TABLE IF NOT EXISTS center (
	id    INTEGER PRIMARY KEY CHECK (id = 1),
	doc   BLOB NOT NULL,
	etag  TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS idem11 (
	terminal_id TEXT NOT NULL,
	endpoint    TEXT NOT NULL,
	key         TEXT NOT NULL,
	body_hash   TEXT NOT NULL,
	response    BLOB NOT NULL,
	created_at  TEXT NOT NULL,
	expires_at  TEXT NOT NULL,
	PRIMARY KEY (terminal_id, endpoint, key)
) STRICT;
CREATE TABLE IF NOT EXISTS tickets (
	day         TEXT NOT NULL,
	category    TEXT NOT NULL,
	seq         INTEGER NOT NULL,
	ticket_no   TEXT NOT NULL,
	ticket_id   TEXT NOT NULL,
	terminal_id TEXT NOT NULL,
	item_code   TEXT NOT NULL,
	reason      TEXT NOT NULL,
	holder_id   TEXT NOT NULL DEFAULT '',
	holder_name TEXT NOT NULL DEFAULT '',
	issued_at   TEXT NOT NULL,
	PRIMARY KEY (day, category, seq)
) STRICT;
CREATE TABLE IF NOT EXISTS appointments (
	appointment_no TEXT PRIMARY KEY,
	appointment_id TEXT NOT NULL,
	terminal_id    TEXT NOT NULL,
	slot_id        TEXT NOT NULL,
	category       TEXT NOT NULL,
	item_code      TEXT NOT NULL,
	start          TEXT NOT NULL,
	end            TEXT NOT NULL,
	day            TEXT NOT NULL,
	id_number      TEXT NOT NULL,
	name           TEXT NOT NULL,
	phone          TEXT NOT NULL,
	agent          BLOB,
	status         TEXT NOT NULL,
	created_at     TEXT NOT NULL,
	cancelled_at   TEXT
) STRICT;
CREATE INDEX IF NOT EXISTS appointments_slot ON appointments (slot_id, status);
CREATE INDEX IF NOT EXISTS appointments_person ON appointments (id_number, day);
CREATE TABLE IF NOT EXISTS appointment_seq (
	day  TEXT PRIMARY KEY,
	n    INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS ratings (
	terminal_id    TEXT NOT NULL,
	rating_id      TEXT NOT NULL,
	at             TEXT NOT NULL,
	service        TEXT NOT NULL,
	case_no        TEXT NOT NULL,
	ticket_no      TEXT NOT NULL,
	appointment_no TEXT NOT NULL,
	item_code      TEXT NOT NULL,
	level          INTEGER NOT NULL,
	reasons        TEXT NOT NULL,
	received_at    TEXT NOT NULL,
	PRIMARY KEY (terminal_id, rating_id)
) STRICT;
CREATE TABLE IF NOT EXISTS assistance (
	terminal_id TEXT NOT NULL,
	request_id  TEXT NOT NULL,
	at          TEXT NOT NULL,
	screen      TEXT NOT NULL,
	reason      TEXT NOT NULL,
	status      TEXT NOT NULL,
	received_at TEXT NOT NULL,
	PRIMARY KEY (terminal_id, request_id)
) STRICT;
CREATE TABLE IF NOT EXISTS heartbeats (
	terminal_id TEXT PRIMARY KEY,
	at          TEXT NOT NULL,
	body        BLOB NOT NULL
) STRICT;
`

// openDB opens (creating if needed) the simulator's database in dir, in WAL
// mode, and checks that WAL is really on.
func openDB(ctx context.Context, dir string) (*sql.DB, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("intakesim: data dir: %w", err)
	}
	path := filepath.Join(dir, "intake-sim.db")
	// synchronous=NORMAL in WAL keeps the database consistent across a crash
	// of this development server; the terminal's own store uses FULL.
	dsn := "file:" + path + "?_journal_mode=WAL&_synchronous=NORMAL&_busy_timeout=5000&_txlock=immediate&_foreign_keys=on"
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("intakesim: open database: %w", err)
	}
	db.SetMaxOpenConns(1) // one writer; requests queue on the pool
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		db.Close()
		return nil, fmt.Errorf("intakesim: open database: %w", err)
	}
	if !strings.EqualFold(mode, "wal") {
		db.Close()
		return nil, fmt.Errorf("intakesim: database journal mode is %q, not wal", mode)
	}
	if _, err := db.ExecContext(ctx, schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("intakesim: schema: %w", err)
	}
	return db, nil
}
