package ui

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/visit"
)

// calendarDays is how far ahead a booking may be made.
const calendarDays = 14

// Steps of a booking.
type apptStep int

const (
	apptItem  apptStep = iota // choose the item
	apptDay                   // a day on the calendar
	apptSlot                  // a time on that day
	apptPhone                 // the phone number, then confirm
	apptDone                  // booked: the appointment and its slip
)

// apptScreen books a counter visit (预约, 错时) for the identified resident
// (or, in the agent flow, the principal): the item (or it comes from its
// page or the hand-off), a day on a calendar of the next 14 days, a slot,
// the phone number; then the appointment and its slip. A booking whose
// answer was lost is retried under the same request ID, so it is never
// booked twice.
type apptScreen struct {
	item  *kiosk.Item
	step  apptStep
	day   time.Time // the chosen day (midnight, centre's zone)
	slot  *kiosk.Slot
	phone *keypad
	pg    pager

	slots  load[[]kiosk.Slot]
	book   load[kiosk.Appointment]
	reqID  string       // the booking's idempotency key, kept until an answer
	alts   []kiosk.Slot // offered after slot_full
	errKey string       // what went wrong, in the resident's words
	slip   load[int]
	took   bool // the wanted item was taken from the visit
}

func (s *apptScreen) Name() string  { return "appointment" }
func (s *apptScreen) Title() string { return "screen.appointment" }

func (s *apptScreen) back(a *App) bool {
	switch s.step {
	case apptDay:
		if s.took || s.item == nil {
			return false
		}
		s.item, s.step = nil, apptItem
	case apptSlot:
		s.step, s.alts, s.errKey = apptDay, nil, ""
	case apptPhone:
		if !s.book.loading() {
			s.step, s.errKey, s.reqID = apptSlot, "", ""
		}
	default:
		return false
	}
	a.render()
	return true
}

// category is the counter category the item is booked at.
func (s *apptScreen) category() string {
	if s.item != nil && s.item.CounterCategory != "" {
		return s.item.CounterCategory
	}
	return kiosk.CounterGeneral
}

func (s *apptScreen) Build(a *App) fyne.CanvasObject {
	snap := a.visit.snap
	if a.opts.Appointments == nil {
		return notice(a.T("book.noservice"))
	}
	if snap.Resident == nil {
		return notice(a.T("apply.gone"))
	}
	if a.centre.center.idle() {
		a.loadCenter()
	}
	if !s.took {
		s.took = true
		if code := a.visit.v.hand.bookItem; code != "" && s.item == nil && a.visit.catalog.val != nil {
			if it, ok := a.visit.catalog.val.Item(code); ok {
				s.item = &it
			}
		}
		a.visit.v.hand.bookItem = ""
	}
	if s.item != nil && s.step == apptItem {
		s.step = apptDay
	}
	head := []fyne.CanvasObject{panel(subheading(a.whoText()))}
	if !a.status.online && s.step != apptDone {
		return container.NewVBox(append(head, notice(a.T("book.offline")), a.callStaffButton("book.callstaff"))...)
	}
	if s.item != nil {
		head = append(head, subheading(a.T("book.item", a.pick(s.item.Name, s.item.NameEn), a.counterName(s.category()))))
	}
	switch s.step {
	case apptItem:
		return s.buildItems(a, head)
	case apptDay:
		return s.buildCalendar(a, head)
	case apptSlot:
		return s.buildSlots(a, head)
	case apptPhone:
		return s.buildPhone(a, head)
	}
	return s.buildDone(a)
}

