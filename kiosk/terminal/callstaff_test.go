package terminal

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/audit"
	"github.com/pudong-community/kiosk/kiosk/intake"
	"github.com/pudong-community/kiosk/kiosk/intake/intakesim"
)

// centreServer is a real HTTP server of POST /v1/assistance: it answers a
// status after a delay. httpAssist posts to it as the API client does.
type centreServer struct {
	*httptest.Server
	status string
	delay  time.Duration
	mu     sync.Mutex
	bodies []map[string]any
}

func newCentreServer(t *testing.T, status string, delay time.Duration) *centreServer {
	s := &centreServer{status: status, delay: delay}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		json.NewDecoder(r.Body).Decode(&body)
		if body["request_id"] != r.Header.Get("Idempotency-Key") {
			w.WriteHeader(400)
			return
		}
		s.mu.Lock()
		s.bodies = append(s.bodies, body)
		s.mu.Unlock()
		select {
		case <-time.After(s.delay):
		case <-r.Context().Done():
			return
		}
		w.WriteHeader(201)
		json.NewEncoder(w).Encode(map[string]string{"request_id": body["request_id"].(string), "status": s.status, "message": "请稍候"})
	}))
	t.Cleanup(s.Close)
	return s
}

type httpAssist struct{ url string }

func (h httpAssist) Assist(ctx context.Context, id, screen, reason string, at time.Time) (string, string, error) {
	b, _ := json.Marshal(map[string]any{"request_id": id, "terminal_id": "PD-T-1", "at": at, "screen": screen, "reason": reason})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, h.url+"/v1/assistance", bytes.NewReader(b))
	req.Header.Set("Idempotency-Key", id)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	var out struct{ Status, Message string }
	json.NewDecoder(resp.Body).Decode(&out)
	return out.Status, out.Message, nil
}

// hookServer is the local bell: it answers status.
func hookServer(t *testing.T, status int, rung *atomic.Int32) string {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rung.Add(1)
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(status)
	}))
	t.Cleanup(s.Close)
	return s.URL + "/ring?key=secret-hook-key"
}

type recorded struct {
	mu  sync.Mutex
	evs []string
}

func (r *recorded) record(k audit.Kind, subject, detail string) {
	r.mu.Lock()
	r.evs = append(r.evs, string(k)+"|"+subject+"|"+detail)
	r.mu.Unlock()
}

func (r *recorded) last() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.evs) == 0 {
		return ""
	}
	return r.evs[len(r.evs)-1]
}

