package receipt

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pudong-community/kiosk/devices/escpos"
)

var update = flag.Bool("update", false, "rewrite testdata/*.bin goldens")

func opts(width int, cs escpos.Charset, native bool) Options {
	return Options{WidthDots: width, Charset: cs, NativeQR: native, Cut: escpos.CutFeedPartial}
}

// TestGolden pins the bytes of the sample receipt for both paper widths and
// all three charsets (80 mm with native QR, 58 mm with raster QR).
func TestGolden(t *testing.T) {
	t.Parallel()
	for _, width := range []int{384, 576} {
		for _, cs := range []escpos.Charset{escpos.GB2312, escpos.GBK, escpos.GB18030} {
			name := fmt.Sprintf("receipt-%d-%s.bin", width, strings.ToLower(cs.String()))
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				got, rep, err := Encode(nil, Sample(), opts(width, cs, width == 576))
				if err != nil {
					t.Fatal(err)
				}
				path := filepath.Join("testdata", name)
				if *update {
					if err := os.WriteFile(path, got, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test -update)", err)
				}
				if !bytes.Equal(got, want) {
					i := 0
					for i < len(got) && i < len(want) && got[i] == want[i] {
						i++
					}
					t.Errorf("bytes differ from %s at offset %d (got %d bytes, want %d)", path, i, len(got), len(want))
				}
				wantRaster := "䶮"
				if cs == escpos.GB2312 {
					wantRaster = "䶮镕"
				}
				if rep.RasterLines != len([]rune(wantRaster)) || string(rep.Unencodable) != wantRaster {
					t.Errorf("report %+v: want raster lines for %q only", rep, wantRaster)
				}
				if rep.QRRaster != (width == 384) {
					t.Errorf("QRRaster = %v", rep.QRRaster)
				}
			})
		}
	}
}

func TestEncodeShape(t *testing.T) {
	t.Parallel()
	s := Sample()
	tests := []struct {
		name string
		o    Options
	}{
		{"80 GB18030 native", opts(576, escpos.GB18030, true)},
		{"58 GB2312 raster", opts(384, escpos.GB2312, false)},
		{"58 GBK no cutter", Options{WidthDots: 384, Charset: escpos.GBK}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, _, err := Encode([]byte("prefix"), s, tc.o)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(b, []byte("prefix\x1b@")) {
				t.Errorf("does not start with ESC @ after dst: % X", b[:10])
			}
			tail := escpos.AppendCut(nil, tc.o.Cut, 0)
			if !bytes.HasSuffix(b, tail) {
				t.Errorf("does not end with % X", tail)
			}
			for _, full := range []string{s.Applicant.ID, s.Agent.ID} {
				if bytes.Contains(b, []byte(full)) {
					t.Errorf("full ID %s printed", full[:4])
				}
			}
			if !bytes.Contains(b, []byte("3101**********0417")) {
				t.Error("masked applicant ID missing")
			}
			// 䶮 never goes as text (FE 9F is the uncertain code).
			if bytes.Contains(b, []byte{0xFE, 0x9F}) {
				t.Error("䶮 sent as FE 9F text")
			}
			if _, ok := escpos.SafePoints(b[len("prefix"):]); !ok {
				t.Error("output does not parse as known commands")
			}
			if tc.o.NativeQR != bytes.Contains(b, []byte("\x1d(k")) {
				t.Errorf("native QR presence wrong")
			}
		})
	}
}

