package kiosk

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Version 1.1 of the central API: the centre, its queue (取号), appointments
// (预约), satisfaction ratings (好差评) and calls for staff. The types here are
// what the screens see; kiosk/intake speaks them on the wire and
// kiosk/backend serves them through the interfaces below.

// Center is the terminal's community affairs service centre (GET /v1/center).
type Center struct {
	ID         string           `json:"center_id"`
	Name       string           `json:"name"`
	Address    string           `json:"address"`
	Hotline    string           `json:"hotline"`
	Hours      []OpeningHours   `json:"hours"`
	Exceptions []HoursException `json:"exceptions"`
	Counters   []Counter        `json:"counters"`
}

// OpeningHours is one opening span of a weekday (1 = Monday … 7 = Sunday);
// a weekday may have more than one span, or none (closed).
type OpeningHours struct {
	Weekday int    `json:"weekday"`
	Open    string `json:"open"`  // "HH:MM", the centre's local time
	Close   string `json:"close"` // "HH:MM"
}

// HoursException replaces a date's regular hours: closed, or other hours.
type HoursException struct {
	Date   string `json:"date"` // YYYY-MM-DD
	Open   string `json:"open,omitempty"`
	Close  string `json:"close,omitempty"`
	Closed bool   `json:"closed,omitempty"`
}

// Counter is a group of counters that take one category of items
// (CounterGeneral: 综合窗口).
type Counter struct {
	Category string `json:"category"`
	Name     string `json:"name"`
}

// CounterGeneral is the category of the centre's general counters.
const CounterGeneral = "general"

// QueueState is the centre's live queue (GET /v1/queue).
type QueueState struct {
	AsOf       time.Time       `json:"as_of"`
	Open       bool            `json:"open"`
	Categories []QueueCategory `json:"categories"`
}

// QueueCategory is one counter category's queue.
type QueueCategory struct {
	Category       string `json:"category"`
	Waiting        int    `json:"waiting"`
	EstWaitMinutes int    `json:"est_wait_minutes"`
	Serving        string `json:"serving,omitempty"` // ticket number being served, "" when none
}

// Reasons a ticket is taken (TicketRequest.Reason).
const (
	TicketForwardedItem  = "forwarded_item"
	TicketMaterialsCheck = "materials_check"
	TicketCardProblem    = "card_problem"
	TicketResidentChoice = "resident_choice"
)

// TicketRequest asks for a queue ticket (POST /v1/tickets). Holder is the
// identified resident, nil when the resident did not identify.
type TicketRequest struct {
	Category string
	ItemCode string
	Reason   string
	Holder   *Person
}

// Ticket is a queue ticket the centre's queue system issued.
type Ticket struct {
	TicketNo       string    `json:"ticket_no"`
	Category       string    `json:"category"`
	WaitingAhead   int       `json:"waiting_ahead"`
	EstWaitMinutes int       `json:"est_wait_minutes"`
	IssuedAt       time.Time `json:"issued_at"`
	ValidUntil     time.Time `json:"valid_until"`
	StatusURL      string    `json:"status_url"`
}

