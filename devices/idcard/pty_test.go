package idcard_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/devices/devicetest"
	"github.com/pudong-community/kiosk/devices/idcard"
	"github.com/pudong-community/kiosk/devices/serialport"
	"github.com/pudong-community/kiosk/devices/sim/sammodule"
)

// nextEvent waits for an event of kind, skipping none: an unexpected kind fails.
func nextEvent(t *testing.T, r *idcard.Reader, want idcard.EventKind) idcard.Event {
	t.Helper()
	select {
	case e, ok := <-r.Events():
		if !ok {
			t.Fatalf("events closed, want %v", want)
		}
		if e.Kind != want {
			t.Fatalf("event %v (%v), want %v", e.Kind, e.Err, want)
		}
		return e
	case <-time.After(15 * time.Second):
		t.Fatalf("no %v event", want)
	}
	return idcard.Event{}
}

// TestReaderOverPTY runs the driver against the emulator over a real
// pseudo-terminal opened through serialport, every sample card, faults,
// and an unplug/replug with reconnection through a stable link.
func TestReaderOverPTY(t *testing.T) {
	devicetest.NeedsPTY(t)
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m := sammodule.New(sammodule.Options{Baud: 115200, Seed: 1})
	link := filepath.Join(t.TempDir(), "kiosk-idcard")
	srv, err := m.ServePTY(ctx, link)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	open := func() (serialport.Port, error) { return serialport.Open(link, 115200, 100*time.Millisecond) }
	r := idcard.NewReader(nil, idcard.Options{Open: open, PollInterval: 20 * time.Millisecond,
		ReconnectInterval: 50 * time.Millisecond, Timeouts: idcard.Timeouts{Find: 300 * time.Millisecond}})
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	nextEvent(t, r, idcard.ReaderBack)

	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.Local)
	for _, s := range sammodule.Samples() {
		c, _ := sammodule.Sample(s.Key)
		want, err := c.Identity()
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Place(s.Key); err != nil {
			t.Fatal(err)
		}
		e := nextEvent(t, r, idcard.CardPresent)
		got := e.Identity
		if got.IDNumber != want.IDNumber || got.Name != want.Name || got.CardType != want.CardType ||
			got.LongTerm != want.LongTerm || !got.BirthDate.Equal(want.BirthDate) || len(got.AppendedAddresses) != len(want.AppendedAddresses) {
			t.Errorf("%s: read %+v, want %+v", s.Key, got, want)
		}
		switch s.Key {
		case "expired":
			if !got.Expired(now) {
				t.Errorf("%s: not flagged expired", s.Key)
			}
		case "elder-longterm":
			if got.Expired(now) || got.Age(now) < 60 {
				t.Errorf("%s: expired=%v age=%d", s.Key, got.Expired(now), got.Age(now))
			}
		case "rare-pua":
			if len(got.PrivateUse) == 0 {
				t.Errorf("%s: private-use character not flagged", s.Key)
			}
		}
		m.Remove()
		nextEvent(t, r, idcard.CardRemoved)
	}

	// Faults the driver must ride through.
	for _, f := range []sammodule.Fault{sammodule.FaultNoise, sammodule.FaultSplit} {
		m.SetFault(f, true)
		m.Place("hmt")
		if e := nextEvent(t, r, idcard.CardPresent); e.Identity.PassNumber != "H12345678" {
			t.Errorf("fault %s: %+v", f, e.Identity)
		}
		m.Remove()
		nextEvent(t, r, idcard.CardRemoved)
		m.SetFault(f, false)
	}

	// Lifting the card and putting it back is a removal and a new read.
	m.Place("resident")
	nextEvent(t, r, idcard.CardPresent)
	m.Place("resident")
	nextEvent(t, r, idcard.CardRemoved)
	nextEvent(t, r, idcard.CardPresent)

	// Unplug: the card counts as gone, the reader is down, then back.
	srv.Unplug()
	nextEvent(t, r, idcard.CardRemoved)
	e := nextEvent(t, r, idcard.ReaderError)
	if !errors.Is(e.Err, idcard.ErrPortGone) {
		t.Errorf("unplug error %v", e.Err)
	}
	m.Remove()
	if err := srv.Replug(); err != nil {
		t.Fatal(err)
	}
	nextEvent(t, r, idcard.ReaderBack)
	m.Place("foreign-2023")
	if e := nextEvent(t, r, idcard.CardPresent); e.Identity.Nationality != "DEU" {
		t.Errorf("after replug: %+v", e.Identity)
	}

	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop on cancel")
	}
}