// TestRasterFallback: a line with a character the charset cannot carry
// becomes an image; the rest stay text. A character the bundled font lacks
// is reported, not hidden.
func TestRasterFallback(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		applicant string
		cs        escpos.Charset
		raster    int
		noGlyph   []rune
	}{
		{"GB2312 GBK-only name", "朱镕基", escpos.GB2312, 1, nil},
		{"GBK carries it", "朱镕基", escpos.GBK, 0, nil},
		{"GBK four-byte name", "张𬌗", escpos.GBK, 1, nil}, // U+2C317, Extension E: the full face draws it
		{"four-byte name the font lacks", "张\U00030000", escpos.GBK, 1, []rune{0x30000}},
		{"GB18030 four-byte name as text", "张𬌗", escpos.GB18030, 0, nil},
		{"yen on two-byte printer", "¥张三", escpos.GBK, 1, nil},
		{"plain name", "张三", escpos.GB2312, 0, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := Sample()
			r.Agent = nil
			r.Applicant.Name = tc.applicant
			_, rep, err := Encode(nil, r, opts(576, tc.cs, true))
			if err != nil {
				t.Fatal(err)
			}
			if rep.RasterLines != tc.raster {
				t.Errorf("raster lines %d, want %d (%+v)", rep.RasterLines, tc.raster, rep)
			}
			if string(rep.NoGlyph) != string(tc.noGlyph) {
				t.Errorf("NoGlyph %q, want %q", rep.NoGlyph, tc.noGlyph)
			}
		})
	}
}

func TestEncodeErrors(t *testing.T) {
	t.Parallel()
	long := Sample()
	long.QRPayload = strings.Repeat("https://example.org/", 80) // 1600 bytes
	huge := Sample()
	huge.QRPayload = strings.Repeat("x", 3000)
	noName := Sample()
	noName.Applicant.Name = ""
	badAgent := Sample()
	badAgent.Agent = &Agent{Person: Person{Name: "x"}}
	tests := []struct {
		name string
		r    Receipt
		o    Options
		want error
	}{
		{"width", Sample(), Options{WidthDots: 500, Charset: escpos.GBK}, ErrWidth},
		{"charset", Sample(), Options{WidthDots: 384}, ErrCharset},
		{"QR too long for 58mm", long, opts(384, escpos.GBK, true), ErrQRTooLong},
		{"QR too long for any version", huge, opts(576, escpos.GBK, true), ErrQRTooLong},
		{"missing name", noName, opts(576, escpos.GBK, true), ErrMissing},
		{"agent without auth", badAgent, opts(576, escpos.GBK, true), ErrMissing},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, _, err := Encode([]byte("keep"), tc.r, tc.o)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if string(b) != "keep" {
				t.Error("dst changed on error")
			}
			if !strings.HasPrefix(err.Error(), "receipt: ") {
				t.Errorf("error %q lacks package prefix", err)
			}
		})
	}
}

func TestPersonNeverLeaksIDOrName(t *testing.T) {
	t.Parallel()
	p := Person{Name: "张三", ID: "310101199001011234"}
	ag := Agent{Person: p, AuthRef: "WT-2026-0001"}
	var log bytes.Buffer
	slog.New(slog.NewJSONHandler(&log, nil)).Info("x", "p", p, "a", ag, "pp", &p)
	for _, s := range []string{p.String(), fmt.Sprint(p), fmt.Sprintf("%v %+v %#v", p, p, p), fmt.Sprint(ag), fmt.Sprintf("%+v %#v", ag, ag), log.String()} {
		if strings.Contains(s, p.ID) || strings.Contains(s, p.ID[6:14]) {
			t.Errorf("full ID in %q", s)
		}
		if strings.Contains(s, p.Name) {
			t.Errorf("full name in %q", s)
		}
		if strings.Contains(s, ag.AuthRef) {
			t.Errorf("authorisation reference in %q", s)
		}
	}
}

func TestWrap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string
		width int
		want  []string
	}{
		{"Scan the code or call", 12 * 10, []string{"Scan the", "code or", "call"}},
		{"受理回执受理回执", 24 * 3, []string{"受理回", "执受理", "回执"}},
		{"abcdefghijklmn", 12 * 5, []string{"abcde", "fghij", "klmn"}},
		{"事项 Item: 居住证", 12 * 12, []string{"事项 Item:", "居住证"}},
		{"  ", 100, nil},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got := wrap(tc.in, tc.width)
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("-want +got\n- %q\n+ %q", tc.want, got)
			}
		})
	}
}

