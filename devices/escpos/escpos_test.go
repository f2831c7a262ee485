package escpos

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

func mustText(t *testing.T, b []byte, c Charset, s string) []byte {
	t.Helper()
	out, err := AppendTextLine(b, c, s)
	if err != nil {
		t.Fatalf("AppendTextLine(%q): %v", s, err)
	}
	return out
}

// TestSpecVectors reproduces every byte vector of the printing spec (§6).
func TestSpecVectors(t *testing.T) {
	t.Parallel()
	qr := func() []byte {
		b, err := AppendQR(nil, []byte("https://example.org/c/ABC123"), QROptions{Module: 6, Level: QRLevelM})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	styled := func(text func([]byte) []byte) []byte {
		b := AppendAlign(nil, AlignCenter)
		b = AppendBold(b, true)
		b = AppendSize(b, 2, 2)
		b = text(b)
		b = AppendSize(b, 1, 1)
		b = AppendBold(b, false)
		return AppendAlign(b, AlignLeft)
	}
	raster := func(w, h int) []byte {
		b, err := AppendRaster(nil, NewBitmap(w, h), 0)
		if err != nil {
			t.Fatal(err)
		}
		return b[:8]
	}
	onePixel := NewBitmap(1, 1)
	onePixel.Set(0, 0, true)
	one, err := AppendRaster(nil, onePixel, 0)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"init", AppendInit(nil), "1B 40"},
		{"RECEIPT centred bold double", styled(func(b []byte) []byte { return mustText(t, b, GB18030, "RECEIPT") }),
			"1B 61 01 1B 45 01 1D 21 11 52 45 43 45 49 50 54 0A 1D 21 00 1B 45 00 1B 61 00"},
		{"回执 centred bold double GB18030", styled(func(b []byte) []byte { return mustText(t, b, GB18030, "回执") }),
			"1B 61 01 1B 45 01 1D 21 11 1C 26 BB D8 D6 B4 0A 1C 2E 1D 21 00 1B 45 00 1B 61 00"},
		{"回执 GBK", mustText(t, nil, GBK, "回执"), "1C 26 BB D8 D6 B4 0A 1C 2E"},
		{"回执 GB2312", mustText(t, nil, GB2312, "回执"), "1C 26 BB D8 D6 B4 0A 1C 2E"},
		{"escpos-php textChinese", mustText(t, nil, GBK, "示例文本打印机!"),
			"1C 26 CA BE C0 FD CE C4 B1 BE B4 F2 D3 A1 BB FA 21 0A 1C 2E"},
		{"native QR", qr(), "1D 28 6B 04 00 31 41 32 00 1D 28 6B 03 00 31 43 06 1D 28 6B 03 00 31 45 31 " +
			"1D 28 6B 1F 00 31 50 30 68 74 74 70 73 3A 2F 2F 65 78 61 6D 70 6C 65 2E 6F 72 67 2F 63 2F 41 42 43 31 32 33 " +
			"1D 28 6B 03 00 31 51 30"},
		{"raster header 200 cropped", raster(200, 200), "1D 76 30 00 19 00 C8 00"},
		{"raster header full width", raster(576, 200), "1D 76 30 00 48 00 C8 00"},
		{"raster one pixel", one, "1D 76 30 00 01 00 01 00 80"},
		{"cut feed full", AppendCut(nil, CutFeedFull, 0), "1D 56 41 00"},
		{"cut feed partial", AppendCut(nil, CutFeedPartial, 0), "1D 56 42 00"},
		{"cut escpos-php default", AppendCut(nil, CutFeedFull, 3), "1D 56 41 03"},
		{"cut none feeds", AppendCut(nil, CutNone, 0), "1B 64 04"},
		{"DLE EOT 1..4", AppendStatusQuery(AppendStatusQuery(AppendStatusQuery(AppendStatusQuery(nil, 1), 2), 3), 4),
			"10 04 01 10 04 02 10 04 03 10 04 04"},
		{"size 4x1", AppendSize(nil, 4, 1), "1D 21 30"},
		{"size 1x4", AppendSize(nil, 1, 4), "1D 21 03"},
		{"size 0 clamps, never FF", AppendSize(nil, 0, 0), "1D 21 00"},
		{"size 9 clamps", AppendSize(nil, 9, 9), "1D 21 77"},
		{"print area 80mm", AppendPrintArea(nil, 0, 576), "1D 4C 00 00 1D 57 40 02"},
		{"feed", AppendFeed(nil, 5), "1B 64 05"},
		{"chinese on/off", AppendChineseOff(AppendChineseOn(nil)), "1C 26 1C 2E"},
		{"recover clear", AppendRecover(nil, true), "10 05 02"},
		{"GS r 1", AppendPaperSensorQuery(nil), "1D 72 01"},
		{"full-width yen GBK", mustText(t, nil, GBK, "￥"), "1C 26 A3 A4 0A 1C 2E"},
		{"yen GB18030 four bytes", mustText(t, nil, GB18030, "¥"), "1C 26 81 30 84 36 0A 1C 2E"},
		{"rare name GB18030", mustText(t, nil, GB18030, "𬌗"), "1C 26 99 31 D2 39 0A 1C 2E"},
		{"degree, celsius, copyright, bullet", mustText(t, nil, GB18030, "°℃©•"), "1C 26 A1 E3 A1 E6 81 30 84 38 81 36 A6 31 0A 1C 2E"},
		{"社区", mustText(t, nil, GB2312, "社区"), "1C 26 C9 E7 C7 F8 0A 1C 2E"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if want := unhex(t, tc.want); !bytes.Equal(tc.got, want) {
				t.Errorf("-want +got:\n- % X\n+ % X", want, tc.got)
			}
		})
	}
}

