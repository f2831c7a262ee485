package kiosk

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestValidIDNumber(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want bool
	}{
		{"310101199001011234", true},
		{"310115195003120020", true},
		{"81000019900101001" + "9", true},
		{"11010519491231002X", true},
		{"11010519491231002x", true},
		{"310101199001011235", false},
		{"31010119900101123", false},
		{"3101011990010112345", false},
		{"31010119900101A234", false},
		{"", false},
		{"３10101199001011234", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			if got := ValidIDNumber(tt.in); got != tt.want {
				t.Errorf("ValidIDNumber(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
	if c := IDCheckChar("11010519491231002"); c != 'X' {
		t.Errorf("IDCheckChar = %q, want X", c)
	}
}

func TestValidDocumentNumber(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ct   CardType
		in   string
		want bool
	}{
		{CardResident, "310115198503124531", true},
		{CardResident, "310115198503124532", false},
		{CardForeignPermanent, "932682198501010017", true},
		{CardForeignPermanent, "USA110081020013", true},
		{CardResident, "USA110081020013", false},
		{CardHMTResidence, "USA110081020013", false},
		{CardForeignPermanent, "usa110081020013", false},
		{CardForeignPermanent, "USA11008102001", false},
		{CardForeignPermanent, "US1110081020013", false},
		{CardHMTResidence, "810000199007040024", true},
	}
	for _, tt := range tests {
		t.Run(string(tt.ct)+"/"+tt.in, func(t *testing.T) {
			t.Parallel()
			if got := ValidDocumentNumber(tt.ct, tt.in); got != tt.want {
				t.Errorf("ValidDocumentNumber(%s, %q) = %v, want %v", tt.ct, tt.in, got, tt.want)
			}
		})
	}
}

func TestNewSubmissionID(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	prev := newULID(time.UnixMilli(1_700_000_000_000))
	for i := 0; i < 1000; i++ {
		id := NewSubmissionID()
		if !ValidSubmissionID(id) {
			t.Fatalf("NewSubmissionID() = %q, not valid", id)
		}
		if seen[id] {
			t.Fatalf("duplicate id %q", id)
		}
		seen[id] = true
		if id <= prev {
			t.Fatalf("%q does not sort after %q", id, prev)
		}
	}
	// The timestamp prefix is the millisecond clock.
	if got := newULID(time.UnixMilli(0))[:10]; got != "0000000000" {
		t.Errorf("ULID of epoch starts %q", got)
	}
	if got := newULID(time.UnixMilli(1<<48 - 1))[:10]; got != "7ZZZZZZZZZ" {
		t.Errorf("ULID of max time starts %q", got)
	}
}

func TestValidSubmissionID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want bool
	}{
		{"01JD5ZK8X6N3Q4R7S9T0V1W2X3", true},
		{"01jd5zk8x6n3q4r7s9t0v1w2x3", false},
		{"81JD5ZK8X6N3Q4R7S9T0V1W2X3", false},
		{"01JD5ZK8X6N3Q4R7S9T0V1W2XU", false},
		{"6f1c2a9e-3b7d-4c5e-9f00-123456789abc", true},
		{"6f1c2a9e-3b7d-4c5e-9f00_123456789abc", false},
		{"6f1c2a9e-3b7d-4c5e-9f00-123456789abg", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			if got := ValidSubmissionID(tt.in); got != tt.want {
				t.Errorf("ValidSubmissionID(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

// The 2026 calendar of the State Council notice (National Day and spring
// festival parts).
var cal2026 = Calendar{
	Holidays: []string{"2026-02-15", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20",
		"2026-02-21", "2026-02-22", "2026-02-23",
		"2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04", "2026-10-05", "2026-10-06", "2026-10-07"},
	Workdays: []string{"2026-02-14", "2026-02-28", "2026-09-20", "2026-10-10"},
}

func TestDueDate(t *testing.T) {
	t.Parallel()
	sh := time.FixedZone("CST", 8*3600)
	tests := []struct {
		name string
		from string
		days int
		want string
	}{
		{"same day", "2026-11-27T15:04:05", 0, "2026-11-27"},
		{"negative is same day", "2026-11-27T15:04:05", -3, "2026-11-27"},
		{"friday plus one skips weekend", "2026-11-27T09:00:00", 1, "2026-11-30"},
		{"friday plus five", "2026-11-27T09:00:00", 5, "2026-12-04"},
		{"saturday 调休 workday counts", "2026-09-18T09:00:00", 1, "2026-09-20"},
		{"over national day", "2026-09-30T09:00:00", 1, "2026-10-08"},
		{"national day then saturday workday", "2026-09-30T09:00:00", 3, "2026-10-10"},
		{"from inside holiday", "2026-10-03T09:00:00", 1, "2026-10-08"},
		{"spring festival", "2026-02-13T09:00:00", 1, "2026-02-14"},
		{"spring festival long", "2026-02-13T09:00:00", 2, "2026-02-24"},
		{"year end", "2026-12-31T09:00:00", 1, "2027-01-01"},
		{"clamped", "2026-11-27T09:00:00", 1 << 40, cal2026.DueDate(time.Date(2026, 11, 27, 0, 0, 0, 0, sh), MaxTimeLimitDays).Format(DateLayout)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			from, err := time.ParseInLocation("2006-01-02T15:04:05", tt.from, sh)
			if err != nil {
				t.Fatal(err)
			}
			got := cal2026.DueDate(from, tt.days)
			if got.Format(DateLayout) != tt.want || got.Hour() != 0 || got.Location() != sh {
				t.Errorf("DueDate(%s, %d) = %s, want %s midnight in CST", tt.from, tt.days, got, tt.want)
			}
		})
	}
	if !cal2026.IsWorkday(time.Date(2026, 10, 10, 0, 0, 0, 0, sh)) || cal2026.IsWorkday(time.Date(2026, 10, 5, 0, 0, 0, 0, sh)) {
		t.Error("IsWorkday disagrees with the calendar")
	}
}

func goodCatalog() Catalog {
	return Catalog{
		Version:     "2026.11.1",
		GeneratedAt: time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC),
		Items: []Item{{
			Code: "MZ-0101", Name: "敬老卡申领", NameEn: "Senior card", Department: "区民政局", Category: "老龄",
			Kind: KindInstant, SelfService: true, Fee: "免费",
			Materials: []Material{{Name: "居民身份证", Required: true}},
			Fields: []Field{
				{Key: "phone", Label: "联系电话", Type: FieldPhone, Required: true},
				{Key: "pickup", Label: "领取方式", Type: FieldChoice, Choices: []string{"邮寄", "自取"}},
			},
		}},
		Calendar: cal2026,
	}
}

func TestCatalogValidate(t *testing.T) {
	t.Parallel()
	if err := goodCatalog().Validate(); err != nil {
		t.Fatalf("good catalog: %v", err)
	}
	tests := []struct {
		name  string
		edit  func(*Catalog)
		field string
	}{
		{"no version", func(c *Catalog) { c.Version = "" }, "version"},
		{"no time", func(c *Catalog) { c.GeneratedAt = time.Time{} }, "generated_at"},
		{"no items", func(c *Catalog) { c.Items = nil }, "items"},
		{"dup code", func(c *Catalog) { c.Items = append(c.Items, c.Items[0]) }, "items[1].code"},
		{"no name", func(c *Catalog) { c.Items[0].Name = "" }, "items[0].name"},
		{"no department", func(c *Catalog) { c.Items[0].Department = "" }, "items[0].department"},
		{"bad kind", func(c *Catalog) { c.Items[0].Kind = "later" }, "items[0].kind"},
		{"forwarded self-service", func(c *Catalog) { c.Items[0].Kind = KindForwarded }, "items[0].self_service"},
		{"negative limit", func(c *Catalog) { c.Items[0].TimeLimitDays = -1 }, "items[0].time_limit_days"},
		{"huge limit", func(c *Catalog) { c.Items[0].TimeLimitDays = 1 << 30 }, "items[0].time_limit_days"},
		{"material name", func(c *Catalog) { c.Items[0].Materials[0].Name = "" }, "items[0].materials[0].name"},
		{"field type", func(c *Catalog) { c.Items[0].Fields[0].Type = "email" }, "items[0].fields[0].type"},
		{"field key dup", func(c *Catalog) { c.Items[0].Fields[1].Key = "phone" }, "items[0].fields[1].key"},
		{"choice without choices", func(c *Catalog) { c.Items[0].Fields[1].Choices = nil }, "items[0].fields[1].choices"},
		{"no holidays", func(c *Catalog) { c.Calendar.Holidays = nil }, "calendar.holidays"},
		{"bad date", func(c *Catalog) { c.Calendar.Workdays = []string{"2026-13-01"} }, "calendar.workdays[0]"},
		{"holiday and workday", func(c *Catalog) { c.Calendar.Workdays = []string{"2026-10-01"} }, "calendar.workdays[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := goodCatalog()
			tt.edit(&c)
			err := c.Validate()
			var ce *CatalogError
			if !errors.As(err, &ce) || !errors.Is(err, ErrInvalidCatalog) {
				t.Fatalf("Validate() = %v, want a *CatalogError", err)
			}
			if ce.Field != tt.field {
				t.Errorf("field = %q, want %q (%v)", ce.Field, tt.field, err)
			}
			if !strings.HasPrefix(err.Error(), "kiosk: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

// RenewalItem finds where each kind of card is renewed, by the item's
// name, and nothing for a card the catalogue has no renewal item for.
func TestRenewalItem(t *testing.T) {
	c := Catalog{Items: []Item{
		{Code: "GA-0501", Name: "居住证签注"},
		{Code: "RS-0307", Name: "社会保障卡补换卡"},
		{Code: "GA-0504", Name: "居民身份证换领"},
		{Code: "GA-0505", Name: "港澳台居民居住证换领"},
	}}
	for _, tc := range []struct {
		ct   CardType
		want string
	}{
		{CardResident, "GA-0504"},
		{"", "GA-0504"},
		{CardHMTResidence, "GA-0505"},
		{CardForeignPermanent, ""},
	} {
		it, ok := c.RenewalItem(tc.ct)
		if it.Code != tc.want || ok != (tc.want != "") {
			t.Errorf("%q: %q %v, want %q", tc.ct, it.Code, ok, tc.want)
		}
	}
	if _, ok := (Catalog{Items: c.Items[:2]}).RenewalItem(CardResident); ok {
		t.Error("a catalogue without a card renewal item names one")
	}
	c.Items = append([]Item{{Code: "X", Name: "外国人永久居留身份证补换领"}}, c.Items...)
	if it, _ := c.RenewalItem(CardForeignPermanent); it.Code != "X" {
		t.Errorf("foreign permanent resident card: %q", it.Code)
	}
	if it, _ := c.RenewalItem(CardResident); it.Code != "GA-0504" {
		t.Errorf("resident card with a foreign card's item first: %q", it.Code)
	}
}

func TestCaseStatusWords(t *testing.T) {
	t.Parallel()
	want := map[CaseStatus]string{StatusReceived: "已接收", StatusAccepted: "已受理", StatusProcessing: "办理中",
		StatusForwarded: "已流转", StatusNeedsMore: "需补正", StatusCompleted: "已办结", StatusRejected: "不予受理"}
	for s, zh := range want {
		if s.Chinese() != zh || !s.Valid() || s.English() == string(s) {
			t.Errorf("%s: %q %q valid=%v", s, s.Chinese(), s.English(), s.Valid())
		}
	}
	if CaseStatus("lost").Valid() || CaseStatus("lost").Chinese() != "lost" {
		t.Error("unknown status taken as valid")
	}
}

func TestSubmissionJSON(t *testing.T) {
	t.Parallel()
	s := Submission{ID: "01JD5ZK8X6N3Q4R7S9T0V1W2X3", TerminalID: "PD-T01", ItemCode: "MZ-0101",
		CreatedAt: time.Date(2026, 11, 27, 9, 0, 0, 0, time.FixedZone("", 8*3600)),
		Fields:    map[string]string{"phone": "13800138000"},
		Applicant: Person{IDNumber: "310115195003120020", Name: "张秀英", CardType: CardResident},
		Agent:     &Agent{Person: Person{Name: "李娜"}, Relation: "社工", AuthorizationRef: "WT-1"}}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"submission_id":"01JD5ZK8X6N3Q4R7S9T0V1W2X3"`, `"created_at":"2026-11-27T09:00:00+08:00"`,
		`"agent":{"id_number":"","name":"李娜"`, `"authorization_ref":"WT-1"`, `"card_type":"resident"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON %s lacks %s", b, want)
		}
	}
	if strings.Contains(string(b), "valid_until") {
		t.Errorf("empty valid_until written: %s", b)
	}
}
