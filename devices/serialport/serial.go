package serialport

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync/atomic"
	"time"

	"github.com/tarm/serial"
	"golang.org/x/sys/unix"
)

// Read timeouts are carried out by the tty driver in tenths of a second
// (termios VTIME), so they are rounded up to 100 ms and capped at 25.5 s.
const (
	MinReadTimeout     = 100 * time.Millisecond
	MaxReadTimeout     = 25500 * time.Millisecond
	DefaultReadTimeout = 200 * time.Millisecond
)

// Bauds lists the rates Open accepts, slowest first.
var Bauds = []int{1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600}

type port struct {
	sp     *serial.Port
	name   string
	lock   int // a second descriptor of the line: its flock and TIOCEXCL
	closed atomic.Bool
}

// Open opens the serial line name at baud, 8N1, no flow control. Each Read
// waits at most readTimeout (0 means DefaultReadTimeout) and then returns
// ErrTimeout. The timeout is kept between MinReadTimeout and MaxReadTimeout,
// which also guarantees that a Read never blocks forever, so a goroutine
// reading the port always notices Close within one timeout.
//
// The line is held exclusively until Close: an exclusive flock that every
// Open honours (a `kiosk diag` run over SSH gets ErrInUse instead of
// reading a resident's card beside the terminal), and the tty's TIOCEXCL,
// with which the kernel refuses any other open of the line (EBUSY) to all
// but root.
func Open(name string, baud int, readTimeout time.Duration) (Port, error) {
	if !validBaud(baud) {
		return nil, fmt.Errorf("%w: %d", ErrBadBaud, baud)
	}
	switch {
	case readTimeout <= 0:
		readTimeout = DefaultReadTimeout
	case readTimeout < MinReadTimeout:
		readTimeout = MinReadTimeout
	case readTimeout > MaxReadTimeout:
		readTimeout = MaxReadTimeout
	}
	lock, err := lockLine(name)
	if err != nil {
		return nil, err
	}
	sp, err := serial.OpenPort(&serial.Config{Name: name, Baud: baud, ReadTimeout: readTimeout})
	if err != nil {
		unix.Close(lock)
		if errors.Is(err, unix.EBUSY) {
			return nil, inUse(name)
		}
		return nil, fmt.Errorf("serialport: open %s: %w", name, err)
	}
	if err := unix.IoctlSetInt(lock, unix.TIOCEXCL, 0); err != nil {
		sp.Close()
		unix.Close(lock)
		return nil, fmt.Errorf("serialport: %s: exclusive mode (TIOCEXCL): %w", name, err)
	}
	return &port{sp: sp, name: name, lock: lock}, nil
}

// lockLine opens the line a first time and takes its exclusive flock.
func lockLine(name string) (int, error) {
	fd, err := unix.Open(name, unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, unix.EBUSY) { // another holder's TIOCEXCL
			return -1, inUse(name)
		}
		return -1, fmt.Errorf("serialport: open %s: %w", name, &os.PathError{Op: "open", Path: name, Err: err})
	}
	if err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB); err != nil {
		unix.Close(fd)
		if errors.Is(err, unix.EWOULDBLOCK) {
			return -1, inUse(name)
		}
		return -1, fmt.Errorf("serialport: lock %s: %w", name, err)
	}
	return fd, nil
}

func inUse(name string) error {
	return fmt.Errorf("serialport: open %s: %w (the terminal holds it while it runs; stop it first: systemctl stop kiosk)", name, ErrInUse)
}

func validBaud(b int) bool {
	for _, v := range Bauds {
		if v == b {
			return true
		}
	}
	return false
}

func (p *port) Name() string { return p.name }

// Read normalises tarm/serial: a read that timed out with nothing (io.EOF from
// the VMIN=0/VTIME tty) becomes ErrTimeout; data with io.EOF is just data.
func (p *port) Read(b []byte) (int, error) {
	if p.closed.Load() {
		return 0, ErrClosed
	}
	if len(b) == 0 {
		return 0, nil
	}
	n, err := p.sp.Read(b)
	switch {
	case err == nil:
		if n == 0 {
			return 0, ErrTimeout
		}
		return n, nil
	case errors.Is(err, io.EOF):
		if n > 0 {
			return n, nil
		}
		if p.closed.Load() {
			return 0, ErrClosed
		}
		return 0, ErrTimeout
	case errors.Is(err, os.ErrClosed) || p.closed.Load():
		return n, ErrClosed
	default:
		return n, fmt.Errorf("serialport: read %s: %w", p.name, err)
	}
}

func (p *port) Write(b []byte) (int, error) {
	if p.closed.Load() {
		return 0, ErrClosed
	}
	n, err := p.sp.Write(b)
	if err != nil {
		if errors.Is(err, os.ErrClosed) {
			return n, ErrClosed
		}
		return n, fmt.Errorf("serialport: write %s: %w", p.name, err)
	}
	if n < len(b) {
		return n, fmt.Errorf("serialport: write %s: %w", p.name, io.ErrShortWrite)
	}
	return n, nil
}

// Close closes the line. A Read blocked in another goroutine returns within
// the read timeout. Closing twice returns ErrClosed.
func (p *port) Close() error {
	if p.closed.Swap(true) {
		return ErrClosed
	}
	// The exclusive mode is the tty's, not the descriptor's: it is lifted
	// before the line is let go, or a line that outlives this Port (a
	// pseudo-terminal) would stay closed to everybody but root.
	_ = unix.IoctlSetInt(p.lock, unix.TIOCNXCL, 0)
	err := p.sp.Close()
	unix.Close(p.lock) // releases the flock
	if err != nil {
		return fmt.Errorf("serialport: close %s: %w", p.name, err)
	}
	return nil
}

// candidatePatterns are the device names serial adapters get on Linux.
var candidatePatterns = []string{"/dev/ttyS*", "/dev/ttyUSB*", "/dev/ttyACM*", "/dev/serial/by-id/*"}

// Candidates lists the serial devices present on this machine, sorted, each
// name once: on-board ports, USB-serial adapters, CDC-ACM modems and the
// stable /dev/serial/by-id links (which point at one of the others).
func Candidates() []string {
	return candidates(candidatePatterns)
}

func candidates(patterns []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range patterns {
		m, err := filepath.Glob(p)
		if err != nil {
			continue
		}
		for _, name := range m {
			if !seen[name] {
				seen[name] = true
				out = append(out, name)
			}
		}
	}
	sort.Strings(out)
	return out
}
