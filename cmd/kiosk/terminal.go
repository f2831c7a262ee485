package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/pudong-community/kiosk/kiosk/config"
	"github.com/pudong-community/kiosk/kiosk/store"
	"github.com/pudong-community/kiosk/kiosk/ui"
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
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	cfg, file, err := config.Load(*cfgPath)
	switch {
	case errors.Is(err, config.ErrNotFound):
		log.Warn("no configuration file, running on defaults", "detail", err.Error())
	case err != nil:
		fmt.Fprintf(stderr, "kiosk: %v\n", err)
		return exitFailure
	default:
		log.Info("configuration loaded", "file", file)
	}
	return runWithConfig(cfg, windowOptions{fullScreen: cfg.Display.FullScreen}, log, stderr)
}

type windowOptions struct {
	fullScreen bool
	size       fyne.Size // when not full screen
	title      string
}

// runWithConfig opens the database, builds the UI and runs the window until
// the process is told to stop.
func runWithConfig(cfg config.Config, wo windowOptions, log *slog.Logger, stderr io.Writer) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := store.Open(ctx, cfg.DatabasePath(), store.Options{})
	if err != nil {
		fmt.Fprintf(stderr, "kiosk: %v\n", err)
		return exitFailure
	}
	defer st.Close()

	fa := app.NewWithID(appID)
	title := wo.title
	if title == "" {
		title = "智能社工 " + cfg.Terminal.CenterName
	}
	w := fa.NewWindow(title)
	w.SetPadded(false)
	// Residents cannot close the terminal: a close request (Alt+F4, a
	// window manager's button) is ignored. Staff stop it through systemd.
	w.SetCloseIntercept(func() { log.Info("close request ignored") })
	u := ui.New(fa, w, ui.Options{
		CenterName:   cfg.Terminal.CenterName,
		CenterNameEN: cfg.Terminal.CenterEN,
		TerminalID:   cfg.Terminal.ID,
		Version:      version,
		Language:     ui.Lang(cfg.Display.Language),
	})
	u.Start(ctx)
	if wo.fullScreen {
		w.SetFullScreen(true)
	} else if !wo.size.IsZero() {
		w.Resize(wo.size)
	}
	log.Info("terminal started", "version", version, "terminal", cfg.Terminal.ID, "data_dir", cfg.Terminal.DataDir)
	w.ShowAndRun()
	return exitOK
}

// runDemo is `kiosk demo`: the whole terminal on one machine without
// hardware, with a throwaway data directory.
func runDemo(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("kiosk demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data", "", "data directory (default: a new temporary one, removed at exit)")
	full := fs.Bool("fullscreen", false, "run the terminal full screen")
	size := fs.String("size", "1080x1920", "window size WIDTHxHEIGHT when not full screen")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	wsize, err := parseSize(*size)
	if err != nil {
		fmt.Fprintf(stderr, "kiosk demo: -size: %v\n", err)
		return exitUsage
	}
	dir := *dataDir
	if dir == "" {
		d, err := os.MkdirTemp("", "kiosk-demo-")
		if err != nil {
			fmt.Fprintf(stderr, "kiosk demo: %v\n", err)
			return exitFailure
		}
		defer os.RemoveAll(d)
		dir = d
	}
	cfg := config.Default()
	cfg.Terminal.DataDir = dir
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "kiosk demo: %v\n", err)
		return exitFailure
	}
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	log.Info("demo mode", "data_dir", dir)
	return runWithConfig(cfg, windowOptions{fullScreen: *full, size: wsize, title: "智能社工 (demo)"}, log, stderr)
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
