package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The session's X server script, run here with Xvfb in place of Xorg
// (KIOSK_XSERVER) on display :96: it writes a fresh cookie readable by its
// user alone, admits a client that has it, refuses one that has not, and
// starts the server with no TCP, no cursor and no blanking.
func TestKioskXServerAdmitsOnlyTheCookie(t *testing.T) {
	for _, tool := range []string{"Xvfb", "xauth", "mcookie", "xdpyinfo"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s (make deps installs xvfb, xauth and x11-utils)", tool)
		}
	}
	if _, err := os.Stat("/tmp/.X96-lock"); err == nil {
		t.Skip("display :96 is taken")
	}
	xvfb, _ := exec.LookPath("Xvfb")
	dir := t.TempDir()
	auth := filepath.Join(dir, "Xauthority")
	cmd := exec.Command(filepath.Join("..", "..", "packaging", "session", "kiosk-xserver"), ":96", "vt7")
	cmd.Env = append(os.Environ(), "XAUTHORITY="+auth, "KIOSK_XSERVER="+xvfb)
	var log strings.Builder
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		// The script exec'd the server: this is its pid. Terminated (not
		// killed) it removes its socket and lock.
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	client := func(xauth string) error {
		c := exec.Command("xdpyinfo", "-display", ":96")
		c.Env = append(os.Environ(), "XAUTHORITY="+xauth)
		return c.Run()
	}
	for end := time.Now().Add(10 * time.Second); client(auth) != nil; time.Sleep(100 * time.Millisecond) {
		select {
		case err := <-done:
			done <- err
			t.Fatalf("the server exited: %v\n%s", err, log.String())
		default:
		}
		if time.Now().After(end) {
			t.Fatalf("no client with the cookie got in:\n%s", log.String())
		}
	}
	if err := client(filepath.Join(dir, "none")); err == nil {
		t.Error("a client without the cookie got in")
	}
	st, err := os.Stat(auth)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("cookie file: %v, %v; want mode 0600", st.Mode(), err)
	}
	args, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(cmd.Process.Pid), "cmdline"))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.ReplaceAll(string(args), "\x00", " ")
	for _, want := range []string{" :96 ", " -auth " + auth + " ", " -nolisten tcp ", " -nocursor ", " -s 0 ", " -dpms"} {
		if !strings.Contains(got, want) {
			t.Errorf("the server runs as %q, without %q", got, want)
		}
	}
}
