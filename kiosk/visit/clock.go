package visit

import "time"

// Clock is the machine's source of time. Tests inject a fake one
// (visittest.Clock) and drive time without sleeping.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f in its own goroutine (or the test driver's) once d
	// has passed. It must never call f synchronously from AfterFunc.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a pending AfterFunc call.
type Timer interface {
	// Stop prevents the call if it has not run yet and reports whether it
	// did so.
	Stop() bool
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// AfterFunc wraps time.AfterFunc.
func (SystemClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }
