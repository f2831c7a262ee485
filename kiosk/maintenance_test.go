package kiosk

import (
	"errors"
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

func TestCheckCalendar(t *testing.T) {
	t.Parallel()
	cal := func(days ...string) Catalog { return Catalog{Calendar: Calendar{Holidays: days}} }
	// 17:00 UTC on New Year's Eve is already 2027 in Shanghai.
	eve := time.Date(2026, 12, 31, 17, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		cat  Catalog
		now  time.Time
		want bool
	}{
		{cal("2026-10-01", "2027-01-01"), time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), true},
		{cal("2026-10-01"), time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), false},
		{cal("2026-10-01", "2027-01-01"), eve, false},
		{cal("2027-10-01", "2028-01-01"), eve, true},
	} {
		err := tc.cat.CheckCalendar(tc.now)
		if (err == nil) != tc.want || err != nil && !errors.Is(err, ErrInvalidCatalog) {
			t.Errorf("%v at %v: %v, want ok %v", tc.cat.Calendar.Holidays, tc.now, err, tc.want)
		}
	}
}
