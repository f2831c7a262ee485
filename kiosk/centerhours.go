package kiosk

import (
	"sort"
	"strconv"
	"strings"
	"time"
)

// The centre's hours as the home screen says them: open now or not, today's
// hours, when it opens next. Pure: the caller passes the time.

// HoursSpan is one opening span of a day, in the terminal's zone (Zone).
type HoursSpan struct {
	Open, Close time.Time
}

// CenterStatus is what the centre's hours say at one moment.
type CenterStatus struct {
	// HasHours: the centre has any hours at all (a weekday span or an
	// exception with hours); false for a centre closed all week, or one
	// whose hours could not be read: the screens then say nothing of
	// opening times and give the hotline.
	HasHours bool
	// Open: now is inside one of today's spans; ClosesAt is its end.
	Open     bool
	ClosesAt time.Time
	// Today are today's spans (after exceptions), in order; empty when
	// the centre is closed all day today.
	Today []HoursSpan
	// Holiday: an exception closes the centre today.
	Holiday bool
	// Exception: today's hours come from an exception (other hours, or
	// closed).
	Exception bool
	// NextOpen is the start of the next span after now when the centre is
	// not open (zero when none is known within NextOpenHorizon days);
	// while open, the start of the next span after the current one closes.
	NextOpen time.Time
}

// NextOpenHorizon is how many days ahead Status looks for the next opening.
const NextOpenHorizon = 400

// Status says, at now, whether the centre is open, its hours today and
// when it opens next. Exceptions replace a date's regular hours; spans
// that cannot be read or that do not close after they open (no span crosses
// midnight) are ignored.
func (c *Center) Status(now time.Time) CenterStatus {
	var st CenterStatus
	if c == nil {
		return st
	}
	loc := Zone()
	now = now.In(loc)
	exc := map[string][]HoursException{}
	for _, e := range c.Exceptions {
		d := strings.TrimSpace(e.Date)
		if _, err := time.ParseInLocation("2006-01-02", d, loc); err != nil {
			continue
		}
		exc[d] = append(exc[d], e)
		if !e.Closed {
			if _, _, ok := parseSpan(now, e.Open, e.Close); ok {
				st.HasHours = true
			}
		}
	}
	for _, h := range c.Hours {
		if h.Weekday >= 1 && h.Weekday <= 7 {
			if _, _, ok := parseSpan(now, h.Open, h.Close); ok {
				st.HasHours = true
			}
		}
	}
	y, m, d := now.Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, loc)
	spans, isExc, closed := c.spansOn(today, exc)
	// A holiday is one without any hours too (the calendar marks it).
	st.Exception, st.Holiday = isExc, closed
	if !st.HasHours {
		return st
	}
	st.Today = spans
	for _, s := range spans {
		if !now.Before(s.Open) && now.Before(s.Close) {
			st.Open, st.ClosesAt = true, s.Close
			break
		}
	}
	after := now
	if st.Open {
		after = st.ClosesAt
	}
	for i := 0; i <= NextOpenHorizon && st.NextOpen.IsZero(); i++ {
		day := time.Date(y, m, d+i, 0, 0, 0, 0, loc)
		ss, _, _ := c.spansOn(day, exc)
		if i == 0 {
			ss = spans
		}
		for _, s := range ss {
			if s.Open.After(after) {
				st.NextOpen = s.Open
				break
			}
		}
	}
	return st
}

// spansOn are the spans of day (midnight in Zone), sorted: the exceptions
// of that date when there are any, else its weekday's hours.
func (c *Center) spansOn(day time.Time, exc map[string][]HoursException) (spans []HoursSpan, isException, closed bool) {
	if es, ok := exc[day.Format("2006-01-02")]; ok {
		for _, e := range es {
			if e.Closed {
				return nil, true, true
			}
		}
		for _, e := range es {
			if o, cl, ok := parseSpan(day, e.Open, e.Close); ok {
				spans = append(spans, HoursSpan{o, cl})
			}
		}
		sortSpans(spans)
		return spans, true, len(spans) == 0
	}
	wd := int(day.Weekday())
	if wd == 0 {
		wd = 7
	}
	for _, h := range c.Hours {
		if h.Weekday != wd {
			continue
		}
		if o, cl, ok := parseSpan(day, h.Open, h.Close); ok {
			spans = append(spans, HoursSpan{o, cl})
		}
	}
	sortSpans(spans)
	return spans, false, false
}

func sortSpans(s []HoursSpan) {
	sort.Slice(s, func(i, j int) bool { return s[i].Open.Before(s[j].Open) })
}

// parseSpan reads "HH:MM"–"HH:MM" on day's date; ok is false when either
// cannot be read or the span does not close after it opens.
func parseSpan(day time.Time, open, close string) (time.Time, time.Time, bool) {
	om, ok1 := parseHHMM(open)
	cm, ok2 := parseHHMM(close)
	if !ok1 || !ok2 || cm <= om {
		return time.Time{}, time.Time{}, false
	}
	y, m, d := day.Date()
	base := time.Date(y, m, d, 0, 0, 0, 0, day.Location())
	return base.Add(time.Duration(om) * time.Minute), base.Add(time.Duration(cm) * time.Minute), true
}

// parseHHMM is minutes since midnight of "HH:MM" (up to "24:00").
func parseHHMM(s string) (int, bool) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || len(h) == 0 || len(h) > 2 || len(m) != 2 {
		return 0, false
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 || hh > 24 || (hh == 24 && mm != 0) {
		return 0, false
	}
	return hh*60 + mm, true
}
