package thermal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/devices/devicetest"
	"github.com/pudong-community/kiosk/devices/escpos"
	"golang.org/x/image/font/gofont/goregular"
)

// sample builds a small receipt the way the kiosk encodes one.
func sample(t testing.TB, cs escpos.Charset, qr string) []byte {
	t.Helper()
	b := escpos.AppendInit(nil)
	b = escpos.AppendAlign(b, escpos.AlignCenter)
	b = escpos.AppendSize(b, 2, 2)
	b, err := escpos.AppendTextLine(b, cs, "受理回执")
	if err != nil {
		t.Fatal(err)
	}
	b = escpos.AppendSize(b, 1, 1)
	b = escpos.AppendAlign(b, escpos.AlignLeft)
	if b, err = escpos.AppendTextLine(b, cs, "Receipt No. 20260101-0001"); err != nil {
		t.Fatal(err)
	}
	b = escpos.AppendAlign(b, escpos.AlignCenter)
	if b, err = escpos.AppendQR(b, []byte(qr), escpos.QROptions{Module: 6}); err != nil {
		t.Fatal(err)
	}
	b = escpos.AppendFeed(b, 2)
	return escpos.AppendCut(b, escpos.CutFeedPartial, 0)
}

func TestRenderSample(t *testing.T) {
	t.Parallel()
	const payload = "https://example.org/c/ABC123"
	for _, cs := range []escpos.Charset{escpos.GB2312, escpos.GBK, escpos.GB18030} {
		t.Run(cs.String(), func(t *testing.T) {
			t.Parallel()
			rs, err := Render(sample(t, cs, payload), Options{Charset: cs, WidthDots: 384})
			if err != nil {
				t.Fatal(err)
			}
			if len(rs) != 1 || !rs[0].Cut || rs[0].Partial {
				t.Fatalf("got %d receipts: %+v", len(rs), rs)
			}
			r := rs[0]
			want := []string{"受理回执", "Receipt No. 20260101-0001"}
			if strings.Join(r.Lines, "|") != strings.Join(want, "|") {
				t.Errorf("lines %q, want %q", r.Lines, want)
			}
			if len(r.QR) != 1 || r.QR[0] != payload {
				t.Errorf("QR %q", r.QR)
			}
			if r.Image.Bounds().Dx() != 384+32 {
				t.Errorf("image width %d", r.Image.Bounds().Dx())
			}
		})
	}
}

// TestPNGDecodesWithZbar checks the drawn QR with an independent decoder.
func TestPNGDecodesWithZbar(t *testing.T) {
	t.Parallel()
	zbar, err := exec.LookPath("zbarimg")
	if err != nil {
		t.Skip("zbarimg not installed (Debian package zbar-tools); skipping independent QR decode")
	}
	const payload = "https://zwfw.sh.gov.cn/r/SH-PD-0001-20260101-000123?回执"
	rs, err := Render(sample(t, escpos.GB18030, payload), Options{})
	if err != nil || len(rs) != 1 {
		t.Fatalf("render: %v, %d receipts", err, len(rs))
	}
	png, err := rs[0].PNG()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "receipt.png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(zbar, "--raw", "-q", path).Output()
	if err != nil {
		t.Fatalf("zbarimg: %v", err)
	}
	if got := strings.TrimSpace(string(out)); got != payload {
		t.Errorf("zbarimg read %q, want %q", got, payload)
	}
}

