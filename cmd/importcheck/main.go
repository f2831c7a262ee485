// Command importcheck enforces ARCHITECTURE.md's table of who may import
// whom. It runs `go list -json` over the module and fails when a package
// imports (directly, or through anything it imports) what its rule forbids,
// or imports directly a module its rule does not allow.
//
//	go run ./cmd/importcheck [packages]   (default ./...)
//	go run ./cmd/importcheck -table        the rules as the Markdown table
//	                                       docs/architecture.md holds
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
)

const module = "github.com/pudong-community/kiosk"

// Package is what importcheck needs of `go list -json`.
type Package struct {
	ImportPath string
	Imports    []string // direct, non-test
	Deps       []string // transitive, non-test
}

// Rule says what the packages under Prefix may import directly and must not
// reach at all. Paths are module-relative ("kiosk/store") or external
// ("fyne.io/fyne/v2"); "std" is the standard library. A path matches itself
// and everything below it.
type Rule struct {
	Prefix   string
	Allow    []string
	Forbid   []string // neither directly nor through other packages
	Direct   []string // not directly (tarm/serial: only through serialport)
	Why      string
	OnlyThis bool // the rule applies to Prefix itself, not its subpackages
}

// sqlite, fyne and friends, as import paths.
const (
	fyne      = "fyne.io/fyne/v2"
	fyneApp   = "fyne.io/fyne/v2/app"
	sqlite    = "github.com/mattn/go-sqlite3"
	serial    = "github.com/tarm/serial"
	qrcode    = "github.com/skip2/go-qrcode"
	xtext     = "golang.org/x/text"
	ximage    = "golang.org/x/image"
	pty       = "github.com/creack/pty"
	toml      = "github.com/BurntSushi/toml"
	xcrypto   = "golang.org/x/crypto"
	xsys      = "golang.org/x/sys"
	databases = "database/sql"
)

