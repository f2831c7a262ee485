package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/kiosk/intake/intakesim"
	"github.com/pudong-community/kiosk/kiosk/outbox"
	"github.com/pudong-community/kiosk/kiosk/outbox/e2e"
	"github.com/pudong-community/kiosk/kiosk/store"
)

func TestDiagSync(t *testing.T) {
	t.Parallel()
	sim, err := intakesim.New(intakesim.Options{DataDir: t.TempDir(), Terminals: map[string]string{"PD-DIAG-0001": "diag-token"}})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	url, _, err := sim.Start("127.0.0.1:0", "")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "kiosk.toml")
	writeCfg := func(token string) {
		toml := fmt.Sprintf("[terminal]\nid = \"PD-DIAG-0001\"\ndata_dir = %q\n[api]\nbase_url = %q\ntoken = %q\n", dir, url, token)
		if err := os.WriteFile(cfgFile, []byte(toml), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeCfg("diag-token")

	// A terminal database with two queued submissions.
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(dir, "kiosk.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	key, _ := store.LoadOrCreateKey(filepath.Join(dir, "seal.key"))
	sealer, _ := store.NewSealer(key)
	ob, _ := store.NewOutbox(st, sealer, store.OutboxOptions{TerminalID: "PD-DIAG-0001", MinFreeBytes: -1})
	cat := sim.Catalog()
	items := e2e.SelfService(cat)
	if len(items) == 0 {
		t.Fatal("the development catalogue has no self-service item")
	}
	for i := 0; i < 2; i++ {
		if _, err := ob.Enqueue(ctx, e2e.MakeSubmission("PD-DIAG-0001", cat.Version, items[i%len(items)], i)); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	type report struct {
		TerminalID string `json:"terminal_id"`
		Reachable  bool   `json:"reachable"`
		TokenValid *bool  `json:"token_valid"`
		Outbox     struct {
			Pending int `json:"pending"`
		} `json:"outbox"`
		Drain *struct {
			Delivered int `json:"delivered"`
		} `json:"drain"`
	}
	run := func(args ...string) (int, report, string) {
		var out, errb bytes.Buffer
		code := run(append([]string{"diag", "sync", "--config", cfgFile}, args...), &out, &errb)
		var r report
		if strings.Contains(strings.Join(args, " "), "--json") {
			if err := json.Unmarshal(out.Bytes(), &r); err != nil {
				t.Fatalf("not JSON: %v\n%s\n%s", err, out.String(), errb.String())
			}
		}
		return code, r, out.String() + errb.String()
	}
	code, r, all := run("--json")
	if code != exitOK || !r.Reachable || r.TokenValid == nil || !*r.TokenValid || r.Outbox.Pending != 2 || r.Drain != nil {
		t.Fatalf("exit %d, %+v\n%s", code, r, all)
	}
	code, r, all = run("--json", "--now")
	if code != exitOK || r.Drain == nil || r.Drain.Delivered != 2 || r.Outbox.Pending != 0 {
		t.Fatalf("--now: exit %d, %+v\n%s", code, r, all)
	}
	code, _, all = run()
	if code != exitOK || !strings.Contains(all, "reachable       yes") || !strings.Contains(all, "0 pending") {
		t.Fatalf("text: exit %d\n%s", code, all)
	}
	writeCfg("wrong-token")
	if code, r, all = run("--json"); code != exitFailure || r.TokenValid == nil || *r.TokenValid {
		t.Fatalf("wrong token: exit %d, %+v\n%s", code, r, all)
	}
	sim.Close()
	if code, r, all = run("--json"); code != exitNoAnswer || r.Reachable {
		t.Fatalf("server down: exit %d, %+v\n%s", code, r, all)
	}
	if code, _, _ := run("--bogus"); code != exitUsage {
		t.Fatalf("bad flag: exit %d", code)
	}
}

// During a pause the central system asked for, the report says the server
// was not asked and until when, not a latency of a probe that did not run.
func TestSyncReportDuringAPause(t *testing.T) {
	until := time.Date(2026, 11, 27, 2, 31, 0, 0, time.UTC)
	var b strings.Builder
	printSyncReport(&b, "PD-T-0001", "https://intake.example", outbox.SyncReport{Reachable: true, PausedUntil: &until})
	if !strings.Contains(b.String(), "not asked: the central system asked for a pause until 2026-11-27 10:31:00") {
		t.Errorf("report during a pause:\n%s", b.String())
	}
	if strings.Contains(b.String(), " ms)") {
		t.Errorf("report shows a latency during the pause:\n%s", b.String())
	}
}
