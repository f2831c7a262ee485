package main

import (
	"strings"
	"testing"
)

func pkg(path string, imports []string, deps ...string) Package {
	return Package{ImportPath: module + "/" + path, Imports: imports, Deps: append(append([]string{}, imports...), deps...)}
}

func TestCheckCatchesForbiddenImports(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		p    Package
		want string // substring of the violation; "" = none
	}{
		{"devices reaching Fyne", pkg("devices/idcard", []string{"fmt", "fyne.io/fyne/v2/widget"}), "devices/idcard imports fyne.io/fyne/v2/widget: forbidden"},
		{"devices reaching kiosk", pkg("devices/printer", []string{module + "/kiosk"}), "devices/printer imports kiosk: forbidden"},
		{"ui reaching sqlite", pkg("kiosk/ui", []string{"github.com/mattn/go-sqlite3"}), "kiosk/ui imports github.com/mattn/go-sqlite3: forbidden"},
		{"ui reaching the fyne app", pkg("kiosk/ui", []string{"fyne.io/fyne/v2/app"}), "kiosk/ui imports fyne.io/fyne/v2/app: forbidden"},
		{"ui reaching sqlite through the store", pkg("kiosk/ui", []string{module + "/kiosk/store"}, "github.com/mattn/go-sqlite3"), "go-sqlite3: forbidden (through its imports)"},
		{"serial outside serialport", pkg("devices/idcard", []string{"github.com/tarm/serial"}), "devices/idcard imports github.com/tarm/serial: forbidden"},
		{"visit reaching sql", pkg("kiosk/visit", []string{"database/sql"}), "kiosk/visit imports database/sql: forbidden"},
		{"kiosk root importing a module", pkg("kiosk", []string{"github.com/google/uuid"}), "not in the allowed list"},
		{"receipt reaching the driver", pkg("kiosk/receipt", []string{module + "/devices/printer"}), "kiosk/receipt imports devices/printer: forbidden"},
		{"unknown package", pkg("tools/x", []string{"fmt"}), "no rule"},
		{"fine: ui with fyne widget", pkg("kiosk/ui", []string{"fyne.io/fyne/v2/widget", module + "/kiosk", module + "/assets"}), ""},
		{"fine: serialport with serial", pkg("devices/serialport", []string{"github.com/tarm/serial", "io"}), ""},
		{"fine: sim with assets", pkg("devices/sim/thermal", []string{module + "/assets", "github.com/skip2/go-qrcode"}), ""},
		{"internal reaching kiosk", pkg("internal/clock", []string{module + "/kiosk"}), "internal/clock imports kiosk: forbidden"},
		{"internal importing a module", pkg("internal/gb11643", []string{"golang.org/x/text"}), "not in the allowed list"},
		{"kiosk root importing the clock", pkg("kiosk", []string{module + "/internal/clock"}), "not in the allowed list"},
		{"fine: kiosk root with the GB 11643 check", pkg("kiosk", []string{"strings", module + "/internal/gb11643"}), ""},
		{"fine: a driver with the clock", pkg("devices/printer", []string{module + "/internal/clock"}), ""},
		{"fine: cmd with anything", pkg("cmd/kiosk", []string{"fyne.io/fyne/v2/app", "github.com/mattn/go-sqlite3"}), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			vs := Check([]Package{tc.p})
			if tc.want == "" {
				if len(vs) > 0 {
					t.Errorf("unexpected violations: %v", vs)
				}
				return
			}
			for _, v := range vs {
				if strings.Contains(v.String(), tc.want) {
					return
				}
			}
			t.Errorf("no violation containing %q; got %v", tc.want, vs)
		})
	}
}

// The real module follows its own rules.
func TestModuleFollowsTheRules(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list over the module")
	}
	pkgs, err := List([]string{module + "/..."})
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) < 5 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	for _, v := range Check(pkgs) {
		t.Error(v)
	}
}
