package e2e

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/assets"
	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/intake"
	"github.com/pudong-community/kiosk/kiosk/intake/intakesim"
	"github.com/pudong-community/kiosk/kiosk/kiosktest"
	"github.com/pudong-community/kiosk/kiosk/outbox"
	"github.com/pudong-community/kiosk/kiosk/store"
)

// full reports whether the full sizes were asked for (make e2e).
func full() bool { return os.Getenv("KIOSK_E2E_FULL") == "1" }

// size picks the full or the default size; KIOSK_E2E_<NAME> overrides both.
func size(name string, def, fullSize int) int {
	if v, err := strconv.Atoi(os.Getenv("KIOSK_E2E_" + name)); err == nil && v > 0 {
		return v
	}
	if full() {
		return fullSize
	}
	return def
}

// target is the server under test.
type target struct {
	url, token, terminal string
	sim                  *intakesim.Server // nil for an external server
	catalog              kiosk.Catalog
}

const (
	simTerminal = "PD-E2E-0001"
	simToken    = "e2e-token-0001"
)

// newTarget starts the development server in process on loopback, or
// points at KIOSK_E2E_INTAKE_URL. wrap, when not nil, sits in front of the
// in-process server's handler.
func newTarget(t *testing.T, wrap func(http.Handler) http.Handler) *target {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test: not with -short (make e2e runs the full sizes)")
	}
	tg := &target{}
	if url := os.Getenv("KIOSK_E2E_INTAKE_URL"); url != "" {
		tg.url, tg.token, tg.terminal = url, os.Getenv("KIOSK_E2E_TOKEN"), os.Getenv("KIOSK_E2E_TERMINAL")
		if tg.token == "" {
			t.Fatal("KIOSK_E2E_INTAKE_URL needs KIOSK_E2E_TOKEN")
		}
		if tg.terminal == "" {
			tg.terminal = simTerminal
		}
	} else {
		sim, err := intakesim.New(intakesim.Options{DataDir: t.TempDir(), Terminals: map[string]string{simTerminal: simToken}, Seed: 7})
		if err != nil {
			t.Fatal(err)
		}
		tg.sim, tg.token, tg.terminal = sim, simToken, simTerminal
		h := sim.Handler()
		if wrap != nil {
			h = wrap(h)
		}
		srv := httptest.NewServer(h)
		tg.url = srv.URL
		t.Cleanup(func() {
			srv.CloseClientConnections()
			srv.Close()
			sim.Close()
		})
	}
	c := tg.client(t, 10*time.Second)
	var cat kiosk.Catalog
	untilAnswered(t, "the server under test gives no catalogue", func() (err error) {
		cat, _, _, err = c.Catalog(context.Background(), "")
		return err
	})
	if len(SelfService(cat)) == 0 {
		t.Fatal("the server's catalogue has no self-service item")
	}
	tg.catalog = cat
	return tg
}

func (tg *target) needSim(t *testing.T) {
	t.Helper()
	if tg.sim == nil {
		t.Skip("needs fault injection at the server: runs against the in-process development server only")
	}
}