// TestReaderFaultsOverPTY: a module that answers too late, has no SAM, garbles
// its checksums or is unplugged is a reader error, and recovers when the fault
// clears.
func TestReaderFaultsOverPTY(t *testing.T) {
	devicetest.NeedsPTY(t)
	t.Parallel()
	for _, f := range []sammodule.Fault{sammodule.FaultSlow, sammodule.FaultNoSAM, sammodule.FaultBadChecksum, sammodule.FaultUnplug} {
		t.Run(string(f), func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			m := sammodule.New(sammodule.Options{SlowDelay: 2 * time.Second})
			srv, err := m.ServePTY(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			p, err := serialport.Open(srv.SlavePath(), 115200, 100*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			r := idcard.NewReader(p, idcard.Options{PollInterval: 20 * time.Millisecond, ReconnectInterval: 50 * time.Millisecond,
				Timeouts: idcard.Timeouts{SAM: 300 * time.Millisecond, Find: 300 * time.Millisecond}})
			go r.Run(ctx)
			nextEvent(t, r, idcard.ReaderBack)
			m.SetFault(f, true)
			nextEvent(t, r, idcard.ReaderError)
			m.SetFault(f, false)
			nextEvent(t, r, idcard.ReaderBack)
			m.Place("resident")
			nextEvent(t, r, idcard.CardPresent)
		})
	}
}

// A process that died mid-conversation leaves the module answering a
// command nobody waits for; the next reader on the port gets that answer
// to its own first command and, unless it notices, stays one answer behind
// for good (find card answered with select's 00 00 90, again and again).
// The reader must drain what it did not ask for and come back in step.
func TestReaderResyncsAfterADeadConversation(t *testing.T) {
	devicetest.NeedsPTY(t)
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m := sammodule.New(sammodule.Options{Baud: 115200, Seed: 2, ProcessingTime: 150 * time.Millisecond})
	link := filepath.Join(t.TempDir(), "kiosk-idcard")
	srv, err := m.ServePTY(ctx, link)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	// The dead process: two commands sent, no answer read.
	dead, err := serialport.Open(link, 115200, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dead.Write(idcard.AppendCommand(idcard.AppendCommand(nil, idcard.CmdSAMStatus), idcard.CmdSAMID)); err != nil {
		t.Fatal(err)
	}
	// It exits (its descriptors close, so its hold on the line goes) and
	// the terminal opens the line after it.
	dead.Close()
	port, err := serialport.Open(link, 115200, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	r := idcard.NewReader(port, idcard.Options{PollInterval: 20 * time.Millisecond, Timeouts: idcard.Timeouts{Find: 400 * time.Millisecond}})
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	// Whatever happens while it finds its step, the reader ends up ready
	// and reads a card.
	deadline := time.After(20 * time.Second)
	up := false
	for !up {
		select {
		case e := <-r.Events():
			up = e.Kind == idcard.ReaderBack
		case <-deadline:
			t.Fatal("the reader never came up")
		}
	}
	if err := m.Place("resident"); err != nil {
		t.Fatal(err)
	}
	var errs []string
	for {
		select {
		case e := <-r.Events():
			switch e.Kind {
			case idcard.CardPresent:
				if e.Identity == nil || e.Identity.IDNumber == "" {
					t.Fatalf("card present without identity: %+v", e)
				}
				if len(errs) > 1 {
					t.Errorf("reader errors after coming up: %q", errs)
				}
				cancel()
				<-done
				return
			case idcard.ReaderError, idcard.CardError:
				errs = append(errs, fmt.Sprint(e.Err))
			}
		case <-deadline:
			t.Fatalf("no card read; errors: %q", errs)
		}
	}
}