func TestInterpreterDetails(t *testing.T) {
	t.Parallel()
	gbk := func(s string) []byte {
		b, err := escpos.GB18030.Encode(nil, s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	tests := []struct {
		name  string
		opts  Options
		in    []byte
		lines []string
		n     int // receipts
	}{
		{"2-byte printer prints yen as 0 6", Options{Charset: escpos.GBK}, cat([]byte{0x1C, 0x26}, gbk("¥"), []byte("\n")), []string{" 0 6"}, 1},
		{"GB18030 printer prints yen", Options{}, cat([]byte{0x1C, 0x26}, gbk("¥1"), []byte("\n")), []string{"¥1"}, 1},
		{"alpha mode reads GB bytes as CP437", Options{AlphaAtPowerOn: true}, cat(gbk("回"), []byte("\n")), []string{"╗╪"}, 1},
		{"chinese at power-on", Options{}, cat(gbk("回执"), []byte("\n")), []string{"回执"}, 1},
		{"GB2312 printer lacks GBK code", Options{Charset: escpos.GB2312}, cat([]byte{0x1C, 0x26}, gbk("镕"), []byte("\n")), []string{"\uFFFD"}, 1},
		{"unknown commands skipped", Options{}, cat([]byte{0x1B, 0x7F, 'A', 0x1D, 0x7E, 'B', 0x1C, 0x7D, 'C', '\n'}), []string{"ABC"}, 1},
		{"known commands with params skipped", Options{}, cat([]byte{0x1B, 0x74, 0x10, 0x1B, 0x70, 0, 25, 250, 0x1D, 0x6B, 4, '1', '2', 0, 'X', '\n'}), []string{"X"}, 1},
		{"two cuts two receipts", Options{}, []byte("A\n\x1dV\x42\x00B\n\x1dV\x00"), []string{"B"}, 2},
		{"buggy GS v NUL prints garbage", Options{}, []byte("\x1dv\x00\x00AB\n"), []string{"AB"}, 1},
		{"wrap at paper width", Options{WidthDots: 384}, append(bytes.Repeat([]byte("x"), 33), '\n'), []string{strings.Repeat("x", 32), "x"}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rs, err := Render(tc.in, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(rs) != tc.n {
				t.Fatalf("%d receipts, want %d", len(rs), tc.n)
			}
			last := rs[len(rs)-1]
			if strings.Join(last.Lines, "|") != strings.Join(tc.lines, "|") {
				t.Errorf("lines %q, want %q", last.Lines, tc.lines)
			}
		})
	}
}

func TestImagesAllFormats(t *testing.T) {
	t.Parallel()
	// The same 16×24 block as GS v 0, GS ( L, GS 8 L and ESC * 33.
	var gsv, gsl, gs8, escStar []byte
	gsv = append([]byte{0x1D, 'v', '0', 0, 2, 0, 24, 0}, bytes.Repeat([]byte{0xFF, 0xFF}, 24)...)
	body := append([]byte{48, 112, 48, 1, 1, 49, 16, 0, 24, 0}, bytes.Repeat([]byte{0xFF, 0xFF}, 24)...)
	gsl = append([]byte{0x1D, '(', 'L', byte(len(body)), 0}, body...)
	gsl = append(gsl, 0x1D, '(', 'L', 2, 0, 48, 50)
	gs8 = append([]byte{0x1D, '8', 'L', byte(len(body)), 0, 0, 0}, body...)
	gs8 = append(gs8, 0x1D, '(', 'L', 2, 0, 48, 50)
	escStar = append([]byte{0x1B, '*', 33, 16, 0}, bytes.Repeat([]byte{0xFF}, 48)...)
	escStar = append(escStar, '\n')
	for name, in := range map[string][]byte{"GS v 0": gsv, "GS ( L": gsl, "GS 8 L": gs8, "ESC *": escStar} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rs, err := Render(in, Options{})
			if err != nil || len(rs) != 1 {
				t.Fatalf("%v %d", err, len(rs))
			}
			r := rs[0]
			if r.Images != 1 {
				t.Errorf("images %d", r.Images)
			}
			black := 0
			for _, v := range r.Image.Pix {
				if v == 0 {
					black++
				}
			}
			if black != 16*24 {
				t.Errorf("%d black dots, want %d", black, 16*24)
			}
		})
	}
}

