package ui

import (
	"fmt"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/kiosk/audit"
)

// Bad input from issue 21: a PIN guessed with 10,000 taps scripted through
// the test driver on the staff entry's keypad (six digits and OK a guess).
// While the keypad is locked the script waits for the lock's end. The test
// counts how many guesses the lock lets through in any 24 hours: at most
// 50 is the goal.
func TestMaintTenThousandTapsOfGuessing(t *testing.T) {
	r := newMaintRig(t)
	r.openEntry()
	start := r.clk.Now()
	guess := 0
	for taps := 0; taps+7 <= 10000; taps += 7 {
		if locked, until := r.gate.Locked(); locked {
			r.clk.Add(until.Sub(r.clk.Now()))
		}
		pin := fmt.Sprintf("%06d", guess)
		if pin == maintPIN {
			guess++
			pin = fmt.Sprintf("%06d", guess)
		}
		guess++
		r.pin(pin)
		r.want("maint.entry")
		r.clk.Add(2 * time.Second) // a second or two per guess
	}
	var at []time.Time
	for _, ev := range r.trail.Rows() {
		if ev.Kind == string(audit.PINFailure) {
			at = append(at, ev.At)
		}
	}
	worst, j := 0, 0
	for i := range at {
		for at[i].Sub(at[j]) >= 24*time.Hour {
			j++
		}
		worst = max(worst, i-j+1)
	}
	t.Logf("10,000 taps: %d guesses checked over %.1f days; at most %d in any 24 hours", len(at), r.clk.Now().Sub(start).Hours()/24, worst)
	if worst > 50 {
		t.Errorf("the lock let %d guesses through in 24 hours, want at most 50", worst)
	}
	if len(at) < 100 {
		t.Errorf("only %d guesses checked: the script did not reach the keypad", len(at))
	}
}
