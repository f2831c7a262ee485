package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/config"
	"github.com/pudong-community/kiosk/kiosk/logfile"
	"github.com/pudong-community/kiosk/kiosk/maint"
)

func init() {
	registerDiag("bundle", "write a diagnostics bundle (.tar.gz, no personal data) into DIR", runDiagBundle)
}

// runDiagBundle is `kiosk diag bundle [--config FILE] [--offline] DIR`.
func runDiagBundle(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("kiosk diag bundle", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "configuration file (default: first of the standard places)")
	offline := fs.Bool("offline", false, "do not contact the central API")
	timeout := fs.Duration("timeout", 60*time.Second, "give up after this long")
	if code, stop := parseFlags(fs, args, stdout); stop {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: kiosk diag bundle [--config FILE] [--offline] DIR")
		return exitUsage
	}
	dir := fs.Arg(0)
	cfg, _, err := config.Load(*cfgPath)
	if err != nil && !errors.Is(err, config.ErrNotFound) {
		fmt.Fprintf(stderr, "kiosk diag bundle: %v\n", err)
		return exitFailure
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	s, st := gatherStatus(ctx, cfg, !*offline)
	if st != nil {
		defer st.Close()
	}
	b := maint.Bundle{
		Config: cfg, Version: version, Schema: s.Schema, Devices: s.Devices, Audit: s.Audit,
		Outbox: map[string]any{"counts": s.Outbox, "parked": s.Parked}, Problems: s.Problems,
		Now: time.Now(),
	}
	if s.Catalog != nil {
		b.Catalog = &kiosk.CatalogInfo{Version: s.Catalog.Version, FetchedAt: s.Catalog.FetchedAt, Items: s.Catalog.Items}
	}
	if s.Network != nil {
		b.Sync = &kiosk.SyncReport{Reachable: s.Network.Reachable, Latency: time.Duration(s.Network.LatencyMS * float64(time.Millisecond)), LastError: s.Network.Error}
		if s.Network.TokenValid != nil {
			b.Sync.TokenValid = *s.Network.TokenValid
		}
		if s.Network.ClockSkewMS != nil {
			b.Sync.ClockSkew = time.Duration(*s.Network.ClockSkewMS) * time.Millisecond
		}
	}
	if cfg.Log.File != "" {
		b.LogFiles = logfile.Files(cfg.Log.File)
	}
	path, err := maint.WriteBundle(ctx, dir, b)
	if err != nil {
		fmt.Fprintf(stderr, "kiosk diag bundle: %v\n", err)
		return exitFailure
	}
	fmt.Fprintln(stdout, path)
	return exitOK
}