// buildItems lists the items to book a counter visit for, under the
// resident's appointments already booked.
func (s *apptScreen) buildItems(a *App, head []fyne.CanvasObject) fyne.CanvasObject {
	if up := a.upcomingAppointments(); up != nil {
		head = append(head, up)
	}
	head = append(head, body(a.T("book.choose")))
	cat := a.visit.catalog.val
	if cat == nil {
		if a.visit.catalog.idle() {
			a.visit.loadCatalog(false)
		}
		return container.NewVBox(append(head, centered(a.T("guide.loading"), theme.SizeNameSubHeadingText))...)
	}
	// The items that must go to a counter first: those are the ones a
	// booking is for.
	items := append([]kiosk.Item(nil), cat.Items...)
	sort.SliceStable(items, func(i, j int) bool { return !a.visit.applicable(items[i]) && a.visit.applicable(items[j]) })
	lst := a.list(&s.pg, a.rowShape(), len(items), func(i int) fyne.CanvasObject {
		return a.itemRow(items[i], func(it kiosk.Item) { s.onItem(a, it) })
	})
	return container.NewBorder(container.NewVBox(head...), nil, nil, nil, lst)
}

// onItem books a visit for it.
func (s *apptScreen) onItem(a *App, it kiosk.Item) {
	s.item, s.step = &it, apptDay
	s.slots = load[[]kiosk.Slot]{}
	a.render()
}

// today is midnight today in the centre's zone.
func (a *App) today() time.Time { return dayOf(a.opts.Now()) }

// loadSlots asks for the category's slots of the next 14 days.
func (s *apptScreen) loadSlots(a *App) {
	src := a.opts.Appointments
	from := a.today()
	to := from.AddDate(0, 0, calendarDays)
	cat := s.category()
	s.slots.start()
	a.jobs.run(func(ctx context.Context) func() {
		got, err := src.Slots(ctx, cat, from, to)
		return func() {
			s.slots.done(got, err, a.opts.Now())
			a.render()
		}
	})
}

