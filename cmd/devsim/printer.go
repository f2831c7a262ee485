package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"github.com/pudong-community/kiosk/devices/escpos"
	"github.com/pudong-community/kiosk/devices/sim/thermal"
)

// printerStdin is where `devsim printer` reads operator commands (tests
// replace it).
var printerStdin io.Reader = os.Stdin

func init() {
	register("printer", "ESC/POS receipt printer emulator on a pseudo-terminal", runPrinter)
}

const printerHelp = `commands on stdin:
  paper out | paper in | paper near-end
  cover open | cover close
  cutter jam | cutter ok
  status
  quit`

// prnWriter serialises writes from the receipt callback and the command loop.
type prnWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *prnWriter) Printf(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(s.w, format, args...)
}

func runPrinter(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("devsim printer", flag.ContinueOnError)
	fs.SetOutput(stderr)
	width := fs.Int("width", 576, "paper width in dots: 384 (58 mm) or 576 (80 mm)")
	charset := fs.String("charset", "GB18030", "font ROM charset: GB2312, GBK or GB18030")
	out := fs.String("out", "receipts", "folder for the receipt PNGs")
	buffer := fs.Int("buffer", 4096, "receive buffer in bytes (overrun drops beyond)")
	speed := fs.Int("speed", 0, "print speed in mm/s (0 = instant)")
	baud := fs.Int("baud", 0, "emulate this line rate (0 = as fast as the pty)")
	roll := fs.Int("roll", 0, "paper roll length in dots (0 = endless)")
	alpha := fs.Bool("alpha", false, "power on in alphanumeric mode (needs FS & for Chinese)")
	verbose := fs.Bool("v", false, "log unknown commands and state changes")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: devsim printer [flags]")
		fs.PrintDefaults()
		fmt.Fprintln(stderr, printerHelp)
	}
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		if err == nil {
			fs.Usage()
		}
		return 2
	}
	cs, err := escpos.ParseCharset(*charset)
	if err != nil {
		fmt.Fprintln(stderr, "devsim printer:", err)
		return 2
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintln(stderr, "devsim printer:", err)
		return 1
	}
	w := &prnWriter{w: stdout}
	opts := thermal.Options{
		WidthDots: *width, Charset: cs, BufferSize: *buffer, SpeedMM: *speed, Baud: *baud,
		RollDots: *roll, AlphaAtPowerOn: *alpha,
		OnReceipt: func(r thermal.Receipt) {
			name := fmt.Sprintf("receipt-%04d.png", r.Seq)
			if r.Partial {
				name = fmt.Sprintf("receipt-%04d-partial.png", r.Seq)
			}
			path := filepath.Join(*out, name)
			png, err := r.PNG()
			if err == nil {
				err = os.WriteFile(path, png, 0o644)
			}
			if err != nil {
				w.Printf("receipt %d: %v\n", r.Seq, err)
				return
			}
			w.Printf("receipt %d: %s (%d lines, %d QR, cut=%v, partial=%v)\n", r.Seq, path, len(r.Lines), len(r.QR), r.Cut, r.Partial)
		},
	}
	if *verbose {
		opts.Logf = func(format string, args ...any) { w.Printf(format+"\n", args...) }
	}
	emu, err := thermal.New(opts)
	if err != nil {
		fmt.Fprintln(stderr, "devsim printer:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	path, done, err := emu.ServePTY(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "devsim printer:", err)
		return 1
	}
	w.Printf("printer: %s (%d dots, %s); receipts in %s\n", path, *width, cs, *out)

	go func() {
		sc := bufio.NewScanner(printerStdin)
		for sc.Scan() {
			line := strings.Join(strings.Fields(strings.ToLower(sc.Text())), " ")
			switch line {
			case "":
				continue
			case "paper out":
				emu.SetPaper(thermal.PaperOut)
			case "paper in":
				emu.LoadRoll(0)
			case "paper near-end", "paper near end":
				emu.SetPaper(thermal.PaperNearEnd)
			case "cover open":
				emu.SetCover(true)
			case "cover close", "cover closed":
				emu.SetCover(false)
			case "cutter jam":
				emu.SetCutterJam(true)
			case "cutter ok":
				emu.SetCutterJam(false)
			case "status":
			case "quit", "exit":
				cancel()
				return
			default:
				w.Printf("unknown command %q\n%s\n", line, printerHelp)
				continue
			}
			w.Printf("status: %s\n", emu.Status())
		}
		// stdin closed (run as a service): keep serving until a signal.
	}()
	if err := <-done; err != nil {
		fmt.Fprintln(stderr, "devsim printer:", err)
		return 1
	}
	return 0
}