// Rules, most specific first: the first whose prefix matches decides.
var Rules = []Rule{
	{Prefix: "cmd", Allow: []string{"*"}, Why: "commands wire everything"},
	{Prefix: "internal", Allow: []string{"std", "internal/..."}, Forbid: []string{"kiosk", "devices", "cmd", "assets", fyne, sqlite, databases}, Why: "leaf helpers every tree may share (GB 11643 check, clock and sleep): the standard library only"},
	{Prefix: "devices/serialport", Allow: []string{"std", serial, xsys}, Forbid: []string{"kiosk", fyne, sqlite, databases}, Why: "the only importer of tarm/serial"},
	{Prefix: "devices/sim", Allow: []string{"std", xtext, ximage, qrcode, "assets", "devices/...", "internal/...", pty}, Forbid: []string{"kiosk", fyne, sqlite, databases}, Direct: []string{serial}, Why: "device emulators"},
	{Prefix: "devices/devicetest", Allow: []string{"std", pty, xsys, "devices/serialport"}, Forbid: []string{"kiosk", fyne, sqlite, databases}, Direct: []string{serial}, Why: "test helpers for drivers"},
	{Prefix: "devices/handwriting", Allow: []string{"std"}, Forbid: []string{"kiosk", fyne, sqlite, databases, "assets"}, Direct: []string{serial}, Why: "the handwriting recogniser: the only cgo to libzinnia"},
	{Prefix: "devices", Allow: []string{"std", xtext, ximage, qrcode, "devices/...", "internal/..."}, Forbid: []string{"kiosk", fyne, sqlite, databases, "assets"}, Direct: []string{serial}, Why: "devices know nothing of the kiosk"},
	{Prefix: "kiosk/visit", Allow: []string{"std", "kiosk", "kiosk/visit", "internal/..."}, Forbid: []string{fyne, sqlite, databases, "devices", "kiosk/store", "kiosk/intake", "kiosk/ui"}, Why: "the visit machine is pure"},
	{Prefix: "kiosk/audit", Allow: []string{"std", "kiosk", "kiosk/audit"}, Forbid: []string{fyne, sqlite, databases, "devices", "kiosk/ui"}, Why: "the audit chain is pure; the store keeps it"},
	{Prefix: "kiosk/maint", Allow: []string{"std", "kiosk", "kiosk/audit", "kiosk/config", "kiosk/logfile", xcrypto}, Forbid: []string{fyne, sqlite, databases, "devices", "kiosk/ui"}, Why: "maintenance logic: PIN, lockout, bundle"},
	{Prefix: "kiosk/logfile", Allow: []string{"std", "kiosk", xtext}, Forbid: []string{fyne, sqlite, databases, "devices", "kiosk/ui"}, Why: "logs with redaction; NFKC folding from x/text"},
	{Prefix: "kiosk/config", Allow: []string{"std", toml}, Forbid: []string{fyne, sqlite, databases, "devices", "kiosk/ui"}, Why: "configuration"},
	{Prefix: "kiosk/store", Allow: []string{"std", "kiosk", "kiosk/audit", sqlite, xcrypto, xtext}, Forbid: []string{fyne, "devices", "kiosk/ui", "kiosk/intake"}, Why: "the only SQLite code"},
	{Prefix: "kiosk/intake/intakesim", Allow: []string{"std", "kiosk", "kiosk/intake", sqlite}, Forbid: []string{fyne, "devices", "kiosk/ui", "kiosk/store"}, Why: "the development server keeps its own database"},
	{Prefix: "kiosk/intake", Allow: []string{"std", "kiosk"}, Forbid: []string{fyne, "devices", sqlite, databases}, Why: "the HTTP client of the central API"},
	{Prefix: "kiosk/outbox/e2e/crashkid", Allow: []string{"std", "kiosk/..."}, Forbid: []string{fyne, "kiosk/ui"}, Direct: []string{sqlite, databases}, Why: "the crash child starts the terminal as production does, through kiosk/terminal"},
	{Prefix: "kiosk/outbox/e2e", Allow: []string{"std", "kiosk/...", sqlite}, Forbid: []string{fyne, "devices", "kiosk/ui"}, Why: "end-to-end tests of the relay and their crash child"},
	{Prefix: "kiosk/outbox", Allow: []string{"std", "kiosk", "kiosk/store", "kiosk/intake", "internal/..."}, Forbid: []string{fyne, "devices", "kiosk/ui"}, Why: "the relay over the store and the API client"},
	{Prefix: "kiosk/backend", Allow: []string{"std", "kiosk", "kiosk/audit", "kiosk/store", "kiosk/intake", qrcode}, Forbid: []string{fyne, "devices", "kiosk/ui"}, Why: "the services behind the screens, over store, outbox and API client"},
	{Prefix: "kiosk/receipt", Allow: []string{"std", "kiosk", "devices/escpos", qrcode, "assets", xtext, ximage}, Forbid: []string{fyne, sqlite, databases, "devices/printer", "devices/serialport", "devices/idcard", serial}, Why: "a receipt as data, bytes and a picture"},
	{Prefix: "kiosk/voice", Allow: []string{"std", "kiosk", "assets"}, Forbid: []string{fyne, sqlite, databases, "devices", "kiosk/ui", "kiosk/store"}, Why: "spoken prompts: words, synthesis, cache and playback; no Fyne"},
	{Prefix: "kiosk/terminal", Allow: []string{"std", "kiosk/...", "devices/...", "assets", "internal/..."}, Forbid: []string{fyne, "kiosk/ui"}, Direct: []string{sqlite, databases, serial}, Why: "the one assembly of a running terminal: no Fyne, no screens, no SQL of its own"},
	{Prefix: "kiosk/ui", Allow: []string{"std", "kiosk", "kiosk/visit", "kiosk/maint", "assets", fyne, xtext, ximage}, Forbid: []string{fyneApp, sqlite, databases, "devices", "kiosk/store", "kiosk/intake", "kiosk/outbox"}, Why: "the screens talk to the rest through interfaces; cmd makes the Fyne app"},
	{Prefix: "kiosk", OnlyThis: true, Allow: []string{"std", "internal/gb11643"}, Forbid: []string{fyne, sqlite, databases, "devices"}, Why: "domain types"},
	{Prefix: "kiosk", Allow: []string{"std", "kiosk", "kiosk/audit", "kiosk/visit"}, Forbid: []string{fyne, sqlite, databases, "devices"}, Why: "application packages and their test fakes"},
	{Prefix: "assets", Allow: []string{"std"}, Forbid: []string{"kiosk", "devices", fyne, sqlite}, Why: "embedded files"},
}

// Violation is one broken rule.
type Violation struct {
	Package, Import, Reason string
}

func (v Violation) String() string {
	return fmt.Sprintf("%s imports %s: %s", v.Package, v.Import, v.Reason)
}

func rel(path string) string {
	if path == module {
		return ""
	}
	return strings.TrimPrefix(path, module+"/")
}

func isStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

func matches(path, pattern string) bool {
	return path == pattern || strings.HasPrefix(path, pattern+"/")
}

