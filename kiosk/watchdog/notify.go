// Package watchdog speaks systemd's notify protocol (sd_notify) and keeps
// the terminal's liveness: the service manager restarts the terminal when it
// stops pinging, and it pings only while every registered loop (the UI event
// loop, the card reader, the printer, the relay) has beaten recently.
//
// Only the standard library is used. The protocol is a datagram of
// newline-separated VAR=VALUE lines sent to the AF_UNIX socket named in
// $NOTIFY_SOCKET; a name starting with '@' is in the abstract namespace.
package watchdog

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// Errors of the package.
var (
	// ErrNoSocket: $NOTIFY_SOCKET is not set (not started by systemd with
	// Type=notify). A Notifier without a socket ignores every message.
	ErrNoSocket = errors.New("watchdog: NOTIFY_SOCKET not set")
	// ErrUnsupportedSocket: the socket is not an AF_UNIX path or abstract
	// name (systemd also knows vsock:, which a kiosk never sees).
	ErrUnsupportedSocket = errors.New("watchdog: unsupported NOTIFY_SOCKET")
	// ErrDisabled: the watchdog is not enabled for this process
	// ($WATCHDOG_USEC unset, or $WATCHDOG_PID names another process).
	ErrDisabled = errors.New("watchdog: watchdog not enabled")
	// ErrBadInterval: $WATCHDOG_USEC or $WATCHDOG_PID is not a positive number.
	ErrBadInterval = errors.New("watchdog: bad WATCHDOG_USEC")
	// ErrBadState: a message would break the VAR=VALUE line format.
	ErrBadState = errors.New("watchdog: bad notify state")
)

// defaultWriteTimeout bounds a send when the context carries no deadline:
// a full receive queue at the service manager must never hang the caller.
const defaultWriteTimeout = 2 * time.Second

// Notifier sends notify messages to the service manager. The zero value and
// a Notifier made from an empty socket name are disabled: every send is a
// no-op returning nil, so the terminal runs the same outside systemd.
// A Notifier is safe for concurrent use.
type Notifier struct {
	addr *net.UnixAddr
}

// NewNotifier returns a Notifier for the socket name as systemd writes it
// in $NOTIFY_SOCKET: a filesystem path, or an abstract name starting with
// '@'. An empty name gives a disabled Notifier.
func NewNotifier(socket string) (*Notifier, error) {
	switch {
	case socket == "":
		return &Notifier{}, nil
	case strings.HasPrefix(socket, "/"), strings.HasPrefix(socket, "@") && len(socket) > 1:
		// Go maps a leading '@' to the abstract namespace on Linux.
		return &Notifier{addr: &net.UnixAddr{Name: socket, Net: "unixgram"}}, nil
	default:
		return nil, fmt.Errorf("%w: %q", ErrUnsupportedSocket, socket)
	}
}

// FromEnv returns a Notifier for $NOTIFY_SOCKET. Without the variable it
// returns a disabled Notifier and ErrNoSocket, which callers may ignore.
func FromEnv() (*Notifier, error) {
	s := os.Getenv("NOTIFY_SOCKET")
	n, err := NewNotifier(s)
	if err != nil {
		return &Notifier{}, err
	}
	if s == "" {
		return n, ErrNoSocket
	}
	return n, nil
}

// Enabled reports whether messages go anywhere.
func (n *Notifier) Enabled() bool { return n != nil && n.addr != nil }

// Socket returns the socket name, "" when disabled.
func (n *Notifier) Socket() string {
	if !n.Enabled() {
		return ""
	}
	return n.addr.Name
}

// Notify sends the states (each "VAR=VALUE") in one datagram.
func (n *Notifier) Notify(ctx context.Context, states ...string) error {
	if len(states) == 0 {
		return fmt.Errorf("%w: no state", ErrBadState)
	}
	for _, s := range states {
		k, _, ok := strings.Cut(s, "=")
		if !ok || k == "" || strings.ContainsAny(s, "\n\x00") {
			return fmt.Errorf("%w: %q", ErrBadState, s)
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("watchdog: notify: %w", err)
	}
	if !n.Enabled() {
		return nil
	}
	conn, err := net.DialUnix("unixgram", nil, n.addr)
	if err != nil {
		return fmt.Errorf("watchdog: notify: %w", err)
	}
	defer conn.Close()
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(defaultWriteTimeout)
	}
	if err := conn.SetWriteDeadline(deadline); err != nil {
		return fmt.Errorf("watchdog: notify: %w", err)
	}
	if _, err := conn.Write([]byte(strings.Join(states, "\n") + "\n")); err != nil {
		return fmt.Errorf("watchdog: notify: %w", err)
	}
	return nil
}

// Ready tells the service manager that start-up is done (READY=1): the
// home screen is up. With Type=notify the unit counts as started only now.
func (n *Notifier) Ready(ctx context.Context) error { return n.Notify(ctx, "READY=1") }

// Watchdog pings the service manager's watchdog (WATCHDOG=1).
func (n *Notifier) Watchdog(ctx context.Context) error { return n.Notify(ctx, "WATCHDOG=1") }

// Stopping tells the service manager that a clean shutdown began (STOPPING=1).
func (n *Notifier) Stopping(ctx context.Context) error { return n.Notify(ctx, "STOPPING=1") }

// Status sets the one-line status shown by systemctl status (STATUS=text).
// Newlines in text are replaced by spaces.
func (n *Notifier) Status(ctx context.Context, text string) error {
	text = strings.NewReplacer("\n", " ", "\r", " ", "\x00", " ").Replace(text)
	return n.Notify(ctx, "STATUS="+text)
}

// WatchdogInterval returns the watchdog timeout systemd set for this
// process ($WATCHDOG_USEC, honouring $WATCHDOG_PID). Ping at half of it or
// more often. ErrDisabled when the watchdog is off.
func WatchdogInterval() (time.Duration, error) {
	return ParseInterval(os.Getenv("WATCHDOG_USEC"), os.Getenv("WATCHDOG_PID"), os.Getpid())
}

// ParseInterval is WatchdogInterval over given values: usec and pid as in
// $WATCHDOG_USEC and $WATCHDOG_PID (pid may be empty), self the caller's pid.
func ParseInterval(usec, pid string, self int) (time.Duration, error) {
	if usec == "" {
		return 0, ErrDisabled
	}
	if pid != "" {
		p, err := strconv.Atoi(pid)
		if err != nil || p <= 0 {
			return 0, fmt.Errorf("%w: WATCHDOG_PID %q", ErrBadInterval, pid)
		}
		if p != self {
			return 0, ErrDisabled
		}
	}
	u, err := strconv.ParseUint(usec, 10, 63)
	if err != nil || u == 0 || u > uint64(1<<63-1)/uint64(time.Microsecond) {
		return 0, fmt.Errorf("%w: %q", ErrBadInterval, usec)
	}
	return time.Duration(u) * time.Microsecond, nil
}
