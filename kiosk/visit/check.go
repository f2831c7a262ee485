package visit

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pudong-community/kiosk/kiosk"
)

// parseDate reads a card date as YYYY-MM-DD or YYYYMMDD; "长期" (long-term)
// and anything else unreadable give false.
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{kiosk.DateLayout, "20060102"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// Age returns the age in whole years on the day of now of someone born on
// birth (YYYY-MM-DD or YYYYMMDD): kiosk.AgeOn.
func Age(birth string, now time.Time) (int, bool) { return kiosk.AgeOn(birth, now) }

// birthFromID returns the birth date held in an 18-character ID number.
func birthFromID(id string) string {
	if len(id) != 18 {
		return ""
	}
	if t, err := time.Parse("20060102", id[6:14]); err == nil {
		return t.Format(kiosk.DateLayout)
	}
	return ""
}

func fieldByKey(it kiosk.Item, key string) (kiosk.Field, bool) {
	for _, f := range it.Fields {
		if f.Key == key {
			return f, true
		}
	}
	return kiosk.Field{}, false
}

// checkValue checks a non-empty value against its field.
func checkValue(f kiosk.Field, v string) error {
	if !utf8.ValidString(v) {
		return ErrBadValue
	}
	if f.MaxLen > 0 && utf8.RuneCountInString(v) > f.MaxLen {
		return ErrTooLong
	}
	if utf8.RuneCountInString(v) > 1000 {
		return ErrTooLong
	}
	switch f.Type {
	case kiosk.FieldDigits:
		if !allDigits(v) {
			return ErrBadValue
		}
	case kiosk.FieldPhone:
		if len(v) != 11 || v[0] != '1' || v[1] < '3' || !allDigits(v) {
			return ErrBadValue
		}
	case kiosk.FieldDate:
		if _, err := time.Parse(kiosk.DateLayout, v); err != nil {
			return ErrBadValue
		}
	case kiosk.FieldChoice:
		for _, c := range f.Choices {
			if c == v {
				return nil
			}
		}
		return ErrBadValue
	case kiosk.FieldIDNumber:
		if !kiosk.ValidIDNumber(strings.ToUpper(v)) {
			return ErrBadIDNumber
		}
	}
	return nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
