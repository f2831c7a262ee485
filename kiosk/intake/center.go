package intake

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pudong-community/kiosk/kiosk"
)

// Version 1.1 of the contract: the centre, its queue, tickets,
// appointments, ratings and calls for staff. Every creating POST carries
// the body's own id as Idempotency-Key; personal data goes only in bodies.

// MaxTicketNoLen bounds a ticket number: the slip and the screen print it
// big, and no queue system numbers its tickets with more.
const MaxTicketNoLen = 16

// MaxSlotDays is the widest window GET /v1/appointments/slots answers.
const MaxSlotDays = 31

// v11Error is the error object of v1.1 answers: the common members plus the
// ones some codes carry.
type v11Error struct {
	Error struct {
		Code         string       `json:"code"`
		Message      string       `json:"message"`
		CaseNo       string       `json:"case_no"`
		NextOpen     *time.Time   `json:"next_open"`
		Alternatives []kiosk.Slot `json:"alternatives"`
	} `json:"error"`
}

func (r *response) v11() v11Error {
	var eb v11Error
	if r != nil {
		_ = json.Unmarshal(r.body, &eb)
	}
	return eb
}

// created accepts 201, or 200 with Idempotent-Replayed (replayed).
func created(op string, r *response) (replayed bool, err error) {
	switch {
	case r.status == http.StatusCreated:
		return false, nil
	case r.status == http.StatusOK && strings.EqualFold(r.header.Get("Idempotent-Replayed"), "true"):
		return true, nil
	}
	return false, &Error{Op: op, Status: r.status, Code: "unexpected_status", Err: ErrNotReplayed}
}

// rejected turns a final 422 into an *Error that also wraps a
// *kiosk.RejectedError, so that callers may use either.
func rejected(e *Error) *Error {
	rej := &kiosk.RejectedError{Code: e.Code, Message: e.Message, CaseNo: e.CaseNo}
	for _, f := range e.Fields {
		rej.Fields = append(rej.Fields, kiosk.FieldProblem{Field: f.Field, Reason: f.Message})
	}
	e.Err = rej
	return e
}

func badRequest(op, msg string) error {
	return &Error{Op: op, Code: "bad_request", Message: msg, Err: ErrBadSubmission}
}

func badResponse(op string, status int, msg string) error {
	return &Error{Op: op, Status: status, Code: "bad_response", Message: msg, Err: ErrBadResponse}
}

// Center fetches the terminal's centre. With the ETag of the cached one it
// may answer notModified (304). Opening hours with a malformed time, a
// weekday out of 1..7 or a close not after the open are dropped, as are
// exceptions with a malformed date or time; the rest is kept.
func (c *Client) Center(ctx context.Context, etag string) (kiosk.Center, string, bool, error) {
	hdr := http.Header{}
	if etag != "" {
		hdr.Set("If-None-Match", etag)
	}
	r, err := c.do(ctx, "center", http.MethodGet, "/v1/center", nil, hdr, c.cfg.MaxResponseBytes)
	if err != nil {
		return kiosk.Center{}, "", false, err
	}
	switch r.status {
	case http.StatusNotModified:
		return kiosk.Center{}, etag, true, nil
	case http.StatusOK:
	default:
		return kiosk.Center{}, "", false, &Error{Op: "center", Status: r.status, Code: "unexpected_status", Err: ErrBadResponse}
	}
	var ce kiosk.Center
	if err := decode("center", r, &ce); err != nil {
		return kiosk.Center{}, "", false, err
	}
	if strings.TrimSpace(ce.Name) == "" {
		return kiosk.Center{}, "", false, badResponse("center", r.status, "centre without a name")
	}
	ce.Hours = cleanHours(ce.Hours)
	ce.Exceptions = cleanExceptions(ce.Exceptions)
	if ce.Counters == nil {
		ce.Counters = []kiosk.Counter{}
	}
	return ce, r.header.Get("ETag"), false, nil
}

// clockMinutes reads "HH:MM" (00:00 … 24:00).
func clockMinutes(s string) (int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	h, m := 0, 0
	for i, ch := range s {
		if i == 2 {
			continue
		}
		if ch < '0' || ch > '9' {
			return 0, false
		}
		if i < 2 {
			h = h*10 + int(ch-'0')
		} else {
			m = m*10 + int(ch-'0')
		}
	}
	if m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, false
	}
	return h*60 + m, true
}

