package kiosk

import (
	"fmt"
	"testing"
	"time"
)

// demoCenter: Monday–Friday 09:00–12:00 and 13:00–17:00, evenings to 20:00
// on Tuesday and Thursday (a second span), Saturday 09:00–12:00, Sunday
// closed; New Year's Day closed, 31 December short hours.
func demoCenter() *Center {
	c := &Center{Name: "陆家嘴社区事务受理服务中心", Hotline: "021-12345"}
	for wd := 1; wd <= 5; wd++ {
		c.Hours = append(c.Hours, OpeningHours{Weekday: wd, Open: "13:00", Close: "17:00"}, OpeningHours{Weekday: wd, Open: "09:00", Close: "12:00"})
	}
	c.Hours = append(c.Hours,
		OpeningHours{Weekday: 2, Open: "17:00", Close: "20:00"},
		OpeningHours{Weekday: 4, Open: "17:00", Close: "20:00"},
		OpeningHours{Weekday: 6, Open: "09:00", Close: "12:00"})
	c.Exceptions = []HoursException{
		{Date: "2027-01-01", Closed: true},
		{Date: "2026-12-31", Open: "09:00", Close: "11:00"},
	}
	return c
}

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, Zone())
	if err != nil {
		panic(err)
	}
	return t
}

func TestCenterStatus(t *testing.T) {
	c := demoCenter()
	cases := []struct {
		name      string
		now       string
		open      bool
		closes    string
		next      string
		today     int
		holiday   bool
		exception bool
	}{
		{"monday morning", "2026-12-07 10:30", true, "2026-12-07 12:00", "2026-12-07 13:00", 2, false, false},
		{"monday lunch", "2026-12-07 12:30", false, "", "2026-12-07 13:00", 2, false, false},
		{"monday evening: closed, opens tuesday", "2026-12-07 18:00", false, "", "2026-12-08 09:00", 2, false, false},
		{"tuesday evening hours", "2026-12-08 19:59", true, "2026-12-08 20:00", "2026-12-09 09:00", 3, false, false},
		{"tuesday at closing: closed", "2026-12-08 20:00", false, "", "2026-12-09 09:00", 3, false, false},
		{"saturday afternoon: opens monday", "2026-12-05 15:00", false, "", "2026-12-07 09:00", 1, false, false},
		{"sunday: closed all day", "2026-12-06 10:00", false, "", "2026-12-07 09:00", 0, false, false},
		{"before opening", "2026-12-07 08:59", false, "", "2026-12-07 09:00", 2, false, false},
		// At midnight a day's hours are the day's (the appointment
		// calendar asks so for each of its days).
		{"monday midnight", "2026-12-07 00:00", false, "", "2026-12-07 09:00", 2, false, false},
		{"tuesday midnight: three spans", "2026-12-08 00:00", false, "", "2026-12-08 09:00", 3, false, false},
		{"holiday at midnight", "2027-01-01 00:00", false, "", "2027-01-02 09:00", 0, true, true},
		// Year end: 31 December (a Thursday) has short hours; 1 January
		// (a Friday) is a holiday; the next opening is Saturday 2 January.
		{"new year's eve short hours", "2026-12-31 10:00", true, "2026-12-31 11:00", "2027-01-02 09:00", 1, false, true},
		{"new year's eve after short hours", "2026-12-31 14:00", false, "", "2027-01-02 09:00", 1, false, true},
		{"holiday", "2027-01-01 10:00", false, "", "2027-01-02 09:00", 0, true, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := c.Status(at(tc.now))
			if !st.HasHours {
				t.Fatal("HasHours false")
			}
			if st.Open != tc.open {
				t.Errorf("Open = %v, want %v", st.Open, tc.open)
			}
			if tc.closes != "" && !st.ClosesAt.Equal(at(tc.closes)) {
				t.Errorf("ClosesAt = %v, want %s", st.ClosesAt, tc.closes)
			}
			if !st.NextOpen.Equal(at(tc.next)) {
				t.Errorf("NextOpen = %v, want %s", st.NextOpen, tc.next)
			}
			if len(st.Today) != tc.today {
				t.Errorf("Today = %v, want %d spans", st.Today, tc.today)
			}
			for i := 1; i < len(st.Today); i++ {
				if !st.Today[i-1].Open.Before(st.Today[i].Open) {
					t.Errorf("Today not sorted: %v", st.Today)
				}
			}
			if st.Holiday != tc.holiday || st.Exception != tc.exception {
				t.Errorf("Holiday, Exception = %v, %v; want %v, %v", st.Holiday, st.Exception, tc.holiday, tc.exception)
			}
		})
	}
}

