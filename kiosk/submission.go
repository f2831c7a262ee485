package kiosk

import (
	"crypto/rand"
	"strings"
	"time"

	"github.com/pudong-community/kiosk/internal/gb11643"
)

// CardType is the kind of identity card read.
type CardType string

// Card types of the contract.
const (
	CardResident         CardType = "resident"          // 居民身份证
	CardForeignPermanent CardType = "foreign_permanent" // 外国人永久居留身份证
	CardHMTResidence     CardType = "hmt_residence"     // 港澳台居民居住证
)

// Valid reports whether c is one of the contract's card types.
func (c CardType) Valid() bool {
	return c == CardResident || c == CardForeignPermanent || c == CardHMTResidence
}

// Person is a card holder as read from the card.
//
// ValidUntil is this project's optional extension of the contract (the
// contract's applicant carries no validity): the card's expiry date
// (YYYY-MM-DD, empty for a long-term card). When present, the server refuses
// an expired card with 422 card_expired.
type Person struct {
	IDNumber   string   `json:"id_number"`
	Name       string   `json:"name"`
	CardType   CardType `json:"card_type"`
	Gender     string   `json:"gender"`
	Nation     string   `json:"nation"`
	BirthDate  string   `json:"birth_date"`
	Address    string   `json:"address"`
	ValidUntil string   `json:"valid_until,omitempty"`
}

// Agent is the person submitting for a resident (委托代理).
type Agent struct {
	Person
	Relation         string `json:"relation"`
	AuthorizationRef string `json:"authorization_ref"` // 委托书编号
}

// Submission is a resident's (or an agent's) submission of one instant item,
// the body of POST /v1/submissions. ID is also the Idempotency-Key.
type Submission struct {
	ID             string            `json:"submission_id"`
	TerminalID     string            `json:"terminal_id"`
	ItemCode       string            `json:"item_code"`
	CatalogVersion string            `json:"catalog_version"`
	CreatedAt      time.Time         `json:"created_at"`
	Fields         map[string]string `json:"fields"`
	Applicant      Person            `json:"applicant"`
	Agent          *Agent            `json:"agent,omitempty"`
}

// Accepted is the server's answer to a delivered submission.
type Accepted struct {
	CaseNo     string     `json:"case_no"`
	Status     CaseStatus `json:"status"`
	AcceptedAt time.Time  `json:"accepted_at"`
	DueDate    string     `json:"due_date"` // YYYY-MM-DD
	TrackURL   string     `json:"track_url"`
}

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// NewSubmissionID returns a new ULID (26 characters of Crockford base32: 48
// bits of Unix milliseconds then 80 random bits from crypto/rand). IDs made
// later sort after earlier ones, millisecond ties aside.
func NewSubmissionID() string {
	return newULID(time.Now())
}

func newULID(t time.Time) string {
	var b [16]byte
	ms := uint64(t.UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	rand.Read(b[6:]) // never fails (crypto/rand since Go 1.24)
	// 128 bits -> 26 base32 digits; the first digit carries 3 bits.
	var out [26]byte
	var hi, lo uint64
	for i := 0; i < 8; i++ {
		hi = hi<<8 | uint64(b[i])
		lo = lo<<8 | uint64(b[8+i])
	}
	for i := 25; i >= 0; i-- {
		out[i] = crockford[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out[:])
}

// ValidSubmissionID reports whether s is a ULID (26 Crockford base32
// characters, upper case) or a UUID (8-4-4-4-12 hexadecimal digits).
func ValidSubmissionID(s string) bool {
	switch len(s) {
	case 26:
		if s[0] > '7' {
			return false
		}
		for i := 0; i < len(s); i++ {
			if strings.IndexByte(crockford, s[i]) < 0 {
				return false
			}
		}
		return true
	case 36:
		for i := 0; i < len(s); i++ {
			c := s[i]
			switch i {
			case 8, 13, 18, 23:
				if c != '-' {
					return false
				}
			default:
				if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
					return false
				}
			}
		}
		return true
	}
	return false
}

// ValidIDNumber reports whether s is an 18-character identity number whose
// last character is the GB 11643-1999 (ISO 7064 MOD 11-2) check character of
// the first 17 digits. Resident cards, HMT residence permits and the 2023
// foreign permanent resident cards all use it. A lower-case x is accepted.
func ValidIDNumber(s string) bool { return gb11643.Valid(s) }

// ValidDocumentNumber reports whether s is a valid number for a card of
// type ct: an 18-character GB 11643 number for every type, and for a
// foreign permanent resident card also the 15-character number of the 2004
// card (three upper-case letters of nationality and twelve digits; it has
// no GB 11643 check digit).
func ValidDocumentNumber(ct CardType, s string) bool {
	if ValidIDNumber(s) {
		return true
	}
	return ct == CardForeignPermanent && gb11643.ValidOldForeign(s)
}

// IDCheckChar returns the GB 11643 check character of the first 17 digits
// of s, or 0 if s does not start with 17 digits.
func IDCheckChar(s string) byte {
	c, _ := gb11643.CheckChar(s)
	return c
}