func cleanHours(in []kiosk.OpeningHours) []kiosk.OpeningHours {
	out := []kiosk.OpeningHours{}
	for _, h := range in {
		o, ok1 := clockMinutes(h.Open)
		cl, ok2 := clockMinutes(h.Close)
		if !ok1 || !ok2 || h.Weekday < 1 || h.Weekday > 7 || cl <= o {
			continue
		}
		out = append(out, h)
	}
	return out
}

func cleanExceptions(in []kiosk.HoursException) []kiosk.HoursException {
	out := []kiosk.HoursException{}
	for _, e := range in {
		if _, err := time.Parse(kiosk.DateLayout, e.Date); err != nil {
			continue
		}
		if !e.Closed {
			o, ok1 := clockMinutes(e.Open)
			cl, ok2 := clockMinutes(e.Close)
			if !ok1 || !ok2 || cl <= o {
				continue
			}
		}
		out = append(out, e)
	}
	return out
}

// Queue fetches the live queue. Negative counts and waits are read as 0;
// categories the terminal does not know are kept as they are.
func (c *Client) Queue(ctx context.Context) (kiosk.QueueState, error) {
	r, err := c.do(ctx, "queue", http.MethodGet, "/v1/queue", nil, nil, c.cfg.MaxResponseBytes)
	if err != nil {
		return kiosk.QueueState{}, err
	}
	if r.status != http.StatusOK {
		return kiosk.QueueState{}, &Error{Op: "queue", Status: r.status, Code: "unexpected_status", Err: ErrBadResponse}
	}
	var q kiosk.QueueState
	if err := decode("queue", r, &q); err != nil {
		return kiosk.QueueState{}, err
	}
	if q.Categories == nil {
		q.Categories = []kiosk.QueueCategory{}
	}
	for i := range q.Categories {
		q.Categories[i].Waiting = max(q.Categories[i].Waiting, 0)
		q.Categories[i].EstWaitMinutes = max(q.Categories[i].EstWaitMinutes, 0)
	}
	return q, nil
}

type holderBody struct {
	IDNumber string `json:"id_number"`
	Name     string `json:"name"`
}

