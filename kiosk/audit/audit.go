// Package audit is the terminal's append-only, hash-chained audit trail
// (电子监察): every service step and every maintenance action becomes a
// kiosk.AuditEvent whose hash covers the previous event's hash and its own
// canonical JSON (intake-api.md, POST /v1/audit), so a row edited, deleted
// or moved in the database breaks the chain at that row.
//
// The package holds the logic only; storage is an interface that the store
// implements (and audittest.Memory for tests). It imports no SQL.
package audit

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/pudong-community/kiosk/kiosk"
)

// Kind is the kind of an audit event.
type Kind string

// Event kinds. Subjects are masked ID numbers (kiosk.MaskID) or, for
// events about no person, an empty string or a device or staff name.
const (
	VisitStart          Kind = "visit_start"          // detail: visit number
	VisitEnd            Kind = "visit_end"            // detail: timeout | card_removed | finished
	CardRead            Kind = "card_read"            // subject: masked number; detail: card type
	CardRefused         Kind = "card_refused"         // detail: expired | unreadable | unsupported
	AgentAuthorised     Kind = "agent_authorised"     // subject: masked agent; detail: masked resident, reference
	CasesQueried        Kind = "cases_queried"        // subject: masked number; detail: online | from cache, how many cases
	SubmissionConfirmed Kind = "submission_confirmed" // detail: submission id, item code
	SubmissionSent      Kind = "submission_sent"      // subject: masked applicant; detail: submission id, local number, case number
	SubmissionParked    Kind = "submission_parked"    // subject: masked applicant; detail: submission id, local number, reason code
	ReceiptPrinted      Kind = "receipt_printed"      // detail: submission id or case number
	MaintenanceEntry    Kind = "maintenance_entry"    // detail: pin | staff_card
	MaintenanceExit     Kind = "maintenance_exit"
	PINFailure          Kind = "pin_failure"         // detail: attempt count
	PINLockout          Kind = "pin_lockout"         // detail: lockout length
	ParkedRetry         Kind = "parked_retry"        // subject: masked applicant; detail: submission id, local number (and the error when it failed)
	ParkedDiscard       Kind = "parked_discard"      // subject: masked applicant; detail: submission id, local number, staff's reason (and the error when it failed)
	OutboxSendNow       Kind = "outbox_send_now"     // staff: send the queue now; detail: how many were woken, or the error
	CatalogRefresh      Kind = "catalog_refresh"     // staff: fetch the catalogue now; detail: version and items, or the error
	DeviceState         Kind = "device_state"        // subject: device; detail: old -> new state
	ConfigChanged       Kind = "config_changed"      // at start: detail "initial" on the first start, else the changed keys' names, never values
	AuditVerified       Kind = "audit_verified"      // detail: events checked, result
	DatabaseRecovered   Kind = "database_recovered"  // subject: the kept file's name; detail: what was recovered and lost
	DatabaseNoticeAck   Kind = "database_notice_ack" // detail: how many recovery notices staff acknowledged
	// Version 1.1: the centre's queue, appointments, ratings and calls for staff.
	TicketIssued         Kind = "ticket_issued"         // subject: masked holder or ""; detail: ticket number, category, reason
	AppointmentBooked    Kind = "appointment_booked"    // subject: masked applicant; detail: appointment number, item code, slot
	AppointmentCancelled Kind = "appointment_cancelled" // subject: masked applicant; detail: appointment number
	RatingRecorded       Kind = "rating_recorded"       // detail: rating id, service, level, the rated number
	StaffCalled          Kind = "staff_called"          // subject: screen; detail: reason, who confirmed (centre status, hook)
)

// Kinds lists every declared kind, for the test that each is written.
var Kinds = []Kind{
	VisitStart, VisitEnd, CardRead, CardRefused, AgentAuthorised, CasesQueried,
	SubmissionConfirmed, SubmissionSent, SubmissionParked, ReceiptPrinted,
	MaintenanceEntry, MaintenanceExit, PINFailure, PINLockout, ParkedRetry, ParkedDiscard,
	OutboxSendNow, CatalogRefresh, DeviceState, ConfigChanged, AuditVerified,
	DatabaseRecovered, DatabaseNoticeAck,
	TicketIssued, AppointmentBooked, AppointmentCancelled, RatingRecorded, StaffCalled,
}

