package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/audit"
	"github.com/pudong-community/kiosk/kiosk/config"
	"github.com/pudong-community/kiosk/kiosk/terminal"
)

func init() {
	registerDiag("audit", "verify the current audit chain, name the first broken link and any restart after a recovery (--verify), or list the latest events (--latest N) [--json]", runDiagAudit)
}

// diagAuditResult is `kiosk diag audit --json`.
type diagAuditResult struct {
	OK           bool   `json:"ok"`
	Events       int64  `json:"events"`              // that verified
	BrokenAt     int64  `json:"broken_at,omitempty"` // first broken seq
	Reason       string `json:"reason,omitempty"`    // seq, prev_hash or hash
	Error        string `json:"error,omitempty"`     //
	AckedThrough int64  `json:"acked_through"`       // what the central server holds
	Unacked      int64  `json:"unacked"`             // not yet uploaded
	// The current chain and, when a recovery started it, its restart:
	// the previous chain and the last event of it the terminal kept.
	Chain   string              `json:"chain_id,omitempty"`
	Restart *kiosk.AuditRestart `json:"restart,omitempty"`
	// Earlier chains of which the terminal still holds events the server
	// has not confirmed (uploaded before the current chain).
	EarlierToUpload int `json:"earlier_to_upload,omitempty"`
}

// runDiagAudit is `kiosk diag audit [--config FILE] [--verify] [--latest N] [--json]`.
// With --verify it exits 0 when the chain is intact and 1 when it is
// broken (or cannot be read).
func runDiagAudit(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("kiosk diag audit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "configuration file (default: first of the standard places)")
	verify := fs.Bool("verify", false, "walk the whole chain and name the first broken link")
	latest := fs.Int("latest", 0, "print the newest N events")
	asJSON := fs.Bool("json", false, "print JSON")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after this long")
	if code, stop := parseFlags(fs, args, stdout); stop {
		return code
	}
	if fs.NArg() > 0 || (!*verify && *latest <= 0) {
		fmt.Fprintln(stderr, "usage: kiosk diag audit [--config FILE] --verify | --latest N [--json]")
		return exitUsage
	}
	cfg, _, err := config.Load(*cfgPath)
	if err != nil && !errors.Is(err, config.ErrNotFound) {
		fmt.Fprintf(stderr, "kiosk diag audit: %v\n", err)
		return exitFailure
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	// The chain needs neither the sealing key nor the network.
	t, err := terminal.Open(ctx, cfg, terminal.Deps{Inspect: true, Offline: true, Version: version,
		Logger: redactedLogger(io.Discard, slog.LevelInfo, false)})
	if err != nil {
		fmt.Fprintf(stderr, "kiosk diag audit: %v\n", err)
		return exitFailure
	}
	defer t.Close()
	log, trail := t.Store().AuditLog(), t.Trail()
	if *latest > 0 {
		evs, err := trail.Latest(ctx, *latest)
		if err != nil {
			fmt.Fprintf(stderr, "kiosk diag audit: %v\n", err)
			return exitFailure
		}
		if *asJSON && !*verify {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			enc.Encode(evs)
		} else {
			for _, ev := range evs {
				fmt.Fprintf(stdout, "%6d %s %-22s %-20s %s\n", ev.Seq, ev.At.Format(time.RFC3339), ev.Kind, ev.Subject, ev.Detail)
			}
		}
		if !*verify {
			return exitOK
		}
	}
	res := diagAuditResult{}
	ack, err := log.Acked(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "kiosk diag audit: %v\n", err)
		return exitFailure
	}
	res.AckedThrough = ack.Seq
	_, res.Unacked, _ = log.Count(ctx)
	if chains, err := log.Chains(ctx); err == nil {
		cur := chains[len(chains)-1]
		res.Chain, res.Restart = cur.ID, cur.Restart
		for _, c := range chains[:len(chains)-1] {
			if !c.Done {
				res.EarlierToUpload++
			}
		}
	}
	n, verr := trail.VerifyAgainst(ctx, ack.Seq, ack.Hash)
	res.Events = n
	if be, ok := audit.IsBroken(verr); ok {
		res.BrokenAt, res.Reason, res.Error = be.Seq, string(be.Reason), be.Error()
	} else if verr != nil {
		res.Error = verr.Error()
	}
	res.OK = verr == nil
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(res)
	} else if res.OK {
		fmt.Fprintf(stdout, "audit chain ok: %d events verified (server holds through %d, %d not yet uploaded)\n", res.Events, res.AckedThrough, res.Unacked)
	} else if res.BrokenAt > 0 {
		fmt.Fprintf(stdout, "audit chain BROKEN at seq %d (%s): %d events before it verified\n%s\n", res.BrokenAt, res.Reason, res.Events, res.Error)
	} else {
		fmt.Fprintf(stdout, "audit chain could not be read: %s\n", res.Error)
	}
	if !*asJSON {
		printChain(stdout, res)
	}
	if !res.OK {
		return exitFailure
	}
	return exitOK
}

// printChain names the current chain and, if a recovery started it, the
// restart: which chain it replaced and what was kept of that one.
func printChain(w io.Writer, res diagAuditResult) {
	if res.Chain == "" {
		return
	}
	fmt.Fprintf(w, "chain %s", res.Chain)
	if r := res.Restart; r != nil {
		prev := r.PreviousChainID
		if prev == "" {
			prev = "(unknown: the recovery could not read it)"
		}
		fmt.Fprintf(w, ": restarted (%s) at %s; the previous chain %s was kept through seq %d",
			r.Reason, r.At.Format(time.RFC3339), prev, r.PreviousLastSeq)
	}
	fmt.Fprintln(w)
	if res.EarlierToUpload > 0 {
		fmt.Fprintf(w, "%d earlier chain(s) still to upload before this one\n", res.EarlierToUpload)
	}
}
