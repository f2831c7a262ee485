package main

import (
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/pudong-community/kiosk/devices/sim/sammodule"
)

// helpCommands is every command line that takes flags, without the flags:
// each diag subcommand (from the registry, so a new one is covered), the
// demo, check-config and the terminal itself.
func helpCommands() [][]string {
	names := make([]string, 0, len(diagCommands))
	for n := range diagCommands {
		names = append(names, n)
	}
	sort.Strings(names)
	cmds := [][]string{{"demo"}, {"check-config"}, {"-config", "kiosk-test-missing.toml"}}
	for _, n := range names {
		cmds = append(cmds, []string{"diag", n})
	}
	return cmds
}

// Help asked for is an answer, not an error: usage on stdout, nothing on
// stderr, exit 0, for every spelling flag accepts.
func TestEverySubcommandHelpExitsZero(t *testing.T) {
	if len(diagCommands) < 8 {
		t.Fatalf("only %d diag subcommands registered", len(diagCommands))
	}
	for _, cmd := range helpCommands() {
		for _, h := range []string{"--help", "-help", "-h", "--h"} {
			args := append(append([]string(nil), cmd...), h)
			code, out, errs := runCapture(args...)
			if code != exitOK || errs != "" || !strings.Contains(strings.ToLower(out), "usage") {
				t.Errorf("kiosk %s: exit %d, stdout %q, stderr %q; want 0, usage on stdout, empty stderr",
					strings.Join(args, " "), code, out, errs)
			}
		}
	}
}

// A diag subcommand's help names what it does, even one without flags.
func TestDiagHelpSaysWhatItDoes(t *testing.T) {
	code, out, _ := runCapture("diag", "pin-hash", "--help")
	if code != exitOK || !strings.Contains(out, diagCommands["pin-hash"].summary) {
		t.Errorf("diag pin-hash --help: exit %d, stdout %q", code, out)
	}
}

// A wrong flag stays a usage error: exit 2, the complaint and the usage on
// stderr, nothing on stdout.
func TestEverySubcommandWrongFlagExitsTwo(t *testing.T) {
	for _, cmd := range helpCommands() {
		args := append(append([]string(nil), cmd...), "--no-such-flag")
		code, out, errs := runCapture(args...)
		if code != exitUsage || out != "" || !strings.Contains(errs, "no-such-flag") || !strings.Contains(strings.ToLower(errs), "usage") {
			t.Errorf("kiosk %s: exit %d, stdout %q, stderr %q; want 2, the flag and usage on stderr",
				strings.Join(args, " "), code, out, errs)
		}
	}
}

// The subcommand lists: asked for (kiosk help, kiosk diag help) it is the
// answer on stdout; kiosk diag with nothing after it is a usage error.
func TestCommandListsHelpAndUsage(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}, {"diag", "help"}, {"diag", "--help"}, {"diag", "-h"}, {"diag", "-help"}} {
		code, out, errs := runCapture(args...)
		if code != exitOK || errs != "" || !strings.Contains(out, "usage") {
			t.Errorf("kiosk %s: exit %d, stdout %q, stderr %q", strings.Join(args, " "), code, out, errs)
		}
	}
	code, out, errs := runCapture("diag")
	if code != exitUsage || out != "" || !strings.Contains(errs, "pin-hash") {
		t.Errorf("kiosk diag: exit %d, stdout %q, stderr %q; want 2 and the list on stderr", code, out, errs)
	}
}

// `kiosk demo -help` lists every sample card's key, which `place KEY`
// takes, and the demo's maintenance PIN.
func TestDemoHelpListsTheSampleCards(t *testing.T) {
	code, out, errs := runCapture("demo", "-help")
	if code != 0 || errs != "" {
		t.Fatalf("code %d, stderr %q", code, errs)
	}
	for _, c := range sammodule.Samples() {
		if !strings.Contains(out, c.Key) {
			t.Errorf("demo -help does not list the sample card %q", c.Key)
		}
	}
	if !strings.Contains(out, demoPIN) {
		t.Error("demo -help does not give the demo PIN")
	}
	if !strings.Contains(out, "staff card \""+demoStaffCardKey+"\"") {
		t.Error("demo -help does not name the demo staff card")
	}
}

// The README gives newcomers the demo's PIN and staff card: the ones the
// demo sets.
func TestReadmeGivesTheDemoPINAndStaffCard(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	if !strings.Contains(readme, "PIN **"+demoPIN+"**") {
		t.Errorf("the README does not give the demo PIN %s", demoPIN)
	}
	if !strings.Contains(readme, "`place "+demoStaffCardKey+"`") {
		t.Errorf("the README does not name the demo staff card %q", demoStaffCardKey)
	}
}
