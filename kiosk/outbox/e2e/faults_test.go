package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/kiosk/intake/intakesim"
	"github.com/pudong-community/kiosk/kiosk/outbox"
)

// TestFaults: with 30% 5xx, 10% timeouts, 5% resets and 5% commit-then-drop
// at the server, every submission arrives exactly once.
func TestFaults(t *testing.T) {
	n := size("FAULT_SUBMISSIONS", 150, 1000)
	tg := newTarget(t, nil)
	tg.needSim(t)
	if err := tg.sim.SetFaults(intakesim.Faults{Error500: 0.30, Timeout: 0.10, Reset: 0.05, CommitDrop: 0.05, HoldMillis: 2000}); err != nil {
		t.Fatal(err)
	}
	tm := openTerminal(t, t.TempDir(), tg.terminal)
	relay := newRelay(t, tg, tm, 300*time.Millisecond, nil)
	runRelay(t, relay)
	items := SelfService(tg.catalog)
	var confirmed []string
	for i := 0; i < n; i++ {
		q, err := tm.ob.Enqueue(context.Background(), MakeSubmission(tg.terminal, tg.catalog.Version, items[i%len(items)], i))
		if err != nil {
			t.Fatal(err)
		}
		confirmed = append(confirmed, q.ID)
		relay.Notify()
	}
	waitDrained(t, tm)
	st := tg.sim.Stats()
	if err := tg.sim.SetFaults(intakesim.Faults{}); err != nil {
		t.Fatal(err)
	}
	verifyExactlyOnce(t, tg, tm, confirmed)
	if st.FaultsApplied == 0 || st.CommitDrops == 0 || st.Replays == 0 {
		t.Fatalf("faults were not exercised: %+v", st)
	}
	t.Logf("server stats %+v", st)
}

// TestFaultsWithPauses: a busy server that also asks for pauses (5% 503
// with Retry-After: 1, besides 30% 500s, 5% resets and 5%
// commit-then-drop): honouring the pauses slows the relay down, and every
// submission still arrives exactly once. Only a stall fails it.
func TestFaultsWithPauses(t *testing.T) {
	n := size("PAUSE_SUBMISSIONS", 80, 400)
	tg := newTarget(t, nil)
	tg.needSim(t)
	if err := tg.sim.SetFaults(pausingFaults); err != nil {
		t.Fatal(err)
	}
	tm := openTerminal(t, t.TempDir(), tg.terminal)
	relay := newRelay(t, tg, tm, time.Second, nil)
	runRelay(t, relay)
	items := SelfService(tg.catalog)
	var confirmed []string
	for i := 0; i < n; i++ {
		q, err := tm.ob.Enqueue(context.Background(), MakeSubmission(tg.terminal, tg.catalog.Version, items[i%len(items)], i))
		if err != nil {
			t.Fatal(err)
		}
		confirmed = append(confirmed, q.ID)
		relay.Notify()
	}
	waitDrained(t, tm)
	st := tg.sim.Stats()
	if err := tg.sim.SetFaults(intakesim.Faults{}); err != nil {
		t.Fatal(err)
	}
	verifyExactlyOnce(t, tg, tm, confirmed)
	if st.Paused == 0 || st.CommitDrops == 0 {
		t.Fatalf("the pauses and drops were not exercised: %+v", st)
	}
	t.Logf("server stats %+v", st)
}

// TestOutageRateBounded: while every request fails, the requests the
// server sees are bounded by the backoff, not by the queue's length.
func TestOutageRateBounded(t *testing.T) {
	tg := newTarget(t, nil)
	tg.needSim(t)
	queued := size("OUTAGE_QUEUE", 300, 1000)
	window := time.Duration(size("OUTAGE_MS", 1500, 5000)) * time.Millisecond
	tm := openTerminal(t, t.TempDir(), tg.terminal)
	items := SelfService(tg.catalog)
	for i := 0; i < queued; i++ {
		if _, err := tm.ob.Enqueue(context.Background(), MakeSubmission(tg.terminal, tg.catalog.Version, items[i%len(items)], i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tg.sim.SetFaults(intakesim.Faults{Error500: 1}); err != nil {
		t.Fatal(err)
	}
	minDelay := 10 * time.Millisecond
	relay := newRelay(t, tg, tm, time.Second, func(c *outbox.Config) {
		c.Backoff = outbox.Backoff{Base: 20 * time.Millisecond, Cap: 400 * time.Millisecond, Min: minDelay}
	})
	before := tg.sim.Stats().Requests
	start := time.Now()
	cancel := runRelay(t, relay)
	time.Sleep(window)
	cancel()
	elapsed := time.Since(start)
	got := tg.sim.Stats().Requests - before
	// Hard bound: the sender and the catalogue refresh each hold at least
	// Min after a failure; MaxInFlight sends may already be on the way; one
	// heartbeat at start.
	bound := 2*int64(elapsed/minDelay) + 4 + 1
	if got > bound || got >= int64(queued) {
		t.Fatalf("%d requests in %v of outage with %d queued; bound %d", got, elapsed, queued, bound)
	}
	// And the expected rate is far below the hard bound once the backoff
	// has grown: with a 400 ms cap, a few requests a second.
	if perSec := float64(got) / elapsed.Seconds(); perSec > 60 {
		t.Fatalf("%.0f requests/s during the outage", perSec)
	}
	t.Logf("%d requests in %v with %d queued", got, elapsed, queued)
	// Once the server is back, everything goes.
	if err := tg.sim.SetFaults(intakesim.Faults{}); err != nil {
		t.Fatal(err)
	}
	r2 := newRelay(t, tg, tm, 5*time.Second, nil)
	runRelay(t, r2)
	r2.Notify()
	waitDrained(t, tm)
}

func intakesim500(share float64) intakesim.Faults { return intakesim.Faults{Error500: share} }
