package watchdog

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/internal/clock/clocktest"
)

// listen opens a real datagram socket as systemd would and returns its
// $NOTIFY_SOCKET name and a function reading the next datagram.
func listen(t *testing.T, abstract bool) (string, func(wait time.Duration) (string, error)) {
	t.Helper()
	name := filepath.Join(t.TempDir(), "notify.sock")
	if abstract {
		name = fmt.Sprintf("@kiosk-watchdog-test-%d-%p", time.Now().UnixNano(), t)
	}
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		t.Fatalf("listen %s: %v", name, err)
	}
	t.Cleanup(func() { conn.Close() })
	buf := make([]byte, 4096)
	return name, func(wait time.Duration) (string, error) {
		if err := conn.SetReadDeadline(time.Now().Add(wait)); err != nil {
			return "", err
		}
		n, err := conn.Read(buf)
		if err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	}
}

const long = 10 * time.Second // generous: only reached when something is wrong

func TestNotifierSends(t *testing.T) {
	t.Parallel()
	for _, abstract := range []bool{false, true} {
		for _, tc := range []struct {
			name string
			send func(*Notifier, context.Context) error
			want string
		}{
			{"ready", (*Notifier).Ready, "READY=1\n"},
			{"watchdog", (*Notifier).Watchdog, "WATCHDOG=1\n"},
			{"stopping", (*Notifier).Stopping, "STOPPING=1\n"},
			{"status", func(n *Notifier, ctx context.Context) error { return n.Status(ctx, "主页 home\nscreen") }, "STATUS=主页 home screen\n"},
			{"several", func(n *Notifier, ctx context.Context) error { return n.Notify(ctx, "READY=1", "STATUS=up") }, "READY=1\nSTATUS=up\n"},
		} {
			t.Run(fmt.Sprintf("%s/abstract=%v", tc.name, abstract), func(t *testing.T) {
				t.Parallel()
				sock, recv := listen(t, abstract)
				n, err := NewNotifier(sock)
				if err != nil {
					t.Fatal(err)
				}
				if !n.Enabled() || n.Socket() != sock {
					t.Fatalf("Enabled %v Socket %q, want true %q", n.Enabled(), n.Socket(), sock)
				}
				if err := tc.send(n, context.Background()); err != nil {
					t.Fatalf("send: %v", err)
				}
				got, err := recv(long)
				if err != nil {
					t.Fatalf("receive: %v", err)
				}
				if got != tc.want {
					t.Errorf("datagram %q, want %q", got, tc.want)
				}
			})
		}
	}
}

func TestNotifierDisabled(t *testing.T) {
	t.Parallel()
	for _, n := range []*Notifier{nil, {}, mustNotifier(t, "")} {
		if n.Enabled() {
			t.Errorf("%+v enabled", n)
		}
		if err := n.Ready(context.Background()); err != nil {
			t.Errorf("disabled Ready: %v", err)
		}
	}
}

