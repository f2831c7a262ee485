package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/config"
	"github.com/pudong-community/kiosk/kiosk/outbox"
	"github.com/pudong-community/kiosk/kiosk/terminal"
)

func init() {
	registerDiag("sync", "central API reachability, latency, token, clock skew, catalogue, outbox [--json] [--now]", runDiagSync)
}

// runDiagSync is `kiosk diag sync [--config FILE] [--json] [--now]`.
func runDiagSync(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("kiosk diag sync", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "configuration file (default: first of the standard places)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	now := fs.Bool("now", false, "drain the outbox once (every pending submission tried once) and report")
	timeout := fs.Duration("timeout", 60*time.Second, "give up after this long")
	if code, stop := parseFlags(fs, args, stdout); stop {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "kiosk diag sync: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	cfg, _, err := config.Load(*cfgPath)
	if err != nil && !errors.Is(err, config.ErrNotFound) {
		fmt.Fprintf(stderr, "kiosk diag sync: %v\n", err)
		return exitFailure
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()

	tr, err := diagTransport(cfg.API.CAFile)
	if err != nil {
		fmt.Fprintf(stderr, "kiosk diag sync: %v\n", err)
		return exitFailure
	}
	dates := &outbox.DateRecorder{Next: tr}
	t, err := terminal.Open(ctx, cfg, terminal.Deps{Inspect: true, Transport: dates, Version: version,
		Logger: redactedLogger(stderr, slog.LevelWarn, false)})
	if err != nil {
		fmt.Fprintf(stderr, "kiosk diag sync: %v\n", err)
		return exitFailure
	}
	defer t.Close()
	if err := t.KeyErr(); err != nil {
		if *now {
			fmt.Fprintf(stderr, "kiosk diag sync: %v\n", err)
			return exitFailure
		}
		// Counting needs no key: the rest is reported with a throwaway one.
		fmt.Fprintf(stderr, "kiosk diag sync: warning: %v\n", err)
	}
	if err := t.APIErr(); err != nil {
		fmt.Fprintf(stderr, "kiosk diag sync: %v\n", err)
		return exitFailure
	}

	var drain *outbox.DrainJSON
	if *now {
		rep, err := t.Relay().DrainOnce(ctx)
		drain = rep.JSON()
		if err != nil {
			fmt.Fprintf(stderr, "kiosk diag sync: drain: %v\n", err)
		}
	}
	rep, err := outbox.Probe(ctx, outbox.ProbeOptions{API: t.API(), Store: t.Store(), Outbox: t.Outbox(), Dates: dates})
	if err != nil {
		fmt.Fprintf(stderr, "kiosk diag sync: %v\n", err)
		return exitFailure
	}
	rep.Drain = drain

	if *asJSON {
		out := struct {
			TerminalID string `json:"terminal_id"`
			BaseURL    string `json:"base_url"`
			outbox.SyncReport
		}{cfg.Terminal.ID, cfg.API.BaseURL, rep}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(out)
	} else {
		printSyncReport(stdout, cfg.Terminal.ID, cfg.API.BaseURL, rep)
	}
	switch {
	case !rep.Reachable:
		return exitNoAnswer
	case rep.TokenValid != nil && !*rep.TokenValid:
		return exitFailure
	}
	return exitOK
}

func printSyncReport(w io.Writer, terminal, base string, r outbox.SyncReport) {
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return "NO"
	}
	fmt.Fprintf(w, "terminal        %s\n", terminal)
	fmt.Fprintf(w, "central API     %s\n", base)
	if r.PausedUntil != nil {
		fmt.Fprintf(w, "reachable       not asked: the central system asked for a pause until %s\n", r.PausedUntil.In(kiosk.Zone()).Format("2006-01-02 15:04:05"))
	} else {
		fmt.Fprintf(w, "reachable       %s (%.1f ms)\n", yes(r.Reachable), r.LatencyMS)
	}
	if r.TokenValid != nil {
		fmt.Fprintf(w, "token accepted  %s\n", yes(*r.TokenValid))
	} else {
		fmt.Fprintf(w, "token accepted  unknown (no answer)\n")
	}
	if r.ClockSkewMS != nil {
		fmt.Fprintf(w, "clock skew      %+.1f s (server minus terminal)\n", float64(*r.ClockSkewMS)/1000)
	}
	if r.Error != "" {
		fmt.Fprintf(w, "error           %s\n", r.Error)
	}
	if r.Catalog.Cached {
		cur := "unknown"
		if r.Catalog.Current != nil {
			cur = yes(*r.Catalog.Current)
		}
		fmt.Fprintf(w, "catalogue       %s, %d items, fetched %s ago, current: %s\n", r.Catalog.Version, r.Catalog.Items,
			(time.Duration(r.Catalog.AgeSeconds) * time.Second).String(), cur)
	} else {
		fmt.Fprintf(w, "catalogue       NONE cached\n")
	}
	oldest := "-"
	if r.Outbox.OldestPendingAt != nil {
		oldest = r.Outbox.OldestPendingAt.Format(time.RFC3339)
	}
	fmt.Fprintf(w, "outbox          %d pending, %d parked, %d delivered (kept), oldest pending %s\n",
		r.Outbox.Pending, r.Outbox.Parked, r.Outbox.Delivered, oldest)
	if r.Drain != nil {
		fmt.Fprintf(w, "drain           %d delivered, %d to retry, %d parked in %.0f ms\n",
			r.Drain.Delivered, r.Drain.Retry, r.Drain.Parked, r.Drain.DurationMS)
	}
}

// diagTransport is a transport that verifies the server with the system
// roots or the configured CA file.
func diagTransport(caFile string) (http.RoundTripper, error) {
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("api.ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("api.ca_file %s holds no PEM certificate", caFile)
		}
		tlsCfg.RootCAs = pool
	}
	return &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		TLSClientConfig:     tlsCfg,
		TLSHandshakeTimeout: 10 * time.Second,
		ForceAttemptHTTP2:   true,
		MaxIdleConnsPerHost: 8,
	}, nil
}
