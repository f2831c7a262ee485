package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func openTemp(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "kiosk.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestOpenAppliesSettingsAndMigrations(t *testing.T) {
	t.Parallel()
	s := openTemp(t)
	ctx := context.Background()
	// Every pooled connection must carry the settings, not just the first.
	conns := make([]*sql.Conn, 4)
	for i := range conns {
		c, err := s.DB().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns[i] = c
	}
	for i, c := range conns {
		var mode string
		var fk, syn int
		if err := c.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
			t.Fatal(err)
		}
		c.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk)
		c.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&syn)
		if mode != "wal" || fk != 1 || syn != 2 {
			t.Errorf("conn %d: journal_mode=%s foreign_keys=%d synchronous=%d", i, mode, fk, syn)
		}
	}
	v, err := s.Version(ctx)
	if err != nil || v != SchemaVersion() || v < 1 {
		t.Errorf("version = %d, %v; want %d", v, err, SchemaVersion())
	}
	var strict int
	if err := s.DB().QueryRow("SELECT strict FROM pragma_table_list WHERE name = 'settings'").Scan(&strict); err != nil || strict != 1 {
		t.Errorf("settings table strict = %d (%v), want 1", strict, err)
	}
}

func TestAllTablesAreStrict(t *testing.T) {
	t.Parallel()
	s := openTemp(t)
	rows, err := s.DB().Query("SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite_%'")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var name string
		var strict int
		if err := rows.Scan(&name, &strict); err != nil {
			t.Fatal(err)
		}
		n++
		if strict != 1 {
			t.Errorf("table %s is not STRICT", name)
		}
	}
	if n == 0 {
		t.Fatal("no tables")
	}
}

func TestReopenKeepsDataAndDoesNotRemigrate(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "kiosk.db")
	ctx := context.Background()
	s, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetSetting(ctx, "catalog_etag", `"v1"`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	v, err := s.Setting(ctx, "catalog_etag")
	if err != nil || v != `"v1"` {
		t.Errorf("setting = %q, %v", v, err)
	}
	if _, err := s.Setting(ctx, "missing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing setting err = %v", err)
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "kiosk.db")
	ctx := context.Background()
	s, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// A newer terminal's migrations made something this one does not know.
	if _, err := s.DB().Exec("ALTER TABLE submissions ADD COLUMN channel TEXT"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().Exec("PRAGMA user_version = 9999"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = Open(ctx, path, Options{})
	if !errors.Is(err, ErrNewerSchema) || !strings.Contains(err.Error(), "9999") {
		t.Fatalf("err = %v, want ErrNewerSchema naming version 9999", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the newer database must be left in place: %v", err)
	}
}

// newerDatabase makes at path a database of a newer terminal (an unknown
// column, schema version 9999) and returns its bytes.
func newerDatabase(t *testing.T, path string) []byte {
	t.Helper()
	s, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"ALTER TABLE submissions ADD COLUMN channel TEXT", "PRAGMA user_version = 9999", "PRAGMA wal_checkpoint(TRUNCATE)"} {
		if _, err := s.DB().Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The database path goes to SQLite as a URI filename, where '?' starts the
// query, '#' the fragment and '%' an escape. Unescaped, Open on "d/x#1/kiosk.db"
// opened the file "d/x" (every FuzzSalvage seed, in a temporary directory
// named "FuzzSalvageseed#N...", opened the one file /tmp/FuzzSalvageseed,
// shared by every run on the machine, and failed once a build with a newer
// migration had written it). Open must open exactly the file it checked.
func TestOpenPathWithURICharacters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// stray is where the unescaped path pointed instead.
	for i, tc := range []struct{ dir, stray string }{
		{"x#1", "x"},            // the fragment cut the path
		{"y?1", "y"},            // the query cut the path
		{"z%41", "zA/kiosk.db"}, // an escape changed it
		{"w%3f1#2", "w?1"},      // both
	} {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			t.Parallel()
			top := t.TempDir()
			// What another process left where the cut path points.
			stray := filepath.Join(top, tc.stray)
			if err := os.MkdirAll(filepath.Dir(stray), 0o750); err != nil {
				t.Fatal(err)
			}
			before := newerDatabase(t, stray)
			path := filepath.Join(top, tc.dir, "kiosk.db")
			s, err := Open(ctx, path, Options{})
			if err != nil {
				t.Fatalf("Open(%s): %v", filepath.Join(tc.dir, "kiosk.db"), err)
			}
			v, err := s.Version(ctx)
			s.Close()
			if err != nil || v != SchemaVersion() {
				t.Errorf("schema version %d (%v), want %d", v, err, SchemaVersion())
			}
			if b, err := os.ReadFile(path); err != nil || !bytes.HasPrefix(b, []byte(sqliteMagic)) {
				t.Errorf("no database at %s: %v", path, err)
			}
			if after, _ := os.ReadFile(stray); !bytes.Equal(before, after) {
				t.Errorf("Open wrote %s", tc.stray)
			}
		})
	}
}

