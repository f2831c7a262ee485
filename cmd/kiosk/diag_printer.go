package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/pudong-community/kiosk/devices/escpos"
	"github.com/pudong-community/kiosk/devices/printer"
	"github.com/pudong-community/kiosk/devices/serialport"
	"github.com/pudong-community/kiosk/kiosk/receipt"
)

// printerDefaults are the port and profile `kiosk diag printer` and the
// terminal use unless told otherwise; the configuration may overwrite them.
var printerDefaults = struct {
	Port    string
	Profile printer.Profile
}{Port: "/dev/kiosk-printer", Profile: printer.Profile80}

// diagExitNotReady: the printer answers but cannot print (reason printed).
const diagExitNotReady = 5

func init() {
	registerDiag("printer", "receipt printer: DLE EOT 1-4 status, profile, optional test receipt [--test-print]", runDiagPrinter)
}

type diagPrinterStatus struct {
	Query   int    `json:"dle_eot"`
	Name    string `json:"name"`
	Reply   string `json:"reply_hex"`
	Meaning string `json:"meaning"`
}

type diagPrinterResult struct {
	Port      string              `json:"port"`
	Baud      int                 `json:"baud"`
	Profile   printer.Profile     `json:"profile"`
	Status    []diagPrinterStatus `json:"status"`
	State     string              `json:"state"`
	StateZH   string              `json:"state_zh"`
	Ready     bool                `json:"ready"`
	Reason    string              `json:"reason,omitempty"`
	TestPrint *diagTestPrint      `json:"test_print,omitempty"`
}

type diagTestPrint struct {
	Bytes       int    `json:"bytes"`
	RasterLines int    `json:"raster_lines"`
	QR          string `json:"qr"` // "native" or "raster"
	Printed     bool   `json:"printed"`
	Error       string `json:"error,omitempty"`
	Millis      int64  `json:"ms"`
}

// statusMeanings explains one decoded DLE EOT reply in words.
func statusMeaning(k escpos.StatusKind, s escpos.Status) string {
	var words []string
	add := func(on bool, w string) {
		if on {
			words = append(words, w)
		}
	}
	switch k {
	case escpos.StatusPrinter:
		add(s.Offline, "offline")
		add(s.WaitingRecovery, "waiting for online recovery")
		add(s.FeedPressed, "FEED button pressed")
		add(s.DrawerHigh, "drawer pin 3 high")
		if !s.Offline {
			words = append(words, "online")
		}
	case escpos.StatusOffline:
		add(s.CoverOpen, "cover open")
		add(s.PaperFeed, "paper fed by FEED button")
		add(s.PaperStop, "stopped by paper end")
		add(s.ErrorOccurs, "error occurred")
	case escpos.StatusError:
		add(s.MechanicalError, "mechanical error")
		add(s.CutterError, "auto-cutter error")
		add(s.UnrecoverableError, "unrecoverable error")
		add(s.AutoRecoverableError, "auto-recoverable error (head hot / cover opened while printing)")
	case escpos.StatusPaper:
		add(s.PaperNearEnd, "paper near end")
		add(s.PaperEnd, "paper end")
	}
	if len(words) == 0 {
		return "ok"
	}
	out := words[0]
	for _, w := range words[1:] {
		out += ", " + w
	}
	return out
}

