package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"sync"

	"fyne.io/fyne/v2"

	"github.com/pudong-community/kiosk/devices/sim/sammodule"
	"github.com/pudong-community/kiosk/kiosk/config"
	"github.com/pudong-community/kiosk/kiosk/maint"
	"github.com/pudong-community/kiosk/kiosk/store"
	"github.com/pudong-community/kiosk/kiosk/ui"
)

// demoPIN opens maintenance in the demo (never in production: the terminal
// has no PIN until staff set one). The simulator window and the README show it.
const demoPIN = "258036"

// demoPINHash hashes the demo PIN with light parameters: the demo starts
// quickly and the hash is thrown away with its data directory.
func demoPINHash() (string, error) {
	return maint.HashPIN(demoPIN, maint.Params{Time: 1, Memory: 8 * 1024, Threads: 1, KeyLen: 32, SaltLen: 16})
}

// demoStaffCardKey is the sample card the demo lists as a staff card
// (maintenance.staff_cards): placed on the reader while the PIN screen
// shows, it waits for the demo PIN and opens a session under the card.
const demoStaffCardKey = "staff"

// addDemoStaffCard lists the demo staff card in cfg's maintenance.staff_cards
// as a real terminal lists one: its keyed hash ("hmac-sha256:", keyed by
// the terminal's sealing key, as `kiosk diag staff-card-hash` prints it).
// The sealing key is made here, in the demo's throwaway data directory,
// where the terminal then finds it.
func addDemoStaffCard(cfg *config.Config) error {
	c, ok := sammodule.Sample(demoStaffCardKey)
	if !ok {
		return fmt.Errorf("the sample card %q is missing", demoStaffCardKey)
	}
	key, err := store.LoadOrCreateKey(cfg.KeyFilePath())
	if err != nil {
		return err
	}
	cfg.Maintenance.StaffCards = append(cfg.Maintenance.StaffCards, maint.StaffCardHash(maint.StaffCardKey(key), c.IDNumber))
	return nil
}

// demoUsage is `kiosk demo -help`: the flags, the sample cards the
// simulator and "place KEY" offer, and the demo's maintenance PIN.
func demoUsage(fs *flag.FlagSet) {
	out := fs.Output()
	fmt.Fprintln(out, "usage: kiosk demo [flags]")
	fs.PrintDefaults()
	fmt.Fprintln(out, "\nsample cards (the simulator's buttons; `place KEY` on -control-stdin):")
	for _, c := range sammodule.Samples() {
		fmt.Fprintf(out, "  %-16s %s — %s\n", c.Key, c.Name, c.Description)
	}
	fmt.Fprintf(out, "\nmaintenance: five quick taps on the centre's name, then the demo PIN %s;\n", demoPIN)
	fmt.Fprintf(out, "or five taps, the staff card %q on the reader (the simulator's button; `place %s`), then the PIN\n", demoStaffCardKey, demoStaffCardKey)
}

// screenReply is the demo's answer to the control input's "inspect": the
// screen shown and what it shows, read from the widgets (ui.Inspect), so a
// scripted walk finds what to tap and checks a screen's own words without
// reading pixels. One JSON line on standard output, prefixed "inspect ".
type screenReply struct {
	Screen  string      `json:"screen"`
	Scale   float32     `json:"scale"` // pixels per unit of Pos and Size
	Targets []ui.Target `json:"targets"`
}

// inspector answers "inspect" lines for the demo's control input.
type inspector struct {
	mu  sync.Mutex
	app *ui.App
	out io.Writer
}

func (in *inspector) set(a *ui.App) {
	in.mu.Lock()
	in.app = a
	in.mu.Unlock()
}

func (in *inspector) inspect() error {
	in.mu.Lock()
	a, out := in.app, in.out
	in.mu.Unlock()
	if a == nil {
		return fmt.Errorf("the terminal's window is not up yet")
	}
	var rep screenReply
	fyne.DoAndWait(func() {
		rep.Screen = a.Current().Name()
		rep.Scale = a.Window().Canvas().Scale()
		rep.Targets = ui.Inspect(a.Window())
	})
	b, err := json.Marshal(rep)
	if err != nil {
		return err
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	_, err = fmt.Fprintf(out, "inspect %s\n", b)
	return err
}
