package idcard

import (
	"encoding/binary"
	"fmt"
	"strings"
	"time"
	"unicode/utf16"
)

// TextLen is the size of the text block on every card type.
const TextLen = 256

// offsetFlag is where the card-type flag sits in the text block.
const offsetFlag = 248

// Type flags at offset 248.
const (
	FlagHMT        byte = 'J'
	FlagForeignOld byte = 'I'
	FlagForeign    byte = 'Y'
)

// field is a fixed-width UCS-2 field of the text block.
type field struct {
	name      string
	off, size int
}

var (
	fName      = field{"name", 0, 30}
	fGender    = field{"gender", 30, 2}
	fNation    = field{"nation", 32, 4}
	fBirth     = field{"birth_date", 36, 16}
	fAddress   = field{"address", 52, 70}
	fID        = field{"id_number", 122, 36}
	fAuthority = field{"authority", 158, 30}
	fFrom      = field{"valid_from", 188, 16}
	fUntil     = field{"valid_until", 204, 16}
	// HMT residence permit.
	fPass  = field{"pass_number", 220, 18}
	fIssue = field{"issue_count", 238, 4}
	// Old foreign permanent resident card ('I').
	fINameEN      = field{"name_en", 0, 120}
	fIGender      = field{"gender", 120, 2}
	fIID          = field{"id_number", 122, 30}
	fINationality = field{"nationality", 152, 6}
	fIName        = field{"name", 158, 30}
	fIBirth       = field{"birth_date", 220, 16}
	fIVersion     = field{"card_version", 236, 4}
	fIAuthority   = field{"authority", 240, 8}
	// 2023 foreign permanent resident ID card ('Y').
	fYRenewal     = field{"renewal_count", 32, 4}
	fYNameEN1     = field{"name_en", 52, 70}
	fYNameEN2     = field{"name_en", 220, 22}
	fYNationality = field{"nationality", 242, 6}
	fYPrevious    = field{"previous_number", 250, 6}
)

// longTerm is the text a card stores instead of an expiry date.
const longTerm = "长期"

// cardFlag returns the type flag of a text block, 0 for a resident card.
func cardFlag(block []byte) byte {
	if len(block) < offsetFlag+2 || block[offsetFlag+1] != 0 {
		return 0
	}
	switch f := block[offsetFlag]; f {
	case FlagHMT, FlagForeignOld, FlagForeign:
		return f
	}
	return 0
}

// textParser decodes fields and keeps the first error.
type textParser struct {
	block []byte
	id    *Identity
	err   error
}

func (p *textParser) fail(f field, value string, err error) {
	if p.err == nil {
		fe := &FieldError{Field: f.name, Err: err}
		if value != "" {
			fe.Shape = shapeOf(value)
		}
		p.err = fe
	}
}

// raw decodes a field without trimming.
func (p *textParser) raw(f field) string {
	s, pua, err := decodeUCS2(p.block[f.off : f.off+f.size])
	if err != nil {
		p.fail(f, "", err)
		return ""
	}
	if pua {
		p.id.PrivateUse = append(p.id.PrivateUse, f.name)
	}
	return s
}

func (p *textParser) text(f field) string { return trimField(p.raw(f)) }

func trimField(s string) string { return strings.Trim(s, " \x00\u3000") }

// ascii decodes a field that must hold printable ASCII only (codes, dates,
// numbers); reveal=false keeps the value out of the error (ID numbers).
func (p *textParser) ascii(f field, reveal bool) string {
	s := p.text(f)
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7E {
			v := s
			if !reveal {
				v = ""
			}
			p.fail(f, v, fmt.Errorf("%w: unexpected character", ErrText))
			return ""
		}
	}
	return s
}

func (p *textParser) date(f field, allowLongTerm bool) (time.Time, bool) {
	s := p.text(f)
	if p.err != nil {
		return time.Time{}, false
	}
	if allowLongTerm && s == longTerm {
		return time.Time{}, true
	}
	t, err := parseDate(s)
	if err != nil {
		p.fail(f, s, err)
	}
	return t, false
}

