package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/pudong-community/kiosk/devices/sim/sammodule"
)

func init() {
	register("idcard", "SAM ID card reader module emulator on a pseudo-terminal", func(args []string, stdout, stderr io.Writer) int {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		return runIDCardSim(ctx, args, os.Stdin, stdout, stderr)
	})
}

const idcardSimHelp = `commands:
  cards                 list the sample cards
  place KEY             put a sample card on the reader (replaces the one there)
  remove                take the card away
  fault MODE [on|off]   switch a fault mode (` + "no-sam, bad-checksum, noise, split, slow, unplug" + `)
  unplug | replug       close the pseudo-terminal / open a new one (the link follows)
  status                card, faults, device path and bytes exchanged
  help | quit`

// runIDCardSim serves the emulator on a pseudo-terminal and takes commands
// from in, one a line, until ctx is done or "quit". End of input keeps the
// emulator running until ctx is done, so it can run in the background.
func runIDCardSim(ctx context.Context, args []string, in io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("devsim idcard", flag.ContinueOnError)
	fs.SetOutput(stderr)
	baud := fs.Int("baud", 115200, "pace answers at this line speed, 8N1 (0: no pacing)")
	moduleTime := fs.Duration("module-time", 30*time.Millisecond, "processing time the module adds to every answer")
	slow := fs.Duration("slow", 3*time.Second, "extra delay of the slow fault")
	link := fs.String("link", "", "also make this symbolic link point at the pseudo-terminal")
	card := fs.String("card", "", "sample card on the reader at start")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "devsim idcard: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	m := sammodule.New(sammodule.Options{Baud: *baud, ProcessingTime: *moduleTime, SlowDelay: *slow})
	if *card != "" {
		if err := m.Place(*card); err != nil {
			fmt.Fprintln(stderr, "devsim idcard:", err)
			return 2
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	srv, err := m.ServePTY(ctx, *link)
	if err != nil {
		fmt.Fprintln(stderr, "devsim idcard:", err)
		return 1
	}
	defer srv.Close()
	fmt.Fprintln(stdout, srv.SlavePath())
	if *link != "" {
		fmt.Fprintf(stderr, "devsim idcard: %s -> %s\n", *link, srv.SlavePath())
	}
	fmt.Fprintf(stderr, "devsim idcard: SAM module on %s at %d baud; type help\n", srv.SlavePath(), *baud)

	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(in)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return 0
		case line, ok := <-lines:
			if !ok {
				lines = nil // input closed: serve until stopped
				continue
			}
			if quit := idcardSimCommand(m, srv, line, stdout); quit {
				return 0
			}
		}
	}
}

func idcardSimCommand(m *sammodule.Module, srv *sammodule.PTYServer, line string, out io.Writer) (quit bool) {
	f := strings.Fields(line)
	if len(f) == 0 {
		return false
	}
	switch f[0] {
	case "quit", "exit":
		return true
	case "help", "?":
		fmt.Fprintln(out, idcardSimHelp)
	case "cards":
		for _, s := range sammodule.Samples() {
			fmt.Fprintf(out, "%-15s %-8s %s\n", s.Key, s.Name, s.Description)
		}
	case "place":
		if len(f) != 2 {
			fmt.Fprintln(out, "usage: place KEY (see: cards)")
			return false
		}
		if err := m.Place(f[1]); err != nil {
			fmt.Fprintln(out, err)
			return false
		}
		fmt.Fprintln(out, "placed", f[1])
	case "remove":
		m.Remove()
		fmt.Fprintln(out, "removed")
	case "fault":
		if len(f) < 2 || len(f) > 3 || len(f) == 3 && f[2] != "on" && f[2] != "off" {
			fmt.Fprintln(out, "usage: fault MODE [on|off]")
			return false
		}
		on := len(f) == 2 || f[2] == "on"
		if err := m.SetFault(sammodule.Fault(f[1]), on); err != nil {
			fmt.Fprintln(out, err)
			return false
		}
		fmt.Fprintf(out, "fault %s %v\n", f[1], map[bool]string{true: "on", false: "off"}[on])
	case "unplug":
		srv.Unplug()
		fmt.Fprintln(out, "unplugged")
	case "replug":
		if err := srv.Replug(); err != nil {
			fmt.Fprintln(out, err)
			return false
		}
		fmt.Fprintln(out, "plugged in at", srv.SlavePath())
	case "status":
		key, ok := m.Present()
		if !ok {
			key = "(none)"
		}
		in, o := m.Traffic()
		fmt.Fprintf(out, "device %s card %s faults %v bytes in %d out %d\n", srv.SlavePath(), key, m.ActiveFaults(), in, o)
	default:
		fmt.Fprintf(out, "unknown command %q; type help\n", f[0])
	}
	return false
}
