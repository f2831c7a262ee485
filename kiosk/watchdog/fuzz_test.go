package watchdog

import (
	"errors"
	"strconv"
	"testing"
	"time"
)

// FuzzParseInterval: any $WATCHDOG_USEC / $WATCHDOG_PID gives a positive
// interval equal to the number, or a typed error; never a panic. Seeds in
// testdata/fuzz/FuzzParseInterval.
func FuzzParseInterval(f *testing.F) {
	f.Add("30000000", "")
	f.Add("15000000", "42")
	f.Fuzz(func(t *testing.T, usec, pid string) {
		d, err := ParseInterval(usec, pid, 42)
		if err != nil {
			if !errors.Is(err, ErrDisabled) && !errors.Is(err, ErrBadInterval) {
				t.Fatalf("untyped error %v", err)
			}
			if d != 0 {
				t.Fatalf("error %v with interval %v", err, d)
			}
			return
		}
		u, perr := strconv.ParseUint(usec, 10, 64)
		if perr != nil || d <= 0 || d != time.Duration(u)*time.Microsecond {
			t.Fatalf("ParseInterval(%q, %q) = %v", usec, pid, d)
		}
	})
}
