package idcard

import (
	"encoding/binary"
	"fmt"
	"time"
	"unicode/utf16"
)

// EncodeText builds the 256-byte text block of id, padded with spaces as
// cards are. It is the inverse of ParseText, for emulators and tests.
func EncodeText(id Identity) ([]byte, error) {
	b := make([]byte, TextLen)
	for i := 0; i < TextLen; i += 2 {
		b[i] = ' '
	}
	e := &textEncoder{b: b}
	until := id.ValidUntil.Format("20060102")
	if id.LongTerm {
		until = longTerm
	}
	date := func(t time.Time) string { return t.Format("20060102") }
	switch id.CardType {
	case CardResident, CardHMTResidence:
		e.put(fName, id.Name)
		e.put(fGender, string(rune(id.Gender)))
		if id.CardType == CardResident {
			e.put(fNation, id.NationCode)
		}
		e.put(fBirth, date(id.BirthDate))
		e.put(fAddress, id.Address)
		e.put(fID, id.IDNumber)
		e.put(fAuthority, id.Authority)
		e.put(fFrom, date(id.ValidFrom))
		e.put(fUntil, until)
		if id.CardType == CardHMTResidence {
			e.put(fPass, id.PassNumber)
			e.put(fIssue, id.IssueCount)
			e.put(field{"flag", offsetFlag, 2}, "J")
		}
	case CardForeignPermanent:
		cn := id.Name
		if cn == id.NameEN {
			cn = "" // Name fell back to the English name: no Chinese name
		}
		if len(id.IDNumber) == 15 {
			e.put(fINameEN, id.NameEN)
			e.put(fIGender, string(rune(id.Gender)))
			e.put(fIID, id.IDNumber)
			e.put(fINationality, id.Nationality)
			e.put(fIName, cn)
			e.put(fFrom, date(id.ValidFrom))
			e.put(fUntil, until)
			e.put(fIBirth, date(id.BirthDate))
			e.put(fIVersion, id.CardVersion)
			e.put(fIAuthority, id.Authority)
			e.put(field{"flag", offsetFlag, 2}, "I")
		} else {
			e.put(fName, cn)
			e.put(fGender, string(rune(id.Gender)))
			e.put(fYRenewal, id.IssueCount)
			e.put(fBirth, date(id.BirthDate))
			en := utf16.Encode([]rune(id.NameEN))
			if len(en) > 35 {
				e.putUnits(fYNameEN1, en[:35])
				e.putUnits(fYNameEN2, en[35:])
			} else {
				e.putUnits(fYNameEN1, en)
			}
			e.put(fID, id.IDNumber)
			e.put(fFrom, date(id.ValidFrom))
			e.put(fUntil, until)
			e.put(fYNationality, id.Nationality)
			e.put(field{"flag", offsetFlag, 2}, "Y")
			e.put(fYPrevious, id.PreviousNumber)
		}
	default:
		return nil, fmt.Errorf("%w: unknown card type %q", ErrTextBlock, id.CardType)
	}
	if e.err != nil {
		return nil, e.err
	}
	return b, nil
}

type textEncoder struct {
	b   []byte
	err error
}

func (e *textEncoder) put(f field, s string) { e.putUnits(f, utf16.Encode([]rune(s))) }

func (e *textEncoder) putUnits(f field, u []uint16) {
	if len(u)*2 > f.size {
		if e.err == nil {
			e.err = &FieldError{Field: f.name, Err: fmt.Errorf("%w: %d characters do not fit in %d bytes", ErrTextBlock, len(u), f.size)}
		}
		return
	}
	for i, c := range u {
		binary.LittleEndian.PutUint16(e.b[f.off+2*i:], c)
	}
}

// EncodeAppended builds the data of a read-appended-address answer.
func EncodeAppended(addrs []string) ([]byte, error) {
	out := make([]byte, 0, len(addrs)*AppendedAddressLen)
	for _, a := range addrs {
		slot := make([]byte, AppendedAddressLen)
		for i := 0; i < len(slot); i += 2 {
			slot[i] = ' '
		}
		e := &textEncoder{b: slot}
		e.put(field{"appended_address", 0, AppendedAddressLen}, a)
		if e.err != nil {
			return nil, e.err
		}
		out = append(out, slot...)
	}
	return out, nil
}

// EncodeReadBase builds the data of a read-card (30 01) answer.
func EncodeReadBase(text, photo []byte) []byte {
	out := make([]byte, 0, 4+len(text)+len(photo))
	out = binary.BigEndian.AppendUint16(out, uint16(len(text)))
	out = binary.BigEndian.AppendUint16(out, uint16(len(photo)))
	out = append(out, text...)
	return append(out, photo...)
}
