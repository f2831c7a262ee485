package logfile

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
)

// Patterns no log line may hold, as a reviewer would grep for them.
var (
	reID18  = regexp.MustCompile(`(^|[^0-9])[0-9]{17}[0-9Xx]([^0-9]|$)`)
	reID15  = regexp.MustCompile(`(^|[^0-9])[0-9]{15}([^0-9]|$)`)
	rePhone = regexp.MustCompile(`(^|[^0-9])1[3-9][0-9]{9}([^0-9]|$)`)
)

func leaks(line string, secrets ...string) []string {
	var out []string
	for _, re := range []*regexp.Regexp{reID18, reID15, rePhone} {
		if m := re.FindString(line); m != "" {
			out = append(out, m)
		}
	}
	for _, s := range secrets {
		if strings.Contains(line, s) {
			out = append(out, s)
		}
	}
	return out
}

func TestScrub(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"card 310115199001011234 read", "card 3101**********1234 read"},
		{"agent 11010519491231002X", "agent 1101**********002X"},
		{"agent 11010519491231002x.", "agent 1101**********002x."},
		{"old 310115900101123", "old 3101*******1123"},
		{"call 13800138000", "call 138****8000"},
		{"身份证号310115199001011234，电话13912345678", "身份证号3101**********1234，电话139****5678"},
		{"id310115199001011234", "id3101**********1234"},
		{"12800138000 is not a mobile", "12800138000 is not a mobile"},
		{"case PD2026112700001234567", "case PD2026112700001234567"},
		{"T0001-261127-0001 took 123456789ns", "T0001-261127-0001 took 123456789ns"},
		{"masked 3101**********1234", "masked 3101**********1234"},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			if got := Scrub(tt.in); got != tt.want {
				t.Errorf("Scrub(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

type stringer struct{ s string }

func (s stringer) String() string { return s.s }

// TestVisitLogsHoldNoPersonalData logs what a whole visit logs, the
// careless lines included, through the redacting handler into a rotated
// file, and scans every line.
func TestVisitLogsHoldNoPersonalData(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "kiosk.log")
	log, closeLog, err := New(Options{File: path, MaxBytes: 64 << 10, Keep: 3, Level: "debug"})
	if err != nil {
		t.Fatal(err)
	}
	const id, agentID, name, agentName, phone = "310115195001011235", "11010519491231002X", "王秀英", "李建国", "13800138000"
	resident := kiosk.Person{IDNumber: id, Name: name, CardType: kiosk.CardResident, Gender: "女", Nation: "汉", BirthDate: "1950-01-01", Address: "上海市浦东新区张杨路100号"}
	sub := kiosk.Submission{ID: "01JD0000000000000000000000", ItemCode: "MZ-0103", Applicant: resident,
		Fields: map[string]string{"phone": phone, "reason": "生活困难"}}

	log = log.With("terminal", "PD-DEV-0001")
	for visit := range 200 { // enough lines to rotate at least once
		v := log.With("visit", visit)
		v.Info("visit started")
		v.Info("card read", "masked", kiosk.MaskID(id), "type", "resident")
		v.Debug("card read "+id, "name", name, "id_number", id) // the careless line
		v.Info("agent card", "agent", agentID, slog.Group("agent_info", "name", agentName, "phone", phone))
		v.Info("form", "fields", sub.Fields, "person", resident)
		v.Info("submission", "submission", sub)
		v.Warn("send failed", "err", fmt.Errorf("intake: 422 for applicant %s (%s)", id, phone))
		v.Info("stringer", "who", stringer{"resident " + id})
		v.Info("int id", "n", int64(310115195001011235))
		v.Info("receipt", "receipt", kiosk.ReceiptData{ApplicantID: id, Applicant: name, LocalNo: "T0001-261127-0001"})
		v.Error("printer", "err", errors.New("printer: paper out"), "job", []byte("电话 "+phone))
		v.Info("visit ended", "reason", "card_removed", "duration", 95*time.Second)
	}
	if err := closeLog(); err != nil {
		t.Fatal(err)
	}
	files := Files(path)
	if len(files) < 2 {
		t.Fatalf("log files %v: expected the log to rotate", files)
	}
	if len(files) > 4 {
		t.Errorf("%d files kept, want at most 1+3", len(files))
	}
	lines := 0
	sawMasked, sawCardRead := false, false
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			lines++
			if !json.Valid([]byte(line)) {
				t.Fatalf("%s: not a JSON line: %s", f, line)
			}
			if l := leaks(line, name, agentName, "张杨路"); len(l) > 0 {
				t.Errorf("%s: line leaks %q: %s", filepath.Base(f), l, line)
			}
			sawMasked = sawMasked || strings.Contains(line, "3101**********1235")
			sawCardRead = sawCardRead || strings.Contains(line, `"msg":"card read"`)
		}
		fh.Close()
	}
	if lines < 100 || !sawMasked || !sawCardRead {
		t.Errorf("scanned %d lines (masked seen %v, card read seen %v): the test did not see the visit", lines, sawMasked, sawCardRead)
	}
}

