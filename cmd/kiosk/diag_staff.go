package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/config"
	"github.com/pudong-community/kiosk/kiosk/maint"
	"github.com/pudong-community/kiosk/kiosk/terminal"
)

func init() {
	registerDiag("staff-card-hash", "read staff ID numbers from stdin, one a line, and print their keyed hashes for maintenance.staff_cards", runDiagStaffCardHash)
}

// runDiagStaffCardHash is `kiosk diag staff-card-hash [--config FILE]`:
// the ID numbers come on stdin (never as arguments, which ps and the
// shell history keep). The hash is keyed by this terminal's sealing key,
// so it is made on the terminal that will read the card.
func runDiagStaffCardHash(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("kiosk diag staff-card-hash", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "configuration file (default: first of the standard places)")
	if code, stop := parseFlags(fs, args, stdout); stop {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(stderr, "kiosk diag staff-card-hash: the ID numbers are read from stdin, not from arguments")
		return exitUsage
	}
	cfg, _, err := config.Load(*cfgPath)
	if err != nil && !errors.Is(err, config.ErrNotFound) {
		fmt.Fprintf(stderr, "kiosk diag staff-card-hash: %v\n", err)
		return exitFailure
	}
	key, err := terminal.SealKey(cfg, false)
	if err != nil {
		fmt.Fprintf(stderr, "kiosk diag staff-card-hash: the sealing key keys the hashes: %v\n", err)
		return exitFailure
	}
	cardKey := maint.StaffCardKey(key)
	sc := bufio.NewScanner(io.LimitReader(diagStdin, 64<<10))
	n := 0
	for sc.Scan() {
		id := strings.ToUpper(strings.TrimSpace(sc.Text()))
		if id == "" {
			continue
		}
		n++
		if len(id) != 18 && len(id) != 15 {
			fmt.Fprintf(stderr, "kiosk diag staff-card-hash: line %d: not an ID number of 15 or 18 characters\n", n)
			return exitFailure
		}
		fmt.Fprintf(stdout, "%q, # %s\n", maint.StaffCardHash(cardKey, id), kiosk.MaskID(id))
	}
	if n == 0 {
		fmt.Fprintln(stderr, "kiosk diag staff-card-hash: no ID number on stdin")
		return exitFailure
	}
	return exitOK
}
