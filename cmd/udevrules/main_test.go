package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The packaged template is exactly what the generator writes for the
// default devices, so the two never drift apart.
func TestPackagedTemplate(t *testing.T) {
	t.Parallel()
	want, err := os.ReadFile(filepath.Join("..", "..", "packaging", "99-kiosk.rules"))
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"--idcard", "1a86:7523", "--printer", "0483:5720"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if out.String() != string(want) {
		t.Errorf("packaging/99-kiosk.rules differs from the generator's output:\n%s", out.String())
	}
}

func TestRun(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		args    []string
		code    int
		want    []string // lines that must be in stdout
		wantErr string   // substring of stderr
		notWant string
	}{
		{"upper case ids", []string{"--idcard", "1A86:7523", "--printer", "0483:5720"}, 0,
			[]string{`SUBSYSTEM=="tty", ATTRS{idVendor}=="1a86", ATTRS{idProduct}=="7523", SYMLINK+="kiosk-idcard", GROUP="kiosk", MODE="0660", TAG+="systemd"`}, "", "ATTRS{serial}"},
		{"serials", []string{"--idcard", "1a86:7523", "--printer", "1a86:7523", "--idcard-serial", "A1", "--printer-serial", "B-2"}, 0,
			[]string{
				`SUBSYSTEM=="tty", ATTRS{idVendor}=="1a86", ATTRS{idProduct}=="7523", ATTRS{serial}=="A1", SYMLINK+="kiosk-idcard", GROUP="kiosk", MODE="0660", TAG+="systemd"`,
				`SUBSYSTEM=="tty", ATTRS{idVendor}=="1a86", ATTRS{idProduct}=="7523", ATTRS{serial}=="B-2", SYMLINK+="kiosk-printer", GROUP="kiosk", MODE="0660", TAG+="systemd"`,
			}, "", ""},
		{"group", []string{"--idcard", "1a86:7523", "--printer", "0483:5720", "--group", "dialout"}, 0,
			[]string{`SUBSYSTEM=="tty", ATTRS{idVendor}=="0483", ATTRS{idProduct}=="5720", SYMLINK+="kiosk-printer", GROUP="dialout", MODE="0660", TAG+="systemd"`}, "", `GROUP="kiosk"`},
		{"same ids", []string{"--idcard", "1a86:7523", "--printer", "1a86:7523"}, 2, nil, "same USB id", ""},
		{"missing printer", []string{"--idcard", "1a86:7523"}, 2, nil, "usage:", ""},
		{"bad id", []string{"--idcard", "1a86-7523", "--printer", "0483:5720"}, 2, nil, "udevrules: bad USB id", ""},
		{"short id", []string{"--idcard", "1a86:752", "--printer", "0483:5720"}, 2, nil, "udevrules: bad USB id", ""},
		{"quote in serial", []string{"--idcard", "1a86:7523", "--printer", "0483:5720", "--printer-serial", `x", RUN+="/bin/sh`}, 2, nil, "udevrules: bad serial", ""},
		{"bad group", []string{"--idcard", "1a86:7523", "--printer", "0483:5720", "--group", "Kiosk Users"}, 2, nil, "udevrules: bad group", ""},
		{"extra args", []string{"--idcard", "1a86:7523", "--printer", "0483:5720", "x"}, 2, nil, "usage:", ""},
		{"unknown flag", []string{"--baud", "9600"}, 2, nil, "flag provided but not defined", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out, errOut bytes.Buffer
			code := run(tc.args, &out, &errOut)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, tc.code, errOut.String())
			}
			lines := strings.Split(out.String(), "\n")
			for _, w := range tc.want {
				found := false
				for _, l := range lines {
					found = found || l == w
				}
				if !found {
					t.Errorf("missing line %s in\n%s", w, out.String())
				}
			}
			if tc.code != 0 && out.Len() != 0 {
				t.Errorf("output on failure: %s", out.String())
			}
			if !strings.Contains(errOut.String(), tc.wantErr) {
				t.Errorf("stderr %q, want %q", errOut.String(), tc.wantErr)
			}
			if tc.notWant != "" && strings.Contains(out.String(), tc.notWant) {
				t.Errorf("output has %q", tc.notWant)
			}
		})
	}
}

func TestWriteFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "99-kiosk.rules")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"--idcard", "1a86:7523", "--printer", "0483:5720", "-o", path}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `SYMLINK+="kiosk-printer"`) || out.Len() != 0 {
		t.Errorf("file %q, stdout %q", b, out.String())
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".udevrules-*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	code := run([]string{"--idcard", "1a86:7523", "--printer", "0483:5720", "-o", filepath.Join(dir, "missing", "x.rules")}, &out, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "udevrules: ") {
		t.Errorf("unwritable: exit %d, %s", code, errOut.String())
	}
}

func TestParseIDErrors(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", ":", "1a86", "1a86:", "g000:0000", "1a86:75231", " 1a86 :7523"} {
		if _, _, err := ParseID(s); !errors.Is(err, ErrBadID) {
			t.Errorf("ParseID(%q) = %v", s, err)
		}
	}
	if v, p, err := ParseID(" 0483:5720\n"); err != nil || v != "0483" || p != "5720" {
		t.Errorf("ParseID with spaces = %s %s %v", v, p, err)
	}
}

// FuzzParseID: any text gives either an id that survives a rule line or
// ErrBadID.
func FuzzParseID(f *testing.F) {
	for _, s := range []string{"1a86:7523", "0483:5720", "1A86:7523", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, p, err := ParseID(s)
		if err != nil {
			if !errors.Is(err, ErrBadID) {
				t.Fatal(err)
			}
			return
		}
		if len(v) != 4 || len(p) != 4 || strings.ContainsAny(v+p, `"\n, `) {
			t.Fatalf("ParseID(%q) = %q %q", s, v, p)
		}
	})
}