// usable are the slots of day a resident may book: in the future, in
// order, each once; full ones included (shown greyed).
func (a *App) usable(slots []kiosk.Slot, day time.Time) []kiosk.Slot {
	now := a.opts.Now()
	seen := map[string]bool{}
	var out []kiosk.Slot
	for _, sl := range slots {
		if sl.ID == "" || seen[sl.ID] || !sl.Start.After(now) || !dayOf(sl.Start).Equal(day) {
			continue
		}
		seen[sl.ID] = true
		out = append(out, sl)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out
}

// dayCell is one day of the calendar.
type dayCell struct {
	day     time.Time
	free    int  // places left that day
	slots   int  // slots that day
	holiday bool // closed by exception
	closed  bool // no opening hours that day
	evening string
}

// calendarCols is how many days a row of the calendar holds: a week on a
// wide screen, four on a portrait one (the dates stay whole and big).
func (a *App) calendarCols() int {
	if a.landscape() {
		return 7
	}
	return 4
}

func (s *apptScreen) buildCalendar(a *App, head []fyne.CanvasObject) fyne.CanvasObject {
	if s.slots.idle() {
		s.loadSlots(a)
	}
	head = append(head, subheading(a.T("book.day")))
	if s.slots.loading() {
		return container.NewVBox(append(head, centered(a.T("book.loading"), theme.SizeNameSubHeadingText))...)
	}
	if s.slots.failed() {
		retry := a.newButton("book.retry", a.T("ticket.retry"), "", styleSecondary, func() {
			s.slots = load[[]kiosk.Slot]{}
			a.render()
		})
		return container.NewVBox(append(head, notice(a.T("book.unreachable")), retry, a.callStaffButton("book.callstaff"))...)
	}
	c := a.centre.center.val
	var cells []fyne.CanvasObject
	any := false
	start := a.today()
	for d := 0; d < calendarDays; d++ {
		day := start.AddDate(0, 0, d)
		cell := dayCell{day: day}
		for _, sl := range a.usable(s.slots.val, day) {
			cell.slots++
			cell.free += max(sl.Remaining, 0)
		}
		if c != nil {
			st := c.Status(day) // at midnight: the day's hours
			cell.holiday, cell.closed = st.Holiday, len(st.Today) == 0
			for _, sp := range st.Today {
				if sp.Close.Hour() >= 18 {
					cell.evening = sp.Close.Format("15:04")
				}
			}
		}
		b := s.dayButton(a, cell, d == 0)
		any = any || !b.disabled
		cells = append(cells, b)
	}
	if !any {
		head = append(head, notice(a.T("book.nodays")))
	}
	head = append(head, body(a.T("book.legend")))
	grid := container.New(&calendarGrid{cols: a.calendarCols(), rowH: a.theme.TargetSize() * 2.6, gap: a.theme.Size(theme.SizeNamePadding)}, cells...)
	return scroll(container.NewVBox(append(head, grid)...))
}

// dayButton is a day of the calendar: its date (with the month on the
// first day and on the 1st, the year when it changes), its weekday, and
// whether it is bookable, full, or closed; weekends and evening hours
// marked in words.
func (s *apptScreen) dayButton(a *App, c dayCell, first bool) *button {
	d := c.day
	var title, wd string
	if a.lang == English {
		title, wd = d.Format("2"), d.Format("Mon")
		if first || d.Day() == 1 {
			title = d.Format("2 Jan")
		}
	} else {
		week := [...]string{"日", "一", "二", "三", "四", "五", "六"}
		title, wd = fmt.Sprintf("%d日", d.Day()), "周"+week[d.Weekday()]
		if first || d.Day() == 1 {
			title = fmt.Sprintf("%d月%d日", d.Month(), d.Day())
		}
	}
	if d.Year() != a.today().Year() && (first || d.Day() == 1 && d.Month() == time.January) {
		title = fmt.Sprintf("%d ", d.Year()) + title
	}
	title += " " + wd
	sub := ""
	disabled := false
	switch {
	case c.holiday:
		sub, disabled = sub+a.T("cal.holiday"), true
	case c.slots == 0 && c.closed:
		sub, disabled = sub+a.T("cal.closed"), true
	case c.slots == 0:
		sub, disabled = sub+a.T("cal.none"), true
	case c.free == 0:
		sub, disabled = sub+a.T("cal.full"), true
	default:
		sub += a.T("cal.free", c.free)
	}
	if c.evening != "" && !disabled {
		sub += " · " + a.T("cal.evening", c.evening)
	}
	b := a.newButton("day:"+d.Format("2006-01-02"), title, sub, styleSecondary, func() { s.onDay(a, d) })
	b.disabled = disabled
	b.big = true
	if wd := d.Weekday(); (wd == time.Saturday || wd == time.Sunday) && !disabled {
		b.warn = true // weekends stand out, and say so in words
	}
	return b
}

// onDay shows the day's slots.
func (s *apptScreen) onDay(a *App, d time.Time) {
	s.day, s.step, s.alts, s.errKey = d, apptSlot, nil, ""
	a.render()
}

func (s *apptScreen) buildSlots(a *App, head []fyne.CanvasObject) fyne.CanvasObject {
	slots := a.usable(s.slots.val, s.day)
	title := a.T("book.slot", a.dayText(s.day))
	if len(s.alts) > 0 {
		// slot_full: the server's alternatives, whatever their day.
		title = a.T("book.alternatives")
		slots = nil
		seen := map[string]bool{}
		for _, sl := range s.alts {
			if sl.ID != "" && !seen[sl.ID] && sl.Start.After(a.opts.Now()) {
				seen[sl.ID] = true
				slots = append(slots, sl)
			}
		}
	}
	if s.errKey != "" {
		head = append(head, notice(a.T(s.errKey)))
	}
	head = append(head, subheading(title))
	var cells []fyne.CanvasObject
	for _, sl := range slots {
		sl := sl
		t := sl.Start.In(kiosk.Zone()).Format("15:04")
		if !sl.End.IsZero() && sl.End.After(sl.Start) {
			t += "–" + sl.End.In(kiosk.Zone()).Format("15:04")
		}
		if len(s.alts) > 0 {
			t = a.dayText(sl.Start) + " " + t
		}
		sub := a.T("slot.free", max(sl.Remaining, 0))
		if sl.Start.In(kiosk.Zone()).Hour() >= 18 {
			sub += " · " + a.T("slot.evening")
		}
		b := a.newButton("slot:"+sl.ID, t, sub, styleSecondary, func() { s.onSlot(a, sl) })
		b.big = true
		if sl.Remaining <= 0 {
			b.disabled, b.sub = true, a.T("cal.full")
		}
		cells = append(cells, b)
	}
	if len(cells) == 0 {
		head = append(head, notice(a.T("book.noslots")))
		return container.NewVBox(head...)
	}
	cols := 3
	if a.elder || len(s.alts) > 0 {
		cols = 2
	}
	if a.landscape() {
		cols++
	}
	return scroll(container.NewVBox(append(head, container.NewGridWithColumns(cols, cells...))...))
}

// onSlot takes sl; the phone number comes next.
func (s *apptScreen) onSlot(a *App, sl kiosk.Slot) {
	s.slot, s.step, s.errKey = &sl, apptPhone, ""
	s.reqID = "" // a new slot is a new booking
	if s.phone == nil {
		s.phone = newKeypad(padPhone, 11)
	}
	a.render()
}

func (s *apptScreen) buildPhone(a *App, head []fyne.CanvasObject) fyne.CanvasObject {
	sl := s.slot
	when := a.dayText(sl.Start) + " " + sl.Start.In(kiosk.Zone()).Format("15:04")
	head = append(head, panel(subheading(a.T("book.when", when))), subheading(a.T("book.phone")))
	if s.errKey != "" {
		head = append(head, notice(a.T(s.errKey)))
	}
	confirm := a.newButton("book.confirm", a.T("book.confirm"), "", styleSuccess, func() { s.onConfirm(a) })
	if s.reqID != "" && s.book.failed() {
		confirm.title = a.T("book.confirm.again")
	}
	_, ok := s.phone.check()
	confirm.disabled = !ok || s.book.loading()
	confirm.big = true
	if s.book.loading() {
		head = append(head, centered(a.T("book.booking"), theme.SizeNameSubHeadingText))
	}
	return container.NewBorder(nil, confirm, nil, nil, scroll(container.NewVBox(append(head, s.phone.build(a, nil))...)))
}

// onConfirm books the slot. The request ID is made once and kept until an
// answer arrives: a retry after a lost answer is the same booking.
func (s *apptScreen) onConfirm(a *App) {
	snap := a.visit.snap
	if s.book.loading() || snap.Resident == nil || s.slot == nil {
		return
	}
	if !a.status.online {
		s.errKey = "book.offline"
		a.render()
		return
	}
	if s.reqID == "" {
		s.reqID = kiosk.NewSubmissionID()
	}
	req := kiosk.AppointmentRequest{ID: s.reqID, SlotID: s.slot.ID, Applicant: *snap.Resident, Phone: s.phone.value}
	if s.item != nil {
		req.ItemCode = s.item.Code
	}
	if snap.Agent != nil {
		ag := *snap.Agent
		req.Agent = &ag
	}
	src := a.opts.Appointments
	v := a.visit.v
	s.book.start()
	a.jobs.run(func(ctx context.Context) func() {
		ap, err := src.Book(ctx, req)
		return func() {
			s.book.done(ap, err, a.opts.Now())
			if a.visit.v != v {
				return
			}
			s.afterBook(a, err)
			a.render()
		}
	})
	a.render()
}

// afterBook says what became of the booking.
func (s *apptScreen) afterBook(a *App, err error) {
	var full *kiosk.SlotFullError
	var rej *kiosk.RejectedError
	switch {
	case err == nil:
		s.reqID, s.errKey, s.step = "", "", apptDone
		ap := s.book.val
		a.noteService(kiosk.Rating{Service: kiosk.RateAppointment, AppointmentNo: ap.No, ItemCode: ap.ItemCode})
		a.visit.v.hand.appts = load[[]kiosk.Appointment]{} // listed anew
		s.printSlip(a)
	case errors.As(err, &full):
		s.reqID, s.alts, s.step, s.errKey = "", full.Alternatives, apptSlot, "book.full"
		s.slots = load[[]kiosk.Slot]{} // the calendar asks again
	case errors.Is(err, kiosk.ErrAlreadyBooked):
		s.reqID, s.errKey = "", "book.already"
	case errors.As(err, &rej):
		s.reqID, s.errKey = "", "book.rejected"
	default:
		// The answer may have been lost: the next tap retries under the
		// same request ID, so the booking is never made twice.
		s.errKey = "book.lost"
		if !a.status.online {
			s.errKey = "book.offline"
		}
	}
}

// slipData is the appointment's slip.
func (s *apptScreen) slipData(a *App) kiosk.ReceiptData {
	ap := s.book.val
	snap := a.visit.snap
	cat := ap.Category
	if cat == "" {
		cat = s.category()
	}
	d := kiosk.ReceiptData{
		Center: a.opts.CenterName, TerminalID: a.opts.TerminalID, QRPayload: ap.StatusURL, ReprintCount: s.slip.val,
		HowToFollow: a.cat.T(Chinese, "book.slip.follow") + " " + a.cat.T(English, "book.slip.follow"),
		Appointment: &kiosk.AppointmentSlip{AppointmentNo: ap.No, Start: ap.Start, End: ap.End,
			CounterZH: a.counterNameIn(Chinese, cat), Address: ap.CenterAddress, BookedAt: s.book.at},
	}
	if ap.CenterName != "" {
		d.Center = ap.CenterName
	}
	if s.item != nil {
		d.ItemCode, d.ItemName = s.item.Code, s.item.Name
	}
	if snap.Resident != nil {
		d.Applicant, d.ApplicantID = snap.Resident.Name, snap.Resident.IDNumber
	}
	if ag := snap.Agent; ag != nil {
		d.Agent, d.AgentID, d.AuthRef = ag.Name, ag.IDNumber, ag.AuthorizationRef
	}
	return d
}

// printSlip prints the appointment's slip.
func (s *apptScreen) printSlip(a *App) {
	if !a.visit.canPrint() || s.slip.loading() || a.visit.snap.Resident == nil {
		return
	}
	a.printSlip(s.slipData(a), &s.slip)
}

func (s *apptScreen) buildDone(a *App) fyne.CanvasObject {
	ap := s.book.val
	when := a.dayText(ap.Start) + " " + ap.Start.In(kiosk.Zone()).Format("15:04")
	if !ap.End.IsZero() && ap.End.After(ap.Start) {
		when += "–" + ap.End.In(kiosk.Zone()).Format("15:04")
	}
	info := []fyne.CanvasObject{
		textBlock(markDone+" "+a.T("book.done"), theme.ColorNameSuccess, theme.SizeNameHeadingText, true, fyne.TextAlignCenter),
		centered(when, theme.SizeNameHeadingText),
		centered(a.T("book.no", ap.No), theme.SizeNameSubHeadingText),
	}
	if s.item != nil {
		info = append(info, centered(a.T("book.item", a.pick(s.item.Name, s.item.NameEn), a.counterName(s.category())), theme.SizeNameText))
	}
	if ap.CenterAddress != "" {
		info = append(info, centered(ap.CenterAddress, theme.SizeNameText))
	}
	info = append(info, centered(a.T("book.bring"), theme.SizeNameText))
	var actions []fyne.CanvasObject
	switch {
	case !a.visit.canPrint():
		actions = append(actions, notice(a.T("book.noprinter")))
		if ap.StatusURL != "" {
			info = append(info, container.NewCenter(a.qrObject(ap.StatusURL, 240)))
		}
	case s.slip.loading():
		actions = append(actions, centered(a.T("print.printing"), theme.SizeNameSubHeadingText))
	default:
		if s.slip.failed() {
			actions = append(actions, notice(a.printErrText(s.slip.err)))
		} else if s.slip.val > 0 {
			actions = append(actions, centered(a.T("book.printed"), theme.SizeNameText))
		}
		actions = append(actions, a.newButton("book.print", a.T("print.reprint"), "", styleSecondary, func() { s.printSlip(a) }))
	}
	done := a.newButton("book.finish", a.T("book.finish"), "", styleSuccess, func() { a.Home() })
	done.big = true
	actions = append(actions, done)
	return container.NewBorder(nil, container.NewVBox(actions...), nil, nil, scroll(container.NewVBox(info...)))
}

// --- the resident's appointments (我的办件, the booking's first step) ---

// loadAppointments lists the identified resident's upcoming appointments.
func (a *App) loadAppointments() {
	src := a.opts.Appointments
	snap := a.visit.snap
	ld := &a.visit.v.hand.appts
	if src == nil || snap.Resident == nil || ld.loading() {
		return
	}
	if !a.status.online {
		ld.done(nil, kiosk.ErrOffline, a.opts.Now())
		return
	}
	p := *snap.Resident
	v := a.visit.v
	ld.start()
	a.jobs.run(func(ctx context.Context) func() {
		got, err := src.Appointments(ctx, p)
		return func() {
			if a.visit.v != v {
				return
			}
			v.hand.appts.done(got, err, a.opts.Now())
			a.render()
		}
	})
}

// upcomingAppointments is the block of the resident's appointments to
// come, each with cancel (asked once more); nil when there are none to
// show.
func (a *App) upcomingAppointments() fyne.CanvasObject {
	if a.opts.Appointments == nil || a.visit.snap.Resident == nil {
		return nil
	}
	ld := &a.visit.v.hand.appts
	if ld.idle() {
		a.loadAppointments()
	}
	switch {
	case ld.loading():
		return body(a.T("appts.loading"))
	case ld.failed():
		return body(a.T("appts.unavailable"))
	}
	now := a.opts.Now()
	var rows []fyne.CanvasObject
	for _, ap := range ld.val {
		if ap.Status == "cancelled" || !ap.End.IsZero() && ap.End.Before(now) {
			continue
		}
		rows = append(rows, a.appointmentRow(ap))
	}
	if len(rows) == 0 {
		return nil
	}
	return panel(append([]fyne.CanvasObject{subheading(a.T("appts.title"))}, rows...)...)
}

// appointmentRow is one appointment with its cancel button, or the
// question whether to cancel it.
func (a *App) appointmentRow(ap kiosk.Appointment) fyne.CanvasObject {
	when := a.dayText(ap.Start) + " " + ap.Start.In(kiosk.Zone()).Format("15:04")
	what := ap.No
	if ap.ItemCode != "" && a.visit.catalog.val != nil {
		if it, ok := a.visit.catalog.val.Item(ap.ItemCode); ok {
			what = a.pick(it.Name, it.NameEn) + " · " + ap.No
		}
	}
	text := container.NewVBox(subheading(when), body(what))
	h := &a.visit.v.hand
	if h.asking == ap.No {
		yes := a.newButton("appt.cancel.yes:"+ap.No, a.T("appt.cancel.yes"), "", styleAccent, func() { a.cancelAppointment(ap.No) })
		no := a.newButton("appt.cancel.no:"+ap.No, a.T("appt.cancel.no"), "", styleSecondary, func() {
			h.asking = ""
			a.render()
		})
		return container.NewVBox(text, body(a.T("appt.cancel.ask")), container.NewGridWithColumns(2, no, yes))
	}
	cancel := a.newButton("appt.cancel:"+ap.No, a.T("appt.cancel"), "", styleSecondary, func() {
		h.asking, h.cancelErr = ap.No, ""
		a.render()
	})
	cancel.minW = a.theme.TargetSize() * 3 // "Cancel" whole, beside the text
	parts := []fyne.CanvasObject{container.NewBorder(nil, nil, nil, cancel, text)}
	if h.cancelErr != "" && h.cancelled == ap.No {
		parts = append(parts, errorText(a.T(h.cancelErr)))
	}
	return container.NewVBox(parts...)
}

// cancelAppointment cancels no after the resident said yes.
func (a *App) cancelAppointment(no string) {
	src := a.opts.Appointments
	snap := a.visit.snap
	h := &a.visit.v.hand
	if src == nil || snap.Resident == nil {
		return
	}
	h.asking, h.cancelled = "", no
	if !a.status.online {
		h.cancelErr = "appt.cancel.offline"
		a.render()
		return
	}
	p := *snap.Resident
	v := a.visit.v
	a.jobs.run(func(ctx context.Context) func() {
		err := src.Cancel(ctx, no, p)
		return func() {
			if a.visit.v != v {
				return
			}
			switch {
			case err == nil, errors.Is(err, kiosk.ErrNoSuchAppointment):
				v.hand.cancelErr = ""
				v.hand.appts = load[[]kiosk.Appointment]{} // listed anew
			default:
				v.hand.cancelErr = "appt.cancel.failed"
			}
			a.render()
		}
	})
}

// bookChooser is the first step of 预约 from home: for yourself (your
// card) or for someone else as their agent.
type bookChooser struct{}

func (s *bookChooser) Name() string  { return "book" }
func (s *bookChooser) Title() string { return "screen.appointment" }

func (s *bookChooser) Build(a *App) fyne.CanvasObject {
	self := a.newButton("book.self", a.T("book.self"), a.T("book.self.sub"), stylePrimary, func() { s.onSelf(a) })
	agent := a.newButton("book.agent", a.T("book.agent"), a.T("book.agent.sub"), stylePrimary, func() { s.onAgent(a) })
	self.big, agent.big = true, true
	parts := []fyne.CanvasObject{subheading(a.T("book.who"))}
	if !a.status.online {
		parts = append(parts, notice(a.T("book.offline")))
		self.disabled, agent.disabled = true, true
	}
	h := a.theme.TileHeight()
	grid := container.NewGridWrap(fyne.NewSize(a.win.Canvas().Size().Width-4*a.theme.Size(theme.SizeNamePadding), h), self, agent)
	return container.NewVBox(append(parts, grid)...)
}

// onSelf: the resident books for themselves; their card is asked for.
func (s *bookChooser) onSelf(a *App) { _ = a.visit.m.Identify(visit.PurposeBook) }

// onAgent: an agent books for someone else; the agent's card comes first.
func (s *bookChooser) onAgent(a *App) { _ = a.visit.m.StartAgentFor(visit.PurposeBook) }

// calendarGrid lays the days out in cols columns, every row at least rowH
// high (a day's date, weekday and status on up to three lines stay inside
// its box in elder mode).
type calendarGrid struct {
	cols      int
	rowH, gap float32
}

func (g *calendarGrid) rowHeight(objs []fyne.CanvasObject) float32 {
	h := g.rowH
	for _, o := range objs {
		h = max(h, o.MinSize().Height)
	}
	return h
}

func (g *calendarGrid) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	cols := max(g.cols, 1)
	w := (size.Width - g.gap*float32(cols-1)) / float32(cols)
	h := g.rowHeight(objs)
	for i, o := range objs {
		r, c := i/cols, i%cols
		o.Move(fyne.NewPos(float32(c)*(w+g.gap), float32(r)*(h+g.gap)))
		o.Resize(fyne.NewSize(w, h))
	}
}

func (g *calendarGrid) MinSize(objs []fyne.CanvasObject) fyne.Size {
	cols := max(g.cols, 1)
	rows := (len(objs) + cols - 1) / cols
	var w float32
	for _, o := range objs {
		w = max(w, o.MinSize().Width)
	}
	h := g.rowHeight(objs)
	return fyne.NewSize(w*float32(cols)+g.gap*float32(cols-1), h*float32(rows)+g.gap*float32(max(rows-1, 0)))
}
