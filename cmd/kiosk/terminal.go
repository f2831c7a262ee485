package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/pudong-community/kiosk/devices/idcard"
	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/audit"
	"github.com/pudong-community/kiosk/kiosk/config"
	"github.com/pudong-community/kiosk/kiosk/logfile"
	"github.com/pudong-community/kiosk/kiosk/maint"
	"github.com/pudong-community/kiosk/kiosk/ui"
	"github.com/pudong-community/kiosk/kiosk/visit"
	"github.com/pudong-community/kiosk/kiosk/watchdog"
)

const appID = "cn.gov.pudong.kiosk"

// runTerminal is `kiosk [-config FILE]`: the terminal itself.
func runTerminal(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("kiosk", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "configuration file (default: first of "+strings.Join(config.SearchPaths, ", ")+")")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "kiosk: unexpected argument %q (try: kiosk help)\n", fs.Arg(0))
		return exitUsage
	}
	cfg, file, err := config.Load(*cfgPath)
	if err != nil && !errors.Is(err, config.ErrNotFound) {
		fmt.Fprintf(stderr, "kiosk: %v\n", err)
		return exitFailure
	}
	log, closeLog, lerr := logfile.New(logfile.Options{File: cfg.Log.File, MaxSizeMB: cfg.Log.MaxSizeMB, Level: cfg.Log.Level, Stderr: stderr})
	if lerr != nil {
		fmt.Fprintf(stderr, "kiosk: log.file: %v\n", lerr)
		return exitFailure
	}
	defer closeLog()
	if err != nil {
		log.Warn("no configuration file, running on defaults", "detail", err.Error())
	} else {
		log.Info("configuration loaded", "file", file)
	}
	return runWithConfig(cfg, windowOptions{fullScreen: cfg.Display.FullScreen}, log, stderr)
}

type windowOptions struct {
	fullScreen bool
	size       fyne.Size // when not full screen
	title      string
}

// runWithConfig opens the database, starts the relay and the device loops,
// builds the UI and runs the window until the process is told to stop.
// extra, when set, runs after the terminal's window exists (the demo adds
// its simulator window there).
//
// What can fail fast (the PIN hash, the data directory, the sealing key)
// fails before any window, with one line. The database's integrity check
// (0.6 s with a year's submissions) then runs while the window and its
// OpenGL context come up behind a plain "starting" screen, and the home
// screen follows as soon as both are ready.
func runWithConfig(cfg config.Config, wo windowOptions, log *slog.Logger, stderr io.Writer, extra ...func(fyne.App, *system, *ui.App)) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := maint.NewGate(maint.GateConfig{PINHash: cfg.Maintenance.PINHash, StaffCards: cfg.Maintenance.StaffCards}); err != nil {
		fmt.Fprintf(stderr, "kiosk: maintenance.pin_hash: %v\n", err)
		return exitFailure
	}
	sealer, err := openSealer(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "kiosk: %v\n", err)
		return exitFailure
	}
	// opened is closed once the database is open (or failed): any number
	// of waits see it, the handover below and the shutdown alike.
	opened := make(chan struct{})
	var (
		openSys *system
		openErr error
	)
	go func() {
		openSys, openErr = openSystemWith(ctx, cfg, log, sealer)
		close(opened)
	}()

	fa := app.NewWithID(appID)
	title := wo.title
	if title == "" {
		title = "智能社工 " + cfg.Terminal.CenterName
	}
	w := newTerminalWindow(fa, title, log)
	w.SetContent(ui.StartingScreen(fa))
	if wo.fullScreen {
		w.SetFullScreen(true)
	} else if !wo.size.IsZero() {
		w.Resize(wo.size)
	}

	// The relay's "sent what was due", for settleMemory.
	sent := make(chan struct{}, 1)
	var (
		sys    *system
		u      *ui.App
		wd     *dog
		failed error
	)
	fa.Lifecycle().SetOnStarted(func() {
		go func() {
			select {
			case <-opened:
			case <-ctx.Done():
				return
			}
			fyne.Do(func() {
				if openErr != nil {
					failed = openErr
					fa.Quit()
					return
				}
				sys = openSys
				sys.mu.Lock()
				sys.onSent = func() {
					select {
					case sent <- struct{}{}:
					default: // a settle is already asked for
					}
				}
				sys.mu.Unlock()
				u, wd = startTerminal(ctx, cfg, sys, fa, w, log, extra)
				log.Info("terminal started", "version", version, "terminal", cfg.Terminal.ID, "data_dir", cfg.Terminal.DataDir)
				wd.ready(ctx)
			})
		}()
	})
	go settleMemory(ctx, log, defaultSettle, sent)
	w.ShowAndRun()
	cancel()
	if sys == nil {
		// The window closed before the system was handed over (or the
		// database failed): close the system here if it opened at all.
		<-opened
		if openSys != nil {
			openSys.close()
		} else if failed == nil {
			failed = openErr
		}
	} else {
		wd.stopping()
		u.Close()
		sys.close()
	}
	if failed != nil {
		fmt.Fprintf(stderr, "kiosk: %v\n", failed)
		return exitFailure
	}
	return exitOK
}