func (tg *target) client(t *testing.T, timeout time.Duration) *intake.Client {
	t.Helper()
	c, err := intake.New(intake.Config{BaseURL: tg.url, TerminalID: tg.terminal, Token: tg.token, Timeout: timeout,
		MaxCatalogBytes: 256 << 10})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// terminal is one terminal's database, sealing key and outbox.
type terminal struct {
	dir, db, key string
	st           *store.Store
	ob           *store.Outbox
}

func openTerminal(t *testing.T, dir, id string) *terminal {
	t.Helper()
	tm := &terminal{dir: dir, db: filepath.Join(dir, "kiosk.db"), key: filepath.Join(dir, "seal.key")}
	st, err := store.Open(context.Background(), tm.db, store.Options{Readings: kiosktest.Readings(assets.PinyinTable())})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	key, err := store.LoadOrCreateKey(tm.key)
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := store.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	ob, err := store.NewOutbox(st, sealer, store.OutboxOptions{TerminalID: id, MinFreeBytes: -1, ClaimTTL: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	tm.st, tm.ob = st, ob
	return tm
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// verifyExactlyOnce checks that every submission the terminal holds is at
// the server exactly once with the case number the terminal recorded, that
// every confirmed id is among them, and (in process) that the server made
// no other case.
func verifyExactlyOnce(t *testing.T, tg *target, tm *terminal, confirmed []string) {
	t.Helper()
	ctx := context.Background()
	ids, err := tm.ob.IDs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	held := make(map[string]bool, len(ids))
	for _, id := range ids {
		held[id] = true
	}
	for _, id := range confirmed {
		if !held[id] {
			t.Fatalf("confirmed submission %s is not in the terminal's database: lost", id)
		}
	}
	c, err := tm.ob.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c.Pending != 0 || c.Parked != 0 {
		t.Fatalf("outbox not drained: %+v", c)
	}
	client := tg.client(t, 10*time.Second)
	for _, id := range ids {
		rec, err := tm.ob.Lookup(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if rec.State != store.StateDelivered || rec.CaseNo == "" {
			t.Fatalf("submission %s: state %s case %q", id, rec.State, rec.CaseNo)
		}
		if tg.sim != nil {
			caseNo, found, err := tg.sim.LookupSubmission(ctx, id)
			if err != nil || !found || caseNo != rec.CaseNo {
				t.Fatalf("submission %s: server has case %q (found %v, %v), terminal recorded %q", id, caseNo, found, err, rec.CaseNo)
			}
			continue
		}
		// Against an external server the contract itself is the witness:
		// the same key and body must be replayed with the same case.
		// A busy server's 5xx, resets and pauses are retried.
		sub, err := tm.ob.Submission(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var acc kiosk.Accepted
		var replayed bool
		untilAnswered(t, "resubmit "+id, func() (err error) {
			acc, replayed, err = client.Submit(ctx, sub)
			return err
		})
		if !replayed || acc.CaseNo != rec.CaseNo {
			t.Fatalf("submission %s: resubmit gave %+v replayed=%v, want a replay of %s", id, acc, replayed, rec.CaseNo)
		}
	}
	if tg.sim != nil {
		n, err := tg.sim.CountSubmissions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != len(ids) {
			t.Fatalf("server holds %d cases from submissions, terminal made %d", n, len(ids))
		}
	}
	t.Logf("%d submissions (%d confirmed) each at the server exactly once", len(ids), len(confirmed))
}

func newRelay(t *testing.T, tg *target, tm *terminal, timeout time.Duration, edit func(*outbox.Config)) *outbox.Relay {
	t.Helper()
	cfg := outbox.Config{Store: tm.st, Outbox: tm.ob, API: tg.client(t, timeout), Logger: quietLogger(), MaxInFlight: 4,
		Backoff: outbox.Backoff{Base: 10 * time.Millisecond, Cap: 200 * time.Millisecond, Min: 2 * time.Millisecond},
		Idle:    100 * time.Millisecond, Heartbeat: time.Hour, CatalogRefresh: time.Hour}
	if edit != nil {
		edit(&cfg)
	}
	r, err := outbox.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func runRelay(t *testing.T, r *outbox.Relay) context.CancelFunc {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("relay did not stop")
		}
	})
	return cancel
}

// waitDrained waits until nothing is pending. It fails only when nothing
// was delivered for the stall limit, and reports the throughput.
func waitDrained(t *testing.T, tm *terminal) {
	t.Helper()
	p := newProgress("submissions settled")
	for {
		c, err := tm.ob.Counts(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if c.Pending == 0 {
			p.observe(0)
			t.Logf("drained: %s", p.summary())
			return
		}
		if err := p.observe(c.Pending); err != nil {
			t.Fatalf("outbox not drained: %v; %+v", err, c)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
