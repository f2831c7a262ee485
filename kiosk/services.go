package kiosk

import (
	"context"
	"errors"
	"fmt"
	"image"
	"strings"
	"time"
)

// The small interfaces the resident screens consume. cmd/kiosk wires the
// real ones (store, outbox, intake client, receipt printer); kiosktest has
// in-memory fakes for tests.

// CatalogSource is the service catalogue as the terminal holds it.
type CatalogSource interface {
	// Catalog returns the whole catalogue (items in display order).
	Catalog(ctx context.Context) (*Catalog, error)
	// Search finds items by Chinese substring, pinyin initials ("dbsq"),
	// full pinyin, English words or code, best first, at most limit.
	Search(ctx context.Context, q string, limit int) ([]Item, error)
}

// SubmissionSummary is what the terminal still holds unsent for a resident:
// enough to tell them, nothing more personal than the item.
type SubmissionSummary struct {
	LocalNo   string
	ItemCode  string
	ItemName  string
	CreatedAt time.Time
	State     string // "pending", "inflight" or "parked"
}

// CaseSource answers "my cases".
type CaseSource interface {
	// Cases returns the resident's cases. online is false when the central
	// system could not be reached; cases may then come from a local cache.
	Cases(ctx context.Context, p Person) (cases []Case, online bool, err error)
	// Unsent lists submissions this terminal holds for the resident that
	// have not reached the central system yet.
	Unsent(ctx context.Context, idNumber string) ([]SubmissionSummary, error)
}

// Outcome is what became of a submission handed to a Submitter.
type Outcome struct {
	LocalNo  string    // local submission number, always set once stored
	Accepted *Accepted // the central system's answer when it was reached in time
	Queued   bool      // stored and waiting to be sent automatically
}

// Submitter stores a submission durably first and then tries to send it
// with a short deadline. A nil error means it is stored: either Accepted is
// set (sent) or Queued is true. ErrStorageFull means nothing was stored; a
// *RejectedError means the central system refused it for good.
type Submitter interface {
	Submit(ctx context.Context, s Submission) (Outcome, error)
}

// ReceiptData is everything a 受理回执 carries. Applicant and agent ID numbers
// are full here and only ever shown or printed masked (MaskID).
type ReceiptData struct {
	Center       string
	TerminalID   string
	ItemCode     string
	ItemName     string
	Applicant    string // name
	ApplicantID  string // full ID number; masked on paper and screen
	Agent        string // agent name, empty without an agent
	AgentID      string
	AuthRef      string // authorisation (委托书) reference
	LocalNo      string
	CaseNo       string // empty while queued
	Queued       bool   // 待发送: stored, sent automatically later
	ConfirmedAt  time.Time
	AcceptedAt   time.Time // zero while queued
	DueDate      string    // YYYY-MM-DD promised completion date
	HowToFollow  string    // Chinese first, then English
	QRPayload    string    // track URL, or the local number when queued
	ReprintCount int       // 0 for the first print
	// CaseStatus, when set, makes it a case status slip (办件进度单) of a
	// case looked up under 我的办件: its status, its result if final, and
	// when it was looked up. ConfirmedAt is then when it was submitted.
	CaseStatus CaseStatus
	CaseResult string
	StatusAsOf time.Time
	// CaseBring and CaseWhere, on the slip of a case that needs more
	// documents (需补正): what to bring, from the case's timeline, and
	// where to bring it.
	CaseBring, CaseWhere string
	// Ticket, when set, makes it a queue ticket slip (取号凭条): no
	// applicant, no item needed; Center, TerminalID and QRPayload (the
	// ticket's status_url) still apply.
	Ticket *TicketSlip
	// Appointment, when set, makes it an appointment slip (预约凭条) for
	// Applicant; Center, TerminalID, ItemName and QRPayload still apply.
	Appointment *AppointmentSlip
}

// TicketSlip is what a queue ticket slip states.
type TicketSlip struct {
	TicketNo       string
	CounterZH      string // the counter's name, e.g. 综合窗口
	CounterEN      string
	WaitingAhead   int
	EstWaitMinutes int
	IssuedAt       time.Time
	ValidUntil     time.Time // zero when the queue gave none
}

