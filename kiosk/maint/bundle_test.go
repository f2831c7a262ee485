package maint

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/audit"
	"github.com/pudong-community/kiosk/kiosk/config"
	"github.com/pudong-community/kiosk/kiosk/logfile"
	"github.com/pudong-community/kiosk/kiosk/store"
)

var (
	reFullID = regexp.MustCompile(`(^|[^0-9])[0-9]{17}[0-9Xx]([^0-9]|$)`)
	rePhone  = regexp.MustCompile(`(^|[^0-9])1[3-9][0-9]{9}([^0-9]|$)`)
)

func idNumber(n int) string {
	base := fmt.Sprintf("3101151950%07d", n)
	return base + string(kiosk.IDCheckChar(base))
}

// seeded is a terminal's data directory with residents in its database,
// audit trail and logs.
type seeded struct {
	cfg     config.Config
	st      *store.Store
	ob      *store.Outbox
	secrets []string // must not appear in a bundle
	logPath string
}

func seed(t *testing.T) *seeded {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	cfg := config.Default()
	cfg.Terminal.DataDir = dir
	cfg.API.Token = "tok-s3cr3t-0123456789abcdef"
	hash, _ := HashPIN("135790", cheap)
	cfg.Maintenance.PINHash = hash
	staff := idNumber(9001)
	cfg.Maintenance.StaffCards = []string{staff}
	cfg.CallStaff.HookURL = "http://bell:pa55w0rd@127.0.0.1:9000/ring?key=hook-key-42"
	cfg.Log.File = filepath.Join(dir, "kiosk.log")
	s := &seeded{cfg: cfg, logPath: cfg.Log.File,
		secrets: []string{cfg.API.Token, hash, staff, "pa55w0rd", "hook-key-42"}}

	st, err := store.Open(ctx, cfg.DatabasePath(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	key, err := store.LoadOrCreateKey(cfg.KeyFilePath())
	if err != nil {
		t.Fatal(err)
	}
	keyText, _ := os.ReadFile(cfg.KeyFilePath())
	if len(keyText) >= 8 {
		s.secrets = append(s.secrets, string(keyText[:8]))
	}
	sealer, err := store.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	ob, err := store.NewOutbox(st, sealer, store.OutboxOptions{TerminalID: cfg.Terminal.ID, MinFreeBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	s.st, s.ob = st, ob
	log, closeLog, err := logfile.New(logfile.Options{File: cfg.Log.File, Level: "debug"})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := audit.New(st.AuditLog(), nil)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"王秀英", "李建国", "欧阳娜娜", "张伟", "陈静"}
	for i, name := range names {
		id := idNumber(i + 1)
		phone := fmt.Sprintf("1391234%04d", i)
		sub := kiosk.Submission{
			ID: kiosk.NewSubmissionID(), TerminalID: cfg.Terminal.ID, ItemCode: "MZ-0103", CatalogVersion: "2026.11",
			CreatedAt: time.Now(), Fields: map[string]string{"phone": phone, "reason": "生活困难"},
			Applicant: kiosk.Person{IDNumber: id, Name: name, CardType: kiosk.CardResident, Gender: "女", Nation: "汉",
				BirthDate: "1950-01-01", Address: "上海市浦东新区张杨路" + fmt.Sprint(100+i) + "号"},
		}
		if _, err := ob.Enqueue(ctx, sub); err != nil {
			t.Fatal(err)
		}
		s.secrets = append(s.secrets, id, name, phone, sub.Applicant.Address)
		log.Info("card read "+id, "name", name, "phone", phone, "person", sub.Applicant)
		log.Warn("send failed", "err", fmt.Errorf("intake: refused applicant %s", id))
		if _, err := tr.Record(ctx, audit.CardRead, kiosk.MaskID(id), "resident"); err != nil {
			t.Fatal(err)
		}
	}
	closeLog()
	claims, err := ob.ClaimDue(ctx, 2)
	if err != nil || len(claims) != 2 {
		t.Fatalf("claims %d, %v", len(claims), err)
	}
	for _, c := range claims {
		if err := ob.Park(ctx, c, store.ParkReason{Code: "validation_failed", Reason: "applicant " + c.Submission.Applicant.IDNumber + " not eligible"}); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func (s *seeded) bundle(t *testing.T) Bundle {
	t.Helper()
	ctx := context.Background()
	counts, err := s.ob.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	parked, err := s.ob.Parked(ctx)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := s.st.Version(ctx)
	return Bundle{
		Config: s.cfg, Version: "test", Schema: v,
		Devices: []kiosk.DeviceReport{{DeviceHealth: kiosk.DeviceHealth{Device: "idcard", State: kiosk.StateOK}, Port: "/dev/kiosk-idcard", Baud: 115200,
			Frames: []kiosk.FrameLine{{Out: true, Hex: "AA AA AA 96 69 00 03 20 01 22"}}}},
		Outbox:   map[string]any{"counts": counts, "parked": parked},
		Audit:    &kiosk.AuditCheck{Events: 5, OK: true},
		LogFiles: logfile.Files(s.logPath),
		Now:      time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC),
	}
}

func readBundle(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	out := map[string]string{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out[h.Name[strings.Index(h.Name, "/")+1:]] = string(b)
	}
	return out
}

// TestBundleHoldsNoPersonalData: a bundle of a terminal whose database,
// audit trail and logs hold residents holds none of their ID numbers,
// names, phones or addresses, and none of the config's secrets.
func TestBundleHoldsNoPersonalData(t *testing.T) {
	t.Parallel()
	s := seed(t)
	out := t.TempDir()
	path, err := WriteBundle(context.Background(), out, s.bundle(t))
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(path) != out || !strings.HasSuffix(path, ".tar.gz") {
		t.Errorf("bundle at %s", path)
	}
	files := readBundle(t, path)
	for _, want := range []string{"versions.json", "config.json", "devices.json", "sync.json", "audit.json", "catalog.json", "problems.txt", "logs/kiosk.log"} {
		if _, ok := files[want]; !ok {
			t.Errorf("bundle lacks %s (has %v)", want, keys(files))
		}
	}
	for name, body := range files {
		if strings.HasSuffix(name, ".json") && !json.Valid([]byte(body)) {
			t.Errorf("%s is not valid JSON", name)
		}
		for _, sec := range s.secrets {
			if strings.Contains(body, sec) {
				t.Errorf("%s holds %q", name, sec)
			}
		}
		if m := reFullID.FindString(body); m != "" {
			t.Errorf("%s holds an ID number %q", name, m)
		}
		if m := rePhone.FindString(body); m != "" {
			t.Errorf("%s holds a phone number %q", name, m)
		}
	}
	// What staff need is there: outbox counts, parked reasons, masked ids,
	// the log lines themselves, the device frames.
	for name, want := range map[string]string{
		"sync.json":      `"Parked": 2`,
		"devices.json":   "AA AA AA 96 69",
		"logs/kiosk.log": "send failed",
		"config.json":    "[removed]",
	} {
		if !strings.Contains(files[name], want) {
			t.Errorf("%s lacks %q:\n%s", name, want, files[name])
		}
	}
	if !strings.Contains(files["sync.json"], kiosk.MaskID(idNumber(1))) && !strings.Contains(files["sync.json"], kiosk.MaskID(idNumber(2))) {
		t.Errorf("sync.json lacks the parked submissions' masked ids:\n%s", files["sync.json"])
	}
	if !strings.Contains(files["config.json"], kiosk.MaskID(idNumber(9001))) {
		t.Error("config.json lacks the masked staff card")
	}
}

func keys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

func TestBundleRefusesUnwritableFolder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "a-file")
	os.WriteFile(file, []byte("x"), 0o600)
	cases := map[string]string{
		"missing folder":       filepath.Join(dir, "no", "such"),
		"a file, not folder":   file,
		"inside a file":        filepath.Join(file, "sub"),
		"read-only (non-root)": "",
	}
	if os.Geteuid() != 0 {
		ro := filepath.Join(dir, "ro")
		os.Mkdir(ro, 0o500)
		cases["read-only (non-root)"] = ro
	} else {
		delete(cases, "read-only (non-root)")
	}
	for name, target := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := WriteBundle(context.Background(), target, Bundle{Config: config.Default()})
			var ne *NotWritableError
			if !errors.Is(err, ErrNotWritable) || !errors.As(err, &ne) || ne.Dir != target {
				t.Fatalf("err = %v, want NotWritableError for %s", err, target)
			}
			if !strings.Contains(err.Error(), "choose another folder") {
				t.Errorf("message %q does not say what to do", err)
			}
		})
	}
	// Nothing half-written is left behind.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), "kiosk-diag") {
			t.Errorf("left %s behind", e.Name())
		}
	}
}

func TestBundleCancelledLeavesNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := WriteBundle(ctx, dir, Bundle{Config: config.Default()}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("cancelled export left %v", entries)
	}
}

func TestScrubConfig(t *testing.T) {
	t.Parallel()
	c := config.Default()
	c.API.Token = "secret"
	c.Maintenance.PINHash = "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"
	c.Maintenance.StaffCards = []string{idNumber(7)}
	got := ScrubConfig(c)
	if got.API.Token != "[removed]" || got.Maintenance.PINHash != "[removed]" || got.Maintenance.StaffCards[0] != kiosk.MaskID(idNumber(7)) {
		t.Errorf("ScrubConfig = %+v", got)
	}
	if c.Maintenance.StaffCards[0] != idNumber(7) {
		t.Error("ScrubConfig changed its argument's staff cards")
	}
	if u := scrubURL("https://u:p@host:1/x?k=v#f"); u != "https://host:1/x" {
		t.Errorf("scrubURL = %q", u)
	}
}
