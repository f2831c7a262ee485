package backend

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/audit"
	"github.com/pudong-community/kiosk/kiosk/intake"
	"github.com/pudong-community/kiosk/kiosk/store"
)

// fakeCentral is the central system's v1.1 side as the client reports it,
// with the contract's idempotency (a repeat of an id answers what the
// first did) and scripted faults. It stands in for *intake.Client until
// that gains the v1.1 calls.
type fakeCentral struct {
	mu sync.Mutex

	center      kiosk.Center
	etag        string
	centerErr   error
	centerCalls int
	gotETags    []string

	queue      kiosk.QueueState
	queueErr   error
	queueCalls int

	tickets    map[string]kiosk.Ticket // ticket id -> ticket issued
	ticketIDs  []string                // ids of every request
	nextTicket int
	ticketErr  error // answered instead
	loseTicket bool  // issue, then lose the answer (once)

	bookings  map[string]kiosk.Appointment // appointment id -> booked
	bookIDs   []string
	bookErr   error
	loseBook  int // the next n answers of a booking made are lost
	cancelled map[string]bool
	slots     []kiosk.Slot

	block chan struct{} // when set, every call waits for it (or ctx)
}

var errLost = &intake.Error{Op: "test", Code: "timeout", Err: fmt.Errorf("%w: answer lost", intake.ErrTransport)}

func newFakeCentral() *fakeCentral {
	return &fakeCentral{tickets: map[string]kiosk.Ticket{}, bookings: map[string]kiosk.Appointment{}, cancelled: map[string]bool{},
		center: kiosk.Center{ID: "LJZ", Name: "陆家嘴社区事务受理服务中心", Hotline: "021-58880000",
			Hours: []kiosk.OpeningHours{{Weekday: 1, Open: "09:00", Close: "17:00"}}}, etag: `"c1"`}
}

func (f *fakeCentral) wait(ctx context.Context) error {
	if f.block == nil {
		return nil
	}
	select {
	case <-f.block:
		return nil
	case <-ctx.Done():
		return &intake.Error{Op: "test", Code: "timeout", Err: ctx.Err()}
	}
}

