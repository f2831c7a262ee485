package outbox

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"
)

// The contract: "429 and 503 may carry Retry-After (seconds). Clients
// honour it." These tests hold the relay to that for every kind of call.

// TestCatalogueHonoursRetryAfter: a catalogue refresh answered 503 with
// Retry-After waits at least that long before it asks again, although its
// own backoff is far shorter, and does ask again once the time is up.
func TestCatalogueHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	r := newClockRig(t, func(c *Config) { c.Heartbeat = time.Hour })
	r.srv.setAnswer(func(endpoint string) (int, string) {
		if endpoint == "catalog" {
			return 503, "2"
		}
		return 0, ""
	})
	r.run(t)
	r.until(t, "a second catalogue request", 100*time.Millisecond, func() bool { return r.srv.hitCount("catalog") >= 2 })
	at := r.srv.hitTimes("catalog")
	for i := 1; i < len(at); i++ {
		// Retry-After is counted from the answer, which comes after the
		// request: the gap between two requests is at least the 2 s.
		if gap := at[i].Sub(at[i-1]); gap < 2*time.Second {
			t.Fatalf("catalogue asked again %v after a 503 with Retry-After: 2 (asks at %v)", gap, at)
		}
	}
}

// TestRetryAfterPausesEveryCall: once a submission is answered 503 with
// Retry-After, no call of any kind goes to the server during the pause:
// not the other queued submissions (not even after staff's "send now"),
// not the heartbeat (not even on a device change), not the catalogue (not
// even on staff's refresh) and not the audit upload.
func TestRetryAfterPausesEveryCall(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := &memAudit{}
	src.add(3)
	r := newClockRig(t, func(c *Config) {
		c.Audit = src
		c.Heartbeat, c.CatalogRefresh, c.AuditInterval = 20*time.Millisecond, 20*time.Millisecond, 20*time.Millisecond
		c.MaxInFlight = 1
	})
	r.srv.catalog, r.srv.catETag = testCatalog("v1", time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)), `"e1"`
	r.srv.setFault(func(string, int) (int, string, bool) { return 503, "60", false })
	stop := r.run(t)
	endpoints := []string{"submit", "catalog", "heartbeat", "audit"}
	r.until(t, "every duty's first call", 10*time.Millisecond, func() bool {
		return r.srv.hitCount("catalog") >= 2 && r.srv.hitCount("heartbeat") >= 2 && r.srv.hitCount("audit") >= 2
	})
	ids := r.enqueue(t, 3)
	r.relay.Notify()
	waitFor(t, "the 503 recorded", func() bool {
		for _, id := range ids {
			if rec, _ := r.ob.Lookup(ctx, id); rec.Attempts > 0 {
				return true
			}
		}
		return false
	})
	r.asleep(t) // calls already on their way have landed
	before := map[string]int{}
	for _, e := range endpoints {
		before[e] = r.srv.hitCount(e)
	}
	r.relay.DeviceChanged()
	r.relay.UploadAuditSoon()
	if _, err := r.relay.SendNow(ctx); err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	err := r.relay.RefreshCatalog(rctx)
	cancel()
	if !errors.Is(err, ErrPaused) {
		t.Errorf("staff's catalogue refresh during the pause: %v, want ErrPaused", err)
	}
	if until := r.relay.Status().PausedUntil; until.Sub(r.clk.Now()) < 55*time.Second {
		t.Errorf("status shows the pause until %v, want about 60 s ahead", until)
	}
	// 50 s of the relay's time, every duty waking on its schedule of
	// 20 ms, then every call finished.
	r.pass(t, 50*time.Second, time.Second)
	stop()
	for _, e := range endpoints {
		if n := r.srv.hitCount(e); n != before[e] {
			t.Errorf("%s: %d requests during the server's 60 s pause", e, n-before[e])
		}
	}
	// Rows "send now" made due were claimed and put back unsent: an
	// attempt is counted for each request only, and the last error stays.
	attempts := 0
	for _, id := range ids {
		rec, _ := r.ob.Lookup(ctx, id)
		attempts += rec.Attempts
		if rec.Attempts > 0 && rec.LastError == "" {
			t.Errorf("%s: attempted, but its last error was wiped", id)
		}
	}
	if sent := r.srv.hitCount("submit"); attempts != sent {
		t.Errorf("%d attempts counted for %d submit requests", attempts, sent)
	}
}

