package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/config"
	"github.com/pudong-community/kiosk/kiosk/logfile"
	"github.com/pudong-community/kiosk/kiosk/maint"
	"github.com/pudong-community/kiosk/kiosk/terminal"
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
	if code, stop := parseFlags(fs, args, stdout); stop {
		return code
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
		if plain := cfg.PlainSecrets(); len(plain) > 0 {
			log.Warn("secrets are read from plain files on the disk, where a stolen disk gives them away: `kiosk credentials` moves them into systemd credentials encrypted for this machine", "secrets", strings.Join(plain, "; "))
		}
		if uerr := cfg.MaintenanceUpgrades(); uerr != nil {
			log.Warn("maintenance access needs the configuration upgraded (kiosk check-config names it); until then no PIN under 6 digits and no staff card listed in plain opens maintenance", "problems", uerr.Error())
		}
	}
	return runWithConfig(cfg, windowOptions{fullScreen: cfg.Display.FullScreen}, log, stderr)
}

type windowOptions struct {
	fullScreen bool
	size       fyne.Size // when not full screen
	title      string
}

// runWithConfig opens the terminal, builds the UI and runs the window until
// the process is told to stop. extra, when set, runs after the terminal's
// window exists (the demo adds its simulator window there).
//
// What can fail fast (the PIN hash, the data directory, the sealing key)
// fails before any window, with one line. The database's integrity check
// (0.6 s with a year's submissions) then runs while the window and its
// OpenGL context come up behind a plain "starting" screen, and the home
// screen follows as soon as both are ready.
func runWithConfig(cfg config.Config, wo windowOptions, log *slog.Logger, stderr io.Writer, extra ...func(fyne.App, *terminal.Terminal, *ui.App)) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := maint.NewGate(maint.GateConfig{PINHash: cfg.Maintenance.PINHash, StaffCards: cfg.Maintenance.StaffCards}); err != nil {
		fmt.Fprintf(stderr, "kiosk: maintenance.pin_hash: %v\n", err)
		return exitFailure
	}
	sealer, err := terminal.OpenSealer(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "kiosk: %v\n", err)
		return exitFailure
	}
	notifier, err := watchdog.FromEnv()
	if err != nil && !errors.Is(err, watchdog.ErrNoSocket) {
		log.Warn("watchdog", "err", err)
	}
	// opened is closed once the database is open (or failed): any number
	// of waits see it, the handover below and the shutdown alike.
	opened := make(chan struct{})
	var (
		openT   *terminal.Terminal
		openErr error
	)
	go func() {
		openT, openErr = terminal.Open(ctx, cfg, terminal.Deps{Logger: log, Sealer: sealer, Version: version, Watchdog: notifier, Post: fyne.Do})
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
		term   *terminal.Terminal
		u      *ui.App
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
				term = openT
				u = startTerminal(ctx, cfg, term, fa, w, log, extra, sent)
				log.Info("terminal started", "version", version, "terminal", cfg.Terminal.ID, "data_dir", cfg.Terminal.DataDir)
				term.Ready(ctx)
			})
		}()
	})
	go settleMemory(ctx, log, defaultSettle, sent)
	w.ShowAndRun()
	cancel()
	if term == nil {
		// The window closed before the terminal was handed over (or the
		// database failed): close it here if it opened at all.
		<-opened
		if openT != nil {
			openT.Close()
		} else if failed == nil {
			failed = openErr
		}
	} else {
		term.Stopping()
		u.Close()
		term.Close() // waits for Run
	}
	if failed != nil {
		fmt.Fprintf(stderr, "kiosk: %v\n", failed)
		return exitFailure
	}
	return exitOK
}

// errNobodyConfirmed: a call for staff that neither the centre nor the
// local hook confirmed.
var errNobodyConfirmed = errors.New("call for staff: nobody confirmed it")

