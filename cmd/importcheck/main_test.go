package main

import (
	"os"
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
		{"terminal reaching Fyne", pkg("kiosk/terminal", []string{module + "/kiosk/store"}, "fyne.io/fyne/v2"), "kiosk/terminal imports fyne.io/fyne/v2: forbidden (through its imports)"},
		{"terminal importing the screens", pkg("kiosk/terminal", []string{module + "/kiosk/ui"}), "kiosk/terminal imports kiosk/ui: forbidden"},
		{"terminal with SQL of its own", pkg("kiosk/terminal", []string{"database/sql"}), "kiosk/terminal imports database/sql: forbidden here"},
		{"crash child reaching the screens", pkg("kiosk/outbox/e2e/crashkid", []string{module + "/kiosk/terminal"}, module+"/kiosk/ui"), "crashkid imports kiosk/ui: forbidden"},
		{"voice reaching Fyne", pkg("kiosk/voice", []string{"fyne.io/fyne/v2"}), "kiosk/voice imports fyne.io/fyne/v2: forbidden"},
		{"unknown package", pkg("tools/x", []string{"fmt"}), "no rule"},
		{"fine: ui with fyne widget", pkg("kiosk/ui", []string{"fyne.io/fyne/v2/widget", module + "/kiosk", module + "/assets"}), ""},
		{"fine: serialport with serial", pkg("devices/serialport", []string{"github.com/tarm/serial", "io"}), ""},
		{"fine: sim with assets", pkg("devices/sim/thermal", []string{module + "/assets", "github.com/skip2/go-qrcode"}), ""},
		{"fine: terminal over store, drivers and assets", pkg("kiosk/terminal", []string{module + "/kiosk/store", module + "/kiosk/outbox", module + "/devices/idcard", module + "/devices/serialport", module + "/assets", "net/http"}, "github.com/mattn/go-sqlite3", "github.com/tarm/serial"), ""},
		{"fine: crash child through the terminal", pkg("kiosk/outbox/e2e/crashkid", []string{module + "/kiosk/terminal", module + "/kiosk/outbox/e2e"}, module+"/devices/idcard", "github.com/mattn/go-sqlite3"), ""},
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

// TestArchitectureDocHasTheRules keeps docs/architecture.md's import table
// equal to the rules this command enforces.
func TestArchitectureDocHasTheRules(t *testing.T) {
	b, err := os.ReadFile("../../docs/architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	const start, end = "keep it equal -->\n", "<!-- end of importcheck table -->"
	i, j := strings.Index(doc, start), strings.Index(doc, end)
	if i < 0 || j < i {
		t.Fatalf("docs/architecture.md has no importcheck table between %q and %q", start, end)
	}
	if got, want := doc[i+len(start):j], Table(); got != want {
		t.Errorf("docs/architecture.md's import table differs from importcheck's rules; regenerate it with `go run ./cmd/importcheck -table`\n got:\n%s\nwant:\n%s", got, want)
	}
}

func TestTableListsEveryRule(t *testing.T) {
	tab := Table()
	for _, r := range Rules {
		if !strings.Contains(tab, "`"+r.Prefix) || !strings.Contains(tab, r.Why) {
			t.Errorf("the table leaves out the rule for %s", r.Prefix)
		}
	}
}
