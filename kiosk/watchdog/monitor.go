package watchdog

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// Errors of the liveness monitor.
var (
	// ErrStale: at least one heart has not beaten within its bound; the
	// error is a *StaleError.
	ErrStale = errors.New("watchdog: not alive")
	// ErrDuplicate: a heart of that name is already registered.
	ErrDuplicate = errors.New("watchdog: heart registered twice")
	// ErrBadBound: a heart's bound, or a ping period, is not positive.
	ErrBadBound = errors.New("watchdog: bound must be positive")
	// ErrNoHearts: a Pinger would ping for a monitor that watches nothing.
	ErrNoHearts = errors.New("watchdog: no hearts registered")
)

// Monitor aggregates the liveness of named loops. Each loop registers a
// Heart and beats it on every turn; the monitor is alive while every heart
// has beaten within its bound. A Monitor is safe for concurrent use.
type Monitor struct {
	now    func() time.Time
	mu     sync.Mutex
	hearts map[string]*Heart
}

// NewMonitor returns a Monitor reading the time from now (time.Now if nil).
func NewMonitor(now func() time.Time) *Monitor {
	if now == nil {
		now = time.Now
	}
	return &Monitor{now: now, hearts: map[string]*Heart{}}
}

// Heart is one watched loop ("ui", "idcard", "printer", "relay").
type Heart struct {
	m      *Monitor
	name   string
	within time.Duration
	last   time.Time // guarded by m.mu
}

// Register adds a heart that must beat at least every within. The
// registration counts as its first beat, so a loop has one bound to start.
func (m *Monitor) Register(name string, within time.Duration) (*Heart, error) {
	if name == "" || strings.ContainsAny(name, "\n\x00") {
		return nil, fmt.Errorf("watchdog: bad heart name %q", name)
	}
	if within <= 0 {
		return nil, fmt.Errorf("%w: heart %s: %v", ErrBadBound, name, within)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, dup := m.hearts[name]; dup {
		return nil, fmt.Errorf("%w: %s", ErrDuplicate, name)
	}
	h := &Heart{m: m, name: name, within: within, last: m.now()}
	m.hearts[name] = h
	return h, nil
}

// Name returns the heart's name.
func (h *Heart) Name() string { return h.name }

// Beat records that the loop is alive now.
func (h *Heart) Beat() {
	now := h.m.now()
	h.m.mu.Lock()
	h.last = now
	h.m.mu.Unlock()
}

// BeatThrough beats h every period by handing h.Beat to do, until ctx is
// done. do is the way into the watched loop, e.g. fyne.Do for the UI event
// loop: the beat then happens only if that loop still runs functions, so a
// hung UI stops beating. do must not block for long (fyne.Do queues).
func (h *Heart) BeatThrough(ctx context.Context, every time.Duration, do func(func())) error {
	if every <= 0 {
		return fmt.Errorf("%w: beat period %v", ErrBadBound, every)
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		do(h.Beat)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Stale is one heart that has not beaten within its bound.
type Stale struct {
	Name   string
	Since  time.Duration // time since its last beat
	Within time.Duration // its bound
}

// StaleError lists the hearts that are not alive, by name.
type StaleError struct {
	Stale []Stale
}

func (e *StaleError) Error() string {
	parts := make([]string, len(e.Stale))
	for i, s := range e.Stale {
		parts[i] = fmt.Sprintf("%s (last beat %v ago, bound %v)", s.Name, s.Since.Round(time.Millisecond), s.Within)
	}
	return "watchdog: not alive: " + strings.Join(parts, ", ")
}

// Unwrap makes errors.Is(err, ErrStale) true.
func (e *StaleError) Unwrap() error { return ErrStale }

// Names returns the names of the stale hearts.
func (e *StaleError) Names() []string {
	n := make([]string, len(e.Stale))
	for i, s := range e.Stale {
		n[i] = s.Name
	}
	return n
}

// Check returns nil when every heart beat within its bound, else a
// *StaleError naming the stale ones in name order.
func (m *Monitor) Check() error { return m.CheckAt(m.now()) }

// CheckAt is Check at the given time of the monitor's clock.
func (m *Monitor) CheckAt(now time.Time) error {
	m.mu.Lock()
	var stale []Stale
	for _, h := range m.hearts {
		if since := now.Sub(h.last); since > h.within {
			stale = append(stale, Stale{Name: h.name, Since: since, Within: h.within})
		}
	}
	m.mu.Unlock()
	if len(stale) == 0 {
		return nil
	}
	sort.Slice(stale, func(i, j int) bool { return stale[i].Name < stale[j].Name })
	return &StaleError{Stale: stale}
}

// Names returns the registered hearts' names in order.
func (m *Monitor) Names() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	names := make([]string, 0, len(m.hearts))
	for n := range m.hearts {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Pinger pings the service manager's watchdog only while the monitor is
// alive. When a heart goes stale it stops pinging and sets the unit's
// status to the stale hearts, so systemd kills and restarts the terminal
// after WatchdogSec; if the hearts recover first, pinging resumes.
type Pinger struct {
	Notifier *Notifier
	Monitor  *Monitor
	// Every is the ping period: half of WatchdogInterval() or less.
	Every time.Duration
	// Tick replaces the ticker of period Every (tests); optional. Its
	// values are the times checked, on the monitor's clock.
	Tick <-chan time.Time
	// AliveStatus is the STATUS= text sent when the hearts recover;
	// "alive" if empty.
	AliveStatus string
	// OnChange, if set, is called when liveness changes: with the
	// *StaleError when a heart goes stale, with nil when all are alive again.
	OnChange func(err error)
	// OnError, if set, receives failed sends (the pinger keeps going).
	OnError func(err error)

	afterTick func() // tests: called when a tick is handled
}

// Run checks the monitor on every tick until ctx is done, then returns nil.
func (p *Pinger) Run(ctx context.Context) error {
	if p.Monitor == nil || len(p.Monitor.Names()) == 0 {
		return ErrNoHearts
	}
	tick, injected := p.Tick, p.Tick != nil
	if !injected {
		if p.Every <= 0 {
			return fmt.Errorf("%w: ping period %v", ErrBadBound, p.Every)
		}
		t := time.NewTicker(p.Every)
		defer t.Stop()
		tick = t.C
	}
	alive := true
	for {
		var err error
		select {
		case <-ctx.Done():
			return nil
		case now := <-tick:
			if injected {
				err = p.Monitor.CheckAt(now)
			} else {
				err = p.Monitor.Check()
			}
		}
		switch {
		case err != nil && alive:
			alive = false
			p.send(ctx, func() error { return p.Notifier.Status(ctx, err.Error()) })
			if p.OnChange != nil {
				p.OnChange(err)
			}
		case err == nil && !alive:
			alive = true
			status := p.AliveStatus
			if status == "" {
				status = "alive"
			}
			p.send(ctx, func() error { return p.Notifier.Status(ctx, status) })
			if p.OnChange != nil {
				p.OnChange(nil)
			}
		}
		if alive {
			p.send(ctx, func() error { return p.Notifier.Watchdog(ctx) })
		}
		if p.afterTick != nil {
			p.afterTick()
		}
	}
}

func (p *Pinger) send(ctx context.Context, f func() error) {
	if err := f(); err != nil && p.OnError != nil && ctx.Err() == nil {
		p.OnError(err)
	}
}
