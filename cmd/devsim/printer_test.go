package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// prnBuffer is a goroutine-safe output sink.
type prnBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *prnBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *prnBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func prnWait(t *testing.T, out *prnBuffer, re *regexp.Regexp) []string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("output never matched %s:\n%s", re, out.String())
	return nil
}

// TestPrinterSubcommand runs `devsim printer` on a pty: a golden receipt
// written to the slave comes out as a PNG; stdin commands change the status
// the printer reports.
func TestPrinterSubcommand(t *testing.T) {
	// Not parallel: it replaces printerStdin.
	dir := t.TempDir()
	inR, inW := io.Pipe()
	printerStdin = inR
	defer func() { printerStdin = os.Stdin }()
	var out, errOut prnBuffer
	code := make(chan int, 1)
	go func() { code <- runPrinter([]string{"-out", dir, "-width", "576"}, &out, &errOut) }()
	m := prnWait(t, &out, regexp.MustCompile(`printer: (\S+) `))
	f, err := os.OpenFile(m[1], os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	job, err := os.ReadFile(filepath.Join("..", "..", "kiosk", "receipt", "testdata", "receipt-576-gb18030.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(job); err != nil {
		t.Fatal(err)
	}
	m = prnWait(t, &out, regexp.MustCompile(`receipt 1: (\S+\.png)`))
	if st, err := os.Stat(m[1]); err != nil || st.Size() < 1000 {
		t.Fatalf("PNG %s: %v", m[1], err)
	}
	io.WriteString(inW, "paper out\n")
	prnWait(t, &out, regexp.MustCompile(`status: offline, paper out`))
	f.Write([]byte{0x10, 0x04, 0x04})
	b := make([]byte, 1)
	if _, err := f.Read(b); err != nil || b[0] != 0x7E {
		t.Errorf("DLE EOT 4 after 'paper out': %02X %v", b[0], err)
	}
	io.WriteString(inW, "bogus\n")
	prnWait(t, &out, regexp.MustCompile(`unknown command "bogus"`))
	io.WriteString(inW, "quit\n")
	select {
	case c := <-code:
		if c != 0 {
			t.Errorf("exit %d: %s", c, errOut.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("quit did not stop the emulator")
	}
}

func TestPrinterSubcommandUsage(t *testing.T) {
	t.Parallel()
	var out, errOut prnBuffer
	for _, args := range [][]string{{"-charset", "big5"}, {"-nope"}, {"extra"}} {
		if c := runPrinter(args, &out, &errOut); c != 2 {
			t.Errorf("%q: exit %d, want 2", args, c)
		}
	}
}

func TestRenderSubcommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, name := range []string{"receipt-576-gb18030.bin", "receipt-384-gb2312.bin"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			in := filepath.Join("..", "..", "kiosk", "receipt", "testdata", name)
			outPNG := filepath.Join(dir, name+".png")
			width, cs := "576", "GB18030"
			if strings.Contains(name, "384") {
				width, cs = "384", "GB2312"
			}
			var out, errOut prnBuffer
			if c := runRender([]string{in, outPNG, "-width", width, "-charset", cs}, &out, &errOut); c != 0 {
				t.Fatalf("exit %d: %s", c, errOut.String())
			}
			wantSummary := `QR [], cut=true` // raster QR: the emulator only sees an image
			if width == "576" {
				wantSummary = `QR ["https://zwfw.sh.gov.cn/c/PD2026112700123"], cut=true`
			}
			if !strings.Contains(out.String(), wantSummary) {
				t.Errorf("summary %q", out.String())
			}
			zbar, err := exec.LookPath("zbarimg")
			if err != nil {
				t.Skip("zbarimg not installed (Debian package zbar-tools); QR not decoded")
			}
			got, err := exec.Command(zbar, "--raw", "-q", outPNG).Output()
			if err != nil || strings.TrimSpace(string(got)) != "https://zwfw.sh.gov.cn/c/PD2026112700123" {
				t.Errorf("zbarimg: %q %v", got, err)
			}
		})
	}
	var out, errOut prnBuffer
	for _, args := range [][]string{{}, {"only-one"}, {"a", "b", "c"}, {"-charset", "x", "a", "b"}} {
		if c := runRender(args, &out, &errOut); c != 2 {
			t.Errorf("%q: exit %d, want 2", args, c)
		}
	}
	if c := runRender([]string{filepath.Join(dir, "missing.bin"), filepath.Join(dir, "x.png")}, &out, &errOut); c != 1 {
		t.Errorf("missing input: exit %d", c)
	}
}
