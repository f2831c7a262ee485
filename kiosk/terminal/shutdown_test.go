package terminal

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/audit"
	"github.com/pudong-community/kiosk/kiosk/config"
	"github.com/pudong-community/kiosk/kiosk/intake/intakesim"
	"github.com/pudong-community/kiosk/kiosk/kiosktest"
	"github.com/pudong-community/kiosk/kiosk/outbox/e2e"
	"github.com/pudong-community/kiosk/kiosk/store"
	"github.com/pudong-community/kiosk/kiosk/visit"
)

// logCapture keeps every log record with whether it came after a mark.
type logCapture struct {
	mu     sync.Mutex
	marked bool
	after  []string
}

func (c *logCapture) Enabled(context.Context, slog.Level) bool { return true }
func (c *logCapture) WithAttrs([]slog.Attr) slog.Handler       { return c }
func (c *logCapture) WithGroup(string) slog.Handler            { return c }
func (c *logCapture) Handle(_ context.Context, r slog.Record) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.marked {
		line := r.Level.String() + " " + r.Message
		r.Attrs(func(a slog.Attr) bool { line += " " + a.String(); return true })
		c.after = append(c.after, line)
	}
	return nil
}

func (c *logCapture) mark() {
	c.mu.Lock()
	c.marked = true
	c.mu.Unlock()
}

func (c *logCapture) since() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.after...)
}

// running lists the goroutines that run the terminal's or the relay's
// code (not the test's own).
func running() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	ours := regexp.MustCompile(`kiosk/kiosk/(terminal|outbox)\.|kiosk/devices/`)
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		// A part whose function has returned may still be on its way out
		// of the group's wrapper (wg.Done deferred, the goroutine not yet
		// gone): its top frame is the wrapper itself. It runs nothing.
		if lines := strings.SplitN(g, "\n", 3); len(lines) > 1 && strings.Contains(lines[1], "terminal.(*group).Go.func1(") {
			continue
		}
		if ours.MatchString(g) && !strings.Contains(g, "kiosk/kiosk/terminal.Test") && !strings.Contains(g, "kiosk/kiosk/terminal.running") {
			out = append(out, g)
		}
	}
	return out
}

