package kiosktest

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
)

// The v1.1 fakes implement their interfaces; the compiler checks it here.
var (
	_ kiosk.CenterService      = (*Center)(nil)
	_ kiosk.AppointmentService = (*Appointments)(nil)
)

// SampleCenter is a centre open every day, with evening hours on Tuesday
// and Thursday, a holiday (New Year's Day 2027) closed, and counters for
// the general, civil-affairs and social-security categories.
func SampleCenter() kiosk.Center {
	c := kiosk.Center{
		ID: "PD-HM", Name: "浦东新区花木街道社区事务受理服务中心", Address: "上海市浦东新区花木路100号", Hotline: "021-58880000",
		Exceptions: []kiosk.HoursException{{Date: "2027-01-01", Closed: true}},
		Counters: []kiosk.Counter{
			{Category: kiosk.CounterGeneral, Name: "综合窗口"},
			{Category: "civil", Name: "民政窗口"},
			{Category: "social", Name: "社保窗口"},
		},
	}
	for wd := 1; wd <= 7; wd++ {
		switch {
		case wd == 2 || wd == 4:
			c.Hours = append(c.Hours, kiosk.OpeningHours{Weekday: wd, Open: "09:00", Close: "20:00"})
		case wd >= 6:
			c.Hours = append(c.Hours, kiosk.OpeningHours{Weekday: wd, Open: "09:00", Close: "12:00"})
		default:
			c.Hours = append(c.Hours, kiosk.OpeningHours{Weekday: wd, Open: "09:00", Close: "17:00"})
		}
	}
	return c
}

// Center is a kiosk.CenterService: a centre, a queue, and tickets numbered
// per category (A001, B001, …). Errors can be injected per call.
type Center struct {
	mu        sync.Mutex
	center    kiosk.Center
	fresh     bool
	queue     kiosk.QueueState
	now       func() time.Time
	centerErr error
	queueErr  error
	ticketErr error
	next      map[string]int
	tickets   []kiosk.TicketRequest
	issued    []kiosk.Ticket
	// NumberFor, when set, makes the ticket number (bad input: a number of
	// twenty characters).
	NumberFor func(category string, n int) string
}

// NewCenter returns an open centre c whose queue has a few people waiting
// in each category of its counters.
func NewCenter(c kiosk.Center, now func() time.Time) *Center {
	f := &Center{center: c, fresh: true, now: now, next: map[string]int{}}
	f.queue = kiosk.QueueState{AsOf: now(), Open: true}
	for i, k := range c.Counters {
		f.queue.Categories = append(f.queue.Categories, kiosk.QueueCategory{Category: k.Category, Waiting: 2 + i, EstWaitMinutes: 6 * (2 + i)})
	}
	return f
}

// SetQueue replaces the queue's state.
func (f *Center) SetQueue(q kiosk.QueueState) { f.mu.Lock(); f.queue = q; f.mu.Unlock() }

// SetCenter replaces the centre (fresh: whether it came from the network).
func (f *Center) SetCenter(c kiosk.Center, fresh bool) {
	f.mu.Lock()
	f.center, f.fresh = c, fresh
	f.mu.Unlock()
}

// SetErrors makes Center, Queue and TakeTicket fail (nil heals).
func (f *Center) SetErrors(center, queue, ticket error) {
	f.mu.Lock()
	f.centerErr, f.queueErr, f.ticketErr = center, queue, ticket
	f.mu.Unlock()
}

// Requests are the tickets asked for, answered or not.
func (f *Center) Requests() []kiosk.TicketRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]kiosk.TicketRequest(nil), f.tickets...)
}

// Issued are the tickets made.
func (f *Center) Issued() []kiosk.Ticket {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]kiosk.Ticket(nil), f.issued...)
}

// Center returns a copy of the centre.
func (f *Center) Center(ctx context.Context) (*kiosk.Center, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.centerErr != nil {
		return nil, false, f.centerErr
	}
	c := f.center
	c.Hours = append([]kiosk.OpeningHours(nil), c.Hours...)
	c.Exceptions = append([]kiosk.HoursException(nil), c.Exceptions...)
	c.Counters = append([]kiosk.Counter(nil), c.Counters...)
	return &c, f.fresh, nil
}

// Queue returns the queue's state.
func (f *Center) Queue(ctx context.Context) (*kiosk.QueueState, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.queueErr != nil {
		return nil, f.queueErr
	}
	q := f.queue
	q.Categories = append([]kiosk.QueueCategory(nil), q.Categories...)
	return &q, nil
}