// startTerminal builds the screens over an open system, wires the device,
// relay and watchdog hooks and starts everything. It runs on the UI
// goroutine.
func startTerminal(ctx context.Context, cfg config.Config, sys *system, fa fyne.App, w fyne.Window, log *slog.Logger, extra []func(fyne.App, *system, *ui.App)) (*ui.App, *dog) {
	gate := newGate(cfg, sys)
	var prev visit.Snapshot
	var prevMu sync.Mutex
	u := ui.New(fa, w, ui.Options{
		CenterName:   cfg.Terminal.CenterName,
		CenterNameEN: cfg.Terminal.CenterEN,
		TerminalID:   cfg.Terminal.ID,
		Version:      version,
		Language:     ui.Lang(cfg.Display.Language),
		CallStaff:    callStaffHook(cfg, log),
		Visit: visit.Config{
			Idle:      cfg.Timeouts.Idle.Duration,
			ElderIdle: cfg.Timeouts.IdleElder.Duration,
			Warning:   cfg.Timeouts.Warning.Duration,
			// Every service step of a visit goes into the audit trail.
			OnChange: func(next visit.Snapshot) {
				prevMu.Lock()
				evs := visit.Events(prev, next)
				prev = next
				prevMu.Unlock()
				for _, ev := range evs {
					sys.recordAsync(audit.Kind(ev.Kind), ev.Subject, ev.Detail)
				}
			},
		},
		Catalog:  sys.be,
		Cases:    sys.be,
		Submit:   sys.be,
		Receipts: sys.receiptService(),
		QR:       sys.be,
		// An agent keys a resident who has no card with them by ID
		// number and name; the name by pinyin from this table.
		Characters: sys.characters,
	})
	u.EnableMaintenance(ui.MaintOptions{
		Service:    newMaintService(sys),
		Gate:       gate,
		Health:     sys.health,
		BundleDirs: func() []string { return bundleDirs(cfg) },
	})
	dog := startWatchdog(ctx, sys, log)
	sys.mu.Lock()
	sys.onOnline = u.SetOnline
	sys.onCard = func(ev idcard.Event) { cardToUI(u, ev) }
	sys.mu.Unlock()
	sys.start(ctx)
	go healthToUI(ctx, sys.health, u)
	u.Start(ctx)
	for _, f := range extra {
		f(fa, sys, u)
	}
	return u, dog
}

// dog is the systemd watchdog: it pings only while the UI event loop and
// the two device loops beat (a hung UI gets the terminal restarted).
type dog struct {
	n   *watchdog.Notifier
	log *slog.Logger
}

func startWatchdog(ctx context.Context, sys *system, log *slog.Logger) *dog {
	n, err := watchdog.FromEnv()
	if err != nil && !errors.Is(err, watchdog.ErrNoSocket) {
		log.Warn("watchdog", "err", err)
	}
	d := &dog{n: n, log: log}
	if n == nil || !n.Enabled() {
		return d
	}
	every := 10 * time.Second
	if iv, err := watchdog.WatchdogInterval(); err == nil && iv > 0 {
		every = iv / 3
	}
	m := watchdog.NewMonitor(nil)
	within := 3 * every
	if within < 15*time.Second {
		within = 15 * time.Second
	}
	uiHeart, _ := m.Register("ui", within)
	card, _ := m.Register("idcard", within)
	prn, _ := m.Register("printer", within)
	sys.cardBeat, sys.printerBeat = card.Beat, prn.Beat
	card.Beat()
	prn.Beat()
	go uiHeart.BeatThrough(ctx, 2*time.Second, fyne.Do)
	p := &watchdog.Pinger{Notifier: n, Monitor: m, Every: every, OnChange: func(err error) {
		if err != nil {
			log.Error("watchdog: not pinging, systemd will restart the terminal", "err", err)
		} else {
			log.Info("watchdog: pinging")
		}
	}}
	go p.Run(ctx)
	return d
}

