package terminal

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pudong-community/kiosk/kiosk/audit"
	"github.com/pudong-community/kiosk/kiosk/config"
)

// config_changed names the keys that changed since the last start, never
// a value: neither the audit trail nor the kept fingerprint holds the
// token, the PIN hash or a staff card's hash, and a token read from
// api.token_file counts as api.token.
func TestConfigChangedNamesKeysOnly(t *testing.T) {
	dir := t.TempDir()
	cfg := config.Default()
	cfg.Terminal.ID, cfg.Terminal.DataDir = "PD-T-CONFIG", dir
	cfg.API.Token = "first-secret-token"
	cfg.Maintenance.PINHash = "$argon2id$v=19$m=65536,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
	cfg.Maintenance.StaffCards = []string{"hmac-sha256:0f0e0d0c0b0a09080706050403020100"}
	secrets := []string{cfg.API.Token, cfg.Maintenance.PINHash, cfg.Maintenance.StaffCards[0], "second-secret-token", "third-secret-token"}

	var trail []string
	start := func(cfg config.Config) {
		t.Helper()
		term, err := Open(context.Background(), cfg, Deps{Offline: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		defer term.Close()
		fp, err := term.Store().Setting(context.Background(), ConfigFingerprintSetting)
		if err != nil {
			t.Fatal(err)
		}
		evs, err := term.Trail().Latest(context.Background(), 100)
		if err != nil {
			t.Fatal(err)
		}
		trail = trail[:0]
		for _, ev := range evs {
			if ev.Kind == string(audit.ConfigChanged) {
				trail = append(trail, ev.Detail)
			}
		}
		for _, s := range secrets {
			if strings.Contains(fp, s) || strings.Contains(strings.Join(trail, "\n"), s) {
				t.Fatalf("a secret value is kept: fingerprint %s, trail %q", fp, trail)
			}
		}
	}
	want := func(details ...string) {
		t.Helper()
		if strings.Join(trail, "\n") != strings.Join(details, "\n") {
			t.Errorf("config_changed details %q, want %q", trail, details)
		}
	}

	start(cfg)
	if len(trail) != 1 || !strings.HasPrefix(trail[0], "initial (") {
		t.Fatalf("first start: %q", trail)
	}
	initial := trail[0]
	start(cfg)
	want(initial) // unchanged: nothing new

	cfg.API.Token = "second-secret-token"
	cfg.Maintenance.StaffCards = nil
	cfg.Printer.Baud = 19200
	start(cfg)
	want(initial, "changed: api.token, maintenance.staff_cards, printer.baud")

	// The token moves to a file: the file's path is a new value, the token
	// another; then only the file's content changes.
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte("third-secret-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg.API.Token, cfg.API.TokenFile = "", tokenFile
	start(cfg)
	want(initial, "changed: api.token, maintenance.staff_cards, printer.baud", "changed: api.token, api.token_file")
	if err := os.WriteFile(tokenFile, []byte("second-secret-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	start(cfg)
	want(initial, "changed: api.token, maintenance.staff_cards, printer.baud", "changed: api.token, api.token_file", "changed: api.token")
}

func TestConfigChanges(t *testing.T) {
	prev := map[string]string{"a.x": "1", "a.y": "2", "b.z": "3"}
	now := map[string]string{"a.x": "1", "a.y": "20", "c.w": "4"}
	if got, want := configChanges(prev, now), "changed: a.y; added: c.w; removed: b.z"; got != want {
		t.Errorf("configChanges = %q, want %q", got, want)
	}
	if got := configChanges(now, now); got != "" {
		t.Errorf("no change: %q", got)
	}
}
