// Package store is the terminal's only SQLite code: embedded numbered
// migrations, the catalogue cache, the outbox, the audit trail and settings.
// Personal data is sealed at rest.
//
// The database runs in WAL mode with synchronous=FULL, foreign keys on and a
// busy timeout; all three are set on every pooled connection and read back
// at Open. Open also runs PRAGMA integrity_check and refuses, keeping the
// file aside, a database that fails it or that comes from a newer version of
// the terminal.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/mattn/go-sqlite3" // the SQLite driver, registered as "sqlite3"

	"github.com/pudong-community/kiosk/kiosk"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

var (
	// ErrNewerSchema: the database was written by a newer terminal version.
	ErrNewerSchema = errors.New("store: database is from a newer version of the terminal")
	// ErrCorrupt: the database failed its integrity check or is not a database.
	ErrCorrupt = errors.New("store: database is corrupt")
	// ErrNoDatabase: Open with ExistingOnly found no database file.
	ErrNoDatabase = errors.New("store: no database yet (the terminal has not started here)")
	// ErrNotFound: no such row.
	ErrNotFound = errors.New("store: not found")
	// ErrBadKey: the sealing key file is missing, of the wrong size or too open.
	ErrBadKey = errors.New("store: bad sealing key")
	// ErrSealBroken: sealed data does not open with this key and row.
	ErrSealBroken = errors.New("store: sealed data does not open (altered, moved or another key)")
	// ErrStorageFull: the disk is full or below the free-space floor; the
	// terminal must refuse new submissions rather than accept what it
	// cannot keep.
	ErrStorageFull = errors.New("store: storage full")
	// ErrBadSubmission: a submission that cannot be queued (no valid id, item or applicant).
	ErrBadSubmission = errors.New("store: bad submission")
	// ErrDuplicate: a submission with this id is already queued.
	ErrDuplicate = errors.New("store: submission already queued")
	// ErrClaimLost: the row is no longer claimed by this worker.
	ErrClaimLost = errors.New("store: outbox claim lost")
	// ErrNoReadings: the store was opened without Options.Readings, so it
	// cannot spell a catalogue's names in pinyin for search.
	ErrNoReadings = errors.New("store: no character readings to spell the catalogue in pinyin")
	// ErrOlderCatalog: a catalogue older than the cached one.
	ErrOlderCatalog = errors.New("store: catalogue is older than the cached one")
	// ErrNoCatalog: nothing cached yet.
	ErrNoCatalog = errors.New("store: no catalogue cached")
)

// CorruptError says what was wrong with a database and where it was kept.
type CorruptError struct {
	Path   string // the database that failed
	KeptAs string // where the failing file was moved ("" if it could not be)
	Detail string // what SQLite said
}

func (e *CorruptError) Error() string {
	if e.KeptAs != "" {
		return fmt.Sprintf("store: database %s is corrupt (%s); kept aside as %s", e.Path, e.Detail, e.KeptAs)
	}
	return fmt.Sprintf("store: database %s is corrupt (%s)", e.Path, e.Detail)
}

func (e *CorruptError) Unwrap() error { return ErrCorrupt }

// Store is an open terminal database.
type Store struct {
	db   *sql.DB
	path string
	now  func() time.Time

	index atomic.Pointer[catalogIndex] // search index of the cached catalogue (catalog.go)

	schemaMapErr error // why the schema map beside the file was not written (schemamap.go)

	readings kiosk.Readings // Options.Readings
}

// DefaultConnMaxIdle is how long an idle database connection stays open.
const DefaultConnMaxIdle = time.Minute

// Options tune Open.
type Options struct {
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// LeaveInPlace reports a database that fails its check without moving
	// it: for tools that look at a running terminal's database (kiosk
	// diag), which must never pull the file from under the terminal. Only
	// the terminal's own start keeps a failing database aside.
	LeaveInPlace bool
	// ExistingOnly refuses to create a database that is not there
	// (ErrNoDatabase): a tool run as another user (kiosk diag under sudo)
	// must not make the file the terminal then cannot write.
	ExistingOnly bool
	// ConnMaxIdle closes a connection idle this long (DefaultConnMaxIdle
	// when 0).
	ConnMaxIdle time.Duration
	// Readings spell the catalogue's item names in pinyin for search by
	// pinyin and initials (the terminal's CharacterTable). PutCatalog
	// refuses a catalogue without them (ErrNoReadings); a store that never
	// caches a catalogue (the diagnostics) needs none.
	Readings kiosk.Readings
}

