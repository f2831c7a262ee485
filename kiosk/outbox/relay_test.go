package outbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/assets"
	"github.com/pudong-community/kiosk/internal/clock/clocktest"
	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/intake"
	"github.com/pudong-community/kiosk/kiosk/kiosktest"
	"github.com/pudong-community/kiosk/kiosk/store"
)

type rig struct {
	st     *store.Store
	ob     *store.Outbox
	client *intake.Client
	relay  *Relay
	srv    *testServer
	// clk is the manual clock of a rig made by newClockRig (nil: the wall
	// clock); duties is how many of the relay's duties sleep on it when
	// all are idle.
	clk    *clocktest.Clock
	duties int
}

func newRig(t *testing.T, edit func(*Config)) *rig { return makeRig(t, nil, edit) }

// newClockRig is a rig whose relay, store and test server all run on one
// manual clock: time passes only when the test moves it (pass, until).
func newClockRig(t *testing.T, edit func(*Config)) *rig {
	return makeRig(t, clocktest.New(time.Now().Truncate(time.Second)), edit)
}

func makeRig(t *testing.T, clk *clocktest.Clock, edit func(*Config)) *rig {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	opts := store.Options{Readings: kiosktest.Readings(assets.PinyinTable())}
	if clk != nil {
		opts.Now = clk.Now
	}
	st, err := store.Open(ctx, filepath.Join(dir, "kiosk.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	key, err := store.LoadOrCreateKey(filepath.Join(dir, "seal.key"))
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := store.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	ob, err := store.NewOutbox(st, sealer, store.OutboxOptions{TerminalID: "PD-T-0001", MinFreeBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	srv := newTestServer(t)
	if clk != nil {
		// The server keeps the true time: the time that passed on the
		// rig's clock, whatever the terminal's clock is set to.
		start := clk.Now()
		srv.now = func() time.Time { return start.Add(clk.Mono()) }
	}
	client, err := intake.New(intake.Config{BaseURL: srv.URL, TerminalID: "PD-T-0001", Token: "tok", Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	cfg := Config{
		Store: st, Outbox: ob, API: client,
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
		Backoff: Backoff{Base: 20 * time.Millisecond, Cap: 100 * time.Millisecond, Min: 5 * time.Millisecond},
		Idle:    50 * time.Millisecond,
	}
	if clk != nil {
		cfg.Clock = clk
	}
	if edit != nil {
		edit(&cfg)
	}
	relay, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	duties := 4 // sender, catalogue, heartbeat, purge
	if cfg.Audit != nil {
		duties++
	}
	return &rig{st: st, ob: ob, client: client, relay: relay, srv: srv, clk: clk, duties: duties}
}

// run starts the relay; the function it returns stops it and waits until
// Run has returned (every send finished), as the test's cleanup does.
func (r *rig) run(t *testing.T) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.relay.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				t.Error("Run did not return after cancel")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// asleep waits until every duty of the relay sleeps on the rig's clock:
// nothing more happens until the clock moves (sends already in flight
// aside: stop waits for those).
func (r *rig) asleep(t *testing.T) {
	t.Helper()
	if !r.clk.WaitPending(r.duties, 20*time.Second) {
		t.Fatalf("the relay's duties never all went to sleep (%d timers of %d)", r.clk.Pending(), r.duties)
	}
}

// pass moves the rig's clock on by d, step by step, each step once every
// duty sleeps: whatever the relay does in d of its time, it has done.
func (r *rig) pass(t *testing.T, d, step time.Duration) {
	t.Helper()
	for moved := time.Duration(0); moved < d; moved += step {
		r.asleep(t)
		r.clk.Add(step)
	}
	r.asleep(t)
}

// until moves the rig's clock on by step whenever every duty sleeps, until
// cond holds; it fails the test after a generous wall-clock deadline (a
// liveness check, not a timing assertion).
func (r *rig) until(t *testing.T, what string, step time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		if r.clk.WaitPending(r.duties, 5*time.Millisecond) {
			r.clk.Add(step)
		}
	}
}

// waitFor polls cond until it holds; it fails the test after a generous
// deadline (this is a liveness check, not a timing assertion).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func idNumber(n int) string {
	base := fmt.Sprintf("3101151990%07d", n%10000000)
	return base + string(kiosk.IDCheckChar(base))
}

func sub(n int) kiosk.Submission {
	return kiosk.Submission{
		ID: kiosk.NewSubmissionID(), TerminalID: "PD-T-0001", ItemCode: "MZ-0105", CatalogVersion: "2026.11",
		CreatedAt: time.Now(), Fields: map[string]string{"phone": "13800138000"},
		Applicant: kiosk.Person{IDNumber: idNumber(n), Name: "张三", CardType: kiosk.CardResident},
	}
}

func (r *rig) enqueue(t *testing.T, n int) []string {
	t.Helper()
	var ids []string
	for i := 0; i < n; i++ {
		q, err := r.ob.Enqueue(context.Background(), sub(i))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, q.ID)
	}
	return ids
}

func (r *rig) counts(t *testing.T) store.Counts {
	t.Helper()
	c, err := r.ob.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRelayOutcomes(t *testing.T) {
	t.Parallel()
	type script = func(key string, n int) (int, string, bool)
	tests := []struct {
		name      string
		fault     script
		wantState string
		wantReq   func(n int) bool // requests the server saw for the row
	}{
		{"201 delivered", nil, store.StateDelivered, func(n int) bool { return n == 1 }},
		{"422 parked, never retried", func(string, int) (int, string, bool) { return 422, "", false },
			store.StateParked, func(n int) bool { return n == 1 }},
		{"409 parked", func(string, int) (int, string, bool) { return 409, "", false },
			store.StateParked, func(n int) bool { return n == 1 }},
		{"500 twice then delivered", func(_ string, n int) (int, string, bool) {
			if n <= 2 {
				return 500, "", false
			}
			return 0, "", false
		}, store.StateDelivered, func(n int) bool { return n == 3 }},
		{"200 without Idempotent-Replayed is not delivered", func(_ string, n int) (int, string, bool) {
			if n == 1 {
				return 200, "", false
			}
			return 0, "", false
		}, store.StateDelivered, func(n int) bool { return n == 2 }},
		{"reset then delivered", func(_ string, n int) (int, string, bool) { return 0, "", n == 1 },
			store.StateDelivered, func(n int) bool { return n == 2 }},
		{"commit then drop: replayed, delivered once", func(_ string, n int) (int, string, bool) {
			if n == 1 {
				return 1, "", true // status != 0 with drop: commit, then drop the answer
			}
			return 0, "", false
		},
			store.StateDelivered, func(n int) bool { return n == 2 }},
		{"401 is not parked", func(string, int) (int, string, bool) { return 401, "", false },
			store.StatePending, func(n int) bool { return n >= 1 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newClockRig(t, nil)
			r.srv.setFault(tc.fault)
			id := r.enqueue(t, 1)[0]
			stop := r.run(t)
			r.relay.Notify()
			r.until(t, tc.wantState, 10*time.Millisecond, func() bool {
				rec, err := r.ob.Lookup(context.Background(), id)
				if tc.wantState == store.StatePending {
					return err == nil && rec.Attempts >= 2
				}
				return err == nil && rec.State == tc.wantState
			})
			if tc.wantState == store.StateParked {
				// Room for a wrong retry to show: an hour of the relay's
				// time, far past every backoff, then every send finished.
				r.pass(t, time.Hour, 5*time.Minute)
			}
			stop()
			if n := r.srv.count(id); !tc.wantReq(n) {
				t.Fatalf("server saw %d requests", n)
			}
			rec, _ := r.ob.Lookup(context.Background(), id)
			switch tc.wantState {
			case store.StateDelivered:
				r.srv.mu.Lock()
				want := r.srv.cases[id]
				ncases := len(r.srv.cases)
				r.srv.mu.Unlock()
				if rec.CaseNo != want || ncases != 1 {
					t.Fatalf("case %q, server %q with %d cases", rec.CaseNo, want, ncases)
				}
			case store.StateParked:
				if rec.Park.Code == "" || rec.Park.Reason == "" || len(rec.Park.Fields) != 1 || rec.Park.Fields[0].Field != "fields.phone" {
					t.Fatalf("park reason %+v", rec.Park)
				}
			case store.StatePending:
				if !strings.Contains(rec.LastError, "401") {
					t.Fatalf("last error %q does not name the 401", rec.LastError)
				}
			}
		})
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	r.srv.setFault(func(string, int) (int, string, bool) { return 503, "120", false })
	id := r.enqueue(t, 1)[0]
	before := time.Now()
	rep, err := r.relay.DrainOnce(context.Background())
	if err != nil || rep.Retry != 1 {
		t.Fatalf("drain %+v, %v", rep, err)
	}
	c := r.counts(t)
	if c.NextAttempt == nil || c.NextAttempt.Before(before.Add(119*time.Second)) {
		t.Fatalf("next attempt %v, want >= 120 s after %v", c.NextAttempt, before)
	}
	rec, _ := r.ob.Lookup(context.Background(), id)
	if rec.LastError == "" || rec.Attempts != 1 {
		t.Fatalf("record %+v", rec)
	}
}

func TestNotifyWakesAtOnce(t *testing.T) {
	t.Parallel()
	r := newRig(t, func(c *Config) { c.Idle = time.Hour })
	r.run(t)
	// Let the sender fall asleep on an empty queue first.
	waitFor(t, "first heartbeat", func() bool { r.srv.mu.Lock(); defer r.srv.mu.Unlock(); return len(r.srv.heartbeat) > 0 })
	id := r.enqueue(t, 1)[0]
	r.relay.Notify()
	waitFor(t, "delivery after Notify", func() bool { rec, _ := r.ob.Lookup(context.Background(), id); return rec.State == store.StateDelivered })
}

func TestOutageRateBoundedByBackoff(t *testing.T) {
	t.Parallel()
	min := 10 * time.Millisecond
	r := newClockRig(t, func(c *Config) {
		c.Backoff = Backoff{Base: 20 * time.Millisecond, Cap: 200 * time.Millisecond, Min: min}
		c.MaxInFlight = 4
	})
	r.srv.setFault(func(string, int) (int, string, bool) { return 503, "", false })
	const queued = 300
	r.enqueue(t, queued)
	stop := r.run(t)
	// 700 ms of the relay's time, in steps of its shortest backoff.
	const elapsed = 700 * time.Millisecond
	r.pass(t, elapsed, min)
	stop()
	r.srv.mu.Lock()
	got := r.srv.submits
	r.srv.mu.Unlock()
	// Hard bound: after every failure the sender holds at least Min, with at
	// most MaxInFlight requests already on the way. A relay retrying each
	// row on its own schedule would send every one of the 300 at once.
	bound := int(elapsed/min) + 4 + 1
	if got > bound || got >= queued {
		t.Fatalf("%d submit requests in %v of outage, bound %d", got, elapsed, bound)
	}
	if got == 0 {
		t.Fatal("no request at all: the test proves nothing")
	}
	t.Logf("%d requests in %v", got, elapsed)
}

func TestNetworkReturnWakesSender(t *testing.T) {
	t.Parallel()
	var online []bool
	var mu sync.Mutex
	r := newClockRig(t, func(c *Config) {
		// After the first failure, a row would wait an hour.
		c.Backoff = Backoff{Base: time.Hour, Cap: time.Hour, Min: time.Hour}
		c.Heartbeat = time.Hour
		c.OnOnline = func(b bool) { mu.Lock(); online = append(online, b); mu.Unlock() }
	})
	r.srv.down.Store(true)
	id := r.enqueue(t, 1)[0]
	if _, err := r.relay.DrainOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r.relay.Online() {
		t.Fatal("online after a reset")
	}
	r.run(t)
	r.asleep(t) // the first heartbeat has failed too
	r.srv.down.Store(false)
	r.relay.DeviceChanged() // a heartbeat gets through: the network is back
	waitFor(t, "delivery once the network is back", func() bool {
		rec, _ := r.ob.Lookup(context.Background(), id)
		return rec.State == store.StateDelivered
	})
	mu.Lock()
	defer mu.Unlock()
	if len(online) < 2 || online[0] || !online[len(online)-1] {
		t.Fatalf("online transitions %v", online)
	}
}

func testCatalog(version string, gen time.Time) kiosk.Catalog {
	return kiosk.Catalog{Version: version, GeneratedAt: gen,
		Items: []kiosk.Item{{Code: "MZ-0105", Name: "低保家庭证明开具", Department: "区民政局", Category: "社会救助",
			Kind: kiosk.KindInstant, SelfService: true}},
		Calendar: testCalendar()}
}

// testCalendar covers the year before, this year and the next, as a
// catalogue must (a calendar short of this year or the next is refused).
func testCalendar() kiosk.Calendar {
	y := time.Now().In(kiosk.Zone()).Year()
	return kiosk.Calendar{Holidays: []string{"2026-10-01", fmt.Sprintf("%d-01-01", y-1), fmt.Sprintf("%d-01-01", y), fmt.Sprintf("%d-01-01", y+1)}}
}

func TestCatalogRefreshAndHeartbeatCommands(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var devicesAsked atomic.Int32
	src := &memAudit{}
	r := newRig(t, func(c *Config) {
		c.Audit, c.AuditInterval = src, time.Hour
		c.AppVersion = "1.2.3"
		c.Devices = func() map[string]intake.DeviceState {
			devicesAsked.Add(1)
			return map[string]intake.DeviceState{"printer": {State: intake.DeviceDegraded, Detail: "纸将尽", Paper: intake.PaperNearEnd}}
		}
	})
	gen := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	r.srv.catalog, r.srv.catETag = testCatalog("v1", gen), `"e1"`
	r.run(t)
	waitFor(t, "first catalogue", func() bool { m, err := r.st.CatalogMeta(ctx); return err == nil && m.Version == "v1" })

	// 304 keeps it; garbage, an invalid and an older catalogue are refused.
	if err := r.relay.RefreshCatalog(ctx); err != nil {
		t.Fatalf("304 refresh: %v", err)
	}
	bad := []struct {
		name string
		raw  []byte
		cat  kiosk.Catalog
	}{
		{"garbage", []byte("<html>oops</html>"), kiosk.Catalog{}},
		{"truncated", []byte(`{"version":"v9","items":[{"code":"A"`), kiosk.Catalog{}},
		{"invalid", nil, kiosk.Catalog{Version: "v9", GeneratedAt: gen.Add(time.Hour)}},
		{"older", nil, testCatalog("v0", gen.Add(-time.Hour))},
	}
	for _, b := range bad {
		r.srv.mu.Lock()
		r.srv.catRaw, r.srv.catalog, r.srv.catETag = b.raw, b.cat, `"bad"`
		r.srv.mu.Unlock()
		if err := r.relay.RefreshCatalog(ctx); err == nil {
			t.Fatalf("%s catalogue accepted", b.name)
		}
		if m, _ := r.st.CatalogMeta(ctx); m.Version != "v1" || m.ETag != `"e1"` {
			t.Fatalf("%s catalogue replaced the good one: %+v", b.name, m)
		}
	}
	// A heartbeat command brings the next good catalogue.
	r.srv.mu.Lock()
	r.srv.catRaw, r.srv.catalog, r.srv.catETag = nil, testCatalog("v2", gen.Add(time.Hour)), `"e2"`
	r.srv.commands = []map[string]string{{"id": "c1", "type": "refresh_catalog"}, {"id": "c2", "type": "self_destruct"}}
	r.srv.mu.Unlock()
	r.relay.DeviceChanged()
	waitFor(t, "catalogue v2 after the command", func() bool { m, _ := r.st.CatalogMeta(ctx); return m.Version == "v2" })

	// upload_audit brings the trail recorded since.
	src.add(5)
	r.srv.mu.Lock()
	r.srv.commands = []map[string]string{{"id": "c3", "type": "upload_audit"}}
	r.srv.mu.Unlock()
	r.relay.DeviceChanged()
	waitFor(t, "audit upload after the command", func() bool {
		r.srv.mu.Lock()
		defer r.srv.mu.Unlock()
		return len(r.srv.audit) == 5
	})

	r.srv.mu.Lock()
	hb := r.srv.heartbeat[0]
	r.srv.mu.Unlock()
	raw, _ := json.Marshal(hb)
	for _, want := range []string{`"app_version":"1.2.3"`, `"near_end"`, `"outbox":{`, `"disk_free_bytes":`} {
		if !bytes.Contains(raw, []byte(want)) {
			t.Fatalf("heartbeat %s lacks %s", raw, want)
		}
	}
	if devicesAsked.Load() == 0 {
		t.Fatal("device func never called")
	}
	if skew := r.relay.Status().ClockSkew; skew < 4*time.Minute || skew > 6*time.Minute {
		t.Fatalf("clock skew %v, want about 5 min", skew)
	}
}

// memAudit is an in-memory AuditSource.
type memAudit struct {
	mu     sync.Mutex
	events []kiosk.AuditEvent
	acked  int64
}

func (m *memAudit) add(n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := 0; i < n; i++ {
		prev := ""
		if len(m.events) > 0 {
			prev = m.events[len(m.events)-1].Hash
		}
		seq := int64(len(m.events)) + 1
		m.events = append(m.events, kiosk.AuditEvent{Seq: seq, At: time.Date(2026, 11, 27, 10, 0, int(seq%60), 0, time.UTC),
			Kind: "submission.queued", Subject: "3101**********1234", Detail: "T0001-261127-0001", PrevHash: prev}.Seal())
	}
}

func (m *memAudit) Since(_ context.Context, seq int64, n int) ([]kiosk.AuditEvent, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if seq >= int64(len(m.events)) {
		return nil, nil
	}
	end := min(int(seq)+n, len(m.events))
	return append([]kiosk.AuditEvent(nil), m.events[seq:end]...), nil
}

// memAudit holds one chain, the terminal's first, uploaded without an id.
func (m *memAudit) Chains(context.Context) ([]kiosk.AuditChain, error) {
	return []kiosk.AuditChain{{Current: true}}, nil
}

func (m *memAudit) ChainSince(ctx context.Context, _ string, seq int64, n int) ([]kiosk.AuditEvent, error) {
	return m.Since(ctx, seq, n)
}

func (m *memAudit) ChainMarkAcked(ctx context.Context, _ string, seq int64) error {
	return m.MarkAcked(ctx, seq)
}

func (m *memAudit) ChainDone(context.Context, string) error { return nil }

func (m *memAudit) MarkAcked(_ context.Context, seq int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if seq > m.acked {
		m.acked = seq
	}
	return nil
}

func TestAuditUploadResumes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := &memAudit{}
	r := newRig(t, func(c *Config) { c.Audit = src; c.AuditBatch = 7 })
	src.add(30)
	// The server already holds the first 10 (an earlier run was cut short).
	r.srv.mu.Lock()
	r.srv.audit = append(r.srv.audit, src.events[:10]...)
	r.srv.mu.Unlock()
	if err := r.relay.UploadAudit(ctx); err != nil {
		t.Fatal(err)
	}
	r.srv.mu.Lock()
	n := len(r.srv.audit)
	r.srv.mu.Unlock()
	if n != 30 || src.acked != 30 || r.relay.Status().AuditAcked != 30 {
		t.Fatalf("server holds %d, acked %d", n, src.acked)
	}
	// A broken chain stops the upload with the server's error.
	src.mu.Lock()
	src.events = append(src.events, kiosk.AuditEvent{Seq: 31, Kind: "x", PrevHash: "bogus"}.Seal())
	src.mu.Unlock()
	err := r.relay.UploadAudit(ctx)
	var ie *intake.Error
	if !errors.As(err, &ie) || ie.Code != "chain_broken" || r.relay.Status().AuditError == "" {
		t.Fatalf("broken chain: %v", err)
	}
}

func TestNoIDNumberInLogs(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	var mu sync.Mutex
	r := newRig(t, func(c *Config) {
		c.Logger = slog.New(slog.NewTextHandler(lockedWriter{&mu, &buf}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	r.srv.setFault(func(string, int) (int, string, bool) { return 422, "", false })
	r.enqueue(t, 3)
	if _, err := r.relay.DrainOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	for i := 0; i < 3; i++ {
		if bytes.Contains(buf.Bytes(), []byte(idNumber(i))) {
			t.Fatalf("log holds a full ID number:\n%s", buf.String())
		}
	}
	if buf.Len() == 0 {
		t.Fatal("nothing logged: the check proves nothing")
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestSendNow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newClockRig(t, func(c *Config) {
		c.Backoff = Backoff{Base: time.Hour, Cap: time.Hour, Min: time.Hour}
		c.Idle = time.Hour
	})
	r.srv.setFault(func(_ string, n int) (int, string, bool) {
		if n == 1 {
			return 500, "", false
		}
		return 0, "", false
	})
	id := r.enqueue(t, 1)[0]
	if rep, err := r.relay.DrainOnce(ctx); err != nil || rep.Retry != 1 {
		t.Fatalf("first drain %+v, %v", rep, err)
	}
	r.run(t)
	r.pass(t, 50*time.Minute, 10*time.Minute) // most of the hour the row must wait
	if rec, _ := r.ob.Lookup(ctx, id); rec.State != store.StatePending {
		t.Fatalf("sent before its time: %+v", rec)
	}
	if n, err := r.relay.SendNow(ctx); err != nil || n != 1 {
		t.Fatalf("SendNow = %d, %v", n, err)
	}
	waitFor(t, "delivery after SendNow", func() bool {
		rec, _ := r.ob.Lookup(ctx, id)
		return rec.State == store.StateDelivered
	})
}

// OnIdle marks the end of a burst: once when the queued backlog has all
// been sent, not while any is left or in flight, not on an empty queue, and
// once more for the next burst.
func TestOnIdleAfterEachBurst(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var idles []store.Counts // the queue as each OnIdle saw it
	var r *rig
	r = newClockRig(t, func(c *Config) {
		c.OnIdle = func() {
			cnt, err := r.ob.Counts(context.Background())
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			idles = append(idles, cnt)
			mu.Unlock()
		}
	})
	got := func() []store.Counts {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(idles)
	}
	r.enqueue(t, 12)
	r.run(t)
	r.until(t, "the backlog delivered", 10*time.Millisecond, func() bool { return r.counts(t).Delivered == 12 })
	r.until(t, "OnIdle after the backlog", 10*time.Millisecond, func() bool { return len(got()) >= 1 })
	if c := got()[0]; c.Pending != 0 || c.Delivered != 12 {
		t.Errorf("OnIdle ran with the queue at %+v, want all 12 delivered", c)
	}
	// An empty queue polled again and again is no burst.
	r.pass(t, 300*time.Millisecond, 50*time.Millisecond) // several Idle periods of 50 ms
	if n := len(got()); n != 1 {
		t.Fatalf("OnIdle ran %d times for one burst", n)
	}
	// A burst that delivers nothing (the server is down: each attempt
	// fails and waits for its retry) is no end of work.
	r.srv.down.Store(true)
	id := r.enqueue(t, 1)[0]
	r.relay.Notify()
	r.until(t, "two failed attempts", 10*time.Millisecond, func() bool {
		rec, _ := r.ob.Lookup(context.Background(), id)
		return rec.Attempts >= 2
	})
	if n := len(got()); n != 1 {
		t.Fatalf("OnIdle ran %d times; failed sends delivered nothing", n)
	}
	r.srv.down.Store(false)
	r.relay.Notify()
	r.until(t, "OnIdle after the second burst", 10*time.Millisecond, func() bool { return len(got()) == 2 })
	if c := got()[1]; c.Pending != 0 || c.Delivered != 13 {
		t.Errorf("second OnIdle ran with the queue at %+v, want all 13 delivered", c)
	}
}

// A submission queued longer than the central system keeps idempotency
// keys, whose earlier attempt may have reached the server, is parked for
// staff, not sent: the server would file it a second time. One younger
// than the window is sent; one staff released is sent whatever its age.
func TestOldSubmissionIsParkedNotResent(t *testing.T) {
	t.Parallel()
	const window = 29 * 24 * time.Hour
	var r *rig
	var now atomic.Int64 // the relay's clock, moved by the test
	now.Store(time.Now().UnixNano())
	r = newRig(t, func(c *Config) {
		c.KeyWindow = window
		c.Now = func() time.Time { return time.Unix(0, now.Load()) }
	})
	ids := r.enqueue(t, 2)
	// Sent once each, the connection cut after the request was read.
	r.srv.down.Store(true)
	rep, err := r.relay.DrainOnce(context.Background())
	if err != nil || rep.Retry != 2 {
		t.Fatalf("drain with the connection cut: %+v, %v; want both to retry", rep, err)
	}
	r.srv.down.Store(false)
	// Thirty days later (the terminal was cut off all month).
	now.Add(int64(30 * 24 * time.Hour))
	rep, err = r.relay.DrainOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Parked != 2 || rep.Delivered != 0 {
		t.Fatalf("drain of two 30-day-old submissions: %+v, want both parked", rep)
	}
	r.srv.mu.Lock()
	submits := r.srv.submits
	r.srv.mu.Unlock()
	if submits != 0 {
		t.Fatalf("the server got %d submissions of 30-day-old rows", submits)
	}
	parked, err := r.ob.Parked(context.Background())
	if err != nil || len(parked) != 2 {
		t.Fatalf("parked = %v, %v", parked, err)
	}
	for _, p := range parked {
		if p.Park.Code != ParkCodeKeyWindow || !strings.Contains(p.Park.Reason, "30 days") || !strings.Contains(p.Park.Reason, "重复立案") {
			t.Errorf("parked %s with %q: %q; want %s, its age and why", p.LocalNo, p.Park.Code, p.Park.Reason, ParkCodeKeyWindow)
		}
	}
	// Staff checked with the district and send one again.
	if err := r.ob.RetryParked(context.Background(), ids[0]); err != nil {
		t.Fatal(err)
	}
	if rep, err = r.relay.DrainOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if rep.Delivered != 1 || rep.Parked != 0 {
		t.Fatalf("drain of the released row: %+v, want it delivered", rep)
	}
	if rec, _ := r.ob.Lookup(context.Background(), ids[0]); rec.State != store.StateDelivered {
		t.Errorf("the released row is %s, want delivered", rec.State)
	}
	if rec, _ := r.ob.Lookup(context.Background(), ids[1]); rec.State != "parked" {
		t.Errorf("the row staff did not release is %s, want parked", rec.State)
	}
	// One queued 28 days ago is still within the window, and is sent.
	young := r.enqueue(t, 1)[0]
	now.Store(time.Now().Add(28 * 24 * time.Hour).UnixNano())
	if rep, err = r.relay.DrainOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if rep.Delivered != 1 || rep.Parked != 0 {
		t.Fatalf("drain of a 28-day-old row: %+v, want it delivered", rep)
	}
	if rec, _ := r.ob.Lookup(context.Background(), young); rec.State != store.StateDelivered {
		t.Errorf("the 28-day-old row is %s, want delivered", rec.State)
	}
}

// offlineAPI is the central API behind a switch: while offline, submissions
// go to an address where nothing listens, so every attempt fails before a
// byte of it leaves the terminal (intake.ErrNotSent).
type offlineAPI struct {
	API
	dead    *intake.Client
	offline atomic.Bool
}

func (o *offlineAPI) Submit(ctx context.Context, s kiosk.Submission) (kiosk.Accepted, bool, error) {
	if o.offline.Load() {
		return o.dead.Submit(ctx, s)
	}
	return o.API.Submit(ctx, s)
}

// A submission whose every attempt failed before it left the terminal (a
// month without a network) is unknown to the central system: it is sent
// whatever its age, not parked. One attempt that may have reached the
// server is enough to park it past the window.
func TestOldSubmissionThatNeverLeftIsSent(t *testing.T) {
	t.Parallel()
	gone := httptest.NewServer(http.NotFoundHandler())
	deadURL := gone.URL
	gone.Close()
	dead, err := intake.New(intake.Config{BaseURL: deadURL, TerminalID: "PD-T-0001", Token: "tok", Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dead.Close() })
	api := &offlineAPI{dead: dead}
	var now atomic.Int64
	now.Store(time.Now().UnixNano())
	r := newRig(t, func(c *Config) {
		api.API = c.API
		c.API = api
		c.KeyWindow = 29 * 24 * time.Hour
		c.Now = func() time.Time { return time.Unix(0, now.Load()) }
	})
	ctx := context.Background()
	drain := func(what string, want DrainReport) {
		t.Helper()
		rep, err := r.relay.DrainOnce(ctx)
		if err != nil || rep.Delivered != want.Delivered || rep.Retry != want.Retry || rep.Parked != want.Parked {
			ps, _ := r.ob.Parked(ctx)
			t.Fatalf("%s: %+v, %v; want %+v (parked %+v)", what, rep, err, want, ps)
		}
	}
	never := r.enqueue(t, 1)[0]
	api.offline.Store(true)
	drain("offline", DrainReport{Retry: 1})
	drain("offline again", DrainReport{Retry: 1})
	if rec, _ := r.ob.Lookup(ctx, never); !strings.Contains(rec.LastError, "not sent") {
		t.Errorf("last error %q, want it to say the request was not sent", rec.LastError)
	}
	api.offline.Store(false)
	now.Add(int64(30 * 24 * time.Hour))
	drain("back online a month later", DrainReport{Delivered: 1})
	if rec, _ := r.ob.Lookup(ctx, never); rec.State != store.StateDelivered {
		t.Errorf("the row that never left is %s, want delivered", rec.State)
	}

	// Not sent, then cut after the server read it, then not sent again.
	now.Store(time.Now().UnixNano())
	maybe := r.enqueue(t, 1)[0]
	api.offline.Store(true)
	drain("offline", DrainReport{Retry: 1})
	api.offline.Store(false)
	r.srv.down.Store(true)
	drain("cut", DrainReport{Retry: 1})
	r.srv.down.Store(false)
	api.offline.Store(true)
	drain("offline", DrainReport{Retry: 1})
	api.offline.Store(false)
	now.Add(int64(30 * 24 * time.Hour))
	drain("a month later", DrainReport{Parked: 1})
	if rec, _ := r.ob.Lookup(ctx, maybe); rec.State != "parked" || rec.Park.Code != ParkCodeKeyWindow {
		t.Errorf("the row that may have arrived is %s (%s), want parked for the key window", rec.State, rec.Park.Code)
	}
}
