package watchdog

// TestSystemdRestartsHungLoop runs a notify service under a real systemd:
// it boots the Debian root that the package test caches
// (build/debtest/bookworm-root.tar.gz) in systemd-nspawn, starts this test
// binary as a Type=notify service with WatchdogSec=2, makes its "ui" heart
// stop beating and checks that systemd saw the status, killed it for the
// watchdog timeout and started it again. Needs root, systemd-nspawn
// (apt package systemd-container) and the cached root; runs only with
// KIOSK_SYSTEMD_TEST=1 (make package-test).

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const hangFile = "/var/tmp/kiosk-watchdog-hang"

// TestHelperProcess is the service itself when WD_HELPER=1.
func TestHelperProcess(t *testing.T) {
	if os.Getenv("WD_HELPER") != "1" {
		t.Skip("the service of TestSystemdRestartsHungLoop")
	}
	// A hang ordered for an earlier instance is used up by now.
	os.Remove(hangFile)
	n, err := FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	interval, err := WatchdogInterval()
	if err != nil {
		t.Fatal(err)
	}
	m := NewMonitor(nil)
	ui, err := m.Register("ui", interval/2)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	go func() {
		for {
			if _, err := os.Stat(hangFile); err == nil {
				return // the loop hangs: no more beats
			}
			ui.Beat()
			time.Sleep(100 * time.Millisecond)
		}
	}()
	if err := n.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	p := &Pinger{Notifier: n, Monitor: m, Every: interval / 4}
	t.Fatal(p.Run(ctx))
}

const unit = `[Unit]
Description=watchdog test service
StartLimitIntervalSec=0
[Service]
Type=notify
Environment=WD_HELPER=1
ExecStart=/usr/local/bin/wdhelper -test.run=^TestHelperProcess$
WatchdogSec=2
Restart=always
RestartSec=500ms
`

const driver = `#!/bin/sh
# Runs in the booted container after the service started.
r=/result
show() { systemctl show -p ActiveState -p MainPID -p NRestarts -p StatusText wdtest.service; }
for i in $(seq 40); do [ "$(systemctl show -p ActiveState --value wdtest.service)" = active ] && break; sleep 0.5; done
sleep 3
show > $r/before
touch ` + hangFile + `
for i in $(seq 40); do s=$(systemctl show -p StatusText --value wdtest.service); case $s in *"not alive"*) echo "$s" > $r/status; break;; esac; sleep 0.2; done
for i in $(seq 80); do [ "$(systemctl show -p NRestarts --value wdtest.service)" -ge 1 ] && break; sleep 0.5; done
sleep 4
show > $r/after
journalctl -u wdtest.service --no-pager > $r/journal
touch $r/done
systemctl poweroff
`

const driverUnit = `[Unit]
Description=watchdog test driver
After=wdtest.service
[Service]
Type=oneshot
ExecStart=/usr/local/bin/wddriver
[Install]
WantedBy=multi-user.target
`

func TestSystemdRestartsHungLoop(t *testing.T) {
	if os.Getenv("KIOSK_SYSTEMD_TEST") != "1" {
		t.Skip("set KIOSK_SYSTEMD_TEST=1 (make package-test): boots systemd in systemd-nspawn")
	}
	tarball, err := filepath.Abs(filepath.Join("..", "..", "build", "debtest", "bookworm-root.tar.gz"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(tarball); err != nil {
		t.Skip("no cached Debian root; make package-test creates it first")
	}
	if _, err := exec.LookPath("systemd-nspawn"); err != nil {
		t.Skip("systemd-nspawn not installed (apt-get install systemd-container)")
	}
	root, err := os.MkdirTemp(filepath.Dir(tarball), "nspawn-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(root)
	result := t.TempDir()
	run := func(name string, args ...string) {
		t.Helper()
		if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
	}
	run("tar", "-C", root, "-xzpf", tarball)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	run("install", "-m", "0755", self, filepath.Join(root, "usr/local/bin/wdhelper"))
	files := map[string]string{
		"etc/systemd/system/wdtest.service":   unit,
		"etc/systemd/system/wddriver.service": driverUnit,
		"usr/local/bin/wddriver":              driver,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(root, name), []byte(text), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	wants := filepath.Join(root, "etc/systemd/system/multi-user.target.wants")
	if err := os.MkdirAll(wants, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"wdtest.service", "wddriver.service"} {
		if err := os.Symlink("/etc/systemd/system/"+u, filepath.Join(wants, u)); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "systemd-nspawn", "--quiet", "--boot", "--register=no", "--keep-unit",
		"--private-network", "--console=pipe", "-D", root, "--bind="+result+":/result")
	out, err := cmd.CombinedOutput()
	if _, serr := os.Stat(filepath.Join(result, "done")); serr != nil {
		t.Fatalf("the container did not finish the test (%v):\n%s", err, tail(string(out), 3000))
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(result, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return string(b)
	}
	props := func(s string) map[string]string {
		m := map[string]string{}
		for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
			k, v, _ := strings.Cut(l, "=")
			m[k] = v
		}
		return m
	}
	before, after := props(read("before")), props(read("after"))
	if before["ActiveState"] != "active" || before["NRestarts"] != "0" || before["MainPID"] == "0" {
		t.Fatalf("before the hang: %v", before)
	}
	if st := read("status"); !strings.HasPrefix(st, "watchdog: not alive: ui ") {
		t.Errorf("status while hung: %q", st)
	}
	if after["ActiveState"] != "active" || after["NRestarts"] != "1" || after["MainPID"] == before["MainPID"] {
		t.Errorf("after the hang: %v (before %v)", after, before)
	}
	j := read("journal")
	if !strings.Contains(j, "Watchdog timeout") {
		t.Errorf("journal has no watchdog timeout:\n%s", j)
	}
	var sd []string
	for _, l := range strings.Split(j, "\n") {
		if strings.Contains(l, "systemd[1]: wdtest.service") {
			sd = append(sd, l)
		}
	}
	t.Logf("before %v\nstatus %safter %v\n%s", before, read("status"), after, strings.Join(sd, "\n"))
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