func parseDate(s string) (time.Time, error) {
	if len(s) != 8 {
		return time.Time{}, fmt.Errorf("%w: want YYYYMMDD", ErrDate)
	}
	var v [3]int
	for i, w := range [][2]int{{0, 4}, {4, 6}, {6, 8}} {
		for j := w[0]; j < w[1]; j++ {
			c := s[j]
			if c < '0' || c > '9' {
				return time.Time{}, fmt.Errorf("%w: want YYYYMMDD", ErrDate)
			}
			v[i] = v[i]*10 + int(c-'0')
		}
	}
	t := time.Date(v[0], time.Month(v[1]), v[2], 0, 0, 0, 0, time.UTC)
	if v[0] < 1800 || t.Year() != v[0] || int(t.Month()) != v[1] || t.Day() != v[2] {
		return time.Time{}, fmt.Errorf("%w: no such day", ErrDate)
	}
	return t, nil
}

func (p *textParser) gender(f field) Gender {
	s := p.text(f)
	if p.err != nil {
		return 0
	}
	if len(s) == 1 {
		switch g := Gender(s[0]); g {
		case GenderUnknown, GenderMale, GenderFemale, GenderUnspecified:
			return g
		}
	}
	p.fail(f, s, ErrGender)
	return 0
}

// idNumber validates an 18-character number with its check digit.
func (p *textParser) idNumber(f field) string {
	s := p.ascii(f, false)
	if p.err != nil {
		return ""
	}
	n, err := NormalizeIDNumber(s)
	if err != nil {
		p.fail(f, "", err)
	}
	return n
}

// ParseText decodes a 256-byte text block. The card type is taken from the
// flag at offset 248 before any other field is read. Every ID number read is
// checked (GB 11643 check digit for 18-character numbers). Errors are a
// *FieldError naming the field; the ID number never appears in them.
func ParseText(block []byte) (Identity, error) {
	if len(block) != TextLen {
		return Identity{}, fmt.Errorf("%w: %d bytes, want %d", ErrTextBlock, len(block), TextLen)
	}
	id := Identity{CardFlag: cardFlag(block)}
	p := &textParser{block: block, id: &id}
	switch id.CardFlag {
	case 0, FlagHMT:
		id.CardType = CardResident
		id.Name = p.text(fName)
		id.Gender = p.gender(fGender)
		if id.CardFlag == FlagHMT {
			id.CardType = CardHMTResidence
		} else {
			id.NationCode = p.ascii(fNation, true)
			if p.err == nil {
				n, ok := NationName(id.NationCode)
				if !ok {
					p.fail(fNation, id.NationCode, ErrNation)
				}
				id.Nation = n
			}
		}
		id.BirthDate, _ = p.date(fBirth, false)
		id.Address = p.text(fAddress)
		id.IDNumber = p.idNumber(fID)
		id.Authority = p.text(fAuthority)
		id.ValidFrom, _ = p.date(fFrom, false)
		id.ValidUntil, id.LongTerm = p.date(fUntil, true)
		if id.CardFlag == FlagHMT {
			id.PassNumber = p.ascii(fPass, true)
			id.IssueCount = p.ascii(fIssue, true)
		}
	case FlagForeignOld:
		id.CardType = CardForeignPermanent
		id.NameEN = p.text(fINameEN)
		id.Gender = p.gender(fIGender)
		id.IDNumber = p.ascii(fIID, false)
		if p.err == nil {
			if err := validOldForeignNumber(id.IDNumber); err != nil {
				p.fail(fIID, "", err)
			}
		}
		id.Nationality = p.ascii(fINationality, true)
		id.Name = p.text(fIName)
		id.ValidFrom, _ = p.date(fFrom, false)
		id.ValidUntil, id.LongTerm = p.date(fUntil, true)
		id.BirthDate, _ = p.date(fIBirth, false)
		id.CardVersion = p.ascii(fIVersion, true)
		id.Authority = p.ascii(fIAuthority, true)
	case FlagForeign:
		id.CardType = CardForeignPermanent
		id.Name = p.text(fName)
		id.Gender = p.gender(fGender)
		id.IssueCount = p.ascii(fYRenewal, true)
		id.BirthDate, _ = p.date(fBirth, false)
		id.NameEN = trimField(p.raw(fYNameEN1) + p.raw(fYNameEN2))
		id.IDNumber = p.idNumber(fID)
		if p.err == nil && id.IDNumber[0] != '9' {
			p.fail(fID, "", fmt.Errorf("%w: a 2023 foreign card number starts with 9", ErrIDNumber))
		}
		id.ValidFrom, _ = p.date(fFrom, false)
		id.ValidUntil, id.LongTerm = p.date(fUntil, true)
		id.Nationality = p.ascii(fYNationality, true)
		id.PreviousNumber = p.ascii(fYPrevious, true)
	}
	if id.Name == "" {
		id.Name = id.NameEN
	}
	if p.err != nil {
		return Identity{}, p.err
	}
	return id, nil
}