// startTerminal builds the screens over an open terminal, hands its events
// to them and runs it. It runs on the UI goroutine.
func startTerminal(ctx context.Context, cfg config.Config, term *terminal.Terminal, fa fyne.App, w fyne.Window, log *slog.Logger,
	extra []func(fyne.App, *terminal.Terminal, *ui.App), sent chan<- struct{}) *ui.App {
	be := term.Backend()
	// The spoken prompts; disabled, there is no speaker and the screens
	// are silent.
	var (
		say   kiosk.Voice
		staff kiosk.VoiceControl
	)
	if sp := startVoice(ctx, cfg.Voice, voiceCacheDir(cfg), term.Health(), log); sp != nil {
		say, staff = sp, sp
	}
	u := ui.New(fa, w, ui.Options{
		CenterName:   cfg.Terminal.CenterName,
		CenterNameEN: cfg.Terminal.CenterEN,
		TerminalID:   cfg.Terminal.ID,
		Version:      version,
		Language:     ui.Lang(cfg.Display.Language),
		// The screens still calling CallStaff get the same honest call:
		// an error when nobody confirmed. Assist replaces it.
		CallStaff: func(ctx context.Context) error {
			if r := term.CallStaff(ctx, "callstaff", kiosk.AssistResident); !r.Notified {
				return errNobodyConfirmed
			}
			return nil
		},
		Assist:       term.Assistance(),
		Center:       term.Center(),
		Appointments: term.Appointments(),
		Ratings:      term.Ratings(),
		Visit: visit.Config{
			Idle:      cfg.Timeouts.Idle.Duration,
			ElderIdle: cfg.Timeouts.IdleElder.Duration,
			Warning:   cfg.Timeouts.Warning.Duration,
			// Every service step of a visit goes into the audit trail.
			OnChange: term.VisitAudit(),
		},
		Catalog:  be,
		Cases:    be,
		Submit:   be,
		Receipts: term.Receipts(),
		QR:       be,
		// An agent keys a resident who has no card with them by ID
		// number and name; the name by pinyin from this table.
		Characters: term.Characters(),
		// Residents who cannot spell pinyin write a character; the model
		// is loaded on the first stroke.
		Handwriting: terminal.NewHandwriting("", log).WithHealth(term.Health()),
		GuideHosts:  cfg.GuideHosts(),
		Voice:       say,
	})
	// runWithConfig checked the same configuration before the window.
	gate, _ := term.Gate()
	u.EnableMaintenance(ui.MaintOptions{
		Service:    term.Maintenance(),
		Gate:       gate,
		Health:     term.Health(),
		BundleDirs: func() []string { return bundleDirs(cfg) },
		Voice:      staff,
	})
	go ui.ApplyEvents(ctx, u, term.Events(), func(ev kiosk.Event) {
		if _, ok := ev.(kiosk.Sent); ok {
			select {
			case sent <- struct{}{}:
			default: // a settle is already asked for
			}
		}
	})
	go func() {
		if err := term.Run(ctx); err != nil {
			log.Error("terminal stopped", "err", err)
		}
	}()
	u.Start(ctx)
	for _, f := range extra {
		f(fa, term, u)
	}
	return u
}

// bundleDirs offers the mounted USB sticks and the data directory for a
// diagnostics bundle.
func bundleDirs(cfg config.Config) []string {
	dirs, _ := filepath.Glob("/media/*/*")
	more, _ := filepath.Glob("/media/*")
	dirs = append(dirs, more...)
	return append(dirs, cfg.Terminal.DataDir)
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
	control := fs.Bool("control-stdin", false, "read emulator commands on standard input (place KEY, remove, cover open|closed, paper ok|near-end|out, network up|down, centre auto|open|closed, assist auto|notified|no_staff_available, inspect)")
	idle := fs.Duration("idle", 0, "time without touch before the idle warning (default: the configuration's, 60s)")
	fs.Usage = func() { demoUsage(fs) }
	if code, stop := parseFlags(fs, args, stdout); stop {
		return code
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
	log := redactedLogger(stderr, slog.LevelInfo, true)
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
	// ... and so does the demo staff card, one of the simulator's sample
	// cards, with the same PIN.
	if err := addDemoStaffCard(&cfg); err != nil {
		fmt.Fprintf(stderr, "kiosk demo: staff card: %v\n", err)
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
	return runWithConfig(cfg, windowOptions{fullScreen: *full, size: wsize, title: "智能社工 (demo)"}, log, stderr, func(fa fyne.App, _ *terminal.Terminal, u *ui.App) {
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
	fs := flag.NewFlagSet("kiosk check-config", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(fs.Output(), "usage: kiosk check-config FILE") }
	if code, stop := parseFlags(fs, args, stdout); stop {
		return code
	}
	if args = fs.Args(); len(args) != 1 {
		fs.Usage()
		return exitUsage
	}
	cfg, _, err := config.Load(args[0])
	if err == nil {
		// What an older configuration needs for staff access: the
		// terminal starts without it, check-config does not pass it.
		err = cfg.MaintenanceUpgrades()
	}
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
