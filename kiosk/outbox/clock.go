package outbox

import (
	"context"
	"fmt"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
)

// The terminal's clock is not trusted blindly. Ages (parking a submission
// queued past the key window, purging delivered ones past the retention)
// are judged by the central system's time once a heartbeat has told it,
// carried forward on the terminal's monotonic clock, so that a wall clock
// set a year ahead or back changes nothing. Before that the terminal's own
// clock is used, unless it reads a time no working terminal can be at (a
// clock reset to 1970, or 2099): then no age is judged at all.

// Plausible bounds of the terminal's clock before the server's time is
// known.
var (
	minPlausible = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	maxPlausible = time.Date(2075, 1, 1, 0, 0, 0, 0, time.UTC)
)

// serverTime is the central system's time as the last heartbeat told it,
// with the monotonic reading when it was told.
type serverTime struct {
	at   time.Time
	mono time.Duration
}

// learnServerTime records the server's time from a heartbeat answer. A
// jump of the terminal's clock since the last one (the skew moved by more
// than MaxClockSkew), or a first server time while the terminal's clock
// was implausible, makes every queued submission due now: its next attempt
// was set by the clock that was wrong.
func (r *Relay) learnServerTime(at time.Time) {
	mono := r.cfg.Clock.Mono()
	now := r.cfg.Now()
	r.mu.Lock()
	first := r.server.at.IsZero()
	oldSkew := r.status.ClockSkew
	r.server = serverTime{at: at, mono: mono}
	skew := at.Sub(now)
	r.status.ClockSkew = skew
	r.status.ClockError = ""
	r.mu.Unlock()
	jumped := !first && (skew-oldSkew > kiosk.MaxClockSkew || oldSkew-skew > kiosk.MaxClockSkew)
	if first && !plausible(now) || jumped {
		r.log.Warn("the terminal's clock jumped or was wrong: queued submissions are made due now", "skew", skew.Round(time.Second).String())
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if _, err := r.cfg.Outbox.RetryNow(ctx); err != nil {
			r.log.Warn("cannot make queued submissions due", "err", err)
		}
		cancel()
		r.Notify()
	}
	if skew > kiosk.MaxClockSkew || skew < -kiosk.MaxClockSkew {
		r.log.Warn("terminal clock differs from the server's; ages are judged by the server's time", "skew", skew.Round(time.Second).String())
	}
}

func plausible(t time.Time) bool { return !t.Before(minPlausible) && t.Before(maxPlausible) }

// judgeNow is the time ages are judged by: the server's time carried
// forward, or the terminal's clock if no server time is known yet and the
// clock is plausible. ok is false when there is neither.
func (r *Relay) judgeNow() (time.Time, bool) {
	r.mu.Lock()
	st := r.server
	r.mu.Unlock()
	if !st.at.IsZero() {
		return st.at.Add(r.cfg.Clock.Mono() - st.mono), true
	}
	now := r.cfg.Now()
	if !plausible(now) {
		r.mu.Lock()
		r.status.ClockError = fmt.Sprintf("the terminal's clock reads %s, which cannot be right; nothing is parked or purged by age until the central system's time is known / 终端时钟有误，联系中心系统校时前不按时长搁置或清理",
			now.UTC().Format(time.RFC3339))
		r.mu.Unlock()
		return now, false
	}
	r.mu.Lock()
	r.status.ClockError = "" // set right meanwhile
	r.mu.Unlock()
	return now, true
}

// ageNow is the time ages are measured to: the earlier of the server's
// time (carried forward) and the terminal's clock. The rows' own times
// (queued, delivered) were stamped by the terminal's clock, so a clock set
// back makes rows stamped before look older by the server's time, and a
// clock set ahead makes rows stamped since look older by its own: the
// earlier of the two never makes a row look older than it is, so a jump
// either way parks and purges nothing early (it may only do so late). ok
// is false when there is no time to judge by.
func (r *Relay) ageNow() (time.Time, bool) {
	trusted, ok := r.judgeNow()
	if !ok {
		return trusted, false
	}
	return earlier(trusted, r.cfg.Now()), true
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// skewNow is the server's time minus the terminal's clock as the relay
// knows it now (a jump since the last heartbeat included); ok is false
// before any server time.
func (r *Relay) skewNow() (time.Duration, bool) {
	r.mu.Lock()
	known := !r.server.at.IsZero()
	r.mu.Unlock()
	if !known {
		return 0, false
	}
	now, _ := r.judgeNow()
	return now.Sub(r.cfg.Now()), true
}

// TrustedNow is the time the terminal should date things by where a wrong
// clock would mislead (promised dates on receipts): the central system's
// time carried forward once a heartbeat has told it, else the terminal's
// clock.
func (r *Relay) TrustedNow() time.Time {
	now, _ := r.judgeNow()
	return now
}
