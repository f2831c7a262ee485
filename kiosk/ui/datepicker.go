package ui

import (
	"fmt"
	"image/color"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"

	"github.com/pudong-community/kiosk/kiosk"
)

// The years a date field takes.
const (
	minDateYear = 1900
	maxDateYear = 2100
)

// dateView is what the date picker shows: a month of days, or one of its
// choosers.
type dateView uint8

const (
	viewDays    dateView = iota // the month's calendar
	viewMonths                  // the twelve months of the year
	viewDecades                 // the decades from 1900, for a year far away (a birth date)
	viewYears                   // the ten years of a decade
)

// datePicker picks a date on a calendar: the month as a grid of big day
// keys, a year and a month back or on, and choosers for the month and,
// through its decade, the year, so that a date years back (入职日期, a
// birth date) is a few taps away. It starts at the field's value or, for
// a field not filled in, where the field's dates usually are (see
// kiosk.Field.DateLean): a month back for a date that has happened, the
// first of this month for a month, today otherwise.
//
// It never moves a date into another month by itself: a month or a year
// on keeps the day asked for where the month has it and otherwise shows
// the month's last day (31 January, a month on, is 28 or 29 February, and
// a month on again 31 March).
type datePicker struct {
	year   int
	month  time.Month
	want   int // the day asked for; shown as the month's last day when past it
	today  time.Time
	lean   kiosk.DateLean
	view   dateView
	decade int // the decade viewYears shows
	keys   map[string]*button
}

func newDatePicker(value string, now time.Time, lean kiosk.DateLean) *datePicker {
	y, m, d := now.Date()
	p := &datePicker{today: time.Date(y, m, d, 0, 0, 0, 0, time.UTC), lean: lean}
	p.year, p.month, p.want = y, m, d
	if t, err := time.Parse(kiosk.DateLayout, value); err == nil && t.Year() >= minDateYear && t.Year() <= maxDateYear {
		p.year, p.month, p.want = t.Year(), t.Month(), t.Day()
		return p
	}
	switch lean {
	case kiosk.DatePast:
		p.addMonths(-1)
	case kiosk.DateMonth:
		p.want = 1
	}
	return p
}

// daysIn is the number of days of month m of year y.
func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// date is the date shown as chosen.
func (p *datePicker) date() time.Time {
	return time.Date(p.year, p.month, min(p.want, daysIn(p.year, p.month)), 0, 0, 0, 0, time.UTC)
}

func (p *datePicker) value() string { return p.date().Format(kiosk.DateLayout) }