// decodeUCS2 decodes UTF-16LE. Surrogate pairs are combined; an unpaired
// surrogate, a control character or a non-character is an error wrapping
// ErrText. NUL is kept (it is padding, trimmed later). pua reports
// Private-Use-Area characters.
func decodeUCS2(b []byte) (s string, pua bool, err error) {
	if len(b)%2 != 0 {
		return "", false, fmt.Errorf("%w: odd length %d", ErrText, len(b))
	}
	var sb strings.Builder
	sb.Grow(len(b) * 3 / 2)
	for i := 0; i < len(b); i += 2 {
		u := rune(binary.LittleEndian.Uint16(b[i:]))
		switch {
		case utf16.IsSurrogate(u):
			if u >= 0xDC00 || i+4 > len(b) {
				return "", false, fmt.Errorf("%w: unpaired surrogate %04X at byte %d", ErrText, u, i)
			}
			u2 := rune(binary.LittleEndian.Uint16(b[i+2:]))
			r := utf16.DecodeRune(u, u2)
			if r == 0xFFFD {
				return "", false, fmt.Errorf("%w: unpaired surrogate %04X at byte %d", ErrText, u, i)
			}
			u = r
			i += 2
		case u == 0:
		case u < 0x20 || u >= 0x7F && u < 0xA0:
			return "", false, fmt.Errorf("%w: control character %04X at byte %d", ErrText, u, i)
		case u == 0xFFFE || u == 0xFFFF:
			return "", false, fmt.Errorf("%w: non-character %04X at byte %d", ErrText, u, i)
		case u >= 0xE000 && u <= 0xF8FF:
			pua = true
		}
		sb.WriteRune(u)
	}
	s = sb.String()
	// NUL is padding: nothing but padding may follow it.
	if j := strings.IndexByte(s, 0); j >= 0 && strings.Trim(s[j:], " \x00") != "" {
		return "", false, fmt.Errorf("%w: text after NUL padding", ErrText)
	}
	return s, pua, nil
}

// AppendedAddressLen is the size of one appended address in a 30 03 answer.
const AppendedAddressLen = 70

// ParseAppended decodes the data of a read-appended-address answer: zero or
// more 70-byte UCS-2 addresses. Empty slots are skipped.
func ParseAppended(data []byte) ([]string, error) {
	if len(data)%AppendedAddressLen != 0 {
		return nil, fmt.Errorf("%w: appended address data of %d bytes, want a multiple of %d", ErrResponse, len(data), AppendedAddressLen)
	}
	var out []string
	for i := 0; i < len(data); i += AppendedAddressLen {
		s, _, err := decodeUCS2(data[i : i+AppendedAddressLen])
		if err != nil {
			return nil, &FieldError{Field: "appended_address", Err: err}
		}
		if s = trimField(s); s != "" {
			out = append(out, s)
		}
	}
	return out, nil
}

// ParseReadBase decodes the data of a read-card answer (30 01, or 30 10 with
// fingerprint when withFP): the length words, then text, photo and
// fingerprint. The photo is kept raw.
func ParseReadBase(data []byte, withFP bool) (Identity, error) {
	hdr := 4
	if withFP {
		hdr = 6
	}
	if len(data) < hdr {
		return Identity{}, fmt.Errorf("%w: read answer of %d bytes", ErrResponse, len(data))
	}
	tl := int(binary.BigEndian.Uint16(data[0:]))
	pl := int(binary.BigEndian.Uint16(data[2:]))
	fl := 0
	if withFP {
		fl = int(binary.BigEndian.Uint16(data[4:]))
	}
	if tl != TextLen {
		return Identity{}, fmt.Errorf("%w: text length word %d, want %d", ErrResponse, tl, TextLen)
	}
	if hdr+tl+pl+fl != len(data) {
		return Identity{}, fmt.Errorf("%w: length words %d+%d+%d do not match %d data bytes", ErrResponse, tl, pl, fl, len(data)-hdr)
	}
	id, err := ParseText(data[hdr : hdr+tl])
	if err != nil {
		return Identity{}, err
	}
	id.Photo = append([]byte(nil), data[hdr+tl:hdr+tl+pl]...)
	if fl > 0 {
		id.Fingerprint = append([]byte(nil), data[hdr+tl+pl:]...)
	}
	return id, nil
}
