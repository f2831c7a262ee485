package intakesim

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/intake"
)

// Contract tests of the v1.1 client against the simulator: every endpoint
// and every error code, on the simulator's clock (the fixture starts on
// Friday 27 November 2026 at 10:00; the holiday is five days later, on
// Wednesday 2 December; Sunday 29 November is booked out).

func at(day, hhmm string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", day+" "+hhmm, shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

func (f *fixture) setClock(t time.Time) { f.clock.Add(t.Sub(f.clock.Now())) }

// checkStatusPage fetches a status_url of the simulator: a page that says
// want and shows no ID number and no full name of p.
func (f *fixture) checkStatusPage(t *testing.T, u, want string, p Resident) {
	t.Helper()
	path := u[strings.Index(u, "/track/"):]
	status, _, page := f.raw(t, "GET", path, nil, nil)
	if status != 200 || !strings.Contains(string(page), want) || strings.Contains(string(page), p.IDNumber) || strings.Contains(string(page), p.Name) {
		t.Errorf("status page %s: %d %s", u, status, page)
	}
}

func TestCenterContract(t *testing.T) {
	t.Parallel()
	f := start(t)
	ctx := context.Background()
	c, etag, nm, err := f.client.Center(ctx, "")
	if err != nil || nm || etag == "" {
		t.Fatalf("center: %v %q %v", err, etag, nm)
	}
	if c.Name == "" || c.Hotline == "" || len(c.Hours) != 7 {
		t.Fatalf("centre %+v", c)
	}
	evenings, weekends := 0, 0
	for _, h := range c.Hours {
		if h.Close == "20:00" {
			evenings++
		}
		if h.Weekday >= 6 && h.Open == "09:00" && h.Close == "12:00" {
			weekends++
		}
	}
	if evenings != 2 || weekends != 2 {
		t.Errorf("hours %+v: want two evenings and both weekend mornings", c.Hours)
	}
	holiday := false
	for _, e := range c.Exceptions {
		holiday = holiday || (e.Date == "2026-12-02" && e.Closed)
	}
	if !holiday {
		t.Errorf("exceptions %+v: no closed day five days after the start", c.Exceptions)
	}
	counters := map[string]bool{}
	for _, k := range c.Counters {
		counters[k.Category] = true
	}
	if !counters[kiosk.CounterGeneral] {
		t.Error("no general counters")
	}
	cat, _, _, err := f.client.Catalog(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range cat.Items {
		if !counters[it.CounterCategory] {
			t.Errorf("%s: counter_category %q is not one of the centre's counters", it.Code, it.CounterCategory)
		}
		if !counters[it.Category] {
			t.Errorf("category %q has no counter", it.Category)
		}
	}
	if it, _ := cat.Item("MZ-0101"); it.Eligibility == nil || it.Eligibility.MinAge != 60 || it.Eligibility.Note == "" || it.Eligibility.NoteEn == "" {
		t.Errorf("敬老卡申领 eligibility %+v", it.Eligibility)
	}
	if it, _ := cat.Item("MZ-0102"); it.Eligibility == nil || it.Eligibility.MinAge != 65 {
		t.Errorf("老年综合津贴 eligibility %+v", it.Eligibility)
	}
	if _, again, nm, err := f.client.Center(ctx, etag); err != nil || !nm || again != etag {
		t.Errorf("conditional: %v %v %q", err, nm, again)
	}
}

func queueOf(t *testing.T, f *fixture, category string) (kiosk.QueueState, kiosk.QueueCategory) {
	t.Helper()
	q, err := f.client.Queue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range q.Categories {
		if c.Category == category {
			return q, c
		}
	}
	t.Fatalf("no queue of %s in %+v", category, q)
	return q, kiosk.QueueCategory{}
}

// The queue moves with the clock: tickets are called one per few
// minutes, a ticket taken joins the end, its number comes up in time.
func TestQueueMovesWithClock(t *testing.T) {
	t.Parallel()
	f := start(t)
	ctx := context.Background()
	q, g := queueOf(t, f, kiosk.CounterGeneral)
	if !q.Open || len(q.Categories) != len(counterDefs) || g.Serving == "" {
		t.Fatalf("queue at 10:00: %+v", q)
	}
	f.clock.Add(30 * time.Minute)
	_, g2 := queueOf(t, f, kiosk.CounterGeneral)
	if ticketNumber(g2.Serving) <= ticketNumber(g.Serving) {
		t.Fatalf("half an hour later the general counters still serve %s (were %s)", g2.Serving, g.Serving)
	}
	tk, err := f.client.TakeTicket(ctx, kiosk.NewSubmissionID(), kiosk.TicketRequest{Category: "老龄", ItemCode: "MZ-0201",
		Reason: kiosk.TicketForwardedItem, Holder: &kiosk.Person{IDNumber: SampleResidents()[1].IDNumber, Name: SampleResidents()[1].Name}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tk.TicketNo, "B") || tk.Category != "老龄" || tk.ValidUntil.Hour() != 17 || tk.StatusURL == "" {
		t.Errorf("ticket %+v", tk)
	}
	f.checkStatusPage(t, tk.StatusURL, "排队号", SampleResidents()[1])
	_, b := queueOf(t, f, "老龄")
	if b.Waiting != tk.WaitingAhead+1 || tk.EstWaitMinutes != tk.WaitingAhead*6 {
		t.Errorf("after the ticket %+v the queue is %+v", tk, b)
	}
	for i := 0; i < 200 && ticketNumber(b.Serving) < ticketNumber(tk.TicketNo); i++ {
		f.clock.Add(time.Minute)
		_, b = queueOf(t, f, "老龄")
	}
	if b.Serving != tk.TicketNo && ticketNumber(b.Serving) < ticketNumber(tk.TicketNo) {
		t.Fatalf("ticket %s never called; serving %s", tk.TicketNo, b.Serving)
	}
	f.checkStatusPage(t, tk.StatusURL, "已叫号", SampleResidents()[1])
	// Another ticket later gets a later number.
	tk2, err := f.client.TakeTicket(ctx, kiosk.NewSubmissionID(), kiosk.TicketRequest{Category: "老龄", Reason: kiosk.TicketResidentChoice})
	if err != nil || ticketNumber(tk2.TicketNo) <= ticketNumber(tk.TicketNo) {
		t.Fatalf("second ticket %+v after %s: %v", tk2, tk.TicketNo, err)
	}

	// Friday 18:00: closed; it opens on Saturday at 09:00.
	f.setClock(at("2026-11-27", "18:00"))
	if q, _ := queueOf(t, f, "老龄"); q.Open {
		t.Error("queue open at 18:00 on a Friday")
	}
	_, err = f.client.TakeTicket(ctx, kiosk.NewSubmissionID(), kiosk.TicketRequest{Category: "老龄", Reason: kiosk.TicketResidentChoice})
	var closed *kiosk.CenterClosedError
	if !errors.As(err, &closed) || !closed.Next.Equal(at("2026-11-28", "09:00")) || !strings.Contains(closed.Message, "下次开放") ||
		!strings.Contains(closed.Message, "opens next") || !intake.IsFinal(err) {
		t.Fatalf("closed: %v (%+v)", err, closed)
	}
	// Saturday: a weekday counter takes no tickets, the others do.
	f.setClock(at("2026-11-28", "10:00"))
	_, err = f.client.TakeTicket(ctx, kiosk.NewSubmissionID(), kiosk.TicketRequest{Category: "残疾人", Reason: kiosk.TicketResidentChoice})
	if !errors.Is(err, kiosk.ErrCategoryClosed) || !intake.IsFinal(err) {
		t.Fatalf("weekday counter at the weekend: %v", err)
	}
	if _, err := f.client.TakeTicket(ctx, kiosk.NewSubmissionID(), kiosk.TicketRequest{Category: kiosk.CounterGeneral, Reason: kiosk.TicketResidentChoice}); err != nil {
		t.Fatalf("Saturday morning: %v", err)
	}
	// Tuesday evening is open (错时服务); the holiday is not.
	f.setClock(at("2026-12-01", "19:00"))
	if tk, err := f.client.TakeTicket(ctx, kiosk.NewSubmissionID(), kiosk.TicketRequest{Category: "就业", Reason: kiosk.TicketMaterialsCheck}); err != nil || tk.ValidUntil.Hour() != 20 {
		t.Fatalf("Tuesday evening: %+v %v", tk, err)
	}
	f.setClock(at("2026-12-02", "10:00"))
	_, err = f.client.TakeTicket(ctx, kiosk.NewSubmissionID(), kiosk.TicketRequest{Category: "就业", Reason: kiosk.TicketMaterialsCheck})
	if !errors.As(err, &closed) || !closed.Next.Equal(at("2026-12-03", "09:00")) {
		t.Fatalf("holiday: %v", err)
	}
}

func TestTicketIdempotencyAndRefusals(t *testing.T) {
	t.Parallel()
	f := start(t)
	ctx := context.Background()
	id := kiosk.NewSubmissionID()
	req := kiosk.TicketRequest{Category: "社保", Reason: kiosk.TicketCardProblem}
	tk, err := f.client.TakeTicket(ctx, id, req)
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.client.TakeTicket(ctx, id, req)
	if err != nil || again != tk {
		t.Fatalf("replay: %+v %v, first %+v", again, err, tk)
	}
	if f.srv.Stats().Replays != 1 {
		t.Errorf("stats %+v", f.srv.Stats())
	}
	_, err = f.client.TakeTicket(ctx, id, kiosk.TicketRequest{Category: "医保", Reason: kiosk.TicketCardProblem})
	var e *intake.Error
	if !errors.As(err, &e) || e.Status != 409 || e.Code != "idempotency_conflict" || !intake.IsFinal(err) {
		t.Fatalf("conflict: %v", err)
	}
	_, err = f.client.TakeTicket(ctx, kiosk.NewSubmissionID(), kiosk.TicketRequest{Category: "天文", Reason: kiosk.TicketCardProblem})
	var rej *kiosk.RejectedError
	if !errors.As(err, &rej) || !intake.IsFinal(err) || len(rej.Fields) == 0 || rej.Fields[0].Field != "category" {
		t.Fatalf("unknown category: %v", err)
	}
	// Without the key, or with another one: 400.
	body, _ := json.Marshal(map[string]any{"ticket_id": id, "terminal_id": "PD-T01", "category": "社保", "reason": "card_problem"})
	if status, _, _ := f.raw(t, "POST", "/v1/tickets", nil, body); status != 400 {
		t.Errorf("no key: %d", status)
	}
	if status, _, _ := f.raw(t, "POST", "/v1/tickets", map[string]string{"Idempotency-Key": kiosk.NewSubmissionID()}, body); status != 400 {
		t.Errorf("other key: %d", status)
	}
	// The holder's number travels in the body only.
	holder := SampleResidents()[0]
	if _, err := f.client.TakeTicket(ctx, kiosk.NewSubmissionID(), kiosk.TicketRequest{Category: "就业", Reason: kiosk.TicketForwardedItem,
		Holder: &kiosk.Person{IDNumber: holder.IDNumber, Name: holder.Name}}); err != nil {
		t.Fatal(err)
	}
	recorded.Lock()
	defer recorded.Unlock()
	for _, ex := range recorded.list {
		if strings.Contains(ex.path, holder.IDNumber) || strings.Contains(ex.path, holder.Name) {
			t.Errorf("personal data in a URL: %s", ex.path)
		}
	}
}

func slotsOf(t *testing.T, f *fixture, category string) []kiosk.Slot {
	t.Helper()
	now := f.clock.Now()
	sl, err := f.client.Slots(context.Background(), category, now, now.AddDate(0, 0, 30))
	if err != nil {
		t.Fatal(err)
	}
	return sl
}

func TestSlotsCalendar(t *testing.T) {
	t.Parallel()
	f := start(t)
	sl := slotsOf(t, f, "老龄")
	days := map[string]int{}
	free := map[string]int{}
	evening := false
	for i, s := range sl {
		if !s.Start.After(f.clock.Now()) || s.End.Sub(s.Start) != 30*time.Minute {
			t.Errorf("slot %+v", s)
		}
		if i > 0 && s.Start.Before(sl[i-1].Start) {
			t.Error("slots out of order")
		}
		d := s.Start.In(shanghai).Format(kiosk.DateLayout)
		days[d]++
		free[d] += s.Remaining
		evening = evening || s.Start.In(shanghai).Hour() >= 19
	}
	if days["2026-12-02"] != 0 {
		t.Errorf("the holiday has %d slots", days["2026-12-02"])
	}
	if days["2026-11-28"] != 6 || days["2026-11-30"] != 16 || days["2026-12-01"] != 22 || !evening {
		t.Errorf("slots per day %v (Saturday 6, Monday 16, Tuesday 22 with the evening)", days)
	}
	if days["2026-11-29"] == 0 || free["2026-11-29"] != 0 {
		t.Errorf("Sunday 29th: %d slots, %d free; want booked out", days["2026-11-29"], free["2026-11-29"])
	}
	if days["2026-12-10"] == 0 || days["2026-12-11"] != 0 {
		t.Errorf("the window: %v (today and the next 13 days)", days)
	}
	// Weekday counters have no weekend slots.
	for _, s := range slotsOf(t, f, "残疾人") {
		if weekend(s.Start) {
			t.Errorf("weekend slot %+v of a weekday counter", s)
		}
	}
	// More than 31 days, or an unknown category: refused.
	now := f.clock.Now()
	if _, err := f.client.Slots(context.Background(), "老龄", now, now.AddDate(0, 0, 40)); !intake.IsFinal(err) {
		t.Errorf("40 days: %v", err)
	}
	if status, _, _ := f.raw(t, "GET", "/v1/appointments/slots?category=%E5%A4%A9&from=2026-11-27&to=2026-11-28", nil, nil); status != 422 {
		t.Errorf("unknown category: %d", status)
	}
	if status, _, _ := f.raw(t, "GET", "/v1/appointments/slots?category=general&from=2026-11-27&to=2027-01-27", nil, nil); status != 422 {
		t.Errorf("62 days: %d", status)
	}
}

func book(f *fixture, slot kiosk.Slot, item string, p kiosk.Person) (kiosk.Appointment, bool, error) {
	return f.client.Book(context.Background(), kiosk.AppointmentRequest{ID: kiosk.NewSubmissionID(), SlotID: slot.ID, ItemCode: item,
		Applicant: p, Phone: "13912345678"})
}

func TestBookingsFillAndCancel(t *testing.T) {
	t.Parallel()
	f := start(t)
	ctx := context.Background()
	var slot kiosk.Slot
	for _, s := range slotsOf(t, f, "老龄") {
		if s.Remaining == 2 {
			slot = s
			break
		}
	}
	if slot.ID == "" {
		t.Fatal("no slot with two places")
	}
	first := elder()
	req := kiosk.AppointmentRequest{ID: kiosk.NewSubmissionID(), SlotID: slot.ID, ItemCode: "MZ-0104", Applicant: first, Phone: "13912345678"}
	ap, replayed, err := f.client.Book(ctx, req)
	if err != nil || replayed {
		t.Fatalf("book: %v %v", err, replayed)
	}
	if !ap.Start.Equal(slot.Start) || ap.Status != "booked" || ap.Category != "老龄" || ap.CenterName == "" || ap.StatusURL == "" || ap.ItemCode != "MZ-0104" {
		t.Errorf("appointment %+v", ap)
	}
	f.checkStatusPage(t, ap.StatusURL, "已预约", Resident{IDNumber: first.IDNumber, Name: first.Name})
	again, replayed, err := f.client.Book(ctx, req)
	if err != nil || !replayed || again.No != ap.No {
		t.Fatalf("replay: %+v %v %v", again, replayed, err)
	}
	if _, _, err := book(f, slot, "MZ-0104", elder()); err != nil {
		t.Fatalf("second place: %v", err)
	}
	for _, s := range slotsOf(t, f, "老龄") {
		if s.ID == slot.ID && s.Remaining != 0 {
			t.Errorf("slot %s has %d left after two bookings", s.ID, s.Remaining)
		}
	}
	_, _, err = book(f, slot, "MZ-0104", elder())
	var full *kiosk.SlotFullError
	if !errors.As(err, &full) || !intake.IsFinal(err) || len(full.Alternatives) == 0 || len(full.Alternatives) > 3 {
		t.Fatalf("full: %v", err)
	}
	for _, a := range full.Alternatives {
		if a.Remaining <= 0 || a.ID == slot.ID {
			t.Errorf("alternative %+v", a)
		}
	}
	// The same person, the same item, the same day: already booked.
	var other kiosk.Slot
	for _, s := range slotsOf(t, f, "老龄") {
		if s.Remaining > 0 && s.Start.YearDay() == slot.Start.YearDay() && s.ID != slot.ID {
			other = s
			break
		}
	}
	if _, _, err := book(f, other, "MZ-0104", first); !errors.Is(err, kiosk.ErrAlreadyBooked) || !intake.IsFinal(err) {
		t.Fatalf("already booked: %v", err)
	}
	// Eligibility is checked as for submissions.
	young := SampleResidents()[0]
	_, _, err = book(f, other, "MZ-0101", kiosk.Person{IDNumber: young.IDNumber, Name: young.Name})
	var rej *kiosk.RejectedError
	if !errors.As(err, &rej) || rej.Code != "not_eligible" {
		t.Fatalf("young for 敬老卡: %v", err)
	}
	// A slot of another counter, a bad phone: 422.
	_, _, err = book(f, other, "RS-0301", elder())
	if !errors.As(err, &rej) || rej.Code != "validation_failed" {
		t.Errorf("wrong counter: %v", err)
	}
	if _, _, err := f.client.Book(ctx, kiosk.AppointmentRequest{ID: kiosk.NewSubmissionID(), SlotID: other.ID, ItemCode: "MZ-0104",
		Applicant: elder(), Phone: "12345"}); !errors.As(err, &rej) {
		t.Errorf("bad phone: %v", err)
	}
	// Listed for the person (name and number must both match), cancelled
	// once and twice, then the place is free again.
	list, err := f.client.Appointments(ctx, first.IDNumber, first.Name)
	if err != nil || len(list) != 1 || list[0].No != ap.No {
		t.Fatalf("appointments: %+v %v", list, err)
	}
	if list, err := f.client.Appointments(ctx, first.IDNumber, "李四"); err != nil || len(list) != 0 {
		t.Errorf("another name sees %d: %v", len(list), err)
	}
	someone := elder()
	err = f.client.CancelAppointment(ctx, ap.No, someone.IDNumber, someone.Name)
	if !errors.Is(err, kiosk.ErrNoSuchAppointment) || !intake.IsFinal(err) {
		t.Fatalf("another person's cancel: %v", err)
	}
	for i := 0; i < 2; i++ {
		if err := f.client.CancelAppointment(ctx, ap.No, first.IDNumber, first.Name); err != nil {
			t.Fatalf("cancel %d: %v", i+1, err)
		}
	}
	if list, _ := f.client.Appointments(ctx, first.IDNumber, first.Name); len(list) != 0 {
		t.Errorf("cancelled still listed: %+v", list)
	}
	if _, _, err := book(f, slot, "MZ-0104", elder()); err != nil {
		t.Fatalf("the freed place: %v", err)
	}
	// Bookings from today on only.
	f.clock.Add(20 * 24 * time.Hour)
	if _, _, err := book(f, slot, "MZ-0104", elder()); !errors.As(err, &rej) {
		t.Errorf("a past slot: %v", err)
	}
}

func TestRatingsRecordedAndReported(t *testing.T) {
	t.Parallel()
	f := start(t)
	ctx := context.Background()
	now := f.clock.Now()
	good := kiosk.Rating{ID: kiosk.NewSubmissionID(), At: now, Service: kiosk.RateSubmission, CaseNo: "PD20261127-000001", ItemCode: "MZ-0101", Level: 5}
	if replayed, err := f.client.Rate(ctx, good); err != nil || replayed {
		t.Fatalf("rate: %v %v", replayed, err)
	}
	if replayed, err := f.client.Rate(ctx, good); err != nil || !replayed {
		t.Fatalf("again: %v %v", replayed, err)
	}
	poor := kiosk.Rating{ID: kiosk.NewSubmissionID(), At: now, Service: kiosk.RateTicket, TicketNo: "A012", Level: 1, Reasons: []string{"efficiency", "attitude"}}
	if _, err := f.client.Rate(ctx, poor); err != nil {
		t.Fatal(err)
	}
	// What the client would never send: the server refuses it, 422.
	for name, body := range map[string]map[string]any{
		"reasons with a good level": {"level": 4, "reasons": []string{"attitude"}},
		"poor without reasons":      {"level": 2, "reasons": []string{}},
		"unknown reason":            {"level": 1, "reasons": []string{"weather"}},
		"level 6":                   {"level": 6, "reasons": []string{}},
		"an id number":              {"level": 5, "reasons": []string{}, "id_number": SampleResidents()[0].IDNumber},
	} {
		id := kiosk.NewSubmissionID()
		body["rating_id"], body["terminal_id"], body["at"], body["service"] = id, "PD-T01", now.Format(time.RFC3339), "guide"
		raw, _ := json.Marshal(body)
		status, _, resp := f.raw(t, "POST", "/v1/ratings", map[string]string{"Idempotency-Key": id}, raw)
		if status != 422 {
			t.Errorf("%s: %d %s", name, status, resp)
		}
	}
	resp, err := http.Get(f.admin + "/ratings")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rep RatingsReport
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Total != 2 || rep.ByLevel["5"] != 1 || rep.ByLevel["1"] != 1 || rep.Reasons["attitude"] != 1 || len(rep.Items) != 2 {
		t.Errorf("report %s", b)
	}
	for _, it := range rep.Items {
		if it.ItemCode == "MZ-0101" && it.Levels["5"] != 1 {
			t.Errorf("MZ-0101: %+v", it)
		}
	}
}

func TestAssistanceAnswers(t *testing.T) {
	t.Parallel()
	f := start(t)
	ctx := context.Background()
	call := func() (string, string) {
		t.Helper()
		st, msg, err := f.client.Assist(ctx, kiosk.NewSubmissionID(), "apply.form", kiosk.AssistResident, f.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		return st, msg
	}
	if st, msg := call(); st != intake.AssistNotified || msg == "" {
		t.Errorf("open: %s %q", st, msg)
	}
	f.setClock(at("2026-11-27", "22:00"))
	if st, msg := call(); st != intake.AssistNoStaffAvailable || !strings.Contains(msg, f.srv.Center().Hotline) {
		t.Errorf("closed: %s %q", st, msg)
	}
	req, _ := http.NewRequest("PUT", f.admin+"/assistance", strings.NewReader(`{"mode":"notified"}`))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("admin: %v %v", resp, err)
	}
	if st, _ := call(); st != intake.AssistNotified {
		t.Errorf("forced: %s", st)
	}
	if err := f.srv.SetAssistance(AssistNoStaff); err != nil {
		t.Fatal(err)
	}
	f.setClock(at("2026-11-30", "10:00"))
	if st, _ := call(); st != intake.AssistNoStaffAvailable {
		t.Errorf("forced no staff: %s", st)
	}
	// A screen name with an ID number in it: refused, final.
	_, _, err := f.client.Assist(ctx, kiosk.NewSubmissionID(), "form "+SampleResidents()[0].IDNumber, kiosk.AssistResident, f.clock.Now())
	if !intake.IsFinal(err) {
		t.Errorf("personal screen: %v", err)
	}
	// The centre forced open at night (admin PUT /center) answers tickets;
	// forced closed by day, it refuses them.
	f.setClock(at("2026-11-30", "23:00"))
	req, _ = http.NewRequest("PUT", f.admin+"/center", strings.NewReader(`{"center_mode":"open"}`))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("admin centre: %v %v", resp, err)
	}
	if _, err := f.client.TakeTicket(ctx, kiosk.NewSubmissionID(), kiosk.TicketRequest{Category: "老龄", Reason: kiosk.TicketResidentChoice}); err != nil {
		t.Errorf("forced open: %v", err)
	}
	if q, _ := queueOf(t, f, "老龄"); !q.Open {
		t.Error("queue closed while forced open")
	}
	req, _ = http.NewRequest("PUT", f.admin+"/center", strings.NewReader(`{"center_mode":"sometimes"}`))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 422 {
		t.Errorf("bad mode: %v %v", resp, err)
	}
	g := start(t, func(o *Options) { o.CenterMode = ModeClosed })
	var closed *kiosk.CenterClosedError
	if _, err := g.client.TakeTicket(ctx, kiosk.NewSubmissionID(), kiosk.TicketRequest{Category: "老龄", Reason: kiosk.TicketResidentChoice}); !errors.As(err, &closed) {
		t.Errorf("forced closed: %v", err)
	}
	if st, _, err := g.client.Assist(ctx, kiosk.NewSubmissionID(), "home", kiosk.AssistCardLeft, g.clock.Now()); err != nil || st != intake.AssistNoStaffAvailable {
		t.Errorf("forced closed, call for staff: %s %v", st, err)
	}
}

func TestEligibilityAndDuplicates(t *testing.T) {
	t.Parallel()
	f := start(t)
	ctx := context.Background()
	res := SampleResidents()
	person := func(r Resident) kiosk.Person {
		return kiosk.Person{IDNumber: r.IDNumber, Name: r.Name, CardType: r.CardType, Gender: r.Gender, BirthDate: r.BirthDate, ValidUntil: r.ValidUntil}
	}
	// A 41-year-old may not apply for a 敬老卡; 李秀英 (74) already holds one.
	sub := sampleSub("MZ-0101")
	sub.Applicant = person(res[0])
	_, _, err := f.client.Submit(ctx, sub)
	var rej *kiosk.RejectedError
	if !errors.As(err, &rej) || rej.Code != "not_eligible" || !strings.Contains(rej.Message, "60") || !intake.IsFinal(err) {
		t.Fatalf("41-year-old: %v", err)
	}
	sub = sampleSub("MZ-0101")
	sub.Applicant = person(res[1])
	_, _, err = f.client.Submit(ctx, sub)
	if !errors.As(err, &rej) || rej.Code != "not_eligible" || !strings.Contains(rej.Message, "已持有敬老卡") {
		t.Fatalf("holder of a 敬老卡: %v", err)
	}
	// A birth date missing from the card: the number says it.
	sub = sampleSub("MZ-0101")
	sub.Applicant.BirthDate = ""
	if _, _, err := f.client.Submit(ctx, sub); err != nil {
		t.Fatalf("elder without birth date: %v", err)
	}
	// 就业登记 twice: the second is a duplicate naming the first's case;
	// a replay of the first is not.
	first := sampleSub("RS-0301")
	first.Applicant = person(res[0])
	first.Fields = map[string]string{"phone": "13800138000", "start_date": "2026-11-20"}
	acc, _, err := f.client.Submit(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	second := first
	second.ID = kiosk.NewSubmissionID()
	_, _, err = f.client.Submit(ctx, second)
	var e *intake.Error
	if !errors.As(err, &rej) || rej.Code != "duplicate_application" || rej.CaseNo != acc.CaseNo ||
		!errors.As(err, &e) || e.Status != 409 || e.CaseNo != acc.CaseNo || !intake.IsFinal(err) {
		t.Fatalf("duplicate: %v (%+v)", err, rej)
	}
	if again, replayed, err := f.client.Submit(ctx, first); err != nil || !replayed || again.CaseNo != acc.CaseNo {
		t.Fatalf("replay: %+v %v %v", again, replayed, err)
	}
	// A statement may be asked for again.
	for i := 0; i < 2; i++ {
		s := sampleSub("YB-0402")
		s.Applicant = person(res[0])
		s.Fields = map[string]string{"year": "2026"}
		if _, _, err := f.client.Submit(ctx, s); err != nil {
			t.Fatalf("statement %d: %v", i+1, err)
		}
	}
}

// A ticket committed but whose answer was lost is not issued twice: the
// retry under the same id gets the same ticket.
func TestTicketCommitDrop(t *testing.T) {
	t.Parallel()
	f := start(t)
	ctx := context.Background()
	if err := f.srv.SetFaults(Faults{CommitDrop: 1}); err != nil {
		t.Fatal(err)
	}
	id := kiosk.NewSubmissionID()
	req := kiosk.TicketRequest{Category: "医保", Reason: kiosk.TicketResidentChoice}
	if _, err := f.client.TakeTicket(ctx, id, req); err == nil || intake.IsFinal(err) {
		t.Fatalf("dropped answer: %v", err)
	}
	if err := f.srv.SetFaults(Faults{}); err != nil {
		t.Fatal(err)
	}
	_, before := queueOf(t, f, "医保")
	tk, err := f.client.TakeTicket(ctx, id, req)
	if err != nil {
		t.Fatal(err)
	}
	_, after := queueOf(t, f, "医保")
	if after.Waiting != before.Waiting || f.srv.Stats().Replays != 1 || tk.TicketNo == "" {
		t.Errorf("retry made another ticket: waiting %d -> %d, %+v", before.Waiting, after.Waiting, f.srv.Stats())
	}
	// Every new endpoint meets the faults: a 503 with Retry-After on the queue.
	if err := f.srv.SetFaults(Faults{Unavailable503: 1, RetryAfterSeconds: 7}); err != nil {
		t.Fatal(err)
	}
	_, err = f.client.Queue(ctx)
	if intake.IsFinal(err) || intake.RetryAfter(err) != 7*time.Second {
		t.Errorf("503: %v", err)
	}
	_, _, _, err = f.client.Center(ctx, "")
	if intake.IsFinal(err) || intake.RetryAfter(err) != 7*time.Second {
		t.Errorf("503 on the centre: %v", err)
	}
}

// A calendar that crosses the year end: New Year's Day (a public holiday of
// the catalogue's calendar) is closed and has no slots; January's slots
// follow December's in order.
func TestSlotsAcrossTheYearEnd(t *testing.T) {
	t.Parallel()
	f := start(t, func(o *Options) {
		clk := func() time.Time { return at("2026-12-26", "10:00") }
		o.Now = clk
	})
	c, _, _, err := f.client.Center(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	closed := map[string]bool{}
	for _, e := range c.Exceptions {
		closed[e.Date] = e.Closed
	}
	if !closed["2027-01-01"] || !closed["2026-12-31"] {
		t.Errorf("exceptions %+v: want New Year's Day and the holiday five days on", c.Exceptions)
	}
	now := at("2026-12-26", "10:00")
	sl, err := f.client.Slots(context.Background(), kiosk.CounterGeneral, now, now.AddDate(0, 0, 20))
	if err != nil {
		t.Fatal(err)
	}
	days := map[string]int{}
	for i, s := range sl {
		days[s.Start.In(shanghai).Format(kiosk.DateLayout)]++
		if i > 0 && !s.Start.After(sl[i-1].Start) {
			t.Fatalf("out of order at %d: %v after %v", i, s.Start, sl[i-1].Start)
		}
	}
	if days["2027-01-01"] != 0 || days["2026-12-31"] != 0 || days["2027-01-04"] == 0 || days["2026-12-28"] == 0 {
		t.Errorf("slots per day %v", days)
	}
}
