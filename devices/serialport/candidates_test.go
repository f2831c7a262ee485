package serialport

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestCandidates(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, n := range []string{"ttyS0", "ttyS1", "ttyUSB0", "ttyACM0", "null", "ttyAMA0"} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	byID := filepath.Join(dir, "by-id")
	os.Mkdir(byID, 0o700)
	os.WriteFile(filepath.Join(byID, "usb-FTDI_X-if00-port0"), nil, 0o600)
	patterns := []string{
		filepath.Join(dir, "ttyS*"), filepath.Join(dir, "ttyUSB*"), filepath.Join(dir, "ttyACM*"),
		filepath.Join(byID, "*"), filepath.Join(dir, "ttyS*"), // repeated pattern: no duplicates
	}
	got := candidates(patterns)
	want := []string{
		filepath.Join(byID, "usb-FTDI_X-if00-port0"),
		filepath.Join(dir, "ttyACM0"), filepath.Join(dir, "ttyS0"), filepath.Join(dir, "ttyS1"),
		filepath.Join(dir, "ttyUSB0"),
	}
	if !slices.Equal(got, want) {
		t.Errorf("candidates = %q, want %q", got, want)
	}
	// The real list must not fail, whatever this machine has.
	for _, c := range Candidates() {
		if !slices.ContainsFunc(candidatePatterns, func(p string) bool { m, _ := filepath.Match(p, c); return m }) {
			t.Errorf("Candidates() returned %q, matching no pattern", c)
		}
	}
}
