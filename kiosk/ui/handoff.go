package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/visit"
)

// handoffReason is why a flow ends at a counter; the hand-off screen says
// it in plain words and offers a ticket, an appointment and call staff.
type handoffReason string

// Reasons a resident is handed on to a counter.
const (
	handoffForwarded   handoffReason = "forwarded_item"  // a 流转件: the terminal cannot take it
	handoffMaterials   handoffReason = "materials_check" // the materials must be checked at a counter
	handoffFreeText    handoffReason = "free_text"       // a required field the terminal cannot take
	handoffCardExpired handoffReason = "card_expired"    // the ID card has expired
	handoffCardProblem handoffReason = "card_problem"    // the card cannot be read or is not supported
	handoffRejected    handoffReason = "rejected"        // the central system refused the submission
	handoffNotEligible handoffReason = "not_eligible"    // the person may not apply for the item
)

// ticketReason is the reason a ticket taken for r is sent with.
func (r handoffReason) ticketReason() string {
	switch r {
	case handoffForwarded:
		return kiosk.TicketForwardedItem
	case handoffCardExpired, handoffCardProblem:
		return kiosk.TicketCardProblem
	}
	return kiosk.TicketMaterialsCheck
}

// cardReason: the card itself is the problem, so no booking can be made
// with it here (a booking needs a valid card).
func (r handoffReason) cardReason() bool { return r == handoffCardExpired || r == handoffCardProblem }

// handData is what this visit holds of tickets and bookings; it goes with
// the visit (visitData).
type handData struct {
	tickets  []kiosk.Ticket // tickets taken in this visit, for "again?"
	bookItem string         // the item to book once the resident is identified
	appts    load[[]kiosk.Appointment]
	// asking is the appointment whose cancel is asked about once more;
	// cancelled the one last cancelled, cancelErr why that failed.
	asking, cancelled, cancelErr string
}

// showHandoff hands the resident on to a counter for item (nil when the
// flow has no item).
func (a *App) showHandoff(reason handoffReason, item *kiosk.Item) {
	var it *kiosk.Item
	if item != nil {
		cp := *item
		it = &cp
	}
	a.Show(&handoffScreen{reason: reason, item: it})
}

// handoffScreen says why the resident must go to a counter and offers, one
// tap each, a ticket now for the item's counter, an appointment for the
// item, and call staff.
type handoffScreen struct {
	reason handoffReason
	item   *kiosk.Item
	asked  bool // the queue was asked for once on this screen
}

func (s *handoffScreen) Name() string  { return "handoff" }
func (s *handoffScreen) Title() string { return "screen.handoff" }

// category is the counter category of the item ("" is general).
func (s *handoffScreen) category() string {
	if s.item != nil && s.item.CounterCategory != "" {
		return s.item.CounterCategory
	}
	return kiosk.CounterGeneral
}

func (s *handoffScreen) Build(a *App) fyne.CanvasObject {
	if a.opts.Center != nil {
		if a.centre.center.idle() {
			a.loadCenter()
		}
		if !s.asked {
			s.asked = true
			a.loadQueue()
		}
	}
	parts := []fyne.CanvasObject{
		textBlock(a.T("handoff.title"), theme.ColorNamePrimary, theme.SizeNameHeadingText, true, fyne.TextAlignLeading),
	}
	why := []fyne.CanvasObject{subheading(a.T("handoff.why." + string(s.reason)))}
	if s.item != nil {
		why = append(why, body(a.T("handoff.item", a.pick(s.item.Name, s.item.NameEn))))
	}
	why = append(why, body(a.T("handoff.counter", a.counterName(s.category()))))
	parts = append(parts, panel(why...))
	if lines := a.centreLines(); len(lines) > 0 {
		var objs []fyne.CanvasObject
		for _, l := range lines {
			objs = append(objs, body(l))
		}
		parts = append(parts, panel(objs...))
	}

	var choices []fyne.CanvasObject
	if a.opts.Center != nil {
		t := a.newButton("handoff.ticket", a.T("handoff.ticket", a.counterName(s.category())), "", stylePrimary, func() { s.onTicket(a) })
		t.big = true
		st := a.centreNow()
		q := a.centre.queue
		switch {
		case !a.status.online:
			t.disabled, t.sub = true, a.T("ticket.offline.short")
		case st.known && !st.Open:
			t.disabled = true
			if !st.NextOpen.IsZero() {
				t.sub = a.T("ticket.closed.next", a.whenText(st.NextOpen))
			} else {
				t.sub = a.T("centre.closed.nohours")
			}
		case q.failed():
			t.disabled, t.sub = true, a.T("ticket.queue.down")
		default:
			if qc, ok := a.queueOf(s.category()); ok {
				t.sub = a.waitText(qc.Waiting, qc.EstWaitMinutes)
			} else {
				t.sub = a.T("handoff.ticket.sub")
			}
		}
		choices = append(choices, t)
	}
	if a.opts.Appointments != nil && !s.reason.cardReason() {
		b := a.newButton("handoff.book", a.T("handoff.book"), a.T("handoff.book.sub"), stylePrimary, func() { s.onBook(a) })
		b.big = true
		if !a.status.online {
			b.disabled, b.sub = true, a.T("book.offline.short")
		}
		choices = append(choices, b)
	}
	call := a.newButton("handoff.callstaff", a.T("handoff.callstaff"), a.T("handoff.callstaff.sub"), styleAccent, a.CallStaff)
	call.big = true
	choices = append(choices, call)
	if !a.status.online && (a.opts.Center != nil || a.opts.Appointments != nil) {
		parts = append(parts, notice(a.T("handoff.offline")))
	}
	parts = append(parts, container.NewVBox(choices...))
	return scroll(container.NewVBox(parts...))
}

// onTicket takes a ticket for the item's counter at once.
func (s *handoffScreen) onTicket(a *App) {
	code := ""
	if s.item != nil {
		code = s.item.Code
	}
	a.Show(&ticketScreen{category: s.category(), fixed: true, itemCode: code, reason: s.reason.ticketReason()})
}

// onBook books an appointment for the item.
func (s *handoffScreen) onBook(a *App) { a.startBooking(s.item) }

// waitText is how many wait ahead and for about how long.
func (a *App) waitText(waiting, minutes int) string {
	waiting, minutes = max(waiting, 0), max(minutes, 0)
	if minutes == 0 {
		return a.T("queue.waiting", waiting)
	}
	return a.T("queue.waiting.est", waiting, minutes)
}

// startBooking books a counter visit for item (nil: the resident chooses
// the item): at once for an identified resident, else after their card
// (or an agent's flow, from the home screen's 预约).
func (a *App) startBooking(item *kiosk.Item) {
	snap := a.visit.snap
	if snap.Resident != nil && snap.State != visit.StateIdentifying {
		// Identified (their menu, a form, the outcome): the booking opens
		// over the screen it came from.
		a.Show(&apptScreen{item: item})
		return
	}
	code := ""
	if item != nil {
		code = item.Code
	}
	if snap.State != visit.StateHome && snap.State != visit.StateBrowsing {
		if err := a.visit.m.Home(); err != nil {
			return
		}
	}
	a.visit.v.hand.bookItem = code
	if err := a.visit.m.Identify(visit.PurposeBook); err != nil {
		a.visit.v.hand.bookItem = ""
	}
}

// noteService records that this visit received a service the resident may
// rate (好差评) before the goodbye: a submission, a case look-up, a ticket,
// an appointment. Each is offered for rating once.
func (a *App) noteService(r kiosk.Rating) {
	a.visit.note(r)
}
