package idcard

import (
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// CardType is the kind of card, spelled as in the intake API contract.
type CardType string

// The card types this package reads.
const (
	CardResident         CardType = "resident"          // 居民身份证
	CardHMTResidence     CardType = "hmt_residence"     // 港澳台居民居住证 ('J')
	CardForeignPermanent CardType = "foreign_permanent" // 外国人永久居留身份证 ('I' old, 'Y' 2023)
)

// Gender is the GB/T 2261.1 sex code stored on the card.
type Gender byte

// Gender codes.
const (
	GenderUnknown     Gender = '0' // 未知的性别
	GenderMale        Gender = '1' // 男
	GenderFemale      Gender = '2' // 女
	GenderUnspecified Gender = '9' // 未说明的性别
)

// String is the Chinese name of the code.
func (g Gender) String() string {
	switch g {
	case GenderUnknown:
		return "未知"
	case GenderMale:
		return "男"
	case GenderFemale:
		return "女"
	case GenderUnspecified:
		return "未说明"
	}
	return fmt.Sprintf("Gender(%q)", byte(g))
}

// English is the English name of the code.
func (g Gender) English() string {
	switch g {
	case GenderMale:
		return "male"
	case GenderFemale:
		return "female"
	case GenderUnspecified:
		return "unspecified"
	}
	return "unknown"
}

// Identity is what a card says about its holder, decoded from the 256-byte
// text block (and the appended-address response). Dates are civil dates at
// midnight UTC. Fields a card type does not carry are empty.
type Identity struct {
	CardType CardType
	// CardFlag is the type flag at text offset 248: 0 for a resident card,
	// 'J', 'I' (old foreign card) or 'Y' (2023 foreign card).
	CardFlag byte

	// Name is the Chinese name; on a foreign card without one, the English name.
	Name   string
	NameEN string // foreign cards
	Gender Gender
	// Nation is the GB 3304 name (resident cards only), NationCode its code.
	Nation     string
	NationCode string
	// Nationality is the GB/T 2659 three-letter code (foreign cards).
	Nationality string
	BirthDate   time.Time
	Address     string // resident and HMT cards
	// IDNumber is the 18-character number (upper-case X), or the 15-character
	// number of an old foreign card.
	IDNumber  string
	Authority string // issuing authority; the authority code on an old foreign card
	ValidFrom time.Time
	// ValidUntil is zero when LongTerm is set (the card says 长期).
	ValidUntil time.Time
	LongTerm   bool

	PassNumber     string // HMT: 通行证号码
	IssueCount     string // HMT: 签发次数; 'Y': 换证次数
	CardVersion    string // old foreign card: card version
	PreviousNumber string // 'Y': link to the number of the previous card

	AppendedAddresses []string
	// Photo is the raw WLT blob as stored on the card (1024 bytes on
	// standard cards). Decoding it needs a vendor library; see the README.
	Photo []byte
	// Fingerprint is the raw fingerprint data, when read with it.
	Fingerprint []byte
	// PrivateUse lists the fields holding Private-Use-Area characters, which
	// rare-character fonts may use: staff should confirm those on screen.
	PrivateUse []string
}

// Expired reports whether the card's validity ended before now's date. A
// long-term card never expires; a card valid until a day is valid all that
// day.
func (id Identity) Expired(now time.Time) bool {
	if id.LongTerm || id.ValidUntil.IsZero() {
		return false
	}
	y, m, d := now.Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return today.After(id.ValidUntil)
}

// Age is the holder's age in whole years at now's date.
func (id Identity) Age(now time.Time) int {
	if id.BirthDate.IsZero() {
		return 0
	}
	y, m, d := now.Date()
	age := y - id.BirthDate.Year()
	if m < id.BirthDate.Month() || m == id.BirthDate.Month() && d < id.BirthDate.Day() {
		age--
	}
	return max(age, 0)
}

// MaskedID is IDNumber masked for display and logs.
func (id Identity) MaskedID() string { return MaskID(id.IDNumber) }

// String never shows the full number, the name or anything else personal.
func (id Identity) String() string {
	return fmt.Sprintf("%s card %s", id.CardType, id.MaskedID())
}

// GoString is String (%#v), so no format verb prints the fields.
func (id Identity) GoString() string { return "idcard.Identity{" + id.String() + "}" }

// LogValue is the card without its holder (slog.LogValuer): the type, the
// masked number and name, and whether it has expired by its own dates.
func (id Identity) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("card_type", string(id.CardType)),
		slog.String("id", id.MaskedID()),
		slog.String("name", maskName(id.Name)),
		slog.Bool("long_term", id.LongTerm),
	)
}

// maskName keeps a name's first character.
func maskName(name string) string {
	r := []rune(strings.TrimSpace(name))
	if len(r) == 0 {
		return ""
	}
	return string(r[0]) + strings.Repeat("*", len(r)-1)
}
