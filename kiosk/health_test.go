package kiosk

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

type step struct {
	device string
	state  DeviceState
	detail string
}

func TestHealthServices(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name            string
		idReq, prReq    bool
		steps           []step
		unavailable     []Service
		receiptOnScreen bool
		outOfService    bool
	}{
		{name: "all ok", idReq: true, steps: []step{{DeviceIDCard, StateOK, ""}, {DevicePrinter, StateOK, ""}}},
		{name: "degraded still works", idReq: true, steps: []step{{DeviceIDCard, StateOK, ""}, {DevicePrinter, StateDegraded, "paper near end"}}},
		{name: "reader offline: only the guide", idReq: true,
			steps:       []step{{DeviceIDCard, StateOffline, "no answer"}, {DevicePrinter, StateOK, ""}},
			unavailable: []Service{ServiceCases, ServiceApply}, outOfService: true},
		{name: "reader error: only the guide", idReq: true,
			steps:       []step{{DeviceIDCard, StateError, "SAM fault"}, {DevicePrinter, StateOK, ""}},
			unavailable: []Service{ServiceCases, ServiceApply}, outOfService: true},
		{name: "printer not required: receipt on screen", idReq: true,
			steps:           []step{{DeviceIDCard, StateOK, ""}, {DevicePrinter, StateError, "paper out"}},
			receiptOnScreen: true},
		{name: "printer required: no applications", idReq: true, prReq: true,
			steps:       []step{{DeviceIDCard, StateOK, ""}, {DevicePrinter, StateError, "paper out"}},
			unavailable: []Service{ServiceApply, ServiceReceipt}},
		{name: "reader not required: services stay", idReq: false,
			steps: []step{{DeviceIDCard, StateOffline, "unplugged"}, {DevicePrinter, StateOK, ""}}},
		{name: "recovers by itself", idReq: true,
			steps: []step{{DeviceIDCard, StateOffline, "unplugged"}, {DevicePrinter, StateOK, ""}, {DeviceIDCard, StateOK, ""}}},
		{name: "no report yet counts as offline", idReq: true, steps: []step{{DevicePrinter, StateOK, ""}},
			unavailable: []Service{ServiceCases, ServiceApply}, outOfService: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := NewHealth(DefaultPolicy(tt.idReq, tt.prReq), nil)
			for _, s := range tt.steps {
				if _, err := h.Set(s.device, s.state, s.detail); err != nil {
					t.Fatal(err)
				}
			}
			snap := h.Snapshot()
			var got []Service
			for _, u := range snap.Unavailable {
				got = append(got, u.Service)
			}
			if strings.Join(svcStrings(got), ",") != strings.Join(svcStrings(tt.unavailable), ",") {
				t.Errorf("unavailable = %v, want %v", got, tt.unavailable)
			}
			for _, svc := range tt.unavailable {
				if snap.Available(svc) {
					t.Errorf("Available(%s) = true", svc)
				}
				if u, ok := snap.Why(svc); !ok || u.Device == "" {
					t.Errorf("Why(%s) = %+v, %v", svc, u, ok)
				}
			}
			if !snap.Available(ServiceGuide) {
				t.Error("the service guide needs no device and must always be offered")
			}
			if snap.ReceiptOnScreen != tt.receiptOnScreen {
				t.Errorf("ReceiptOnScreen = %v, want %v", snap.ReceiptOnScreen, tt.receiptOnScreen)
			}
			if snap.OutOfService() != tt.outOfService {
				t.Errorf("OutOfService = %v, want %v", snap.OutOfService(), tt.outOfService)
			}
		})
	}
}

func svcStrings(s []Service) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = string(v)
	}
	return out
}

func TestHealthSinceAndBadInput(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	h := NewHealth(DefaultPolicy(true, false), clock)

	advance(time.Minute)
	if ch, _ := h.Set(DevicePrinter, StateOK, ""); !ch {
		t.Fatal("first report did not change anything")
	}
	at := clock()
	advance(time.Minute)
	if ch, _ := h.Set(DevicePrinter, StateOK, ""); ch {
		t.Error("the same report twice counted as a change")
	}
	if ch, _ := h.Set(DevicePrinter, StateOK, "status 0x12"); !ch {
		t.Error("a new detail did not count as a change")
	}
	d, _ := h.Snapshot().Device(DevicePrinter)
	if !d.Since.Equal(at) {
		t.Errorf("Since = %v, want %v (a detail change must not move it)", d.Since, at)
	}
	advance(time.Minute)
	h.Set(DevicePrinter, StateError, "cover open")
	d, _ = h.Snapshot().Device(DevicePrinter)
	if !d.Since.Equal(clock()) {
		t.Errorf("Since = %v after a state change, want %v", d.Since, clock())
	}

	if _, err := h.Set("scanner", StateOK, ""); !errors.Is(err, ErrUnknownDevice) {
		t.Errorf("unknown device: err = %v", err)
	}
	if _, err := h.Set(DevicePrinter, "broken", ""); !errors.Is(err, ErrBadState) {
		t.Errorf("bad state: err = %v", err)
	}
	if _, err := h.Set(DevicePrinter, StateError, strings.Repeat("长", 500)); err != nil {
		t.Fatal(err)
	}
	d, _ = h.Snapshot().Device(DevicePrinter)
	if n := len([]rune(d.Detail)); n != MaxDetail {
		t.Errorf("detail kept %d runes, want %d", n, MaxDetail)
	}
	if f := h.Snapshot().Failed(); len(f) != 2 || f[0].Device != DeviceIDCard {
		t.Errorf("Failed = %+v, want the required reader first, then the printer", f)
	}
}