func mustNotifier(t *testing.T, s string) *Notifier {
	t.Helper()
	n, err := NewNotifier(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestNotifierErrors(t *testing.T) {
	t.Parallel()
	for _, sock := range []string{"vsock:2:1234", "relative/path", "@"} {
		t.Run("socket "+sock, func(t *testing.T) {
			t.Parallel()
			if _, err := NewNotifier(sock); !errors.Is(err, ErrUnsupportedSocket) {
				t.Errorf("NewNotifier(%q) = %v, want ErrUnsupportedSocket", sock, err)
			}
		})
	}
	sock, recv := listen(t, false)
	n := mustNotifier(t, sock)
	for _, states := range [][]string{nil, {""}, {"READY"}, {"=1"}, {"STATUS=a\nWATCHDOG=1"}, {"X=\x00"}} {
		t.Run(fmt.Sprintf("state %q", states), func(t *testing.T) {
			if err := n.Notify(context.Background(), states...); !errors.Is(err, ErrBadState) {
				t.Errorf("Notify(%q) = %v, want ErrBadState", states, err)
			}
		})
	}
	if got, err := recv(50 * time.Millisecond); err == nil {
		t.Errorf("a bad state was sent: %q", got)
	}
	t.Run("no listener", func(t *testing.T) {
		n := mustNotifier(t, filepath.Join(t.TempDir(), "gone.sock"))
		err := n.Watchdog(context.Background())
		if err == nil || !strings.HasPrefix(err.Error(), "watchdog: ") {
			t.Errorf("send to a missing socket: %v", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := n.Watchdog(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled send: %v", err)
		}
	})
}

func TestFromEnv(t *testing.T) {
	sock, recv := listen(t, true)
	t.Setenv("NOTIFY_SOCKET", sock)
	n, err := FromEnv()
	if err != nil || n.Socket() != sock {
		t.Fatalf("FromEnv = %q, %v", n.Socket(), err)
	}
	if err := n.Ready(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, err := recv(long); err != nil || got != "READY=1\n" {
		t.Errorf("got %q, %v", got, err)
	}
	t.Setenv("NOTIFY_SOCKET", "")
	if n, err := FromEnv(); !errors.Is(err, ErrNoSocket) || n.Enabled() {
		t.Errorf("without NOTIFY_SOCKET: %v enabled=%v", err, n.Enabled())
	}
	t.Setenv("NOTIFY_SOCKET", "vsock:1:2")
	if n, err := FromEnv(); !errors.Is(err, ErrUnsupportedSocket) || n.Enabled() {
		t.Errorf("vsock: %v enabled=%v", err, n.Enabled())
	}
}

func TestParseInterval(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		usec, pid string
		want      time.Duration
		err       error
	}{
		{"30000000", "", 30 * time.Second, nil},
		{"30000000", "42", 30 * time.Second, nil},
		{"1", "", time.Microsecond, nil},
		{"", "", 0, ErrDisabled},
		{"30000000", "43", 0, ErrDisabled},
		{"0", "", 0, ErrBadInterval},
		{"-5", "", 0, ErrBadInterval},
		{"30s", "", 0, ErrBadInterval},
		{"99999999999999999999", "", 0, ErrBadInterval},
		{"30000000", "x", 0, ErrBadInterval},
	} {
		t.Run(tc.usec+"/"+tc.pid, func(t *testing.T) {
			t.Parallel()
			got, err := ParseInterval(tc.usec, tc.pid, 42)
			if !errors.Is(err, tc.err) || got != tc.want {
				t.Errorf("ParseInterval(%q, %q) = %v, %v; want %v, %v", tc.usec, tc.pid, got, err, tc.want, tc.err)
			}
		})
	}
}

func TestWatchdogIntervalEnv(t *testing.T) {
	t.Setenv("WATCHDOG_USEC", "15000000")
	t.Setenv("WATCHDOG_PID", fmt.Sprint(1<<22+7)) // not this process
	if _, err := WatchdogInterval(); !errors.Is(err, ErrDisabled) {
		t.Errorf("other pid: %v", err)
	}
	t.Setenv("WATCHDOG_PID", "")
	if d, err := WatchdogInterval(); err != nil || d != 15*time.Second {
		t.Errorf("WatchdogInterval = %v, %v", d, err)
	}
}

func newClock() *clocktest.Clock { return clocktest.New(time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)) }

func TestMonitorCheck(t *testing.T) {
	t.Parallel()
	c := newClock()
	m := NewMonitor(c.Now)
	hearts := map[string]*Heart{}
	for _, h := range []struct {
		name   string
		within time.Duration
	}{{"ui", 10 * time.Second}, {"idcard", 10 * time.Second}, {"printer", 30 * time.Second}, {"relay", 60 * time.Second}} {
		hh, err := m.Register(h.name, h.within)
		if err != nil {
			t.Fatal(err)
		}
		hearts[h.name] = hh
	}
	if got := strings.Join(m.Names(), ","); got != "idcard,printer,relay,ui" {
		t.Errorf("Names = %s", got)
	}
	steps := []struct {
		advance time.Duration
		beat    []string
		stale   string // comma-separated, "" for alive
	}{
		{0, nil, ""},
		{10 * time.Second, nil, ""}, // exactly at the bound is alive
		{time.Second, nil, "idcard,ui"},
		{0, []string{"ui"}, "idcard"},
		{0, []string{"idcard"}, ""},
		{25 * time.Second, []string{"ui", "idcard"}, "printer"},
		{0, []string{"printer"}, ""},
		{30 * time.Second, []string{"ui", "idcard", "printer"}, "relay"},
	}
	for i, s := range steps {
		c.Add(s.advance)
		for _, b := range s.beat {
			hearts[b].Beat()
		}
		err := m.Check()
		var se *StaleError
		got := ""
		if errors.As(err, &se) {
			got = strings.Join(se.Names(), ",")
			if !errors.Is(err, ErrStale) || !strings.HasPrefix(err.Error(), "watchdog: not alive: ") {
				t.Errorf("step %d: error %v", i, err)
			}
		} else if err != nil {
			t.Fatalf("step %d: unexpected error %v", i, err)
		}
		if got != s.stale {
			t.Errorf("step %d: stale %q, want %q", i, got, s.stale)
		}
	}
	if _, err := m.Register("ui", time.Second); !errors.Is(err, ErrDuplicate) {
		t.Errorf("duplicate: %v", err)
	}
	if _, err := m.Register("x", 0); !errors.Is(err, ErrBadBound) {
		t.Errorf("zero bound: %v", err)
	}
	if _, err := m.Register("", time.Second); err == nil {
		t.Error("empty name accepted")
	}
}

// TestPingerSequence drives the pinger tick by tick over a real socket: it
// pings while all hearts are alive, goes quiet (one status line) while one
// is stale, and resumes when it beats again.
func TestPingerSequence(t *testing.T) {
	t.Parallel()
	sock, recv := listen(t, false)
	c := newClock()
	m := NewMonitor(c.Now)
	ui, _ := m.Register("ui", 10*time.Second)
	relay, _ := m.Register("relay", 10*time.Second)
	tick := make(chan time.Time)
	var changes []string
	var mu sync.Mutex
	p := &Pinger{Notifier: mustNotifier(t, sock), Monitor: m, Tick: tick,
		OnChange: func(err error) {
			mu.Lock()
			changes = append(changes, fmt.Sprint(err))
			mu.Unlock()
		},
		OnError: func(err error) { t.Errorf("send: %v", err) }}
	handled := make(chan struct{})
	p.afterTick = func() { handled <- struct{}{} }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()

	step := func(advance time.Duration, beat ...*Heart) {
		c.Add(advance)
		for _, h := range beat {
			h.Beat()
		}
		tick <- c.Now()
		<-handled
	}
	step(5*time.Second, ui, relay)
	step(5*time.Second, ui, relay)
	step(5*time.Second, relay) // ui last beat 5 s ago: alive
	step(6*time.Second, relay) // 11 s: stale
	step(5*time.Second, relay) // still stale: nothing sent
	step(5*time.Second, relay)
	step(5*time.Second, ui, relay) // recovered
	step(0)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	want := []string{
		"WATCHDOG=1\n", "WATCHDOG=1\n", "WATCHDOG=1\n",
		"STATUS=watchdog: not alive: ui (last beat 11s ago, bound 10s)\n",
		"STATUS=alive\n", "WATCHDOG=1\n",
		"WATCHDOG=1\n",
	}
	var got []string
	for {
		d, err := recv(100 * time.Millisecond)
		if err != nil {
			break
		}
		got = append(got, d)
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("datagrams\n got %q\nwant %q", got, want)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(changes) != 2 || !strings.Contains(changes[0], "not alive: ui") || changes[1] != "<nil>" {
		t.Errorf("OnChange calls %q", changes)
	}
}

// TestPingerRealTime runs the pinger on its own ticker and the real clock:
// pings arrive while the loops beat, and stop once the UI loop hangs.
func TestPingerRealTime(t *testing.T) {
	t.Parallel()
	sock, recv := listen(t, true)
	m := NewMonitor(nil)
	ui, _ := m.Register("ui", time.Second)
	idcard, _ := m.Register("idcard", time.Second)
	p := &Pinger{Notifier: mustNotifier(t, sock), Monitor: m, Every: 20 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var uiHung atomic.Bool
	// The UI beats through a stand-in for fyne.Do that drops work once hung.
	go ui.BeatThrough(ctx, 20*time.Millisecond, func(f func()) {
		if !uiHung.Load() {
			f()
		}
	})
	go idcard.BeatThrough(ctx, 20*time.Millisecond, func(f func()) { f() })
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()

	for i := 0; i < 3; i++ {
		got, err := recv(long)
		if err != nil || got != "WATCHDOG=1\n" {
			t.Fatalf("ping %d: %q, %v", i, got, err)
		}
	}
	uiHung.Store(true)
	for {
		got, err := recv(long)
		if err != nil {
			t.Fatalf("no status after the UI hung: %v", err)
		}
		if strings.HasPrefix(got, "STATUS=watchdog: not alive: ui ") {
			break
		}
		if got != "WATCHDOG=1\n" {
			t.Fatalf("unexpected datagram %q", got)
		}
	}
	// Twenty-five ping periods without a ping.
	if got, err := recv(500 * time.Millisecond); err == nil {
		t.Errorf("sent %q while the UI is hung", got)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
}

func TestPingerErrors(t *testing.T) {
	t.Parallel()
	if err := (&Pinger{Monitor: NewMonitor(nil), Every: time.Second}).Run(context.Background()); !errors.Is(err, ErrNoHearts) {
		t.Errorf("no hearts: %v", err)
	}
	m := NewMonitor(nil)
	if _, err := m.Register("ui", time.Second); err != nil {
		t.Fatal(err)
	}
	if err := (&Pinger{Monitor: m}).Run(context.Background()); !errors.Is(err, ErrBadBound) {
		t.Errorf("no period: %v", err)
	}
	h, _ := m.Register("relay", time.Second)
	if err := h.BeatThrough(context.Background(), 0, func(f func()) { f() }); !errors.Is(err, ErrBadBound) {
		t.Errorf("BeatThrough period 0: %v", err)
	}
	// A disabled notifier: the pinger still runs and stops with ctx.
	ctx, cancel := context.WithCancel(context.Background())
	tick := make(chan time.Time)
	done := make(chan error, 1)
	go func() { done <- (&Pinger{Monitor: m, Tick: tick}).Run(ctx) }()
	tick <- time.Now()
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run with disabled notifier: %v", err)
	}
}
