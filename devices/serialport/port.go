// Package serialport is the only importer of github.com/tarm/serial. It gives
// drivers a small Port interface with normalised read timeouts, so that every
// driver can be tested with plain byte streams.
package serialport

import (
	"errors"
	"io"
)

// Errors of this package. ErrTimeout is the only one a driver should treat as
// "try again"; anything else from Read or Write means the line is gone.
var (
	// ErrTimeout is returned by Port.Read when nothing arrived within the port's
	// read timeout. tarm/serial reports that case as io.EOF; Ports never do.
	ErrTimeout = errors.New("serialport: read timeout")
	// ErrClosed is returned by a Port used after Close.
	ErrClosed = errors.New("serialport: port closed")
	// ErrBadBaud is returned by Open for a rate the line cannot be set to.
	ErrBadBaud = errors.New("serialport: unsupported baud rate")
	// ErrInUse is returned by Open when another Port (in this process or
	// another, such as the running terminal) holds the line.
	ErrInUse = errors.New("serialport: port in use by another process")
)

// Port is an open serial line (or anything that behaves like one: a
// pseudo-terminal, a pipe in a test).
//
// Read waits at most the read timeout the port was opened with; when nothing
// arrived it returns 0, ErrTimeout. Any other error means the line is gone
// (unplugged, closed) and the caller should close it and reopen later.
// Write writes all of p or returns an error.
type Port interface {
	io.ReadWriteCloser
	// Name is the device path the port was opened on, for status screens.
	Name() string
}
