package outbox

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/store"
)

// clockFixture: row a is refused with 500 every time (so it may have
// arrived, and would be parked once queued past the key window), row b is
// delivered (and would be purged past the retention).
func clockFixture(t *testing.T) (r *rig, a, b string) {
	t.Helper()
	r = newClockRig(t, func(c *Config) {
		c.PurgeInterval = time.Hour
		// An hour between attempts: a row whose next attempt a wrong clock
		// set would wait for that clock, so being tried again shows that
		// the relay made it due.
		c.Backoff = Backoff{Base: time.Hour, Cap: time.Hour, Min: time.Hour}
	})
	ids := r.enqueue(t, 2)
	a, b = ids[0], ids[1]
	r.srv.setFault(func(key string, _ int) (int, string, bool) {
		if key == a {
			return 500, "", false
		}
		return 0, "", false
	})
	return r, a, b
}

// nothingJudgedByTheJump checks that a was neither parked nor left stuck
// (it is still tried), and that b was not purged.
func nothingJudgedByTheJump(t *testing.T, r *rig, a string, triedBefore int) int {
	t.Helper()
	ctx := context.Background()
	// A try in flight ends without the clock moving (an hour to the next).
	waitFor(t, "row a's try in flight to end", func() bool {
		rec, err := r.ob.Lookup(ctx, a)
		return err == nil && rec.State != store.StateInflight
	})
	rec, err := r.ob.Lookup(ctx, a)
	if err != nil || rec.State != store.StatePending || rec.Attempts <= triedBefore {
		t.Fatalf("row a: %+v, %v; want still pending, tried again (more than %d attempts)", rec, err, triedBefore)
	}
	if c := r.counts(t); c.Delivered != 1 || c.Parked != 0 {
		t.Fatalf("counts %+v: want the delivered row kept and nothing parked", c)
	}
	return rec.Attempts
}

// TestClockJumpParksAndPurgesNothing: the terminal's clock is set a year
// ahead, then a year behind the true time. Ages are judged by the server's
// time, carried forward on the monotonic clock, so nothing is parked or
// purged for it; the skew shows in the status and in the heartbeat; and a
// submission whose next attempt the wrong clock set is not left waiting a
// year.
func TestClockJumpParksAndPurgesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r, a, b := clockFixture(t)
	r.run(t)
	r.until(t, "a tried, b delivered, a heartbeat answered", time.Second, func() bool {
		ra, _ := r.ob.Lookup(ctx, a)
		rb, _ := r.ob.Lookup(ctx, b)
		r.srv.mu.Lock()
		hb := len(r.srv.heartbeat)
		r.srv.mu.Unlock()
		return ra.Attempts > 0 && rb.State == store.StateDelivered && hb > 0
	})
	if st := r.relay.Status(); st.ClockSkewed {
		t.Fatalf("skewed before any jump: %+v", st)
	}
	tried := nothingJudgedByTheJump(t, r, a, 0)

	r.clk.Set(r.clk.Now().AddDate(1, 0, 0))
	r.pass(t, 3*time.Hour, 10*time.Minute) // purges three times, heartbeats, retries
	tried = nothingJudgedByTheJump(t, r, a, tried)
	st := r.relay.Status()
	if !st.ClockSkewed || st.ClockSkew > -360*24*time.Hour {
		t.Errorf("status after the jump ahead: skew %v, skewed %v; want about a year behind the server", st.ClockSkew, st.ClockSkewed)
	}
	r.srv.mu.Lock()
	last := r.srv.heartbeat[len(r.srv.heartbeat)-1]
	r.srv.mu.Unlock()
	if secs, ok := last["clock_skew_seconds"].(float64); !ok || secs > -360*24*3600 {
		t.Errorf("heartbeat's clock_skew_seconds = %v; want about minus a year", last["clock_skew_seconds"])
	}

	if off := r.relay.TrustedNow().Sub(r.srv.now()); off < -time.Minute || off > 6*time.Minute {
		t.Errorf("trusted time is %v off the server's true time after the jump", off)
	}
	r.clk.Set(r.clk.Now().AddDate(-2, 0, 0)) // a year behind the true time
	r.pass(t, 3*time.Hour, 10*time.Minute)
	nothingJudgedByTheJump(t, r, a, tried)
	if st := r.relay.Status(); !st.ClockSkewed || st.ClockSkew < 360*24*time.Hour {
		t.Errorf("status after the jump back: skew %v; want about a year ahead", st.ClockSkew)
	}
}