// Slot is a bookable appointment slot.
type Slot struct {
	ID        string    `json:"slot_id"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Remaining int       `json:"remaining"`
}

// AppointmentRequest books a slot (POST /v1/appointments). ID is the
// idempotency key: a booking whose answer was lost is retried under the same
// ID, so it is never booked twice.
type AppointmentRequest struct {
	ID        string
	SlotID    string
	ItemCode  string
	Applicant Person
	Phone     string
	Agent     *Agent
}

// Appointment is a booked counter visit.
type Appointment struct {
	No            string    `json:"appointment_no"`
	Start         time.Time `json:"start"`
	End           time.Time `json:"end"`
	Category      string    `json:"category"`
	ItemCode      string    `json:"item_code,omitempty"`
	CenterName    string    `json:"center_name"`
	CenterAddress string    `json:"center_address"`
	Status        string    `json:"status"` // "booked" or "cancelled"
	StatusURL     string    `json:"status_url"`
}

// Services a rating is about (Rating.Service).
const (
	RateSubmission  = "submission"
	RateCaseQuery   = "case_query"
	RateTicket      = "ticket"
	RateAppointment = "appointment"
	RateGuide       = "guide"
)

// Reason codes of a poor rating (level 1 or 2).
var RatingReasons = []string{"efficiency", "competence", "attitude", "guide_accuracy", "convenience", "usability"}

// Rating is one 好差评 (POST /v1/ratings): level 1 (非常不满意) … 5 (非常满意);
// reasons only, and at least one, for level 1 and 2. It never holds an ID
// number: a rating about a case, ticket or appointment names its number.
type Rating struct {
	ID            string    `json:"rating_id"`
	At            time.Time `json:"at"`
	Service       string    `json:"service"`
	CaseNo        string    `json:"case_no,omitempty"`
	TicketNo      string    `json:"ticket_no,omitempty"`
	AppointmentNo string    `json:"appointment_no,omitempty"`
	ItemCode      string    `json:"item_code,omitempty"`
	Level         int       `json:"level"`
	Reasons       []string  `json:"reasons"`
}

// Validate checks the rules of the contract the server would refuse with 422.
func (r Rating) Validate() error {
	if r.Level < 1 || r.Level > 5 {
		return fmt.Errorf("kiosk: rating level %d out of 1..5", r.Level)
	}
	if r.Level <= 2 && len(r.Reasons) == 0 {
		return errors.New("kiosk: a poor rating needs at least one reason")
	}
	if r.Level > 2 && len(r.Reasons) > 0 {
		return errors.New("kiosk: only a poor rating carries reasons")
	}
	for _, c := range r.Reasons {
		ok := false
		for _, k := range RatingReasons {
			ok = ok || c == k
		}
		if !ok {
			return fmt.Errorf("kiosk: unknown rating reason %q", c)
		}
	}
	switch r.Service {
	case RateSubmission, RateCaseQuery, RateTicket, RateAppointment, RateGuide:
	default:
		return fmt.Errorf("kiosk: unknown rated service %q", r.Service)
	}
	return nil
}

// Reasons for a call for staff (POST /v1/assistance).
const (
	AssistResident    = "resident_request"
	AssistDeviceFault = "device_fault"
	AssistIdleHelp    = "idle_help"
	AssistCardLeft    = "card_left"
)

// AssistanceResult says who, if anyone, confirmed a call for staff.
// Notified is true only when the centre answered "notified" or the local
// hook confirmed; the screens promise help only then.
type AssistanceResult struct {
	Notified bool
	Centre   string // the centre's status: "notified", "no_staff_available", or "" when it was not reached
	Hook     bool   // the local hook (bell, pager) confirmed
	Message  string // the centre's message, if any
}

// Errors of the v1.1 services, wrapped by implementations.
var (
	// ErrOffline: the central system could not be reached (tickets and
	// bookings need it; nothing was made up).
	ErrOffline = errors.New("kiosk: the central system cannot be reached")
	// ErrAlreadyBooked: the person already holds a booking for that item
	// on that day (409 already_booked).
	ErrAlreadyBooked = errors.New("kiosk: already booked for that item on that day")
	// ErrNoSuchAppointment: cancel found no such booking of that person.
	ErrNoSuchAppointment = errors.New("kiosk: no such appointment")
	// ErrCategoryClosed: the counters of that category take no tickets now.
	ErrCategoryClosed = errors.New("kiosk: that counter takes no tickets now")
)

// CenterClosedError is 409 center_closed: no tickets now; Message says when
// the centre opens next, Next is that time when the terminal knows it.
type CenterClosedError struct {
	Message string
	Next    time.Time
}

func (e *CenterClosedError) Error() string { return "kiosk: centre closed: " + e.Message }

// SlotFullError is 409 slot_full: the slot filled meanwhile; Alternatives
// are up to three other slots the server offers.
type SlotFullError struct {
	Alternatives []Slot
}

func (e *SlotFullError) Error() string {
	return fmt.Sprintf("kiosk: slot full (%d alternatives)", len(e.Alternatives))
}

// CenterService is the centre as the screens see it. Center comes from a
// cache kept for offline use (fresh is false when it could not be
// refreshed); Queue and TakeTicket need the network and fail at once with
// ErrOffline when the terminal knows it is offline.
type CenterService interface {
	Center(ctx context.Context) (c *Center, fresh bool, err error)
	Queue(ctx context.Context) (*QueueState, error)
	TakeTicket(ctx context.Context, r TicketRequest) (Ticket, error)
}

// AppointmentService books, lists and cancels appointments. Book keeps the
// request's ID until an answer arrives, so a retry never books twice.
type AppointmentService interface {
	Slots(ctx context.Context, category string, from, to time.Time) ([]Slot, error)
	Book(ctx context.Context, r AppointmentRequest) (Appointment, error)
	Appointments(ctx context.Context, p Person) ([]Appointment, error)
	Cancel(ctx context.Context, appointmentNo string, p Person) error
}

// RatingService takes a rating durably (the outbox) and sends it later: a
// nil error means it is stored and will be sent exactly once.
type RatingService interface {
	Rate(ctx context.Context, r Rating) error
}

// Assistance calls staff: the centre (POST /v1/assistance) and the local
// hook, in parallel, each with a short timeout. screen is a screen name,
// never personal data.
type Assistance interface {
	CallStaff(ctx context.Context, screen, reason string) AssistanceResult
}
