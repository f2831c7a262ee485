package ui

import (
	"context"
	"testing"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/kiosktest"
	"github.com/pudong-community/kiosk/kiosk/visit"
)

// The resident's words for a device problem come from its reason code;
// staff's detail, whatever it says, never chooses them.
func TestResidentReasonComesFromTheCode(t *testing.T) {
	tests := []struct {
		state  kiosk.DeviceState
		reason kiosk.DeviceReason
		detail string
		want   string
	}{
		{kiosk.StateError, kiosk.ReasonPaperOut, "paper out", "reason.paper_out"},
		{kiosk.StateError, kiosk.ReasonCoverOpen, "cover open", "reason.cover_open"},
		{kiosk.StateError, kiosk.ReasonCutter, "cutter error", "reason.cutter"},
		{kiosk.StateOffline, kiosk.ReasonOffline, "port /dev/kiosk-idcard: no such file or directory", "reason.offline"},
		{kiosk.StateOffline, kiosk.ReasonNotConfigured, "no port configured", "reason.offline"},
		{kiosk.StateOffline, kiosk.ReasonNotReported, "no report yet", "reason.offline"},
		{kiosk.StateError, kiosk.ReasonFault, "idcard: SAM status 0x41", "reason.error"},
		// The detail says paper out; the code says otherwise, and wins.
		{kiosk.StateError, kiosk.ReasonFault, "paper out, cover open", "reason.error"},
		{kiosk.StateOffline, kiosk.ReasonOffline, "cutter", "reason.offline"},
		// Without a code, the state decides.
		{kiosk.StateOffline, kiosk.ReasonNone, "paper out", "reason.offline"},
		{kiosk.StateError, kiosk.ReasonNone, "paper out", "reason.error"},
	}
	for _, tc := range tests {
		if got := ResidentReason(kiosk.DeviceHealth{State: tc.state, Reason: tc.reason, Detail: tc.detail}); got != tc.want {
			t.Errorf("%s/%s %q: %q, want %q", tc.state, tc.reason, tc.detail, got, tc.want)
		}
	}
}

// The resident screens learn which failed device the terminal is
// configured to require: a required printer out of order pauses
// applications (printer.required), one that is not required only moves the
// receipt to the screen.
func TestDeviceProblemsCarryRequired(t *testing.T) {
	for _, required := range []bool{false, true} {
		h := kiosk.NewHealth(kiosk.DefaultPolicy(true, required), nil)
		if _, err := h.Set(kiosk.DeviceIDCard, kiosk.StateOK, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := h.Report(kiosk.DevicePrinter, kiosk.StateError, kiosk.ReasonPaperOut, "paper out"); err != nil {
			t.Fatal(err)
		}
		ps := DeviceProblems(h.Snapshot())
		if len(ps) != 1 || ps[0].DeviceKey != DevicePrinter || ps[0].Reason != "reason.paper_out" || ps[0].Required != required {
			t.Errorf("printer.required=%v: problems %+v", required, ps)
		}
	}
}

// Devices no resident service needs never make a resident's banner: the
// speaker, the handwriting pad, the call-staff hook. The card reader
// still does.
func TestDeviceProblemsLeaveOutStaffDevices(t *testing.T) {
	h := kiosk.NewHealth(kiosk.DefaultPolicy(true, false), nil)
	h.Set(kiosk.DevicePrinter, kiosk.StateOK, "")
	for _, d := range []string{kiosk.DeviceSpeaker, kiosk.DeviceHandwriting, kiosk.DeviceCallStaffHook} {
		h.AddDevice(kiosk.DeviceHealth{Device: d, State: kiosk.StateOK})
		if _, err := h.Report(d, kiosk.StateError, kiosk.ReasonFault, "failed"); err != nil {
			t.Fatal(err)
		}
	}
	ps := DeviceProblems(h.Snapshot())
	if len(ps) != 1 || ps[0].DeviceKey != DeviceCardReader {
		t.Errorf("problems %+v, want the card reader's alone", ps)
	}
}

// The terminal's events reach the screens through the one adapter: a card
// starts the visit, the network and the devices change the banners, and
// what the screens do not show goes on to the caller.
func TestEventsReachTheScreens(t *testing.T) {
	r := newRig(t, portrait)
	if err := r.a.Visit().Identify(visit.PurposeApply); err != nil {
		t.Fatal(err)
	}
	h := kiosk.NewHealth(kiosk.DefaultPolicy(true, false), nil)
	h.Set(kiosk.DeviceIDCard, kiosk.StateOK, "ready")
	h.Report(kiosk.DevicePrinter, kiosk.StateError, kiosk.ReasonCoverOpen, "cover open")
	events := make(chan kiosk.Event, 8)
	events <- kiosk.CardPresented{Person: kiosktest.Resident}
	events <- kiosk.OnlineChanged{Online: false}
	events <- kiosk.HealthChanged{Health: h.Snapshot()}
	events <- kiosk.Sent{}
	close(events)
	var rest []kiosk.Event
	ApplyEvents(context.Background(), r.a, events, func(ev kiosk.Event) { rest = append(rest, ev) })
	r.settle()
	if snap := r.a.Visit().Snapshot(); snap.State != visit.StateIdentified || snap.Resident == nil {
		t.Errorf("after the card: visit %s", snap.State)
	}
	// The banners say what the events said, in the resident's words.
	r.wantText("网络中断，可继续申办，恢复后自动上传", "打印机暂时无法使用：纸仓盖未关好")
	if len(rest) != 1 || rest[0] != (kiosk.Sent{}) {
		t.Errorf("events passed on: %v, want the Sent alone", rest)
	}
}

// A staff card read while the maintenance entry shows opens maintenance,
// with the PIN, instead of starting a visit (the entry is asked on the UI goroutine).
func TestStaffCardEventOpensMaintenance(t *testing.T) {
	r := newMaintRig(t)
	for range 5 {
		r.tap("logo")
	}
	r.want("maint.entry")
	applyEvent(r.a, kiosk.CardPresented{Person: kiosk.Person{IDNumber: staffCard}})
	r.settle()
	r.want("maint.entry") // a staff card needs the PIN too
	r.pin(maintPIN)
	r.want("maint.menu")
	if snap := r.a.Visit().Snapshot(); snap.Resident != nil {
		t.Errorf("the staff card started a visit: %+v", snap)
	}
}