// TakeTicket issues the category's next number; the people waiting ahead
// are the queue's, who then wait one more.
func (f *Center) TakeTicket(ctx context.Context, r kiosk.TicketRequest) (kiosk.Ticket, error) {
	if err := ctx.Err(); err != nil {
		return kiosk.Ticket{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tickets = append(f.tickets, r)
	if f.ticketErr != nil {
		return kiosk.Ticket{}, f.ticketErr
	}
	idx := -1
	for i, k := range f.center.Counters {
		if k.Category == r.Category {
			idx = i
		}
	}
	if idx < 0 {
		return kiosk.Ticket{}, fmt.Errorf("kiosktest: unknown category %q: %w", r.Category, kiosk.ErrCategoryClosed)
	}
	f.next[r.Category]++
	n := f.next[r.Category]
	no := fmt.Sprintf("%c%03d", 'A'+idx, 20+n)
	if f.NumberFor != nil {
		no = f.NumberFor(r.Category, n)
	}
	t := kiosk.Ticket{TicketNo: no, Category: r.Category, IssuedAt: f.now(), ValidUntil: f.now().Add(3 * time.Hour),
		StatusURL: "https://queue.example.gov.cn/t/" + no}
	for i, q := range f.queue.Categories {
		if q.Category == r.Category {
			t.WaitingAhead, t.EstWaitMinutes = q.Waiting, q.EstWaitMinutes
			f.queue.Categories[i].Waiting++
		}
	}
	f.issued = append(f.issued, t)
	return t, nil
}

// Appointments is a kiosk.AppointmentService over a fixed set of slots.
// Book keeps each request's ID: the same ID booked again answers the same
// appointment (as the back end's idempotency key does).
type Appointments struct {
	mu        sync.Mutex
	slots     []kiosk.Slot
	category  map[string]string // slot ID -> category
	booked    []kiosk.Appointment
	byID      map[string]kiosk.Appointment
	owner     map[string]string // appointment number -> ID number
	items     map[string]string // appointment number -> item code
	requests  []kiosk.AppointmentRequest
	slotsErr  error
	bookErr   error
	listErr   error
	cancelErr error
	// LoseAnswer makes the next Book book but answer with ErrOffline, as
	// when the answer is lost on the way back.
	LoseAnswer bool
	center     kiosk.Center
	n          int
}

// NewAppointments offers slots for the 14 days from now: every half hour of
// the centre's opening hours, three places each; past slots are left out.
func NewAppointments(c kiosk.Center, now time.Time) *Appointments {
	f := &Appointments{center: c, category: map[string]string{}, byID: map[string]kiosk.Appointment{}, owner: map[string]string{}, items: map[string]string{}}
	loc := kiosk.Zone()
	day := time.Date(now.In(loc).Year(), now.In(loc).Month(), now.In(loc).Day(), 0, 0, 0, 0, loc)
	for d := 0; d < 14; d++ {
		date := day.AddDate(0, 0, d)
		closed := false
		for _, e := range c.Exceptions {
			if e.Date == date.Format("2006-01-02") && e.Closed {
				closed = true
			}
		}
		if closed {
			continue
		}
		wd := int(date.Weekday())
		if wd == 0 {
			wd = 7
		}
		for _, h := range c.Hours {
			if h.Weekday != wd {
				continue
			}
			open, err1 := time.ParseInLocation("15:04", h.Open, loc)
			cl, err2 := time.ParseInLocation("15:04", h.Close, loc)
			if err1 != nil || err2 != nil {
				continue
			}
			for t := date.Add(time.Duration(open.Hour())*time.Hour + time.Duration(open.Minute())*time.Minute); ; t = t.Add(30 * time.Minute) {
				end := t.Add(30 * time.Minute)
				if end.After(date.Add(time.Duration(cl.Hour())*time.Hour + time.Duration(cl.Minute())*time.Minute)) {
					break
				}
				if !t.After(now) {
					continue
				}
				f.slots = append(f.slots, kiosk.Slot{ID: "S" + t.Format("200601021504"), Start: t, End: end, Remaining: 3})
			}
		}
	}
	return f
}

// SetSlots replaces the slots offered (bad input: slots in the past,
// overlapping ones).
func (f *Appointments) SetSlots(s []kiosk.Slot) {
	f.mu.Lock()
	f.slots = append([]kiosk.Slot(nil), s...)
	f.mu.Unlock()
}

// Fill leaves no place in the slots starting on date (YYYY-MM-DD).
func (f *Appointments) Fill(date string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.slots {
		if f.slots[i].Start.In(kiosk.Zone()).Format("2006-01-02") == date {
			f.slots[i].Remaining = 0
		}
	}
}

// Take leaves no place in slot id (someone else booked it meanwhile).
func (f *Appointments) Take(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.slots {
		if f.slots[i].ID == id {
			f.slots[i].Remaining = 0
		}
	}
}

// SetErrors makes Slots, Book, Appointments and Cancel fail (nil heals).
func (f *Appointments) SetErrors(slots, book, list, cancel error) {
	f.mu.Lock()
	f.slotsErr, f.bookErr, f.listErr, f.cancelErr = slots, book, list, cancel
	f.mu.Unlock()
}

// Requests are the bookings asked for, answered or not.
func (f *Appointments) Requests() []kiosk.AppointmentRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]kiosk.AppointmentRequest(nil), f.requests...)
}

