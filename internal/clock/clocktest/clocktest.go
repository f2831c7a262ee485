// Package clocktest holds the module's one manual clock for tests: time
// moves only when the test says so, and timers fire as it passes them.
package clocktest

import (
	"sort"
	"sync"
	"time"

	"github.com/pudong-community/kiosk/internal/clock"
)

// Clock is a manual clock. It satisfies clock.Clock; its Now can be passed
// wherever a func() time.Time is wanted. Timers made with NewTimer receive on
// their channel, and functions given to AfterFunc run synchronously in the
// goroutine that moves the clock, each at its own time, in order of due time.
type Clock struct {
	mu      sync.Mutex
	now     time.Time
	mono    time.Duration // time that passed (Add), not jumps (Set)
	seq     int
	timers  []*Timer
	changed chan struct{} // closed and replaced whenever timers changes
}

var _ clock.Clock = (*Clock)(nil)

// New returns a clock that reads start.
func New(start time.Time) *Clock { return &Clock{now: start, changed: make(chan struct{})} }

// Now returns the clock's current time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Mono returns how much time has passed on the clock (Add), leaving out
// jumps of its reading (Set).
func (c *Clock) Mono() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mono
}

// NewTimer returns a timer that fires when the clock passes now+d.
func (c *Clock) NewTimer(d time.Duration) clock.Timer {
	return c.add(d, nil)
}

// AfterFunc schedules f to run when the clock passes now+d.
func (c *Clock) AfterFunc(d time.Duration, f func()) *Timer { return c.add(d, f) }

func (c *Clock) add(d time.Duration, f func()) *Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	t := &Timer{c: c, at: c.now.Add(d), seq: c.seq, f: f, ch: make(chan time.Time, 1)}
	c.timers = append(c.timers, t)
	c.signal()
	return t
}

// signal wakes WaitPending; c.mu is held.
func (c *Clock) signal() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// Pending returns how many timers are waiting.
func (c *Clock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// WaitPending waits until at least n timers are waiting (goroutines under
// test have gone to sleep on the clock), or until the wall-clock limit
// passes; it reports whether n were reached.
func (c *Clock) WaitPending(n int, limit time.Duration) bool {
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		got, ch := len(c.timers), c.changed
		c.mu.Unlock()
		if got >= n {
			return true
		}
		select {
		case <-ch:
		case <-deadline.C:
			return false
		}
	}
}

// Add moves the clock forward by d, firing every timer that falls due on the
// way at its own time. Timers set by the functions that run meanwhile fire
// too if they fall within the window.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	end := c.now.Add(d)
	c.mu.Unlock()
	c.runUntil(end)
}

// Set makes the clock read t, forward or back, as a clock set by hand
// jumps: no time passes (Mono stays) and no timer fires, since a timer
// waits for its duration, not for a reading of the clock: each keeps the
// time left to it.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	shift := t.Sub(c.now)
	for _, x := range c.timers {
		x.at = x.at.Add(shift)
	}
	c.now = t
}

func (c *Clock) runUntil(end time.Time) {
	for {
		c.mu.Lock()
		sort.Slice(c.timers, func(i, j int) bool {
			if c.timers[i].at.Equal(c.timers[j].at) {
				return c.timers[i].seq < c.timers[j].seq
			}
			return c.timers[i].at.Before(c.timers[j].at)
		})
		if len(c.timers) == 0 || c.timers[0].at.After(end) {
			c.mono += end.Sub(c.now)
			c.now = end
			c.mu.Unlock()
			return
		}
		t := c.timers[0]
		c.timers = c.timers[1:]
		c.signal()
		if t.at.After(c.now) {
			c.mono += t.at.Sub(c.now)
			c.now = t.at
		}
		now := c.now
		c.mu.Unlock()
		if t.f != nil {
			t.f()
		} else {
			t.ch <- now
		}
	}
}

// Timer is a pending timer of a Clock.
type Timer struct {
	c   *Clock
	at  time.Time
	seq int
	f   func()
	ch  chan time.Time
}

// C returns the channel the timer fires on (NewTimer only).
func (t *Timer) C() <-chan time.Time { return t.ch }

// Stop prevents the timer from firing and reports whether it did so.
func (t *Timer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	for i, x := range t.c.timers {
		if x == t {
			t.c.timers = append(t.c.timers[:i], t.c.timers[i+1:]...)
			t.c.signal()
			return true
		}
	}
	return false
}
