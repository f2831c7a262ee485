// Package visittest holds fakes for testing code built on package visit.
package visittest

import (
	"time"

	"github.com/pudong-community/kiosk/internal/clock/clocktest"
	"github.com/pudong-community/kiosk/kiosk/visit"
)

// Clock is the module's manual clock (clocktest.Clock) as a visit.Clock:
// time only moves when Advance (or Add) is called, and due timers run
// synchronously in the goroutine that calls it, in order of their due time.
type Clock struct {
	*clocktest.Clock
}

var _ visit.Clock = (*Clock)(nil)

// NewClock returns a clock that reads start.
func NewClock(start time.Time) *Clock { return &Clock{clocktest.New(start)} }

// AfterFunc schedules f to run when Advance passes now+d.
func (c *Clock) AfterFunc(d time.Duration, f func()) visit.Timer { return c.Clock.AfterFunc(d, f) }

// Advance moves the clock forward by d, running every timer that falls due
// on the way at its own time. Timers scheduled by those callbacks run too
// if they fall within the window.
func (c *Clock) Advance(d time.Duration) { c.Clock.Add(d) }
