// Command intake-sim is the development server of the central intake API
// (contract: kiosk/intake/openapi.yaml). It keeps its own SQLite database,
// serves a seeded catalogue and sample cases, and injects faults by flags
// or at run time through the admin address.
//
//	intake-sim -listen 127.0.0.1:8750 -admin 127.0.0.1:8751 -data ./intake-data \
//	    -terminal PD-T01:secret -error500 0.3 -timeout 0.1 -reset 0.05 -commit-drop 0.05
//
// Version 1.1: the centre (GET /v1/center) keeps 09:00–17:00, to 20:00 on
// Tuesday and Thursday, 09:00–12:00 at weekends, and closes for a holiday
// five days after the start; its queue moves with the clock; slots are
// offered for 14 days. For demos at any hour:
//
//	-center-mode open         the centre open now whatever the hours (tickets, queue)
//	-center-mode closed       closed now (409 center_closed with the next opening)
//	-assistance notified      calls for staff answered "notified"
//	-assistance no_staff_available   … answered "no_staff_available"
//
// and at run time on the admin address: PUT /center {"center_mode": "open"},
// PUT /assistance {"mode": "no_staff_available"}, GET /ratings (the ratings
// per item and level), POST /commands {"terminal_id": "PD-T01", "type":
// "refresh_center"}.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/pudong-community/kiosk/kiosk/intake/intakesim"
)

type terminals map[string]string

func (t terminals) String() string {
	ids := make([]string, 0, len(t))
	for id := range t {
		ids = append(ids, id+":***")
	}
	return strings.Join(ids, ",")
}

func (t terminals) Set(v string) error {
	id, tok, ok := strings.Cut(v, ":")
	if !ok || id == "" || tok == "" {
		return errors.New("want ID:TOKEN")
	}
	t[id] = tok
	return nil
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "intake-sim:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("intake-sim", flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	terms := terminals{}
	var f intakesim.Faults
	listen := fs.String("listen", "127.0.0.1:8750", "API address")
	admin := fs.String("admin", "127.0.0.1:8751", "admin address (fault control, stats, audit chains: GET /audit, ratings: GET /ratings, PUT /center, PUT /assistance); empty to disable")
	data := fs.String("data", "intake-sim-data", "data directory for the SQLite database")
	fs.Var(terms, "terminal", "terminal ID:TOKEN (repeatable)")
	seed := fs.Uint64("seed", 1, "seed of the fault draws")
	scale := fs.Float64("time-scale", 1, "case progress speed (60: an hour of progress per minute)")
	track := fs.String("track-base", "", "prefix of track_url (default: this server's own /track/ page)")
	guide := fs.String("guide-base", intakesim.DefaultGuideBaseURL, "prefix of the seeded catalogue's guide_url (item code appended; two items in three have one)")
	verbose := fs.Bool("v", false, "log every accepted case")
	fs.Float64Var(&f.Error500, "error500", 0, "share of requests answered 500")
	fs.Float64Var(&f.Unavailable503, "error503", 0, "share of requests answered 503 with Retry-After")
	fs.Float64Var(&f.TooMany429, "error429", 0, "share of requests answered 429 with Retry-After")
	fs.Float64Var(&f.Timeout, "timeout", 0, "share of requests never answered (held, then the connection is closed)")
	fs.Float64Var(&f.SlowBody, "slow", 0, "share of responses dripped slowly")
	fs.Float64Var(&f.Reset, "reset", 0, "share of connections reset before processing")
	fs.Float64Var(&f.CommitDrop, "commit-drop", 0, "share of POSTs processed and committed, then the connection reset")
	fs.IntVar(&f.RetryAfterSeconds, "retry-after", 1, "Retry-After seconds on 429 and 503")
	fs.IntVar(&f.HoldMillis, "hold-ms", 30000, "how long a timeout fault holds the request")
	fs.IntVar(&f.SlowMillis, "slow-ms", 2000, "how long a slow body takes")
	centerMode := fs.String("center-mode", intakesim.ModeAuto, "the centre: auto (by its hours), open or closed now (demos); admin PUT /center changes it")
	assist := fs.String("assistance", intakesim.AssistAuto, "calls for staff: auto (notified while open, no_staff_available when closed), notified or no_staff_available; admin PUT /assistance changes it")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if len(terms) == 0 {
		return errors.New("at least one -terminal ID:TOKEN is required")
	}
	if *track == "" {
		*track = "http://" + *listen + "/track/"
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	srv, err := intakesim.New(intakesim.Options{DataDir: *data, Terminals: terms, TimeScale: *scale,
		TrackBaseURL: *track, GuideBaseURL: *guide, Faults: f, Seed: *seed, Logger: log,
		CenterMode: *centerMode, Assistance: *assist})
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	api, adm, err := srv.Start(*listen, *admin)
	if err != nil {
		srv.Close()
		return err
	}
	fmt.Fprintf(os.Stderr, "intake-sim: API %s, admin %s, data %s, %d terminal(s)\n", api, adm, *data, len(terms))
	<-ctx.Done()
	return srv.Close()
}
