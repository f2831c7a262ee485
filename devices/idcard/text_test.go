package idcard

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
)

// block builds a text block by hand: space padding, then each string as
// UCS-2LE at the byte offset given, independent of the package's tables.
func block(fields map[int]string) []byte {
	b := make([]byte, TextLen)
	for i := 0; i < TextLen; i += 2 {
		b[i] = ' '
	}
	for off, s := range fields {
		for i, u := range utf16.Encode([]rune(s)) {
			binary.LittleEndian.PutUint16(b[off+2*i:], u)
		}
	}
	return b
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func residentFields() map[int]string {
	return map[int]string{0: "张伟", 30: "1", 32: "01", 36: "19850312", 52: "上海市浦东新区世纪大道100号",
		122: "310115198503124531", 158: "上海市公安局浦东分局", 188: "20160520", 204: "20360520"}
}

func TestParseText(t *testing.T) {
	t.Parallel()
	longTermRes := residentFields()
	longTermRes[204] = "长期"
	longTermRes[0] = "刘䶮"
	longTermRes[32] = "36"
	longTermRes[30] = "9"
	lower := residentFields()
	lower[122] = "11010519491231002x"
	tests := []struct {
		name  string
		block []byte
		want  Identity
	}{
		{"resident", block(residentFields()), Identity{CardType: CardResident, Name: "张伟", Gender: GenderMale,
			Nation: "汉", NationCode: "01", BirthDate: day(1985, 3, 12), Address: "上海市浦东新区世纪大道100号",
			IDNumber: "310115198503124531", Authority: "上海市公安局浦东分局", ValidFrom: day(2016, 5, 20), ValidUntil: day(2036, 5, 20)}},
		{"long-term, rare character, 毛南, gender 9", block(longTermRes), Identity{CardType: CardResident, Name: "刘䶮",
			Gender: GenderUnspecified, Nation: "毛南", NationCode: "36", BirthDate: day(1985, 3, 12), Address: "上海市浦东新区世纪大道100号",
			IDNumber: "310115198503124531", Authority: "上海市公安局浦东分局", ValidFrom: day(2016, 5, 20), LongTerm: true}},
		{"lower-case x", block(lower), Identity{CardType: CardResident, Name: "张伟", Gender: GenderMale,
			Nation: "汉", NationCode: "01", BirthDate: day(1985, 3, 12), Address: "上海市浦东新区世纪大道100号",
			IDNumber: "11010519491231002X", Authority: "上海市公安局浦东分局", ValidFrom: day(2016, 5, 20), ValidUntil: day(2036, 5, 20)}},
		{"HMT 'J'", block(map[int]string{0: "陈家明", 30: "2", 36: "19900704", 52: "上海市徐汇区漕溪北路1号",
			122: "810000199007040024", 158: "上海市公安局徐汇分局", 188: "20200101", 204: "20250101",
			220: "H12345678", 238: "01", 248: "J"}),
			Identity{CardType: CardHMTResidence, CardFlag: 'J', Name: "陈家明", Gender: GenderFemale, BirthDate: day(1990, 7, 4),
				Address: "上海市徐汇区漕溪北路1号", IDNumber: "810000199007040024", Authority: "上海市公安局徐汇分局",
				ValidFrom: day(2020, 1, 1), ValidUntil: day(2025, 1, 1), PassNumber: "H12345678", IssueCount: "01"}},
		{"old foreign 'I'", block(map[int]string{0: "SMITH, JOHN", 120: "1", 122: "USA110081020013", 152: "USA",
			158: "史密斯", 188: "20180101", 204: "20280101", 220: "19810802", 236: "01", 240: "1500", 248: "I"}),
			Identity{CardType: CardForeignPermanent, CardFlag: 'I', Name: "史密斯", NameEN: "SMITH, JOHN", Gender: GenderMale,
				Nationality: "USA", BirthDate: day(1981, 8, 2), IDNumber: "USA110081020013", Authority: "1500",
				ValidFrom: day(2018, 1, 1), ValidUntil: day(2028, 1, 1), CardVersion: "01"}},
		{"2023 foreign 'Y', long English name", block(map[int]string{0: "", 30: "2", 32: "00", 36: "19850101",
			52: "MUELLER-SCHMIDT, ANNA MARIA THERESA", 220: " CHRISTINE", 122: "932682198501010017",
			188: "20230601", 204: "20330601", 242: "DEU", 248: "Y", 250: "DEU"}),
			Identity{CardType: CardForeignPermanent, CardFlag: 'Y', Name: "MUELLER-SCHMIDT, ANNA MARIA THERESA CHRISTINE",
				NameEN: "MUELLER-SCHMIDT, ANNA MARIA THERESA CHRISTINE", Gender: GenderFemale, IssueCount: "00",
				BirthDate: day(1985, 1, 1), IDNumber: "932682198501010017", ValidFrom: day(2023, 6, 1), ValidUntil: day(2033, 6, 1),
				Nationality: "DEU", PreviousNumber: "DEU"}},
		{"private-use character", block(map[int]string{0: "王\ue83a", 30: "1", 32: "01", 36: "19850312", 52: "上海",
			122: "310115198503124531", 158: "上海", 188: "20160520", 204: "20360520"}),
			Identity{CardType: CardResident, Name: "王\ue83a", Gender: GenderMale, Nation: "汉", NationCode: "01",
				BirthDate: day(1985, 3, 12), Address: "上海", IDNumber: "310115198503124531", Authority: "上海",
				ValidFrom: day(2016, 5, 20), ValidUntil: day(2036, 5, 20), PrivateUse: []string{"name"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseText(tt.block)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("-want +got:\n-%+v\n+%+v", tt.want, got)
			}
			// The encoder must give back the same block.
			enc, err := EncodeText(got)
			if err != nil {
				t.Fatal(err)
			}
			again, err := ParseText(enc)
			if err != nil || !reflect.DeepEqual(again, got) {
				t.Errorf("re-encoded block parses as %+v, %v", again, err)
			}
		})
	}
}

func TestParseTextErrors(t *testing.T) {
	t.Parallel()
	with := func(off int, s string) []byte {
		f := residentFields()
		f[off] = s
		return block(f)
	}
	raw := func(off int, b ...byte) []byte {
		bl := block(residentFields())
		copy(bl[off:], b)
		return bl
	}
	tests := []struct {
		name  string
		block []byte
		want  error
		field string
	}{
		{"short block", make([]byte, 255), ErrTextBlock, ""},
		{"check digit", with(122, "310115198503124532"), ErrCheckDigit, "id_number"},
		{"number with letters", with(122, "31011519850312453A"), ErrCheckDigit, "id_number"},
		{"bad birth date", with(36, "19850230"), ErrDate, "birth_date"},
		{"9999 is a date, not long-term", with(204, "9999123"), ErrDate, "valid_until"},
		{"gender 3", with(30, "3"), ErrGender, "gender"},
		{"nation 57", with(32, "57"), ErrNation, "nation"},
		{"unpaired surrogate", raw(0, 0x00, 0xD8, 0x41, 0x00), ErrText, "name"},
		{"control character", raw(52, 0x07, 0x00), ErrText, "address"},
		{"text after NUL", raw(0, 0x00, 0x00, 0x41, 0x00), ErrText, "name"},
		{"non-character", raw(158, 0xFF, 0xFF), ErrText, "authority"},
		{"Y card not starting with 9", block(map[int]string{30: "1", 32: "00", 36: "19850312", 122: "310115198503124531",
			188: "20230601", 204: "20330601", 248: "Y"}), ErrIDNumber, "id_number"},
		{"I card bad number", block(map[int]string{120: "1", 122: "US1110081020013", 188: "20180101", 204: "20280101",
			220: "19810802", 248: "I"}), ErrIDNumber, "id_number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseText(tt.block)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			var fe *FieldError
			if tt.field != "" && (!errors.As(err, &fe) || fe.Field != tt.field) {
				t.Errorf("err = %v, want a FieldError on %s", err, tt.field)
			}
			if strings.Contains(err.Error(), "31011519850312453") {
				t.Errorf("error %q reveals the ID number", err)
			}
			// No field's value in the error: not the birth date, not
			// the gender digit, not the nation code.
			for _, v := range []string{"19850230", "9999123", "US1110081020013", `"3"`, `"57"`} {
				if strings.Contains(err.Error(), v) {
					t.Errorf("error %q holds the raw value %q", err, v)
				}
			}
		})
	}
}

