package outbox

import (
	"math"
	"testing"
	"time"
)

func TestNextAttempt(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		attempts int
		rnd      float64
		want     time.Duration
	}{
		{"first, top of jitter", 0, 0.999999999, 2 * time.Second},
		{"first, half", 0, 0.5, time.Second},
		{"first, zero draw keeps the floor", 0, 0, 500 * time.Millisecond},
		{"third doubles twice", 2, 0.5, 4 * time.Second},
		{"capped", 20, 0.5, 5 * time.Minute},
		{"capped at the top", 20, 0.999999999, 10 * time.Minute},
		{"huge attempts do not overflow", 1 << 30, 0.5, 5 * time.Minute},
		{"negative attempts", -3, 0.5, time.Second},
		{"rnd above 1 clamps", 1, 7, 4 * time.Second},
		{"NaN clamps to the floor", 1, math.NaN(), 500 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := NextAttempt(now, tc.attempts, tc.rnd).Sub(now)
			if diff := got - tc.want; diff < -time.Millisecond || diff > time.Millisecond {
				t.Fatalf("-want +got: %v %v", tc.want, got)
			}
		})
	}
	// Never beyond the cap, never below the floor, monotone ceiling.
	for a := 0; a < 80; a++ {
		for _, r := range []float64{0, 0.3, 0.9999} {
			d := DefaultBackoff.Delay(a, r)
			if d < 500*time.Millisecond || d > 10*time.Minute {
				t.Fatalf("attempt %d rnd %v: %v out of bounds", a, r, d)
			}
		}
	}
}
