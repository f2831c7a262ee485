package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func runCapture(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestVersion(t *testing.T) {
	code, out, _ := runCapture("version")
	if code != 0 || !strings.HasPrefix(out, "kiosk ") || strings.TrimSpace(out) == "kiosk" {
		t.Errorf("version: code %d out %q", code, out)
	}
}

func TestCheckConfig(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.toml")
	os.WriteFile(good, []byte("[terminal]\nid = \"PD-T9\"\n"), 0o600)
	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte("[printer]\ncolour = \"red\"\nbaud = 1234\n"), 0o600)
	syntax := filepath.Join(dir, "syntax.toml")
	os.WriteFile(syntax, []byte("[printer\n"), 0o600)

	if code, out, errs := runCapture("check-config", good); code != 0 || !strings.Contains(out, "ok") {
		t.Errorf("good config: code %d out %q err %q", code, out, errs)
	}
	code, _, errs := runCapture("check-config", bad)
	if code == 0 || !strings.Contains(errs, "printer.colour: unknown key") || !strings.Contains(errs, "printer.baud") {
		t.Errorf("bad config: code %d err %q", code, errs)
	}
	code, _, errs = runCapture("check-config", syntax)
	if code == 0 || !strings.Contains(errs, "syntax.toml") || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
		t.Errorf("syntax error: code %d, want one line naming the file; got %q", code, errs)
	}
	if code, _, errs := runCapture("check-config", filepath.Join(dir, "missing.toml")); code == 0 || !strings.Contains(errs, "missing.toml") {
		t.Errorf("missing file: code %d err %q", code, errs)
	}
	if code, _, _ := runCapture("check-config"); code != exitUsage {
		t.Errorf("no file: code %d, want usage", code)
	}
}

// check-config gives a clear error for the security problems of issue 21:
// the hash of an old 4-digit PIN, plain staff card numbers, http to
// another host, and a token file others may read.
func TestCheckConfigSecurity(t *testing.T) {
	dir := t.TempDir()
	tok := filepath.Join(dir, "token")
	os.WriteFile(tok, []byte("s3cret\n"), 0o600)
	os.Chmod(tok, 0o644)
	cases := []struct {
		name, toml string
		want       []string
	}{
		{"4-digit PIN hash", "[maintenance]\npin_hash = \"$argon2id$v=19$m=64,t=1,p=1$bNhFkwfrEz2IuKBxUw3JAQ$6p36ayH5pRnoI9vN9m33SVIKRQm9k0ydGJW8GW/yb9k\"\n",
			[]string{"maintenance.pin_hash", "fewer than 6 digits", "kiosk diag pin-hash"}},
		{"plain staff card", "[maintenance]\nstaff_cards = [\"31011519800101001X\"]\n", []string{"maintenance.staff_cards[0]", "kiosk diag staff-card-hash"}},
		{"http to another host", "[api]\nbase_url = \"http://intake.example.gov.cn\"\n", []string{"api.base_url", "https"}},
		{"token file readable by others", "[api]\ntoken_file = \"" + tok + "\"\n", []string{"api.token_file", "readable by others"}},
	}
	for i, c := range cases {
		f := filepath.Join(dir, fmt.Sprintf("c%d.toml", i))
		os.WriteFile(f, []byte("[terminal]\ndata_dir = \""+dir+"\"\n"+c.toml), 0o600)
		code, _, errs := runCapture("check-config", f)
		if code == 0 {
			t.Errorf("%s: accepted", c.name)
		}
		for _, w := range c.want {
			if !strings.Contains(errs, w) {
				t.Errorf("%s: error %q lacks %q", c.name, errs, w)
			}
		}
	}
}

