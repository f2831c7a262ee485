package outbox

import (
	"math"
	"time"
)

// Backoff is capped exponential backoff with full jitter: the n-th retry
// waits a uniformly random share of min(Cap, Base·2ⁿ), but at least Min so
// that an unlucky draw never turns into a hot loop.
type Backoff struct {
	Base time.Duration
	Cap  time.Duration
	Min  time.Duration
}

// DefaultBackoff is the terminal's retry schedule: 2 s doubling up to 10 min.
var DefaultBackoff = Backoff{Base: 2 * time.Second, Cap: 10 * time.Minute, Min: 500 * time.Millisecond}

// Next returns when the next attempt is due after attempts failed attempts
// (attempts >= 0), drawing the jitter from rnd in [0, 1).
func (b Backoff) Next(now time.Time, attempts int, rnd float64) time.Time {
	return now.Add(b.Delay(attempts, rnd))
}

// Delay is Next without the clock.
func (b Backoff) Delay(attempts int, rnd float64) time.Duration {
	if b.Base <= 0 {
		b.Base = DefaultBackoff.Base
	}
	if b.Cap < b.Base {
		b.Cap = b.Base
	}
	if attempts < 0 {
		attempts = 0
	}
	if math.IsNaN(rnd) || rnd < 0 {
		rnd = 0
	}
	if rnd > 1 {
		rnd = 1
	}
	ceil := b.Cap
	if attempts < 62 {
		if d := b.Base << attempts; d > 0 && d < b.Cap && d>>attempts == b.Base {
			ceil = d
		}
	}
	d := time.Duration(rnd * float64(ceil))
	return max(d, min(b.Min, ceil))
}

// NextAttempt is DefaultBackoff.Next: when to try again after attempts
// failed attempts, with rnd in [0, 1) the jitter.
func NextAttempt(now time.Time, attempts int, rnd float64) time.Time {
	return DefaultBackoff.Next(now, attempts, rnd)
}