func TestImage(t *testing.T) {
	t.Parallel()
	for _, w := range []int{384, 576} {
		img, err := Image(Sample(), w)
		if err != nil {
			t.Fatal(err)
		}
		if img.Bounds().Dx() != w+32 || img.Bounds().Dy() < 600 {
			t.Errorf("%d: image %v", w, img.Bounds())
		}
		black := 0
		for _, v := range img.Pix {
			if v < 0x80 {
				black++
			}
		}
		if black < 5000 {
			t.Errorf("%d: only %d black pixels", w, black)
		}
	}
	if _, err := Image(Sample(), 100); !errors.Is(err, ErrWidth) {
		t.Errorf("width 100: %v", err)
	}
}

// TestSizeGoals checks the byte budgets of the issue (sizes, not time).
func TestSizeGoals(t *testing.T) {
	t.Parallel()
	native, _, err := Encode(nil, Sample(), opts(576, escpos.GB18030, true))
	if err != nil {
		t.Fatal(err)
	}
	raster, rep, err := Encode(nil, Sample(), opts(576, escpos.GB18030, false))
	if err != nil {
		t.Fatal(err)
	}
	if len(native) >= 2000 {
		t.Errorf("native QR receipt %d bytes, goal < 2000", len(native))
	}
	if len(raster) >= 6000 {
		t.Errorf("raster QR receipt %d bytes, goal < 6000", len(raster))
	}
	// The raster QR is cropped to the code: its GS v 0 is narrower than the paper.
	i := bytes.Index(raster, []byte("\x1dv0\x00"))
	for i >= 0 && raster[i+4] >= 72 {
		j := bytes.Index(raster[i+1:], []byte("\x1dv0\x00"))
		if j < 0 {
			i = -1
			break
		}
		i += 1 + j
	}
	if !rep.QRRaster || i < 0 {
		t.Fatal("no cropped raster QR found")
	}
}

func benchEncode(b *testing.B, o Options) {
	r := Sample()
	var out []byte
	var err error
	buf := make([]byte, 0, 16<<10)
	b.ReportAllocs()
	for b.Loop() {
		out, _, err = Encode(buf[:0], r, o)
		if err != nil {
			b.Fatal(err)
		}
	}
	n := float64(len(out))
	b.ReportMetric(n, "bytes/receipt")
	b.ReportMetric(n*10/9600, "s@9600")
	b.ReportMetric(n*10/115200, "s@115200")
}

// BenchmarkEncode: standard 80 mm GB18030 receipt, native and raster QR.
func BenchmarkEncode(b *testing.B) {
	b.Run("80mm-GB18030-nativeQR", func(b *testing.B) { benchEncode(b, opts(576, escpos.GB18030, true)) })
	b.Run("80mm-GB18030-rasterQR", func(b *testing.B) { benchEncode(b, opts(576, escpos.GB18030, false)) })
	b.Run("58mm-GB2312-rasterQR", func(b *testing.B) { benchEncode(b, opts(384, escpos.GB2312, false)) })
}

// FuzzEncode: any name, item or QR payload either encodes or fails with a
// receipt error; never a panic, never a control byte smuggled in as text,
// never a full ID in the bytes.
func FuzzEncode(f *testing.F) {
	f.Add("刘䶮", "居住证签注", "https://zwfw.sh.gov.cn/c/1")
	f.Add("张𬌗\x1b@", "¥€©", "\x00")
	f.Add("", "", "")
	f.Fuzz(func(t *testing.T, name, item, payload string) {
		r := Sample()
		r.Applicant.Name, r.ItemName, r.QRPayload = name, item, payload
		for _, o := range []Options{opts(384, escpos.GB2312, false), opts(576, escpos.GB18030, true)} {
			b, _, err := Encode(nil, r, o)
			if err != nil {
				if !strings.HasPrefix(err.Error(), "receipt: ") {
					t.Fatalf("error without package prefix: %v", err)
				}
				continue
			}
			if bytes.Contains(b, []byte(r.Applicant.ID)) {
				t.Fatal("full ID in output")
			}
			if _, ok := escpos.SafePoints(b); !ok {
				t.Fatal("output does not parse as known commands: something was injected")
			}
		}
	})
}