type migration struct {
	version int
	name    string
	sql     string
}

func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("store: migration file %q is not named NNNN_name.sql", e.Name())
		}
		b, err := migrationFS.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("store: two migrations numbered %d", ms[i].version)
		}
	}
	return ms, nil
}

// SchemaVersion is the newest migration this build knows.
func SchemaVersion() int {
	ms, err := migrations()
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

// Open opens (creating if needed) the database at path, checks it, and
// applies pending migrations in one transaction.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.ExistingOnly {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("%w: %s", ErrNoDatabase, path)
		}
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("store: cannot create data directory %s: %w", dir, err)
	}
	if err := checkWritable(dir); err != nil {
		return nil, err
	}
	// The integrity check runs on a read-only handle before anything
	// opens the file for writing: closing a writer would checkpoint a
	// damaged file's WAL into it, and the file kept aside must be exactly
	// what was found.
	if _, err := os.Stat(path); err == nil {
		if err := checkIntegrity(ctx, path); err != nil {
			if errors.Is(err, ErrCorrupt) && !opts.LeaveInPlace {
				return nil, keepAside(path, err)
			}
			return nil, err
		}
	}
	// secure_delete: what is deleted (a purged resident's sealed data, a
	// case cache past its day) is overwritten with zeros, not left in free
	// pages for whoever copies the disk.
	dsn := fileDSN(path, "_journal_mode=WAL&_synchronous=FULL&_foreign_keys=on&_busy_timeout=5000&_txlock=immediate&_secure_delete=on")
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	// A connection keeps its own page cache (up to 2 MB) for as long as it
	// is open; those opened for a burst (the outbox resuming a backlog,
	// with several senders) are closed once idle, so that the terminal
	// idles on the memory it needs.
	if opts.ConnMaxIdle <= 0 {
		opts.ConnMaxIdle = DefaultConnMaxIdle
	}
	db.SetConnMaxIdleTime(opts.ConnMaxIdle)
	s := &Store{db: db, path: path, now: opts.Now, readings: opts.Readings}
	if err := s.check(ctx); err != nil {
		db.Close()
		if errors.Is(err, ErrCorrupt) && !opts.LeaveInPlace {
			return nil, keepAside(path, err)
		}
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		if errors.Is(err, ErrCorrupt) && !opts.LeaveInPlace {
			return nil, keepAside(path, err)
		}
		return nil, err
	}
	// The tools that leave a damaged file in place (kiosk diag) only look;
	// the terminal's own open keeps the map up to date.
	if !opts.LeaveInPlace {
		s.schemaMapErr = s.writeSchemaMap(ctx)
	}
	return s, nil
}

// SchemaMapError says why the map of the schema that Open keeps beside the
// database (SchemaMapSuffix) could not be written, or is nil. The store
// works without it; only a salvage of a file whose first page is destroyed
// needs it.
func (s *Store) SchemaMapError() error { return s.schemaMapErr }

// schemaIsLatest reports whether the database's schema (every table,
// index and trigger as SQLite keeps its SQL) is exactly what the
// migrations make.
func (s *Store) schemaIsLatest(ctx context.Context, ms []migration) (bool, error) {
	want, err := latestSchema(ctx, ms)
	if err != nil {
		return false, err
	}
	got, err := schemaOf(ctx, s.db)
	if err != nil {
		return false, err
	}
	return got == want, nil
}

var (
	latestOnce sync.Once
	latestSQL  string
	latestErr  error
)

// latestSchema is the schema the migrations make, built once in memory.
func latestSchema(ctx context.Context, ms []migration) (string, error) {
	latestOnce.Do(func() {
		db, err := sql.Open("sqlite3", ":memory:")
		if err != nil {
			latestErr = err
			return
		}
		defer db.Close()
		db.SetMaxOpenConns(1) // one in-memory database
		for _, m := range ms {
			if _, err := db.ExecContext(ctx, m.sql); err != nil {
				latestErr = fmt.Errorf("store: migration %s in memory: %w", m.name, err)
				return
			}
		}
		latestSQL, latestErr = schemaOf(ctx, db)
	})
	return latestSQL, latestErr
}

