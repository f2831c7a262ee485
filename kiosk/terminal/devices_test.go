package terminal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/devices/idcard"
	"github.com/pudong-community/kiosk/devices/printer"
	"github.com/pudong-community/kiosk/devices/serialport"
	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/config"
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

// The device supervisors open ports through the injected opener and say
// why a device is out of order with a code: a port that does not open is
// offline, a device without a port is not configured (and no port is
// opened for it).
func TestDeviceSupervisorsReportReasons(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := config.Default()
	cfg.Terminal.ID, cfg.Terminal.DataDir = "PD-T-DEV", t.TempDir()
	cfg.IDCard.Port, cfg.Printer.Port = "/dev/kiosk-idcard-test", ""
	var mu sync.Mutex
	var opened []string
	open := func(name string, baud int, _ time.Duration) (serialport.Port, error) {
		mu.Lock()
		defer mu.Unlock()
		opened = append(opened, name)
		return nil, fmt.Errorf("no such port")
	}
	term, err := Open(ctx, cfg, Deps{Offline: true, OpenPort: open, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	events := term.Events()
	ran := make(chan error, 1)
	go func() { ran <- term.Run(ctx) }()
	want := map[string]kiosk.DeviceReason{kiosk.DeviceIDCard: kiosk.ReasonOffline, kiosk.DevicePrinter: kiosk.ReasonNotConfigured}
	// The screens hear of it on the one channel.
	for got := map[string]kiosk.DeviceReason{}; ; {
		ev, ok := <-events
		if !ok {
			t.Fatal("events closed before both devices reported")
		}
		hc, ok := ev.(kiosk.HealthChanged)
		if !ok {
			continue
		}
		for _, d := range hc.Health.Devices {
			got[d.Device] = d.Reason
		}
		if got[kiosk.DeviceIDCard] == want[kiosk.DeviceIDCard] && got[kiosk.DevicePrinter] == want[kiosk.DevicePrinter] {
			break
		}
	}
	cancel()
	for range events { // closed when Run returns
	}
	if err := <-ran; err != nil {
		t.Errorf("Run: %v", err)
	}
	term.Close()
	mu.Lock()
	defer mu.Unlock()
	for _, p := range opened {
		if p != cfg.IDCard.Port {
			t.Errorf("opened %q; want only the card reader's port", p)
		}
	}
	if len(opened) == 0 {
		t.Error("the card reader's port was never tried")
	}
}

// A removal the reader saw and one sent because it failed with the card
// on it reach the screens as such: the screens keep a card left after its
// visit in mind only for the second (kiosk.CardRemoved.Lost).
func TestScreenCardRemovalLost(t *testing.T) {
	t.Parallel()
	for _, lost := range []bool{false, true} {
		ev, ok := screenCard(idcard.Event{Kind: idcard.CardRemoved, Lost: lost}, time.Now())
		if got, is := ev.(kiosk.CardRemoved); !ok || !is || got.Lost != lost {
			t.Errorf("removal lost=%v reaches the screens as %#v (%v)", lost, ev, ok)
		}
	}
}