func TestTypeFlagReadFirst(t *testing.T) {
	t.Parallel()
	// A 'Y' card has the name at 0 and an 18-digit number at 122, like a
	// resident card: only the flag tells them apart.
	b := block(map[int]string{0: "安娜", 30: "2", 32: "01", 36: "19850101", 122: "932682198501010017",
		188: "20230601", 204: "20330601", 242: "DEU", 248: "Y"})
	id, err := ParseText(b)
	if err != nil {
		t.Fatal(err)
	}
	if id.CardType != CardForeignPermanent || id.Nation != "" || id.Nationality != "DEU" {
		t.Errorf("got %+v, want a foreign card", id)
	}
}

func TestExpiredAndAge(t *testing.T) {
	t.Parallel()
	id := Identity{BirthDate: day(1960, 2, 29), ValidUntil: day(2026, 3, 1)}
	shanghai := time.FixedZone("CST", 8*3600)
	tests := []struct {
		now     time.Time
		expired bool
		age     int
	}{
		{time.Date(2026, 3, 1, 23, 59, 0, 0, shanghai), false, 66},
		{time.Date(2026, 3, 2, 0, 1, 0, 0, shanghai), true, 66},
		{time.Date(2020, 2, 28, 12, 0, 0, 0, shanghai), false, 59},
		{time.Date(2020, 2, 29, 12, 0, 0, 0, shanghai), false, 60},
	}
	for _, tt := range tests {
		if got := id.Expired(tt.now); got != tt.expired {
			t.Errorf("Expired(%v) = %v", tt.now, got)
		}
		if got := id.Age(tt.now); got != tt.age {
			t.Errorf("Age(%v) = %d, want %d", tt.now, got, tt.age)
		}
	}
	lt := Identity{LongTerm: true}
	if lt.Expired(time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Error("a long-term card expired")
	}
}