// Limits of an event's text.
const (
	MaxSubject = 128
	MaxDetail  = 4096
)

// Sentinel errors.
var (
	ErrBadKind    = errors.New("audit: bad event kind")
	ErrFullID     = errors.New("audit: text looks like a full ID number; mask it with kiosk.MaskID")
	ErrTooLong    = errors.New("audit: text too long")
	ErrBadText    = errors.New("audit: text is not valid UTF-8")
	ErrBroken     = errors.New("audit: chain broken")
	ErrStorage    = errors.New("audit: storage")
	ErrConflict   = errors.New("audit: seq already taken") // returned by storages on a duplicate seq
	errNilStorage = errors.New("audit: nil storage")
)

// Storage keeps the trail. Implementations must give back events exactly as
// appended: every field, including At's instant and UTC offset (store it as
// RFC 3339 text), or the hashes will not verify.
type Storage interface {
	// Append stores ev, whose Seq is one more than the last one's; it
	// returns an error wrapping ErrConflict if that seq is taken.
	Append(ctx context.Context, ev kiosk.AuditEvent) error
	// Last returns the event with the highest seq, or a zero event (Seq 0)
	// when the trail is empty.
	Last(ctx context.Context) (kiosk.AuditEvent, error)
	// Range returns up to n events with seq >= fromSeq in seq order.
	Range(ctx context.Context, fromSeq int64, n int) ([]kiosk.AuditEvent, error)
}

// Trail records and verifies the audit trail over a Storage. Record is safe
// for concurrent use within one process; the storage's seq uniqueness
// guards against a second writer.
type Trail struct {
	st  Storage
	now func() time.Time
	mu  sync.Mutex
}

// New returns a trail over st. now is the clock (nil: time.Now).
func New(st Storage, now func() time.Time) (*Trail, error) {
	if st == nil {
		return nil, errNilStorage
	}
	if now == nil {
		now = time.Now
	}
	return &Trail{st: st, now: now}, nil
}

// Record appends one event, chaining it to the last one. An event is never
// refused for its text: the subject and the detail are made fit for the
// trail by Clean (a word that looks like a full ID number masked, invalid
// UTF-8 replaced, an over-long text cut with a marker), so that what
// happened is on record even when a caller's text was wrong. Only a bad
// kind (a programming error) and the storage fail it.
func (t *Trail) Record(ctx context.Context, kind Kind, subject, detail string) (kiosk.AuditEvent, error) {
	if err := checkKind(kind); err != nil {
		return kiosk.AuditEvent{}, err
	}
	subject, detail = Clean(subject, MaxSubject), Clean(detail, MaxDetail)
	t.mu.Lock()
	defer t.mu.Unlock()
	for try := 1; ; try++ {
		last, err := t.st.Last(ctx)
		if err != nil {
			return kiosk.AuditEvent{}, fmt.Errorf("%w: last: %w", ErrStorage, err)
		}
		ev := kiosk.AuditEvent{
			Seq:      last.Seq + 1,
			At:       t.now().In(kiosk.Zone()).Truncate(time.Millisecond),
			Kind:     string(kind),
			Subject:  subject,
			Detail:   detail,
			PrevHash: last.Hash,
		}.Seal()
		err = t.st.Append(ctx, ev)
		if err == nil {
			return ev, nil
		}
		// Another writer (a diag command beside the running terminal) took
		// the seq: chain to its event instead, a few times.
		if !errors.Is(err, ErrConflict) || try == maxConflicts {
			return kiosk.AuditEvent{}, fmt.Errorf("%w: append seq %d: %w", ErrStorage, ev.Seq, err)
		}
	}
}

// maxConflicts is how often Record tries to chain an event when another
// writer keeps taking the next seq.
const maxConflicts = 3

