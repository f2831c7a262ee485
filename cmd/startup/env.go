package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/pudong-community/kiosk/cmd/internal/seeddb"
	"github.com/pudong-community/kiosk/devices/sim/sammodule"
	"github.com/pudong-community/kiosk/devices/sim/thermal"
	"github.com/pudong-community/kiosk/kiosk/config"
	"github.com/pudong-community/kiosk/kiosk/intake/intakesim"
)

const simToken = "startup-measurement-token"

// environment is what the production terminal talks to, in this process:
// the central system's stand-in over real HTTP, and a seeded data
// directory that each start gets a fresh copy of.
type environment struct {
	sim      *intakesim.Server
	srv      *http.Server
	cfg      config.Config // the template: data_dir and ports set per run
	template string        // the seeded data directory
	dbBytes  int64

	stopDevices func()
}

func newEnvironment(ctx context.Context, work string, delivered, queued int) (*environment, error) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := config.Default()
	sim, err := intakesim.New(intakesim.Options{
		DataDir:   filepath.Join(work, "intake-sim"),
		Terminals: map[string]string{cfg.Terminal.ID: simToken},
		Logger:    quiet,
	})
	if err != nil {
		return nil, err
	}
	e := &environment{sim: sim, cfg: cfg, template: filepath.Join(work, "template")}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		sim.Close()
		return nil, err
	}
	e.srv = &http.Server{Handler: sim.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go e.srv.Serve(ln)
	e.cfg.API.BaseURL = "http://" + ln.Addr().String()
	e.cfg.API.Token = simToken
	e.cfg.Display.FullScreen = true

	// The terminal has run for a while: its catalogue is cached with the
	// server's ETag, so the start asks and is told "not modified".
	etag, err := catalogETag(ctx, e.cfg.API.BaseURL, e.cfg.Terminal.ID)
	if err != nil {
		e.close()
		return nil, err
	}
	seedCfg := e.cfg
	seedCfg.Terminal.DataDir = e.template
	if err := seeddb.Seed(ctx, seedCfg, sim.Catalog(), seeddb.Counts{Delivered: delivered, Queued: queued, CatalogETag: etag}, time.Now()); err != nil {
		e.close()
		return nil, err
	}
	if fi, err := os.Stat(seedCfg.DatabasePath()); err == nil {
		e.dbBytes = fi.Size()
	}
	return e, nil
}

// prepare copies the seeded data into dir/data, starts the two devices'
// emulators for this run and writes the terminal's config; it returns the
// config file.
func (e *environment) prepare(dir string) (string, error) {
	if e.stopDevices != nil {
		e.stopDevices()
		e.stopDevices = nil
	}
	data := filepath.Join(dir, "data")
	if err := copyDir(e.template, data); err != nil {
		return "", fmt.Errorf("startup: copy the seeded data: %w", err)
	}
	cfg := e.cfg
	cfg.Terminal.DataDir = data
	cfg.Log.File = filepath.Join(dir, terminalLog)

	ctx, cancel := context.WithCancel(context.Background())
	module := sammodule.New(sammodule.Options{Baud: cfg.IDCard.Baud})
	sam, err := module.ServePTY(ctx, filepath.Join(dir, "idcard"))
	if err != nil {
		cancel()
		return "", fmt.Errorf("startup: card reader emulator: %w", err)
	}
	prn, err := thermal.New(thermal.Options{WidthDots: cfg.Printer.PaperWidthDots, Baud: cfg.Printer.Baud})
	if err != nil {
		cancel()
		sam.Close()
		return "", err
	}
	prnPath, prnDone, err := prn.ServePTY(ctx)
	if err != nil {
		cancel()
		sam.Close()
		return "", fmt.Errorf("startup: printer emulator: %w", err)
	}
	e.stopDevices = func() {
		cancel()
		sam.Close()
		<-prnDone
	}
	cfg.IDCard.Port = sam.Link()
	cfg.Printer.Port = prnPath

	file := filepath.Join(dir, "kiosk.toml")
	f, err := os.OpenFile(file, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return "", err
	}
	if err := toml.NewEncoder(f).Encode(cfg); err != nil {
		f.Close()
		return "", fmt.Errorf("startup: write config: %w", err)
	}
	return file, f.Close()
}

// received counts the submissions the central system took: new cases and
// idempotent replays of known keys.
func (e *environment) received() int64 {
	st := e.sim.Stats()
	return st.Submissions + st.Replays
}

func (e *environment) close() {
	if e.stopDevices != nil {
		e.stopDevices()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	e.srv.Shutdown(ctx)
	e.sim.Close()
}

// copyDir copies the regular files of src into dst, keeping their modes.
func copyDir(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(target, info.Mode().Perm()|0o700)
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, info.Mode().Perm())
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
}

// catalogETag asks the central system for its catalogue's ETag.
func catalogETag(ctx context.Context, baseURL, terminal string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/v1/catalog", nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+simToken)
	req.Header.Set("X-Terminal-Id", terminal)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("startup: catalogue: %w", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") == "" {
		return "", fmt.Errorf("startup: catalogue: %s without an ETag", resp.Status)
	}
	return resp.Header.Get("ETag"), nil
}

// terminalLog is the terminal's own log (JSON lines) in a run's directory;
// its standard output and error go to kiosk.log.
const terminalLog = "terminal.log"