func TestQRLengthCountsUTF8Bytes(t *testing.T) {
	t.Parallel()
	for _, payload := range []string{"回执", "https://例子.cn/c/回执?n=123", strings.Repeat("办", 300)} {
		t.Run(payload[:min(len(payload), 12)], func(t *testing.T) {
			t.Parallel()
			b, err := AppendQR(nil, []byte(payload), QROptions{})
			if err != nil {
				t.Fatal(err)
			}
			store := b[9+8+8:]
			n := int(store[3]) | int(store[4])<<8
			if n != len(payload)+3 {
				t.Errorf("pL/pH = %d, want %d (UTF-8 bytes + 3)", n, len(payload)+3)
			}
			if !bytes.Equal(store[8:8+len(payload)], []byte(payload)) {
				t.Error("payload not copied verbatim")
			}
		})
	}
}

func TestQRErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		payload []byte
		o       QROptions
		want    error
	}{
		{"empty", nil, QROptions{}, ErrQRPayload},
		{"too long", bytes.Repeat([]byte("A"), MaxQRData+1), QROptions{}, ErrQRPayload},
		{"module 17", []byte("x"), QROptions{Module: 17}, ErrQRParam},
		{"level 52", []byte("x"), QROptions{Level: 52}, ErrQRParam},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, err := AppendQR([]byte{1}, tc.payload, tc.o)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if !bytes.Equal(b, []byte{1}) {
				t.Errorf("buffer changed on error: % X", b)
			}
		})
	}
}