// Booked are the appointments held (cancelled ones with their status).
func (f *Appointments) Booked() []kiosk.Appointment {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]kiosk.Appointment(nil), f.booked...)
}

// Slots lists the slots starting in [from, to).
func (f *Appointments) Slots(ctx context.Context, category string, from, to time.Time) ([]kiosk.Slot, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.slotsErr != nil {
		return nil, f.slotsErr
	}
	var out []kiosk.Slot
	for _, s := range f.slots {
		if !s.Start.Before(from) && s.Start.Before(to) {
			out = append(out, s)
		}
	}
	return out, nil
}

// Book books a place in the slot, once per request ID.
func (f *Appointments) Book(ctx context.Context, r kiosk.AppointmentRequest) (kiosk.Appointment, error) {
	if err := ctx.Err(); err != nil {
		return kiosk.Appointment{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r)
	if ap, ok := f.byID[r.ID]; ok {
		return ap, nil
	}
	if f.bookErr != nil {
		return kiosk.Appointment{}, f.bookErr
	}
	idx := -1
	for i, s := range f.slots {
		if s.ID == r.SlotID {
			idx = i
		}
	}
	if idx < 0 || f.slots[idx].Remaining <= 0 {
		var alt []kiosk.Slot
		for _, s := range f.slots {
			if s.Remaining > 0 && len(alt) < 3 {
				alt = append(alt, s)
			}
		}
		return kiosk.Appointment{}, &kiosk.SlotFullError{Alternatives: alt}
	}
	s := f.slots[idx]
	for _, b := range f.booked {
		if b.Status == "booked" && f.owner[b.No] == r.Applicant.IDNumber && f.items[b.No] == r.ItemCode &&
			b.Start.In(kiosk.Zone()).Format("2006-01-02") == s.Start.In(kiosk.Zone()).Format("2006-01-02") {
			return kiosk.Appointment{}, fmt.Errorf("kiosktest: %w", kiosk.ErrAlreadyBooked)
		}
	}
	f.slots[idx].Remaining--
	f.n++
	ap := kiosk.Appointment{No: fmt.Sprintf("YY%s%03d", s.Start.Format("20060102"), f.n), Start: s.Start, End: s.End,
		ItemCode: r.ItemCode, CenterName: f.center.Name, CenterAddress: f.center.Address, Status: "booked"}
	ap.StatusURL = "https://appt.example.gov.cn/a/" + ap.No
	f.booked = append(f.booked, ap)
	f.byID[r.ID] = ap
	f.owner[ap.No] = r.Applicant.IDNumber
	f.items[ap.No] = r.ItemCode
	if f.LoseAnswer {
		f.LoseAnswer = false
		return kiosk.Appointment{}, fmt.Errorf("kiosktest: answer lost: %w", kiosk.ErrOffline)
	}
	return ap, nil
}

// Appointments lists p's booked appointments, earliest first.
func (f *Appointments) Appointments(ctx context.Context, p kiosk.Person) ([]kiosk.Appointment, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.listErr != nil {
		return nil, f.listErr
	}
	var out []kiosk.Appointment
	for _, b := range f.booked {
		if f.owner[b.No] == p.IDNumber && b.Status == "booked" {
			out = append(out, b)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out, nil
}

// Cancel cancels p's appointment no and frees its place.
func (f *Appointments) Cancel(ctx context.Context, no string, p kiosk.Person) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cancelErr != nil {
		return f.cancelErr
	}
	for i, b := range f.booked {
		if b.No == no && f.owner[no] == p.IDNumber && b.Status == "booked" {
			f.booked[i].Status = "cancelled"
			for j := range f.slots {
				if f.slots[j].Start.Equal(b.Start) {
					f.slots[j].Remaining++
				}
			}
			return nil
		}
	}
	return fmt.Errorf("kiosktest: %s: %w", no, kiosk.ErrNoSuchAppointment)
}
