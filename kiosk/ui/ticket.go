package ui

import (
	"context"
	"errors"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"

	"github.com/pudong-community/kiosk/kiosk"
)

// ticketAgain is how long after a ticket of a category another one for it
// is asked about first.
const ticketAgain = 5 * time.Minute

// ticketScreen takes a queue ticket (取号): the counter category is chosen
// (or given by the item or the hand-off), then the ticket is asked of the
// centre's queue and shown big with its counter, the people ahead and the
// estimated wait, and printed on a slip. No ticket is ever made up: when
// the queue cannot be reached the screen says so and offers call staff.
type ticketScreen struct {
	category string // "" until chosen
	fixed    bool   // the category came from the item or hand-off
	itemCode string
	reason   string // kiosk.Ticket…

	again   *kiosk.Ticket // a recent ticket of the category: asked about first
	goAgain bool          // the resident wants another one anyway
	asked   bool          // the queue was asked for once on this screen
	take    load[kiosk.Ticket]
	slip    load[int] // val counts the slips printed
	number  *canvas.Text
}

func (s *ticketScreen) Name() string  { return "ticket" }
func (s *ticketScreen) Title() string { return "screen.ticket" }

func (s *ticketScreen) back(a *App) bool {
	if !s.fixed && s.category != "" && !s.take.loading() && s.take.state != loadLoaded {
		// Back from the question or a failure to the categories.
		s.category, s.again, s.goAgain, s.take = "", nil, false, load[kiosk.Ticket]{}
		a.render()
		return true
	}
	return false
}

func (s *ticketScreen) Build(a *App) fyne.CanvasObject {
	if a.opts.Center == nil {
		return notice(a.T("ticket.noservice"))
	}
	if a.centre.center.idle() {
		a.loadCenter()
	}
	switch {
	case s.take.state == loadLoaded:
		return s.buildTicket(a)
	case s.take.loading():
		return container.NewVBox(centered(a.T("ticket.taking"), theme.SizeNameHeadingText))
	case s.take.failed():
		return s.buildFailed(a)
	case s.category == "":
		return s.buildChoose(a)
	}
	if !a.status.online {
		// Said at once: no waiting for a request that cannot go.
		s.take.done(kiosk.Ticket{}, kiosk.ErrOffline, a.opts.Now())
		return s.buildFailed(a)
	}
	if s.again == nil && !s.goAgain {
		for i := len(a.visit.v.hand.tickets) - 1; i >= 0; i-- {
			t := a.visit.v.hand.tickets[i]
			if t.Category == s.category && a.opts.Now().Sub(t.IssuedAt) < ticketAgain {
				s.again = &t
				break
			}
		}
	}
	if s.again != nil && !s.goAgain {
		return s.buildAgain(a)
	}
	s.start(a)
	return container.NewVBox(centered(a.T("ticket.taking"), theme.SizeNameHeadingText))
}

// buildChoose lists the counters to take a ticket for, with their queue.
func (s *ticketScreen) buildChoose(a *App) fyne.CanvasObject {
	if !s.asked {
		s.asked = true
		a.loadQueue()
	}
	parts := []fyne.CanvasObject{subheading(a.T("ticket.choose"))}
	if !a.status.online {
		parts = append(parts, notice(a.T("ticket.offline")), a.callStaffButton("ticket.callstaff"))
		return container.NewVBox(parts...)
	}
	st := a.centreNow()
	if st.known && !st.Open {
		return s.buildClosed(a, st.NextOpen)
	}
	cats := []kiosk.Counter{{Category: kiosk.CounterGeneral}}
	if c := a.centre.center.val; c != nil && len(c.Counters) > 0 {
		cats = c.Counters
	}
	var rows []fyne.CanvasObject
	for _, k := range cats {
		k := k
		sub := ""
		if qc, ok := a.queueOf(k.Category); ok {
			sub = a.waitText(qc.Waiting, qc.EstWaitMinutes)
		}
		b := a.newButton("ticket.cat:"+k.Category, a.counterName(k.Category), sub, styleSecondary, func() { s.onCategory(a, k.Category) })
		b.big, b.row = true, true
		rows = append(rows, b)
	}
	if a.centre.queue.failed() {
		parts = append(parts, notice(a.T("ticket.queue.down")))
	}
	cols := 1
	if a.landscape() {
		cols = 2
	}
	parts = append(parts, container.NewGridWithColumns(cols, rows...))
	return scroll(container.NewVBox(parts...))
}

// onCategory takes a ticket for category.
func (s *ticketScreen) onCategory(a *App, category string) {
	s.category = category
	a.render()
}