func TestCharsetDetection(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cs   Charset
		text string
		bad  rune // 0 = encodable
	}{
		{GB2312, "社区事务受理服务中心", 0},
		{GB2312, "¥100", '¥'},
		{GBK, "¥100", '¥'},
		{GB18030, "¥100", 0},
		{GB2312, "￥100", 0},
		{GBK, "张𬌗", '𬌗'},
		{GB18030, "张𬌗", 0},
		{GBK, "刘䶮", '䶮'},     // FE 9F: glyph differs between GB18030 editions
		{GB18030, "刘䶮", '䶮'}, // same code in the 2-byte area
		{GBK, "€", '€'},      // x/text GBK maps to single byte 80
		{GB18030, "€", 0},    // A2 E3
		{GB2312, "镕", '镕'},   // GBK-only (E9 46), trail byte < A1
		{GB2312, "ⅰ", 'ⅰ'},   // GBK fills GB2312's empty cell A2A1
		{GBK, "ⅰ", 0},
		{GB2312, "ɑ", 'ɑ'},  // A8BB: GBK's pinyin letter
		{GB2312, "〇", '〇'},  // A996 in GBK, not in GB2312's box-drawing row
		{GB2312, "─ⅰ", 'ⅰ'}, // A9A4 is GB2312's
		{GB2312, "㈠", 0},    // A2E5: GB2312 row 2 has it
		{GB2312, "啊齄", 0},   // the first and last hanzi
		{GBK, "镕", 0},
		{GB18030, "©", 0},
		{GBK, "©", '©'},
		{GB18030, "a\x1bb", 0x1b}, // ESC injection refused
		{GB18030, "a\nb", '\n'},
		{GB18030, "a\u0085b", 0x85},
		{GB18030, "ok\xffbad", 0xFFFD},
	}
	for _, tc := range tests {
		t.Run(tc.cs.String()+"/"+tc.text, func(t *testing.T) {
			t.Parallel()
			out, err := tc.cs.Encode([]byte("keep"), tc.text)
			if tc.bad == 0 {
				if err != nil {
					t.Fatalf("Encode: %v", err)
				}
				return
			}
			var ue *UnencodableError
			if !errors.As(err, &ue) || !errors.Is(err, ErrUnencodable) {
				t.Fatalf("err = %v, want *UnencodableError", err)
			}
			if ue.Rune != tc.bad {
				t.Errorf("rune %U, want %U", ue.Rune, tc.bad)
			}
			if string(out) != "keep" {
				t.Errorf("dst changed on error: %q", out)
			}
			if !strings.HasPrefix(err.Error(), "escpos: ") {
				t.Errorf("error %q lacks package prefix", err)
			}
			if got := tc.cs.Unencodable(tc.text); len(got) == 0 || got[0] != tc.bad {
				t.Errorf("Unencodable = %q", got)
			}
		})
	}
}