func TestParseReadBaseAndAppended(t *testing.T) {
	t.Parallel()
	photo := bytes.Repeat([]byte("WLf"), 342)[:1024]
	id, err := ParseReadBase(EncodeReadBase(block(residentFields()), photo), false)
	if err != nil || !bytes.Equal(id.Photo, photo) || id.Name != "张伟" {
		t.Fatalf("ParseReadBase = %v, %v", id, err)
	}
	if _, err := ParseReadBase(EncodeReadBase(block(residentFields()), photo)[:1000], false); !errors.Is(err, ErrResponse) {
		t.Errorf("truncated read answer: %v", err)
	}
	data, err := EncodeAppended([]string{"上海市浦东新区张杨路1号", "上海市黄浦区人民大道200号"})
	if err != nil {
		t.Fatal(err)
	}
	addrs, err := ParseAppended(data)
	if err != nil || !reflect.DeepEqual(addrs, []string{"上海市浦东新区张杨路1号", "上海市黄浦区人民大道200号"}) {
		t.Errorf("ParseAppended = %q, %v", addrs, err)
	}
	if _, err := ParseAppended(data[:69]); !errors.Is(err, ErrResponse) {
		t.Errorf("69-byte appended data: %v", err)
	}
}

func TestNationTable(t *testing.T) {
	t.Parallel()
	if len(nations) != 58 {
		t.Errorf("%d nations, want 56 + 97 + 98", len(nations))
	}
	for code, want := range map[string]string{"36": "毛南", "46": "德昂", "56": "基诺", "98": "外国血统中国籍人士"} {
		if got, _ := NationName(code); got != want {
			t.Errorf("NationName(%s) = %q, want %q", code, got, want)
		}
	}
	if _, ok := NationName("57"); ok {
		t.Error("57 is not a GB 3304 code")
	}
}

// An Identity prints and logs masked, whatever the verb or handler.
func TestIdentityNeverLeaks(t *testing.T) {
	t.Parallel()
	id := Identity{CardType: CardResident, Name: "欧阳娜娜", IDNumber: "310115198503124531", Address: "上海市浦东新区花木路1号",
		BirthDate: time.Date(1985, 3, 12, 0, 0, 0, 0, time.UTC), PassNumber: "H12345678"}
	var log bytes.Buffer
	slog.New(slog.NewJSONHandler(&log, nil)).Info("card", "id", id, "ptr", &id)
	slog.New(slog.NewTextHandler(&log, nil)).Info("card", "id", id)
	out := fmt.Sprintf("%v %+v %#v %s", id, id, id, id) + log.String()
	for _, v := range []string{id.Name, "娜娜", "19850312", id.Address, id.PassNumber} {
		if strings.Contains(out, v) {
			t.Errorf("%q in %s", v, out)
		}
	}
	if !strings.Contains(out, "3101**********4531") {
		t.Errorf("masked number missing: %s", out)
	}
}

func TestShapeOf(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"19850230": "8 characters: digits", "3": "1 character: digits", "H1234567": "8 characters: digits, letters", "张三": "2 characters: Chinese", "": "empty"} {
		if got := shapeOf(in); got != want {
			t.Errorf("shapeOf(%q) = %q, want %q", in, got, want)
		}
	}
}