func TestRotatorKeepsWholeLines(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "a.log")
	r, err := Open(path, 2048, 2)
	if err != nil {
		t.Fatal(err)
	}
	line := []byte(strings.Repeat("x", 99) + "\n")
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				if _, err := r.Write(line); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	r.Close()
	if _, err := r.Write(line); !errors.Is(err, ErrClosed) {
		t.Errorf("write after close: %v", err)
	}
	files := Files(path)
	if len(files) != 3 {
		t.Fatalf("files %v, want the log and 2 rotated", files)
	}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if len(b) > 2048 || len(b)%100 != 0 {
			t.Errorf("%s: %d bytes: over the limit or a line split", f, len(b))
		}
	}
	if _, err := os.Stat(path + ".3"); !os.IsNotExist(err) {
		t.Error("a third rotated file was kept")
	}
	// Reopening appends.
	r2, err := Open(path, 2048, 2)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := os.Stat(path)
	r2.Write(line)
	r2.Close()
	after, _ := os.Stat(path)
	if after.Size() != before.Size()+100 && after.Size() != 100 {
		t.Errorf("reopen: %d -> %d bytes", before.Size(), after.Size())
	}
}

func TestOpenRefuses(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		path      string
		max       int64
		keep      int
		wantError error
	}{
		{"", 4096, 2, ErrConfig},
		{filepath.Join(t.TempDir(), "x.log"), 10, 2, ErrConfig},
		{filepath.Join(t.TempDir(), "x.log"), 4096, 0, ErrConfig},
	} {
		if _, err := Open(c.path, c.max, c.keep); !errors.Is(err, c.wantError) {
			t.Errorf("Open(%q, %d, %d) = %v", c.path, c.max, c.keep, err)
		}
	}
	if _, _, err := New(Options{Level: "loud"}); !errors.Is(err, ErrConfig) {
		t.Errorf("bad level: %v", err)
	}
	var buf bytes.Buffer
	log, _, err := New(Options{Stderr: &buf, Level: "warn"})
	if err != nil {
		t.Fatal(err)
	}
	log.Info("hidden")
	log.Warn("shown 13800138000")
	if strings.Contains(buf.String(), "hidden") || !strings.Contains(buf.String(), "138****8000") {
		t.Errorf("stderr logger wrote %q", buf.String())
	}
}

// FuzzScrub: whatever goes in, nothing that looks like an ID or mobile
// number comes out, and only digits change.
func FuzzScrub(f *testing.F) {
	b, err := os.ReadFile("testdata/lines.txt")
	if err != nil {
		f.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		f.Add(l)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Scrub(s)
		if len(out) != len(s) {
			t.Fatalf("length changed: %q -> %q", s, out)
		}
		if l := leaks(out); len(l) > 0 {
			t.Fatalf("Scrub(%q) = %q still holds %q", s, out, l)
		}
		for i := 0; i < len(s); i++ {
			if s[i] != out[i] && (s[i] < '0' || s[i] > '9' || out[i] != '*') {
				t.Fatalf("byte %d changed from %q to %q", i, s[i], out[i])
			}
		}
	})
}
