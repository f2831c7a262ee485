// Package clock is the module's one source of time that tests can replace,
// and its one context-aware sleep. It imports only the standard library, so
// that the device drivers (devices/...) and the terminal (kiosk/...) share
// it; clocktest holds the manual clock for tests.
package clock

import (
	"context"
	"time"
)

// Clock tells the time and makes timers.
type Clock interface {
	// Now is the wall clock: it may jump (set by hand, by NTP).
	Now() time.Time
	// Mono is a monotonic reading (from an arbitrary origin): it never
	// jumps, so the time between two readings is time that passed.
	Mono() time.Duration
	// NewTimer returns a timer whose channel receives once d has passed.
	NewTimer(d time.Duration) Timer
}

// Timer is a pending NewTimer.
type Timer interface {
	C() <-chan time.Time
	// Stop prevents the timer from firing and reports whether it did so.
	Stop() bool
}

// System is the wall clock.
var System Clock = system{}

type system struct{}

func (system) Now() time.Time { return time.Now() }

// start is the origin of System's monotonic readings.
var start = time.Now()

func (system) Mono() time.Duration { return time.Since(start) }

func (system) NewTimer(d time.Duration) Timer { return sysTimer{time.NewTimer(d)} }

type sysTimer struct{ t *time.Timer }

func (t sysTimer) C() <-chan time.Time { return t.t.C }
func (t sysTimer) Stop() bool          { return t.t.Stop() }

// Sleep waits d on the wall clock or until ctx ends, and returns ctx.Err()
// when ctx ended first (also when d <= 0 and ctx has ended).
func Sleep(ctx context.Context, d time.Duration) error { return SleepOn(ctx, System, d) }

// SleepOn waits d on c, or until ctx ends or one of wake (at most two
// channels) receives. It returns ctx.Err() when ctx ended, else nil.
func SleepOn(ctx context.Context, c Clock, d time.Duration, wake ...<-chan struct{}) error {
	if d <= 0 {
		return ctx.Err()
	}
	var a, b <-chan struct{}
	switch len(wake) {
	case 0:
	case 1:
		a = wake[0]
	case 2:
		a, b = wake[0], wake[1]
	default:
		panic("clock.SleepOn: more than two wake channels")
	}
	t := c.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C():
	case <-a:
	case <-b:
	}
	return nil
}
