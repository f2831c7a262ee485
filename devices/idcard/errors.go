package idcard

import (
	"errors"
	"fmt"
	"strings"
)

// Errors of this package. Typed errors below wrap one of these, so callers can
// test with errors.Is and get details with errors.As.
var (
	// Framing.
	ErrIncomplete = errors.New("idcard: incomplete frame")
	ErrChecksum   = errors.New("idcard: bad checksum")
	ErrLength     = errors.New("idcard: impossible frame length")
	ErrStatus     = errors.New("idcard: module returned an error status")
	ErrResponse   = errors.New("idcard: malformed response")

	// Card data.
	ErrTextBlock  = errors.New("idcard: malformed text block")
	ErrText       = errors.New("idcard: invalid UCS-2 text")
	ErrDate       = errors.New("idcard: invalid date")
	ErrGender     = errors.New("idcard: unknown gender code")
	ErrNation     = errors.New("idcard: unknown nation code")
	ErrIDNumber   = errors.New("idcard: malformed ID number")
	ErrCheckDigit = errors.New("idcard: ID number check digit fails")

	// Conversation.
	ErrNoAnswer = errors.New("idcard: module not answering")
	ErrPortGone = errors.New("idcard: serial port gone")
	ErrNoSAM    = errors.New("idcard: SAM not ready")
)

// StatusError is a response whose SW1/SW2/SW3 is not the success expected for
// the command. It wraps ErrStatus.
type StatusError struct {
	Command       Command
	SW1, SW2, SW3 byte
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("idcard: %s: status %02X %02X %02X: %s", e.Command.Name(), e.SW1, e.SW2, e.SW3, StatusText(e.SW3))
}

func (e *StatusError) Unwrap() error { return ErrStatus }

// FieldError says which field of the text block is bad. It wraps the reason
// (ErrDate, ErrGender, ErrText ...). It never holds the field's value (a
// birth date, a pass number, a name are personal data and would reach the
// log, LastError and the diagnostics bundle): Shape says what the value
// looked like, its length and kinds of characters, without its characters.
type FieldError struct {
	Field string
	Shape string // e.g. "8 characters: digits"; "" when nothing was decoded
	Err   error
}

func (e *FieldError) Error() string {
	if e.Shape == "" {
		return fmt.Sprintf("%v (field %s)", e.Err, e.Field)
	}
	return fmt.Sprintf("%v (field %s: %s)", e.Err, e.Field, e.Shape)
}

// shapeOf describes v by its length and kinds of characters only.
func shapeOf(v string) string {
	if v == "" {
		return "empty"
	}
	n := 0
	var digits, letters, han, other bool
	for _, r := range v {
		n++
		switch {
		case r >= '0' && r <= '9':
			digits = true
		case r < 0x80 && (r|0x20 >= 'a' && r|0x20 <= 'z'):
			letters = true
		case r >= 0x3400 && r <= 0x9FFF:
			han = true
		default:
			other = true
		}
	}
	var kinds []string
	for _, k := range []struct {
		on   bool
		name string
	}{{digits, "digits"}, {letters, "letters"}, {han, "Chinese"}, {other, "other"}} {
		if k.on {
			kinds = append(kinds, k.name)
		}
	}
	unit := "characters"
	if n == 1 {
		unit = "character"
	}
	return fmt.Sprintf("%d %s: %s", n, unit, strings.Join(kinds, ", "))
}

func (e *FieldError) Unwrap() error { return e.Err }
