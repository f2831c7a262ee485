package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"

	"github.com/pudong-community/kiosk/kiosk"
)

// The centre as the screens show it: its hours (open now, today's hours,
// the next opening) from the cached kiosk.Center by (*kiosk.Center).Status,
// its counters, and the queue.

// centreStatus is what the screens say of the centre's hours at a moment:
// the centre's own Status, and whether the centre is known at all (a
// centre known but with no hours is closed, with no next opening).
type centreStatus struct {
	kiosk.CenterStatus
	known bool
}

// dayOf is midnight of t's day in the centre's zone.
func dayOf(t time.Time) time.Time {
	t = t.In(kiosk.Zone())
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
}

// centreData is the centre the terminal holds (cached by the service,
// usable offline) and its live queue, shared by home, the hand-off, the
// ticket and the appointment screens.
type centreData struct {
	center load[*kiosk.Center]
	tried  time.Time // when the centre was last asked for
	queue  load[*kiosk.QueueState]
}

// centreFresh is how long the centre is used before it is asked for again.
const centreFresh = time.Minute

// loadCenter asks the service for the centre (its cache answers at once
// offline) unless it was asked for a moment ago.
func (a *App) loadCenter() {
	src := a.opts.Center
	c := &a.centre.center
	now := a.opts.Now()
	if src == nil || c.loading() || !c.idle() && now.Sub(a.centre.tried) < centreFresh {
		return
	}
	a.centre.tried = now
	c.start()
	a.jobs.run(func(ctx context.Context) func() {
		got, _, err := src.Center(ctx)
		if err == nil && got == nil {
			err = errNoService
		}
		return func() {
			if err != nil && c.val != nil {
				err = nil // a failure keeps the centre held
				got = c.val
			}
			c.done(got, err, a.opts.Now())
			a.render()
		}
	})
}

// loadQueue asks for the live queue (it needs the network); offline it
// fails at once without asking.
func (a *App) loadQueue() {
	src := a.opts.Center
	q := &a.centre.queue
	if src == nil || q.loading() {
		return
	}
	if !a.status.online {
		q.done(nil, kiosk.ErrOffline, a.opts.Now())
		return
	}
	q.start()
	a.jobs.run(func(ctx context.Context) func() {
		got, err := src.Queue(ctx)
		if err == nil && got == nil {
			err = kiosk.ErrOffline
		}
		return func() {
			q.done(got, err, a.opts.Now())
			a.render()
		}
	})
}

// centreNow is the centre's status now; known is false before the centre
// was ever loaded. The hours say whether it is open, unless the queue
// answered in the last minute: the live queue is what issues tickets (a
// centre open late, or shut early, says so there first).
func (a *App) centreNow() centreStatus {
	c := a.centre.center.val
	now := a.opts.Now()
	st := centreStatus{CenterStatus: c.Status(now), known: c != nil}
	if q := a.centre.queue; q.val != nil && q.err == nil && now.Sub(q.at) < queueLive {
		st.Open, st.known = q.val.Open, true
	}
	return st
}

// queueLive is how long the queue's "open" outweighs the hours.
const queueLive = time.Minute

// counterName is the name of the counters of category in the resident's
// language: the centre's own name for them, else a plain one.
func (a *App) counterName(category string) string { return a.counterNameIn(a.lang, category) }

// counterNameIn is counterName in l (the slip prints the Chinese name).
func (a *App) counterNameIn(l Lang, category string) string {
	if category == "" {
		category = kiosk.CounterGeneral
	}
	if category == kiosk.CounterGeneral && l == English {
		return a.cat.T(l, "counter.general")
	}
	if c := a.centre.center.val; c != nil {
		for _, k := range c.Counters {
			if k.Category == category && k.Name != "" {
				return k.Name
			}
		}
	}
	if category == kiosk.CounterGeneral {
		return a.cat.T(l, "counter.general")
	}
	return a.cat.T(l, "counter.other")
}

// queueOf is the live queue of category, if the queue answered.
func (a *App) queueOf(category string) (kiosk.QueueCategory, bool) {
	q := a.centre.queue.val
	if q == nil || a.centre.queue.failed() {
		return kiosk.QueueCategory{}, false
	}
	for _, c := range q.Categories {
		if c.Category == category {
			c.Waiting, c.EstWaitMinutes = max(c.Waiting, 0), max(c.EstWaitMinutes, 0)
			return c, true
		}
	}
	return kiosk.QueueCategory{}, false
}

// dayText is a date as the resident reads it: 12月5日 星期六 / Sat 5 Dec;
// with the year when it is not this year's.
func (a *App) dayText(t time.Time) string {
	t = t.In(kiosk.Zone())
	withYear := t.Year() != a.opts.Now().In(kiosk.Zone()).Year()
	if a.lang == English {
		if withYear {
			return t.Format("Mon 2 Jan 2006")
		}
		return t.Format("Mon 2 Jan")
	}
	week := [...]string{"日", "一", "二", "三", "四", "五", "六"}
	s := fmt.Sprintf("%d月%d日 星期%s", t.Month(), t.Day(), week[t.Weekday()])
	if withYear {
		s = fmt.Sprintf("%d年", t.Year()) + s
	}
	return s
}