// buildAgain asks before a second ticket for the same counters.
func (s *ticketScreen) buildAgain(a *App) fyne.CanvasObject {
	yes := a.newButton("ticket.again.yes", a.T("ticket.again.yes"), "", stylePrimary, func() {
		s.goAgain = true
		a.render()
	})
	no := a.newButton("ticket.again.no", a.T("ticket.again.no"), "", styleSecondary, func() {
		t := *s.again
		s.take.done(t, nil, a.opts.Now())
		a.render()
	})
	yes.big, no.big = true, true
	return container.NewVBox(
		textBlock(a.T("ticket.again", s.again.TicketNo), theme.ColorNameForeground, theme.SizeNameHeadingText, true, fyne.TextAlignCenter),
		container.NewGridWithColumns(2, no, yes))
}

// start asks the queue for a ticket.
func (s *ticketScreen) start(a *App) {
	src := a.opts.Center
	req := kiosk.TicketRequest{Category: s.category, ItemCode: s.itemCode, Reason: s.reason}
	if r := a.visit.snap.Resident; r != nil {
		p := *r
		req.Holder = &p
	}
	if req.Reason == "" {
		req.Reason = kiosk.TicketResidentChoice
	}
	v := a.visit.v
	s.take.start()
	a.jobs.run(func(ctx context.Context) func() {
		t, err := src.TakeTicket(ctx, req)
		if err == nil && t.TicketNo == "" {
			err = errNoTicket
		}
		return func() {
			s.take.done(t, err, a.opts.Now())
			if err == nil && a.visit.v == v {
				v.hand.tickets = append(v.hand.tickets, t)
				a.noteService(kiosk.Rating{Service: kiosk.RateTicket, TicketNo: t.TicketNo, ItemCode: s.itemCode})
				s.printSlip(a)
			}
			a.render()
		}
	})
}

var errNoTicket = errors.New("ui: the queue answered without a ticket number")

// buildFailed says why there is no ticket: the network, the centre closed
// (and when it opens, with booking offered), the counter closed.
func (s *ticketScreen) buildFailed(a *App) fyne.CanvasObject {
	err := s.take.err
	var closed *kiosk.CenterClosedError
	switch {
	case errors.As(err, &closed):
		next := closed.Next
		if next.IsZero() {
			next = a.centreNow().NextOpen
		}
		return s.buildClosed(a, next)
	case errors.Is(err, kiosk.ErrCategoryClosed):
		return container.NewVBox(notice(a.T("ticket.category.closed", a.counterName(s.category))),
			s.bookButton(a), a.callStaffButton("ticket.callstaff"))
	case errors.Is(err, kiosk.ErrOffline) && !a.status.online:
		return container.NewVBox(notice(a.T("ticket.offline")), a.callStaffButton("ticket.callstaff"))
	}
	retry := a.newButton("ticket.retry", a.T("ticket.retry"), "", styleSecondary, func() {
		s.take = load[kiosk.Ticket]{}
		a.render()
	})
	return container.NewVBox(notice(a.T("ticket.unreachable")), a.callStaffButton("ticket.callstaff"), retry)
}

// buildClosed says the centre is closed, when it opens next, and offers a
// booking.
func (s *ticketScreen) buildClosed(a *App, next time.Time) fyne.CanvasObject {
	msg := a.T("ticket.closed")
	if !next.IsZero() {
		msg = a.T("ticket.closed.at", a.whenText(next))
	}
	return container.NewVBox(notice(msg), s.bookButton(a))
}

// bookButton offers a booking instead (nothing when there is no booking
// service).
func (s *ticketScreen) bookButton(a *App) fyne.CanvasObject {
	if a.opts.Appointments == nil {
		return container.NewVBox()
	}
	b := a.newButton("ticket.book", a.T("ticket.book"), a.T("handoff.book.sub"), stylePrimary, func() {
		var it *kiosk.Item
		if s.itemCode != "" && a.visit.catalog.val != nil {
			if x, ok := a.visit.catalog.val.Item(s.itemCode); ok {
				it = &x
			}
		}
		a.startBooking(it)
	})
	b.big = true
	return b
}

// callStaffButton is a big call-staff button on a screen.
func (a *App) callStaffButton(name string) *button {
	b := a.newButton(name, a.T("bar.callstaff"), a.T("handoff.callstaff.sub"), styleAccent, a.CallStaff)
	b.big = true
	return b
}