// A version above this terminal's over exactly this terminal's tables is a
// damaged header field (found by FuzzSalvage), not a newer terminal's
// database: corrupt, kept aside, never a start that fails for good.
func TestNewerVersionOverOurTablesIsCorrupt(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "kiosk.db")
	ctx := context.Background()
	s, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().Exec("PRAGMA user_version = 12293"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = Open(ctx, path, Options{})
	var ce *CorruptError
	if !errors.As(err, &ce) || ce.KeptAs == "" || errors.Is(err, ErrNewerSchema) {
		t.Fatalf("err = %v, want a CorruptError kept aside", err)
	}
}

func TestCorruptFileIsKeptAside(t *testing.T) {
	t.Parallel()
	tests := map[string]func(t *testing.T, path string){
		"not a database": func(t *testing.T, path string) {
			if err := os.WriteFile(path, []byte(strings.Repeat("this is not sqlite ", 400)), 0o600); err != nil {
				t.Fatal(err)
			}
		},
		"damaged pages": func(t *testing.T, path string) {
			ctx := context.Background()
			s, err := Open(ctx, path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 400; i++ {
				if err := s.SetSetting(ctx, strings.Repeat("k", 50)+string(rune('a'+i%26))+strings.Repeat("x", i), strings.Repeat("v", 300)); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := s.DB().Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
				t.Fatal(err)
			}
			s.Close()
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			// Scribble over the middle of the file, keeping the header.
			for i := 4096 + 100; i < len(b)-4096 && i < 4096*6; i++ {
				b[i] = 0xA5
			}
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
		},
	}
	for name, damage := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "kiosk.db")
			damage(t, path)
			before, _ := os.ReadFile(path)
			// A tool looking at a running terminal's database reports it
			// and leaves it where it is.
			_, err := Open(context.Background(), path, Options{LeaveInPlace: true})
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("LeaveInPlace: err = %v, want ErrCorrupt", err)
			}
			if now, rerr := os.ReadFile(path); rerr != nil || string(now) != string(before) {
				t.Fatalf("LeaveInPlace moved or changed the database (%v)", rerr)
			}
			if m, _ := filepath.Glob(path + ".corrupt-*"); len(m) != 0 {
				t.Fatalf("LeaveInPlace kept a copy aside: %v", m)
			}
			_, err = Open(context.Background(), path, Options{})
			var ce *CorruptError
			if !errors.As(err, &ce) || !errors.Is(err, ErrCorrupt) {
				t.Fatalf("err = %v, want CorruptError", err)
			}
			if ce.KeptAs == "" || !strings.Contains(err.Error(), ce.KeptAs) || !strings.Contains(err.Error(), path) {
				t.Fatalf("error %q should say where the file is and where it was kept", err)
			}
			kept, rerr := os.ReadFile(ce.KeptAs)
			if rerr != nil || string(kept) != string(before) {
				t.Fatalf("kept file differs from the corrupt one (read err %v)", rerr)
			}
			// The next start makes a fresh database.
			s, err := Open(context.Background(), path, Options{})
			if err != nil {
				t.Fatalf("fresh start after keeping aside: %v", err)
			}
			s.Close()
		})
	}
}

