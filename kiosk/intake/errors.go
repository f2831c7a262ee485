package intake

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
)

// Sentinel errors of the client. They are wrapped by *Error where a call
// reached the network, or returned wrapped directly when it did not.
var (
	ErrConfig          = errors.New("intake: bad config")
	ErrRequestTooLarge = errors.New("intake: request body over 1 MiB")
	ErrBadSubmission   = errors.New("intake: bad submission")
	ErrResponseTooBig  = errors.New("intake: response body over limit")
	ErrBadResponse     = errors.New("intake: malformed response")
	ErrTransport       = errors.New("intake: transport error")
	// ErrNotSent: the request never left the terminal, so the central
	// system cannot have received it: the client got no connection to write
	// it on (none was made: no route, refused, name not found, dial
	// timeout; or its TLS handshake failed). It comes with ErrTransport,
	// and only from the built-in transport.
	ErrNotSent     = errors.New("intake: request not sent")
	ErrNotReplayed = errors.New("intake: 200 without Idempotent-Replayed")
	// ErrBadTicket: the queue system issued a ticket the terminal cannot
	// show (a number over MaxTicketNoLen characters, or none). Final: the
	// same request would answer the same ticket.
	ErrBadTicket = errors.New("intake: unusable ticket")
)

// FieldError is one field-level problem of a 422 answer.
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error is the outcome of a call that did not succeed. Status is the HTTP
// status, or 0 when no answer came (transport error, timeout).
type Error struct {
	Op         string // "catalog", "submit", "cases", "heartbeat", "audit"; v1.1: "center", "queue", "ticket", "slots", "book", "appointments", "cancel", "rate", "assist"
	Status     int
	Code       string // the server's machine code, or a client code: "transport", "unreachable" (not sent), "timeout", "bad_response"
	Message    string
	Fields     []FieldError
	RetryAfter time.Duration // from Retry-After on 429/503, 0 if absent
	// CaseNo is the open case a 409 duplicate_application names.
	CaseNo string
	Err    error // the cause: a sentinel above, a transport error
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "intake: %s: ", e.Op)
	if e.Status != 0 {
		fmt.Fprintf(&b, "%d ", e.Status)
	}
	b.WriteString(e.Code)
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	for i, f := range e.Fields {
		if i == 0 {
			b.WriteString(" [")
		} else {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s %s", f.Field, f.Code)
		if i == len(e.Fields)-1 {
			b.WriteString("]")
		}
	}
	if e.Err != nil && e.Status == 0 {
		fmt.Fprintf(&b, " (%v)", e.Err)
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Final reports whether retrying the same request cannot succeed: 400, 401,
// 403, 409, 413 and 422 are final, and a cancel's 404 (no such booking). Transport errors, 408, 429, 5xx and any
// other unexpected answer are worth retrying (with backoff): a misrouted
// proxy answering 404 heals, while parking would need staff.
func (e *Error) Final() bool {
	if e.Status == http.StatusNotFound && errors.Is(e.Err, kiosk.ErrNoSuchAppointment) {
		return true // the server's own answer about a booking, not a misrouted proxy
	}
	if errors.Is(e.Err, ErrBadTicket) {
		return true
	}
	switch e.Status {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden,
		http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity:
		return true
	}
	return false
}

// IsFinal reports whether err must not be retried: a final *Error, or a
// request that could never be sent (bad config, bad submission, body too
// large). Nil, transport errors and anything else are not final.
func IsFinal(err error) bool {
	if err == nil {
		return false
	}
	var e *Error
	if errors.As(err, &e) {
		if e.Status == 0 {
			return errors.Is(e.Err, ErrRequestTooLarge) || errors.Is(e.Err, ErrBadSubmission) || errors.Is(e.Err, ErrConfig)
		}
		return e.Final()
	}
	return errors.Is(err, ErrRequestTooLarge) || errors.Is(err, ErrBadSubmission) || errors.Is(err, ErrConfig)
}

// RetryAfter returns the delay the server asked for (Retry-After on 429 or
// 503), or 0.
func RetryAfter(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

// maxRetryAfter bounds what a server may ask for.
const maxRetryAfter = time.Hour

func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0
		}
		if n > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), maxRetryAfter)
}

var idLike = regexp.MustCompile(`[0-9]{17}[0-9Xx]|[A-Z]{3}[0-9]{12}`)

// scrub masks anything that looks like a full ID number in server text, so
// that an error string never carries one into a log.
func scrub(s string) string {
	if len(s) > 500 {
		s = s[:500]
	}
	return idLike.ReplaceAllStringFunc(s, kiosk.MaskID)
}
