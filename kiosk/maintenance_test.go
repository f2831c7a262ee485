package kiosk

import (
	"testing"
	"time"
)

func TestClockSkewed(t *testing.T) {
	t.Parallel()
	for skew, want := range map[time.Duration]bool{
		0: false, 5 * time.Minute: false, -5 * time.Minute: false,
		5*time.Minute + time.Second: true, -6 * time.Minute: true, 365 * 24 * time.Hour: true,
	} {
		if got := (SyncReport{ClockSkew: skew}).ClockSkewed(); got != want {
			t.Errorf("skew %v: ClockSkewed = %v, want %v", skew, got, want)
		}
	}
}
