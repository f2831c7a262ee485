package main

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/pudong-community/kiosk/devices/devicetest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/devices/sim/thermal"
)

// startPrinterEmu serves the emulator on a pty for one test.
func startPrinterEmu(t *testing.T) (*thermal.Printer, string) {
	t.Helper()
	devicetest.NeedsPTY(t)
	emu, err := thermal.New(thermal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	path, done, err := emu.ServePTY(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); <-done })
	return emu, path
}

func TestDiagPrinterStates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		setup  func(*thermal.Printer)
		code   int
		state  string
		reason string
	}{
		{"ready", func(*thermal.Printer) {}, exitOK, "ready", ""},
		{"near end still ok", func(p *thermal.Printer) { p.SetPaper(thermal.PaperNearEnd) }, exitOK, "paper near end", ""},
		{"paper out", func(p *thermal.Printer) { p.SetPaper(thermal.PaperOut) }, diagExitNotReady, "paper out", "缺纸"},
		{"cover open", func(p *thermal.Printer) { p.SetCover(true) }, diagExitNotReady, "cover open", "cover open"},
		{"cutter jam", func(p *thermal.Printer) { p.SetCutterJam(true) }, diagExitNotReady, "cutter error", "cutter error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			emu, path := startPrinterEmu(t)
			tc.setup(emu)
			var out, errOut bytes.Buffer
			code := runDiagPrinter([]string{"--port", path, "--baud", "115200", "--json"}, &out, &errOut)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr %s; out %s", code, tc.code, errOut.String(), out.String())
			}
			var res diagPrinterResult
			if err := json.Unmarshal(out.Bytes(), &res); err != nil {
				t.Fatalf("JSON: %v\n%s", err, out.String())
			}
			if res.State != tc.state || len(res.Status) != 4 || !strings.Contains(res.Reason, tc.reason) {
				t.Errorf("result %+v", res)
			}
			if res.Profile.WidthDots != 576 || res.Profile.Charset.String() != "GB18030" {
				t.Errorf("profile %+v", res.Profile)
			}
		})
	}
}

func TestDiagPrinterTextOutput(t *testing.T) {
	t.Parallel()
	emu, path := startPrinterEmu(t)
	emu.SetPaper(thermal.PaperOut)
	var out, errOut bytes.Buffer
	if code := runDiagPrinter([]string{"--port", path, "--baud", "115200"}, &out, &errOut); code != diagExitNotReady {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{"DLE EOT 1 printer", "1A  offline", "DLE EOT 2 offline cause", "32  stopped by paper end",
		"DLE EOT 4 roll paper", "7E  paper near end, paper end", "not ready: paper out (缺纸)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestDiagPrinterTestPrint(t *testing.T) {
	t.Parallel()
	emu, path := startPrinterEmu(t)
	var out, errOut bytes.Buffer
	code := runDiagPrinter([]string{"--port", path, "--baud", "115200", "--test-print", "--json"}, &out, &errOut)
	if code != exitOK {
		t.Fatalf("exit %d: %s %s", code, errOut.String(), out.String())
	}
	var res diagPrinterResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil || res.TestPrint == nil || !res.TestPrint.Printed {
		t.Fatalf("result %s (%v)", out.String(), err)
	}
	select {
	case r := <-emu.Receipts():
		if !r.Cut || len(r.QR) != 1 || r.Images == 0 {
			t.Errorf("receipt cut=%v QR=%q images=%d (rare character line must be an image)", r.Cut, r.QR, r.Images)
		}
		if !strings.Contains(strings.Join(r.Lines, "\n"), "受理回执") {
			t.Errorf("no Chinese title in %q", r.Lines)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no test receipt")
	}
}

func TestDiagPrinterNoAnswerAndUsage(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	missing := filepath.Join(t.TempDir(), "no-such-tty")
	if code := runDiagPrinter([]string{"--port", missing}, &out, &errOut); code != exitNoAnswer {
		t.Errorf("missing port: exit %d", code)
	}
	for _, args := range [][]string{{"--bogus"}, {"extra"}, {"--port", ""}, {"--baud", "-1"}} {
		if code := runDiagPrinter(args, &out, &errOut); code != exitUsage {
			t.Errorf("%q: exit %d, want %d", args, code, exitUsage)
		}
	}
}