// TestHealthSubscribe: a subscriber hears the current state at once and
// every change without polling, and a slow one gets the newest state.
func TestHealthSubscribe(t *testing.T) {
	t.Parallel()
	h := NewHealth(DefaultPolicy(true, false), nil)
	ch, cancel := h.Subscribe()
	first := <-ch
	if first.Available(ServiceApply) {
		t.Fatal("before any report the reader is not known to work")
	}
	h.Set(DeviceIDCard, StateOK, "SAM 05.01")
	select {
	case s := <-ch:
		if !s.Available(ServiceApply) {
			t.Errorf("after the reader came up apply is still unavailable: %+v", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no notification after a change")
	}
	// A slow reader: three changes, one read, the newest state.
	h.Set(DeviceIDCard, StateOffline, "a")
	h.Set(DeviceIDCard, StateError, "b")
	h.Set(DeviceIDCard, StateOK, "c")
	s := <-ch
	if d, _ := s.Device(DeviceIDCard); d.Detail != "c" {
		t.Errorf("slow subscriber got %+v, want the newest (detail c)", d)
	}
	select {
	case s := <-ch:
		t.Errorf("stale snapshot queued: %+v", s)
	default:
	}
	cancel()
	cancel() // twice is fine
	if _, ok := <-ch; ok {
		t.Error("channel not closed after cancel")
	}
	h.Set(DeviceIDCard, StateError, "after cancel") // must not panic or block
}

func TestHealthConcurrent(t *testing.T) {
	t.Parallel()
	h := NewHealth(DefaultPolicy(true, true), nil)
	ch, cancel := h.Subscribe()
	defer cancel()
	var wg sync.WaitGroup
	states := []DeviceState{StateOK, StateDegraded, StateOffline, StateError}
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				dev := DeviceIDCard
				if (g+i)%2 == 0 {
					dev = DevicePrinter
				}
				h.Set(dev, states[(g+i)%4], "")
				_ = h.Snapshot()
			}
		}()
	}
	done := make(chan struct{})
	go func() {
		for range ch {
		}
		close(done)
	}()
	wg.Wait()
	h.Set(DeviceIDCard, StateOK, "final")
	h.Set(DevicePrinter, StateOK, "final")
	snap := h.Snapshot()
	if !snap.Available(ServiceApply) || len(snap.Failed()) != 0 {
		t.Errorf("final snapshot %+v", snap)
	}
	cancel()
	<-done
}

// A device's reason is part of its health: a new reason in the same state
// is a change, Set gives the state's default reason, and a new Health
// says its devices have not reported yet.
func TestHealthReasons(t *testing.T) {
	t.Parallel()
	h := NewHealth(DefaultPolicy(true, true), nil)
	if d, _ := h.Snapshot().Device(DevicePrinter); d.Reason != ReasonNotReported {
		t.Errorf("before any report: reason %q, want %q", d.Reason, ReasonNotReported)
	}
	steps := []struct {
		state   DeviceState
		reason  DeviceReason
		detail  string
		changed bool
	}{
		{StateError, ReasonPaperOut, "paper out", true},
		{StateError, ReasonPaperOut, "paper out", false},
		{StateError, ReasonCoverOpen, "paper out", true}, // same words, another reason
		{StateOK, ReasonNone, "ready", true},
	}
	for i, s := range steps {
		changed, err := h.Report(DevicePrinter, s.state, s.reason, s.detail)
		if err != nil || changed != s.changed {
			t.Errorf("step %d: changed %v, %v; want %v", i, changed, err, s.changed)
		}
		if d, _ := h.Snapshot().Device(DevicePrinter); d.Reason != s.reason || d.State != s.state {
			t.Errorf("step %d: %s/%s, want %s/%s", i, d.State, d.Reason, s.state, s.reason)
		}
	}
	for state, want := range map[DeviceState]DeviceReason{StateOK: ReasonNone, StateDegraded: ReasonNone, StateOffline: ReasonOffline, StateError: ReasonFault} {
		if _, err := h.Set(DeviceIDCard, state, "x"); err != nil {
			t.Fatal(err)
		}
		if d, _ := h.Snapshot().Device(DeviceIDCard); d.Reason != want {
			t.Errorf("Set %s: reason %q, want %q", state, d.Reason, want)
		}
	}
}