// The terminal refuses to start, with one clear line and without touching
// the window system, on bad configuration or an unwritable data directory.
// (A corrupt database is kept aside and replaced: TestStartRecoversACorruptDatabase.)
func TestTerminalBadInputOneLineNonZero(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	notDir := write("plainfile", "x")

	tests := []struct {
		name, config, want string
	}{
		{"malformed config", write("m.toml", "[terminal\n"), "m.toml"},
		{"unknown key", write("u.toml", "[terminal]\nsize = 3\n"), "terminal.size: unknown key"},
		{"unwritable data dir", write("d.toml", "[terminal]\ndata_dir = \""+filepath.Join(notDir, "data")+"\"\n"), "data directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := runCapture("-config", tc.config)
			if code == 0 {
				t.Fatal("exit code 0")
			}
			lines := strings.Split(strings.TrimSpace(errs), "\n")
			last := lines[len(lines)-1]
			if !strings.Contains(last, tc.want) || !strings.HasPrefix(last, "kiosk: ") {
				t.Errorf("last line %q should say %q", last, tc.want)
			}
		})
	}
}

func TestUnknownCommandsAndFlags(t *testing.T) {
	if code, _, _ := runCapture("diag", "nonsense"); code != exitUsage {
		t.Errorf("unknown diag: code %d", code)
	}
	if code, _, _ := runCapture("-nonsense"); code != exitUsage {
		t.Errorf("unknown flag: code %d", code)
	}
	if code, _, _ := runCapture("demo", "-size", "big"); code != exitUsage {
		t.Errorf("bad demo size: code %d", code)
	}
}

func TestDiagDefaultsComeFromConfig(t *testing.T) {
	f := filepath.Join(t.TempDir(), "k.toml")
	os.WriteFile(f, []byte("[idcard]\nport = \"/dev/ttyUSB7\"\nbaud = 57600\n[printer]\nport = \"/dev/ttyS3\"\npaper_width_dots = 384\ncharset = \"GB2312\"\n"), 0o600)
	oldI, oldP := idcardDefaults, printerDefaults
	defer func() { idcardDefaults, printerDefaults = oldI, oldP }()
	deviceDefaultsFromConfig(f)
	if idcardDefaults.Port != "/dev/ttyUSB7" || idcardDefaults.Baud != 57600 {
		t.Errorf("idcard defaults %+v", idcardDefaults)
	}
	if printerDefaults.Port != "/dev/ttyS3" || printerDefaults.Profile.WidthDots != 384 {
		t.Errorf("printer defaults %+v", printerDefaults)
	}
	// A bad file leaves the defaults alone.
	bad := filepath.Join(t.TempDir(), "bad.toml")
	os.WriteFile(bad, []byte("[idcard]\nbaud = 1\n"), 0o600)
	idcardDefaults = oldI
	deviceDefaultsFromConfig(bad)
	if idcardDefaults != oldI {
		t.Errorf("a bad config changed the defaults: %+v", idcardDefaults)
	}
}

// The terminal runs on China Standard Time on a system set to UTC (or any
// other zone): every time it shows, prints or logs is in +08:00.
func TestTerminalRunsOnChinaTime(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, tz := range []string{"UTC", "America/New_York", ""} {
		cmd := exec.Command(self)
		cmd.Env = append(os.Environ(), "KIOSK_TEST_ZONE=1", "TZ="+tz)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("TZ=%q: %v", tz, err)
		}
		if got, want := strings.TrimSpace(string(out)), "1970-01-01T08:00:00+08:00 +08:00"; got != want {
			t.Errorf("TZ=%q: the epoch and now read %q, want %q", tz, got, want)
		}
	}
}

// Under the C.UTF-8 locale of a Debian console or SSH session the commands
// print nothing but their own output: Fyne used to log three lines of
// "Error parsing user locale C" first.
func TestNoLocaleErrorUnderCUTF8(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, "version")
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LANG=") && !strings.HasPrefix(kv, "LANGUAGE=") && !strings.HasPrefix(kv, "LC_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "KIOSK_TEST_AS_MAIN=1", "LANG=C.UTF-8")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kiosk version: %v\n%s", err, stderr.String())
	}
	if !strings.HasPrefix(string(out), "kiosk ") || stderr.Len() != 0 {
		t.Errorf("kiosk version under C.UTF-8 printed %q and on stderr %q; want the version alone", out, stderr.String())
	}
}