// TestSuccessDoesNotEndPause: a call that was already on its way when
// another got 503 with Retry-After succeeds; that success must not end the
// pause the server asked for.
func TestSuccessDoesNotEndPause(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newClockRig(t, func(c *Config) {
		c.MaxInFlight = 2
		c.Heartbeat, c.CatalogRefresh = time.Hour, time.Hour
	})
	release := make(chan struct{})
	var released atomic.Bool
	defer func() {
		if released.CompareAndSwap(false, true) {
			close(release)
		}
	}()
	var seen atomic.Int32
	r.srv.setFault(func(string, int) (int, string, bool) {
		switch seen.Add(1) {
		case 1:
			<-release // held until the other one's 503 is recorded
			return 0, "", false
		case 2:
			return 503, "60", false
		}
		return 0, "", false
	})
	ids := r.enqueue(t, 3)
	stop := r.run(t)
	waitFor(t, "the 503 recorded", func() bool {
		for _, id := range ids {
			if rec, _ := r.ob.Lookup(ctx, id); rec.Attempts > 0 {
				return true
			}
		}
		return false
	})
	released.Store(true)
	close(release)
	waitFor(t, "the held submission delivered", func() bool { return r.counts(t).Delivered == 1 })
	r.pass(t, 50*time.Second, time.Second) // most of the 60 s pause
	stop()
	if n := r.srv.hitCount("submit"); n != 2 {
		t.Fatalf("%d submit requests; want 2: the success of the held one ended the server's pause", n)
	}
	if c := r.counts(t); c.Pending != 2 {
		t.Fatalf("counts %+v", c)
	}
}

// TestDrainOnceStopsAtRetryAfter: `kiosk diag sync --now` tries every row
// once, but not past a pause the server asked for: after the 503 with
// Retry-After nothing more is sent and the other rows stay queued.
func TestDrainOnceStopsAtRetryAfter(t *testing.T) {
	t.Parallel()
	r := newRig(t, func(c *Config) { c.MaxInFlight = 1 })
	r.srv.setFault(func(string, int) (int, string, bool) { return 503, "60", false })
	r.enqueue(t, 10)
	if _, err := r.relay.DrainOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := r.srv.hitCount("submit"); n != 1 {
		t.Fatalf("%d submit requests; want 1, then the server's pause", n)
	}
	if c := r.counts(t); c.Pending != 10 || c.NextAttempt == nil {
		t.Fatalf("counts %+v", c)
	}
}

// The server's pause outlives the relay: it is kept in the database, so a
// restarted terminal (a new relay over the same store) and `kiosk diag
// sync` (its probe and its drain) ask nothing of the server before it ends.
func TestPauseOutlivesARestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t, func(c *Config) { c.MaxInFlight = 1 })
	r.srv.setFault(func(string, int) (int, string, bool) { return 503, "60", false })
	r.enqueue(t, 3)
	if _, err := r.relay.DrainOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if n := r.srv.hitCount("submit"); n != 1 {
		t.Fatalf("%d submit requests before the pause, want 1", n)
	}
	r.srv.setFault(nil) // the server is fine again, but asked for 60 s
	// The restart: a new relay over the same database.
	again, err := New(Config{Store: r.st, Outbox: r.ob, API: r.client, MaxInFlight: 1,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if left := time.Until(again.PausedUntil()); left < 50*time.Second || left > 61*time.Second {
		t.Fatalf("the restarted relay's pause ends in %v, want about 60 s", left)
	}
	if _, err := again.DrainOnce(ctx); err != nil {
		t.Fatal(err)
	}
	before := r.srv.hitCount("catalog")
	rep, err := Probe(ctx, ProbeOptions{API: r.client, Store: r.st, Outbox: r.ob})
	if err != nil {
		t.Fatal(err)
	}
	if n := r.srv.hitCount("submit"); n != 1 {
		t.Errorf("%d submit requests during the pause after the restart, want still 1", n)
	}
	if n := r.srv.hitCount("catalog") - before; n != 0 || rep.PausedUntil == nil {
		t.Errorf("the probe during the pause: %d requests, report's pause %v; want none, and the pause", n, rep.PausedUntil)
	}
	// A kept pause that ends after more than the hour Retry-After may ask
	// is cut to the hour (the clock moved); one that has ended is none.
	if err := r.st.SetSetting(ctx, PauseSetting, time.Now().Add(5*time.Hour).Format(time.RFC3339Nano)); err != nil {
		t.Fatal(err)
	}
	if until, ok := StoredPause(ctx, r.st, time.Now()); !ok || time.Until(until) > time.Hour {
		t.Errorf("a kept pause 5 h ahead reads as %v, %v; want at most an hour", until, ok)
	}
	if err := r.st.SetSetting(ctx, PauseSetting, time.Now().Add(-time.Second).Format(time.RFC3339Nano)); err != nil {
		t.Fatal(err)
	}
	if _, ok := StoredPause(ctx, r.st, time.Now()); ok {
		t.Error("a pause that has ended still holds")
	}
}
