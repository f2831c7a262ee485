package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/cmd/internal/xscreen"
	"github.com/pudong-community/kiosk/kiosk/store"
)

// TestMain lets a test run this binary as the terminal itself, in a real
// window on its main thread (KIOSK_TEST_AS_MAIN=1; the arguments are the
// terminal's), or as the window probe of framebuffer_test.go
// (KIOSK_TEST_GL_PROBE).
func TestMain(m *testing.M) {
	if os.Getenv("KIOSK_TEST_AS_MAIN") == "1" {
		main()
	}
	if os.Getenv("KIOSK_TEST_ZONE") == "1" {
		useChinaTime()
		fmt.Println(time.Unix(0, 0).Format(time.RFC3339), time.Now().Format("-07:00"))
		os.Exit(0)
	}
	if mode := os.Getenv("KIOSK_TEST_GL_PROBE"); mode != "" {
		os.Exit(glProbe(mode, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// A database that fails to open once the window is up (here: a newer
// terminal's) ends the terminal with one clear line and a failure code; it
// used to hang on the way out, waiting for a result already taken.
func TestDatabaseFailureAfterTheWindowExits(t *testing.T) {
	ctx, display := startXvfb(t, 180)

	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	st, err := store.Open(ctx, filepath.Join(data, "kiosk.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"CREATE TABLE later_feature (id INTEGER PRIMARY KEY) STRICT", "PRAGMA user_version = 9999"} {
		if _, err := st.DB().ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	cfgFile := filepath.Join(dir, "kiosk.toml")
	cfg := "[terminal]\ndata_dir = \"" + data + "\"\n[api]\nbase_url = \"http://127.0.0.1:9\"\ntoken = \"x\"\n" +
		"[idcard]\nport = \"" + filepath.Join(dir, "none-idcard") + "\"\n[printer]\nport = \"" + filepath.Join(dir, "none-printer") + "\"\n" +
		"[display]\nfull_screen = false\n[log]\nfile = \"" + filepath.Join(dir, "kiosk.log") + "\"\n"
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, self, "-config", cfgFile)
	// On a system set to UTC the terminal still keeps China time.
	cmd.Env = append(os.Environ(), "KIOSK_TEST_AS_MAIN=1", "DISPLAY="+display, "LANG=en_US.UTF-8", "LC_ALL=", "LIBGL_ALWAYS_SOFTWARE=1", "TZ=UTC")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	proc, err := xscreen.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	defer proc.Stop(time.Second)
	select {
	case <-proc.Done():
	case <-time.After(60 * time.Second):
		t.Fatalf("the terminal did not exit after its database failed; stderr:\n%s", stderr.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != exitFailure {
		t.Errorf("exit code %d, want %d", code, exitFailure)
	}
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "kiosk: ") || !strings.Contains(last, "newer version") {
		t.Errorf("last line %q, want the newer-version error", last)
	}
	logged, err := os.ReadFile(filepath.Join(dir, "kiosk.log"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(logged)), "\n") {
		var entry struct{ Time string }
		if err := json.Unmarshal([]byte(line), &entry); err != nil || !strings.HasSuffix(entry.Time, "+08:00") {
			t.Errorf("log line not in China time (+08:00) under TZ=UTC (%v): %.120s", err, line)
		}
	}
}

// startXvfb starts a 540×960 virtual screen on the first free display from
// first on, for the test's duration (skipped without Xvfb), with a context
// that ends after two minutes.
func startXvfb(t *testing.T, first int) (context.Context, string) {
	t.Helper()
	if _, err := exec.LookPath("Xvfb"); err != nil {
		t.Skip("no Xvfb (make deps installs it)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	display, stop, err := xscreen.StartXvfb(ctx, 540, 960, first)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return ctx, display
}
