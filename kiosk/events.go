package kiosk

// Event is what the running terminal tells the screens: a card on the
// reader, the network, the outbox, the devices. kiosk/terminal sends them
// on one channel; kiosk/ui applies them. The concrete types are the ones
// below.
type Event interface{ event() }

// CardPresented: a card was read. The screens offer it to the
// maintenance entry first (a staff card), then to the visit.
type CardPresented struct {
	Person Person
	// Expired is the reader's verdict; Age the holder's age in years.
	Expired bool
	Age     int
}

// CardRemoved: the card left the reader.
type CardRemoved struct {
	// Lost: the reader failed with the card on it, which counts as
	// removed though the card may still lie there.
	Lost bool
}

// CardFailed: a card was on the reader but could not be read. Reason is
// for the log, not the screen.
type CardFailed struct{ Reason string }

// OnlineChanged: the central system answers again, or no longer.
type OnlineChanged struct{ Online bool }

// Sent: the outbox has sent what was due.
type Sent struct{}

// HealthChanged: the devices' health changed (and once at start).
type HealthChanged struct{ Health HealthSnapshot }

func (CardPresented) event() {}
func (CardRemoved) event()   {}
func (CardFailed) event()    {}
func (OnlineChanged) event() {}
func (Sent) event()          {}
func (HealthChanged) event() {}
