package ui

import (
	"sync"

	"github.com/pudong-community/kiosk/kiosk/visit"
)

// navigator is the stack of screens: home at the bottom, the screen shown
// on top. It keeps the stack and tells who listens what is shown; which
// screens a state of the visit shows is screensFor's to say (below). The
// App decides when the stack changes (the visit machine's states, the back
// and home buttons) and draws it.
type navigator struct {
	stack []Screen
	// built is the visit state the stack was built for.
	built visit.State

	mu        sync.Mutex // guards listeners
	listeners []func(Screen)
}

func newNavigator(home Screen, built visit.State) *navigator {
	return &navigator{stack: []Screen{home}, built: built}
}

// current is the screen on top.
func (n *navigator) current() Screen { return n.stack[len(n.stack)-1] }

// depth is the number of screens, home included.
func (n *navigator) depth() int { return len(n.stack) }

// push puts s on top.
func (n *navigator) push(s Screen) { n.stack = append(n.stack, s) }

// replace swaps the top screen for s.
func (n *navigator) replace(s Screen) { n.stack[len(n.stack)-1] = s }

// pop drops the top screen.
func (n *navigator) pop() { n.stack = n.stack[:len(n.stack)-1] }

// popWhile drops screens from the top while f says so, home never.
func (n *navigator) popWhile(f func(Screen) bool) {
	k := len(n.stack)
	for k > 1 && f(n.stack[k-1]) {
		k--
	}
	n.stack = n.stack[:k]
}

// truncate keeps the bottom k screens.
func (n *navigator) truncate(k int) { n.stack = n.stack[:k] }

// over makes the stack home and then screens.
func (n *navigator) over(screens ...Screen) { n.stack = append(n.stack[:1], screens...) }

// listen registers f to be called after every screen change.
func (n *navigator) listen(f func(Screen)) {
	n.mu.Lock()
	n.listeners = append(n.listeners, f)
	n.mu.Unlock()
}

// notify tells the listeners that s shows.
func (n *navigator) notify(s Screen) {
	n.mu.Lock()
	fs := append([]func(Screen){}, n.listeners...)
	n.mu.Unlock()
	for _, f := range fs {
		f(s)
	}
}

// sameStack reports whether the screens of state from stay for state to: a
// print returns to the screen it began on, and a submission in flight is
// shown on the review page it came from.
func sameStack(from, to visit.State) bool {
	switch {
	case to == visit.StatePrinting:
		return from == visit.StateIdentified || from == visit.StateOutcome
	case from == visit.StatePrinting:
		return to == visit.StateIdentified || to == visit.StateOutcome
	case from == visit.StateReviewing && to == visit.StateSubmitting, from == visit.StateSubmitting && to == visit.StateReviewing:
		return true
	}
	return false
}

// screensFor is the stack (above home) for a state just entered.
func screensFor(s visit.Snapshot, from visit.State) []Screen {
	switch s.State {
	case visit.StateBrowsing:
		return []Screen{&guideScreen{}}
	case visit.StateIdentifying:
		if s.Purpose == visit.PurposeCases {
			return []Screen{&casesScreen{}}
		}
		return []Screen{&identifyScreen{}}
	case visit.StateIdentified:
		switch s.Purpose {
		case visit.PurposeCases:
			return []Screen{&casesScreen{}}
		case visit.PurposeApply:
			return []Screen{&menuScreen{}, &applyListScreen{}}
		case visit.PurposeBook:
			return []Screen{&menuScreen{}, &apptScreen{}}
		}
		return []Screen{&menuScreen{}}
	case visit.StateFilling:
		if from == visit.StateReviewing && s.Item != nil && len(formSteps(*s.Item)) > 0 {
			// Back from the review page: the form at its last step.
			return []Screen{&noticeScreen{}, &formScreen{idx: len(formSteps(*s.Item)) - 1}}
		}
		return []Screen{&noticeScreen{}}
	case visit.StateReviewing, visit.StateSubmitting:
		return []Screen{&reviewScreen{}}
	case visit.StateOutcome, visit.StatePrinting:
		return []Screen{&outcomeScreen{}}
	case visit.StateRating:
		return []Screen{&ratingScreen{}}
	case visit.StateEnded:
		return []Screen{&endedScreen{}}
	case visit.StateTakeCard:
		return []Screen{&takeCardScreen{}}
	}
	return nil
}