// Cancelling the terminal's context with audit records queued and a
// submission in flight: Run returns only when nothing of the terminal runs
// any more, nothing touches the database after Close, and nothing is lost:
// every record is written, and the submission is still queued on reopen.
func TestShutdownIsClean(t *testing.T) {
	const records, late = 300, 20
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()

	// The central system takes the submission and does not answer it.
	sim, err := intakesim.New(intakesim.Options{DataDir: t.TempDir(), Terminals: map[string]string{maintTestTerminal: maintTestToken}})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	arrived := make(chan struct{}, 1)
	release := make(chan struct{})
	h := sim.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/v1/submissions" {
			io.Copy(io.Discard, r.Body)
			select {
			case arrived <- struct{}{}:
			default:
			}
			select {
			case <-release:
			case <-r.Context().Done():
			}
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	var releaseOnce sync.Once
	answer := func() { releaseOnce.Do(func() { close(release) }) }
	defer answer()

	cfg := config.Default()
	cfg.Terminal.ID, cfg.Terminal.DataDir = maintTestTerminal, dir
	cfg.API.BaseURL, cfg.API.Token = srv.URL, maintTestToken
	cfg.IDCard.Port, cfg.Printer.Port = "", ""
	logs := &logCapture{}
	term, err := Open(ctx, cfg, Deps{Logger: slog.New(logs), Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	events := term.Events()
	go func() {
		for range events {
		}
	}()
	ran := make(chan error, 1)
	go func() { ran <- term.Run(ctx) }()

	items := e2e.SelfService(sim.Catalog())
	if len(items) == 0 {
		t.Fatal("no self-service item")
	}
	q, err := term.Outbox().Enqueue(ctx, e2e.MakeSubmission(cfg.Terminal.ID, sim.Catalog().Version, items[0], 1))
	if err != nil {
		t.Fatal(err)
	}
	term.Relay().Notify()
	select {
	case <-arrived:
	case <-time.After(30 * time.Second):
		t.Fatal("the submission never reached the central system")
	}
	for i := range records {
		term.RecordAsync(audit.VisitStart, "", fmt.Sprintf("shutdown %d", i))
	}

	cancel()
	select {
	case err := <-ran:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return")
	}
	if left := running(); len(left) > 0 {
		t.Errorf("Run returned with %d goroutines of the terminal still running:\n%s", len(left), strings.Join(left, "\n\n"))
	}
	// The screens may still record while the terminal stops: Close
	// writes what Run left queued.
	for i := range late {
		term.RecordAsync(audit.VisitEnd, "", fmt.Sprintf("late %d", i))
	}
	if err := term.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	logs.mark()
	// The central system answers now: nobody of the terminal may be left
	// to hear it and write down the answer.
	answer()
	srv.Close() // waits for the handler: the answer has gone out
	if left := running(); len(left) > 0 {
		t.Errorf("after Close, %d goroutines of the terminal still run:\n%s", len(left), strings.Join(left, "\n\n"))
	}
	if after := logs.since(); len(after) > 0 {
		t.Errorf("the terminal was at work after Close:\n%s", strings.Join(after, "\n"))
	}

	// Reopened: every record was written, in order, and the submission
	// is queued still (or was delivered), never lost.
	again, err := Open(context.Background(), cfg, Deps{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Offline: true})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	evs, err := again.Trail().Latest(context.Background(), 2*records)
	if err != nil {
		t.Fatal(err)
	}
	next, lateNext := 0, 0
	for _, ev := range evs {
		switch ev.Kind {
		case string(audit.VisitStart):
			if want := fmt.Sprintf("shutdown %d", next); ev.Detail != want {
				t.Fatalf("record %q where %q was due", ev.Detail, want)
			}
			next++
		case string(audit.VisitEnd):
			if want := fmt.Sprintf("late %d", lateNext); ev.Detail != want || next != records {
				t.Fatalf("record %q where %q was due, after all %d records queued before", ev.Detail, want, records)
			}
			lateNext++
		}
	}
	if next != records || lateNext != late {
		t.Errorf("%d of %d audit records queued while running and %d of %d queued after Run written", next, records, lateNext, late)
	}
	rec, err := again.Outbox().Lookup(context.Background(), q.ID)
	if err != nil {
		t.Fatalf("the submission in flight is gone: %v", err)
	}
	if rec.State != store.StatePending && rec.State != store.StateDelivered {
		t.Errorf("the submission in flight is %s on reopen, want pending (or delivered)", rec.State)
	}
}

// A visit's steps reach the audit trail through the terminal's queue, in
// order, with the resident's number masked.
func TestVisitAudit(t *testing.T) {
	cfg := config.Default()
	cfg.Terminal.ID, cfg.Terminal.DataDir = "PD-T-VISIT", t.TempDir()
	term, err := Open(context.Background(), cfg, Deps{Offline: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	hook := term.VisitAudit()
	resident := kiosktest.Resident
	hook(visit.Snapshot{Visit: 7})
	hook(visit.Snapshot{Visit: 7, Resident: &resident})
	if err := term.Close(); err != nil { // writes what is queued
		t.Fatal(err)
	}
	again, err := Open(context.Background(), cfg, Deps{Offline: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	evs, err := again.Trail().Latest(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range evs {
		if ev.Kind != string(audit.ConfigChanged) { // the first start's
			got = append(got, ev.Kind+" "+ev.Subject+" "+ev.Detail)
		}
	}
	want := []string{"visit_start  visit 7", "card_read " + kiosk.MaskID(resident.IDNumber) + " resident " + string(resident.CardType)}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit trail:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