func schemaOf(ctx context.Context, db *sql.DB) (string, error) {
	rows, err := db.QueryContext(ctx, `SELECT type, name, COALESCE(sql, '') FROM sqlite_master ORDER BY type, name`)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var typ, name, text string
		if err := rows.Scan(&typ, &name, &text); err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "%s %s %s\n", typ, name, text)
	}
	return b.String(), rows.Err()
}

// schemaMismatch reports a migration failing because the tables are not
// what the schema version says (a damaged header's version field): the
// file is then treated as corrupt, never left to fail every start.
func schemaMismatch(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "already exists") || strings.Contains(msg, "no such table") ||
		strings.Contains(msg, "duplicate column") || strings.Contains(msg, "no such column")
}

// uriPath escapes what SQLite's URI filenames (https://sqlite.org/uri.html)
// read as other than the path: '?' starts the query, '#' the fragment, '%'
// an escape. Unescaped, a directory named "a#1" would make "file:a#1/kiosk.db"
// open the file "a" instead, a different database from the one checked.
var uriPath = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")

// fileDSN is the driver's name for the database file at path with the
// given query parameters (the driver's own and SQLite's).
func fileDSN(path, params string) string {
	return "file:" + uriPath.Replace(path) + "?" + params
}

func checkWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".write-check-*")
	if err != nil {
		return fmt.Errorf("store: data directory %s is not writable: %w", dir, errors.Unwrap(err))
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// check verifies the connection settings (the file's integrity was checked
// before, by checkIntegrity).
func (s *Store) check(ctx context.Context) error {
	var mode string
	if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return classify(s.path, err)
	}
	if mode != "wal" {
		return fmt.Errorf("store: %s: journal mode is %q, want wal", s.path, mode)
	}
	var fk, sync, busy int
	if err := s.db.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
		return classify(s.path, err)
	}
	if err := s.db.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil {
		return classify(s.path, err)
	}
	if err := s.db.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy); err != nil {
		return classify(s.path, err)
	}
	if fk != 1 || sync != 2 || busy < 1000 {
		return fmt.Errorf("store: %s: connection settings not applied (foreign_keys=%d synchronous=%d busy_timeout=%d)", s.path, fk, sync, busy)
	}
	return nil
}

// rollBackHotJournal finishes what a process killed in the rollback-journal
// part of a database's life left behind (the very first open creates the
// file before it switches to WAL): a hot kiosk.db-journal, which must be
// rolled back before the file reads as it was, and which a read-only
// handle refuses to touch ("attempt to write a readonly database"), so the
// terminal would fail every start. A writable handle that reads the schema
// rolls it back, as SQLite does for any reader that may write. It runs only
// when there is such a journal and no WAL, so it never checkpoints a WAL.
func rollBackHotJournal(ctx context.Context, path string) error {
	fi, err := os.Stat(path + "-journal")
	if err != nil || fi.Size() == 0 || fileExists(path+"-wal") {
		return nil
	}
	db, err := sql.Open("sqlite3", fileDSN(path, "mode=rw&_busy_timeout=5000"))
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var n int
	return db.QueryRowContext(ctx, "SELECT COUNT(*) FROM sqlite_master").Scan(&n)
}

