package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// kiosk.service sets ProcSubset=pid (no kernel files in /proc) and
// LimitCORE=0. The renderer must still work under them: the window tests
// run again in a mount namespace whose /proc is mounted with subset=pid,
// as systemd mounts it for the service, with core dumps off. Needs root
// (to mount) and unshare; skipped otherwise.
func TestRendererUnderProcSubsetPid(t *testing.T) {
	if os.Getenv("KIOSK_TEST_PROCSUBSET") == "1" {
		t.Skip("already inside")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount /proc with subset=pid")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("no unshare (util-linux)")
	}
	if _, err := exec.LookPath("Xvfb"); err != nil {
		t.Skip("no Xvfb (make deps installs it)")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	script := `mount -t proc -o subset=pid,hidepid=invisible proc /proc || exit 99
ulimit -c 0
[ -e /proc/sys ] && { echo "/proc/sys is visible"; exit 98; }
exec "$0" -test.count=1 -test.v -test.run '^(TestWindowFramebufferIsColourOnly|TestKeyChordsReachNoOtherClient)$'`
	cmd := exec.Command("unshare", "--mount", "--propagation", "private", "sh", "-c", script, self)
	cmd.Env = append(os.Environ(), "KIOSK_TEST_PROCSUBSET=1")
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 99 {
		t.Skipf("cannot mount /proc with subset=pid here (kernel before 5.8?): %s", out)
	}
	if err != nil {
		t.Fatalf("the window tests under ProcSubset=pid: %v\n%s", err, out)
	}
	for _, name := range []string{"TestWindowFramebufferIsColourOnly", "TestKeyChordsReachNoOtherClient"} {
		if !strings.Contains(string(out), "--- PASS: "+name) && !strings.Contains(string(out), "--- SKIP: "+name) {
			t.Errorf("%s did not pass under ProcSubset=pid:\n%s", name, out)
		}
	}
}