// whenText is a moment: 今天 09:00, 明天 09:00, or the day and time.
func (a *App) whenText(t time.Time) string {
	t = t.In(kiosk.Zone())
	today := dayOf(a.opts.Now())
	switch dayOf(t) {
	case today:
		return a.T("when.today", t.Format("15:04"))
	case today.AddDate(0, 0, 1):
		return a.T("when.tomorrow", t.Format("15:04"))
	}
	return a.dayText(t) + " " + t.Format("15:04")
}

// spansText is a day's hours: 09:00–17:00 (and more spans), or closed.
func (a *App) spansText(spans []kiosk.HoursSpan) string {
	if len(spans) == 0 {
		return a.T("centre.closedtoday")
	}
	var parts []string
	for _, s := range spans {
		parts = append(parts, s.Open.Format("15:04")+"–"+s.Close.Format("15:04"))
	}
	return strings.Join(parts, ", ")
}

// centreLines is what is said of the centre's hours: open now (until
// when) or closed (and when it opens next), today's hours and the hotline.
func (a *App) centreLines() []string {
	c := a.centre.center.val
	if c == nil {
		return nil
	}
	st := a.centreNow()
	var out []string
	switch {
	case st.Open:
		out = append(out, a.T("centre.open", st.ClosesAt.Format("15:04")))
	case !st.NextOpen.IsZero():
		out = append(out, a.T("centre.closed.next", a.whenText(st.NextOpen)))
	default:
		out = append(out, a.T("centre.closed.nohours"))
	}
	out = append(out, a.T("centre.today", a.spansText(st.Today)))
	if c.Hotline != "" {
		out = append(out, a.T("centre.hotline", c.Hotline))
	}
	return out
}

// centreBlock is the home screen's block of the centre: whether it is
// open, today's hours, the next opening and the hotline, with 取号 and 预约
// beside it. Nil when the terminal has neither service.
func (h *homeScreen) centreBlock(a *App) fyne.CanvasObject {
	if a.opts.Center == nil && a.opts.Appointments == nil {
		return nil
	}
	if a.opts.Center != nil && !a.centre.center.idle() {
		a.loadCenter() // a stale centre is asked for again
	}
	var lines []fyne.CanvasObject
	for i, l := range a.centreLines() {
		if i == 0 {
			lines = append(lines, subheading(l))
		} else {
			lines = append(lines, body(l))
		}
	}
	var btns []fyne.CanvasObject
	if a.opts.Center != nil {
		t := a.newButton("home.ticket", a.T("home.ticket"), a.T("home.ticket.sub"), stylePrimary, func() { h.onTicket(a) })
		t.big = true
		if !a.status.online {
			t.sub = a.T("ticket.offline.short")
		}
		btns = append(btns, t)
	}
	if a.opts.Appointments != nil {
		b := a.newButton("home.book", a.T("home.book"), a.T("home.book.sub"), stylePrimary, func() { h.onBook(a) })
		b.big = true
		if !a.status.online {
			b.sub = a.T("book.offline.short")
		}
		if a.status.readerDown() {
			b.disabled, b.sub = true, a.T("outofservice.tile")
		}
		btns = append(btns, b)
	}
	row := container.NewGridWithColumns(len(btns), btns...)
	if len(lines) == 0 {
		return row
	}
	if a.landscape() {
		// A wide screen has little height to spare above the tiles: the
		// centre in one line, the two buttons beside it, one line high.
		for _, b := range btns {
			b.(*button).big, b.(*button).sub = false, ""
			b.(*button).minW = a.theme.TargetSize() * 3.5
		}
		cl := a.centreLines()
		size := a.theme.Size(theme.SizeNameText)
		texts := container.NewVBox(oneLine(cl[0], colText, size, true))
		if len(cl) > 1 {
			texts.Add(oneLine(strings.Join(cl[1:], "  ·  "), colText, size, false))
		}
		return panel(container.NewBorder(nil, nil, nil, row, texts))
	}
	return panel(append(lines, row)...)
}

// onTicket takes a queue ticket; no card is needed.
func (h *homeScreen) onTicket(a *App) {
	a.Show(&ticketScreen{reason: kiosk.TicketResidentChoice})
}

// onBook books a counter visit: for yourself or as an agent.
func (h *homeScreen) onBook(a *App) { a.Show(&bookChooser{}) }

// theme size helper for big numbers.
func (a *App) bigSize() float32 { return a.theme.Size(theme.SizeNameHeadingText) * 3 }
