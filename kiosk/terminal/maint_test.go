package terminal

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"github.com/pudong-community/kiosk/devices/devicetest"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/pudong-community/kiosk/devices/serialport"
	"github.com/pudong-community/kiosk/devices/sim/sammodule"
	"github.com/pudong-community/kiosk/devices/sim/thermal"
	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/audit"
	"github.com/pudong-community/kiosk/kiosk/config"
	"github.com/pudong-community/kiosk/kiosk/intake/intakesim"
	"github.com/pudong-community/kiosk/kiosk/maint"
	"github.com/pudong-community/kiosk/kiosk/outbox/e2e"
)

const (
	maintTestTerminal = "PD-MAINT-0001"
	maintTestToken    = "maint-token-secret"
)

// maintRig is a running terminal system over the device emulators on
// pseudo-terminals and the development intake server.
type maintRig struct {
	s      *Terminal
	m      *maintService
	sim    *intakesim.Server
	module *sammodule.Module
	pty    *sammodule.PTYServer
	emu    *thermal.Printer
	cfg    config.Config
}

// startMaintRig starts the rig; prepare, if given, runs on the data
// directory before the terminal opens it.
func startMaintRig(t *testing.T, prepare ...func(config.Config, *intakesim.Server)) *maintRig {
	t.Helper()
	devicetest.NeedsPTY(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	dir := t.TempDir()

	sim, err := intakesim.New(intakesim.Options{DataDir: t.TempDir(), Terminals: map[string]string{maintTestTerminal: maintTestToken}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	api := httptest.NewServer(sim.Handler())
	t.Cleanup(api.Close)

	module := sammodule.New(sammodule.Options{})
	pty, err := module.ServePTY(ctx, filepath.Join(dir, "kiosk-idcard"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pty.Close() })
	emu, printerPath := startPrinterEmu(t)

	cfg := config.Default()
	cfg.Terminal.ID = maintTestTerminal
	cfg.Terminal.DataDir = dir
	cfg.API.BaseURL = api.URL
	cfg.API.Token = maintTestToken
	cfg.IDCard.Port = pty.Link()
	cfg.IDCard.PollInterval = config.Duration{Duration: 50 * time.Millisecond}
	cfg.Printer.Port = printerPath
	cfg.Printer.Baud = 115200
	cfg.Log.File = filepath.Join(dir, "kiosk.log")
	logFile, err := os.OpenFile(cfg.Log.File, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logFile.Close() })
	logger := slog.New(slog.NewJSONHandler(logFile, &slog.HandlerOptions{Level: slog.LevelDebug}))

	for _, p := range prepare {
		p(cfg, sim)
	}
	s, err := Open(ctx, cfg, Deps{Logger: logger, Version: "test", Tuning: Tuning{ProbeTimeout: 150 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-ran; err != nil {
			t.Errorf("Run: %v", err)
		}
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	m := s.maintService()

	waitFor(t, 30*time.Second, "both devices ok", func() bool {
		snap := s.health.Snapshot()
		for _, d := range []string{kiosk.DeviceIDCard, kiosk.DevicePrinter} {
			if h, ok := snap.Device(d); !ok || h.State != kiosk.StateOK {
				return false
			}
		}
		return true
	})
	return &maintRig{s: s, m: m, sim: sim, module: module, pty: pty, emu: emu, cfg: cfg}
}

// startPrinterEmu serves the emulator on a pty for one test.
func startPrinterEmu(t *testing.T) (*thermal.Printer, string) {
	t.Helper()
	devicetest.NeedsPTY(t)
	emu, err := thermal.New(thermal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	path, done, err := emu.ServePTY(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); <-done })
	return emu, path
}

func waitFor(t testing.TB, limit time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func stepNames(steps []kiosk.Step) []string {
	var names []string
	for _, s := range steps {
		names = append(names, s.Name)
	}
	return names
}

func TestMaintService(t *testing.T) {
	devicetest.NeedsPTY(t)
	t.Parallel()
	r := startMaintRig(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	card, ok := sammodule.Sample("resident")
	if !ok {
		t.Fatal("no resident sample card")
	}
	// Every full ID number the terminal has seen; none may leave it.
	fullIDs := []string{card.IDNumber}

	t.Run("Devices", func(t *testing.T) {
		reps, err := r.m.Devices(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// The reader and the printer first; then the devices required by
		// no service: here the call-staff hook, which this configuration
		// lacks (the maintenance screen says so).
		if len(reps) != 3 || reps[0].Device != kiosk.DeviceIDCard || reps[1].Device != kiosk.DevicePrinter ||
			reps[2].Device != kiosk.DeviceCallStaffHook || reps[2].Reason != kiosk.ReasonNotConfigured {
			t.Fatalf("devices %+v", reps)
		}
		rd, pr := reps[0], reps[1]
		if rd.State != kiosk.StateOK || rd.Port != r.cfg.IDCard.Port || rd.Baud != 115200 {
			t.Errorf("reader report %+v", rd)
		}
		if rd.Status["sam_id"] == "" || len(rd.Status["sam_id_hex"]) != 32 || rd.Status["reader"] != "ready" {
			t.Errorf("reader status %v", rd.Status)
		}
		if len(rd.Frames) == 0 || len(rd.Frames) > 50 {
			t.Fatalf("%d reader frames", len(rd.Frames))
		}
		var out, in bool
		for _, f := range rd.Frames {
			out, in = out || f.Out, in || !f.Out
			if !strings.HasPrefix(strings.ToUpper(strings.ReplaceAll(f.Hex, " ", "")), "AAAAAA9669") {
				t.Errorf("frame %q is not a SAM frame", f.Hex)
			}
		}
		if !out || !in {
			t.Errorf("frames only one way: out %v in %v", out, in)
		}
		want := map[string]string{"state": "ready", "cover": "closed", "paper": "ok", "cutter": "ok", "online": "ok"}
		for k, v := range want {
			if pr.Status[k] != v {
				t.Errorf("printer %s = %q, want %q (%v)", k, pr.Status[k], v, pr.Status)
			}
		}
		if pr.Port != r.cfg.Printer.Port || pr.Baud != 115200 {
			t.Errorf("printer report %+v", pr)
		}

		r.emu.SetCover(true)
		defer r.emu.SetCover(false)
		reps, err = r.m.Devices(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := reps[1].Status["cover"]; got != "open" {
			t.Errorf("cover open on the emulator, reported %q (%v)", got, reps[1].Status)
		}
	})

	t.Run("SelfTestCard", func(t *testing.T) {
		type result struct {
			ct  kiosk.CardTest
			err error
		}
		done := make(chan result, 1)
		go func() {
			ct, err := r.m.SelfTestCard(ctx)
			done <- result{ct, err}
		}()
		waitFor(t, 10*time.Second, "the self-test to wait for a card", func() bool {
			r.s.mu.Lock()
			defer r.s.mu.Unlock()
			return len(r.s.cardTaps) == 1
		})
		if err := r.module.Place("resident"); err != nil {
			t.Fatal(err)
		}
		defer r.module.Remove()
		var res result
		select {
		case res = <-done:
		case <-time.After(20 * time.Second):
			t.Fatal("no self-test result")
		}
		if res.err != nil {
			t.Fatal(res.err)
		}
		if res.ct.MaskedID != kiosk.MaskID(card.IDNumber) || res.ct.MaskedID == card.IDNumber || res.ct.CardType != "resident" {
			t.Errorf("card test %+v", res.ct)
		}
		names := stepNames(res.ct.Steps)
		for _, n := range []string{"read", "total"} {
			if !slices.Contains(names, n) {
				t.Errorf("no %q step in %v", n, names)
			}
		}
		for _, s := range res.ct.Steps {
			if s.Duration <= 0 || s.Err != "" {
				t.Errorf("step %+v", s)
			}
		}

		// Without a card the wait ends with the caller's context.
		short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		if _, err := r.m.SelfTestCard(short); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("no card: %v, want deadline exceeded", err)
		}
		r.s.mu.Lock()
		left := len(r.s.cardTaps)
		r.s.mu.Unlock()
		if left != 0 {
			t.Errorf("%d card taps left behind", left)
		}
	})

	t.Run("TestPrint", func(t *testing.T) {
		pt, err := r.m.TestPrint(ctx)
		if err != nil {
			t.Fatalf("%v (%+v)", err, pt)
		}
		if pt.Bytes < 500 || !slices.Equal(stepNames(pt.Steps), []string{"encode", "status", "print"}) {
			t.Errorf("print test %+v", pt)
		}
		select {
		case rc := <-r.emu.Receipts():
			text := strings.Join(rc.Lines, "\n")
			if !rc.Cut || !strings.Contains(text, "受理回执") || !strings.Contains(text, maintTestTerminal) {
				t.Errorf("receipt cut=%v lines %q", rc.Cut, rc.Lines)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("no receipt at the printer")
		}

		r.emu.SetPaper(thermal.PaperOut)
		defer r.emu.SetPaper(thermal.PaperOK)
		pt, err = r.m.TestPrint(ctx)
		if !errors.Is(err, kiosk.ErrPaperOut) {
			t.Fatalf("paper out: %v, want kiosk.ErrPaperOut", err)
		}
		if n := len(pt.Steps); n != 2 || pt.Steps[1].Name != "status" || pt.Steps[1].Err == "" {
			t.Errorf("paper out steps %+v", pt.Steps)
		}
		select {
		case rc := <-r.emu.Receipts():
			t.Errorf("printed without paper: %q", rc.Lines)
		default:
		}
	})

	t.Run("ProbePorts", func(t *testing.T) {
		pctx, cancel := context.WithCancel(ctx)
		defer cancel()
		free := sammodule.New(sammodule.Options{})
		freeSAM, err := free.ServePTY(pctx, "")
		if err != nil {
			t.Fatal(err)
		}
		defer freeSAM.Close()
		_, freePrinter := startPrinterEmu(t)
		missing := filepath.Join(t.TempDir(), "ttyUSB9")
		ports := []string{r.cfg.IDCard.Port, r.pty.SlavePath(), r.cfg.Printer.Port, freeSAM.SlavePath(), freePrinter, missing}
		got, err := r.m.probePorts(ctx, ports)
		if err != nil {
			t.Fatal(err)
		}
		want := []kiosk.PortProbe{
			{Port: ports[0], Baud: 115200, Answer: "busy"},
			{Port: ports[1], Answer: "none"}, // the same device as the link
			{Port: ports[2], Baud: 115200, Answer: "busy"},
			{Port: ports[3], Baud: 115200, Answer: "idcard"},
			{Port: ports[4], Baud: 115200, Answer: "printer"},
			{Port: ports[5], Answer: "none"},
		}
		if len(got) != len(want) {
			t.Fatalf("got %d results: %+v", len(got), got)
		}
		for i, w := range want {
			g := got[i]
			if g.Port != w.Port || g.Baud != w.Baud || g.Answer != w.Answer || g.Detail == "" {
				t.Errorf("port %d: got %+v, want %+v with a detail", i, g, w)
			}
		}
		if !strings.Contains(got[1].Detail, ports[0]) || !strings.HasPrefix(got[3].Detail, "SAM ID ") {
			t.Errorf("details %q, %q", got[1].Detail, got[3].Detail)
		}

		// The public method includes the configured ports and keeps off them.
		all, err := r.m.ProbePorts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{r.cfg.IDCard.Port, r.cfg.Printer.Port} {
			i := slices.IndexFunc(all, func(x kiosk.PortProbe) bool { return x.Port == p })
			if i < 0 || all[i].Answer != "busy" {
				t.Errorf("configured port %s: %+v", p, all)
			}
		}
	})

	t.Run("DetectBaud", func(t *testing.T) {
		res, err := r.m.DetectBaud(ctx)
		if err != nil || res.Baud != 115200 || res.Port != r.cfg.IDCard.Port || !slices.Equal(res.Tried, []int{115200}) {
			t.Errorf("running reader: %+v, %v", res, err)
		}

		// Without a running reader the port is probed, configured rate first.
		pctx, cancel := context.WithCancel(ctx)
		defer cancel()
		good := sammodule.New(sammodule.Options{})
		goodPTY, err := good.ServePTY(pctx, "")
		if err != nil {
			t.Fatal(err)
		}
		defer goodPTY.Close()
		mute := sammodule.New(sammodule.Options{})
		mute.SetFault(sammodule.FaultUnplug, true)
		mutePTY, err := mute.ServePTY(pctx, "")
		if err != nil {
			t.Fatal(err)
		}
		defer mutePTY.Close()
		tests := []struct {
			name  string
			port  string
			baud  int
			want  int
			tried []int
		}{
			{"answers at the configured rate", goodPTY.SlavePath(), 57600, 57600, []int{57600}},
			{"never answers", mutePTY.SlavePath(), 9600, 0, []int{9600, 115200, 57600, 38400, 19200}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				cfg := r.cfg
				cfg.IDCard.Port, cfg.IDCard.Baud = tc.port, tc.baud
				m := (&Terminal{cfg: cfg, open: serialport.Open}).maintService()
				m.probeTimeout = 150 * time.Millisecond
				res, err := m.DetectBaud(ctx)
				if err != nil || res.Baud != tc.want || res.Port != tc.port || !slices.Equal(res.Tried, tc.tried) {
					t.Errorf("got %+v, %v; want baud %d after %v", res, err, tc.want, tc.tried)
				}
			})
		}
	})

	t.Run("Catalog", func(t *testing.T) {
		if err := r.m.RefreshCatalog(ctx); err != nil {
			t.Fatal(err)
		}
		info, err := r.m.CatalogInfo(ctx)
		if err != nil {
			t.Fatal(err)
		}
		cat := r.sim.Catalog()
		if info.Version != cat.Version || info.Items != len(cat.Items) || info.FetchedAt.IsZero() || info.LastError != "" {
			t.Errorf("catalog info %+v, server has %s with %d items", info, cat.Version, len(cat.Items))
		}
		v2, err := r.sim.BumpCatalog(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.m.RefreshCatalog(ctx); err != nil {
			t.Fatal(err)
		}
		if info, err := r.m.CatalogInfo(ctx); err != nil || info.Version != v2 || v2 == cat.Version {
			t.Errorf("after the bump: %+v, %v; want %s", info, err, v2)
		}
		// Both refreshes are in the audit trail, with what they fetched.
		if got := lastAudit(t, r, audit.CatalogRefresh); got.Detail != fmt.Sprintf("version=%s items=%d", v2, len(r.sim.Catalog().Items)) {
			t.Errorf("catalog_refresh audit detail %q", got.Detail)
		}
		// So is one that ran out of time, with its error.
		done, cancel := context.WithCancel(ctx)
		cancel()
		if err := r.m.RefreshCatalog(done); err == nil || errors.Is(err, errMaintNotAudited) {
			t.Errorf("refresh with an ended context: %v, want its error and an audit record", err)
		}
		if got := lastAudit(t, r, audit.CatalogRefresh); !strings.HasPrefix(got.Detail, "failed: ") {
			t.Errorf("catalog_refresh audit detail after a timeout %q, want failed: ...", got.Detail)
		}
	})

	t.Run("SyncStatus", func(t *testing.T) {
		rep, err := r.m.SyncStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Reachable || !rep.TokenValid || rep.Latency <= 0 || rep.CatalogVersion != r.sim.Catalog().Version || rep.Pending != 0 || rep.Parked != 0 {
			t.Errorf("sync report %+v", rep)
		}
	})

	var parked []kiosk.ParkedSubmission
	var retried kiosk.ParkedSubmission // parked again after the retry
	t.Run("SendNowAndParked", func(t *testing.T) {
		cat := r.sim.Catalog()
		items := e2e.SelfService(cat)
		if len(items) == 0 {
			t.Fatal("no self-service item")
		}
		good := e2e.MakeSubmission(maintTestTerminal, cat.Version, items[0], 1)
		bad1 := e2e.MakeSubmission(maintTestTerminal, cat.Version, items[0], 2)
		bad2 := e2e.MakeSubmission(maintTestTerminal, cat.Version, items[0], 3)
		bad1.ItemCode, bad2.ItemCode = "NO-SUCH-ITEM", "NO-SUCH-ITEM"
		for _, sub := range []kiosk.Submission{good, bad1, bad2} {
			fullIDs = append(fullIDs, sub.Applicant.IDNumber)
			if _, err := r.s.outbox.Enqueue(ctx, sub); err != nil {
				t.Fatal(err)
			}
		}
		woken, err := r.m.SendNow(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := lastAudit(t, r, audit.OutboxSendNow); got.Detail != fmt.Sprintf("%d pending woken", woken) {
			t.Errorf("outbox_send_now audit detail %q, SendNow woke %d", got.Detail, woken)
		}
		waitFor(t, 30*time.Second, "the good submission at the server", func() bool {
			_, found, err := r.sim.LookupSubmission(ctx, good.ID)
			return err == nil && found
		})
		waitFor(t, 30*time.Second, "two parked submissions", func() bool {
			p, err := r.m.Parked(ctx)
			parked = p
			return err == nil && len(p) == 2
		})
		byID := map[string]kiosk.Submission{bad1.ID: bad1, bad2.ID: bad2}
		for _, p := range parked {
			sub, ok := byID[p.ID]
			if !ok || p.MaskedID != kiosk.MaskID(sub.Applicant.IDNumber) || p.ItemCode != "NO-SUCH-ITEM" ||
				p.LocalNo == "" || p.Created.IsZero() || !strings.Contains(p.Reason, "unknown_item") {
				t.Errorf("parked %+v", p)
			}
		}
		rep, err := r.m.SyncStatus(ctx)
		if err != nil || rep.Parked != 2 {
			t.Errorf("sync report after parking: %+v, %v", rep, err)
		}
	})

	t.Run("RetryAndDiscardParked", func(t *testing.T) {
		if len(parked) != 2 {
			t.Skip("nothing parked")
		}
		p1, p2 := parked[0], parked[1]
		if err := r.m.RetryParked(ctx, "no-such-id"); !errors.Is(err, errMaintNotParked) {
			t.Errorf("retry unknown id: %v", err)
		}
		if got := lastAudit(t, r, audit.ParkedRetry); !strings.HasPrefix(got.Detail, "id=no-such-id failed: ") {
			t.Errorf("parked_retry of an unknown id: %+v", got)
		}
		if err := r.m.RetryParked(ctx, p1.ID); err != nil {
			t.Fatal(err)
		}
		if got := lastAudit(t, r, audit.ParkedRetry); got.Subject != p1.MaskedID || got.Detail != "id="+p1.ID+" local_no="+p1.LocalNo {
			t.Errorf("parked_retry event for %s: %+v", p1.ID, got)
		}
		// The retried submission goes out again and is refused again.
		waitFor(t, 30*time.Second, "the retried submission parked again", func() bool {
			ps, err := r.m.Parked(ctx)
			return err == nil && slices.ContainsFunc(ps, func(p kiosk.ParkedSubmission) bool { return p.ID == p1.ID })
		})
		if st, err := r.s.outbox.Lookup(ctx, p1.ID); err != nil || st.Attempts != 1 {
			t.Errorf("retried record %+v, %v: want attempts reset to 0 and one new attempt", st, err)
		}
		retried = p1

		// A refused discard is on record too.
		if err := r.m.DiscardParked(ctx, p2.ID, "  "); !errors.Is(err, errMaintNoReason) {
			t.Errorf("no reason: %v, want %v", err, errMaintNoReason)
		}
		if got := lastAudit(t, r, audit.ParkedDiscard); got.Detail != "id="+p2.ID+" failed: "+errMaintNoReason.Error() {
			t.Errorf("parked_discard without a reason: %+v", got)
		}
		if ps, _ := r.m.Parked(ctx); !slices.ContainsFunc(ps, func(p kiosk.ParkedSubmission) bool { return p.ID == p2.ID }) {
			t.Fatal("a refused discard discarded")
		}
		// A full ID number typed into the reason is recorded masked.
		if err := r.m.DiscardParked(ctx, p2.ID, "居民撤回 withdrawn by the resident "+fullIDs[0]); err != nil {
			t.Fatal(err)
		}
		if ps, _ := r.m.Parked(ctx); slices.ContainsFunc(ps, func(p kiosk.ParkedSubmission) bool { return p.ID == p2.ID }) {
			t.Error("discarded submission still parked")
		}
		got := lastAudit(t, r, audit.ParkedDiscard)
		if want := "id=" + p2.ID + " local_no=" + p2.LocalNo + " reason=居民撤回 withdrawn by the resident " + kiosk.MaskID(fullIDs[0]); got.Subject != p2.MaskedID || got.Detail != want {
			t.Errorf("parked_discard event %+v, want subject %s detail %q", got, p2.MaskedID, want)
		}
		// So is a discard of what is no longer parked.
		if err := r.m.DiscardParked(ctx, p2.ID, "again"); !errors.Is(err, errMaintNotParked) {
			t.Errorf("discard twice: %v", err)
		}
		if got := lastAudit(t, r, audit.ParkedDiscard); !strings.HasPrefix(got.Detail, "id="+p2.ID+" reason=again failed: ") {
			t.Errorf("parked_discard of what is not parked: %+v", got)
		}
	})

	t.Run("LatestAudit", func(t *testing.T) {
		evs, err := r.m.LatestAudit(ctx, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 3 || evs[0].Seq >= evs[1].Seq || evs[1].Seq >= evs[2].Seq {
			t.Fatalf("latest 3: %+v", evs)
		}
		for _, e := range evs {
			for _, id := range fullIDs {
				if strings.Contains(e.Subject+e.Detail, id) {
					t.Errorf("full ID number in audit event %+v", e)
				}
			}
		}
	})

	t.Run("ExportBundle", func(t *testing.T) {
		dir := t.TempDir()
		path, err := r.m.ExportBundle(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Dir(path) != dir || !strings.HasSuffix(path, ".tar.gz") {
			t.Errorf("bundle at %s", path)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		tr := tar.NewReader(zr)
		var all strings.Builder
		var names []string
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			names = append(names, h.Name)
			if _, err := io.Copy(&all, tr); err != nil {
				t.Fatal(err)
			}
		}
		text := all.String()
		for _, id := range fullIDs {
			if strings.Contains(text, id) {
				t.Errorf("full ID number %s in the bundle", kiosk.MaskID(id))
			}
		}
		if strings.Contains(text, maintTestToken) {
			t.Error("API token in the bundle")
		}
		for _, want := range []string{maintTestTerminal, r.sim.Catalog().Version, "NO-SUCH-ITEM", retried.MaskedID} {
			if !strings.Contains(text, want) {
				t.Errorf("bundle lacks %q (files %v)", want, names)
			}
		}
		if !slices.ContainsFunc(names, func(n string) bool { return strings.Contains(n, "kiosk.log") }) {
			t.Errorf("no log file in the bundle: %v", names)
		}
	})

	t.Run("VerifyAudit", func(t *testing.T) {
		ok, err := r.m.VerifyAudit(ctx)
		if err != nil || !ok.OK || ok.Events < 3 || ok.BrokenAt != 0 || ok.Problem != "" {
			t.Fatalf("intact chain: %+v, %v", ok, err)
		}
		if got := lastAudit(t, r, audit.AuditVerified); got.Detail != fmt.Sprintf("ok: %d events", ok.Events) {
			t.Errorf("audit_verified detail %q", got.Detail)
		}
		// Somebody with the file rewrites an event.
		db, err := sql.Open("sqlite3", r.cfg.DatabasePath())
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.ExecContext(ctx, "DROP TRIGGER audit_no_update"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, "UPDATE audit SET detail = detail || ' (edited)' WHERE seq = 2"); err != nil {
			t.Fatal(err)
		}
		bad, err := r.m.VerifyAudit(ctx)
		if err != nil || bad.OK || bad.BrokenAt != 2 || bad.Events != 1 || bad.Problem == "" {
			t.Errorf("edited chain: %+v, %v", bad, err)
		}
		if got := lastAudit(t, r, audit.AuditVerified); !strings.HasPrefix(got.Detail, "broken at seq 2 after 1 good: ") {
			t.Errorf("audit_verified detail of a broken chain %q", got.Detail)
		}
	})

	// Last, as the pause it sets lasts a minute: while the central system
	// has asked the terminal to wait, the network screen's probe waits too
	// and says until when.
	t.Run("SyncStatusDuringAPause", func(t *testing.T) {
		if err := r.sim.SetFaults(intakesim.Faults{Unavailable503: 1, RetryAfterSeconds: 60}); err != nil {
			t.Fatal(err)
		}
		r.s.relay.DeviceChanged() // a heartbeat, answered 503 Retry-After: 60
		waitFor(t, 30*time.Second, "the pause", func() bool { return !r.s.relay.PausedUntil().IsZero() })
		before := r.sim.Stats().Requests
		rep, err := r.m.SyncStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n := r.sim.Stats().Requests - before; n != 0 {
			t.Errorf("the probe sent %d requests during the pause", n)
		}
		if left := time.Until(rep.PausedUntil); left < 50*time.Second || left > 61*time.Second {
			t.Errorf("report's pause ends in %v, want about 60 s", left)
		}
		if err := r.sim.SetFaults(intakesim.Faults{}); err != nil {
			t.Fatal(err)
		}
	})
}

// The terminal's maintenance gate keeps the wrong PINs and the lock in the
// database: a restart in the middle of a guessing run does not lift them.
func TestGateLockOutlivesARestart(t *testing.T) {
	r := startMaintRig(t)
	ctx := context.Background()
	cfg := r.cfg
	h, err := maint.HashPIN("135790", maint.Params{Time: 1, Memory: 64, Threads: 1, KeyLen: 32, SaltLen: 16})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Maintenance.PINHash = h
	g, err := r.s.gate(cfg.Maintenance)
	if err != nil {
		t.Fatal(err)
	}
	for range maint.MaxTries {
		g.EnterPIN(ctx, "000000")
	}
	if locked, _ := g.Locked(); !locked {
		t.Fatal("not locked after MaxTries wrong PINs")
	}
	if v, err := r.s.st.Setting(ctx, maint.PINLockKey); err != nil || !strings.HasPrefix(v, fmt.Sprint(maint.MaxTries)+" ") {
		t.Errorf("setting %s = %q, %v", maint.PINLockKey, v, err)
	}
	again, err := r.s.gate(cfg.Maintenance) // the next run's gate, over the same database
	if err != nil {
		t.Fatal(err)
	}
	if locked, _ := again.Locked(); !locked {
		t.Error("the lock did not outlive the restart")
	}
	if _, err := again.EnterPIN(ctx, "135790"); !errors.Is(err, maint.ErrLocked) {
		t.Errorf("right PIN after the restart, during the lock: %v", err)
	}
	// The heartbeat reports the day's wrong PINs and the lock.
	hb := r.s.heartbeatMaintenance(ctx)
	_, until := again.Locked()
	if hb == nil || hb.PINFailuresToday != maint.MaxTries || hb.LockedUntil == nil || hb.LockedUntil.Sub(until).Abs() > time.Second {
		t.Errorf("heartbeat maintenance = %+v, want %d failures, locked until %v", hb, maint.MaxTries, until)
	}
	if got := lastAudit(t, r, audit.PINLockout); !strings.HasPrefix(got.Detail, "5m0s") {
		t.Errorf("pin_lockout detail %q", got.Detail)
	}
}

// lastAudit is the latest audit event of kind; the test fails without one.
func lastAudit(t *testing.T, r *maintRig, kind audit.Kind) kiosk.AuditEvent {
	t.Helper()
	evs, err := r.s.trail.Latest(context.Background(), 50)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Kind == string(kind) {
			return evs[i]
		}
	}
	t.Fatalf("no %s event in the audit trail", kind)
	return kiosk.AuditEvent{}
}
