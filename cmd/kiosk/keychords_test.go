package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/cmd/internal/xscreen"
)

// In the kiosk session the terminal is the X server's only client and
// there is no window manager: the key chords a USB keyboard at the screen
// could try (Alt+Tab, Ctrl+Alt+F1, Ctrl+Alt+Backspace, Super, Alt+F4,
// Ctrl+Alt+Delete) reach the terminal's window and no other client. A
// second client that records every key event (xev) first shows that it
// does receive keys when it has the focus; then, once the terminal's
// window is up and has taken the focus, it receives none of the chords,
// the terminal keeps running and the X server stays up. (Xvfb ignores
// DontVTSwitch and DontZap; the X configuration that sets them is checked
// in the package tests.)
func TestKeyChordsReachNoOtherClient(t *testing.T) {
	for _, tool := range []string{"Xvfb", "xdotool", "xev", "xdpyinfo"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s (make deps installs xvfb, xdotool and x11-utils)", tool)
		}
	}
	ctx, display := startXvfb(t, 95)
	x := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, args[0], args[1:]...)
		cmd.Env = append(os.Environ(), "DISPLAY="+display)
		out, err := cmd.CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	waitFor := func(what string, d time.Duration, ok func() bool) {
		t.Helper()
		for end := time.Now().Add(d); !ok(); time.Sleep(100 * time.Millisecond) {
			if time.Now().After(end) {
				t.Fatalf("timed out waiting for %s", what)
			}
		}
	}

	// The recorder: a small window in the corner, key events only.
	var rec syncBuffer
	xev := exec.CommandContext(ctx, "xev", "-geometry", "120x120+0+0", "-event", "keyboard", "-name", "keyrecorder")
	xev.Env = append(os.Environ(), "DISPLAY="+display)
	xev.Stdout = &rec
	recorder, err := xscreen.Start(xev)
	if err != nil {
		t.Fatal(err)
	}
	defer recorder.Stop(time.Second)
	var recWin string
	waitFor("the recorder's window", 10*time.Second, func() bool {
		out, err := x("xdotool", "search", "--name", "^keyrecorder$")
		recWin, _, _ = strings.Cut(out, "\n")
		return err == nil && recWin != ""
	})
	keyEvents := func() int {
		return strings.Count(rec.String(), "KeyPress event") + strings.Count(rec.String(), "KeyRelease event")
	}
	// The recorder can fail: focused, it records a key.
	if out, err := x("xdotool", "windowfocus", "--sync", recWin); err != nil {
		t.Fatalf("xdotool windowfocus: %v %s", err, out)
	}
	if out, err := x("xdotool", "key", "a"); err != nil {
		t.Fatalf("xdotool key: %v %s", err, out)
	}
	waitFor("the recorder to record a key", 5*time.Second, func() bool { return keyEvents() >= 2 })

	// The terminal, full screen, as in the session.
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "kiosk.toml")
	cfg := "[terminal]\ndata_dir = \"" + filepath.Join(dir, "data") + "\"\n[api]\nbase_url = \"http://127.0.0.1:9\"\ntoken = \"x\"\n" +
		"[idcard]\nport = \"" + filepath.Join(dir, "none-idcard") + "\"\nrequired = false\n[printer]\nport = \"" + filepath.Join(dir, "none-printer") + "\"\n" +
		"[display]\nfull_screen = true\n[log]\nfile = \"" + filepath.Join(dir, "kiosk.log") + "\"\n"
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, self, "-config", cfgFile)
	cmd.Env = append(os.Environ(), "KIOSK_TEST_AS_MAIN=1", "DISPLAY="+display, "LANG=en_US.UTF-8", "LC_ALL=", "LIBGL_ALWAYS_SOFTWARE=1")
	var stderr syncBuffer
	cmd.Stderr = &stderr
	kiosk, err := xscreen.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	defer kiosk.Stop(3 * time.Second)
	var kioskWin string
	waitFor("the terminal's window", 60*time.Second, func() bool {
		select {
		case <-kiosk.Done():
			t.Fatalf("the terminal exited: %v\n%s", kiosk.Err(), stderr.String())
		default:
		}
		out, err := x("xdotool", "search", "--onlyvisible", "--name", "智能社工")
		kioskWin, _, _ = strings.Cut(out, "\n")
		return err == nil && kioskWin != ""
	})
	// With no window manager, the terminal's window takes the focus as it
	// is shown (the session has no other client to give it to).
	waitFor("the terminal's window to have the focus", 10*time.Second, func() bool {
		f, err := x("xdotool", "getwindowfocus")
		return err == nil && f == kioskWin
	})
	// The pointer over the terminal, as a finger on the screen leaves it.
	x("xdotool", "mousemove", "270", "480")
	before := keyEvents()
	for _, chord := range []string{"alt+Tab", "ctrl+alt+F1", "ctrl+alt+F2", "ctrl+alt+BackSpace", "super", "Super_L", "super+d", "alt+F4", "ctrl+alt+Delete", "ctrl+Escape"} {
		if out, err := x("xdotool", "key", chord); err != nil {
			t.Errorf("xdotool key %s: %v %s", chord, err, out)
		}
	}
	time.Sleep(time.Second)
	if got := keyEvents() - before; got != 0 {
		t.Errorf("the other client received %d key events while the terminal had the focus:\n%s", got, rec.String())
	}
	if f, err := x("xdotool", "getwindowfocus"); err != nil || f != kioskWin {
		t.Errorf("after the chords the focus is on %q (%v), not the terminal's window %s", f, err, kioskWin)
	}
	select {
	case <-kiosk.Done():
		t.Fatalf("the terminal exited after the chords: %v\n%s", kiosk.Err(), stderr.String())
	case <-recorder.Done():
		t.Fatal("the recorder exited: the X server went away?")
	default:
	}
	if out, err := x("xdpyinfo"); err != nil || !strings.Contains(out, "name of display") {
		t.Errorf("the X server is not up after the chords: %v %s", err, out)
	}
	if out, err := x("xdotool", "search", "--onlyvisible", "--name", "智能社工"); err != nil || !strings.Contains(out, kioskWin) {
		t.Errorf("the terminal's window is gone after the chords: %v %q", err, out)
	}
}
