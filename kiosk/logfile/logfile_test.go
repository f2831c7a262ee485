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
	"unicode/utf8"

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
		// Separators and other digits, after NFKC.
		{"id 310115 19900101 1234 ok", "id 3101**********1234 ok"},
		{"id 310-115-1990-0101-1234", "id 3101**********1234"},
		{"id ３１０１１５１９９００１０１１２３４", "id 3101**********1234"},
		{"id 31011519900101123Ｘ", "id 3101**********123X"},
		{"id 310115\u200b199001011234", "id 3101**********1234"},
		{"id 310115\u3000199001011234", "id 3101**********1234"},
		{"tel 138 0013 8000, 139-0013-8000", "tel 138****8000, 139****8000"},
		{"two 310115199001011234 13800138000", "two 3101**********1234 138****8000"},
		{"old foreign USA110081020013 card", "old foreign USA1*******0013 card"},
		// Spaced or dashed, as the leak fuzz (FuzzVisitLeaksNothing) typed it.
		{"old foreign U S A 1 1 0 0 8 1 0 2 0 0 1 3 card", "old foreign USA1*******0013 card"},
		{"old foreign USA-1100-8102-0013", "old foreign USA1*******0013"},
		{"old foreign ＵＳＡ　１１００８１０２００１３", "old foreign USA1*******0013"},
		{"the 123456789012 bytes", "the 123456789012 bytes"},
		{"THE USA110081020013", "THE USA1*******0013"},
		{"at 2026-12-05 01:06:17.123", "at 2026-12-05 01:06:17.123"},
		{"T0001-261127-0001", "T0001-261127-0001"},
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