// TestServeStatusAndPaperOut drives Serve over an in-memory pipe: DLE EOT
// answers follow the state, paper-out mid-receipt tears off a partial
// receipt and holds the rest, which DLE ENQ 2 does not clear (it recovers
// from a cutter error only): it prints once paper is back. After a cutter
// error DLE ENQ 2 clears the buffer and recovers.
func TestServeStatusAndPaperOut(t *testing.T) {
	t.Parallel()
	p, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	host, dev := newPipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Serve(ctx, dev) }()
	ask := func(n byte) byte {
		t.Helper()
		if _, err := host.Write([]byte{0x10, 0x04, n}); err != nil {
			t.Fatal(err)
		}
		b, err := host.readByte(5 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if got := ask(4); got != 0x12 {
		t.Errorf("paper ok: %02X", got)
	}
	host.Write([]byte("line one\n"))
	waitFor(t, func() bool { p.mu.Lock(); defer p.mu.Unlock(); return len(p.pg.lines) == 1 })
	p.SetPaper(PaperOut)
	r := <-p.Receipts()
	if !r.Partial || len(r.Lines) != 1 {
		t.Errorf("torn receipt %+v", r)
	}
	if got := ask(2); got != 0x32 {
		t.Errorf("DLE EOT 2 with paper out: %02X", got)
	}
	if got := ask(4); got != 0x7E {
		t.Errorf("DLE EOT 4 with paper out: %02X", got)
	}
	host.Write([]byte("stale\n"))
	waitFor(t, func() bool { p.mu.Lock(); defer p.mu.Unlock(); return bytes.Contains(p.buf, []byte("stale\n")) })
	host.Write([]byte{0x10, 0x05, 0x02}) // no recoverable error: ignored
	if got := ask(4); got != 0x7E {
		t.Errorf("DLE EOT 4 after DLE ENQ 2: %02X", got)
	}
	if !bytes.Contains(p.bufSnapshot(), []byte("stale\n")) {
		t.Error("DLE ENQ 2 cleared the buffer after paper out")
	}
	p.SetPaper(PaperOK)
	host.Write([]byte("fresh\n\x1dV\x42\x00"))
	r = <-p.Receipts()
	if r.Partial || !r.Cut || strings.Join(r.Lines, "|") != "stale|fresh" {
		t.Errorf("after reload %+v", r)
	}

	p.SetCutterJam(true)
	if got := ask(3); got != 0x1A {
		t.Errorf("DLE EOT 3 with a cutter jam: %02X", got)
	}
	host.Write([]byte("dropped\n"))
	waitFor(t, func() bool { return bytes.Contains(p.bufSnapshot(), []byte("dropped\n")) })
	host.Write([]byte{0x10, 0x05, 0x02}) // recover after clearing the buffers
	if got := ask(3); got != 0x12 {
		t.Errorf("DLE EOT 3 after DLE ENQ 2: %02X", got)
	}
	host.Write([]byte("kept\n\x1dV\x42\x00"))
	r = <-p.Receipts()
	if r.Partial || !r.Cut || strings.Join(r.Lines, "|") != "kept" {
		t.Errorf("after cutter recovery %+v", r)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
}

func (p *Printer) bufSnapshot() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return bytes.Clone(p.buf)
}

func TestOverrunDropsBytes(t *testing.T) {
	t.Parallel()
	p, err := New(Options{BufferSize: 64})
	if err != nil {
		t.Fatal(err)
	}
	p.SetCover(true) // nothing is consumed
	p.mu.Lock()
	p.push(bytes.Repeat([]byte("a"), 100))
	p.mu.Unlock()
	if got := p.Overruns(); got != 36 {
		t.Errorf("overruns %d, want 36", got)
	}
	if !p.Status().CoverOpen || p.Status().Encode(escpos.StatusOffline) != 0x16 {
		t.Errorf("status %v", p.Status())
	}
}

func TestNewRejects(t *testing.T) {
	t.Parallel()
	if _, err := New(Options{WidthDots: 500}); !errors.Is(err, ErrWidth) {
		t.Errorf("width: %v", err)
	}
	if _, err := New(Options{Charset: 9}); !errors.Is(err, ErrCharset) {
		t.Errorf("charset: %v", err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 5s")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// FuzzInterpreter feeds arbitrary streams: never panic, never hang.
func FuzzInterpreter(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.bin")
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	f.Add(sample(f, escpos.GB18030, "x"))
	f.Add([]byte("\x1d(k\x05\x001P0ab\x1d(k\x03\x001Q0"))
	f.Add([]byte("\x1b*\x21\x02\x00abcdef\n\x1d8L\x0a\x00\x00\x000p0\x01\x01\x31\x08\x00\x01\x00\xff"))
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > 1<<16 {
			return
		}
		// A small Latin font keeps each fuzz worker's start-up short; the
		// interpreter, not the font, is under test.
		for _, o := range []Options{{Font: goregular.TTF}, {Font: goregular.TTF, Charset: escpos.GB2312, WidthDots: 384}} {
			if _, err := Render(in, o); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func TestServePTY(t *testing.T) {
	devicetest.NeedsPTY(t)
	t.Parallel()
	p, err := New(Options{WidthDots: 384})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	path, done, err := p.ServePTY(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(append(sample(t, escpos.GBK, "pty"), 0x10, 0x04, 0x04)); err != nil {
		t.Fatal(err)
	}
	var b [1]byte
	if _, err := f.Read(b[:]); err != nil || b[0] != 0x12 {
		t.Errorf("status over pty: %02X %v", b[0], err)
	}
	select {
	case r := <-p.Receipts():
		if len(r.QR) != 1 || r.QR[0] != "pty" {
			t.Errorf("receipt %+v", r)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no receipt over pty")
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("ServePTY: %v", err)
	}
}

func TestRollRunsOut(t *testing.T) {
	t.Parallel()
	var lines []byte
	for i := 0; i < 20; i++ {
		lines = append(lines, fmt.Sprintf("line %d\n", i)...)
	}
	p, err := New(Options{RollDots: 300})
	if err != nil {
		t.Fatal(err)
	}
	host, dev := newPipe()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go p.Serve(ctx, dev)
	host.Write(lines)
	r := <-p.Receipts()
	if !r.Partial || len(r.Lines) == 0 || len(r.Lines) >= 20 {
		t.Errorf("torn receipt: partial=%v %d lines", r.Partial, len(r.Lines))
	}
	if s := p.Status(); !s.PaperEnd || !s.PaperNearEnd {
		t.Errorf("status %v", s)
	}
	if p.Buffered() == 0 {
		t.Error("rest of the job should wait in the buffer")
	}
}

// TestDLEEOTInsideImageData: printers act on 10 04 n even inside bit-image
// data (spec §1.6); the bytes still count as image data.
func TestDLEEOTInsideImageData(t *testing.T) {
	t.Parallel()
	p, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	host, dev := newPipe()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go p.Serve(ctx, dev)
	host.Write([]byte{0x1D, 'v', '0', 0, 3, 0, 1, 0, 0x10, 0x04, 0x04})
	b, err := host.readByte(5 * time.Second)
	if err != nil || b != 0x12 {
		t.Fatalf("reply %02X %v", b, err)
	}
	host.Write([]byte("\x1dV\x00"))
	select {
	case r := <-p.Receipts():
		if r.Images != 1 || len(r.Lines) != 0 {
			t.Errorf("receipt images=%d lines=%q: the query bytes must stay image data", r.Images, r.Lines)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no receipt")
	}
}
