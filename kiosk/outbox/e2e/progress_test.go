package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/kiosk/intake"
	"github.com/pudong-community/kiosk/kiosk/intake/intakesim"
)

// The suite runs against servers of every speed: the one in process, and
// a district's staging system that may be slow, drop connections and ask
// for pauses (Retry-After). A slow or paused server is not a failure of
// the terminal, so nothing here has a deadline for finishing. What fails a
// test is no progress: nothing delivered (no answer, for a single call)
// for the stall limit, KIOSK_E2E_STALL_SECONDS (default 60). A server that
// asks for pauses longer than that needs a larger limit.
func stallLimit() time.Duration {
	return time.Duration(size("STALL_SECONDS", 60, 60)) * time.Second
}

// pausingFaults is the profile of a busy server that also asks for pauses:
// 30% 500s, 5% 503 with Retry-After: 1, 5% connection resets and 5%
// commit-then-drop (the case is made, the answer lost).
var pausingFaults = intakesim.Faults{Error500: 0.30, Unavailable503: 0.05, RetryAfterSeconds: 1, Reset: 0.05, CommitDrop: 0.05}

// progress watches a count of work still to do that should fall: it
// reports a stall when the count has not fallen for the stall limit, and
// the throughput at the end.
type progress struct {
	what          string
	limit         time.Duration
	start, lastAt time.Time
	first, best   int // still to do when first seen, and the least seen since
	seen          bool
	longest       time.Duration // the longest wait between two advances
}

func newProgress(what string) *progress {
	now := time.Now()
	return &progress{what: what, limit: stallLimit(), start: now, lastAt: now}
}

// observe records how much is still to do, and returns an error when
// nothing has advanced for the stall limit.
func (p *progress) observe(remaining int) error {
	now := time.Now()
	switch {
	case !p.seen:
		p.seen, p.first, p.best, p.lastAt = true, remaining, remaining, now
	case remaining < p.best:
		p.longest = max(p.longest, now.Sub(p.lastAt))
		p.best, p.lastAt = remaining, now
	case now.Sub(p.lastAt) > p.limit:
		return fmt.Errorf("stalled: no %s for %v (stall limit, KIOSK_E2E_STALL_SECONDS), %d of %d still to go; %s",
			p.what, now.Sub(p.lastAt).Round(time.Millisecond), p.best, p.first, p.summary())
	}
	return nil
}

// summary is the throughput so far.
func (p *progress) summary() string {
	done, el := p.first-p.best, time.Since(p.start)
	return fmt.Sprintf("%d %s in %v (%.1f/s), longest wait between two %v",
		done, p.what, el.Round(time.Millisecond), float64(done)/max(el.Seconds(), 1e-3), max(p.longest, 0).Round(time.Millisecond))
}

// untilAnswered calls f until it succeeds or fails for good (a final
// error fails the test at once). Between tries it waits what the server
// asked for (Retry-After), or 100 ms; it fails the test when no try has
// succeeded for the stall limit.
func untilAnswered(t *testing.T, what string, f func() error) {
	t.Helper()
	start, tries := time.Now(), 0
	for {
		err := f()
		tries++
		if err == nil {
			return
		}
		if intake.IsFinal(err) {
			t.Fatalf("%s: %v", what, err)
		}
		if el := time.Since(start); el > stallLimit() {
			t.Fatalf("%s: no answer in %v, %d tries (stall limit, KIOSK_E2E_STALL_SECONDS); last: %v", what, el.Round(time.Millisecond), tries, err)
		}
		time.Sleep(max(intake.RetryAfter(err), 100*time.Millisecond))
	}
}

// The stall check itself: progress resets the clock, a count that does
// not fall for the limit is a stall, and the summary counts what was done.
func TestProgressStall(t *testing.T) {
	p := newProgress("rows")
	p.limit = time.Hour
	for _, n := range []int{10, 7, 7, 3} {
		if err := p.observe(n); err != nil {
			t.Fatal(err)
		}
	}
	if p.first != 10 || p.best != 3 {
		t.Fatalf("first %d best %d", p.first, p.best)
	}
	p.lastAt = p.lastAt.Add(-2 * time.Hour) // as if the last advance were two hours ago
	if err := p.observe(3); err == nil {
		t.Fatal("no stall reported after two hours without progress")
	}
	if err := p.observe(2); err != nil {
		t.Fatalf("progress after a long wait: %v", err)
	}
	if p.longest < 2*time.Hour {
		t.Errorf("longest wait %v, want the two hours", p.longest)
	}
}