// TakeTicket takes a queue ticket with ticketID as Idempotency-Key (a ULID
// or UUID made on the terminal; a retry with the same id never makes a
// second ticket). The holder's number and name, when given, go in the
// body only. 409 center_closed is a *kiosk.CenterClosedError, 409
// category_closed wraps kiosk.ErrCategoryClosed, a 422 wraps a
// *kiosk.RejectedError; all three are final. A ticket number longer than
// MaxTicketNoLen is a bad response, never a ticket.
func (c *Client) TakeTicket(ctx context.Context, ticketID string, t kiosk.TicketRequest) (kiosk.Ticket, error) {
	if !kiosk.ValidSubmissionID(ticketID) {
		return kiosk.Ticket{}, badRequest("ticket", "ticket id is not a ULID or UUID")
	}
	in := struct {
		TicketID   string      `json:"ticket_id"`
		TerminalID string      `json:"terminal_id"`
		Category   string      `json:"category"`
		ItemCode   string      `json:"item_code,omitempty"`
		Reason     string      `json:"reason"`
		Holder     *holderBody `json:"holder,omitempty"`
	}{ticketID, c.cfg.TerminalID, t.Category, t.ItemCode, t.Reason, nil}
	if t.Holder != nil && t.Holder.IDNumber != "" {
		in.Holder = &holderBody{t.Holder.IDNumber, t.Holder.Name}
	}
	hdr := http.Header{}
	hdr.Set("Idempotency-Key", ticketID)
	r, err := c.do(ctx, "ticket", http.MethodPost, "/v1/tickets", in, hdr, c.cfg.MaxResponseBytes)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			switch {
			case e.Status == http.StatusConflict && e.Code == "center_closed":
				cc := &kiosk.CenterClosedError{Message: e.Message}
				if eb := r.v11(); eb.Error.NextOpen != nil {
					cc.Next = *eb.Error.NextOpen
				}
				e.Err = cc
			case e.Status == http.StatusConflict && e.Code == "category_closed":
				e.Err = kiosk.ErrCategoryClosed
			case e.Status == http.StatusUnprocessableEntity:
				rejected(e)
			}
		}
		return kiosk.Ticket{}, err
	}
	if _, err := created("ticket", r); err != nil {
		return kiosk.Ticket{}, err
	}
	var tk kiosk.Ticket
	if err := decode("ticket", r, &tk); err != nil {
		return kiosk.Ticket{}, err
	}
	switch n := utf8.RuneCountInString(tk.TicketNo); {
	case strings.TrimSpace(tk.TicketNo) == "":
		return kiosk.Ticket{}, &Error{Op: "ticket", Status: r.status, Code: "bad_ticket", Message: "no ticket_no", Err: errors.Join(ErrBadTicket, ErrBadResponse)}
	case n > MaxTicketNoLen:
		return kiosk.Ticket{}, &Error{Op: "ticket", Status: r.status, Code: "bad_ticket",
			Message: "ticket_no of " + itoa(n) + " characters, over " + itoa(MaxTicketNoLen) + ": the queue system's ticket cannot be shown",
			Err:     errors.Join(ErrBadTicket, ErrBadResponse)}
	}
	tk.WaitingAhead = max(tk.WaitingAhead, 0)
	tk.EstWaitMinutes = max(tk.EstWaitMinutes, 0)
	return tk, nil
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// Slots lists the bookable slots of a counter category from day from to day
// to (both included, at most MaxSlotDays, in the centre's zone). Slots
// already begun are dropped, the rest sorted by start; a slot id seen twice
// is kept once (the first), negative remaining counts read as 0.
func (c *Client) Slots(ctx context.Context, category string, from, to time.Time) ([]kiosk.Slot, error) {
	zone := kiosk.Zone()
	f, t := from.In(zone), to.In(zone)
	fd := time.Date(f.Year(), f.Month(), f.Day(), 0, 0, 0, 0, zone)
	td := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, zone)
	if strings.TrimSpace(category) == "" {
		return nil, badRequest("slots", "no category")
	}
	if td.Before(fd) || td.Sub(fd) >= MaxSlotDays*24*time.Hour {
		return nil, badRequest("slots", "the window must run forward over at most 31 days")
	}
	q := url.Values{}
	q.Set("category", category)
	q.Set("from", fd.Format(kiosk.DateLayout))
	q.Set("to", td.Format(kiosk.DateLayout))
	r, err := c.do(ctx, "slots", http.MethodGet, "/v1/appointments/slots?"+q.Encode(), nil, nil, c.cfg.MaxResponseBytes)
	if err != nil {
		return nil, err
	}
	if r.status != http.StatusOK {
		return nil, &Error{Op: "slots", Status: r.status, Code: "unexpected_status", Err: ErrBadResponse}
	}
	var out struct {
		Slots []kiosk.Slot `json:"slots"`
	}
	if err := decode("slots", r, &out); err != nil {
		return nil, err
	}
	return cleanSlots(out.Slots, c.now()), nil
}

