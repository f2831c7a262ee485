// Command kiosk is the 智能社工 self-service terminal.
//
//	kiosk [-config FILE]              run the terminal
//	kiosk demo                        the whole system on one machine, no hardware
//	kiosk diag SUBCOMMAND [flags]     maintenance checks for SSH
//	kiosk check-config FILE           validate a configuration file
//	kiosk version                     print the version
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	_ "github.com/pudong-community/kiosk/cmd/internal/cleanlocale" // before Fyne reads the locale
	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/config"
	"github.com/pudong-community/kiosk/kiosk/terminal"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

// Exit codes shared by the subcommands.
const (
	exitOK       = 0
	exitFailure  = 1
	exitUsage    = 2
	exitNoAnswer = 4
)

// diagCommand is one `kiosk diag NAME` subcommand. Each lives in its own
// diag_NAME.go file and registers itself from init.
type diagCommand struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

var diagCommands = map[string]diagCommand{}

func registerDiag(name, summary string, run func(args []string, stdout, stderr io.Writer) int) {
	if _, dup := diagCommands[name]; dup {
		panic("kiosk: diag command registered twice: " + name)
	}
	diagCommands[name] = diagCommand{summary: summary, run: run}
}

func main() {
	useChinaTime()
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// useChinaTime makes China Standard Time the program's local time zone
// before anything reads the clock, whatever zone the system is set to: a
// fresh Debian install is often on UTC, and a terminal on UTC would show
// and print the wrong time and, from midnight to 8 a.m. in Shanghai,
// yesterday's date on the receipt, beside a local number (already in China
// time) dated today. Logs are written in +08:00 too, as staff read them.
func useChinaTime() { time.Local = kiosk.Zone() }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "version", "-version", "--version":
			fmt.Fprintf(stdout, "kiosk %s\n", version)
			return exitOK
		case "diag":
			return runDiag(args[1:], stdout, stderr)
		case "check-config":
			return runCheckConfig(args[1:], stdout, stderr)
		case "demo":
			return runDemo(args[1:], stdout, stderr)
		case "credentials":
			return runCredentials(args[1:], stdout, stderr)
		case "help", "-h", "-help", "--help":
			usage(stdout)
			return exitOK
		}
	}
	return runTerminal(args, stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, `usage:
  kiosk [-config FILE]            run the terminal
  kiosk demo [-data DIR]          the whole system on one machine, no hardware
  kiosk diag SUBCOMMAND [flags]   maintenance checks (kiosk diag help)
  kiosk check-config FILE         validate a configuration file
  kiosk credentials [-apply]      move the key, token and PIN hash into encrypted systemd credentials
  kiosk version                   print the version`)
}

// deviceDefaultsFromConfig makes the terminal's configured ports and
// profiles the defaults of the device checks, so that staff need no flags
// on a configured terminal. A missing or bad file leaves the built-in
// defaults (the checks that need the configuration report it themselves).
func deviceDefaultsFromConfig(file string) {
	cfg, _, err := config.Load(file)
	if err != nil {
		return
	}
	idcardDefaults.Port, idcardDefaults.Baud = cfg.IDCard.Port, cfg.IDCard.Baud
	printerDefaults.Port, printerDefaults.Profile = cfg.Printer.Port, terminal.PrinterProfile(cfg)
}

func runDiag(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
		// Asked for, the list is the answer (stdout, 0); without a
		// subcommand it is a usage error (stderr, 2).
		w, code := stdout, exitOK
		if len(args) == 0 {
			w, code = stderr, exitUsage
		}
		fmt.Fprintln(w, "usage: kiosk diag SUBCOMMAND [flags]   (kiosk diag SUBCOMMAND --help for its flags)")
		names := make([]string, 0, len(diagCommands))
		for n := range diagCommands {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(w, "  %-10s %s\n", n, diagCommands[n].summary)
		}
		return code
	}
	c, ok := diagCommands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "kiosk diag: unknown subcommand %q (try: kiosk diag help)\n", args[0])
		return exitUsage
	}
	deviceDefaultsFromConfig(os.Getenv("KIOSK_CONFIG"))
	return c.run(args[1:], stdout, stderr)
}
