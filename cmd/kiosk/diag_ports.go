package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"time"

	"github.com/pudong-community/kiosk/devices/idcard"
	"github.com/pudong-community/kiosk/devices/serialport"
)

func init() {
	registerDiag("ports", "probe every serial port for a SAM ID card module (and at what baud)", runDiagPorts)
}

// diagBauds are the rates a SAM module can be set to, default first.
var diagBauds = []int{115200, 57600, 38400, 19200, 9600}

type portProbe struct {
	Port    string `json:"port"`
	Device  string `json:"device,omitempty"` // where a by-id link points
	SAM     bool   `json:"sam_module"`
	Baud    int    `json:"baud,omitempty"`
	SAMID   string `json:"sam_id,omitempty"`
	Result  string `json:"result"`
	Skipped bool   `json:"skipped,omitempty"`
}

type multiFlag []string

func (m *multiFlag) String() string     { return fmt.Sprint(*m) }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

func runDiagPorts(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("kiosk diag ports", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print a JSON array on stdout")
	timeout := fs.Duration("timeout", 300*time.Millisecond, "answer timeout per baud")
	var skip multiFlag
	fs.Var(&skip, "skip", "do not probe this port (repeatable), e.g. the receipt printer")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `usage: kiosk diag ports [--json] [--timeout 300ms] [--skip PORT]... [PORT...]
Probes the given ports, or every candidate serial port, with the SAM status
command at each baud. Other devices receive a few bytes of it: skip the
receipt printer's port if it might print them.`)
	}
	if code, stop := parseFlags(fs, args, stdout); stop {
		return code
	}
	if *timeout <= 0 {
		fs.Usage()
		return exitUsage
	}
	ports := fs.Args()
	if len(ports) == 0 {
		ports = serialport.Candidates()
	}
	var results []portProbe
	seen := map[string]bool{}
	found := false
	for _, p := range ports {
		res := portProbe{Port: p}
		dev, err := filepath.EvalSymlinks(p)
		if err == nil && dev != p {
			res.Device = dev
		}
		if err == nil && seen[dev] {
			res.Skipped, res.Result = true, "same device as another port"
			results = append(results, res)
			continue
		}
		seen[dev] = true
		if slices.Contains(skip, p) || slices.Contains(skip, dev) {
			res.Skipped, res.Result = true, "skipped"
			results = append(results, res)
			continue
		}
		probePort(&res, *timeout)
		found = found || res.SAM
		results = append(results, res)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if results == nil {
			results = []portProbe{}
		}
		enc.Encode(results)
	} else {
		if len(results) == 0 {
			fmt.Fprintln(stdout, "没有串口 no serial ports found")
		}
		for _, r := range results {
			name := r.Port
			if r.Device != "" {
				name += " -> " + r.Device
			}
			fmt.Fprintf(stdout, "%-40s %s\n", name, r.Result)
		}
	}
	if !found {
		return exitNoAnswer
	}
	return exitOK
}

// probePort asks res.Port at each rate whether a SAM module is on it.
func probePort(res *portProbe, timeout time.Duration) {
	open := func(baud int) (serialport.Port, error) { return serialport.Open(res.Port, baud, 100*time.Millisecond) }
	pr := idcard.ProbeBauds(context.Background(), open, diagBauds, timeout)
	switch {
	case pr.Err == nil:
		res.SAM, res.Baud, res.SAMID = true, pr.Baud, idcard.FormatSAMID(pr.SAMID)
		res.Result = fmt.Sprintf("SAM module at %d baud, SAM ID %s (%s)", pr.Baud, res.SAMID, hex.EncodeToString(pr.SAMID))
	case pr.Baud != 0:
		res.Baud = pr.Baud
		res.Result = fmt.Sprintf("SAM module at %d baud, but its SAM is not ready: %v", pr.Baud, pr.Err)
	case errors.Is(pr.Err, idcard.ErrPortGone):
		res.Result = "port failed: " + pr.Err.Error()
	case errors.Is(pr.Err, idcard.ErrNoAnswer):
		res.Result = "no SAM module answers"
	default:
		res.Result = pr.Err.Error()
	}
}

// portOpenError says why a port did not open; a port the running terminal
// holds (serialport.ErrInUse) is named as such: the check does not read
// beside the terminal, it asks staff to stop it first.
func portOpenError(err error) string {
	if errors.Is(err, serialport.ErrInUse) {
		return "端口被终端占用 in use by the terminal: stop it first (systemctl stop kiosk), then run the check again"
	}
	return err.Error()
}