func (d *dog) ready(ctx context.Context) {
	if d.n == nil {
		return
	}
	if err := d.n.Ready(ctx); err != nil && !errors.Is(err, watchdog.ErrNoSocket) {
		d.log.Warn("watchdog ready", "err", err)
	}
	_ = d.n.Status(ctx, "home screen")
}

func (d *dog) stopping() {
	if d.n == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = d.n.Stopping(ctx)
}

// cardToUI hands a reader event to the screens; a staff card opens
// maintenance instead.
func cardToUI(u *ui.App, ev idcard.Event) {
	switch ev.Kind {
	case idcard.CardPresent:
		if ev.Identity == nil {
			return
		}
		if u.MaintCard(ev.Identity.IDNumber) {
			return
		}
		now := time.Now()
		u.CardPresent(person(ev.Identity), ev.Identity.Expired(now), ev.Identity.Age(now))
	case idcard.CardRemoved:
		u.CardRemoved()
	case idcard.CardError:
		u.CardError(fmt.Sprint(ev.Err))
	}
}

// healthToUI turns device health into the resident banners.
func healthToUI(ctx context.Context, h *kiosk.Health, u *ui.App) {
	ch, cancel := h.Subscribe()
	defer cancel()
	apply := func(s kiosk.HealthSnapshot) { u.SetDeviceProblems(deviceProblems(s)) }
	apply(h.Snapshot())
	for {
		select {
		case <-ctx.Done():
			return
		case s, ok := <-ch:
			if !ok {
				return
			}
			apply(s)
		}
	}
}

// deviceProblems are the devices out of order, as the resident screens
// show them.
func deviceProblems(s kiosk.HealthSnapshot) []ui.DeviceProblem {
	var ps []ui.DeviceProblem
	for _, d := range s.Failed() {
		key := ui.DeviceCardReader
		if d.Device == kiosk.DevicePrinter {
			key = ui.DevicePrinter
		}
		ps = append(ps, ui.DeviceProblem{DeviceKey: key, Reason: residentReason(d), Required: d.Required})
	}
	return ps
}

// residentReason is the i18n key of a device problem in the resident's
// words; the staff's detail ("port /dev/...: no such file") stays on the
// maintenance screens.
func residentReason(d kiosk.DeviceHealth) string {
	detail := strings.ToLower(d.Detail)
	switch {
	case strings.Contains(detail, "paper out"):
		return "reason.paper_out"
	case strings.Contains(detail, "cover"):
		return "reason.cover_open"
	case strings.Contains(detail, "cutter"):
		return "reason.cutter"
	case d.State == kiosk.StateOffline:
		return "reason.offline"
	}
	return "reason.error"
}

// bundleDirs offers the mounted USB sticks and the data directory for a
// diagnostics bundle.
func bundleDirs(cfg config.Config) []string {
	dirs, _ := filepath.Glob("/media/*/*")
	more, _ := filepath.Glob("/media/*")
	dirs = append(dirs, more...)
	return append(dirs, cfg.Terminal.DataDir)
}

// callStaffHook rings the configured hook: a local HTTP POST or a command.
func callStaffHook(cfg config.Config, log *slog.Logger) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		log.Info("staff called", "terminal", cfg.Terminal.ID)
		if u := cfg.CallStaff.HookURL; u != "" {
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(`{"terminal_id":"`+cfg.Terminal.ID+`","event":"call_staff"}`))
			if err != nil {
				return err
			}
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				log.Error("call-staff hook failed", "err", err)
				return err
			}
			resp.Body.Close()
		}
		if c := cfg.CallStaff.Command; c != "" {
			if err := exec.CommandContext(ctx, "/bin/sh", "-c", c).Run(); err != nil {
				log.Error("call-staff command failed", "err", err)
				return err
			}
		}
		return nil
	}
}

