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
	closed atomic.Bool
}

// Open opens the serial line name at baud, 8N1, no flow control. Each Read
// waits at most readTimeout (0 means DefaultReadTimeout) and then returns
// ErrTimeout. The timeout is kept between MinReadTimeout and MaxReadTimeout,
// which also guarantees that a Read never blocks forever, so a goroutine
// reading the port always notices Close within one timeout.
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
	sp, err := serial.OpenPort(&serial.Config{Name: name, Baud: baud, ReadTimeout: readTimeout})
	if err != nil {
		return nil, fmt.Errorf("serialport: open %s: %w", name, err)
	}
	return &port{sp: sp, name: name}, nil
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
	if err := p.sp.Close(); err != nil {
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
