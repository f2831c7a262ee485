package idcard

import (
	"fmt"
	"strings"

	"github.com/pudong-community/kiosk/internal/gb11643"
)

// CheckDigit computes the GB 11643-1999 (ISO 7064 MOD 11-2) check character
// of the first 17 digits of an 18-character citizen identity number.
func CheckDigit(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, fmt.Errorf("%w: %d characters before the check digit, want 17", ErrIDNumber, len(first17))
	}
	c, bad := gb11643.CheckChar(first17)
	if bad != 0 {
		return 0, fmt.Errorf("%w: non-digit at position %d", ErrIDNumber, bad)
	}
	return c, nil
}

// NormalizeIDNumber validates an 18-character number (resident card, HMT
// residence permit, 2023 foreign permanent resident card) and returns it with
// an upper-case X. A lower-case x is accepted as input. Errors wrap
// ErrIDNumber or ErrCheckDigit and never contain the number.
func NormalizeIDNumber(id string) (string, error) {
	if len(id) != 18 {
		return "", fmt.Errorf("%w: %d characters, want 18", ErrIDNumber, len(id))
	}
	want, err := CheckDigit(id[:17])
	if err != nil {
		return "", err
	}
	got := id[17]
	if got == 'x' {
		got = 'X'
	}
	if got != want {
		return "", fmt.Errorf("%w: number %s", ErrCheckDigit, MaskID(id))
	}
	return id[:17] + string(got), nil
}

// validOldForeignNumber checks the 15-character number of the old foreign
// permanent resident card: three letters (nationality) and twelve digits.
func validOldForeignNumber(id string) error {
	switch bad := gb11643.OldForeignBadChar(id); bad {
	case 0:
		return nil
	case -1:
		return fmt.Errorf("%w: %d characters, want 15", ErrIDNumber, len(id))
	default:
		return fmt.Errorf("%w: unexpected character at position %d", ErrIDNumber, bad)
	}
}

// MaskID hides all but the first four and the last four characters of an
// identity number (3101**********1234), for logs and screens. The devices
// tree cannot import the kiosk package, so this mirrors kiosk.MaskID.
func MaskID(id string) string {
	r := []rune(strings.TrimSpace(id))
	n := len(r)
	switch {
	case n == 0:
		return ""
	case n <= 8:
		return strings.Repeat("*", n-1) + string(r[n-1])
	}
	return string(r[:4]) + strings.Repeat("*", n-8) + string(r[n-4:])
}
