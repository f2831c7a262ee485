package terminal

import (
	"context"
	"errors"
	"time"

	"github.com/pudong-community/kiosk/kiosk/watchdog"
)

// startWatchdog, when systemd watches the terminal (Deps.Watchdog), pings
// it only while the UI event loop and the two device loops beat: a hung UI
// or device loop gets the terminal restarted. It runs in g.
func (t *Terminal) startWatchdog(g *group) {
	n := t.deps.Watchdog
	if !n.Enabled() {
		return
	}
	every := 10 * time.Second
	if iv, err := watchdog.WatchdogInterval(); err == nil && iv > 0 {
		every = iv / 3
	}
	m := watchdog.NewMonitor(nil)
	within := max(3*every, 15*time.Second)
	card, _ := m.Register("idcard", within)
	prn, _ := m.Register("printer", within)
	t.cardBeat, t.printerBeat = card.Beat, prn.Beat
	card.Beat()
	prn.Beat()
	if post := t.deps.Post; post != nil {
		uiHeart, _ := m.Register("ui", within)
		g.Go("UI heart", func(ctx context.Context) error {
			uiHeart.BeatThrough(ctx, 2*time.Second, post)
			return nil
		})
	}
	p := &watchdog.Pinger{Notifier: n, Monitor: m, Every: every, OnChange: func(err error) {
		if err != nil {
			t.log.Error("watchdog: not pinging, systemd will restart the terminal", "err", err)
		} else {
			t.log.Info("watchdog: pinging")
		}
	}}
	g.Go("watchdog", func(ctx context.Context) error {
		p.Run(ctx)
		return nil
	})
}

// beat beats a device loop's watchdog heart, if it has one.
func (t *Terminal) beat(f *func()) {
	if *f != nil {
		(*f)()
	}
}

// Ready tells systemd the terminal is up (its home screen shows).
func (t *Terminal) Ready(ctx context.Context) {
	n := t.deps.Watchdog
	if !n.Enabled() {
		return
	}
	if err := n.Ready(ctx); err != nil && !errors.Is(err, watchdog.ErrNoSocket) {
		t.log.Warn("watchdog ready", "err", err)
	}
	_ = n.Status(ctx, "home screen")
}

// Stopping tells systemd the terminal is stopping.
func (t *Terminal) Stopping() {
	n := t.deps.Watchdog
	if !n.Enabled() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = n.Stopping(ctx)
}