func cleanSlots(in []kiosk.Slot, now time.Time) []kiosk.Slot {
	out := []kiosk.Slot{}
	seen := map[string]bool{}
	for _, s := range in {
		if s.ID == "" || seen[s.ID] || s.Start.IsZero() || !s.End.After(s.Start) || s.Start.Before(now) {
			continue
		}
		seen[s.ID] = true
		s.Remaining = max(s.Remaining, 0)
		out = append(out, s)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out
}

func (c *Client) now() time.Time {
	if c.cfg.Now != nil {
		return c.cfg.Now()
	}
	return time.Now()
}

type applicantBody struct {
	IDNumber string `json:"id_number"`
	Name     string `json:"name"`
	Phone    string `json:"phone"`
}

// appointmentBody is an appointment on the wire.
type appointmentBody struct {
	No   string `json:"appointment_no"`
	Slot struct {
		Start time.Time `json:"start"`
		End   time.Time `json:"end"`
	} `json:"slot"`
	Category string `json:"category"`
	ItemCode string `json:"item_code"`
	Center   struct {
		Name    string `json:"name"`
		Address string `json:"address"`
	} `json:"center"`
	Status    string `json:"status"`
	StatusURL string `json:"status_url"`
}

func (a appointmentBody) domain() kiosk.Appointment {
	return kiosk.Appointment{No: a.No, Start: a.Slot.Start, End: a.Slot.End, Category: a.Category, ItemCode: a.ItemCode,
		CenterName: a.Center.Name, CenterAddress: a.Center.Address, Status: a.Status, StatusURL: a.StatusURL}
}

// Book books a slot with r.ID as Idempotency-Key: a retry under the same
// id answers the same booking (replayed). 409 slot_full is a
// *kiosk.SlotFullError with the server's alternatives, 409 already_booked
// wraps kiosk.ErrAlreadyBooked, a 422 wraps a *kiosk.RejectedError; all
// final.
func (c *Client) Book(ctx context.Context, a kiosk.AppointmentRequest) (kiosk.Appointment, bool, error) {
	if !kiosk.ValidSubmissionID(a.ID) {
		return kiosk.Appointment{}, false, badRequest("book", "appointment id is not a ULID or UUID")
	}
	in := struct {
		ID         string        `json:"appointment_id"`
		TerminalID string        `json:"terminal_id"`
		SlotID     string        `json:"slot_id"`
		ItemCode   string        `json:"item_code"`
		Applicant  applicantBody `json:"applicant"`
		Agent      *kiosk.Agent  `json:"agent,omitempty"`
	}{a.ID, c.cfg.TerminalID, a.SlotID, a.ItemCode, applicantBody{a.Applicant.IDNumber, a.Applicant.Name, a.Phone}, a.Agent}
	hdr := http.Header{}
	hdr.Set("Idempotency-Key", a.ID)
	r, err := c.do(ctx, "book", http.MethodPost, "/v1/appointments", in, hdr, c.cfg.MaxResponseBytes)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			switch {
			case e.Status == http.StatusConflict && e.Code == "slot_full":
				alts := cleanSlots(r.v11().Error.Alternatives, c.now())
				if len(alts) > 3 {
					alts = alts[:3]
				}
				e.Err = &kiosk.SlotFullError{Alternatives: alts}
			case e.Status == http.StatusConflict && e.Code == "already_booked":
				e.Err = kiosk.ErrAlreadyBooked
			case e.Status == http.StatusUnprocessableEntity:
				rejected(e)
			}
		}
		return kiosk.Appointment{}, false, err
	}
	replayed, err := created("book", r)
	if err != nil {
		return kiosk.Appointment{}, false, err
	}
	var ab appointmentBody
	if err := decode("book", r, &ab); err != nil {
		return kiosk.Appointment{}, false, err
	}
	if ab.No == "" || ab.Slot.Start.IsZero() {
		return kiosk.Appointment{}, false, badResponse("book", r.status, "no appointment_no or slot")
	}
	return ab.domain(), replayed, nil
}

// Appointments lists the person's bookings from today on, soonest first.
// The number and name go in the body.
func (c *Client) Appointments(ctx context.Context, idNumber, name string) ([]kiosk.Appointment, error) {
	in := holderBody{idNumber, name}
	r, err := c.do(ctx, "appointments", http.MethodPost, "/v1/appointments/query", in, nil, c.cfg.MaxResponseBytes)
	if err != nil {
		return nil, err
	}
	if r.status != http.StatusOK {
		return nil, &Error{Op: "appointments", Status: r.status, Code: "unexpected_status", Err: ErrBadResponse}
	}
	var out struct {
		Appointments []appointmentBody `json:"appointments"`
	}
	if err := decode("appointments", r, &out); err != nil {
		return nil, err
	}
	list := make([]kiosk.Appointment, 0, len(out.Appointments))
	for _, a := range out.Appointments {
		if a.No == "" {
			continue
		}
		list = append(list, a.domain())
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].Start.Before(list[j].Start) })
	return list, nil
}

