package outbox

import (
	"sync/atomic"
	"testing"
	"time"
)

// TestNoHotPollWhileProbeHangs: during an outage the sender sends one probe
// at a time. While that probe hangs, with rows due that it may not send,
// the sender must wait for the probe to finish, not re-read the queue in a
// loop (each read is a SQLite query: a hot loop burns the terminal's CPU
// and disk for as long as the server hangs).
func TestNoHotPollWhileProbeHangs(t *testing.T) {
	t.Parallel()
	r := newRig(t, func(c *Config) {
		c.MaxInFlight = 4
		c.Idle = time.Hour // only events and due times may wake the sender
		c.Heartbeat, c.CatalogRefresh = time.Hour, time.Hour
	})
	const probe = 5 // the first 4 fail at once; the 5th request is the probe
	hang := make(chan struct{})
	var seen atomic.Int32
	r.srv.setFault(func(string, int) (int, string, bool) {
		if seen.Add(1) == probe {
			<-hang // the server takes the probe and does not answer
		}
		return 503, "", false
	})
	defer close(hang) // before the server closes: it waits for its handlers
	// Let the start's heartbeat and catalogue answer first: a success
	// landing after the first failures would end the outage mode.
	r.srv.catalog, r.srv.catETag = testCatalog("v1", time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)), `"e1"`
	r.run(t)
	waitFor(t, "the start's calls", func() bool { return r.relay.Status().CatalogVersion == "v1" && r.srv.hitCount("heartbeat") > 0 })
	time.Sleep(50 * time.Millisecond)
	r.enqueue(t, 20)
	r.relay.Notify()
	waitFor(t, "the probe on its way", func() bool { return seen.Load() >= probe })
	before := r.relay.queueQueries.Load()
	const watch = time.Second // the client's timeout is 2 s: the probe still hangs
	time.Sleep(watch)
	got := r.relay.queueQueries.Load() - before
	if n := seen.Load(); n != probe {
		t.Fatalf("%d submit requests while the probe hung; want %d", n, probe)
	}
	// Waiting on the probe needs no query at all; allow a few for wake-ups.
	if got > 5 {
		t.Fatalf("the sender read the queue %d times in %v while the probe hung: hot polling", got, watch)
	}
	t.Logf("%d queue reads in %v", got, watch)
}