func newAssist(t *testing.T, api AssistAPI, hookURL, command string) (*Assistance, *recorded, *kiosk.Health, *bytes.Buffer) {
	rec := &recorded{}
	h := kiosk.NewHealth(kiosk.DefaultPolicy(true, false), nil)
	var logs bytes.Buffer
	a := &Assistance{API: api, HookURL: hookURL, Command: command, TerminalID: "PD-T-1", Timeout: 500 * time.Millisecond,
		Health: h, Record: rec.record, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	return a, rec, h, &logs
}

func TestCallStaffCentreNotified(t *testing.T) {
	c := newCentreServer(t, "notified", 0)
	a, rec, h, _ := newAssist(t, httpAssist{c.URL}, "", "")
	res := a.CallStaff(context.Background(), "apply.notice", kiosk.AssistResident)
	if !res.Notified || res.Centre != "notified" || res.Hook || res.Message != "请稍候" {
		t.Fatalf("%+v", res)
	}
	if len(c.bodies) != 1 || c.bodies[0]["screen"] != "apply.notice" || c.bodies[0]["reason"] != kiosk.AssistResident ||
		!kiosk.ValidSubmissionID(c.bodies[0]["request_id"].(string)) {
		t.Fatalf("centre got %+v", c.bodies)
	}
	// A request id per call.
	a.CallStaff(context.Background(), "home", kiosk.AssistResident)
	if c.bodies[0]["request_id"] == c.bodies[1]["request_id"] {
		t.Fatal("two calls under one request id")
	}
	if got := rec.last(); !strings.HasPrefix(got, "staff_called|home|") || !strings.Contains(got, "centre notified") ||
		!strings.Contains(got, "hook none configured") || !strings.Contains(got, "notified true") {
		t.Fatalf("audit %q", got)
	}
	d, ok := h.Snapshot().Device(kiosk.DeviceCallStaffHook)
	if !ok || d.State != kiosk.StateDegraded || d.Reason != kiosk.ReasonNotConfigured || !d.State.Working() {
		t.Fatalf("hook health without a hook: %+v", d)
	}
}

func TestCallStaffNoStaffAvailable(t *testing.T) {
	c := newCentreServer(t, "no_staff_available", 0)
	a, rec, _, _ := newAssist(t, httpAssist{c.URL}, "", "")
	res := a.CallStaff(context.Background(), "home", kiosk.AssistIdleHelp)
	if res.Notified || res.Centre != "no_staff_available" {
		t.Fatalf("%+v", res)
	}
	if got := rec.last(); !strings.Contains(got, "centre no_staff_available") || !strings.Contains(got, "notified false") || !strings.Contains(got, "reason idle_help") {
		t.Fatalf("audit %q", got)
	}
}

func TestCallStaffCentreTimesOut(t *testing.T) {
	// The centre answers after 30 s: the call returns within its timeout,
	// and the hook's confirmation alone is enough.
	c := newCentreServer(t, "notified", 30*time.Second)
	var rung atomic.Int32
	a, rec, h, _ := newAssist(t, httpAssist{c.URL}, hookServer(t, 204, &rung), "")
	start := time.Now()
	res := a.CallStaff(context.Background(), "home", kiosk.AssistResident)
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("took %v", el)
	}
	if !res.Notified || !res.Hook || res.Centre != "" || rung.Load() != 1 {
		t.Fatalf("%+v rung %d", res, rung.Load())
	}
	if got := rec.last(); !strings.Contains(got, "centre unreachable") || !strings.Contains(got, "hook confirmed") {
		t.Fatalf("audit %q", got)
	}
	if d, _ := h.Snapshot().Device(kiosk.DeviceCallStaffHook); d.State != kiosk.StateOK || strings.Contains(d.Detail, "secret-hook-key") {
		t.Fatalf("hook health %+v", d)
	}
}

func TestCallStaffHookFailing(t *testing.T) {
	var rung atomic.Int32
	a, rec, h, logs := newAssist(t, nil, hookServer(t, 500, &rung), "")
	res := a.CallStaff(context.Background(), "home", kiosk.AssistResident)
	if res.Notified || res.Hook {
		t.Fatalf("%+v", res)
	}
	d, _ := h.Snapshot().Device(kiosk.DeviceCallStaffHook)
	if d.State != kiosk.StateError || d.Reason != kiosk.ReasonFault || !strings.Contains(d.Detail, "500") || d.Required {
		t.Fatalf("hook health %+v", d)
	}
	if strings.Contains(d.Detail, "secret-hook-key") || strings.Contains(logs.String(), "secret-hook-key") {
		t.Fatal("the hook's key leaked")
	}
	if !strings.Contains(logs.String(), "call-staff hook failed") {
		t.Fatalf("not logged: %s", logs.String())
	}
	if got := rec.last(); !strings.Contains(got, "hook failed") || !strings.Contains(got, "centre not available") {
		t.Fatalf("audit %q", got)
	}
	// The hook comes back: health follows.
	a.HookURL = hookServer(t, 200, &rung)
	if res := a.CallStaff(context.Background(), "home", kiosk.AssistResident); !res.Notified {
		t.Fatalf("%+v", res)
	}
	if d, _ := h.Snapshot().Device(kiosk.DeviceCallStaffHook); d.State != kiosk.StateOK {
		t.Fatalf("after a good ring: %+v", d)
	}
}