// CancelAppointment cancels the person's booking; cancelling twice
// succeeds. A 404 with the server's error body (no such booking of that
// person) wraps kiosk.ErrNoSuchAppointment and is final.
func (c *Client) CancelAppointment(ctx context.Context, appointmentNo, idNumber, name string) error {
	in := struct {
		No       string `json:"appointment_no"`
		IDNumber string `json:"id_number"`
		Name     string `json:"name"`
	}{appointmentNo, idNumber, name}
	r, err := c.do(ctx, "cancel", http.MethodPost, "/v1/appointments/cancel", in, nil, c.cfg.MaxResponseBytes)
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Status == http.StatusNotFound && r != nil && r.v11().Error.Code != "" {
			e.Err = kiosk.ErrNoSuchAppointment
		}
		return err
	}
	if r.status != http.StatusOK {
		return &Error{Op: "cancel", Status: r.status, Code: "unexpected_status", Err: ErrBadResponse}
	}
	var out struct {
		Status string `json:"status"`
	}
	if err := decode("cancel", r, &out); err != nil {
		return err
	}
	if out.Status != "cancelled" {
		return badResponse("cancel", r.status, "status "+scrub(out.Status))
	}
	return nil
}

// Rate sends one rating with r.ID as Idempotency-Key; replayed is true when
// the server already had it. A rating that breaks the contract's rules
// (kiosk.Rating.Validate) is refused here, final, without being sent; a
// 422 wraps a *kiosk.RejectedError. The body never holds an ID number.
func (c *Client) Rate(ctx context.Context, rt kiosk.Rating) (bool, error) {
	if !kiosk.ValidSubmissionID(rt.ID) {
		return false, badRequest("rate", "rating id is not a ULID or UUID")
	}
	if err := rt.Validate(); err != nil {
		return false, badRequest("rate", err.Error())
	}
	if rt.Reasons == nil {
		rt.Reasons = []string{}
	}
	in := struct {
		kiosk.Rating
		TerminalID string `json:"terminal_id"`
	}{rt, c.cfg.TerminalID}
	hdr := http.Header{}
	hdr.Set("Idempotency-Key", rt.ID)
	r, err := c.do(ctx, "rate", http.MethodPost, "/v1/ratings", in, hdr, c.cfg.MaxResponseBytes)
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Status == http.StatusUnprocessableEntity {
			rejected(e)
		}
		return false, err
	}
	replayed, err := created("rate", r)
	if err != nil {
		return false, err
	}
	var out struct {
		ID     string `json:"rating_id"`
		Status string `json:"status"`
	}
	if err := decode("rate", r, &out); err != nil {
		return false, err
	}
	if out.Status != "recorded" {
		return false, badResponse("rate", r.status, "status "+scrub(out.Status))
	}
	return replayed, nil
}

// Assistance statuses.
const (
	AssistNotified         = "notified"
	AssistNoStaffAvailable = "no_staff_available"
)

// Assist calls staff (never queued: the caller gives it a short deadline).
// requestID is the Idempotency-Key; screen is a screen name, never personal
// data. status is AssistNotified or AssistNoStaffAvailable.
func (c *Client) Assist(ctx context.Context, requestID, screen, reason string, at time.Time) (status, message string, err error) {
	if !kiosk.ValidSubmissionID(requestID) {
		return "", "", badRequest("assist", "request id is not a ULID or UUID")
	}
	in := struct {
		RequestID  string    `json:"request_id"`
		TerminalID string    `json:"terminal_id"`
		At         time.Time `json:"at"`
		Screen     string    `json:"screen"`
		Reason     string    `json:"reason"`
	}{requestID, c.cfg.TerminalID, at, screen, reason}
	hdr := http.Header{}
	hdr.Set("Idempotency-Key", requestID)
	r, err := c.do(ctx, "assist", http.MethodPost, "/v1/assistance", in, hdr, c.cfg.MaxResponseBytes)
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Status == http.StatusUnprocessableEntity {
			rejected(e)
		}
		return "", "", err
	}
	if _, err := created("assist", r); err != nil {
		return "", "", err
	}
	var out struct {
		Status  string `json:"status"`
		Message string `json:"message"`
	}
	if err := decode("assist", r, &out); err != nil {
		return "", "", err
	}
	switch out.Status {
	case AssistNotified, AssistNoStaffAvailable:
	default:
		return "", "", badResponse("assist", r.status, "status "+scrub(out.Status))
	}
	return out.Status, scrub(out.Message), nil
}
