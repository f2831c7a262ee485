package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const smapsSample = `00400000-00e7d000 r-xp 00000000 fe:01 1234 /usr/bin/kiosk
Size:              10720 kB
Rss:               10720 kB
Anonymous:             0 kB
7fac24e00000-7fac2b57c000 r-xp 00000000 fe:01 99 /usr/lib/x86_64-linux-gnu/libLLVM-15.so.1
Size:             105968 kB
Rss:               46740 kB
7fac2b57d000-7fac2bd9b000 rw-p 00000000 fe:01 99 /usr/lib/x86_64-linux-gnu/libLLVM-15.so.1
Rss:                8292 kB
7fac20a06000-7fac211fe000 rw-s 00000000 00:01 5 /SYSV00000000 (deleted)
Rss:                8160 kB
7fac38c90000-7fac39cda000 r-xp 00000000 fe:01 7 /usr/lib/x86_64-linux-gnu/dri/swrast_dri.so
Rss:                5092 kB
7fac4808d000-7fac4819d000 rw-p 00000000 00:00 0
Rss:                1068 kB
7fac9094b000-7fac90aa1000 r-xp 00000000 fe:01 8 /usr/lib/x86_64-linux-gnu/libc.so.6
Rss:                1236 kB
VmFlags: rd ex mr mw me sd
`

func TestParseRenderer(t *testing.T) {
	t.Parallel()
	got, err := parseRenderer(strings.NewReader(smapsSample))
	if want := float64(46740+8292+8160+5092) / 1024; err != nil || got != want {
		t.Errorf("parseRenderer = %v, %v; want %v (LLVM, swrast, the X image; not the binary, libc or anonymous memory)", got, err, want)
	}
	for _, bad := range []string{"", "Rss: 12 kB\n", "7f-8f r-xp 0 fe:01 1 /usr/lib/libLLVM-15.so.1\nRss: many kB\n"} {
		if _, err := parseRenderer(strings.NewReader(bad)); err == nil {
			t.Errorf("parseRenderer(%q): no error", bad)
		}
	}
	own, err := rendererMiB(os.Getpid())
	if err != nil || own != 0 {
		t.Errorf("this test's own renderer share = %v, %v; want 0, nil", own, err)
	}
}

func TestBuildTags(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bin := filepath.Join(dir, "tagged")
	src := filepath.Join(dir, "main.go")
	if err := os.WriteFile(src, []byte("package main\n\nfunc main() {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "build", "-tags", "no_emoji,other", "-o", bin, src)
	cmd.Env = append(os.Environ(), "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	tags, err := buildTags(bin)
	if err != nil || !hasTag(tags, "no_emoji") || !hasTag(tags, "other") || hasTag(tags, "no") {
		t.Errorf("buildTags = %q, %v; want no_emoji and other", tags, err)
	}
	if _, err := buildTags(src); err == nil {
		t.Error("no error for a file that is not a Go binary")
	}
}

// The wrapper hides the font directories from the command it runs, and
// runs it in the same process.
func TestHidingFonts(t *testing.T) {
	if ok, why := canHideFonts(); !ok {
		t.Skipf("cannot hide fonts here: %s", why)
	}
	dir := t.TempDir()
	fonts := filepath.Join(dir, "fonts")
	if err := os.MkdirAll(fonts, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(fonts, "System.ttf"), []byte("a font"), 0o644); err != nil {
		t.Fatal(err)
	}
	probe := filepath.Join(dir, "probe")
	if err := os.WriteFile(probe, []byte("#!/bin/sh\necho pid=$$\nls -A \"$1\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	name, args := hidingFonts(probe, []string{fonts})
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "FONT_DIRS="+fonts+":"+filepath.Join(dir, "absent"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if strings.Contains(string(out), "System.ttf") {
		t.Errorf("the font directory is visible through the wrapper: %s", out)
	}
	if want := "pid=" + strconv.Itoa(cmd.Process.Pid); !strings.Contains(string(out), want) {
		t.Errorf("the command ran as another process: %q, want %s", out, want)
	}
	if b, err := os.ReadFile(filepath.Join(fonts, "System.ttf")); err != nil || string(b) != "a font" {
		t.Errorf("the directory outside the namespace changed: %q, %v", b, err)
	}
}

// The report names the fonts mode the runs had: one that cannot hide the
// fonts (not root) runs and reports them visible.
func TestEffectiveFonts(t *testing.T) {
	t.Parallel()
	want := "visible"
	if ok, _ := canHideFonts(); ok {
		want = "hidden"
	}
	if got := effectiveFonts("hidden"); got != want {
		t.Errorf("effectiveFonts(hidden) = %q, want %q here (euid %d)", got, want, os.Geteuid())
	}
	if got := effectiveFonts("visible"); got != "visible" {
		t.Errorf("effectiveFonts(visible) = %q", got)
	}
}

func TestMeasureRefusesAnUnknownFontsMode(t *testing.T) {
	t.Parallel()
	if _, err := measure(context.Background(), Options{Mode: "run", Fonts: "some"}); !errors.Is(err, ErrFonts) {
		t.Fatalf("err = %v, want ErrFonts", err)
	}
}

// unitSettings are the values of kiosk.service's lines setting key, in order.
func unitSettings(t *testing.T, key string) []string {
	t.Helper()
	unit, err := os.ReadFile(filepath.Join("..", "..", "packaging", "kiosk.service"))
	if err != nil {
		t.Fatal(err)
	}
	var vs []string
	for _, line := range strings.Split(string(unit), "\n") {
		if v, ok := strings.CutPrefix(line, key+"="); ok {
			vs = append(vs, v)
		}
	}
	return vs
}

// The measurement hides what kiosk.service hides, but the user kiosk's own.
func TestFontDirsMatchTheUnit(t *testing.T) {
	t.Parallel()
	var hidden []string
	for _, v := range unitSettings(t, "InaccessiblePaths") {
		for _, p := range strings.Fields(v) {
			p = strings.TrimPrefix(p, "-")
			if !strings.HasPrefix(p, "/var/lib/kiosk/") {
				hidden = append(hidden, p)
			}
		}
	}
	if !slices.Equal(hidden, fontDirs) {
		t.Errorf("kiosk.service hides %q, startup hides %q", hidden, fontDirs)
	}
}

// The measurement gives the terminal the environment the unit does, where
// it bears on memory; the unit's other settings (the display and its cookie, the config,
// the language) the measurement sets for itself.
func TestUnitEnvMatchesTheUnit(t *testing.T) {
	t.Parallel()
	var env []string
	for _, v := range unitSettings(t, "Environment") {
		switch name, _, _ := strings.Cut(v, "="); name {
		case "LANG", "DISPLAY", "XAUTHORITY", "KIOSK_CONFIG":
		default:
			env = append(env, v)
		}
	}
	if !slices.Equal(env, unitEnv) {
		t.Errorf("kiosk.service sets %q, startup sets %q", env, unitEnv)
	}
}