func TestCenterStatusInputZone(t *testing.T) {
	// 02:30 UTC is 10:30 in Shanghai: open.
	st := demoCenter().Status(time.Date(2026, 12, 7, 2, 30, 0, 0, time.UTC))
	if !st.Open {
		t.Fatalf("10:30 Shanghai on a Monday: %+v", st)
	}
}

func TestCenterStatusNoHours(t *testing.T) {
	for name, c := range map[string]*Center{
		"nil":                    nil,
		"closed all week":        {Name: "x"},
		"only closed exceptions": {Exceptions: []HoursException{{Date: "2026-12-07", Closed: true}}},
		"unreadable hours": {Hours: []OpeningHours{{Weekday: 1, Open: "9am", Close: "5pm"}, {Weekday: 8, Open: "09:00", Close: "17:00"},
			{Weekday: 2, Open: "17:00", Close: "09:00"}, {Weekday: 3, Open: "25:00", Close: "26:00"}}},
	} {
		st := c.Status(at("2026-12-07 10:00"))
		if st.HasHours || st.Open || !st.NextOpen.IsZero() || len(st.Today) != 0 {
			t.Errorf("%s: %+v", name, st)
		}
		// A date closed by exception is a holiday with no hours at all.
		if want := name == "only closed exceptions"; st.Holiday != want || st.Exception != want {
			t.Errorf("%s: Holiday, Exception = %v, %v; want %v", name, st.Holiday, st.Exception, want)
		}
	}
}

// A span to midnight ("24:00") ends at the next day's start; a centre
// whose next opening is more than the calendar's two weeks away still
// says when it opens (the screens' own helper looked 14 days ahead).
func TestCenterStatusEdges(t *testing.T) {
	c := &Center{Hours: []OpeningHours{{Weekday: 5, Open: "18:00", Close: "24:00"}}}
	st := c.Status(at("2026-12-11 23:30")) // a Friday
	if !st.Open || !st.ClosesAt.Equal(at("2026-12-12 00:00")) || st.ClosesAt.Hour() != 0 {
		t.Errorf("Friday 23:30: %+v", st)
	}
	c.Exceptions = []HoursException{}
	for d := 12; d <= 31; d++ {
		c.Exceptions = append(c.Exceptions, HoursException{Date: fmt.Sprintf("2026-12-%02d", d), Closed: true})
	}
	st = c.Status(at("2026-12-11 23:59"))
	if !st.Open || !st.NextOpen.Equal(at("2027-01-01 18:00")) {
		t.Errorf("three weeks closed: next %v, want 2027-01-01 18:00", st.NextOpen)
	}
}

func TestCenterStatusOpenOnlyByException(t *testing.T) {
	// Closed every weekday, but opens for one Sunday in February.
	c := &Center{Exceptions: []HoursException{{Date: "2027-02-14", Open: "09:00", Close: "12:00"}, {Date: "bad", Open: "09:00", Close: "12:00"}}}
	st := c.Status(at("2026-12-07 10:00"))
	if !st.HasHours || st.Open || !st.NextOpen.Equal(at("2027-02-14 09:00")) {
		t.Fatalf("%+v", st)
	}
	if st := c.Status(at("2027-02-14 11:59")); !st.Open || !st.Exception {
		t.Fatalf("on the day: %+v", st)
	}
}

func TestParseHHMM(t *testing.T) {
	for s, want := range map[string]int{"00:00": 0, "9:30": 570, "24:00": 1440, " 08:05 ": 485} {
		if got, ok := parseHHMM(s); !ok || got != want {
			t.Errorf("%q = %d, %v", s, got, ok)
		}
	}
	for _, s := range []string{"", "24:01", "12:60", "-1:00", "1200", "12:5", "ab:cd"} {
		if _, ok := parseHHMM(s); ok {
			t.Errorf("%q accepted", s)
		}
	}
}
