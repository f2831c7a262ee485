package terminal

import (
	"errors"
	"testing"

	"github.com/pudong-community/kiosk/devices/printer"
	"github.com/pudong-community/kiosk/kiosk"
)

func TestPrintError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   error
		want error
	}{
		{&printer.JobError{State: printer.StatePaperOut, Err: printer.ErrPaperOut}, kiosk.ErrPaperOut},
		{&printer.JobError{State: printer.StateCoverOpen, Err: printer.ErrCoverOpen}, kiosk.ErrCoverOpen},
		{&printer.JobError{State: printer.StateNoAnswer, Err: printer.ErrNoAnswer}, kiosk.ErrPrinterUnavailable},
		{printer.ErrStopped, kiosk.ErrPrinterUnavailable},
	}
	for _, tc := range tests {
		got := printError(tc.in)
		if !errors.Is(got, tc.want) || !errors.Is(got, tc.in) {
			t.Errorf("%v -> %v, want %v wrapping the cause", tc.in, got, tc.want)
		}
		if errors.Is(got, kiosk.ErrPartPrintsLater) {
			t.Errorf("%v -> %v: says part prints later, with no leftover", tc.in, got)
		}
	}
	// A stopped job whose sent part may still print says so.
	for _, in := range []*printer.JobError{
		{State: printer.StatePaperOut, Err: printer.ErrPaperOut, Leftover: true},
		{State: printer.StateCoverOpen, Err: printer.ErrCoverOpen, Leftover: true},
	} {
		got := printError(in)
		if !errors.Is(got, kiosk.ErrPartPrintsLater) || !errors.Is(got, in) || !(errors.Is(got, kiosk.ErrPaperOut) || errors.Is(got, kiosk.ErrCoverOpen)) {
			t.Errorf("%v -> %v, want the state and ErrPartPrintsLater", in, got)
		}
	}
	if printError(nil) != nil {
		t.Error("nil mapped to an error")
	}
}

// Every printer state becomes device health with a reason code, which the
// resident screens turn into words: no screen reads the driver's text.
func TestPrinterHealthReasons(t *testing.T) {
	t.Parallel()
	tests := []struct {
		st     printer.State
		state  kiosk.DeviceState
		reason kiosk.DeviceReason
	}{
		{printer.StateReady, kiosk.StateOK, kiosk.ReasonNone},
		{printer.StateNearEnd, kiosk.StateDegraded, kiosk.ReasonPaperNearEnd},
		{printer.StatePaperOut, kiosk.StateError, kiosk.ReasonPaperOut},
		{printer.StateCoverOpen, kiosk.StateError, kiosk.ReasonCoverOpen},
		{printer.StateCutterError, kiosk.StateError, kiosk.ReasonCutter},
		{printer.StateError, kiosk.StateError, kiosk.ReasonFault},
		{printer.StateNoAnswer, kiosk.StateOffline, kiosk.ReasonOffline},
		{printer.StateUnknown, kiosk.StateOffline, kiosk.ReasonOffline},
	}
	for _, tc := range tests {
		state, reason := printerHealth(tc.st)
		if state != tc.state || reason != tc.reason {
			t.Errorf("%s: %s/%s, want %s/%s", tc.st, state, reason, tc.state, tc.reason)
		}
	}
}
