package ui

import "time"

// loadState is where one asynchronous load of a screen stands. Each load
// the screens wait on (the catalogue, a resident's cases, a submission, a
// print, the receipt's picture) is one load value, not a set of flags.
type loadState uint8

const (
	loadIdle    loadState = iota // not asked for yet
	loadLoading                  // asked for; no answer yet
	loadLoaded                   // answered
	loadFailed                   // answered with an error
)

func (s loadState) String() string {
	switch s {
	case loadLoading:
		return "loading"
	case loadLoaded:
		return "loaded"
	case loadFailed:
		return "failed"
	}
	return "idle"
}

// load is one asynchronous load and its answer.
type load[T any] struct {
	state loadState
	// val is the last answer that came: a later failure, or a reload
	// under way, keeps it (a catalogue shown stays shown).
	val T
	// err is the last failure; an answer clears it.
	err error
	// at is when the last answer came, or when the load began for a load
	// that is timed from its start (a submission's confirmation).
	at time.Time
}

// start marks the load as asked for; what it held stays until the answer.
func (l *load[T]) start() { l.state = loadLoading }

// done takes the answer: v on success (at now), the failure otherwise.
func (l *load[T]) done(v T, err error, now time.Time) {
	if err != nil {
		l.state, l.err = loadFailed, err
		return
	}
	l.state, l.val, l.err, l.at = loadLoaded, v, nil, now
}

func (l *load[T]) idle() bool    { return l.state == loadIdle }
func (l *load[T]) loading() bool { return l.state == loadLoading }
func (l *load[T]) failed() bool  { return l.state == loadFailed }