// AppointmentSlip is what an appointment slip states.
type AppointmentSlip struct {
	AppointmentNo string
	Start, End    time.Time
	CounterZH     string
	CounterEN     string
	Address       string
	BookedAt      time.Time
}

// String masks both ID numbers, so the data can be logged.
func (r ReceiptData) String() string {
	var b strings.Builder
	switch {
	case r.Ticket != nil:
		return "ticket slip " + r.Ticket.TicketNo
	case r.Appointment != nil:
		fmt.Fprintf(&b, "appointment slip %s %s applicant %s", r.Appointment.AppointmentNo, r.ItemCode, MaskID(r.ApplicantID))
		return b.String()
	}
	fmt.Fprintf(&b, "receipt %s %s applicant %s", r.LocalNo, r.ItemCode, MaskID(r.ApplicantID))
	if r.AgentID != "" {
		fmt.Fprintf(&b, " agent %s", MaskID(r.AgentID))
	}
	return b.String()
}

// GoString is String (%#v must not print the ID numbers either).
func (r ReceiptData) GoString() string { return r.String() }

// ReceiptService prints receipts and draws them for the screen. Print
// returns ErrPaperOut, ErrCoverOpen or ErrPrinterUnavailable (wrapped or
// not) when the printer cannot print.
type ReceiptService interface {
	Print(ctx context.Context, r ReceiptData) error
	Render(r ReceiptData) (image.Image, error)
}

// QREncoder draws a QR code of payload, about px pixels square, with its
// quiet zone.
type QREncoder interface {
	QR(payload string, px int) (image.Image, error)
}

// Errors of the services. Implementations wrap them so the screens can say
// what happened in plain words.
var (
	ErrStorageFull        = errors.New("kiosk: storage full, submission not saved")
	ErrRejected           = errors.New("kiosk: submission refused by the central system")
	ErrPaperOut           = errors.New("kiosk: printer out of paper")
	ErrCoverOpen          = errors.New("kiosk: printer cover open")
	ErrPrinterUnavailable = errors.New("kiosk: printer unavailable")
	// ErrPartPrintsLater comes with ErrPaperOut or ErrCoverOpen when part
	// of the stopped receipt is still in the printer: it prints, cut off
	// on its own, once the printer can print again, before any reprint.
	ErrPartPrintsLater = errors.New("kiosk: part of the receipt prints when the printer is ready again")
)

// FieldProblem is one field the central system found wrong.
type FieldProblem struct {
	Field  string // form key, or "applicant.id_number" and the like
	Reason string // the server's words; never personal data
}

// RejectedError is a final refusal (HTTP 422): the submission will not be
// sent again as it is.
type RejectedError struct {
	Code    string // e.g. "validation_failed", "card_expired", "not_eligible", "duplicate_application"
	Message string
	Fields  []FieldProblem
	// CaseNo is the open case a duplicate_application (409) names.
	CaseNo string
}

func (e *RejectedError) Error() string {
	s := "kiosk: submission refused: " + e.Code
	if e.Message != "" {
		s += ": " + e.Message
	}
	for _, f := range e.Fields {
		s += "; " + f.Field + ": " + f.Reason
	}
	return s
}

// Unwrap makes errors.Is(err, ErrRejected) true.
func (e *RejectedError) Unwrap() error { return ErrRejected }

// Readings gives the customary toneless pinyin syllable of a Chinese
// character ("zhang" for 张), for spelling names out in pinyin (catalogue
// search by pinyin and initials). CharacterTable implements it.
type Readings interface {
	Reading(r rune) (syllable string, ok bool)
}

// CharacterSource offers the Chinese characters read as a pinyin syllable
// (without tones, lower case: "zhang"), most common first, so a name can be
// keyed on the terminal without an input method.
type CharacterSource interface {
	Candidates(pinyin string, limit int) []string
	// Continues reports whether a longer syllable starts with prefix
	// ("y" of "yan"), so an unfinished syllable is not called wrong.
	Continues(prefix string) bool
}