// The redactor scrubs keys, group names, []byte, names under any key and
// in messages, and values of personal keys that are not masked already.
func TestRedactorBypasses(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(Redact(slog.NewJSONHandler(&buf, nil)))
	const id, name, phone = "310115195001011235", "王秀英", "13800138000"
	log.Info("visit for "+name, "holder", name, "resident_name", name, "who", name, "contact_person", "李建国")
	log.Info("bytes", "raw", []byte("id "+id+" tel "+phone))
	log.Info("map keys", "m", map[string]string{id: "x", "note": name})
	log.WithGroup(id).Info("group", "k", "v")
	log.With(id, "v").Info("attr key")
	log.Info("spaced", "v", "310115 19500101 1235", "fw", "３１０１１５１９５００１０１１２３５")
	log.Info("masked kept", "name", "王**", "id_number", "3101**********1235", "principal", "张三")
	log.Info("minority", "x", "阿依古丽·买买提")
	log.Info("int personal", "phone", int64(13800138000))
	out := buf.String()
	folded := foldOut(out)
	for _, secret := range []string{id, name, "秀英", phone, "建国", "依古丽", "买买提", "张三"} {
		if strings.Contains(folded, secret) || strings.Contains(out, secret) {
			t.Errorf("%q in the log:\n%s", secret, out)
		}
	}
	for _, want := range []string{`"name":"王**"`, `"id_number":"3101**********1235"`, `"msg":"visit for 王**"`, `"principal":"[redacted]"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}
}

func TestPersonalKey(t *testing.T) {
	t.Parallel()
	for k, want := range map[string]bool{"name": true, "Name": true, "resident_name": true, "full-name": true, "NAME_EN": true,
		"item_name": false, "center_name": false, "hostname": false, "file_name": false, "id_number": true, "phone": true,
		"applicant": true, "reason": false, "case_no": false} {
		if got := personalKey(k); got != want {
			t.Errorf("personalKey(%q) = %v, want %v", k, got, want)
		}
	}
}

// FuzzLogPersonalData feeds random personal data, written in the ways the
// review found to get past the redactor, through the logger the terminal
// uses (logfile.New), along every kind of logging path (messages, keys,
// group names, strings, []byte, errors, Stringers, maps, the personal
// types), and fails if any of it appears in the output.
func FuzzLogPersonalData(f *testing.F) {
	f.Add(uint64(310115195001011235), uint32(0x738b), uint32(0x79c0), uint32(0x82f1), uint8(3), uint32(38001380), uint8(0), "note")
	f.Add(uint64(110105194912310020), uint32(0x6b27), uint32(0x9633), uint32(0x5a1c), uint8(4), uint32(91234567), uint8(5), "who")
	f.Add(uint64(440300200012319999), uint32(0x4e00), uint32(0x4e01), uint32(0x4e02), uint8(2), uint32(0), uint8(9), "item_name")
	f.Fuzz(func(t *testing.T, idSeed uint64, c1, c2, c3 uint32, nameLen uint8, phoneSeed uint32, style uint8, key string) {
		// An ID number: 17 digits and a check character (a digit or X).
		digits := fmt.Sprintf("%017d", idSeed%100000000000000000)
		check := "0123456789X"[idSeed%11 : idSeed%11+1]
		id := digits + check
		// A name of 2 to 4 Han characters, from a block the test's own
		// text does not use.
		// The first character (which the mask keeps) from another block
		// than the rest, so the rest is never the kept character.
		han := func(c uint32, from rune) rune { return from + rune(c%0x2000) }
		runes := []rune{han(c1, 0x5000), han(c2, 0x7000), han(c3, 0x7000), han(c1^c2, 0x7000)}[:2+int(nameLen)%3]
		name := string(runes)
		phone := fmt.Sprintf("1%d%09d", 3+phoneSeed%7, phoneSeed%1000000000)
		// The ID number written one of the ways that got through.
		written := id
		switch style % 8 {
		case 1:
			written = id[:6] + " " + id[6:14] + " " + id[14:]
		case 2:
			written = id[:3] + "-" + id[3:6] + "-" + id[6:10] + "-" + id[10:14] + "-" + id[14:]
		case 3:
			written = toFullWidth(id)
		case 4:
			written = id[:6] + "\u200b" + id[6:]
		case 5:
			written = id[:6] + "\u3000" + id[6:14] + "－" + id[14:]
		case 6:
			written = strings.ToLower(id)
		}
		phoneW := phone
		if style%2 == 1 {
			phoneW = phone[:3] + " " + phone[3:7] + " " + phone[7:]
		}
		if !utf8.ValidString(key) || len(key) > 40 {
			key = "k"
		}
		var buf bytes.Buffer
		log, _, err := New(Options{Stderr: &buf, Level: "debug"})
		if err != nil {
			t.Fatal(err)
		}
		p := kiosk.Person{IDNumber: id, Name: name, CardType: kiosk.CardResident, BirthDate: id[6:10] + "-" + id[10:12] + "-" + id[12:14], Address: name + "路1号"}
		sub := kiosk.Submission{ID: "01JD0000000000000000000000", ItemCode: "MZ-0103", Applicant: p,
			Agent: &kiosk.Agent{Person: p, Relation: "child"}, Fields: map[string]string{"phone": phone, key: written}}
		log.Info("card read "+written+" for "+name, key, written)
		log.Info("name", key, name, "k2", name, "x", "holder "+name+" tel "+phoneW)
		log.Info("bytes", key, []byte(written+" "+phoneW))
		log.Info("err", "err", fmt.Errorf("refused %s (%s) %s", written, name, phoneW))
		log.Info("stringer", "s", stringer{"resident " + written + " " + name})
		log.Info("map", "m", map[string]any{written: name, name: phoneW, "n": map[string]string{key: written}})
		log.WithGroup(written).WithGroup(name).Info("group", key, "v")
		log.With(written, name).Info("with")
		log.Info("types", "person", p, "sub", sub, "ptr", &p, "agent", *sub.Agent, key, p)
		log.Info("fmt", "v", fmt.Sprintf("%v %+v %#v %s", p, sub, sub, *sub.Agent))
		out := buf.String()
		folded := foldOut(out)
		for _, secret := range []string{id, strings.ToLower(id), digits, phone, name, string(runes[1:]), p.Address} {
			if strings.Contains(folded, secret) || strings.Contains(out, secret) {
				t.Fatalf("%q (ID %q, name %q, phone %q, style %d, key %q) in the log:\n%s", secret, id, name, phone, style%8, key, out)
			}
		}
	})
}

func toFullWidth(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' {
			r += 0xFEE0
		}
		b.WriteRune(r)
	}
	return b.String()
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

// foldOut is a log's text as a reviewer would search it after NFKC: every
// character folded, and spaces, dashes and invisible characters between
// digits dropped.
func foldOut(s string) string {
	var b strings.Builder
	for _, r := range s {
		k, c := fold(r)
		switch k {
		case tkDigit, tkX, tkLetter:
			b.WriteByte(c)
		case tkSep:
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// FuzzScrub: whatever goes in, nothing that looks like an ID or mobile
// number comes out, even after folding each character by NFKC.
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
		var folded strings.Builder // folded, separators kept as spaces
		for _, r := range out {
			k, c := fold(r)
			switch k {
			case tkDigit, tkX, tkLetter:
				folded.WriteByte(c)
			case tkSep:
				folded.WriteByte(' ')
			default:
				folded.WriteRune(r)
			}
		}
		if l := leaks(folded.String()); len(l) > 0 {
			t.Fatalf("Scrub(%q) = %q still holds %q", s, out, l)
		}
		if isASCII(s) && !strings.ContainsAny(s, "0123456789") && out != s {
			t.Fatalf("Scrub(%q) = %q changed a line without digits", s, out)
		}
	})
}