func TestCallStaffHookCommand(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "rang")
	a, _, _, _ := newAssist(t, nil, "", `echo "$KIOSK_SCREEN $KIOSK_REASON" > `+out)
	if res := a.CallStaff(context.Background(), "home", kiosk.AssistDeviceFault); !res.Notified || !res.Hook {
		t.Fatalf("%+v", res)
	}
	// A command that hangs is cut off at the timeout; one that fails does
	// not confirm.
	for _, cmd := range []string{"sleep 30", "exit 3"} {
		a, _, h, _ := newAssist(t, nil, "", cmd)
		start := time.Now()
		res := a.CallStaff(context.Background(), "home", kiosk.AssistResident)
		if res.Notified || time.Since(start) > 2*time.Second {
			t.Fatalf("%q: %+v after %v", cmd, res, time.Since(start))
		}
		if d, _ := h.Snapshot().Device(kiosk.DeviceCallStaffHook); d.State != kiosk.StateError {
			t.Fatalf("%q: %+v", cmd, d)
		}
	}
}

func TestCallStaffNothingConfigured(t *testing.T) {
	// No centre call possible and no hook: nobody is told, and the result
	// says so.
	a, rec, _, _ := newAssist(t, nil, "", "")
	res := a.CallStaff(context.Background(), "home", kiosk.AssistResident)
	if res.Notified || res.Hook || res.Centre != "" {
		t.Fatalf("%+v", res)
	}
	if got := rec.last(); !strings.Contains(got, "notified false") {
		t.Fatalf("audit %q", got)
	}
}

func TestCallStaffOfflineSkipsCentre(t *testing.T) {
	c := newCentreServer(t, "notified", 0)
	a, _, _, _ := newAssist(t, httpAssist{c.URL}, "", "")
	a.Offline = func() bool { return true }
	if res := a.CallStaff(context.Background(), "home", kiosk.AssistResident); res.Notified {
		t.Fatalf("%+v", res)
	}
	if len(c.bodies) != 0 {
		t.Fatal("centre called while known offline")
	}
}

func TestCleanScreen(t *testing.T) {
	for in, want := range map[string]string{
		"apply.notice":                  "apply.notice",
		"":                              "unknown",
		"310115199001011237":            "unknown",
		"王秀英":                           "unknown",
		strings.Repeat("a", 65):         "unknown",
		"callstaff:identify":            "callstaff:identify",
		"home screen with spaces in it": "unknown",
	} {
		if got := cleanScreen(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

func TestCallStaffDefaultTimeout(t *testing.T) {
	if testing.Short() {
		t.Skip("waits the default 3 s")
	}
	c := newCentreServer(t, "notified", 30*time.Second)
	a, _, _, _ := newAssist(t, httpAssist{c.URL}, "", "")
	a.Timeout = 0 // the terminal's own: DefaultAssistTimeout
	start := time.Now()
	res := a.CallStaff(context.Background(), "home", kiosk.AssistResident)
	el := time.Since(start)
	if res.Notified || el < DefaultAssistTimeout-100*time.Millisecond || el > DefaultAssistTimeout+time.Second {
		t.Fatalf("%+v after %v, want nobody notified after about %v", res, el, DefaultAssistTimeout)
	}
}

// The call for staff through the real client against the development
// server, which answers notified or no_staff_available as set.
func TestCallStaffAgainstTheServer(t *testing.T) {
	sim, err := intakesim.New(intakesim.Options{DataDir: t.TempDir(), Terminals: map[string]string{"PD-T-1": "tok-1"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	client, err := intake.New(intake.Config{BaseURL: srv.URL, TerminalID: "PD-T-1", Token: "tok-1", Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	for _, mode := range []string{intakesim.AssistNotified, intakesim.AssistNoStaff} {
		if err := sim.SetAssistance(mode); err != nil {
			t.Fatal(err)
		}
		a, rec, _, _ := newAssist(t, client, "", "")
		res := a.CallStaff(context.Background(), "apply.review", kiosk.AssistResident)
		if res.Centre != mode || res.Notified != (mode == intakesim.AssistNotified) {
			t.Errorf("%s: %+v", mode, res)
		}
		if got := rec.last(); !strings.Contains(got, "centre "+mode) {
			t.Errorf("%s: audit %q", mode, got)
		}
	}
}