// Latest returns up to n of the newest events, oldest first.
func (t *Trail) Latest(ctx context.Context, n int) ([]kiosk.AuditEvent, error) {
	if n <= 0 {
		return nil, nil
	}
	last, err := t.st.Last(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: last: %w", ErrStorage, err)
	}
	if last.Seq == 0 {
		return nil, nil
	}
	from := max(last.Seq-int64(n)+1, 1)
	evs, err := t.st.Range(ctx, from, n)
	if err != nil {
		return nil, fmt.Errorf("%w: range: %w", ErrStorage, err)
	}
	return evs, nil
}

func checkKind(k Kind) error {
	if k == "" || len(k) > 64 {
		return ErrBadKind
	}
	for _, r := range k {
		if (r < 'a' || r > 'z') && r != '_' {
			return ErrBadKind
		}
	}
	return nil
}

// CheckText reports whether s may enter the trail: valid UTF-8, at most max
// bytes, and no word that looks like a full ID number: 15 or more digits
// alone (an old 15-digit or an 18-digit number), optionally ending in X. A
// masked number (at most 4 digits in a row) and codes that mix digits and
// letters (submission ids, case numbers) pass.
func CheckText(s string, max int) error {
	if !utf8.ValidString(s) {
		return ErrBadText
	}
	if len(s) > max {
		return ErrTooLong
	}
	digits, letters, lastX := 0, 0, false
	flush := func() bool {
		bad := digits >= 15 && (letters == 0 || letters == 1 && lastX)
		digits, letters, lastX = 0, 0, false
		return bad
	}
	for _, r := range s {
		switch {
		case unicode.IsDigit(r):
			digits++
			lastX = false
		case r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'):
			letters++
			lastX = r == 'x' || r == 'X'
		default:
			if flush() {
				return ErrFullID
			}
		}
	}
	if flush() {
		return ErrFullID
	}
	return nil
}

// truncMarker ends a text Clean cut; %d is the text's whole length in
// bytes.
const truncMarker = "…[cut, %d bytes in all]"

// Clean makes s fit for the trail, so that CheckText(Clean(s, max), max)
// is nil (for max of at least 64) and a text CheckText accepts comes back
// unchanged:
//   - invalid UTF-8 is replaced by U+FFFD;
//   - a text longer than max bytes is cut on a rune boundary and ends with a
//     marker that says how long it was;
//   - every word CheckText would refuse as a full ID number (15 or more
//     digits alone, optionally ending in X) is masked as kiosk.MaskID
//     masks: its first four and last four characters stay.
func Clean(s string, max int) string {
	if CheckText(s, max) == nil {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) > max {
		marker := fmt.Sprintf(truncMarker, len(s))
		keep := max - len(marker)
		if keep < 0 {
			keep, marker = max, ""
		}
		for keep > 0 && !utf8.RuneStart(s[keep]) {
			keep--
		}
		s = s[:keep] + marker
	}
	return maskIDWords(s)
}

// maskIDWords masks the words CheckText refuses as full ID numbers, with
// CheckText's idea of a word: a run of digits (any script's) and ASCII
// letters. Masking never makes the text longer.
func maskIDWords(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	start := -1 // byte offset of the current word
	digits, letters, lastX := 0, 0, false
	flush := func(end int) {
		if start < 0 {
			return
		}
		w := s[start:end]
		if digits >= 15 && (letters == 0 || letters == 1 && lastX) {
			w = kiosk.MaskID(w)
		}
		b.WriteString(w)
		start, digits, letters, lastX = -1, 0, 0, false
	}
	for i, r := range s {
		switch {
		case unicode.IsDigit(r):
			if start < 0 {
				start = i
			}
			digits++
			lastX = false
		case r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'):
			if start < 0 {
				start = i
			}
			letters++
			lastX = r == 'x' || r == 'X'
		default:
			flush(i)
			b.WriteRune(r)
		}
	}
	flush(len(s))
	return b.String()
}
