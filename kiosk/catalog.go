package kiosk

import (
	"fmt"
	"strings"
	"time"
)

// ItemKind says how an item is decided.
type ItemKind string

// Item kinds of the catalogue.
const (
	KindInstant   ItemKind = "instant"   // 即办件: decided at the counter or terminal
	KindForwarded ItemKind = "forwarded" // 流转件: goes to the back office
)

// FieldType is the type of one form field of an item.
type FieldType string

// Form field types of the contract.
const (
	FieldText     FieldType = "text"
	FieldDigits   FieldType = "digits"
	FieldPhone    FieldType = "phone" // mainland mobile, 11 digits
	FieldDate     FieldType = "date"  // YYYY-MM-DD
	FieldChoice   FieldType = "choice"
	FieldIDNumber FieldType = "id_number"
)

// Valid reports whether t is one of the contract's field types.
func (t FieldType) Valid() bool {
	switch t {
	case FieldText, FieldDigits, FieldPhone, FieldDate, FieldChoice, FieldIDNumber:
		return true
	}
	return false
}

// DateLayout is the layout of every date (not time) of the contract.
const DateLayout = "2006-01-02"

// Catalog is the service catalogue (受理项目表) with its working-day calendar,
// as served by GET /v1/catalog.
type Catalog struct {
	Version     string    `json:"version"`
	GeneratedAt time.Time `json:"generated_at"`
	Items       []Item    `json:"items"`
	Calendar    Calendar  `json:"calendar"`
}

// Item is one service item of the catalogue.
type Item struct {
	Code          string     `json:"code"`
	Name          string     `json:"name"`
	NameEn        string     `json:"name_en"`
	Department    string     `json:"department"`
	Category      string     `json:"category"`
	Kind          ItemKind   `json:"kind"`
	SelfService   bool       `json:"self_service"`
	Districtwide  bool       `json:"districtwide"`
	AgentAllowed  bool       `json:"agent_allowed"`
	TimeLimitDays int        `json:"time_limit_days"`
	Fee           string     `json:"fee"`
	Notice        string     `json:"notice"`
	LegalBasis    string     `json:"legal_basis"`
	Materials     []Material `json:"materials"`
	Fields        []Field    `json:"fields"`
	// GuideURL is the item's guide page for residents' phones (办事指南),
	// optional. The item page shows it as a QR code only when GuideURL
	// accepts it.
	GuideURL string `json:"guide_url,omitempty"`
	// CounterCategory is the counter category that handles the item at the
	// centre (v1.1): the ticket a resident takes for it, the slots of its
	// appointments. Empty means the general counters (CounterGeneral).
	CounterCategory string `json:"counter_category,omitempty"`
	// Eligibility is who may apply (v1.1); nil: anyone.
	Eligibility *Eligibility `json:"eligibility,omitempty"`
}

// Eligibility is an item's rule of who may apply. Zero fields do not
// restrict. Note says the rule in words for residents ("年满60周岁的本市户籍老人"),
// NoteEn in English.
type Eligibility struct {
	MinAge    int        `json:"min_age,omitempty"`
	MaxAge    int        `json:"max_age,omitempty"`
	CardTypes []CardType `json:"card_types,omitempty"`
	Note      string     `json:"note,omitempty"`
	NoteEn    string     `json:"note_en,omitempty"`
}

// Allows reports whether p may apply on day today by the item's rule: age
// in whole years from p.BirthDate (YYYY-MM-DD or YYYYMMDD), the card type.
// A rule with an age limit does not allow a person whose birth date is
// unknown. A nil rule allows everyone.
func (e *Eligibility) Allows(p Person, today time.Time) bool {
	if e == nil {
		return true
	}
	if len(e.CardTypes) > 0 {
		ok := false
		for _, c := range e.CardTypes {
			ok = ok || c == p.CardType
		}
		if !ok {
			return false
		}
	}
	if e.MinAge == 0 && e.MaxAge == 0 {
		return true
	}
	age, ok := AgeOn(p.BirthDate, today)
	if !ok {
		return false
	}
	return (e.MinAge == 0 || age >= e.MinAge) && (e.MaxAge == 0 || age <= e.MaxAge)
}

