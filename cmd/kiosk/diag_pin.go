package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/pudong-community/kiosk/kiosk/maint"
)

func init() {
	registerDiag("pin-hash", "read a maintenance PIN from stdin and print its argon2id hash for maintenance.pin_hash", runDiagPINHash)
}

// diagStdin is where pin-hash reads; tests replace it.
var diagStdin io.Reader = os.Stdin

// runDiagPINHash is `kiosk diag pin-hash`: the PIN comes on stdin (never
// on the command line, where ps and the shell history would see it).
func runDiagPINHash(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("kiosk diag pin-hash", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if code, stop := parseFlags(fs, args, stdout); stop {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(stderr, "kiosk diag pin-hash: the PIN is read from stdin, not from arguments")
		return exitUsage
	}
	line, err := bufio.NewReader(io.LimitReader(diagStdin, 256)).ReadString('\n')
	if err != nil && err != io.EOF {
		fmt.Fprintf(stderr, "kiosk diag pin-hash: %v\n", err)
		return exitFailure
	}
	pin := strings.TrimRight(line, "\r\n")
	h, err := maint.HashPIN(pin, maint.DefaultParams)
	if err != nil {
		fmt.Fprintf(stderr, "kiosk diag pin-hash: %v\n", err)
		return exitFailure
	}
	fmt.Fprintln(stdout, h)
	return exitOK
}
