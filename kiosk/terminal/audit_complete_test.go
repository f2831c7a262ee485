package terminal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/devices/devicetest"
	"github.com/pudong-community/kiosk/devices/sim/sammodule"
	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/audit"
	"github.com/pudong-community/kiosk/kiosk/backend"
	"github.com/pudong-community/kiosk/kiosk/config"
	"github.com/pudong-community/kiosk/kiosk/intake/intakesim"
	"github.com/pudong-community/kiosk/kiosk/kiosktest"
	"github.com/pudong-community/kiosk/kiosk/maint"
	"github.com/pudong-community/kiosk/kiosk/outbox/e2e"
	"github.com/pudong-community/kiosk/kiosk/store"
	"github.com/pudong-community/kiosk/kiosk/visit"
)

// notYetExercised are the declared kinds this test does not drive yet. The
// test reports them with t.Log and fails if one of them is written after
// all (then it belongs in the test, not here). Empty: every kind is driven.
var notYetExercised = []audit.Kind{}

// auditRun is one terminal of TestAuditCompleteness's over the same data
// directory, devices and central system; stop ends it (Run returned, the
// database closed) after collecting every event its trail holds.
type auditRun struct {
	*Terminal
	stop func() []kiosk.AuditEvent
}

// TestAuditCompleteness proves that every declared audit kind (audit.Kinds)
// is written by the terminal's own code paths, driven as production drives
// them: a real terminal over the device emulators on pseudo-terminals and
// the development intake server, a visit through the visit machine with
// the terminal's VisitAudit hook, "my cases" and a submission through the
// back end, deliveries and refusals through the relay, the maintenance
// service and gate, three starts (a configuration change between two of
// them, a damaged database before the third). A kind no path writes fails
// the test, unless it is listed in notYetExercised. No event may hold a
// full ID number; the agent's 18-digit reference and a 100 KB reason are
// kept, masked and cut.
func TestAuditCompleteness(t *testing.T) {
	devicetest.NeedsPTY(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()

	sim, err := intakesim.New(intakesim.Options{DataDir: t.TempDir(), Terminals: map[string]string{maintTestTerminal: maintTestToken}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	// The heartbeats the central system receives, for the PIN lock.
	var hbMu sync.Mutex
	var heartbeats []string
	h := sim.Handler()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/heartbeat") {
			body, _ := io.ReadAll(r.Body)
			hbMu.Lock()
			heartbeats = append(heartbeats, string(body))
			hbMu.Unlock()
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(api.Close)
	module := sammodule.New(sammodule.Options{})
	pty, err := module.ServePTY(ctx, filepath.Join(dir, "kiosk-idcard"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pty.Close() })
	emu, printerPath := startPrinterEmu(t)

	pinHash, err := maint.HashPIN("135790", maint.Params{Time: 1, Memory: 64, Threads: 1, KeyLen: 32, SaltLen: 16})
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Terminal.ID, cfg.Terminal.DataDir = maintTestTerminal, dir
	cfg.API.BaseURL, cfg.API.Token = api.URL, maintTestToken
	cfg.IDCard.Port, cfg.IDCard.PollInterval = pty.Link(), config.Duration{Duration: 50 * time.Millisecond}
	cfg.Printer.Port, cfg.Printer.Baud = printerPath, 115200
	cfg.Maintenance.PINHash = pinHash
	logger := slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))

	var all []kiosk.AuditEvent
	start := func(cfg config.Config) auditRun {
		t.Helper()
		runCtx, stopRun := context.WithCancel(ctx)
		term, err := Open(runCtx, cfg, Deps{Logger: logger, Version: "test"})
		if err != nil {
			stopRun()
			t.Fatal(err)
		}
		ran := make(chan error, 1)
		go func() { ran <- term.Run(runCtx) }()
		stopped := false
		stop := func() []kiosk.AuditEvent {
			if stopped {
				return nil
			}
			stopped = true
			stopRun()
			if err := <-ran; err != nil {
				t.Errorf("Run: %v", err)
			}
			if err := term.Close(); err != nil { // writes what was queued
				t.Errorf("Close: %v", err)
			}
			again, err := Open(context.Background(), cfg, Deps{Inspect: true, Offline: true, Logger: logger})
			if err != nil {
				t.Fatal(err)
			}
			defer again.Close()
			evs, err := again.Trail().Latest(context.Background(), 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, evs...)
			return evs
		}
		t.Cleanup(func() { stop() })
		return auditRun{term, stop}
	}

	// The first start: config_changed "initial"; both devices come up
	// (device_state).
	run := start(cfg)
	waitFor(t, 30*time.Second, "both devices ok", func() bool {
		snap := run.health.Snapshot()
		for _, d := range []string{kiosk.DeviceIDCard, kiosk.DevicePrinter} {
			if h, ok := snap.Device(d); !ok || h.State != kiosk.StateOK {
				return false
			}
		}
		return true
	})
	be, m := run.Backend(), run.maintService()
	cat := sim.Catalog()

	// A visit, through the visit machine: a card that cannot be read, an
	// agent with an authorisation reference of 18 bare digits (which the
	// trail keeps masked), "my cases", an application, its receipt.
	const authRef = "310101199001011234"
	agent := kiosk.Person{IDNumber: e2e.IDNumber(42), Name: "李四", CardType: kiosk.CardResident}
	resident := kiosktest.Resident
	mach, err := visit.New(visit.Config{OnChange: run.VisitAudit()})
	if err != nil {
		t.Fatal(err)
	}
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	must("start agent", mach.StartAgent())
	must("card failed", mach.CardFailed(visit.FailUnreadable))
	must("agent's card", mach.CardRead(agent))
	must("resident's card", mach.CardRead(resident))
	must("authorisation", mach.SetAuthorisation(authRef, "子女"))
	// An agent does not see the resident's cases (the back end refuses),
	// but may look up their own.
	if _, _, err := be.Cases(ctx, resident); !errors.Is(err, backend.ErrAgentCases) {
		t.Errorf("an agent's look-up of the resident's cases: %v, want ErrAgentCases", err)
	}
	agentCases, online, err := be.Cases(ctx, agent)
	if err != nil || !online {
		t.Errorf("the agent's own cases: online %v, %v", online, err)
	}
	var item kiosk.Item
	for _, it := range e2e.SelfService(cat) {
		if it.AgentAllowed {
			item = it
			break
		}
	}
	if item.Code == "" {
		t.Fatal("no self-service item an agent may apply for")
	}
	must("apply", mach.StartApplication(item))
	for k, v := range e2e.MakeSubmission(maintTestTerminal, cat.Version, item, 1).Fields {
		must("field "+k, mach.SetField(k, v))
	}
	must("review", mach.Review())
	sub, err := mach.Confirm()
	must("confirm", err)
	sub.TerminalID, sub.CatalogVersion = maintTestTerminal, cat.Version
	out, err := be.Submit(ctx, sub)
	must("submit", err)
	if out.Accepted == nil {
		t.Fatalf("submission not accepted at once: %+v", out)
	}
	must("submit finished", mach.SubmitFinished(sub.ID, visit.Outcome{Status: visit.OutcomeSent, CaseNo: out.Accepted.CaseNo}))
	must("begin print", mach.BeginPrint())
	perr := run.Receipts().Print(ctx, kiosk.ReceiptData{Center: cfg.Terminal.CenterName, TerminalID: maintTestTerminal, ItemCode: item.Code, ItemName: item.Name,
		Applicant: resident.Name, ApplicantID: resident.IDNumber, Agent: agent.Name, AgentID: agent.IDNumber, AuthRef: authRef,
		LocalNo: out.LocalNo, CaseNo: out.Accepted.CaseNo, ConfirmedAt: time.Now(), AcceptedAt: out.Accepted.AcceptedAt, QRPayload: out.LocalNo})
	must("print", perr)
	select {
	case <-emu.Receipts():
	case <-time.After(20 * time.Second):
		t.Fatal("no receipt at the printer")
	}
	must("print finished", mach.PrintFinished(nil))
	must("finish", mach.Finish())

	// Two submissions the central system refuses for good: parked
	// (submission_parked) after staff's "send now" (outbox_send_now); one
	// retried (parked_retry, and parked again), then discarded with a
	// reason of 100 KB that holds an ID number (parked_discard, masked and
	// cut); the other discarded.
	var bad []kiosk.Submission
	for n := 2; n <= 3; n++ {
		s := e2e.MakeSubmission(maintTestTerminal, cat.Version, item, n)
		s.ItemCode = "NO-SUCH-ITEM"
		bad = append(bad, s)
		if _, err := run.Outbox().Enqueue(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := m.SendNow(ctx); err != nil {
		t.Fatal(err)
	}
	parkedIDs := func() []string {
		ps, err := m.Parked(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, p := range ps {
			ids = append(ids, p.ID)
		}
		return ids
	}
	waitFor(t, 30*time.Second, "two parked submissions", func() bool { return len(parkedIDs()) == 2 })
	must("retry", m.RetryParked(ctx, bad[0].ID))
	waitFor(t, 30*time.Second, "the retried submission parked again", func() bool { return slices.Contains(parkedIDs(), bad[0].ID) })
	longReason := "居民撤回 " + bad[0].Applicant.IDNumber + " " + strings.Repeat("说明", 100*1024/6)
	must("discard with a long reason", m.DiscardParked(ctx, bad[0].ID, longReason))
	must("discard", m.DiscardParked(ctx, bad[1].ID, "居民撤回 withdrawn"))

	// The services of version 1.1, through the terminal's own: a ticket
	// for the resident (ticket_issued), a booking and its cancellation
	// (appointment_booked, appointment_cancelled), a rating of the ticket
	// (rating_recorded), a call for staff (staff_called).
	must("centre open", sim.SetCenterMode(intakesim.ModeOpen))
	counter := item.CounterCategory
	if counter == "" {
		counter = kiosk.CounterGeneral
	}
	tk, err := run.Center().TakeTicket(ctx, kiosk.TicketRequest{Category: counter, ItemCode: item.Code, Reason: kiosk.TicketForwardedItem, Holder: &resident})
	must("ticket", err)
	slots, err := run.Appointments().Slots(ctx, counter, time.Now(), time.Now().AddDate(0, 0, 13))
	must("slots", err)
	var slot kiosk.Slot
	for _, sl := range slots {
		if sl.Remaining > 0 {
			slot = sl
			break
		}
	}
	if slot.ID == "" {
		t.Fatalf("no free slot of %s in %d", counter, len(slots))
	}
	appt, err := run.Appointments().Book(ctx, kiosk.AppointmentRequest{SlotID: slot.ID, ItemCode: item.Code, Applicant: resident, Phone: "13800138000"})
	must("book", err)
	must("cancel", run.Appointments().Cancel(ctx, appt.No, resident))
	must("rate", run.Ratings().Rate(ctx, kiosk.Rating{Service: kiosk.RateTicket, TicketNo: tk.TicketNo, Level: 5}))
	run.Assistance().CallStaff(ctx, "home", kiosk.AssistResident)

	// Staff refresh the catalogue and verify the trail.
	must("refresh", m.RefreshCatalog(ctx))
	if chk, err := m.VerifyAudit(ctx); err != nil || !chk.OK {
		t.Fatalf("verify: %+v, %v", chk, err)
	}

	// Staff at the gate: in and out with the PIN, then wrong PINs until
	// it locks; the heartbeat reports the day's wrong PINs and the lock;
	// an expired staff card is refused.
	staffID := e2e.IDNumber(77)
	gcfg := cfg.Maintenance
	gcfg.StaffCards = []string{maint.StaffCardHash(staffCardKey(t, cfg), staffID)}
	g, err := run.gate(gcfg)
	must("gate", err)
	if _, err := g.EnterPIN(ctx, "135790"); err != nil {
		t.Fatal(err)
	}
	must("leave", g.Leave(ctx))
	for range maint.MaxTries {
		g.EnterPIN(ctx, "000000")
	}
	if locked, _ := g.Locked(); !locked {
		t.Fatal("not locked after MaxTries wrong PINs")
	}
	run.relay.DeviceChanged() // a heartbeat now
	_, until := g.Locked()
	waitFor(t, 30*time.Second, "a heartbeat with the day's wrong PINs and the lock", func() bool {
		hbMu.Lock()
		defer hbMu.Unlock()
		if len(heartbeats) == 0 {
			return false
		}
		var hb struct {
			Maintenance *struct {
				PINFailuresToday int        `json:"pin_failures_today"`
				LockedUntil      *time.Time `json:"locked_until"`
			} `json:"maintenance"`
		}
		if err := json.Unmarshal([]byte(heartbeats[len(heartbeats)-1]), &hb); err != nil {
			t.Fatal(err)
		}
		m := hb.Maintenance
		return m != nil && m.PINFailuresToday == maint.MaxTries && m.LockedUntil != nil && m.LockedUntil.Sub(until).Abs() < time.Second
	})
	if _, err := g.EnterCard(ctx, staffID, true); !errors.Is(err, maint.ErrCardExpired) {
		t.Errorf("expired staff card: %v", err)
	}
	first := run.stop()

	// The second start, with two keys changed: config_changed names them
	// and nothing else. The third, unchanged, records none.
	changed := cfg
	changed.Terminal.CenterName = "浦东新区测试中心"
	changed.Sync.Heartbeat = config.Duration{Duration: 2 * time.Minute}
	second := start(changed).stop()
	third := start(changed).stop()
	if got := ofKind(second, audit.ConfigChanged); len(got) != 2 || got[1].Detail != "changed: sync.heartbeat, terminal.center_name" {
		t.Errorf("config_changed after the second start: %+v", got)
	}
	if n, m := len(ofKind(second, audit.ConfigChanged)), len(ofKind(third, audit.ConfigChanged)); n != m {
		t.Errorf("an unchanged start recorded config_changed: %d then %d", n, m)
	}
	if got := ofKind(first, audit.ConfigChanged); len(got) != 1 || !strings.HasPrefix(got[0].Detail, "initial (") {
		t.Errorf("config_changed of the first start: %+v", got)
	}

	// The fourth start finds the database damaged: recovered
	// (database_recovered), and staff acknowledge it (database_notice_ack).
	damageTable(t, changed.DatabasePath(), "submissions_applicant")
	fourth := start(changed)
	ns, err := fourth.maintService().StorageNotices(ctx)
	if err != nil || len(ns) != 1 {
		t.Fatalf("recovery notices %+v, %v", ns, err)
	}
	must("acknowledge", fourth.maintService().AckStorageNotices(ctx))
	fourth.stop()

	// Every declared kind was written, but those not yet exercised.
	written := map[string]int{}
	for _, ev := range all {
		written[ev.Kind]++
	}
	for _, k := range audit.Kinds {
		switch {
		case slices.Contains(notYetExercised, k) && written[string(k)] > 0:
			t.Errorf("kind %s is written now: drive it in this test and take it off notYetExercised", k)
		case slices.Contains(notYetExercised, k):
			t.Logf("kind %s not yet exercised (notYetExercised)", k)
		case written[string(k)] == 0:
			t.Errorf("kind %s is declared but no code path this test drives writes it", k)
		}
	}
	for k := range written {
		if !slices.Contains(audit.Kinds, audit.Kind(k)) {
			t.Errorf("kind %s is written but not declared in audit.Kinds", k)
		}
	}

	// Nothing was dropped for its text, and nothing holds a full number.
	fullIDs := []string{agent.IDNumber, resident.IDNumber, authRef, staffID, sub.Applicant.IDNumber, bad[0].Applicant.IDNumber, bad[1].Applicant.IDNumber}
	for _, ev := range all {
		for _, id := range fullIDs {
			if strings.Contains(ev.Subject+ev.Detail, id) {
				t.Errorf("full ID number %s in %s event %q %q", kiosk.MaskID(id), ev.Kind, ev.Subject, ev.Detail)
			}
		}
	}
	if got := ofKind(first, audit.AgentAuthorised); len(got) != 1 || !strings.HasSuffix(got[0].Detail, "ref "+kiosk.MaskID(authRef)) {
		t.Errorf("agent_authorised events %+v, want the reference masked", got)
	}
	discards := ofKind(first, audit.ParkedDiscard)
	if len(discards) != 2 {
		t.Fatalf("parked_discard events %+v", discards)
	}
	long := discards[0].Detail
	if len(long) > audit.MaxDetail || len(long) < audit.MaxDetail-8 || !strings.Contains(long, "reason=居民撤回 "+kiosk.MaskID(bad[0].Applicant.IDNumber)+" 说明说明") ||
		!strings.Contains(long, "…[cut, ") {
		t.Errorf("parked_discard with a 100 KB reason: %d bytes, starts %q, ends %q", len(long), long[:min(len(long), 120)], long[max(0, len(long)-60):])
	}
	if got := ofKind(first, audit.SubmissionSent); len(got) != 1 || !strings.Contains(got[0].Detail, "case_no="+out.Accepted.CaseNo) || got[0].Subject != kiosk.MaskID(resident.IDNumber) {
		t.Errorf("submission_sent events %+v", got)
	}
	if got := ofKind(first, audit.SubmissionParked); len(got) != 3 || !strings.HasSuffix(got[0].Detail, "code=unknown_item") {
		t.Errorf("submission_parked events %+v, want three (two, and the retried one again)", got)
	}
	if got := ofKind(first, audit.CasesQueried); len(got) != 2 || got[0].Subject != kiosk.MaskID(resident.IDNumber) || !strings.Contains(got[0].Detail, "failed") ||
		got[1].Subject != kiosk.MaskID(agent.IDNumber) || got[1].Detail != fmt.Sprintf("online, %d cases", len(agentCases)) {
		t.Errorf("cases_queried events %+v, want the refused look-up and the agent's own", got)
	}
}

// ofKind are the events of kind in evs.
func ofKind(evs []kiosk.AuditEvent, kind audit.Kind) []kiosk.AuditEvent {
	var out []kiosk.AuditEvent
	for _, ev := range evs {
		if ev.Kind == string(kind) {
			out = append(out, ev)
		}
	}
	return out
}

// staffCardKey is the staff cards' hash key of the terminal configured by
// cfg.
func staffCardKey(t *testing.T, cfg config.Config) []byte {
	t.Helper()
	key, err := store.LoadKey(cfg.KeyFilePath())
	if err != nil {
		t.Fatal(err)
	}
	return maint.StaffCardKey(key)
}

// damageTable overwrites the first page of the named table or index with
// garbage, so that the database fails its integrity check at the next
// start.
func damageTable(t *testing.T, path, name string) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var root, size int64
	if err := st.DB().QueryRowContext(ctx, "SELECT rootpage FROM sqlite_master WHERE name = ?", name).Scan(&root); err != nil {
		t.Fatal(err)
	}
	if err := st.DB().QueryRowContext(ctx, "PRAGMA page_size").Scan(&size); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB().ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	st.Close()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(bytes.Repeat([]byte{0x5A}, int(size)), (root-1)*size); err != nil {
		t.Fatal(err)
	}
}
