package terminal

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/audit"
	"github.com/pudong-community/kiosk/kiosk/config"
	"github.com/pudong-community/kiosk/kiosk/intake/intakesim"
)

// The terminal assembles the v1.1 services: ratings go into its queue and
// its trail, a call for staff rings the configured hook and is audited,
// the hook is in the devices' health, the centre comes from the central
// system.
func TestTerminalAssemblesTheV11Services(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sim, err := intakesim.New(intakesim.Options{DataDir: t.TempDir(), Terminals: map[string]string{"PD-V11-0001": "v11-token"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	var centreGets atomic.Int32
	h := sim.Handler()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == "/v1/center" {
			centreGets.Add(1)
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(api.Close)
	var rung atomic.Int32
	bell := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { rung.Add(1) }))
	t.Cleanup(bell.Close)

	cfg := config.Default()
	cfg.Terminal.ID = "PD-V11-0001"
	cfg.Terminal.DataDir = t.TempDir()
	cfg.API.BaseURL, cfg.API.Token = api.URL, "v11-token"
	cfg.IDCard.Port, cfg.Printer.Port = "", ""
	cfg.CallStaff.HookURL = bell.URL + "/ring"
	term, err := Open(ctx, cfg, Deps{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- term.Run(ctx) }()
	defer func() {
		cancel()
		<-ran
		term.Close()
	}()

	if term.Center() == nil || term.Appointments() == nil {
		t.Fatal("no centre or appointment service")
	}
	c, fresh, err := term.Center().Center(ctx)
	if err != nil || c == nil || c.Name == "" || !fresh {
		t.Fatalf("centre from the central system: %+v fresh %v, %v", c, fresh, err)
	}
	// The central system asks for a refresh in a heartbeat's reply.
	waitFor(t, 10*time.Second, "the refresh at start", func() bool { return centreGets.Load() >= 1 })
	time.Sleep(300 * time.Millisecond) // the start's refresh and Center's own have both answered
	before := centreGets.Load()
	if _, err := sim.QueueCommand(ctx, cfg.Terminal.ID, "refresh_center"); err != nil {
		t.Fatal(err)
	}
	term.Relay().DeviceChanged() // a heartbeat now
	waitFor(t, 10*time.Second, "a refresh on refresh_center", func() bool { return centreGets.Load() > before })
	rs := term.Ratings()
	if rs == nil {
		t.Fatal("no rating service")
	}
	r := kiosk.Rating{ID: kiosk.NewSubmissionID(), Service: kiosk.RateCaseQuery, Level: 5}
	if err := rs.Rate(ctx, r); err != nil {
		t.Fatal(err)
	}
	if rec, err := term.RatingQueue().Lookup(ctx, r.ID); err != nil || rec.Rating.Service != kiosk.RateCaseQuery {
		t.Fatalf("rating not queued: %+v %v", rec, err)
	}
	res := term.Assistance().CallStaff(ctx, "home", kiosk.AssistResident)
	if !res.Notified || !res.Hook || rung.Load() != 1 {
		t.Fatalf("call for staff: %+v, rung %d", res, rung.Load())
	}
	if d, ok := term.Health().Snapshot().Device(kiosk.DeviceCallStaffHook); !ok || d.State != kiosk.StateOK || d.Required {
		t.Fatalf("hook health %+v", d)
	}
	want := map[audit.Kind]string{audit.RatingRecorded: r.ID, audit.StaffCalled: "hook confirmed"}
	waitFor(t, 10*time.Second, "the audit events", func() bool {
		evs, err := term.Trail().Latest(ctx, 50)
		if err != nil {
			return false
		}
		found := 0
		for k, s := range want {
			for _, ev := range evs {
				if ev.Kind == string(k) && strings.Contains(ev.Detail, s) {
					found++
					break
				}
			}
		}
		return found == len(want)
	})
}
