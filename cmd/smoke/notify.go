package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"time"
)

// notifySocket collects what the terminal sends to $NOTIFY_SOCKET.
type notifySocket struct {
	path string
	conn *net.UnixConn
	mu   sync.Mutex
	seen map[string]int
}

func listenNotify(path string) (*notifySocket, error) {
	os.Remove(path)
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		return nil, fmt.Errorf("notify socket: %w", err)
	}
	n := &notifySocket{path: path, conn: c, seen: map[string]int{}}
	go func() {
		buf := make([]byte, 4096)
		for {
			k, _, err := c.ReadFromUnix(buf)
			if err != nil {
				return
			}
			n.mu.Lock()
			for _, line := range strings.Split(string(buf[:k]), "\n") {
				if line != "" {
					n.seen[line]++
				}
			}
			n.mu.Unlock()
		}
	}()
	return n, nil
}

// expect waits until line has been received at least n times.
func (n *notifySocket) expect(ctx context.Context, line string, times int) error {
	for {
		n.mu.Lock()
		got := n.seen[line]
		n.mu.Unlock()
		if got >= times {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the terminal sent %q %d times to the notify socket, want %d", line, got, times)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (n *notifySocket) close() {
	n.conn.Close()
	os.Remove(n.path)
}
