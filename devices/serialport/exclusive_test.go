package serialport_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/pudong-community/kiosk/devices/serialport"
)

// ttyExclusive reads the tty's TIOCEXCL flag (TIOCGEXCL).
func ttyExclusive(t *testing.T, path string) bool {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK, 0)
	if err != nil {
		if errors.Is(err, unix.EBUSY) {
			return true // refused: exclusive (and we are not root)
		}
		t.Fatal(err)
	}
	defer f.Close()
	v, err := unix.IoctlGetInt(int(f.Fd()), unix.TIOCGEXCL)
	if err != nil {
		t.Fatalf("TIOCGEXCL: %v", err)
	}
	return v != 0
}

// A port is held exclusively while open: a second Open (here, or in
// another process such as kiosk diag) fails with ErrInUse and a message
// that says who holds it; the tty is in exclusive mode (TIOCEXCL), so the
// kernel refuses other openers too; Close releases both.
func TestOpenIsExclusive(t *testing.T) {
	p, port := openPTY(t)
	if !ttyExclusive(t, p.SlavePath) {
		t.Error("the line is not in exclusive mode (TIOCEXCL) while open")
	}
	_, err := serialport.Open(p.SlavePath, 115200, 100*time.Millisecond)
	if !errors.Is(err, serialport.ErrInUse) {
		t.Fatalf("second open: %v, want ErrInUse", err)
	}
	if !strings.Contains(err.Error(), "the terminal holds it") {
		t.Errorf("the error does not say who holds the port: %v", err)
	}
	// The first holder still works.
	if _, err := port.Write([]byte{0x55}); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 1)
	if _, err := p.Master.Read(b); err != nil || b[0] != 0x55 {
		t.Fatalf("read %x, %v", b, err)
	}
	if err := port.Close(); err != nil {
		t.Fatal(err)
	}
	if ttyExclusive(t, p.SlavePath) {
		t.Error("the line stays in exclusive mode after Close")
	}
	again, err := serialport.Open(p.SlavePath, 115200, 100*time.Millisecond)
	if err != nil {
		t.Fatalf("open after close: %v", err)
	}
	again.Close()
}

// Another process's lock on the line (as another terminal's or diag's
// Open takes it) makes Open fail with ErrInUse, not read beside it.
func TestOpenRefusesALockedLine(t *testing.T) {
	p, port := openPTY(t)
	port.Close()
	fd, err := unix.Open(p.SlavePath, unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	if _, err := serialport.Open(p.SlavePath, 115200, 100*time.Millisecond); !errors.Is(err, serialport.ErrInUse) {
		t.Fatalf("open of a locked line: %v, want ErrInUse", err)
	}
	unix.Flock(fd, unix.LOCK_UN)
	q, err := serialport.Open(p.SlavePath, 115200, 100*time.Millisecond)
	if err != nil {
		t.Fatalf("open once unlocked: %v", err)
	}
	q.Close()
}