// addMonths moves the month n on (back when negative), the day kept where
// the month has it; never past the picker's years.
func (p *datePicker) addMonths(n int) {
	t := time.Date(p.year, p.month+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	if t.Year() < minDateYear || t.Year() > maxDateYear {
		return
	}
	p.year, p.month = t.Year(), t.Month()
}

// setYear shows year y, the month and the day asked for kept.
func (p *datePicker) setYear(y int) {
	if y >= minDateYear && y <= maxDateYear {
		p.year = y
	}
}

// setDay chooses day d of the month shown.
func (p *datePicker) setDay(d int) {
	if d >= 1 && d <= daysIn(p.year, p.month) {
		p.want = d
	}
}

// cancel closes a chooser; it reports whether one was open.
func (p *datePicker) cancel() bool {
	if p.view == viewDays {
		return false
	}
	p.view = viewDays
	return true
}

// monthName is month m as the chooser and the header show it.
func (a *App) monthName(m time.Month) string {
	names := strings.Fields(a.T("date.monthnames"))
	if len(names) != 12 {
		return fmt.Sprint(int(m))
	}
	return names[m-1]
}

// dateText is a date in words: 2026年11月27日 星期五, Fri 27 November 2026.
func (a *App) dateText(t time.Time) string {
	wd := strings.Fields(a.T("date.weekdays")) // Monday first
	day := ""
	if len(wd) == 7 {
		day = wd[(int(t.Weekday())+6)%7]
	}
	if a.lang == English {
		return fmt.Sprintf("%s %d %s %d", day, t.Day(), a.monthName(t.Month()), t.Year())
	}
	return fmt.Sprintf("%d年%d月%d日 星期%s", t.Year(), int(t.Month()), t.Day(), day)
}

// build draws the picker. With lead (the field's heading, on a wide
// screen, see wide) the month's days go on the right, and on the left lead,
// the choosers and tail (the form's next key).
func (p *datePicker) build(a *App, changed func(), lead, tail []fyne.CanvasObject) fyne.CanvasObject {
	p.keys = map[string]*button{}
	key := func(name, title, sub string, st style, f func()) *button {
		b := a.newButton("date:"+name, title, sub, st, func() {
			f()
			if changed != nil {
				changed()
			}
			a.render()
		})
		b.big = true
		p.keys[name] = b
		return b
	}
	chosen := textBlock(a.T("date.chosen", a.dateText(p.date())), theme.ColorNamePrimary, theme.SizeNameSubHeadingText, true, fyne.TextAlignCenter)
	switch p.view {
	case viewMonths:
		var cells []fyne.CanvasObject
		for m := time.January; m <= time.December; m++ {
			m := m
			st := styleSecondary
			if m == p.month {
				st = styleSelected
			}
			cells = append(cells, key(fmt.Sprint("month:", int(m)), a.monthName(m), "", st, func() { p.month, p.view = m, viewDays }))
		}
		return p.chooser(a, key, a.T("date.pickmonth", p.year), cells, 3)
	case viewDecades:
		var cells []fyne.CanvasObject
		for d := minDateYear; d < maxDateYear; d += 10 {
			d := d
			st := styleSecondary
			if p.year/10*10 == d {
				st = styleSelected
			}
			cells = append(cells, key(fmt.Sprint("decade:", d), a.T("date.decade", d), "", st, func() { p.decade, p.view = d, viewYears }))
		}
		return p.chooser(a, key, a.T("date.pickdecade"), cells, 4)
	case viewYears:
		var cells []fyne.CanvasObject
		for y := p.decade; y < p.decade+10 && y <= maxDateYear; y++ {
			y := y
			st := styleSecondary
			if y == p.year {
				st = styleSelected
			}
			cells = append(cells, key(fmt.Sprint("year:", y), fmt.Sprint(y), "", st, func() { p.setYear(y); p.view = viewDays }))
		}
		return p.chooser(a, key, a.T("date.pickyear"), cells, 5)
	}

	// The month: a year and a month back or on either side of the
	// choosers, then the days under their weekdays.
	prevY := key("prev-year", a.T("date.prevyear"), "", styleSecondary, func() { p.addMonths(-12) })
	nextY := key("next-year", a.T("date.nextyear"), "", styleSecondary, func() { p.addMonths(12) })
	// The choosers' line under the year and month: not on a wide
	// screen, whose height holds the month beside them without it.
	yearSub, monthSub := a.T("date.yearis.sub"), a.T("date.monthis.sub")
	if lead != nil {
		yearSub, monthSub = "", ""
	}
	years := key("years", a.T("date.yearis", p.year), yearSub, styleSecondary, func() { p.view = viewDecades })
	prevM := key("prev-month", a.T("date.prevmonth"), "", styleSecondary, func() { p.addMonths(-1) })
	nextM := key("next-month", a.T("date.nextmonth"), "", styleSecondary, func() { p.addMonths(1) })
	months := key("months", a.monthName(p.month), monthSub, styleSecondary, func() { p.view = viewMonths })
	prevY.disabled = p.year <= minDateYear
	nextY.disabled = p.year >= maxDateYear
	prevM.disabled = p.year == minDateYear && p.month == time.January
	nextM.disabled = p.year == maxDateYear && p.month == time.December
	nav := container.NewVBox(
		container.NewGridWithColumns(3, prevY, years, nextY),
		container.NewGridWithColumns(3, prevM, months, nextM))

	var cells []fyne.CanvasObject
	for _, w := range strings.Fields(a.T("date.weekdays")) {
		cells = append(cells, centered(w, theme.SizeNameText))
	}
	first := time.Date(p.year, p.month, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < (int(first.Weekday())+6)%7; i++ { // Monday first
		blank := canvas.NewRectangle(color.Transparent)
		cells = append(cells, blank)
	}
	sel := p.date().Day()
	for d := 1; d <= daysIn(p.year, p.month); d++ {
		d := d
		st := styleSecondary
		if d == sel {
			st = styleSelected
		}
		b := key(fmt.Sprint("day:", d), fmt.Sprint(d), "", st, func() { p.setDay(d) })
		if first.AddDate(0, 0, d-1).Equal(p.today) {
			b.warn = true // today, marked by its warm colour and border
		}
		cells = append(cells, b)
	}
	grid := container.NewGridWithColumns(7, cells...)
	// 今天, or for a month 本月 (its first day).
	todayTitle, todayDay := a.T("date.today"), p.today.Day()
	if p.lean == kiosk.DateMonth {
		todayTitle, todayDay = a.T("date.thismonth"), 1
	}
	today := key("today", todayTitle, "", styleSecondary, func() {
		p.year, p.month, p.want = p.today.Year(), p.today.Month(), todayDay
	})
	today.minW = a.theme.TargetSize() * 2.2
	head := container.NewBorder(nil, nil, nil, today, chosen)
	if lead != nil {
		// Side by side on a wide screen: the field's heading and the
		// choosers on the left, the month on the right, so that the month
		// fits the screen's height.
		left := append(append(append([]fyne.CanvasObject{}, lead...), head, nav, layout.NewSpacer()), tail...)
		return container.NewGridWithColumns(2, container.NewVBox(left...), grid)
	}
	return container.NewVBox(head, nav, grid)
}

// chooser is one of the month, decade or year choosers: its question, the
// cells in cols columns and a key back to the month.
func (p *datePicker) chooser(a *App, key func(name, title, sub string, st style, f func()) *button, question string, cells []fyne.CanvasObject, cols int) fyne.CanvasObject {
	back := key("cancel", a.T("date.cancel"), "", styleSecondary, func() { p.view = viewDays })
	back.minW = a.theme.TargetSize() * 2.2
	return container.NewVBox(
		container.NewBorder(nil, nil, nil, back, subheading(question)),
		container.NewGridWithColumns(cols, cells...))
}

// wide reports whether build lays the picker out beside the field's
// heading: the month's days on a wide screen.
func (p *datePicker) wide(a *App) bool { return a.landscape() && p.view == viewDays }
