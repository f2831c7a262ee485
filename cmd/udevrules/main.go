// Command udevrules writes the udev rules that give the terminal's ID card
// reader and receipt printer stable names (/dev/kiosk-idcard,
// /dev/kiosk-printer) by USB vendor and product id.
//
//	udevrules --idcard 1a86:7523 --printer 0483:5720 [-o FILE]
//	          [--idcard-serial S] [--printer-serial S] [--group kiosk]
//
// Installed as kiosk-udevrules. Write to /etc/udev/rules.d/99-kiosk.rules
// (it overrides the packaged defaults of the same name), then
// `udevadm control --reload && udevadm trigger`. See docs/udev.md.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Errors of the command.
var (
	ErrBadID     = errors.New("udevrules: bad USB id (want VVVV:PPPP in hex, as lsusb prints)")
	ErrBadSerial = errors.New("udevrules: bad serial (letters, digits and ._- only)")
	ErrBadGroup  = errors.New("udevrules: bad group name")
	ErrSameID    = errors.New("udevrules: reader and printer have the same USB id; tell them apart with --idcard-serial/--printer-serial")
)

// Device is one USB serial device to name.
type Device struct {
	Link    string // symlink under /dev, e.g. "kiosk-idcard"
	What    string // comment
	Vendor  string // 4 lower-case hex digits
	Product string
	Serial  string // optional ATTRS{serial}
}

// Rules is what the generator writes.
type Rules struct {
	Group   string
	Devices []Device
}

var (
	idRe     = regexp.MustCompile(`^([0-9a-fA-F]{4}):([0-9a-fA-F]{4})$`)
	serialRe = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)
	groupRe  = regexp.MustCompile(`^[a-z_][a-z0-9_-]{0,31}$`)
)

// ParseID parses "VVVV:PPPP" as lsusb prints it.
func ParseID(s string) (vendor, product string, err error) {
	m := idRe.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return "", "", fmt.Errorf("%w: %q", ErrBadID, s)
	}
	return strings.ToLower(m[1]), strings.ToLower(m[2]), nil
}

// Validate checks what would break a rule line or name the wrong device.
func (r Rules) Validate() error {
	if !groupRe.MatchString(r.Group) {
		return fmt.Errorf("%w: %q", ErrBadGroup, r.Group)
	}
	seen := map[string]bool{}
	for _, d := range r.Devices {
		if d.Serial != "" && !serialRe.MatchString(d.Serial) {
			return fmt.Errorf("%w: %s: %q", ErrBadSerial, d.Link, d.Serial)
		}
		key := d.Vendor + ":" + d.Product + "/" + d.Serial
		if seen[key] {
			return ErrSameID
		}
		seen[key] = true
	}
	return nil
}

// Write writes the rules file.
func (r Rules) Write(w io.Writer) error {
	if err := r.Validate(); err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(`# udev rules of the 智能社工 terminal: stable names for its serial devices.
# Written by kiosk-udevrules (docs/udev.md). A file of the same name in
# /etc/udev/rules.d overrides the packaged one in /lib/udev/rules.d.
# Apply with: udevadm control --reload && udevadm trigger --subsystem-match=tty
`)
	for _, d := range r.Devices {
		fmt.Fprintf(&b, "\n# %s\n", d.What)
		fmt.Fprintf(&b, `SUBSYSTEM=="tty", ATTRS{idVendor}=="%s", ATTRS{idProduct}=="%s", `, d.Vendor, d.Product)
		if d.Serial != "" {
			fmt.Fprintf(&b, `ATTRS{serial}=="%s", `, d.Serial)
		}
		fmt.Fprintf(&b, `SYMLINK+="%s", GROUP="%s", MODE="0660", TAG+="systemd"`+"\n", d.Link, r.Group)
	}
	_, err := io.WriteString(w, b.String())
	if err != nil {
		return fmt.Errorf("udevrules: %w", err)
	}
	return nil
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("udevrules", flag.ContinueOnError)
	fs.SetOutput(stderr)
	idcard := fs.String("idcard", "", "USB id of the ID card reader, VVVV:PPPP (lsusb)")
	printer := fs.String("printer", "", "USB id of the receipt printer, VVVV:PPPP (lsusb)")
	idcardSerial := fs.String("idcard-serial", "", "USB serial of the reader (when ids are not unique)")
	printerSerial := fs.String("printer-serial", "", "USB serial of the printer (when ids are not unique)")
	group := fs.String("group", "kiosk", "group owning the devices")
	out := fs.String("o", "", "write to this file instead of standard output")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: udevrules --idcard VVVV:PPPP --printer VVVV:PPPP [-o FILE] [--idcard-serial S] [--printer-serial S] [--group NAME]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 || *idcard == "" || *printer == "" {
		fs.Usage()
		return 2
	}
	r := Rules{Group: *group}
	for _, d := range []struct{ id, serial, link, what string }{
		{*idcard, *idcardSerial, "kiosk-idcard", "ID card reader (SAM module)"},
		{*printer, *printerSerial, "kiosk-printer", "ESC/POS receipt printer"},
	} {
		v, p, err := ParseID(d.id)
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", d.link, err)
			return 2
		}
		r.Devices = append(r.Devices, Device{Link: d.link, What: d.what, Vendor: v, Product: p, Serial: d.serial})
	}
	if err := r.Validate(); err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	if *out == "" {
		if err := r.Write(stdout); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		return 0
	}
	if err := writeFile(*out, r); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}

// writeFile replaces path atomically, so udev never reads half a file.
func writeFile(path string, r Rules) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".udevrules-*")
	if err != nil {
		return fmt.Errorf("udevrules: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := r.Write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("udevrules: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("udevrules: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("udevrules: %w", err)
	}
	return nil
}
