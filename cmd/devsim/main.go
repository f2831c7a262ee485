// Command devsim runs the simulated ID card reader (SAM module) and receipt
// printer on pseudo-terminals, standalone, and renders captured printer byte
// streams offline.
//
//	devsim idcard [flags]          SAM module emulator on a pseudo-terminal
//	devsim printer [flags]         ESC/POS printer emulator on a pseudo-terminal
//	devsim render IN.bin OUT.png   render a captured ESC/POS stream to a picture
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
)

type subcommand struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

var subcommands = map[string]subcommand{}

func register(name, summary string, run func(args []string, stdout, stderr io.Writer) int) {
	if _, dup := subcommands[name]; dup {
		panic("devsim: subcommand registered twice: " + name)
	}
	subcommands[name] = subcommand{summary: summary, run: run}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(stdout, "usage: devsim SUBCOMMAND [flags]")
		names := make([]string, 0, len(subcommands))
		for n := range subcommands {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(stdout, "  %-8s %s\n", n, subcommands[n].summary)
		}
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := subcommands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "devsim: unknown subcommand %q\n", args[0])
		return 2
	}
	return c.run(args[1:], stdout, stderr)
}
