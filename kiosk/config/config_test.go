package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestExampleFileIsTheDefaults(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("..", "..", "packaging", "kiosk.toml"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse(b)
	if err != nil {
		t.Fatalf("example config does not parse: %v", err)
	}
	if want := Default(); !reflect.DeepEqual(got, want) {
		t.Errorf("packaging/kiosk.toml differs from Default():\n got %+v\nwant %+v", got, want)
	}
}

func TestParseErrorsNameTheField(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, toml string
		want       []string // fields named in the error
	}{
		{"unknown key", "[printer]\nbaud = 9600\ncolour = \"red\"\n", []string{"printer.colour: unknown key"}},
		{"unknown table", "[screen]\nsize = 3\n", []string{"screen.size: unknown key"}},
		{"bad baud", "[idcard]\nbaud = 1234\n", []string{"idcard.baud"}},
		{"bad paper", "[printer]\npaper_width_dots = 500\n", []string{"printer.paper_width_dots"}},
		{"bad charset", "[printer]\ncharset = \"BIG5\"\n", []string{"printer.charset"}},
		{"short warning", "[timeouts]\nwarning = \"5s\"\n", []string{"timeouts.warning"}},
		{"elder shorter", "[timeouts]\nidle = \"90s\"\nidle_elder = \"60s\"\n", []string{"timeouts.idle_elder"}},
		{"plain pin", "[maintenance]\npin_hash = \"1234\"\n", []string{"maintenance.pin_hash"}},
		{"relative data dir", "[terminal]\ndata_dir = \"data\"\n", []string{"terminal.data_dir"}},
		{"bad url", "[api]\nbase_url = \"ftp://x\"\n", []string{"api.base_url"}},
		{"http to another host", "[api]\nbase_url = \"http://intake.example.gov.cn\"\n", []string{"api.base_url", "must be https"}},
		{"http to a LAN address", "[api]\nbase_url = \"http://192.168.1.20:8750\"\n", []string{"api.base_url", "must be https"}},
		{"bad duration", "[api]\ntimeout = \"soon\"\n", []string{"timeout", "soon"}},
		{"several", "[idcard]\nbaud = 1\n[printer]\nbaud = 2\n", []string{"idcard.baud", "printer.baud"}},
		{"syntax", "[terminal\nid = 1\n", []string{"line "}},
		{"wrong type", "[printer]\nbaud = \"fast\"\n", []string{"baud"}},
		{"guide host with scheme", "[display]\nguide_hosts = [\"https://zwdt.sh.gov.cn\"]\n", []string{"display.guide_hosts[0]"}},
		{"guide host with path", "[display]\nguide_hosts = [\"ok.example\", \"zwdt.sh.gov.cn/guide\"]\n", []string{"display.guide_hosts[1]"}},
		{"guide host empty", "[display]\nguide_hosts = [\"\"]\n", []string{"display.guide_hosts[0]"}},
		{"guide host bad port", "[display]\nguide_hosts = [\"x.example:99999\"]\n", []string{"display.guide_hosts[0]"}},
		{"guide host user", "[display]\nguide_hosts = [\"a@x.example\"]\n", []string{"display.guide_hosts[0]"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(tc.toml))
			if err == nil {
				t.Fatal("Parse accepted a bad config")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// What an older configuration needs for staff access parses (the terminal
// starts with it) but MaintenanceUpgrades names it, which check-config
// counts as a problem.
func TestMaintenanceUpgradesNameTheField(t *testing.T) {
	tests := []struct {
		name, toml string
		want       []string
	}{
		// A hash of an existing 4-digit configuration: no minlen marker.
		{"pin hash before the 6-digit rule", "[maintenance]\npin_hash = \"$argon2id$v=19$m=64,t=1,p=1$bNhFkwfrEz2IuKBxUw3JAQ$6p36ayH5pRnoI9vN9m33SVIKRQm9k0ydGJW8GW/yb9k\"\n", []string{"maintenance.pin_hash", "fewer than 6 digits", "kiosk diag pin-hash"}},
		{"pin hash minlen 4", "[maintenance]\npin_hash = \"$argon2id$v=19$m=64,t=1,p=1,minlen=4$bNhFkwfrEz2IuKBxUw3JAQ$6p36ayH5pRnoI9vN9m33SVIKRQm9k0ydGJW8GW/yb9k\"\n", []string{"maintenance.pin_hash", "fewer than 6 digits"}},
		{"plain staff card", "[maintenance]\nstaff_cards = [\"31011519800101001X\"]\n", []string{"maintenance.staff_cards[0]", "plain ID number", "kiosk diag staff-card-hash"}},
		{"short staff card hash", "[maintenance]\nstaff_cards = [\"hmac-sha256:abcd\"]\n", []string{"maintenance.staff_cards[0]"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse([]byte(tc.toml))
			if err != nil {
				t.Fatalf("an older configuration does not parse, so the terminal would not start: %v", err)
			}
			err = c.MaintenanceUpgrades()
			if err == nil {
				t.Fatal("MaintenanceUpgrades passed it")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
	if err := Default().MaintenanceUpgrades(); err != nil {
		t.Errorf("the defaults need an upgrade: %v", err)
	}
}

// A hash kiosk diag pin-hash makes now, and a keyed staff card, pass.
func TestParseAcceptsNewMaintenance(t *testing.T) {
	t.Parallel()
	_, err := Parse([]byte("[maintenance]\npin_hash = \"$argon2id$v=19$m=64,t=1,p=1,minlen=6$bNhFkwfrEz2IuKBxUw3JAQ$6p36ayH5pRnoI9vN9m33SVIKRQm9k0ydGJW8GW/yb9k\"\n" +
		"staff_cards = [\"hmac-sha256:" + strings.Repeat("0f", 32) + "\"]\n"))
	if err != nil {
		t.Error(err)
	}
}

func TestParseOverridesDefaults(t *testing.T) {
	t.Parallel()
	c, err := Parse([]byte("[terminal]\nid = \"PD-T042\"\n[timeouts]\nidle = \"45s\"\n[printer]\npaper_width_dots = 384\ncharset = \"GB2312\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Terminal.ID != "PD-T042" || c.Timeouts.Idle.Duration != 45*time.Second || c.Printer.PaperWidthDots != 384 {
		t.Errorf("overrides not applied: %+v", c)
	}
	if c.IDCard.Baud != 115200 {
		t.Errorf("default lost: idcard.baud = %d", c.IDCard.Baud)
	}
}

func TestLoadWithoutFileSaysWhereItLooked(t *testing.T) {
	dir := t.TempDir()
	old := SearchPaths
	SearchPaths = []string{filepath.Join(dir, "a.toml"), filepath.Join(dir, "b.toml")}
	defer func() { SearchPaths = old }()
	c, file, err := Load("")
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	if file != "" || !strings.Contains(err.Error(), "a.toml") || !strings.Contains(err.Error(), "b.toml") {
		t.Errorf("file %q, err %q: should name the paths tried", file, err)
	}
	if !reflect.DeepEqual(c, Default()) {
		t.Error("without a file Load must return the defaults")
	}
	if err := os.WriteFile(SearchPaths[1], []byte("[terminal]\nid = \"X1\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, file, err = Load("")
	if err != nil || file != SearchPaths[1] || c.Terminal.ID != "X1" {
		t.Errorf("Load found %q id %q err %v", file, c.Terminal.ID, err)
	}
}

func TestLoadMissingNamedFile(t *testing.T) {
	t.Parallel()
	_, _, err := Load(filepath.Join(t.TempDir(), "nope.toml"))
	if err == nil || !strings.Contains(err.Error(), "nope.toml") {
		t.Errorf("err = %v, want a message naming the file", err)
	}
}

// http is for this machine only; https anywhere.
func TestBaseURLLoopbackOnlyForHTTP(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"http://127.0.0.1:8750", "http://localhost:8750", "http://[::1]:8750", "http://127.0.0.2", "https://intake.example.gov.cn"} {
		if _, err := Parse([]byte("[api]\nbase_url = \"" + u + "\"\n")); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
}

// A token file, a key file or a config file holding the token that others
// may read is refused, naming the field and the fix.
func TestSecretFilesNotReadableByOthers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tok := filepath.Join(dir, "token")
	key := filepath.Join(dir, "seal.key")
	for _, f := range []string{tok, key} {
		if err := os.WriteFile(f, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chmod(f, 0o644)
	}
	conf := fmt.Sprintf("[terminal]\ndata_dir = %q\n[api]\ntoken_file = %q\n", dir, tok)
	_, err := Parse([]byte(conf))
	for _, want := range []string{"api.token_file", "sync.key_file", "readable by others", "chmod o-rwx"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
	os.Chmod(tok, 0o640)
	os.Chmod(key, 0o600)
	if _, err := Parse([]byte(conf)); err != nil {
		t.Errorf("0640 token file, 0600 key: %v", err)
	}
	// An inline token in a file others may read.
	cf := filepath.Join(dir, "kiosk.toml")
	os.WriteFile(cf, []byte(fmt.Sprintf("[terminal]\ndata_dir = %q\n[api]\ntoken = \"s3cret\"\n", dir)), 0o600)
	if _, _, err := Load(cf); err != nil {
		t.Errorf("0600 config with a token: %v", err)
	}
	os.Chmod(cf, 0o644)
	if _, _, err := Load(cf); err == nil || !strings.Contains(err.Error(), "api.token") || !strings.Contains(err.Error(), "readable by others") {
		t.Errorf("0644 config with a token: %v", err)
	}
}

func TestAPIToken(t *testing.T) {
	t.Parallel()
	f := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(f, []byte("  s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := Default()
	c.API.TokenFile = f
	tok, err := c.APIToken()
	if err != nil || tok != "s3cret" {
		t.Errorf("APIToken = %q, %v", tok, err)
	}
}

func FuzzParse(f *testing.F) {
	b, _ := os.ReadFile(filepath.Join("..", "..", "packaging", "kiosk.toml"))
	f.Add(b)
	f.Add([]byte("[printer]\nbaud = 9600\n"))
	f.Add([]byte("[[x]]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err == nil {
			if verr := c.Validate(); verr != nil {
				t.Fatalf("Parse accepted a config that Validate rejects: %v", verr)
			}
		}
	})
}

// The hosts an item's guide page may be on: the API's own, then the
// configured ones.
func TestGuideHosts(t *testing.T) {
	t.Parallel()
	c, err := Parse([]byte("[api]\nbase_url = \"https://intake.example.gov.cn:8443/api\"\n[display]\nguide_hosts = [\"zwdt.sh.gov.cn\", \"guide.example:8443\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"intake.example.gov.cn", "intake.example.gov.cn:8443", "zwdt.sh.gov.cn", "guide.example:8443"}
	if got := c.GuideHosts(); !reflect.DeepEqual(got, want) {
		t.Errorf("GuideHosts() = %q, want %q", got, want)
	}
	if got := Default().GuideHosts(); !reflect.DeepEqual(got, []string{"127.0.0.1"}) {
		t.Errorf("default GuideHosts() = %q, want the API's host alone", got)
	}
}