func TestParseCharset(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Charset{"gb2312": GB2312, "GBK": GBK, "gb-18030": GB18030, "CP936": GBK} {
		if got, err := ParseCharset(in); err != nil || got != want {
			t.Errorf("ParseCharset(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseCharset("big5"); !errors.Is(err, ErrBadCharset) {
		t.Errorf("big5: %v", err)
	}
}

func TestRasterErrorsAndBanding(t *testing.T) {
	t.Parallel()
	for _, m := range []*Bitmap{nil, NewBitmap(0, 5), NewBitmap(577, 1), NewBitmap(8, 0)} {
		if _, err := AppendRaster(nil, m, 0); !errors.Is(err, ErrImageSize) {
			t.Errorf("%v: err = %v", m, err)
		}
	}
	m := NewBitmap(9, 5) // not a multiple of 8: must not be cropped
	m.Set(8, 4, true)
	b, err := AppendRaster(nil, m, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := unhex(t, "1D 76 30 00 02 00 02 00 0000 0000  1D 76 30 00 02 00 02 00 0000 0000  1D 76 30 00 02 00 01 00 0080")
	if !bytes.Equal(b, want) {
		t.Errorf("-want +got:\n- % X\n+ % X", want, b)
	}
}

// TestStatusTable decodes every example reply of the spec's status table.
func TestStatusTable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind  StatusKind
		reply byte
		want  string
		ready bool
	}{
		{1, 0x12, "ok", true},
		{1, 0x16, "ok", true}, // drawer pin HIGH only
		{1, 0x1A, "offline", false},
		{2, 0x12, "ok", true},
		{2, 0x16, "cover open", false},
		{2, 0x32, "paper out", false},
		{2, 0x52, "error", false},
		{3, 0x1A, "cutter error", false},
		{3, 0x32, "unrecoverable error", false},
		{3, 0x52, "auto-recoverable error", false},
		{4, 0x12, "ok", true},
		{4, 0x1E, "paper near end", true},
		{4, 0x72, "paper out", false},
		{4, 0x7E, "paper out, paper near end", false},
	}
	for _, tc := range tests {
		t.Run(string(rune('0'+tc.kind))+"/"+hex.EncodeToString([]byte{tc.reply}), func(t *testing.T) {
			t.Parallel()
			s, err := DecodeStatus(tc.kind, tc.reply)
			if err != nil {
				t.Fatal(err)
			}
			if s.String() != tc.want || s.Ready() != tc.ready {
				t.Errorf("got %q ready=%v, want %q ready=%v", s, s.Ready(), tc.want, tc.ready)
			}
			if back := s.Encode(tc.kind); back != tc.reply {
				t.Errorf("Encode = %02X, want %02X", back, tc.reply)
			}
		})
	}
	if s, _ := DecodeStatus(1, 0x16); !s.DrawerHigh {
		t.Error("16: drawer bit lost")
	}
	// The triple of a printer out of paper.
	var s Status
	for i, b := range []byte{0x1A, 0x32, 0x7E} {
		if err := s.Decode([]StatusKind{1, 2, 4}[i], b); err != nil {
			t.Fatal(err)
		}
	}
	if !s.Offline || !s.PaperEnd || !s.PaperStop || s.Ready() {
		t.Errorf("1A 32 7E decoded as %+v", s)
	}
}

func TestStatusRejects(t *testing.T) {
	t.Parallel()
	for _, b := range []byte{XON, XOFF, 0x00, 0xFF, 0x10, 0x92} {
		if _, err := DecodeStatus(StatusPaper, b); !errors.Is(err, ErrBadStatus) {
			t.Errorf("%02X: err = %v", b, err)
		}
	}
	if _, err := DecodeStatus(5, 0x12); !errors.Is(err, ErrBadStatusKind) {
		t.Errorf("kind 5: %v", err)
	}
}

func TestASBRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []ASB{{}, {CoverOpen: true}, {PaperEnd: true, PaperNearEnd: true, Offline: true}, {CutterError: true}}
	for _, a := range tests {
		p := a.Encode()
		got, err := DecodeASB(p[:])
		if err != nil || got != a {
			t.Errorf("%+v -> % X -> %+v, %v", a, p, got, err)
		}
	}
	for _, bad := range [][]byte{{0x10, 0, 0}, {0x12, 0, 0, 0}, {0x10, 0x80, 0, 0}} {
		if _, err := DecodeASB(bad); !errors.Is(err, ErrBadStatus) {
			t.Errorf("% X: %v", bad, err)
		}
	}
	if got := (ASB{PaperEnd: true}).Status(); got.Ready() {
		t.Error("ASB paper end reads as ready")
	}
}

func TestPaperSensor(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		b         byte
		near, end bool
		bad       bool
	}{{0x00, false, false, false}, {0x03, true, false, false}, {0x0F, true, true, false}, {0x0C, false, true, false}, {0x90, false, false, true}} {
		n, e, err := PaperSensor(tc.b)
		if (err != nil) != tc.bad || n != tc.near || e != tc.end {
			t.Errorf("%02X: %v %v %v", tc.b, n, e, err)
		}
	}
}

// FuzzDecodeStatus checks the decoders never panic and agree with Encode.
func FuzzDecodeStatus(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/status-*.bin")
	for _, p := range seeds {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte{0x1A, 0x32, 0x7E, 0x12})
	f.Fuzz(func(t *testing.T, p []byte) {
		for i, b := range p {
			kind := StatusKind(i%4 + 1)
			s, err := DecodeStatus(kind, b)
			if err != nil {
				if IsStatusReply(b) {
					t.Fatalf("valid %02X rejected: %v", b, err)
				}
				continue
			}
			if kind != StatusPaper && s.Encode(kind) != b&^0x81 {
				// bits 0 and 7 are fixed 0 and bit 0x01/0x80 are excluded by the mask
				t.Fatalf("round trip %02X -> %02X", b, s.Encode(kind))
			}
		}
		if len(p) >= 4 {
			if a, err := DecodeASB(p[:4]); err == nil {
				_ = a.Status().String()
			}
		}
	})
}