// TestImplausibleClockAtBoot: a terminal that starts with its clock at 1970
// or 2099 says so, parks and purges nothing while the server's time is not
// known, loses nothing, and once a heartbeat tells the server's time goes on
// sending (its queued rows made due again) and still parks nothing.
func TestImplausibleClockAtBoot(t *testing.T) {
	t.Parallel()
	for name, at := range map[string]time.Time{
		"1970": time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
		"2099": time.Date(2099, 6, 1, 0, 0, 0, 0, time.UTC),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			r, a, _ := clockFixture(t)
			if rep, err := r.relay.DrainOnce(ctx); err != nil || rep.Delivered != 1 || rep.Retry != 1 {
				t.Fatalf("first drain %+v, %v", rep, err)
			}
			tried := nothingJudgedByTheJump(t, r, a, 0)
			r.clk.Set(at)
			r.srv.down.Store(true)
			r.run(t)
			r.pass(t, 3*time.Hour, 10*time.Minute)
			if rec, _ := r.ob.Lookup(ctx, a); rec.State != store.StatePending && rec.State != store.StateInflight {
				t.Fatalf("row a while the clock reads %s: %+v", name, rec)
			}
			if c := r.counts(t); c.Delivered != 1 || c.Parked != 0 {
				t.Fatalf("counts %+v while the clock reads %s", c, name)
			}
			if st := r.relay.Status(); st.ClockError == "" || !strings.Contains(st.LastError, "clock") {
				t.Errorf("no clock error in the status while the clock reads %s: %+v", name, st)
			}
			r.srv.down.Store(false)
			r.until(t, "a heartbeat answered", time.Minute, func() bool {
				r.srv.mu.Lock()
				defer r.srv.mu.Unlock()
				return len(r.srv.heartbeat) > 0
			})
			r.pass(t, time.Hour, 10*time.Minute)
			nothingJudgedByTheJump(t, r, a, tried)
			if st := r.relay.Status(); st.ClockError != "" || !st.ClockSkewed {
				t.Errorf("status once the server's time is known: %+v", st)
			}
		})
	}
}

// A catalogue whose calendar does not cover this year and the next is
// refused like a malformed one: the good one stays and staff see why.
func TestCatalogueCalendarMustCoverThisYearAndNext(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t, func(c *Config) { c.Heartbeat, c.CatalogRefresh = time.Hour, time.Hour })
	gen := time.Now().Add(-time.Hour)
	y := time.Now().In(kiosk.Zone()).Year()
	serve := func(version string, years ...int) {
		cat := testCatalog(version, gen)
		cat.Calendar.Holidays = nil
		for _, yy := range years {
			cat.Calendar.Holidays = append(cat.Calendar.Holidays, fmt.Sprintf("%d-10-01", yy))
		}
		gen = gen.Add(time.Minute)
		r.srv.mu.Lock()
		r.srv.catalog, r.srv.catETag = cat, `"`+version+`"`
		r.srv.mu.Unlock()
	}
	serve("v1", y, y+1)
	r.run(t)
	if err := r.relay.RefreshCatalog(ctx); err != nil {
		t.Fatalf("a catalogue covering %d and %d: %v", y, y+1, err)
	}
	for name, years := range map[string][]int{"no next year": {y - 1, y}, "no this year": {y + 1, y + 2}} {
		serve("v9", years...)
		err := r.relay.RefreshCatalog(ctx)
		if !errors.Is(err, kiosk.ErrInvalidCatalog) {
			t.Errorf("%s: refresh = %v, want an invalid catalogue", name, err)
		}
		if m, _ := r.st.CatalogMeta(ctx); m.Version != "v1" {
			t.Errorf("%s: catalogue %s replaced the good one", name, m.Version)
		}
		if st := r.relay.Status(); !strings.Contains(st.CatalogError, "calendar") {
			t.Errorf("%s: staff are not told why: %q", name, st.CatalogError)
		}
	}
}

// A pause the server asked for (Retry-After: 60) when the terminal's clock
// is then set a year back must not hold for that year: it ends within the
// hour Retry-After may ask at most. The row then delivered, stamped by the
// clock that is a year behind, is not purged for it.
func TestPauseDoesNotOutlastAClockSetBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newClockRig(t, nil)
	r.srv.setFault(func(string, int) (int, string, bool) { return 503, "60", false })
	id := r.enqueue(t, 1)[0]
	r.run(t)
	r.until(t, "the 503 recorded", time.Second, func() bool {
		rec, _ := r.ob.Lookup(ctx, id)
		return rec.Attempts > 0 && rec.State == store.StatePending
	})
	r.srv.setFault(nil)
	r.clk.Set(r.clk.Now().AddDate(-1, 0, 0))
	r.pass(t, 2*time.Hour, 5*time.Minute)
	waitFor(t, "delivery once the pause has ended", func() bool {
		rec, _ := r.ob.Lookup(ctx, id)
		return rec.State == store.StateDelivered
	})
	r.pass(t, 3*time.Hour, 30*time.Minute) // three purges
	if rec, _ := r.ob.Lookup(ctx, id); rec.State != store.StateDelivered {
		t.Fatalf("the row delivered after the clock was set back: %s", rec.State)
	}
}