// buildTicket shows the ticket: the number big, the counter, how many are
// ahead and the estimated wait; the slip printed, or its QR code on screen
// without a printer.
func (s *ticketScreen) buildTicket(a *App) fyne.CanvasObject {
	t := s.take.val
	cs := a.win.Canvas().Size()
	s.number = canvas.NewText(t.TicketNo, colPrimary)
	s.number.TextStyle = boldStyle(t.TicketNo)
	s.number.Alignment = fyne.TextAlignCenter
	// As big as fits: a long number (twenty characters) is made smaller
	// to stay on the screen.
	size := a.bigSize()
	for avail := cs.Width * 0.9; size > a.theme.Size(theme.SizeNameHeadingText) && avail > 0 &&
		fyne.MeasureText(t.TicketNo, size, s.number.TextStyle).Width > avail; size -= 4 {
	}
	s.number.TextSize = size
	info := []fyne.CanvasObject{
		centered(a.T("ticket.yours"), theme.SizeNameSubHeadingText),
		s.number,
		centered(a.T("ticket.counter", a.counterName(t.Category)), theme.SizeNameHeadingText),
		centered(a.waitText(t.WaitingAhead, t.EstWaitMinutes), theme.SizeNameSubHeadingText),
		centered(a.T("ticket.taken", t.IssuedAt.In(kiosk.Zone()).Format("15:04")), theme.SizeNameText),
	}
	var actions []fyne.CanvasObject
	switch {
	case !a.visit.canPrint() || a.opts.Receipts == nil:
		actions = append(actions, notice(a.T("ticket.noprinter")))
		if t.StatusURL != "" {
			info = append(info, container.NewCenter(a.qrObject(t.StatusURL, 240)), centered(a.T("ticket.scan"), theme.SizeNameText))
		}
	case s.slip.loading():
		actions = append(actions, centered(a.T("print.printing"), theme.SizeNameSubHeadingText))
	default:
		if s.slip.failed() {
			actions = append(actions, notice(a.printErrText(s.slip.err)))
			if t.StatusURL != "" {
				info = append(info, container.NewCenter(a.qrObject(t.StatusURL, 240)), centered(a.T("ticket.scan"), theme.SizeNameText))
			}
		} else if s.slip.val > 0 {
			actions = append(actions, centered(a.T("ticket.printed"), theme.SizeNameText))
		}
		p := a.newButton("ticket.print", a.T("print.reprint"), "", styleSecondary, func() { s.printSlip(a) })
		actions = append(actions, p)
	}
	done := a.newButton("ticket.done", a.T("ticket.done"), "", styleSuccess, func() { s.onDone(a) })
	done.big = true
	actions = append(actions, done)
	return container.NewBorder(nil, container.NewVBox(actions...), nil, nil, scroll(container.NewVBox(info...)))
}

// slipData is the ticket's slip.
func (s *ticketScreen) slipData(a *App) kiosk.ReceiptData {
	t := s.take.val
	en := a.cat.T(English, "counter.general")
	if t.Category != kiosk.CounterGeneral && t.Category != "" {
		en = ""
	}
	return kiosk.ReceiptData{
		Center: a.opts.CenterName, TerminalID: a.opts.TerminalID, QRPayload: t.StatusURL,
		ReprintCount: s.slip.val,
		Ticket: &kiosk.TicketSlip{TicketNo: t.TicketNo, CounterZH: a.counterNameIn(Chinese, t.Category), CounterEN: en,
			WaitingAhead: t.WaitingAhead, EstWaitMinutes: t.EstWaitMinutes, IssuedAt: t.IssuedAt, ValidUntil: t.ValidUntil},
	}
}

// printSlip prints the ticket's slip off the UI goroutine.
func (s *ticketScreen) printSlip(a *App) {
	if !a.visit.canPrint() || s.slip.loading() {
		return
	}
	a.printSlip(s.slipData(a), &s.slip)
}

// printSlip prints a slip (ticket or appointment) outside the visit
// machine's receipt: no visit state waits on it.
func (a *App) printSlip(d kiosk.ReceiptData, ld *load[int]) {
	rs := a.opts.Receipts
	v := a.visit.v
	ld.start()
	a.jobs.run(func(ctx context.Context) func() {
		err := rs.Print(ctx, d)
		return func() {
			n := ld.val
			if err == nil {
				n++
				if a.visit.v == v {
					v.printed++
				}
			}
			ld.done(n, err, a.opts.Now())
			a.render()
		}
	})
}

// onDone: with a resident identified, back to their menu; otherwise home.
func (s *ticketScreen) onDone(a *App) { a.Home() }