func runDiagPrinter(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("kiosk diag printer", flag.ContinueOnError)
	fs.SetOutput(stderr)
	port := fs.String("port", printerDefaults.Port, "serial device of the receipt printer")
	baud := fs.Int("baud", printerDefaults.Profile.Baud, "line speed")
	asJSON := fs.Bool("json", false, "print one JSON object on stdout")
	testPrint := fs.Bool("test-print", false, "print a test receipt (Chinese text, a rare character, a QR code, a cut)")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait for the printer to answer")
	usage := func() {
		fmt.Fprintln(fs.Output(), "usage: kiosk diag printer [--port P] [--baud B] [--json] [--test-print] [--timeout 3s]")
	}
	fs.Usage = usage
	if code, stop := parseFlags(fs, args, stdout); stop {
		return code
	}
	if fs.NArg() > 0 || *port == "" || *timeout <= 0 {
		usage()
		return exitUsage
	}
	prof := printerDefaults.Profile
	prof.Baud = *baud
	prof, err := prof.Validate()
	if err != nil {
		fmt.Fprintln(stderr, "kiosk diag printer:", err)
		return exitUsage
	}
	res := diagPrinterResult{Port: *port, Baud: *baud, Profile: prof, Status: []diagPrinterStatus{}}
	finish := func(code int) int {
		if *asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(res); err != nil {
				fmt.Fprintln(stderr, "kiosk diag printer:", err)
				return exitFailure
			}
			return code
		}
		p := res.Profile
		fmt.Fprintf(stdout, "printer %s at %d baud\n", res.Port, res.Baud)
		fmt.Fprintf(stdout, "profile %s: %d dots, %s, native QR %v, cut %s, buffer %d bytes, GS r end-of-job %v\n",
			p.Name, p.WidthDots, p.Charset, p.NativeQR, p.Cut, p.BufferBytes, p.InSequenceStatus)
		for _, s := range res.Status {
			fmt.Fprintf(stdout, "DLE EOT %d %-14s %s  %s\n", s.Query, s.Name, s.Reply, s.Meaning)
		}
		fmt.Fprintf(stdout, "state: %s (%s)\n", res.State, res.StateZH)
		if tp := res.TestPrint; tp != nil {
			if tp.Printed {
				fmt.Fprintf(stdout, "test receipt printed: %d bytes, %d raster lines, %s QR, %d ms\n", tp.Bytes, tp.RasterLines, tp.QR, tp.Millis)
			} else {
				fmt.Fprintf(stdout, "test receipt NOT printed: %s\n", tp.Error)
			}
		}
		if res.Reason != "" {
			fmt.Fprintf(stdout, "not ready: %s\n", res.Reason)
		}
		return code
	}

	sp, err := serialport.Open(*port, *baud, 100*time.Millisecond)
	if err != nil {
		res.State, res.StateZH = printer.StateNoAnswer.String(), printer.StateNoAnswer.Chinese()
		res.Reason = portOpenError(err)
		return finish(exitNoAnswer)
	}
	defer sp.Close()
	drv, err := printer.New(sp, prof, printer.Options{PollInterval: time.Hour, ReplyTimeout: *timeout / 4})
	if err != nil {
		fmt.Fprintln(stderr, "kiosk diag printer:", err)
		return exitFailure
	}
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan error, 1)
	go func() { runDone <- drv.Run(ctx) }()
	defer func() { cancel(); <-runDone }()

	qctx, qcancel := context.WithTimeout(ctx, *timeout)
	st, err := drv.Query(qctx)
	qcancel()
	if err != nil {
		res.State, res.StateZH = printer.StateNoAnswer.String(), printer.StateNoAnswer.Chinese()
		res.Reason = portOpenError(err)
		return finish(exitNoAnswer)
	}
	names := map[escpos.StatusKind]string{1: "printer", 2: "offline cause", 3: "error cause", 4: "roll paper"}
	for k := escpos.StatusPrinter; k <= escpos.StatusPaper; k++ {
		res.Status = append(res.Status, diagPrinterStatus{Query: int(k), Name: names[k],
			Reply: fmt.Sprintf("%02X", st.Encode(k)), Meaning: statusMeaning(k, st)})
	}
	state := printer.StateOf(st)
	res.State, res.StateZH, res.Ready = state.String(), state.Chinese(), state.CanPrint()
	if !state.CanPrint() {
		res.Reason = fmt.Sprintf("%s (%s): %s", state, state.Chinese(), st)
		return finish(diagExitNotReady)
	}
	if !*testPrint {
		return finish(exitOK)
	}

	r := receipt.Sample()
	r.TerminalID = "DIAG 自检"
	r.CaseNumber = ""
	r.Status = receipt.StatusQueued
	job, rep, err := receipt.Encode(nil, r, receipt.Options{WidthDots: prof.WidthDots, Charset: prof.Charset, NativeQR: prof.NativeQR, Cut: prof.Cut})
	tp := &diagTestPrint{Bytes: len(job), RasterLines: rep.RasterLines, QR: "native"}
	if rep.QRRaster {
		tp.QR = "raster"
	}
	res.TestPrint = tp
	if err != nil {
		tp.Error = err.Error()
		return finish(exitFailure)
	}
	// Transfer time at the line rate plus generous printing time.
	pctx, pcancel := context.WithTimeout(ctx, time.Duration(len(job))*10*time.Second/time.Duration(prof.Baud)+30*time.Second)
	defer pcancel()
	began := time.Now()
	err = drv.Print(pctx, job)
	tp.Millis = time.Since(began).Milliseconds()
	if err != nil {
		tp.Error = err.Error()
		var je *printer.JobError
		if errors.As(err, &je) && !errors.Is(err, printer.ErrNoAnswer) {
			res.Ready = false
			res.State, res.StateZH = je.State.String(), je.State.Chinese()
			res.Reason = err.Error()
			return finish(diagExitNotReady)
		}
		res.Reason = err.Error()
		return finish(exitNoAnswer)
	}
	tp.Printed = true
	return finish(exitOK)
}
