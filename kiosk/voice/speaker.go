package voice

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
)

// Settings are how the speaker speaks.
type Settings struct {
	Enabled   bool
	Volume    int // 0-100
	Rate      int // words per minute
	ElderRate int // in elder mode; slower than Rate
	// QuietFrom and QuietTo are minutes after midnight: between them
	// (across midnight when QuietFrom > QuietTo) nothing is said. Equal:
	// no quiet hours.
	QuietFrom, QuietTo int
	Now                func() time.Time // time.Now when nil
}

// Quiet reports whether t falls in the quiet hours.
func (s Settings) Quiet(t time.Time) bool {
	if s.QuietFrom == s.QuietTo {
		return false
	}
	m := t.Hour()*60 + t.Minute()
	if s.QuietFrom < s.QuietTo {
		return m >= s.QuietFrom && m < s.QuietTo
	}
	return m >= s.QuietFrom || m < s.QuietTo
}

// Speaker is the kiosk.Voice of the terminal: Say hands the prompt to its
// own goroutine (Run) and returns at once. A newer prompt cuts the one
// playing (unless it asks to come After it); prompts that arrive while one
// is being prepared replace each other, so a burst plays at most the
// latest. A sink that fails is silence with the health entry "speaker"
// degraded; the next prompt tries again.
type Speaker struct {
	lib  *Library
	sink Sink
	wake chan struct{}

	mu       sync.Mutex
	set      Settings
	pending  *request
	cancel   context.CancelFunc // cuts the clip playing
	health   kiosk.DeviceHealth
	onHealth func(kiosk.DeviceHealth)
	onPlay   func(kiosk.Prompt, Source, error)
}

type request struct {
	p    kiosk.Prompt
	test bool // staff test: plays even when disabled or quiet
	at   time.Time
}

// NewSpeaker speaks the prompts of lib through sink.
func NewSpeaker(lib *Library, sink Sink, set Settings) *Speaker {
	if set.Now == nil {
		set.Now = time.Now
	}
	sp := &Speaker{lib: lib, sink: sink, set: set, wake: make(chan struct{}, 1)}
	state, reason, detail := sp.working()
	sp.health = kiosk.DeviceHealth{Device: kiosk.DeviceSpeaker, State: state, Reason: reason, Detail: detail, Since: set.Now()}
	return sp
}

// working is the speaker's health while prompts play: ok, or degraded
// when staff's recordings were refused (the synthesised prompts play in
// their place).
func (s *Speaker) working() (kiosk.DeviceState, kiosk.DeviceReason, string) {
	if p := s.lib.Problems(); len(p) > 0 {
		return kiosk.StateDegraded, kiosk.ReasonFault, fmt.Sprintf("%d recording(s) refused: %s", len(p), strings.Join(p, "; "))
	}
	return kiosk.StateOK, kiosk.ReasonNone, ""
}

// OnHealth sets f to hear every change of the speaker's health (on the
// speaker's goroutine). Call it before Run.
func (s *Speaker) OnHealth(f func(kiosk.DeviceHealth)) {
	s.mu.Lock()
	s.onHealth = f
	s.mu.Unlock()
}

// OnPlay sets f to hear of every prompt played (err nil), cut (the
// context's error) or failed; for the log. Call it before Run.
func (s *Speaker) OnPlay(f func(kiosk.Prompt, Source, error)) {
	s.mu.Lock()
	s.onPlay = f
	s.mu.Unlock()
}

// Health is the speaker's health.
func (s *Speaker) Health() kiosk.DeviceHealth {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.health
}

// Settings are the settings in force.
func (s *Speaker) Settings() Settings {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.set
}

// Volume is the volume in force (0-100).
func (s *Speaker) Volume() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.set.Volume
}

// SetVolume changes the volume (clamped to 0-100) from the next prompt on.
func (s *Speaker) SetVolume(v int) {
	s.mu.Lock()
	s.set.Volume = max(0, min(100, v))
	s.mu.Unlock()
}

// Say asks for a prompt; see Speaker. Safe from any goroutine; never
// blocks.
func (s *Speaker) Say(p kiosk.Prompt) { s.ask(request{p: p}) }

// Test plays a prompt for staff, even when the voice is disabled or in
// quiet hours.
func (s *Speaker) Test(p kiosk.Prompt) { s.ask(request{p: p, test: true}) }

func (s *Speaker) ask(r request) {
	s.mu.Lock()
	r.at = s.set.Now()
	if !r.test && (!s.set.Enabled || s.set.Quiet(r.at)) {
		s.mu.Unlock()
		return
	}
	s.pending = &r
	if !r.p.After && s.cancel != nil {
		s.cancel()
		s.cancel = nil
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Degrade records the speaker as degraded (no synthesiser, no player)
// before any prompt is asked for.
func (s *Speaker) Degrade(detail string) { s.report(kiosk.StateDegraded, kiosk.ReasonOffline, detail) }

func (s *Speaker) report(state kiosk.DeviceState, reason kiosk.DeviceReason, detail string) {
	s.mu.Lock()
	h := s.health
	if h.State == state && h.Reason == reason && h.Detail == detail {
		s.mu.Unlock()
		return
	}
	if h.State != state {
		h.Since = s.set.Now()
	}
	h.State, h.Reason, h.Detail = state, reason, detail
	s.health = h
	f := s.onHealth
	s.mu.Unlock()
	if f != nil {
		f(h)
	}
}

// Run plays the prompts asked for until ctx ends.
func (s *Speaker) Run(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.wake:
		}
		for {
			s.mu.Lock()
			r := s.pending
			s.pending = nil
			s.mu.Unlock()
			if r == nil || ctx.Err() != nil {
				break
			}
			s.play(ctx, *r)
		}
	}
}

// play speaks one prompt.
func (s *Speaker) play(ctx context.Context, r request) {
	s.mu.Lock()
	rate, volume := s.set.Rate, s.set.Volume
	if r.p.Elder {
		rate = s.set.ElderRate
	}
	onPlay := s.onPlay
	s.mu.Unlock()
	clip, src, err := s.lib.Clip(ctx, r.p.ID, LangOf(r.p), rate)
	if err != nil {
		s.report(kiosk.StateDegraded, kiosk.ReasonFault, err.Error())
		if onPlay != nil {
			onPlay(r.p, src, err)
		}
		return
	}
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.mu.Lock()
	if s.pending != nil && !s.pending.p.After {
		s.mu.Unlock()
		return // a newer prompt came while this one was prepared
	}
	s.cancel = cancel
	s.mu.Unlock()
	err = s.sink.Play(pctx, clip, volume)
	s.mu.Lock()
	s.cancel = nil
	s.mu.Unlock()
	switch {
	case err == nil:
		s.report(s.working())
	case pctx.Err() != nil:
		err = context.Canceled // cut by a newer prompt, or the end
	case errors.Is(err, ErrNoDevice):
		s.report(kiosk.StateDegraded, kiosk.ReasonOffline, err.Error())
	default:
		s.report(kiosk.StateDegraded, kiosk.ReasonFault, err.Error())
	}
	if onPlay != nil {
		onPlay(r.p, src, err)
	}
}