// AgeOn is the age in whole years on day today of a person born on birth
// (YYYY-MM-DD or YYYYMMDD); ok is false when birth cannot be read or lies
// after today.
func AgeOn(birth string, today time.Time) (age int, ok bool) {
	var b time.Time
	for _, layout := range []string{DateLayout, "20060102"} {
		if t, err := time.Parse(layout, birth); err == nil {
			b, ok = t, true
			break
		}
	}
	if !ok {
		return 0, false
	}
	y, m, d := today.Date()
	age = y - b.Year()
	if m < b.Month() || (m == b.Month() && d < b.Day()) {
		age--
	}
	if age < 0 {
		return 0, false
	}
	return age, true
}

// Material is one document a resident brings for an item.
type Material struct {
	Name     string `json:"name"`
	Required bool   `json:"required"`
	Note     string `json:"note"`
}

// Field is one field of an item's form.
type Field struct {
	Key      string    `json:"key"`
	Label    string    `json:"label"`
	LabelEn  string    `json:"label_en"`
	Type     FieldType `json:"type"`
	Required bool      `json:"required"`
	Choices  []string  `json:"choices,omitempty"`
	MaxLen   int       `json:"max_len,omitempty"`
}

// Calendar lists public holidays and the weekend days made working days
// (调休), as dates in DateLayout.
type Calendar struct {
	Holidays []string `json:"holidays"`
	Workdays []string `json:"workdays"`
}

// Item returns the item with the given code.
func (c Catalog) Item(code string) (Item, bool) {
	for _, it := range c.Items {
		if it.Code == code {
			return it, true
		}
	}
	return Item{}, false
}

// RenewalItem is the catalogue's item for renewing an identity card of
// type ct, where an expired card is to be renewed, if the catalogue has
// one: the first item whose name names the card and a renewal (换, as in
// 换领, 补换领, 换发). The card is named 身份证 without 居住证 or 永久居留
// for a resident card (and for an unknown type), 港澳台居民居住证 for an
// HMT residence permit, 永久居留身份证 for a foreign permanent resident card.
func (c Catalog) RenewalItem(ct CardType) (Item, bool) {
	names := func(name string) bool {
		switch ct {
		case CardHMTResidence:
			return strings.Contains(name, "港澳台居民居住证")
		case CardForeignPermanent:
			return strings.Contains(name, "永久居留身份证")
		}
		return strings.Contains(name, "身份证") && !strings.Contains(name, "居住证") && !strings.Contains(name, "永久居留")
	}
	for _, it := range c.Items {
		if names(it.Name) && strings.Contains(it.Name, "换") {
			return it, true
		}
	}
	return Item{}, false
}

// IsWorkday reports whether the calendar day of t (in t's location) is a
// working day: a Monday to Friday that is not a holiday, or a listed 调休
// workday.
func (cal Calendar) IsWorkday(t time.Time) bool {
	d := t.Format(DateLayout)
	for _, w := range cal.Workdays {
		if w == d {
			return true
		}
	}
	for _, h := range cal.Holidays {
		if h == d {
			return false
		}
	}
	wd := t.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// MaxTimeLimitDays bounds an item's promised working days; DueDate clamps
// to it, so that a hostile catalogue cannot make it loop for long.
const MaxTimeLimitDays = 366

// DueDate returns the date (midnight in from's location) that lies
// workingDays working days after the day of from. Zero working days means the
// same day. Negative counts are treated as zero.
func (cal Calendar) DueDate(from time.Time, workingDays int) time.Time {
	hol := make(map[string]bool, len(cal.Holidays))
	for _, h := range cal.Holidays {
		hol[h] = true
	}
	work := make(map[string]bool, len(cal.Workdays))
	for _, w := range cal.Workdays {
		work[w] = true
	}
	workingDays = min(workingDays, MaxTimeLimitDays)
	y, m, d := from.Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, from.Location())
	for n := 0; n < workingDays; {
		day = day.AddDate(0, 0, 1)
		key := day.Format(DateLayout)
		wd := day.Weekday()
		isWork := work[key] || (!hol[key] && wd != time.Saturday && wd != time.Sunday)
		if isWork {
			n++
		}
	}
	return day
}

