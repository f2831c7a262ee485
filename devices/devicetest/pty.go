// Package devicetest helps test device drivers without hardware: scripted
// byte conversations (Playback) and raw pseudo-terminals (PTY) that a driver
// opens through the real serialport package.
package devicetest

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"
	"testing"

	"unsafe"

	"github.com/creack/pty"
)

// PTY is a pseudo-terminal in raw mode. The device side (an emulator) reads
// and writes Master; the driver under test opens SlavePath as if it were a
// serial port. PTY keeps its own handle on the slave so that the master
// stays usable while the driver closes and reopens the slave.
type PTY struct {
	Master    *os.File
	SlavePath string

	hold *os.File
	once sync.Once
	err  error
}

// OpenPTY creates a pseudo-terminal. Its slave is put in raw mode (no echo,
// no line editing, no CR/LF translation) so that bytes pass unchanged in
// both directions, like on a serial line. The master is non-blocking under
// the hood, so Close interrupts a Read in progress.
func OpenPTY() (*PTY, error) {
	m, s, err := pty.Open()
	if err != nil {
		return nil, fmt.Errorf("devicetest: open pty: %w", err)
	}
	if err := makeRaw(int(s.Fd())); err != nil {
		m.Close()
		s.Close()
		return nil, fmt.Errorf("devicetest: raw mode: %w", err)
	}
	// pty.Open leaves the master in blocking mode, where Close does not wake
	// a blocked Read. Re-wrap a non-blocking duplicate, which the runtime
	// poller manages.
	fd, err := syscall.Dup(int(m.Fd()))
	if err != nil {
		m.Close()
		s.Close()
		return nil, fmt.Errorf("devicetest: dup pty: %w", err)
	}
	m.Close()
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		s.Close()
		return nil, fmt.Errorf("devicetest: non-blocking pty: %w", err)
	}
	master := os.NewFile(uintptr(fd), "/dev/ptmx")
	return &PTY{Master: master, SlavePath: s.Name(), hold: s}, nil
}

// Close closes both ends. The slave path disappears; a driver that still has
// it open sees its writes fail, as with an unplugged USB adapter.
func (p *PTY) Close() error {
	p.once.Do(func() {
		p.err = errors.Join(p.Master.Close(), p.hold.Close())
	})
	return p.err
}

func makeRaw(fd int) error {
	var t syscall.Termios
	if err := termios(fd, syscall.TCGETS, &t); err != nil {
		return err
	}
	t.Iflag &^= syscall.IGNBRK | syscall.BRKINT | syscall.PARMRK | syscall.ISTRIP | syscall.INLCR | syscall.IGNCR | syscall.ICRNL | syscall.IXON
	t.Oflag &^= syscall.OPOST
	t.Lflag &^= syscall.ECHO | syscall.ECHONL | syscall.ICANON | syscall.ISIG | syscall.IEXTEN
	t.Cflag &^= syscall.CSIZE | syscall.PARENB
	t.Cflag |= syscall.CS8
	t.Cc[syscall.VMIN] = 1
	t.Cc[syscall.VTIME] = 0
	return termios(fd, syscall.TCSETS, &t)
}

func termios(fd int, req uintptr, t *syscall.Termios) error {
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), req, uintptr(unsafe.Pointer(t))); errno != 0 {
		return errno
	}
	return nil
}

// NewPTY opens a raw pseudo-terminal for a test and closes it when the test
// ends. It returns the device side and the path the driver should open.
func NewPTY(t testing.TB) (master io.ReadWriteCloser, slavePath string) {
	t.Helper()
	p, err := OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p.Master, p.SlavePath
}

// NeedsPTY skips a test that talks over a pseudo-terminal when tests run
// with -short (`make unit`): such tests wait on real serial timing.
func NeedsPTY(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("talks over a pseudo-terminal: not with -short")
	}
}
