package printer_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/devices/devicetest"
	"github.com/pudong-community/kiosk/devices/escpos"
	"github.com/pudong-community/kiosk/devices/printer"
	"github.com/pudong-community/kiosk/devices/serialport"
	"github.com/pudong-community/kiosk/devices/sim/thermal"
)

// TestPaperOutMidJobAndReprint runs the driver through the real serialport
// package on a pseudo-terminal against the emulator. The roll runs out in
// the middle of the receipt: Print must fail with ErrPaperOut (never report
// success) and say that the rest may still print; the emulator tears off a
// partial receipt. Like a real printer it keeps the rest of the job in its
// buffer (DLE ENQ 2 does not clear it after paper out), so after a new roll
// that rest prints first, cut off as a piece of its own, and then the same
// job prints whole.
func TestPaperOutMidJobAndReprint(t *testing.T) {
	devicetest.NeedsPTY(t)
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
	if je.Sent == 0 || je.Total != len(job) || !je.Leftover {
		t.Errorf("JobError %+v, want Leftover", je)
	}
	torn := <-emu.Receipts()
	if !torn.Partial || len(torn.Lines) == 0 || len(torn.Lines) >= len(want[0].Lines) {
		t.Errorf("torn receipt: partial=%v, %d of %d lines", torn.Partial, len(torn.Lines), len(want[0].Lines))
	}
	if s, _ := drv.State(); s != printer.StatePaperOut {
		t.Errorf("driver state %s", s)
	}

	// Load a new roll a little later, while the driver keeps polling. The
	// rest of the first attempt prints, cut off on its own: exactly the
	// lines that were missing from the torn piece, nothing of the reprint.
	time.Sleep(100 * time.Millisecond)
	emu.LoadRoll(0)
	if err := drv.WaitReady(jobCtx); err != nil {
		t.Fatal(err)
	}
	if err := drv.Print(jobCtx, job); err != nil {
		t.Fatalf("reprint: %v", err)
	}
	var rest thermal.Receipt
	select {
	case rest = <-emu.Receipts():
	case <-time.After(10 * time.Second):
		t.Fatal("the rest of the stopped job did not print")
	}
	n := len(torn.Lines)
	if !rest.Cut || rest.Partial || len(rest.Lines) == 0 || n+len(rest.Lines) > len(want[0].Lines) ||
		strings.Join(rest.Lines, "\n") != strings.Join(want[0].Lines[n:n+len(rest.Lines)], "\n") {
		t.Errorf("rest of the stopped job: cut=%v partial=%v lines %q", rest.Cut, rest.Partial, rest.Lines)
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
	devicetest.NeedsPTY(t)
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
	devicetest.NeedsPTY(t)
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
	// It exits (its hold on the line goes with it); the terminal opens
	// the line after it.
	dead.Close()
	port, err := serialport.Open(path, 115200, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
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
func serveEmu(t *testing.T, o thermal.Options, opt printer.Options, tune ...func(*printer.Profile)) (*thermal.Printer, *printer.Driver) {
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
	for _, f := range tune {
		f(&prof)
	}
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
	devicetest.NeedsPTY(t)
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

// A caller that gives up while the driver paces a long image leaves the
// printer inside a GS v 0 command, which would take the next job's ESC @
// and text for image data. The driver ends that command with NULs and cuts
// it off, so the next job prints whole, on a piece of its own.
func TestCancelInsideImageThenNextJob(t *testing.T) {
	devicetest.NeedsPTY(t)
	t.Parallel()
	emu, drv := serveEmu(t, thermal.Options{}, printer.Options{PollInterval: time.Hour},
		func(p *printer.Profile) { p.DrainBytesPerSec = 4096 })
	// 72 bytes x 100 rows: more than the driver lets into the 4 KiB buffer
	// at once, so it paces the image at 4 KiB/s.
	img := []byte{0x1B, 0x40, 0x1D, 0x76, 0x30, 0x00, 72, 0x00, 100, 0x00}
	img = append(img, bytes.Repeat([]byte{0xAA}, 72*100)...)
	img = append(img, "\n\x1dV\x42\x00"...)
	ctx2, cancel2 := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel2()
	if err := drv.WaitReady(ctx2); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err := drv.Print(ctx, img)
	var je *printer.JobError
	if !errors.As(err, &je) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("cancelled job: %v, want a JobError with the context's error", err)
	}
	if je.Sent <= 10 || je.Sent >= 10+72*100 || !je.Leftover {
		t.Fatalf("JobError %+v: want it stopped inside the image, with a leftover", je)
	}
	next := []byte("\x1b@next job\n\x1dV\x42\x00")
	if err := drv.Print(ctx2, next); err != nil {
		t.Fatalf("next job: %v", err)
	}
	var rs []thermal.Receipt
	for len(rs) < 2 {
		select {
		case r := <-emu.Receipts():
			rs = append(rs, r)
		case <-time.After(10 * time.Second):
			t.Fatalf("%d receipts, want 2", len(rs))
		}
	}
	if !rs[0].Cut || rs[0].Images != 1 || len(rs[0].Lines) != 0 {
		t.Errorf("rest of the cancelled job: cut=%v images %d lines %q", rs[0].Cut, rs[0].Images, rs[0].Lines)
	}
	if !rs[1].Cut || rs[1].Images != 0 || strings.Join(rs[1].Lines, "|") != "next job" {
		t.Errorf("next job: cut=%v images %d lines %q", rs[1].Cut, rs[1].Images, rs[1].Lines)
	}
}