// checkIntegrity runs PRAGMA integrity_check on a read-only handle, which
// never checkpoints or deletes the WAL.
func checkIntegrity(ctx context.Context, path string) error {
	if err := rollBackHotJournal(ctx, path); err != nil {
		return classify(path, err)
	}
	db, err := sql.Open("sqlite3", fileDSN(path, "mode=ro&_busy_timeout=5000"))
	if err != nil {
		return fmt.Errorf("store: open %s: %w", path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	rows, err := db.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return classify(path, err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return classify(path, err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return classify(path, err)
	}
	if len(problems) > 0 {
		if len(problems) > 3 {
			problems = append(problems[:3], fmt.Sprintf("and %d more", len(problems)-3))
		}
		return &CorruptError{Path: path, Detail: "integrity check: " + strings.Join(problems, "; ")}
	}
	return nil
}

// classify turns SQLite's "not a database", "malformed" and "unsupported
// file format" (a damaged header field) answers into a CorruptError and passes other errors on. A read error of the disk while
// checking ("disk I/O error": a bad sector under the file) counts as
// corrupt too: kept aside, the terminal starts on a fresh file elsewhere on
// the disk and tells staff, rather than failing every start for good.
func classify(path string, err error) error {
	msg := err.Error()
	if strings.Contains(msg, "not a database") || strings.Contains(msg, "malformed") || strings.Contains(msg, "corrupt") ||
		strings.Contains(msg, "disk I/O error") || strings.Contains(msg, "unsupported file format") {
		return &CorruptError{Path: path, Detail: msg}
	}
	return fmt.Errorf("store: %s: %w", path, err)
}

// keepAside moves a corrupt database (and its WAL, shared-memory and
// schema map files) out of the way so that nothing overwrites it and staff can look at it.
func keepAside(path string, err error) error {
	var ce *CorruptError
	if !errors.As(err, &ce) {
		return err
	}
	// A second failure within the same second (two recoveries in a row)
	// must not replace the first kept file: it gets the next free name,
	// which sorts after it.
	base := fmt.Sprintf("%s.corrupt-%s", path, time.Now().UTC().Format("20060102T150405"))
	aside := base
	for n := 2; fileExists(aside) || fileExists(aside+SchemaMapSuffix); n++ {
		aside = fmt.Sprintf("%s-%d", base, n)
	}
	if rerr := os.Rename(path, aside); rerr != nil {
		return ce
	}
	for _, suffix := range []string{"-wal", "-shm", SchemaMapSuffix} {
		if _, serr := os.Stat(path + suffix); serr == nil {
			_ = os.Rename(path+suffix, aside+suffix)
		}
	}
	ce.KeptAs = aside
	return ce
}

// migrate applies every migration newer than the database's user_version in
// one transaction.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	var current int
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&current); err != nil {
		return classify(s.path, err)
	}
	latest := 0
	if len(ms) > 0 {
		latest = ms[len(ms)-1].version
	}
	if current < 0 {
		return &CorruptError{Path: s.path, Detail: fmt.Sprintf("schema version %d is not valid", current)}
	}
	if current > latest {
		// A newer terminal's database has tables or columns this one does
		// not know. One whose schema is exactly this terminal's latest has
		// a damaged header field instead: corrupt, not newer.
		if same, err := s.schemaIsLatest(ctx, ms); err == nil && same {
			return &CorruptError{Path: s.path, Detail: fmt.Sprintf("schema version %d, but the tables are those of version %d", current, latest)}
		}
		return fmt.Errorf("%w: %s has schema version %d, this terminal knows up to %d; install the newer terminal or restore a backup", ErrNewerSchema, s.path, current, latest)
	}
	if current == latest {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin migration: %w", err)
	}
	defer tx.Rollback()
	for _, m := range ms {
		if m.version <= current {
			continue
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			if schemaMismatch(err) {
				return &CorruptError{Path: s.path, Detail: fmt.Sprintf("schema version %d does not match its tables (migration %s: %v)", current, m.name, err)}
			}
			return fmt.Errorf("store: migration %s: %w", m.name, err)
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", latest)); err != nil {
		return fmt.Errorf("store: set schema version: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit migrations: %w", err)
	}
	return nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Path is the database file.
func (s *Store) Path() string { return s.path }

// DB gives the package's own files and tests the handle.
func (s *Store) DB() *sql.DB { return s.db }

// Version reads the database's schema version.
func (s *Store) Version(ctx context.Context) (int, error) {
	var v int
	err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}

// Setting reads a setting; ErrNotFound when unset.
func (s *Store) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := s.db.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("store: setting %s: %w", key, err)
	}
	return v, nil
}

// SetSetting writes a setting.
func (s *Store) SetSetting(ctx context.Context, key, value string) error {
	_, err := s.db.ExecContext(ctx,
		`INSERT INTO settings(key, value, updated_at) VALUES(?, ?, ?)
		 ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		key, value, s.now().UTC().Format(time.RFC3339Nano))
	if err != nil {
		return fmt.Errorf("store: set %s: %w", key, err)
	}
	return nil
}

// InTx runs fn in one immediate transaction and commits if it returns nil.
func (s *Store) InTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return wrapFull(fmt.Errorf("store: begin: %w", err))
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return wrapFull(fmt.Errorf("store: commit: %w", err))
	}
	return nil
}
