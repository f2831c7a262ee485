package kiosk

import "testing"

func TestAddDevice(t *testing.T) {
	h := NewHealth(DefaultPolicy(true, false), nil)
	ch, stop := h.Subscribe()
	defer stop()
	<-ch
	h.AddDevice(DeviceHealth{Device: DeviceSpeaker, State: StateDegraded, Detail: "no sound device", Required: true})
	s := <-ch
	d, ok := s.Device(DeviceSpeaker)
	if !ok || d.State != StateDegraded || d.Required || d.Since.IsZero() {
		t.Fatalf("speaker %+v (%v)", d, ok)
	}
	v := s.Version
	h.AddDevice(DeviceHealth{Device: DeviceSpeaker, State: StateOK})
	if h.Snapshot().Version != v {
		t.Error("adding a tracked device again changed it")
	}
	_, _ = h.Set(DeviceIDCard, StateOK, "")
	if _, err := h.Set(DeviceSpeaker, StateError, "gone"); err != nil {
		t.Fatal(err)
	}
	if !h.Snapshot().Available(ServiceApply) || !h.Snapshot().Available(ServiceCases) {
		t.Error("a speaker out of order took a service away")
	}
}
