package main

import (
	"bufio"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/devices/idcard"
	"github.com/pudong-community/kiosk/devices/serialport"
)

// TestIDCardSim drives the standalone emulator through its stdin commands
// and reads a card from its pseudo-terminal with the real driver.
func TestIDCardSim(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan int, 1)
	go func() { done <- runIDCardSim(ctx, []string{"--module-time", "0"}, inR, outW, io.Discard) }()
	out := bufio.NewScanner(outR)
	if !out.Scan() {
		t.Fatal("no device path printed")
	}
	path := out.Text()
	go func() {
		for out.Scan() {
		}
	}()
	p, err := serialport.Open(path, 115200, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	r := idcard.NewReader(p, idcard.Options{PollInterval: 20 * time.Millisecond})
	go r.Run(ctx)
	next := func(want idcard.EventKind) idcard.Event {
		t.Helper()
		select {
		case e := <-r.Events():
			if e.Kind != want {
				t.Fatalf("event %v (%v), want %v", e.Kind, e.Err, want)
			}
			return e
		case <-time.After(10 * time.Second):
			t.Fatalf("no %v", want)
		}
		return idcard.Event{}
	}
	next(idcard.ReaderBack)
	io.WriteString(inW, "place rare-yan\n")
	if e := next(idcard.CardPresent); !strings.Contains(e.Identity.Name, "䶮") {
		t.Errorf("name %q", e.Identity.Name)
	}
	io.WriteString(inW, "remove\n")
	next(idcard.CardRemoved)
	io.WriteString(inW, "fault no-sam on\n")
	next(idcard.ReaderError)
	io.WriteString(inW, "quit\n")
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("quit did not stop the emulator")
	}
}

func TestIDCardSimUsage(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--bogus"}, {"extra"}, {"--card", "nobody"}} {
		if code := runIDCardSim(context.Background(), args, strings.NewReader(""), io.Discard, io.Discard); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
}