// CheckCalendar refuses, like a malformed catalogue (a *CatalogError), a
// calendar that lists no holiday in the year of now (China Standard Time)
// or in the next: promised dates counted in working days from it would be
// wrong.
func (c Catalog) CheckCalendar(now time.Time) error {
	y := now.In(Zone()).Year()
	for _, want := range []int{y, y + 1} {
		prefix := fmt.Sprintf("%04d-", want)
		covered := false
		for _, h := range c.Calendar.Holidays {
			if strings.HasPrefix(h, prefix) {
				covered = true
				break
			}
		}
		if !covered {
			return &CatalogError{Field: "calendar.holidays", Reason: fmt.Sprintf(
				"no holidays for %d: the calendar must cover this year and the next, or promised dates would be wrong", want)}
		}
	}
	return nil
}

// CatalogError names the field of a catalogue that is malformed.
type CatalogError struct {
	Field  string // e.g. "items[3].fields[0].type"
	Reason string
}

func (e *CatalogError) Error() string {
	return fmt.Sprintf("kiosk: invalid catalog: %s: %s", e.Field, e.Reason)
}

// Unwrap makes errors.Is(err, ErrInvalidCatalog) true.
func (e *CatalogError) Unwrap() error { return ErrInvalidCatalog }

// Validate rejects a malformed or partial catalogue. It returns the first
// problem found as a *CatalogError naming the field.
func (c Catalog) Validate() error {
	bad := func(field, format string, a ...any) error {
		return &CatalogError{Field: field, Reason: fmt.Sprintf(format, a...)}
	}
	if c.Version == "" {
		return bad("version", "missing")
	}
	if c.GeneratedAt.IsZero() {
		return bad("generated_at", "missing")
	}
	if len(c.Items) == 0 {
		return bad("items", "empty")
	}
	codes := make(map[string]bool, len(c.Items))
	for i, it := range c.Items {
		p := fmt.Sprintf("items[%d]", i)
		switch {
		case it.Code == "":
			return bad(p+".code", "missing")
		case codes[it.Code]:
			return bad(p+".code", "duplicate %q", it.Code)
		case it.Name == "":
			return bad(p+".name", "missing")
		case it.Department == "":
			return bad(p+".department", "missing")
		case it.Category == "":
			return bad(p+".category", "missing")
		case it.Kind != KindInstant && it.Kind != KindForwarded:
			return bad(p+".kind", "unknown kind %q", it.Kind)
		case it.SelfService && it.Kind != KindInstant:
			return bad(p+".self_service", "only instant items may be self-service")
		case it.TimeLimitDays < 0 || it.TimeLimitDays > MaxTimeLimitDays:
			return bad(p+".time_limit_days", "%d not in 0..%d", it.TimeLimitDays, MaxTimeLimitDays)
		case len(it.GuideURL) > MaxGuideURLLen:
			return bad(p+".guide_url", "%d bytes, over %d", len(it.GuideURL), MaxGuideURLLen)
		}
		codes[it.Code] = true
		for j, m := range it.Materials {
			if m.Name == "" {
				return bad(fmt.Sprintf("%s.materials[%d].name", p, j), "missing")
			}
		}
		keys := make(map[string]bool, len(it.Fields))
		for j, f := range it.Fields {
			fp := fmt.Sprintf("%s.fields[%d]", p, j)
			switch {
			case f.Key == "":
				return bad(fp+".key", "missing")
			case keys[f.Key]:
				return bad(fp+".key", "duplicate %q", f.Key)
			case f.Label == "":
				return bad(fp+".label", "missing")
			case !f.Type.Valid():
				return bad(fp+".type", "unknown type %q", f.Type)
			case f.Type == FieldChoice && len(f.Choices) == 0:
				return bad(fp+".choices", "a choice field needs choices")
			case f.MaxLen < 0:
				return bad(fp+".max_len", "negative")
			}
			keys[f.Key] = true
		}
	}
	if len(c.Calendar.Holidays) == 0 {
		return bad("calendar.holidays", "empty")
	}
	seen := make(map[string]string)
	for _, part := range []struct {
		name string
		list []string
	}{{"holidays", c.Calendar.Holidays}, {"workdays", c.Calendar.Workdays}} {
		name := part.name
		for i, d := range part.list {
			fp := fmt.Sprintf("calendar.%s[%d]", name, i)
			if _, err := time.Parse(DateLayout, d); err != nil {
				return bad(fp, "not a date: %q", d)
			}
			if other, ok := seen[d]; ok && other != name {
				return bad(fp, "%s is both a holiday and a workday", d)
			}
			seen[d] = name
		}
	}
	return nil
}
