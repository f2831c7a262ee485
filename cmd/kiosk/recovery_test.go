package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/pudong-community/kiosk/cmd/internal/seeddb"
	"github.com/pudong-community/kiosk/kiosk/audit"
	"github.com/pudong-community/kiosk/kiosk/config"
	"github.com/pudong-community/kiosk/kiosk/intake/intakesim"
	"github.com/pudong-community/kiosk/kiosk/store"
	"github.com/pudong-community/kiosk/kiosk/terminal"
)

// damagePage overwrites the first page of the named table or index with
// garbage, so that the database fails its integrity check.
func damagePage(t *testing.T, path, name string) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var root, size int64
	if err := st.DB().QueryRowContext(ctx, "SELECT rootpage FROM sqlite_master WHERE name = ?", name).Scan(&root); err != nil {
		t.Fatal(err)
	}
	if err := st.DB().QueryRowContext(ctx, "PRAGMA page_size").Scan(&size); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB().ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	st.Close()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(bytes.Repeat([]byte{0x5A}, int(size)), (root-1)*size); err != nil {
		t.Fatal(err)
	}
}

const (
	recoveryTestTerminal = "PD-REC-0001"
	recoveryTestToken    = "rec-token-secret"
)

// startTestTerminal runs a terminal without devices against the
// development intake server, as production starts it; prepare, if given,
// runs on the data directory before the terminal opens it.
func startTestTerminal(t *testing.T, prepare ...func(config.Config, *intakesim.Server)) (*terminal.Terminal, config.Config) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	dir := t.TempDir()
	sim, err := intakesim.New(intakesim.Options{DataDir: t.TempDir(), Terminals: map[string]string{recoveryTestTerminal: recoveryTestToken}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	api := httptest.NewServer(sim.Handler())
	t.Cleanup(api.Close)
	cfg := config.Default()
	cfg.Terminal.ID = recoveryTestTerminal
	cfg.Terminal.DataDir = dir
	cfg.API.BaseURL = api.URL
	cfg.API.Token = recoveryTestToken
	cfg.IDCard.Port, cfg.Printer.Port = filepath.Join(dir, "no-idcard"), filepath.Join(dir, "no-printer")
	cfg.Log.File = filepath.Join(dir, "kiosk.log")
	logFile, err := os.OpenFile(cfg.Log.File, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logFile.Close() })
	for _, p := range prepare {
		p(cfg, sim)
	}
	term, err := terminal.Open(ctx, cfg, terminal.Deps{Logger: slog.New(slog.NewJSONHandler(logFile, nil)), Version: version})
	if err != nil {
		t.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- term.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-ran; err != nil {
			t.Errorf("Run: %v", err)
		}
		term.Close()
	})
	return term, cfg
}

