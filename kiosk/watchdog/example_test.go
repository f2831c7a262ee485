package watchdog_test

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/pudong-community/kiosk/kiosk/watchdog"
)

// The wiring in cmd/kiosk: one heart per loop, the pinger at a third of
// WatchdogSec, READY=1 once the home screen is up, STOPPING=1 on the way out.
func Example() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	notifier, err := watchdog.FromEnv() // a disabled notifier outside systemd
	if err != nil && !errors.Is(err, watchdog.ErrNoSocket) {
		slog.Warn("watchdog", "err", err)
	}
	every := 10 * time.Second
	if d, err := watchdog.WatchdogInterval(); err == nil {
		every = d / 3
	}
	monitor := watchdog.NewMonitor(nil)
	ui, _ := monitor.Register("ui", 15*time.Second)
	idcard, _ := monitor.Register("idcard", 15*time.Second)
	// The UI beats through its event loop: fyne.Do in the real program.
	fyneDo := func(f func()) { f() }
	go ui.BeatThrough(ctx, 2*time.Second, fyneDo)
	// The reader's port goroutine calls idcard.Beat() on every poll.
	idcard.Beat()
	pinger := &watchdog.Pinger{Notifier: notifier, Monitor: monitor, Every: every,
		OnChange: func(err error) {
			if err != nil {
				slog.Error("watchdog: not pinging", "err", err)
			}
		}}
	go pinger.Run(ctx)
	_ = notifier.Ready(ctx)
	_ = notifier.Status(ctx, "home screen")
	// ... on shutdown:
	_ = notifier.Stopping(ctx)
}
