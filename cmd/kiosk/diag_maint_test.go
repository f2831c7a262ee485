package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/audit"
	"github.com/pudong-community/kiosk/kiosk/maint"
	"github.com/pudong-community/kiosk/kiosk/store"
)

// maintTerminal is a data directory with an audit trail of n events, a
// sealing key and a config file that points at missing device ports.
func maintTerminal(t *testing.T, n int) (cfgPath, dbPath string) {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	db := filepath.Join(dir, "kiosk.db")
	st, err := store.Open(ctx, db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.LoadOrCreateKey(filepath.Join(dir, "seal.key")); err != nil {
		t.Fatal(err)
	}
	tr, err := audit.New(st.AuditLog(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if _, err := tr.Record(ctx, audit.CardRead, kiosk.MaskID("310115199001011234"), fmt.Sprintf("step %d", i+1)); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	cfgPath = filepath.Join(dir, "kiosk.toml")
	toml := fmt.Sprintf("[terminal]\nid = \"PD-DIAG-0002\"\ndata_dir = %q\n[api]\nbase_url = \"http://127.0.0.1:1\"\ntoken = \"tok-secret-xyz\"\n[idcard]\nport = %q\n[printer]\nport = %q\n[log]\nfile = %q\n",
		dir, filepath.Join(dir, "no-idcard"), filepath.Join(dir, "no-printer"), filepath.Join(dir, "kiosk.log"))
	if err := os.WriteFile(cfgPath, []byte(toml), 0o600); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "kiosk.log"), []byte(`{"msg":"card read 3101**********1234"}`+"\n"), 0o600)
	return cfgPath, db
}

func TestDiagPINHash(t *testing.T) {
	old := diagStdin
	t.Cleanup(func() { diagStdin = old })
	diagStdin = strings.NewReader("135790\n")
	code, out, errs := runCapture("diag", "pin-hash")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	h := strings.TrimSpace(out)
	if err := maint.VerifyPIN(h, "135790"); err != nil {
		t.Errorf("printed hash %q does not verify: %v", h, err)
	}
	if strings.Contains(out, "135790") {
		t.Error("the PIN itself was printed")
	}
	diagStdin = strings.NewReader("12\n")
	if code, _, errs := runCapture("diag", "pin-hash"); code != exitFailure || !strings.Contains(errs, "6 to 12 digits") {
		t.Errorf("short PIN: exit %d, %q", code, errs)
	}
	if code, _, _ := runCapture("diag", "pin-hash", "135790"); code != exitUsage {
		t.Errorf("PIN as an argument: exit %d, want usage", code)
	}
	// An old 4-digit PIN is refused, and the hash carries the marker.
	diagStdin = strings.NewReader("2468\n")
	if code, _, errs := runCapture("diag", "pin-hash"); code != exitFailure || !strings.Contains(errs, "6 to 12 digits") {
		t.Errorf("4-digit PIN: exit %d, %q", code, errs)
	}
	if err := maint.CheckHashPolicy(h); err != nil {
		t.Errorf("printed hash %q: %v", h, err)
	}
}

// kiosk diag staff-card-hash prints a keyed hash that the gate of the same
// terminal recognises, and never the number itself.
func TestDiagStaffCardHash(t *testing.T) {
	cfg, _ := maintTerminal(t, 0)
	old := diagStdin
	t.Cleanup(func() { diagStdin = old })
	const id = "31011519800101001X"
	diagStdin = strings.NewReader(strings.ToLower(id) + "\n")
	code, out, errs := runCapture("diag", "staff-card-hash", "--config", cfg)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if strings.Contains(strings.ToUpper(out), id) || strings.Contains(out, id[6:14]) {
		t.Errorf("the ID number was printed: %q", out)
	}
	key, err := store.LoadKey(filepath.Join(filepath.Dir(cfg), "seal.key"))
	if err != nil {
		t.Fatal(err)
	}
	if want := maint.StaffCardHash(maint.StaffCardKey(key), id); !strings.Contains(out, `"`+want+`"`) {
		t.Errorf("printed %q, want %q", out, want)
	}
	diagStdin = strings.NewReader("12345\n")
	if code, _, _ := runCapture("diag", "staff-card-hash", "--config", cfg); code != exitFailure {
		t.Errorf("not an ID number: exit %d", code)
	}
	if code, _, _ := runCapture("diag", "staff-card-hash", id); code != exitUsage {
		t.Errorf("ID number as an argument: exit %d, want usage", code)
	}
}

func TestDiagAuditVerify(t *testing.T) {
	cfg, db := maintTerminal(t, 8)
	code, out, errs := runCapture("diag", "audit", "--config", cfg, "--verify")
	if code != exitOK || !strings.Contains(out, "8 events verified") {
		t.Fatalf("intact chain: exit %d, %q %q", code, out, errs)
	}
	code, out, _ = runCapture("diag", "audit", "--config", cfg, "--latest", "3")
	if code != exitOK || !strings.Contains(out, "step 8") || strings.Contains(out, "step 5") {
		t.Errorf("--latest 3: exit %d, %q", code, out)
	}
	if _, err := exec.LookPath("sqlite3"); err != nil {
		t.Skip("sqlite3 command-line tool not installed")
	}
	if b, err := exec.Command("sqlite3", db, "DROP TRIGGER audit_no_update; UPDATE audit SET detail = 'step X' WHERE seq = 5;").CombinedOutput(); err != nil {
		t.Fatalf("sqlite3: %v %s", err, b)
	}
	code, out, _ = runCapture("diag", "audit", "--config", cfg, "--verify")
	if code != exitFailure || !strings.Contains(out, "BROKEN at seq 5") {
		t.Errorf("tampered chain: exit %d, %q", code, out)
	}
	code, out, _ = runCapture("diag", "audit", "--config", cfg, "--verify", "--json")
	var res diagAuditResult
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != exitFailure || res.OK || res.BrokenAt != 5 || res.Events != 4 || res.Reason != "hash" {
		t.Errorf("--json: exit %d, %+v, %v", code, res, err)
	}
	if code, _, _ := runCapture("diag", "audit", "--config", cfg); code != exitUsage {
		t.Errorf("no action: exit %d, want usage", code)
	}
}

func TestDiagStatusJSON(t *testing.T) {
	cfg, _ := maintTerminal(t, 3)
	code, out, errs := runCapture("diag", "status", "--config", cfg, "--json", "--offline")
	if code != exitOK {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	for _, k := range []string{"version", "devices", "outbox", "catalog", "network", "audit"} {
		if _, ok := m[k]; !ok {
			t.Errorf("status lacks %q", k)
		}
	}
	var s diagStatus
	json.Unmarshal([]byte(out), &s)
	if len(s.Devices) != 2 || s.Devices[0].State != kiosk.StateOffline || !strings.Contains(s.Devices[0].Detail, "missing") {
		t.Errorf("devices %+v: a missing port must show offline", s.Devices)
	}
	if s.Audit == nil || !s.Audit.OK || s.Audit.Events != 3 || s.Version != version {
		t.Errorf("status %+v", s)
	}
	if s.Network == nil || !strings.Contains(s.Network.Error, "not checked") {
		t.Errorf("network %+v: --offline must say it did not check", s.Network)
	}
	if strings.Contains(out, "tok-secret-xyz") {
		t.Error("status printed the API token")
	}
	code, out, _ = runCapture("diag", "status", "--config", cfg, "--offline")
	if code != exitOK || !strings.Contains(out, "audit   chain ok, 3 events") || !strings.Contains(out, "outbox  pending 0") {
		t.Errorf("text status: exit %d\n%s", code, out)
	}
}

func TestDiagBundle(t *testing.T) {
	cfg, _ := maintTerminal(t, 2)
	out := t.TempDir()
	code, stdout, errs := runCapture("diag", "bundle", "--config", cfg, "--offline", out)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	path := strings.TrimSpace(stdout)
	if filepath.Dir(path) != out || !strings.HasSuffix(path, ".tar.gz") {
		t.Fatalf("bundle at %q", path)
	}
	b, err := exec.Command("tar", "-xzOf", path).Output()
	if err != nil {
		t.Fatalf("tar: %v", err)
	}
	for _, want := range []string{"PD-DIAG-0002", "card read 3101**********1234", `"Token": "[removed]"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("bundle lacks %q", want)
		}
	}
	if strings.Contains(string(b), "tok-secret-xyz") {
		t.Error("bundle holds the API token")
	}
	code, _, errs = runCapture("diag", "bundle", "--config", cfg, "--offline", cfg) // a file, not a folder
	if code != exitFailure || !strings.Contains(errs, "choose another folder") {
		t.Errorf("unwritable: exit %d, %q", code, errs)
	}
	if code, _, _ := runCapture("diag", "bundle", "--config", cfg); code != exitUsage {
		t.Errorf("no DIR: exit %d, want usage", code)
	}
}