// runDemo is `kiosk demo`: the whole terminal on one machine without
// hardware, with a throwaway data directory: the development intake server
// in-process, the card reader and the printer emulated on
// pseudo-terminals, and a simulator window to drive them.
func runDemo(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("kiosk demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data", "", "data directory (default: a new temporary one, removed at exit)")
	full := fs.Bool("fullscreen", false, "run the terminal full screen")
	size := fs.String("size", "1080x1920", "window size WIDTHxHEIGHT when not full screen")
	noSim := fs.Bool("no-simulator", false, "do not open the simulator window")
	control := fs.Bool("control-stdin", false, "read emulator commands on standard input (place KEY, remove, cover open|closed, paper ok|near-end|out, network up|down, inspect)")
	idle := fs.Duration("idle", 0, "time without touch before the idle warning (default: the configuration's, 60s)")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	wsize, err := parseSize(*size)
	if err != nil {
		fmt.Fprintf(stderr, "kiosk demo: -size: %v\n", err)
		return exitUsage
	}
	dir, cleanup, err := demoDataDir(*dataDir)
	if err != nil {
		fmt.Fprintf(stderr, "kiosk demo: %v\n", err)
		return exitFailure
	}
	defer cleanup()
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	cfg := config.Default()
	cfg.Terminal.DataDir = filepath.Join(dir, "terminal")
	cfg.Terminal.CenterName = "浦东新区花木街道社区事务受理服务中心"
	cfg.Terminal.CenterEN = "Huamu Community Affairs Service Center, Pudong"
	cfg.Printer.Baud = 115200
	if *idle > 0 {
		cfg.Timeouts.Idle.Duration = *idle
		cfg.Timeouts.IdleElder.Duration = max(cfg.Timeouts.IdleElder.Duration, 2**idle)
	}
	// Maintenance opens with the demo PIN, so a newcomer can see the staff
	// screens.
	if cfg.Maintenance.PINHash, err = demoPINHash(); err != nil {
		fmt.Fprintf(stderr, "kiosk demo: %v\n", err)
		return exitFailure
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d, err := startDemo(ctx, dir, &cfg, log)
	if err != nil {
		fmt.Fprintf(stderr, "kiosk demo: %v\n", err)
		return exitFailure
	}
	defer d.close()
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "kiosk demo: %v\n", err)
		return exitFailure
	}
	log.Info("demo mode", "data_dir", dir)
	if *control {
		d.inspector = &inspector{out: stdout}
		go d.control(os.Stdin)
	}
	return runWithConfig(cfg, windowOptions{fullScreen: *full, size: wsize, title: "智能社工 (demo)"}, log, stderr, func(fa fyne.App, _ *system, u *ui.App) {
		if d.inspector != nil {
			d.inspector.set(u)
		}
		if !*noSim {
			sw := d.simulatorWindow(fa)
			sw.Show()
			go func() {
				if err := placeBeside(u.Window(), sw); err != nil {
					log.Warn("simulator window", "err", err)
				}
			}()
		}
	})
}

func parseSize(s string) (fyne.Size, error) {
	w, h, ok := strings.Cut(strings.ToLower(s), "x")
	wi, err1 := strconv.Atoi(w)
	hi, err2 := strconv.Atoi(h)
	if !ok || err1 != nil || err2 != nil || wi < 320 || hi < 320 {
		return fyne.Size{}, fmt.Errorf("want WIDTHxHEIGHT like 1080x1920, got %q", s)
	}
	return fyne.NewSize(float32(wi), float32(hi)), nil
}

// runCheckConfig is `kiosk check-config FILE`.
func runCheckConfig(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintln(stderr, "usage: kiosk check-config FILE")
		return exitUsage
	}
	_, _, err := config.Load(args[0])
	if err != nil {
		var es config.Errors
		if errors.As(err, &es) {
			fmt.Fprintf(stderr, "%s: %d problem(s):\n", args[0], len(es))
			for _, e := range es {
				fmt.Fprintf(stderr, "  %s\n", e.Error())
			}
			return exitFailure
		}
		fmt.Fprintf(stderr, "%v\n", err)
		return exitFailure
	}
	fmt.Fprintf(stdout, "%s: ok\n", args[0])
	return exitOK
}

// newGate is the maintenance gate over the system: entries and wrong PINs
// go to the audit trail, and the count of wrong PINs and the lock to the
// database's settings, so that a restart does not lift them. It cannot
// fail: runWithConfig checked the same configuration before the window.
func newGate(cfg config.Config, sys *system) *maint.Gate {
	gate, _ := maint.NewGate(maint.GateConfig{PINHash: cfg.Maintenance.PINHash, StaffCards: cfg.Maintenance.StaffCards,
		Audit: sys.trail, Settings: sys.st})
	return gate
}

// newTerminalWindow makes the terminal's window, not yet shown: without a
// depth or stencil buffer (colourOnlyFramebuffer, which must come between
// the app's first NewWindow and the window showing), without padding, and
// deaf to close requests: residents cannot close the terminal (Alt+F4, a
// window manager's button); staff stop it through systemd.
func newTerminalWindow(fa fyne.App, title string, log *slog.Logger) fyne.Window {
	w := fa.NewWindow(title)
	if err := colourOnlyFramebuffer(); err != nil {
		log.Warn("window: keeping GLFW's default framebuffer", "err", err)
	}
	w.SetPadded(false)
	w.SetCloseIntercept(func() { log.Info("close request ignored") })
	return w
}