func ruleFor(pkg string) (Rule, bool) {
	for _, r := range Rules {
		if r.OnlyThis {
			if pkg == r.Prefix {
				return r, true
			}
			continue
		}
		if matches(pkg, r.Prefix) {
			return r, true
		}
	}
	return Rule{}, false
}

// Check applies the rules to the packages.
func Check(pkgs []Package) []Violation {
	var out []Violation
	for _, p := range pkgs {
		name := rel(p.ImportPath)
		r, ok := ruleFor(name)
		if !ok {
			out = append(out, Violation{name, "-", "no rule in importcheck covers this package; add one (and to ARCHITECTURE)"})
			continue
		}
		for _, dep := range p.Deps {
			d := dep
			if strings.HasPrefix(dep, module+"/") || dep == module {
				d = rel(dep)
				if d == "" {
					d = "."
				}
			}
			for _, f := range r.Forbid {
				if matches(d, f) {
					via := "directly"
					if !contains(p.Imports, dep) {
						via = "through its imports"
					}
					out = append(out, Violation{name, d, fmt.Sprintf("forbidden (%s): %s", via, r.Why)})
				}
			}
		}
		for _, imp := range p.Imports {
			for _, f := range r.Direct {
				if matches(imp, f) {
					out = append(out, Violation{name, imp, "forbidden here (only its own package may import it): " + r.Why})
				}
			}
			if isStd(imp) {
				if !contains(r.Allow, "std") && !contains(r.Allow, "*") {
					out = append(out, Violation{name, imp, "standard library not allowed here"})
				}
				continue
			}
			d := imp
			if strings.HasPrefix(imp, module+"/") {
				d = rel(imp)
			} else if imp == module {
				d = "."
			}
			if !allowed(d, r.Allow) {
				out = append(out, Violation{name, d, "not in the allowed list: " + r.Why})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return dedupe(out)
}

// allowed: an external module allows its packages; a path of this module
// allows just that package, or its whole subtree when written "dir/...".
func allowed(path string, allow []string) bool {
	for _, a := range allow {
		switch {
		case a == "*":
			return true
		case strings.HasSuffix(a, "/..."):
			if matches(path, strings.TrimSuffix(a, "/...")) {
				return true
			}
		case strings.Contains(strings.SplitN(a, "/", 2)[0], "."):
			if matches(path, a) {
				return true
			}
		case path == a:
			return true
		}
	}
	return false
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func dedupe(vs []Violation) []Violation {
	var out []Violation
	for i, v := range vs {
		if i > 0 && v == vs[i-1] {
			continue
		}
		out = append(out, v)
	}
	return out
}

// List runs go list over the patterns.
func List(patterns []string) ([]Package, error) {
	args := append([]string{"list", "-json=ImportPath,Imports,Deps"}, patterns...)
	cmd := exec.Command("go", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %v: %s", err, stderr.String())
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	var pkgs []Package
	for {
		var p Package
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return nil, err
		}
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
}

// Table renders the rules as the Markdown table of docs/architecture.md
// (a test keeps the two equal).
func Table() string {
	var b strings.Builder
	b.WriteString("| packages | may import directly | must not reach | why |\n")
	b.WriteString("| --- | --- | --- | --- |\n")
	code := func(xs []string) string {
		if len(xs) == 0 {
			return "-"
		}
		q := make([]string, len(xs))
		for i, x := range xs {
			q[i] = "`" + x + "`"
		}
		return strings.Join(q, ", ")
	}
	for _, r := range Rules {
		prefix := "`" + r.Prefix + "/...`"
		if r.OnlyThis {
			prefix = "`" + r.Prefix + "` (root only)"
		}
		forbid := code(r.Forbid)
		if len(r.Direct) > 0 {
			forbid += "; not directly: " + code(r.Direct)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", prefix, code(r.Allow), forbid, r.Why)
	}
	return b.String()
}

func main() {
	if len(os.Args) == 2 && os.Args[1] == "-table" {
		fmt.Print(Table())
		return
	}
	patterns := os.Args[1:]
	if len(patterns) == 0 {
		patterns = []string{"./..."}
	}
	pkgs, err := List(patterns)
	if err != nil {
		fmt.Fprintln(os.Stderr, "importcheck:", err)
		os.Exit(2)
	}
	vs := Check(pkgs)
	for _, v := range vs {
		fmt.Fprintln(os.Stderr, "importcheck:", v)
	}
	if len(vs) > 0 {
		fmt.Fprintf(os.Stderr, "importcheck: %d violation(s) of ARCHITECTURE.md's import rules\n", len(vs))
		os.Exit(1)
	}
	fmt.Printf("importcheck: %d packages follow the import rules\n", len(pkgs))
}
