package sammodule

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/pudong-community/kiosk/devices/devicetest"
)

// PTYServer runs a Module on a pseudo-terminal. Drivers open SlavePath (or
// Link, a stable symbolic link to it) as a serial port.
type PTYServer struct {
	m    *Module
	link string

	mu      sync.Mutex
	pty     *devicetest.PTY
	cancel  context.CancelFunc
	done    chan struct{}
	closed  bool
	baseCtx context.Context
}

// ServePTY starts m on a new pseudo-terminal. If link is not empty, a
// symbolic link of that name points at the slave (and is moved when the
// module is unplugged and plugged in again, which gives a new slave).
func (m *Module) ServePTY(ctx context.Context, link string) (*PTYServer, error) {
	s := &PTYServer{m: m, link: link, baseCtx: ctx}
	if err := s.Replug(); err != nil {
		return nil, err
	}
	return s, nil
}

// SlavePath is the current slave device, "" while unplugged.
func (s *PTYServer) SlavePath() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pty == nil {
		return ""
	}
	return s.pty.SlavePath
}

// Link is the stable link name given to ServePTY.
func (s *PTYServer) Link() string { return s.link }

// Unplug pulls the cable: the pseudo-terminal is closed, so a driver that has
// it open sees its writes fail, and the link is removed.
func (s *PTYServer) Unplug() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unplugLocked()
}

func (s *PTYServer) unplugLocked() {
	if s.pty == nil {
		return
	}
	s.cancel()
	s.pty.Close()
	<-s.done
	s.pty = nil
	if s.link != "" {
		os.Remove(s.link)
	}
}

// Replug plugs the module in again on a new pseudo-terminal.
func (s *PTYServer) Replug() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("sammodule: server closed")
	}
	if s.pty != nil {
		return nil
	}
	p, err := devicetest.OpenPTY()
	if err != nil {
		return fmt.Errorf("sammodule: %w", err)
	}
	if s.link != "" {
		tmp := s.link + ".new"
		os.Remove(tmp)
		if err := os.Symlink(p.SlavePath, tmp); err != nil {
			p.Close()
			return fmt.Errorf("sammodule: link %s: %w", s.link, err)
		}
		if err := os.Rename(tmp, s.link); err != nil {
			p.Close()
			return fmt.Errorf("sammodule: link %s: %w", s.link, err)
		}
	}
	ctx, cancel := context.WithCancel(s.baseCtx)
	s.pty, s.cancel, s.done = p, cancel, make(chan struct{})
	go func(done chan struct{}) {
		defer close(done)
		s.m.Serve(ctx, p.Master)
	}(s.done)
	return nil
}

// Close stops serving and removes the pseudo-terminal and the link.
func (s *PTYServer) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unplugLocked()
	s.closed = true
	return nil
}
