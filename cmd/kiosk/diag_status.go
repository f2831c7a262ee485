package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/pudong-community/kiosk/devices/handwriting"
	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/audit"
	"github.com/pudong-community/kiosk/kiosk/config"
	"github.com/pudong-community/kiosk/kiosk/outbox"
	"github.com/pudong-community/kiosk/kiosk/store"
	"github.com/pudong-community/kiosk/kiosk/terminal"
)

func init() {
	registerDiag("status", "everything at a glance: version, devices, outbox, catalogue, network, audit [--json]", runDiagStatus)
}

// diagStatus is `kiosk diag status --json`: one object.
type diagStatus struct {
	Version  string                `json:"version"`
	Terminal string                `json:"terminal"`
	Schema   int                   `json:"schema"`
	Devices  []kiosk.DeviceReport  `json:"devices"`
	Outbox   *outbox.OutboxReport  `json:"outbox"`
	Parked   []store.Record        `json:"parked,omitempty"`
	Catalog  *outbox.CatalogReport `json:"catalog"`
	Network  *diagNetwork          `json:"network"`
	Audit    *kiosk.AuditCheck     `json:"audit"`
	// Handwriting is the handwriting recogniser's model.
	Handwriting *diagHandwriting `json:"handwriting,omitempty"`
	// Recoveries are database recoveries staff have not acknowledged.
	Recoveries []store.Recovery `json:"recoveries,omitempty"`
	Problems   []string         `json:"problems"` // what could not be found out
}

// diagNetwork is the network part of the status.
type diagNetwork struct {
	BaseURL     string  `json:"base_url"`
	Reachable   bool    `json:"reachable"`
	LatencyMS   float64 `json:"latency_ms"`
	TokenValid  *bool   `json:"token_valid"`
	ClockSkewMS *int64  `json:"clock_skew_ms"`
	Error       string  `json:"error,omitempty"`
}

// diagDeviceState is reported for a device whose port exists: the running
// terminal owns the port, so this command cannot ask the device itself.
const diagDeviceState kiosk.DeviceState = "unknown"

// gatherStatus finds out what it can; what it cannot goes in Problems. The
// terminal it opened to look (nil if it could not) is the caller's to close.
func gatherStatus(ctx context.Context, cfg config.Config, network bool) (diagStatus, *terminal.Terminal) {
	s := diagStatus{Version: version, Terminal: cfg.Terminal.ID, Problems: []string{}}
	for _, d := range []struct {
		name     string
		port     string
		baud     int
		required bool
	}{
		{kiosk.DeviceIDCard, cfg.IDCard.Port, cfg.IDCard.Baud, cfg.IDCard.Required},
		{kiosk.DevicePrinter, cfg.Printer.Port, cfg.Printer.Baud, cfg.Printer.Required},
	} {
		r := kiosk.DeviceReport{DeviceHealth: kiosk.DeviceHealth{Device: d.name, Required: d.required}, Port: d.port, Baud: d.baud}
		if _, err := os.Stat(d.port); err != nil {
			r.State, r.Reason, r.Detail = kiosk.StateOffline, kiosk.ReasonOffline, "port "+d.port+" missing"
		} else {
			r.State, r.Detail = diagDeviceState, "port present; the running terminal owns it (kiosk diag "+d.name+" checks it live when the terminal is stopped)"
		}
		s.Devices = append(s.Devices, r)
	}
	s.Handwriting = checkHandwriting(handwriting.DefaultModel)
	deps := terminal.Deps{Inspect: true, Offline: !network, Version: version, Logger: redactedLogger(io.Discard, slog.LevelInfo, false)}
	netErr := "not checked (--offline)"
	var dates *outbox.DateRecorder
	if network {
		netErr = ""
		if tr, err := diagTransport(cfg.API.CAFile); err != nil {
			netErr, deps.Offline = err.Error(), true
		} else {
			dates = &outbox.DateRecorder{Next: tr}
			deps.Transport = dates
		}
	}
	t, err := terminal.Open(ctx, cfg, deps)
	if err != nil {
		s.Problems = append(s.Problems, err.Error())
		return s, nil
	}
	st := t.Store()
	s.Schema, _ = st.Version(ctx)
	if recs, err := st.RecoveryNotices(ctx); err == nil {
		s.Recoveries = recs
	} else {
		s.Problems = append(s.Problems, err.Error())
	}
	if err := t.KeyErr(); err != nil {
		// Counting needs no key; the throwaway one opens nothing.
		s.Problems = append(s.Problems, err.Error())
	}
	if parked, err := t.Outbox().Parked(ctx); err == nil {
		s.Parked = parked
	} else {
		s.Problems = append(s.Problems, err.Error())
	}
	ack, err := st.AuditLog().Acked(ctx)
	if err != nil {
		s.Problems = append(s.Problems, err.Error())
	}
	n, verr := t.Trail().VerifyAgainst(ctx, ack.Seq, ack.Hash)
	s.Audit = &kiosk.AuditCheck{Events: n, OK: verr == nil}
	if be, ok := audit.IsBroken(verr); ok {
		s.Audit.BrokenAt, s.Audit.Problem = be.Seq, string(be.Reason)
	} else if verr != nil {
		s.Audit.Problem = verr.Error()
	}

	if err := t.APIErr(); err != nil && netErr == "" {
		netErr, dates = err.Error(), nil
	}
	s.Network = &diagNetwork{BaseURL: cfg.API.BaseURL, Error: netErr}
	rep, err := outbox.Probe(ctx, outbox.ProbeOptions{API: t.API(), Store: st, Outbox: t.Outbox(), Dates: dates})
	if err != nil {
		s.Problems = append(s.Problems, err.Error())
		return s, t
	}
	s.Outbox, s.Catalog = &rep.Outbox, &rep.Catalog
	if network && s.Network.Error == "" {
		s.Network.Reachable, s.Network.LatencyMS, s.Network.TokenValid, s.Network.ClockSkewMS, s.Network.Error =
			rep.Reachable, rep.LatencyMS, rep.TokenValid, rep.ClockSkewMS, rep.Error
	}
	return s, t
}