// FuzzEncodeText checks the text encoder never panics, never emits control
// bytes, and that GB18030 output decodes back to the input.
func FuzzEncodeText(f *testing.F) {
	for _, s := range []string{"回执", "¥￥€", "张𬌗 刘䶮", "a\x1bb", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, cs := range []Charset{GB2312, GBK, GB18030} {
			out, err := AppendText(nil, cs, s)
			if err != nil {
				if !errors.Is(err, ErrUnencodable) {
					t.Fatalf("%s: unexpected error %v", cs, err)
				}
				continue
			}
			inner := out
			if bytes.HasPrefix(out, []byte{FS, '&'}) {
				inner = out[2 : len(out)-2]
			}
			for _, b := range inner {
				if b < 0x20 || b == 0x7F {
					t.Fatalf("%s: control byte %02X in % X", cs, b, out)
				}
			}
		}
	})
}

func TestSafePoints(t *testing.T) {
	t.Parallel()
	job := AppendInit(nil)                   // 0..2
	job = AppendAlign(job, AlignCenter)      // 2..5
	job, _ = AppendTextLine(job, GBK, "回执A") // 5..5+2+5+1+2 = 15
	img := NewBitmap(8, 2)
	job, _ = AppendRaster(job, img, 0) // 15..25
	job = AppendCut(job, CutFeedPartial, 0)
	pts, ok := SafePoints(job)
	if !ok {
		t.Fatal("job not parsed completely")
	}
	want := []int{2, 5, 13, 15, 25, 29}
	if fmt.Sprint(pts) != fmt.Sprint(want) {
		t.Errorf("points %v, want %v", pts, want)
	}
	// Unknown command: stop there.
	pts, ok = SafePoints([]byte("ab\x1b\x7fcd"))
	if ok || fmt.Sprint(pts) != "[1 2]" {
		t.Errorf("unknown: %v %v", pts, ok)
	}
	// Truncated raster.
	if _, ok := SafePoints([]byte("\x1dv0\x00\x01\x00\x05\x00\x01")); ok {
		t.Error("truncated raster parsed as complete")
	}
}

func FuzzSafePoints(f *testing.F) {
	f.Add([]byte("\x1b@\x1c&\xbb\xd8\n\x1c.\x1dv0\x00\x01\x00\x01\x00\x80"))
	f.Fuzz(func(t *testing.T, p []byte) {
		pts, _ := SafePoints(p)
		last := 0
		for _, x := range pts {
			if x <= last || x > len(p) {
				t.Fatalf("bad point %d after %d (len %d)", x, last, len(p))
			}
			last = x
		}
	})
}

func TestTextMarshalling(t *testing.T) {
	t.Parallel()
	for _, c := range []Charset{GB2312, GBK, GB18030} {
		b, err := c.MarshalText()
		var back Charset
		if err != nil || back.UnmarshalText(b) != nil || back != c {
			t.Errorf("%v: %s %v %v", c, b, err, back)
		}
	}
	if _, err := Charset(0).MarshalText(); err == nil {
		t.Error("charset 0 marshalled")
	}
	for _, k := range []CutKind{CutNone, CutFeedFull, CutFeedPartial} {
		b, err := k.MarshalText()
		var back CutKind
		if err != nil || back.UnmarshalText(b) != nil || back != k {
			t.Errorf("%v: %s %v %v", k, b, err, back)
		}
	}
	var k CutKind
	if err := k.UnmarshalText([]byte("guillotine")); !errors.Is(err, ErrParam) {
		t.Errorf("bad cut: %v", err)
	}
}

// GB2312 carries exactly GB 2312's 7,445 characters (682 symbols and 6,763
// hanzi) as text: a GBK-only character sent to a GB2312 printer prints as
// a wrong glyph or a gap, so it must go as an image instead.
func TestGB2312IsExactlyGB2312(t *testing.T) {
	t.Parallel()
	n := 0
	for r := rune(0x80); r <= 0xFFFF; r++ {
		if GB2312.CanEncode(r) {
			n++
		}
	}
	if n != 7445 {
		t.Errorf("GB2312 encodes %d characters beyond ASCII, want GB 2312's 7445", n)
	}
}