func TestUnwritableDataDir(t *testing.T) {
	t.Parallel()
	if os.Geteuid() == 0 {
		// root writes anywhere; use a path under a regular file instead.
		f := filepath.Join(t.TempDir(), "file")
		os.WriteFile(f, nil, 0o600)
		_, err := Open(context.Background(), filepath.Join(f, "kiosk.db"), Options{})
		if err == nil || !strings.Contains(err.Error(), "data directory") {
			t.Fatalf("err = %v, want a data directory error", err)
		}
		return
	}
	dir := filepath.Join(t.TempDir(), "ro")
	os.Mkdir(dir, 0o500)
	_, err := Open(context.Background(), filepath.Join(dir, "kiosk.db"), Options{})
	if err == nil || !strings.Contains(err.Error(), "not writable") {
		t.Fatalf("err = %v, want not writable", err)
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		msg     string
		corrupt bool
	}{
		{"file is not a database", true},
		{"database disk image is malformed", true},
		{"disk I/O error", true},
		{"unsupported file format", true},
		{"database is locked", false},
		{"unable to open database file: permission denied", false},
	} {
		err := classify("/data/kiosk.db", errors.New(tc.msg))
		if got := errors.Is(err, ErrCorrupt); got != tc.corrupt {
			t.Errorf("%q: corrupt = %v, want %v (%v)", tc.msg, got, tc.corrupt, err)
		}
	}
}

// Connections opened for a burst of concurrent work are closed once idle,
// with their page caches; the terminal used to keep up to 16 open for good
// after its outbox resumed a backlog.
func TestIdleConnectionsClose(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := Open(ctx, filepath.Join(t.TempDir(), "kiosk.db"), Options{ConnMaxIdle: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st.DB().SetMaxIdleConns(16) // as the outbox does
	// Four connections at once, as the outbox's senders take them.
	var conns []*sql.Conn
	for i := 0; i < 4; i++ {
		c, err := st.DB().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := c.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master").Scan(&n); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		c.Close()
	}
	if open := st.DB().Stats().OpenConnections; open < 4 {
		t.Fatalf("%d connections open after the burst, want the 4 idle ones", open)
	}
	deadline := time.Now().Add(10 * time.Second)
	for st.DB().Stats().OpenConnections > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if s := st.DB().Stats(); s.OpenConnections != 0 || s.MaxIdleTimeClosed < 4 {
		t.Errorf("after idling: %d connections open, %d closed as idle; want 0 and 4", s.OpenConnections, s.MaxIdleTimeClosed)
	}
}

// A process killed while the database was still in its rollback-journal
// part of life (its first open, before WAL) leaves a hot journal. Open rolls
// it back and opens; the read-only integrity check alone refused it ("attempt
// to write a readonly database") at every start.
func TestOpenRollsBackAHotJournal(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, "src.db")
	db, err := sql.Open("sqlite3", fileDSN(src, "_journal_mode=DELETE&_synchronous=FULL"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, q := range []string{"PRAGMA cache_size = 1", "CREATE TABLE t (v BLOB)", "INSERT INTO t VALUES (zeroblob(100000))"} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	// Enough changes that they spill into the file under a hot journal.
	for range 20 {
		if _, err := tx.ExecContext(ctx, "INSERT INTO t VALUES (randomblob(100000))"); err != nil {
			t.Fatal(err)
		}
	}
	// The files as a kill would leave them, mid-transaction.
	path := filepath.Join(dir, "kiosk.db")
	for _, suffix := range []string{"", "-journal"} {
		b, err := os.ReadFile(src + suffix)
		if err != nil {
			t.Fatalf("no %s to copy: %v", src+suffix, err)
		}
		if err := os.WriteFile(path+suffix, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// The set-up is right only if the read-only check alone is refused.
	if err := checkIntegrityReadOnly(ctx, path); err == nil || !strings.Contains(err.Error(), "readonly") {
		t.Fatalf("read-only check of the copy: %v; want the hot journal refused", err)
	}
	st, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("Open with a hot journal: %v", err)
	}
	defer st.Close()
	if m, _ := filepath.Glob(path + ".corrupt-*"); len(m) != 0 {
		t.Errorf("kept aside: %v", m)
	}
	var n int
	if err := st.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM t").Scan(&n); err != nil || n != 1 {
		t.Errorf("rows after the rollback = %d (%v), want the 1 committed", n, err)
	}
}

// checkIntegrityReadOnly is the read-only check alone, without the rollback.
func checkIntegrityReadOnly(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite3", fileDSN(path, "mode=ro"))
	if err != nil {
		return err
	}
	defer db.Close()
	var s string
	return db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&s)
}