// runDiagStatus is `kiosk diag status [--config FILE] [--json] [--offline]`.
func runDiagStatus(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("kiosk diag status", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "configuration file (default: first of the standard places)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	offline := fs.Bool("offline", false, "do not contact the central API")
	timeout := fs.Duration("timeout", 30*time.Second, "give up after this long")
	if code, stop := parseFlags(fs, args, stdout); stop {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "kiosk diag status: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	cfg, _, err := config.Load(*cfgPath)
	if err != nil && !errors.Is(err, config.ErrNotFound) {
		fmt.Fprintf(stderr, "kiosk diag status: %v\n", err)
		return exitFailure
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	s, t := gatherStatus(ctx, cfg, !*offline)
	if t != nil {
		t.Close()
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(s); err != nil {
			fmt.Fprintf(stderr, "kiosk diag status: %v\n", err)
			return exitFailure
		}
	} else {
		printStatus(stdout, s)
	}
	if len(s.Problems) > 0 || (s.Audit != nil && !s.Audit.OK) {
		return exitFailure
	}
	return exitOK
}

func printStatus(w io.Writer, s diagStatus) {
	fmt.Fprintf(w, "kiosk %s  terminal %s  schema %d\n", s.Version, s.Terminal, s.Schema)
	for _, r := range s.Recoveries {
		fmt.Fprintf(w, "DATABASE RECOVERED at %s (not yet acknowledged on the maintenance menu): %s\n", r.At.Format(time.RFC3339), r.Summary())
		if len(r.LostLocalNos) > 0 {
			fmt.Fprintf(w, "        lost receipt numbers: %s\n", strings.Join(r.LostLocalNos, ", "))
		}
	}
	for _, d := range s.Devices {
		req := ""
		if d.Required {
			req = " (required)"
		}
		fmt.Fprintf(w, "device  %-8s %-8s %s @ %d%s: %s\n", d.Device, d.State, d.Port, d.Baud, req, d.Detail)
	}
	if h := s.Handwriting; h != nil {
		fmt.Fprintf(w, "handwriting %s\n", h)
	}
	if o := s.Outbox; o != nil {
		fmt.Fprintf(w, "outbox  pending %d, parked %d, delivered %d", o.Pending, o.Parked, o.Delivered)
		if o.OldestPendingAt != nil {
			fmt.Fprintf(w, ", oldest pending since %s", o.OldestPendingAt.Format(time.RFC3339))
		}
		fmt.Fprintln(w)
	}
	for _, p := range s.Parked {
		fmt.Fprintf(w, "parked  %s %s %s: %s %s\n", p.LocalNo, p.ItemCode, p.MaskedID, p.Park.Code, p.Park.Reason)
	}
	if c := s.Catalog; c != nil {
		if c.Cached {
			fmt.Fprintf(w, "catalog %s, %d items, fetched %s (%ds ago)\n", c.Version, c.Items, c.FetchedAt.Format(time.RFC3339), c.AgeSeconds)
		} else {
			fmt.Fprintln(w, "catalog none cached")
		}
	}
	if n := s.Network; n != nil {
		fmt.Fprintf(w, "network %s reachable %v latency %.0f ms", n.BaseURL, n.Reachable, n.LatencyMS)
		if n.TokenValid != nil {
			fmt.Fprintf(w, " token valid %v", *n.TokenValid)
		}
		if n.ClockSkewMS != nil {
			fmt.Fprintf(w, " clock skew %d ms", *n.ClockSkewMS)
		}
		if n.Error != "" {
			fmt.Fprintf(w, " (%s)", n.Error)
		}
		fmt.Fprintln(w)
	}
	if a := s.Audit; a != nil {
		if a.OK {
			fmt.Fprintf(w, "audit   chain ok, %d events\n", a.Events)
		} else {
			fmt.Fprintf(w, "audit   chain BROKEN at seq %d (%s), %d events before it verified\n", a.BrokenAt, a.Problem, a.Events)
		}
	}
	for _, p := range s.Problems {
		fmt.Fprintf(w, "problem %s\n", p)
	}
}