func waitFor(t *testing.T, limit time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A database that fails its check at start: the terminal keeps it aside
// untouched, starts a fresh one in the same run, carries the queued
// submissions over and sends them (once), and tells staff: log, audit
// trail, heartbeat and the maintenance notice, until they acknowledge it.
func TestStartRecoversACorruptDatabase(t *testing.T) {
	const delivered, queued = 40, 25
	var kept []byte
	var sim *intakesim.Server
	term, cfg := startTestTerminal(t, func(cfg config.Config, s *intakesim.Server) {
		sim = s
		err := seeddb.Seed(context.Background(), cfg, s.Catalog(), seeddb.Counts{Delivered: delivered, Queued: queued}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		damagePage(t, cfg.DatabasePath(), "submissions_applicant")
		var rerr error
		if kept, rerr = os.ReadFile(cfg.DatabasePath()); rerr != nil {
			t.Fatal(rerr)
		}
	})
	ctx := context.Background()
	m := term.Maintenance()

	// Kept aside byte for byte; a fresh database in its place.
	matches, _ := filepath.Glob(cfg.DatabasePath() + ".corrupt-*")
	var keptFiles []string
	for _, m := range matches {
		if !strings.HasSuffix(m, "-wal") && !strings.HasSuffix(m, "-shm") && !strings.HasSuffix(m, store.SchemaMapSuffix) {
			keptFiles = append(keptFiles, m)
		}
	}
	if len(keptFiles) != 1 {
		t.Fatalf("kept files = %v, want one", matches)
	}
	if b, err := os.ReadFile(keptFiles[0]); err != nil || !bytes.Equal(b, kept) {
		t.Fatalf("the kept file differs from the database that failed (%v)", err)
	}

	// The queued submissions reach the central system, each once.
	waitFor(t, 60*time.Second, "the recovered queue delivered", func() bool {
		c, err := term.Outbox().Counts(ctx)
		return err == nil && c.Pending == 0 && c.Delivered == delivered+queued
	})
	if got := sim.Stats().Submissions; got != queued {
		t.Errorf("central system received %d new submissions, want %d", got, queued)
	}

	// Staff are told: the audit trail...
	evs, err := m.LatestAudit(ctx, 200)
	if err != nil {
		t.Fatal(err)
	}
	var recEv string
	for _, ev := range evs {
		if ev.Kind == string(audit.DatabaseRecovered) {
			recEv = ev.Subject + " " + ev.Detail
		}
	}
	if !strings.Contains(recEv, filepath.Base(keptFiles[0])) || !strings.Contains(recEv, "queued=25") || !strings.Contains(recEv, "unsent_lost=0") {
		t.Errorf("database_recovered event = %q", recEv)
	}
	// ...the log...
	logText, _ := os.ReadFile(cfg.Log.File)
	if !strings.Contains(string(logText), "database failed its check") {
		t.Error("no error line in the log")
	}
	// ...the heartbeat...
	hb := term.HeartbeatDevices()
	if d, ok := hb[terminal.DeviceDatabase]; !ok || d.State != "degraded" || !strings.Contains(d.Detail, "recovered 25 queued") {
		t.Errorf("heartbeat database entry = %+v (present %v)", d, ok)
	}
	// ...and the maintenance menu, until acknowledged.
	ns, err := m.StorageNotices(ctx)
	if err != nil || len(ns) != 1 {
		t.Fatalf("notices = %+v, %v", ns, err)
	}
	n := ns[0]
	if n.Queued != queued || n.Delivered != delivered || n.UnsentLost != 0 || n.LostUnknown || n.KeptAs != filepath.Base(keptFiles[0]) {
		t.Errorf("notice = %+v", n)
	}
	if b, _ := json.Marshal(n); strings.Contains(string(b), "310115") {
		t.Errorf("the notice carries an ID number: %s", b)
	}
	// ...and `kiosk diag status` over SSH.
	cfgFile := filepath.Join(t.TempDir(), "kiosk.toml")
	// 0600: the file holds the API token (check-config refuses a token
	// others may read).
	f, err := os.OpenFile(cfgFile, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if err := toml.NewEncoder(f).Encode(cfg); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, out, errs := runCapture("diag", "status", "--config", cfgFile, "--offline"); !strings.Contains(out, "DATABASE RECOVERED") || !strings.Contains(out, "recovered 25 queued") {
		t.Errorf("diag status does not show the recovery:\n%s\n%s", out, errs)
	}
	if err := m.AckStorageNotices(ctx); err != nil {
		t.Fatal(err)
	}
	if ns, err := m.StorageNotices(ctx); err != nil || len(ns) != 0 {
		t.Errorf("notices after acknowledging = %+v, %v", ns, err)
	}
	if _, ok := term.HeartbeatDevices()[terminal.DeviceDatabase]; ok {
		t.Error("the heartbeat still reports the database after staff acknowledged")
	}
	evs, _ = m.LatestAudit(ctx, 5)
	if last := evs[len(evs)-1]; last.Kind != string(audit.DatabaseNoticeAck) {
		t.Errorf("last audit event %s, want %s", last.Kind, audit.DatabaseNoticeAck)
	}
	// The recovered trail still verifies.
	if chk, err := m.VerifyAudit(ctx); err != nil || !chk.OK {
		t.Errorf("audit after recovery: %+v, %v", chk, err)
	}
}

// A terminal that stopped mid-send (killed, or the power cut) with a year's
// database starts, re-reads its devices and resumes the outbox at once:
// every queued submission reaches the central system, each once, without
// waiting out the dead run's claims.
func TestStartResumesTheOutbox(t *testing.T) {
	const delivered, queued, claimed = 3000, 200, 20
	var sim *intakesim.Server
	term, cfg := startTestTerminal(t, func(cfg config.Config, s *intakesim.Server) {
		sim = s
		ctx := context.Background()
		err := seeddb.Seed(ctx, cfg, s.Catalog(), seeddb.Counts{Delivered: delivered, Queued: queued}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		// The last run had claimed some and died before their answers.
		dead, err := terminal.Open(ctx, cfg, terminal.Deps{Offline: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		defer dead.Close()
		if cs, err := dead.Outbox().ClaimDue(ctx, claimed); err != nil || len(cs) != claimed {
			t.Fatalf("claims = %d, %v", len(cs), err)
		}
	})
	ctx := context.Background()
	// Well inside the two minutes the dead run's claims would have held.
	waitFor(t, 60*time.Second, "the queue delivered", func() bool {
		c, err := term.Outbox().Counts(ctx)
		return err == nil && c.Pending == 0 && c.Delivered == delivered+queued
	})
	if got := sim.Stats().Submissions; got != queued {
		t.Errorf("central system took %d new submissions, want %d", got, queued)
	}
	logText, _ := os.ReadFile(cfg.Log.File)
	if !strings.Contains(string(logText), `"msg":"outbox resumed: submissions in flight when the last run stopped are due again","count":20`) {
		t.Error("the log does not say the dead run's claims were released")
	}
}

// `kiosk diag` looks at a running terminal's database: a database that
// fails its check is reported and left exactly where it is (pulling it from
// under the terminal would lose what the terminal writes next, and the
// terminal's next start would find nothing to recover).
func TestDiagLeavesACorruptDatabaseInPlace(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(data, "kiosk.db")
	garbage := []byte(strings.Repeat("not a database ", 500))
	if err := os.WriteFile(db, garbage, 0o600); err != nil {
		t.Fatal(err)
	}
	cfgFile := filepath.Join(dir, "kiosk.toml")
	if err := os.WriteFile(cfgFile, []byte("[terminal]\ndata_dir = \""+data+"\"\n[api]\ntoken = \"x\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"diag", "status", "--config", cfgFile, "--offline"},
		{"diag", "audit", "--config", cfgFile, "--verify"},
		{"diag", "sync", "--config", cfgFile},
	} {
		t.Run(args[1], func(t *testing.T) {
			code, out, errs := runCapture(args...)
			if code == 0 || !strings.Contains(out+errs, "corrupt") {
				t.Errorf("exit %d, output %q %q: want a failure that says corrupt", code, out, errs)
			}
			if b, err := os.ReadFile(db); err != nil || !bytes.Equal(b, garbage) {
				t.Fatalf("the database was moved or changed (%v)", err)
			}
			if m, _ := filepath.Glob(db + ".corrupt-*"); len(m) != 0 {
				t.Fatalf("diag kept the database aside: %v", m)
			}
		})
	}
}

// `kiosk diag` run (under sudo) before the terminal's first start must not
// make the database: a file owned by root is one the terminal cannot write.
func TestDiagDoesNotCreateTheDatabase(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	cfgFile := filepath.Join(dir, "kiosk.toml")
	if err := os.WriteFile(cfgFile, []byte("[terminal]\ndata_dir = \""+data+"\"\n[api]\ntoken = \"x\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"diag", "status", "--config", cfgFile, "--offline"},
		{"diag", "audit", "--config", cfgFile, "--verify"},
		{"diag", "sync", "--config", cfgFile},
	} {
		code, out, errs := runCapture(args...)
		if code == 0 || !strings.Contains(out+errs, "no database yet") {
			t.Errorf("%s: exit %d, output %q %q: want a failure that says there is no database yet", args[1], code, out, errs)
		}
		if _, err := os.Stat(filepath.Join(data, "kiosk.db")); err == nil {
			t.Fatalf("%s made the database", args[1])
		}
	}
}
