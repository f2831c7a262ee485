package printer_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/devices/escpos"
	"github.com/pudong-community/kiosk/devices/printer"
	"github.com/pudong-community/kiosk/devices/serialport"
	"github.com/pudong-community/kiosk/devices/sim/thermal"
)

// TestPaperOutMidJobAndReprint runs the driver through the real serialport
// package on a pseudo-terminal against the emulator. The roll runs out in
// the middle of the receipt: Print must fail with ErrPaperOut (never report
// success), the emulator tears off a partial receipt, and after a new roll
// the same job prints whole, with nothing of the first attempt left over.
func TestPaperOutMidJobAndReprint(t *testing.T) {
	t.Parallel()
	job, err := os.ReadFile(filepath.Join("testdata", "receipt-576-gb18030.bin"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := thermal.Render(job, thermal.Options{})
	if err != nil || len(want) != 1 {
		t.Fatalf("reference render: %v, %d receipts", err, len(want))
	}

	emu, err := thermal.New(thermal.Options{RollDots: 400, BufferSize: 4096})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	emuCtx, emuCancel := context.WithCancel(context.Background())
	defer emuCancel()
	path, served, err := emu.ServePTY(emuCtx)
	if err != nil {
		t.Fatal(err)
	}
	port, err := serialport.Open(path, 115200, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
	prof := printer.Profile80
	prof.Baud = 115200
	prof.BufferBytes, prof.DrainBytesPerSec = 1024, 20000
	drv, err := printer.New(port, prof, printer.Options{PollInterval: 50 * time.Millisecond, CheckEvery: 128})
	if err != nil {
		t.Fatal(err)
	}
	runDone := make(chan error, 1)
	go func() { runDone <- drv.Run(ctx) }()

	jobCtx, jobCancel := context.WithTimeout(ctx, 30*time.Second)
	defer jobCancel()
	err = drv.Print(jobCtx, job)
	var je *printer.JobError
	if !errors.As(err, &je) || !errors.Is(err, printer.ErrPaperOut) {
		t.Fatalf("first attempt: %v, want a JobError with ErrPaperOut", err)
	}
	if je.Sent == 0 || je.Total != len(job) {
		t.Errorf("JobError %+v", je)
	}
	torn := <-emu.Receipts()
	if !torn.Partial || len(torn.Lines) == 0 || len(torn.Lines) >= len(want[0].Lines) {
		t.Errorf("torn receipt: partial=%v, %d of %d lines", torn.Partial, len(torn.Lines), len(want[0].Lines))
	}
	if s, _ := drv.State(); s != printer.StatePaperOut {
		t.Errorf("driver state %s", s)
	}

	// Load a new roll a little later, while the driver keeps polling. The
	// rest of the first attempt must not print: the driver cleared the
	// printer (DLE ENQ 2); the line comparison below would show leftovers.
	time.Sleep(100 * time.Millisecond)
	emu.LoadRoll(0)
	if err := drv.WaitReady(jobCtx); err != nil {
		t.Fatal(err)
	}
	if err := drv.Print(jobCtx, job); err != nil {
		t.Fatalf("reprint: %v", err)
	}
	var got thermal.Receipt
	select {
	case got = <-emu.Receipts():
	case <-time.After(10 * time.Second):
		t.Fatal("no reprinted receipt")
	}
	if got.Partial || !got.Cut {
		t.Errorf("reprint partial=%v cut=%v", got.Partial, got.Cut)
	}
	if strings.Join(got.Lines, "\n") != strings.Join(want[0].Lines, "\n") {
		t.Errorf("reprint lines differ:\n got %q\nwant %q", got.Lines, want[0].Lines)
	}
	if len(got.QR) != 1 || got.QR[0] != want[0].QR[0] {
		t.Errorf("reprint QR %q", got.QR)
	}
	select {
	case extra := <-emu.Receipts():
		t.Errorf("unexpected extra receipt: %q", extra.Lines)
	default:
	}
	if n := emu.Overruns(); n != 0 {
		t.Errorf("%d bytes overrun", n)
	}
	cancel()
	if err := <-runDone; err != nil {
		t.Errorf("Run: %v", err)
	}
	emuCancel()
	<-served
}

// TestPacingPreventsOverrun: emulated printers with small buffers, no flow
// control and a slow head drop bytes when a job is written to them at once
// (the control), and drop none when the driver paces them: an 80 mm text
// receipt with native QR, and a 58 mm receipt of raster lines and a raster
// QR.
func TestPacingPreventsOverrun(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		golden string
		emu    thermal.Options
		prof   printer.Profile
	}{
		{"receipt-576-gb18030.bin", thermal.Options{BufferSize: 256, SpeedMM: 400},
			printer.Profile{Name: "t80", WidthDots: 576, Charset: escpos.GB18030, NativeQR: true, Cut: escpos.CutFeedPartial,
				Baud: 115200, BufferBytes: 192, SpeedMM: 400, InSequenceStatus: true, ClearOnError: true}},
		{"receipt-384-gb2312.bin", thermal.Options{WidthDots: 384, Charset: escpos.GB2312, BufferSize: 1024, SpeedMM: 200},
			printer.Profile{Name: "t58", WidthDots: 384, Charset: escpos.GB2312, Cut: escpos.CutFeedPartial,
				Baud: 115200, BufferBytes: 1024, SpeedMM: 200, InSequenceStatus: true}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			t.Parallel()
			job, err := os.ReadFile(filepath.Join("testdata", tc.golden))
			if err != nil {
				t.Fatal(err)
			}
			serve := func(t *testing.T) (*thermal.Printer, string) {
				emu, err := thermal.New(tc.emu)
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
			t.Run("unpaced control overruns", func(t *testing.T) {
				t.Parallel()
				emu, path := serve(t)
				f, err := os.OpenFile(path, os.O_RDWR, 0)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				if _, err := f.Write(job); err != nil {
					t.Fatal(err)
				}
				deadline := time.Now().Add(10 * time.Second)
				for emu.Overruns() == 0 && time.Now().Before(deadline) {
					time.Sleep(10 * time.Millisecond)
				}
				if emu.Overruns() == 0 {
					t.Fatal("control: no overrun without pacing; the test could not detect one")
				}
			})
			t.Run("paced by the driver", func(t *testing.T) {
				t.Parallel()
				emu, path := serve(t)
				port, err := serialport.Open(path, 115200, 100*time.Millisecond)
				if err != nil {
					t.Fatal(err)
				}
				defer port.Close()
				drv, err := printer.New(port, tc.prof, printer.Options{PollInterval: time.Second})
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithCancel(context.Background())
				runDone := make(chan error, 1)
				go func() { runDone <- drv.Run(ctx) }()
				defer func() { cancel(); <-runDone }()
				if err := drv.Print(ctx, job); err != nil {
					t.Fatal(err)
				}
				want, err := thermal.Render(job, thermal.Options{WidthDots: tc.emu.WidthDots, Charset: tc.emu.Charset})
				if err != nil || len(want) != 1 {
					t.Fatalf("reference: %v", err)
				}
				select {
				case r := <-emu.Receipts():
					if r.Partial || !r.Cut || strings.Join(r.Lines, "|") != strings.Join(want[0].Lines, "|") ||
						r.Images != want[0].Images || len(r.QR) != len(want[0].QR) {
						t.Errorf("receipt differs from the reference: partial=%v cut=%v images %d/%d lines %q",
							r.Partial, r.Cut, r.Images, want[0].Images, r.Lines)
					}
				case <-time.After(20 * time.Second):
					t.Fatal("no receipt")
				}
				if n := emu.Overruns(); n != 0 {
					t.Errorf("%d bytes dropped despite pacing", n)
				}
			})
		})
	}
}

// A process that died after asking for a status leaves the printer's
// reply on the line. The next driver must not take it for the answer to
// its own first question (all four DLE EOT replies look alike), or it stays
// one reply behind and reads each status as another's.
func TestDriverIgnoresRepliesLeftByADeadProcess(t *testing.T) {
	t.Parallel()
	emu, err := thermal.New(thermal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	emu.SetPaper(thermal.PaperNearEnd)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	path, _, err := emu.ServePTY(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dead, err := serialport.Open(path, 115200, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dead.Write(escpos.AppendStatusQuery(nil, escpos.StatusPaper)); err != nil {
		t.Fatal(err)
	}
	port, err := serialport.Open(path, 115200, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
	dead.Close()
	time.Sleep(100 * time.Millisecond) // the reply is on the line
	prof := printer.Profile80
	prof.Baud = 115200
	drv, err := printer.New(port, prof, printer.Options{PollInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	go drv.Run(ctx)
	for i := 0; i < 3; i++ {
		st, err := drv.Query(ctx)
		if err != nil {
			t.Fatalf("query %d: %v", i, err)
		}
		if state, _ := drv.State(); state != printer.StateNearEnd || !st.PaperNearEnd {
			t.Fatalf("query %d: state %v, status %+v; want paper near end", i, state, st)
		}
	}
}

// serveEmu starts an emulator on a pseudo-terminal and a driver on it
// (Profile80 at 115200 baud).
func serveEmu(t *testing.T, o thermal.Options, opt printer.Options) (*thermal.Printer, *printer.Driver) {
	t.Helper()
	emu, err := thermal.New(o)
	if err != nil {
		t.Fatal(err)
	}
	emuCtx, emuCancel := context.WithCancel(context.Background())
	path, served, err := emu.ServePTY(emuCtx)
	if err != nil {
		emuCancel()
		t.Fatal(err)
	}
	port, err := serialport.Open(path, 115200, 100*time.Millisecond)
	if err != nil {
		emuCancel()
		t.Fatal(err)
	}
	prof := printer.Profile80
	prof.Baud = 115200
	drv, err := printer.New(port, prof, opt)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan error, 1)
	go func() { runDone <- drv.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-runDone; err != nil {
			t.Errorf("Run: %v", err)
		}
		port.Close()
		emuCancel()
		<-served
	})
	return emu, drv
}

// The printer acts on 10 04 n even inside raster data and answers it, so a
// job whose image happens to contain 10 04 04 makes the printer send a
// status byte nobody asked for. The driver must not take it for the answer
// to its next question: the job, the next job and later queries all see
// the real state (paper near end), not "offline".
func TestUnsolicitedStatusInRasterData(t *testing.T) {
	t.Parallel()
	emu, drv := serveEmu(t, thermal.Options{}, printer.Options{PollInterval: time.Hour})
	emu.SetPaper(thermal.PaperNearEnd)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// One raster row of 3 bytes: 10 04 04 (a few black dots, and DLE EOT 4).
	raster := []byte{0x1B, 0x40, 0x1D, 0x76, 0x30, 0x00, 0x03, 0x00, 0x01, 0x00, 0x10, 0x04, 0x04, 0x0A, 0x1D, 0x56, 0x42, 0x00}
	if err := drv.Print(ctx, raster); err != nil {
		t.Fatalf("raster job: %v", err)
	}
	if err := drv.Print(ctx, []byte("\x1b@next job\n\x1dV\x42\x00")); err != nil {
		t.Fatalf("next job: %v", err)
	}
	for i := 0; i < 3; i++ {
		st, err := drv.Query(ctx)
		if err != nil {
			t.Fatalf("query %d: %v", i, err)
		}
		if s := printer.StateOf(st); s != printer.StateNearEnd {
			t.Fatalf("query %d: %s (%s), want paper near end", i, s, st)
		}
	}
	for i, want := range []int{1, 0} {
		select {
		case r := <-emu.Receipts():
			if r.Images != want {
				t.Errorf("receipt %d: %d images, want %d", i, r.Images, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("receipt %d missing", i)
		}
	}
}