func (f *fakeCentral) Center(ctx context.Context, etag string) (kiosk.Center, string, bool, error) {
	if err := f.wait(ctx); err != nil {
		return kiosk.Center{}, "", false, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.centerCalls++
	f.gotETags = append(f.gotETags, etag)
	if f.centerErr != nil {
		return kiosk.Center{}, "", false, f.centerErr
	}
	if etag == f.etag {
		return kiosk.Center{}, etag, true, nil
	}
	return f.center, f.etag, false, nil
}

func (f *fakeCentral) Queue(ctx context.Context) (kiosk.QueueState, error) {
	if err := f.wait(ctx); err != nil {
		return kiosk.QueueState{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queueCalls++
	q := f.queue
	q.Categories = append([]kiosk.QueueCategory(nil), f.queue.Categories...)
	return q, f.queueErr
}

func (f *fakeCentral) TakeTicket(ctx context.Context, id string, r kiosk.TicketRequest) (kiosk.Ticket, error) {
	if err := f.wait(ctx); err != nil {
		return kiosk.Ticket{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ticketIDs = append(f.ticketIDs, id)
	if f.ticketErr != nil {
		return kiosk.Ticket{}, f.ticketErr
	}
	t, ok := f.tickets[id]
	if !ok {
		f.nextTicket++
		t = kiosk.Ticket{TicketNo: fmt.Sprintf("A%03d", f.nextTicket), Category: r.Category, WaitingAhead: 3, EstWaitMinutes: 12}
		f.tickets[id] = t
	}
	if f.loseTicket {
		f.loseTicket = false
		return kiosk.Ticket{}, errLost
	}
	return t, nil
}

func (f *fakeCentral) Slots(ctx context.Context, category string, from, to time.Time) ([]kiosk.Slot, error) {
	if err := f.wait(ctx); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]kiosk.Slot(nil), f.slots...), nil
}

func (f *fakeCentral) Book(ctx context.Context, r kiosk.AppointmentRequest) (kiosk.Appointment, bool, error) {
	if err := f.wait(ctx); err != nil {
		return kiosk.Appointment{}, false, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.bookIDs = append(f.bookIDs, r.ID)
	if a, ok := f.bookings[r.ID]; ok {
		if f.loseBook > 0 {
			f.loseBook--
			return kiosk.Appointment{}, false, errLost
		}
		return a, true, nil
	}
	if f.bookErr != nil {
		return kiosk.Appointment{}, false, f.bookErr
	}
	a := kiosk.Appointment{No: fmt.Sprintf("YY%04d", len(f.bookings)+1), Start: time.Date(2026, 12, 8, 9, 0, 0, 0, kiosk.Zone()),
		End: time.Date(2026, 12, 8, 9, 30, 0, 0, kiosk.Zone()), Category: "civil", Status: "booked"}
	f.bookings[r.ID] = a
	if f.loseBook > 0 {
		f.loseBook--
		return kiosk.Appointment{}, false, errLost
	}
	return a, false, nil
}

func (f *fakeCentral) Appointments(ctx context.Context, idNumber, name string) ([]kiosk.Appointment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []kiosk.Appointment
	for _, a := range f.bookings {
		if !f.cancelled[a.No] {
			out = append(out, a)
		}
	}
	return out, nil
}

func (f *fakeCentral) CancelAppointment(ctx context.Context, no, idNumber, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, a := range f.bookings {
		if a.No == no {
			f.cancelled[no] = true
			return nil
		}
	}
	return fmt.Errorf("intake: cancel: 404 not_found: %w", kiosk.ErrNoSuchAppointment)
}

type link struct{ off atomic.Bool }

func (l *link) Offline() bool { return l.off.Load() }

type auditRec struct {
	kind            audit.Kind
	subject, detail string
}

type v11rig struct {
	b       *Backend
	st      *store.Store
	api     *fakeCentral
	link    *link
	now     atomic.Pointer[time.Time]
	mu      sync.Mutex
	audited []auditRec
}

func newV11Rig(t *testing.T) *v11rig {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "kiosk.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r := &v11rig{st: st, api: newFakeCentral(), link: &link{}}
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, kiosk.Zone())
	r.now.Store(&now)
	r.b = &Backend{Store: st, Link: r.link, Now: func() time.Time { return *r.now.Load() },
		Record: func(k audit.Kind, s, d string) {
			r.mu.Lock()
			r.audited = append(r.audited, auditRec{k, s, d})
			r.mu.Unlock()
		}}
	return r
}

func (r *v11rig) advance(d time.Duration) {
	n := r.now.Load().Add(d)
	r.now.Store(&n)
}

func (r *v11rig) audits(kind audit.Kind) []auditRec {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []auditRec
	for _, a := range r.audited {
		if a.kind == kind {
			out = append(out, a)
		}
	}
	return out
}

const residentID = "310115199001011237"

func TestCenterCachedForOffline(t *testing.T) {
	r := newV11Rig(t)
	ctx := context.Background()
	cs := r.b.CenterService(r.api)
	c, fresh, err := cs.Center(ctx) // nothing cached: asked now
	if err != nil || !fresh || c.Name != r.api.center.Name {
		t.Fatalf("first: %+v %v %v", c, fresh, err)
	}
	// 304 with the kept ETag: still fresh, no new data.
	if err := cs.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if got := r.api.gotETags; len(got) != 2 || got[0] != "" || got[1] != `"c1"` {
		t.Fatalf("etags sent: %q", got)
	}
	if _, fresh, _ := cs.Center(ctx); !fresh {
		t.Fatal("not fresh after 304")
	}

	// A restart without the network: the cached data, not fresh.
	r.api.centerErr = errLost
	cs2 := r.b.CenterService(r.api)
	if err := cs2.Refresh(ctx); !errors.Is(err, kiosk.ErrOffline) {
		t.Fatalf("refresh without network: %v", err)
	}
	c, fresh, err = cs2.Center(ctx)
	if err != nil || fresh || c == nil || c.Hotline != "021-58880000" || len(c.Hours) != 1 {
		t.Fatalf("from cache: %+v fresh %v err %v", c, fresh, err)
	}

	// New data replaces it; a nameless answer does not.
	r.api.centerErr = nil
	r.api.center.Hotline, r.api.etag = "021-12345", `"c2"`
	if err := cs2.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if c, fresh, _ := cs2.Center(ctx); c.Hotline != "021-12345" || !fresh {
		t.Fatalf("after refresh: %+v %v", c, fresh)
	}
	r.api.center, r.api.etag = kiosk.Center{}, `"c3"`
	if err := cs2.Refresh(ctx); err == nil {
		t.Fatal("a centre without a name was taken")
	}
	if c, fresh, _ := cs2.Center(ctx); c.Hotline != "021-12345" || fresh {
		t.Fatalf("after a refused refresh: %+v %v", c, fresh)
	}
}

func TestCenterNothingCachedOffline(t *testing.T) {
	r := newV11Rig(t)
	r.link.off.Store(true)
	r.api.block = make(chan struct{}) // would hang if asked
	c, fresh, err := r.b.CenterService(r.api).Center(context.Background())
	if !errors.Is(err, kiosk.ErrOffline) || c != nil || fresh {
		t.Fatalf("%+v %v %v", c, fresh, err)
	}
}

func TestCenterRunRefreshesOnCommand(t *testing.T) {
	r := newV11Rig(t)
	cs := r.b.CenterService(r.api)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cs.Run(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	calls := func() int { r.api.mu.Lock(); defer r.api.mu.Unlock(); return r.api.centerCalls }
	for calls() < 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cs.RefreshSoon()
	for calls() < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if calls() != 2 {
		t.Fatalf("refreshes: %d, want one at start and one on the command", calls())
	}
}

func TestQueueCachedAndOffline(t *testing.T) {
	r := newV11Rig(t)
	ctx := context.Background()
	r.api.queue = kiosk.QueueState{Open: true, Categories: []kiosk.QueueCategory{{Category: "civil", Waiting: -4, EstWaitMinutes: -1}, {Category: "mystery", Waiting: 2}}}
	cs := r.b.CenterService(r.api)
	q, err := cs.Queue(ctx)
	if err != nil || len(q.Categories) != 2 || q.Categories[0].Waiting != 0 || q.Categories[0].EstWaitMinutes != 0 {
		t.Fatalf("%+v %v", q, err)
	}
	q.Categories[0].Waiting = 99 // the caller's copy
	r.advance(14 * time.Second)
	q2, _ := cs.Queue(ctx)
	if r.api.queueCalls != 1 || q2.Categories[0].Waiting != 0 {
		t.Fatalf("within 15 s: %d calls, %+v", r.api.queueCalls, q2)
	}
	r.advance(2 * time.Second)
	if _, err := cs.Queue(ctx); err != nil || r.api.queueCalls != 2 {
		t.Fatalf("after 15 s: %d calls, %v", r.api.queueCalls, err)
	}
	// Offline, the cache expired: at once, without asking.
	r.advance(time.Minute)
	r.link.off.Store(true)
	r.api.block = make(chan struct{})
	start := time.Now()
	if _, err := cs.Queue(ctx); !errors.Is(err, kiosk.ErrOffline) || time.Since(start) > time.Second {
		t.Fatalf("offline: %v after %v", err, time.Since(start))
	}
	// A 503 is offline too.
	r.link.off.Store(false)
	r.api.block = nil
	r.api.queueErr = &intake.Error{Op: "queue", Status: 503, Code: "unavailable"}
	if _, err := cs.Queue(ctx); !errors.Is(err, kiosk.ErrOffline) {
		t.Fatalf("503: %v", err)
	}
}

func TestTakeTicket(t *testing.T) {
	r := newV11Rig(t)
	ctx := context.Background()
	cs := r.b.CenterService(r.api)
	holder := &kiosk.Person{IDNumber: residentID, Name: "王秀英"}
	req := kiosk.TicketRequest{Category: "civil", ItemCode: "MZ-0103", Reason: kiosk.TicketForwardedItem, Holder: holder}

	// Known offline: at once, nothing asked, nothing made up.
	r.link.off.Store(true)
	r.api.block = make(chan struct{})
	start := time.Now()
	if tk, err := cs.TakeTicket(ctx, req); !errors.Is(err, kiosk.ErrOffline) || tk.TicketNo != "" || time.Since(start) > time.Second {
		t.Fatalf("offline: %+v %v after %v", tk, err, time.Since(start))
	}
	r.link.off.Store(false)
	r.api.block = nil
	if len(r.api.ticketIDs) != 0 {
		t.Fatal("asked while offline")
	}

	// Issued, answer lost: offline error; the next tap gets that ticket.
	r.api.loseTicket = true
	if _, err := cs.TakeTicket(ctx, req); !errors.Is(err, kiosk.ErrOffline) {
		t.Fatalf("lost answer: %v", err)
	}
	tk, err := cs.TakeTicket(ctx, req)
	if err != nil || tk.TicketNo != "A001" {
		t.Fatalf("retry: %+v %v", tk, err)
	}
	if ids := r.api.ticketIDs; len(ids) != 2 || ids[0] != ids[1] || !kiosk.ValidSubmissionID(ids[0]) {
		t.Fatalf("ticket ids: %q", ids)
	}
	if len(r.api.tickets) != 1 {
		t.Fatalf("%d tickets issued", len(r.api.tickets))
	}
	au := r.audits(audit.TicketIssued)
	if len(au) != 1 || au[0].subject != kiosk.MaskID(residentID) || !strings.Contains(au[0].detail, "A001") ||
		!strings.Contains(au[0].detail, "civil") || !strings.Contains(au[0].detail, kiosk.TicketForwardedItem) {
		t.Fatalf("audit: %+v", au)
	}
	for _, a := range r.audited {
		if strings.Contains(a.subject+a.detail, residentID) {
			t.Fatalf("ID number in the audit: %+v", a)
		}
	}
	// Answered: a new request is a new ticket. Without a holder, no subject.
	tk2, err := cs.TakeTicket(ctx, kiosk.TicketRequest{Category: "civil", Reason: kiosk.TicketResidentChoice})
	if err != nil || tk2.TicketNo != "A002" {
		t.Fatalf("second: %+v %v", tk2, err)
	}
	if au := r.audits(audit.TicketIssued); au[1].subject != "" {
		t.Fatalf("subject without a holder: %q", au[1].subject)
	}
	// The centre's own refusals pass through as they are.
	r.api.ticketErr = &kiosk.CenterClosedError{Message: "明天 09:00 开门"}
	var closed *kiosk.CenterClosedError
	if _, err := cs.TakeTicket(ctx, req); !errors.As(err, &closed) || errors.Is(err, kiosk.ErrOffline) {
		t.Fatalf("closed: %v", err)
	}
	r.api.ticketErr = fmt.Errorf("409: %w", kiosk.ErrCategoryClosed)
	if _, err := cs.TakeTicket(ctx, req); !errors.Is(err, kiosk.ErrCategoryClosed) {
		t.Fatalf("category closed: %v", err)
	}
	if n := len(r.audits(audit.TicketIssued)); n != 2 {
		t.Fatalf("%d tickets audited", n)
	}
}

func TestTakeTicketTimesOutAsOffline(t *testing.T) {
	r := newV11Rig(t)
	r.api.block = make(chan struct{})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := r.b.CenterService(r.api).TakeTicket(ctx, kiosk.TicketRequest{Category: "civil", Reason: kiosk.TicketResidentChoice})
	if !errors.Is(err, kiosk.ErrOffline) {
		t.Fatalf("%v", err)
	}
}

func TestBookNeverTwice(t *testing.T) {
	r := newV11Rig(t)
	ctx := context.Background()
	as := r.b.AppointmentService(r.api)
	req := kiosk.AppointmentRequest{SlotID: "S1", ItemCode: "MZ-0103", Applicant: kiosk.Person{IDNumber: residentID, Name: "王秀英"}, Phone: "13800138000"}

	// The central system books, but two answers in a row are lost.
	r.api.loseBook = 2
	for i := 0; i < 2; i++ {
		if _, err := as.Book(ctx, req); !errors.Is(err, kiosk.ErrOffline) {
			t.Fatalf("try %d: %v", i, err)
		}
	}
	a, err := as.Book(ctx, req)
	if err != nil || a.No != "YY0001" {
		t.Fatalf("third try: %+v %v", a, err)
	}
	if len(r.api.bookings) != 1 {
		t.Fatalf("booked %d times", len(r.api.bookings))
	}
	ids := r.api.bookIDs
	if len(ids) != 3 || ids[0] != ids[1] || ids[1] != ids[2] {
		t.Fatalf("keys: %q", ids)
	}
	au := r.audits(audit.AppointmentBooked)
	if len(au) != 1 || au[0].subject != kiosk.MaskID(residentID) || !strings.Contains(au[0].detail, "YY0001") {
		t.Fatalf("audit: %+v", au)
	}
	if as.keys.len() != 0 {
		t.Fatal("key kept after the answer")
	}
	// Answered: booking again is a new request (the server says what it
	// thinks of it), under a new key.
	r.api.bookErr = fmt.Errorf("409: %w", kiosk.ErrAlreadyBooked)
	if _, err := as.Book(ctx, req); !errors.Is(err, kiosk.ErrAlreadyBooked) {
		t.Fatalf("again: %v", err)
	}
	if ids := r.api.bookIDs; ids[3] == ids[0] {
		t.Fatal("an answered booking's key was used again")
	}
	// A final answer forgets the key too.
	r.api.bookErr = &kiosk.SlotFullError{Alternatives: []kiosk.Slot{{ID: "S2"}}}
	var full *kiosk.SlotFullError
	if _, err := as.Book(ctx, req); !errors.As(err, &full) || len(full.Alternatives) != 1 {
		t.Fatalf("slot full: %v", err)
	}
	if as.keys.len() != 0 {
		t.Fatal("key kept after a final answer")
	}
	// Known offline: at once.
	r.link.off.Store(true)
	r.api.block = make(chan struct{})
	start := time.Now()
	if _, err := as.Book(ctx, req); !errors.Is(err, kiosk.ErrOffline) || time.Since(start) > time.Second {
		t.Fatalf("offline: %v", err)
	}
	for _, a := range r.audited {
		if strings.Contains(a.subject+a.detail, residentID) {
			t.Fatalf("ID number in the audit: %+v", a)
		}
	}
}

func TestAppointmentsAndCancel(t *testing.T) {
	r := newV11Rig(t)
	ctx := context.Background()
	as := r.b.AppointmentService(r.api)
	p := kiosk.Person{IDNumber: residentID, Name: "王秀英"}
	a, err := as.Book(ctx, kiosk.AppointmentRequest{SlotID: "S1", ItemCode: "MZ-0103", Applicant: p})
	if err != nil {
		t.Fatal(err)
	}
	list, err := as.Appointments(ctx, p)
	if err != nil || len(list) != 1 {
		t.Fatalf("%v %v", list, err)
	}
	if err := as.Cancel(ctx, a.No, p); err != nil {
		t.Fatal(err)
	}
	if err := as.Cancel(ctx, "NOPE", p); !errors.Is(err, kiosk.ErrNoSuchAppointment) {
		t.Fatalf("no such: %v", err)
	}
	au := r.audits(audit.AppointmentCancelled)
	if len(au) != 1 || au[0].subject != kiosk.MaskID(residentID) || !strings.Contains(au[0].detail, a.No) {
		t.Fatalf("audit: %+v", au)
	}
	r.link.off.Store(true)
	if _, err := as.Appointments(ctx, p); !errors.Is(err, kiosk.ErrOffline) {
		t.Fatal(err)
	}
	if err := as.Cancel(ctx, a.No, p); !errors.Is(err, kiosk.ErrOffline) {
		t.Fatal(err)
	}
}

func TestSlotsCleaned(t *testing.T) {
	r := newV11Rig(t)
	now := *r.now.Load()
	at := func(h int) time.Time { return now.Add(time.Duration(h) * time.Hour) }
	r.api.slots = []kiosk.Slot{
		{ID: "late", Start: at(5), End: at(6), Remaining: 2},
		{ID: "past", Start: at(-2), End: at(-1), Remaining: 1},
		{ID: "early", Start: at(1), End: at(2), Remaining: -3},
		{ID: "early", Start: at(1), End: at(2), Remaining: 1}, // repeated
		{ID: "backwards", Start: at(3), End: at(2)},
		{ID: "", Start: at(4), End: at(5)},
	}
	got, err := r.b.AppointmentService(r.api).Slots(context.Background(), "civil", now, now.AddDate(0, 0, 14))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "early" || got[1].ID != "late" || got[0].Remaining != 0 {
		t.Fatalf("%+v", got)
	}
}

func TestRate(t *testing.T) {
	r := newV11Rig(t)
	ctx := context.Background()
	q := r.st.Ratings(0)
	var woke atomic.Int32
	r.b.Relay = notifyFunc(func() { woke.Add(1) })
	rs := r.b.RatingService(q)

	good := kiosk.Rating{Service: kiosk.RateTicket, TicketNo: "A023", Level: 5}
	if err := rs.Rate(ctx, good); err != nil {
		t.Fatal(err)
	}
	poor := kiosk.Rating{ID: kiosk.NewSubmissionID(), Service: kiosk.RateSubmission, CaseNo: "PD2026120700042", Level: 1, Reasons: []string{"efficiency"}}
	if err := rs.Rate(ctx, poor); err != nil {
		t.Fatal(err)
	}
	if err := rs.Rate(ctx, poor); err != nil { // ten taps: stored once
		t.Fatal(err)
	}
	for name, bad := range map[string]kiosk.Rating{
		"reasons when good": {Service: kiosk.RateGuide, Level: 4, Reasons: []string{"attitude"}},
		"poor without":      {Service: kiosk.RateGuide, Level: 1},
		"level 0":           {Service: kiosk.RateGuide},
		"an ID number":      {Service: kiosk.RateCaseQuery, CaseNo: residentID, Level: 5},
	} {
		if err := rs.Rate(ctx, bad); err == nil {
			t.Errorf("%s: taken", name)
		}
	}
	c, _ := q.Counts(ctx)
	if c.Pending != 2 || woke.Load() != 2 {
		t.Fatalf("queued %d, woke %d", c.Pending, woke.Load())
	}
	rec, err := q.Lookup(ctx, poor.ID)
	if err != nil || rec.Rating.CaseNo != poor.CaseNo || rec.Rating.At.IsZero() {
		t.Fatalf("%+v %v", rec, err)
	}
	au := r.audits(audit.RatingRecorded)
	if len(au) != 2 || au[0].subject != "" || !strings.Contains(au[0].detail, "ticket A023") || !strings.Contains(au[0].detail, "level 5") ||
		!strings.Contains(au[1].detail, poor.ID) || !strings.Contains(au[1].detail, "service submission") {
		t.Fatalf("audit: %+v", au)
	}
}

type notifyFunc func()

func (f notifyFunc) Notify() { f() }
