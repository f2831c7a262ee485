// Package visit is the state machine of a resident's visit to the terminal:
// home, service guide, identification (self or agent), my cases, the
// application form, review, confirm, submission and print, the idle warning,
// the rating of the visit's services (好差评) and the end of the visit, which
// wipes every personal value it held (the rating begins with that wipe).
//
// It knows nothing of Fyne, SQL or serial ports. Time comes from an
// injected Clock so tests drive timeouts without sleeping. Every method is
// safe for concurrent use; state changes are announced by OnChange with a
// Snapshot, called outside the machine's lock, in order, one at a time.
package visit

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
)

// Default timings (product.md, kiosk-practice.md §2.3).
const (
	DefaultIdle      = 60 * time.Second
	DefaultElderIdle = 120 * time.Second
	DefaultWarning   = 30 * time.Second
	MinWarning       = 20 * time.Second // WCAG 2.2.1: at least 20 s to respond
	DefaultLinger    = 3 * time.Second
	DefaultElderAge  = 60
	// DefaultCardLeft is how long the take-your-card screen waits for a
	// card left on the reader before staff are called.
	DefaultCardLeft = 2 * time.Minute
	// LostCardHold is how long a card left on the reader is still taken
	// for the one left there when the reader, failing with it on, could
	// no longer vouch for it (CardLost), and then reads it again.
	LostCardHold  = 10 * time.Minute
	maxAuthRefLen = 64
)

// Config configures a Machine. Zero values take the defaults.
type Config struct {
	Idle      time.Duration // no touch for this long shows the warning; default 60 s
	ElderIdle time.Duration // the same in elder mode; default 120 s
	Warning   time.Duration // the warning's countdown; default 30 s, at least 20 s
	Linger    time.Duration // how long the "ended" screen stays; default 3 s
	ElderAge  int           // card holders this old are offered elder mode; default 60
	// CardLeft is how long a card may lie on the reader after its visit
	// ended before Snapshot.CardLeftLong says so (staff are called);
	// default 2 min.
	CardLeft time.Duration

	Clock Clock         // default SystemClock
	NewID func() string // submission ids; default kiosk.NewSubmissionID

	// OnChange receives every change, in order, one call at a time, outside
	// the machine's lock, on the goroutine that made the change (a timer's
	// included): UI code must hand the snapshot to its own thread (fyne.Do).
	// It may call back into the machine.
	OnChange func(Snapshot)
}

// Outcome is what became of a confirmed submission.
type Outcome struct {
	Status   OutcomeStatus
	CaseNo   string // when sent
	DueDate  string // YYYY-MM-DD, when known
	TrackURL string // when sent
	Message  string // plain-words reason when failed; never personal data
}

// personal is everything a visit holds about people. End wipes it whole;
// the tests prove every field is zero afterwards, so add new per-visit
// values here and nowhere else.
type personal struct {
	resident         kiosk.Person
	residentFromCard bool
	residentKeyed    bool
	agent            kiosk.Agent
	agentMode        bool
	item             kiosk.Item
	form             map[string]string
	cases            []kiosk.Case
	submissionID     string
	confirmed        bool
	outcome          Outcome
	printErr         string
	printReturn      State
	elderOffered     bool
	// elderAsked: elder mode was offered in this visit (answered or
	// not): the offer is made once a visit.
	elderAsked bool
	// receiptFirst: an end came while the submission was in flight and
	// the submission was taken, so the end waits for the receipt's print
	// (PrintFinished) or for SkipReceipt: the resident leaves with a
	// receipt and has seen the outcome, not a bare "card taken away".
	receiptFirst bool
	failures     int
	lastFailure  CardFailure
}

// Machine is one terminal's visit state machine.
type Machine struct {
	cfg Config

	mu         sync.Mutex
	state      State
	prev       State // the state "继续" restores
	step       Step
	purpose    Purpose
	elder      bool
	english    bool
	endReason  EndReason
	pendingEnd EndReason // an end asked for while a step was in flight
	ratingEnd  EndReason // how the visit ends after the rating (StateRating)
	visitNo    uint64
	started    bool // visitNo names the visit in progress
	seq        uint64
	gen        uint64
	timer      Timer
	deadline   time.Time
	p          personal

	// cardOn: a card lies on the reader, as far as the machine was told
	// (read, or read and refused, and not removed since). It is not
	// personal: it survives the end of the visit, which wipes whose card it
	// was. cardLeftLong: it has lain there CardLeft since its visit ended.
	cardOn       bool
	cardLeftLong bool
	// cardKey names the card last read (a hash of its number, never the
	// number): the one that lies on the reader while cardOn. lostKey, at
	// lostAt: the card left on the reader after its visit when the reader
	// failed with it on (CardLost); read again, it is still the card left
	// there, not a new visit. A removal seen by the reader clears it.
	cardKey string
	lostKey string
	lostAt  time.Time

	deliverMu sync.Mutex
	queue     []Snapshot
}

// New returns a machine on the home screen.
func New(cfg Config) (*Machine, error) {
	if cfg.Idle == 0 {
		cfg.Idle = DefaultIdle
	}
	if cfg.ElderIdle == 0 {
		cfg.ElderIdle = DefaultElderIdle
	}
	if cfg.Warning == 0 {
		cfg.Warning = DefaultWarning
	}
	if cfg.Linger == 0 {
		cfg.Linger = DefaultLinger
	}
	if cfg.ElderAge == 0 {
		cfg.ElderAge = DefaultElderAge
	}
	if cfg.CardLeft == 0 {
		cfg.CardLeft = DefaultCardLeft
	}
	switch {
	case cfg.Idle < 0 || cfg.ElderIdle < 0 || cfg.Linger < 0 || cfg.CardLeft < 0:
		return nil, configErr("timeouts must be positive")
	case cfg.Warning < MinWarning:
		return nil, configErr("warning must last at least 20s, got " + cfg.Warning.String())
	case cfg.ElderIdle < cfg.Idle:
		return nil, configErr("elder idle timeout is shorter than the normal one")
	case cfg.ElderAge < 0 || cfg.ElderAge > 150:
		return nil, configErr("elder age out of range")
	}
	if cfg.Clock == nil {
		cfg.Clock = SystemClock{}
	}
	if cfg.NewID == nil {
		cfg.NewID = kiosk.NewSubmissionID
	}
	return &Machine{cfg: cfg}, nil
}

type configError string

func (e configError) Error() string { return "visit: bad config: " + string(e) }
func (e configError) Unwrap() error { return ErrConfig }

func configErr(s string) error { return configError(s) }

// Snapshot returns a copy of the machine's state, safe to keep and read from
// any goroutine.
func (m *Machine) Snapshot() Snapshot {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.snapshotLocked()
}

// do runs f under the lock and then announces the change. f returns whether
// the idle countdown restarts (a touch) and an error; on error nothing is
// announced.
func (m *Machine) do(f func() (touch bool, err error)) error {
	m.mu.Lock()
	before := m.state
	touch, err := f()
	if err != nil {
		m.mu.Unlock()
		m.flush() // a refusal may have queued news for the screen
		if err == errNoChange {
			return nil
		}
		return err
	}
	m.changedLocked(before, touch)
	m.mu.Unlock()
	m.flush()
	return nil
}

// active reports whether a visit is in progress (including a resident who
// only switched elder mode or language on the home screen). The
// take-your-card screen is after the visit: it holds no visit.
func (m *Machine) active() bool {
	return m.state != StateHome && m.state != StateEnded && m.state != StateTakeCard || m.elder || m.english
}

// changedLocked queues a snapshot and re-arms the timer when the state
// changed or the resident touched the screen.
func (m *Machine) changedLocked(before State, touch bool) {
	if !m.started && m.active() {
		m.visitNo++
		m.started = true
	}
	if m.state != before || touch {
		m.armLocked()
	}
	m.seq++
	m.queue = append(m.queue, m.snapshotLocked())
}

// armLocked stops the running timer and starts the one the state needs.
func (m *Machine) armLocked() {
	if m.timer != nil {
		m.timer.Stop()
		m.timer = nil
	}
	m.gen++
	m.deadline = time.Time{}
	var d time.Duration
	var fire func(uint64)
	switch {
	case m.state == StateEnded:
		d, fire = m.cfg.Linger, m.onLinger
	case m.state == StateTakeCard:
		if m.cardLeftLong {
			return // staff were called; the screen stays until the card goes
		}
		d, fire = m.cfg.CardLeft, m.onCardLeft
	case m.state == StateIdleWarning:
		d, fire = m.cfg.Warning, m.onWarningOver
	case m.state.inFlight():
		return // the countdown starts after the step finishes
	case m.active():
		d, fire = m.idleLocked(), m.onIdle
	default:
		return
	}
	gen := m.gen
	m.deadline = m.cfg.Clock.Now().Add(d)
	m.timer = m.cfg.Clock.AfterFunc(d, func() { fire(gen) })
}

func (m *Machine) idleLocked() time.Duration {
	if m.elder {
		return m.cfg.ElderIdle
	}
	return m.cfg.Idle
}

// timerDo runs f for the timer of generation gen, unless a later change made
// it stale.
func (m *Machine) timerDo(gen uint64, f func()) {
	m.mu.Lock()
	if gen != m.gen {
		m.mu.Unlock()
		return
	}
	m.timer = nil
	before := m.state
	f()
	m.changedLocked(before, false)
	m.mu.Unlock()
	m.flush()
}

func (m *Machine) onIdle(gen uint64) {
	m.timerDo(gen, func() {
		m.prev = m.state
		m.state = StateIdleWarning
	})
}

func (m *Machine) onWarningOver(gen uint64) {
	m.timerDo(gen, func() { m.endLocked(EndTimeout) })
}

func (m *Machine) onCardLeft(gen uint64) {
	m.timerDo(gen, func() { m.cardLeftLong = true })
}

func (m *Machine) onLinger(gen uint64) {
	m.timerDo(gen, func() {
		m.state = StateHome
		m.endReason = EndNone
	})
}

// endLocked ends the visit and wipes it, or, with a step in flight, marks
// it to end as soon as the step finishes.
func (m *Machine) endLocked(r EndReason) {
	if m.state.inFlight() {
		if m.pendingEnd == EndNone {
			m.pendingEnd = r
		}
		return
	}
	m.wipeLocked()
	m.state = StateEnded
	m.endReason = r
	if m.cardOn {
		// A card lies on the reader (the visit's, still there, or one
		// laid there since, while the end waited for a step in flight or
		// during the rating): the visit is over and wiped, but the screen
		// asks for the card until it is taken.
		m.state = StateTakeCard
		m.cardLeftLong = false
	}
}

// wipeLocked forgets everything about the visit. Strings cannot be
// overwritten in Go; dropping every reference (including queued snapshots
// once delivered) is what leaves them to the garbage collector.
func (m *Machine) wipeLocked() {
	m.p = personal{}
	m.prev = StateHome
	m.step = StepNone
	m.purpose = PurposeNone
	m.elder = false
	m.english = false
	m.pendingEnd = EndNone
	m.ratingEnd = EndNone
	m.started = false
}

// settleLocked applies an end that waited for a step in flight.
func (m *Machine) settleLocked() {
	if r := m.pendingEnd; r != EndNone && !m.state.inFlight() && !m.p.receiptFirst {
		m.pendingEnd = EndNone
		m.endLocked(r)
	}
}

// flush delivers queued snapshots to OnChange, in order, outside the lock.
// A callback that calls back into the machine does not deadlock: its own
// snapshot is queued and delivered by the loop already running.
func (m *Machine) flush() {
	for {
		if !m.deliverMu.TryLock() {
			return
		}
		for {
			m.mu.Lock()
			if len(m.queue) == 0 {
				m.mu.Unlock()
				break
			}
			s := m.queue[0]
			m.queue[0] = Snapshot{} // drop the reference to personal data
			m.queue = m.queue[1:]
			if len(m.queue) == 0 {
				m.queue = nil
			}
			m.mu.Unlock()
			if m.cfg.OnChange != nil {
				m.cfg.OnChange(s)
			}
		}
		m.deliverMu.Unlock()
		m.mu.Lock()
		empty := len(m.queue) == 0
		m.mu.Unlock()
		if empty {
			return
		}
	}
}

// Touch records activity (any tap or key) and restarts the idle countdown.
// It does nothing during the idle warning (only Continue ends that) or
// while a step is in flight. On the "ended" screen it goes home at once.
func (m *Machine) Touch() {
	_ = m.do(func() (bool, error) {
		switch {
		case m.state == StateEnded:
			m.state = StateHome
			m.endReason = EndNone
			return false, nil
		case m.state == StateIdleWarning, m.state.inFlight(), !m.active():
			return false, errNoChange
		}
		return true, nil
	})
}

var errNoChange = &StateError{Op: "nothing"}

// Continue answers the idle warning's "继续": the previous screen comes back
// and the countdown starts again.
func (m *Machine) Continue() error {
	return m.do(func() (bool, error) {
		if m.state != StateIdleWarning {
			return false, &StateError{"continue", m.state}
		}
		m.state, m.prev = m.prev, StateHome
		return true, nil
	})
}

// Finish ends the visit ("finish" tapped). With a submission or a print in
// flight the visit ends as soon as it finishes. After the rating
// (StateRating) the visit ends for the reason the rating began with. As
// every end, with a card on the reader it goes to StateTakeCard first.
func (m *Machine) Finish() error {
	return m.do(func() (bool, error) {
		if m.state == StateEnded || !m.active() {
			return false, &StateError{"finish", m.state}
		}
		r := EndFinished
		if m.state == StateRating && m.ratingEnd != EndNone {
			r = m.ratingEnd
		}
		m.endLocked(r)
		return false, nil
	})
}

// BeginRating ends the resident's part of the visit, which ends for r
// (EndFinished: 完成 or 结束办理; EndCardRemoved: the card taken away), and
// shows the rating (好差评) before the goodbye: everything personal is
// wiped now, as at the end, but the visit, its language and text size go
// on until Finish (rated or skipped) or the idle timeout. Not while a step
// is in flight, nor during the idle warning.
func (m *Machine) BeginRating(r EndReason) error {
	return m.do(func() (bool, error) {
		switch {
		case m.state == StateEnded || m.state == StateRating || m.state == StateIdleWarning || m.state.inFlight() || !m.active():
			return false, &StateError{"rating", m.state}
		case r != EndFinished && r != EndCardRemoved:
			return false, &StateError{"rating", m.state}
		}
		elder, english := m.elder, m.english
		m.wipeLocked()
		m.elder, m.english = elder, english
		m.started = true // the same visit: its number and the screens' data stay
		m.ratingEnd = r
		if r == EndCardRemoved {
			// The card was taken away: none lies on the reader now.
			m.cardOn, m.cardLeftLong, m.cardKey = false, false, ""
		}
		m.state = StateRating
		return true, nil
	})
}

// CardRemoved reports that the card left the reader. It ends a resident's
// own visit whose identity came from the card (deferred while a step is in
// flight). In the agent flow cards are swapped on purpose, so removal does
// not end it; finish or the idle timeout does.
//
// A card left on the reader after its visit ended (StateTakeCard) is taken
// at last: the goodbye shows, then home.
func (m *Machine) CardRemoved() { m.cardGone(false) }

// CardLost reports that the reader failed with a card on it: nobody can
// vouch for the card any more, so it counts as removed, as CardRemoved.
// But a card left on the reader after its visit (StateTakeCard) is
// remembered: when the reader comes back and reads it again within
// LostCardHold, the screen asks for it again (StateTakeCard) rather than
// start a visit with the card of someone who went away.
func (m *Machine) CardLost() { m.cardGone(true) }

func (m *Machine) cardGone(lost bool) {
	_ = m.do(func() (bool, error) {
		was := m.cardOn
		m.lostKey, m.lostAt = "", time.Time{}
		if lost && m.state == StateTakeCard && m.cardKey != "" {
			m.lostKey, m.lostAt = m.cardKey, m.cfg.Clock.Now()
		}
		m.cardOn, m.cardLeftLong, m.cardKey = false, false, ""
		switch {
		case m.state == StateTakeCard:
			m.state = StateEnded
			return false, nil
		case m.state == StateEnded || m.p.agentMode || !m.p.residentFromCard:
			if was {
				return false, nil // news for the screens: no card lies there now
			}
			return false, errNoChange
		}
		m.endLocked(EndCardRemoved)
		return false, nil
	})
}

// SetElderMode turns elder mode (长辈模式) on or off; one tap from home.
func (m *Machine) SetElderMode(on bool) error {
	return m.do(func() (bool, error) {
		if m.state == StateEnded || m.state == StateIdleWarning || m.state == StateTakeCard {
			return false, &StateError{"elder mode", m.state}
		}
		m.elder = on
		m.p.elderOffered = false
		return true, nil
	})
}

// DismissElderOffer closes the automatic elder-mode offer.
func (m *Machine) DismissElderOffer() error {
	return m.do(func() (bool, error) {
		if !m.p.elderOffered {
			return false, &StateError{"dismiss elder offer", m.state}
		}
		m.p.elderOffered = false
		return true, nil
	})
}

// SetEnglish switches the visit's language; it goes back to Chinese when the
// visit ends.
func (m *Machine) SetEnglish(on bool) error {
	return m.do(func() (bool, error) {
		if m.state == StateEnded || m.state == StateIdleWarning || m.state == StateTakeCard {
			return false, &StateError{"language", m.state}
		}
		m.english = on
		return true, nil
	})
}

// Browse opens the service guide (no card needed).
func (m *Machine) Browse() error {
	return m.do(func() (bool, error) {
		switch {
		case m.state == StateHome, m.state == StateBrowsing:
		case m.state == StateIdentified && !m.p.agentMode:
		default:
			return false, &StateError{"browse", m.state}
		}
		m.state = StateBrowsing
		return true, nil
	})
}

// Home is the home button: with a resident identified it returns to their
// menu (dropping an unfinished form); otherwise it forgets everything and
// shows the home screen.
func (m *Machine) Home() error {
	return m.do(func() (bool, error) {
		switch m.state {
		case StateHome:
			return true, nil
		case StateBrowsing, StateIdentifying, StateIdentified, StateFilling, StateReviewing, StateOutcome:
		default:
			return false, &StateError{"home", m.state}
		}
		if m.p.resident.IDNumber != "" && (!m.p.agentMode || m.step == StepNone) {
			m.clearApplicationLocked()
			m.state = StateIdentified
			return true, nil
		}
		elder, english := m.elder, m.english
		m.wipeLocked()
		m.elder, m.english = elder, english
		m.started = m.active()
		m.state = StateHome
		return true, nil
	})
}

func (m *Machine) clearApplicationLocked() {
	m.p.item = kiosk.Item{}
	m.p.form = nil
	m.p.submissionID = ""
	m.p.confirmed = false
	m.p.outcome = Outcome{}
	m.p.printErr = ""
}

// Identify asks for the resident's card, for my cases or to apply.
func (m *Machine) Identify(p Purpose) error {
	return m.do(func() (bool, error) {
		if m.state != StateHome && m.state != StateBrowsing || m.p.agentMode {
			return false, &StateError{"identify", m.state}
		}
		m.purpose = p
		if m.p.resident.IDNumber != "" {
			m.state = StateIdentified
			return true, nil
		}
		m.state = StateIdentifying
		m.step = StepResident
		return true, nil
	})
}

// StartAgent starts the agent flow (委托代理) to apply: the agent's card
// first.
func (m *Machine) StartAgent() error { return m.StartAgentFor(PurposeApply) }

// StartAgentFor starts the agent flow for p (PurposeApply or PurposeBook):
// the agent's card first.
func (m *Machine) StartAgentFor(p Purpose) error {
	return m.do(func() (bool, error) {
		if m.state != StateHome && m.state != StateBrowsing || m.p.resident.IDNumber != "" {
			return false, &StateError{"agent", m.state}
		}
		if p != PurposeApply && p != PurposeBook {
			return false, &StateError{"agent", m.state}
		}
		m.p.agentMode = true
		m.purpose = p
		m.state = StateIdentifying
		m.step = StepAgent
		return true, nil
	})
}

// CardFailed reports a card that could not be used; the UI explains it and
// offers staff help after three failures (Snapshot.Failures).
//
// A card refused as expired or unsupported was read and lies on the
// reader; an unreadable one may not (the reader reports no removal of a
// card it could not read).
func (m *Machine) CardFailed(f CardFailure) error {
	return m.do(func() (bool, error) {
		if f == FailExpired || f == FailUnsupported {
			m.cardOn = true
		}
		if m.state != StateIdentifying && m.state != StateHome && m.state != StateBrowsing {
			return false, &StateError{"card failure", m.state}
		}
		m.p.failures++
		m.p.lastFailure = f
		return true, nil
	})
}

// CardRead hands the machine a card just read. On the home or guide screen
// it identifies the resident at once; while identifying it fills the
// current step. An expired or unsupported card is refused (and counted as a
// failure). The same card read again is ignored.
//
// Whatever it decides, the card now lies on the reader (Snapshot.CardOn)
// until CardRemoved.
func (m *Machine) CardRead(p kiosk.Person) error {
	return m.do(func() (bool, error) {
		m.cardOn = true
		m.cardKey = cardKey(p)
		if m.lostKey != "" && m.cardKey == m.lostKey && m.cfg.Clock.Now().Sub(m.lostAt) < LostCardHold {
			switch m.state {
			case StateHome, StateBrowsing, StateIdentifying, StateEnded:
				// The card left on the reader when it failed, read
				// again: still left there, whoever asked for a card
				// meanwhile (their visit had no identity yet).
				m.wipeLocked()
				m.state, m.cardLeftLong = StateTakeCard, false
				return true, nil
			}
		}
		switch m.state {
		case StateHome, StateBrowsing, StateIdentifying:
		default:
			if p.IDNumber != "" && p.IDNumber == m.p.resident.IDNumber {
				return false, errNoChange
			}
			return false, &StateError{"card", m.state}
		}
		if m.state == StateIdentifying && m.step == StepAuthorisation || m.state != StateIdentifying && m.p.agentMode {
			return false, ErrUnexpectedCard
		}
		if f, err := m.checkCardLocked(p); err != nil {
			m.p.failures++
			m.p.lastFailure = f
			m.changedLocked(m.state, true) // the refusal is news for the screen
			return false, err
		}
		m.p.lastFailure = FailNone
		if m.state == StateIdentifying && m.step == StepAgent {
			m.p.agent = kiosk.Agent{Person: p}
			m.offerElderLocked(p) // the agent is the one at the screen
			m.step = StepResident
			return true, nil
		}
		if m.p.agentMode && p.IDNumber == m.p.agent.IDNumber {
			m.p.failures++
			m.p.lastFailure = FailSamePerson
			m.changedLocked(m.state, true)
			return false, ErrSamePerson
		}
		m.p.resident = p
		m.p.residentFromCard = true
		m.p.failures = 0
		if !m.p.agentMode {
			// In the agent flow the resident is absent: the offer was the
			// agent's, made for the agent's own age.
			m.offerElderLocked(p)
		}
		if m.p.agentMode {
			m.step = StepAuthorisation
			return true, nil
		}
		m.step = StepNone
		m.state = StateIdentified
		return true, nil
	})
}

func (m *Machine) checkCardLocked(p kiosk.Person) (CardFailure, error) {
	if !p.CardType.Valid() || strings.TrimSpace(p.IDNumber) == "" {
		return FailUnsupported, ErrCardUnsupported
	}
	if until, ok := parseDate(p.ValidUntil); ok {
		y, mo, d := m.cfg.Clock.Now().Date()
		today := time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
		if today.After(until) {
			return FailExpired, ErrCardExpired
		}
	}
	return FailNone, nil
}

// offerElderLocked offers elder mode to p, the person at the screen (the
// resident, or in the agent flow the agent), when p is ElderAge or older:
// once a visit, never when elder mode is on already.
func (m *Machine) offerElderLocked(p kiosk.Person) {
	if m.elder || m.p.elderAsked {
		return
	}
	if age, ok := Age(p.BirthDate, m.cfg.Clock.Now()); ok && age >= m.cfg.ElderAge {
		m.p.elderOffered, m.p.elderAsked = true, true
	}
}

// KeyResident identifies the resident by a keyed ID number and name; only
// in the agent flow, after the agent's card.
func (m *Machine) KeyResident(idNumber, name string) error {
	return m.do(func() (bool, error) {
		if m.state != StateIdentifying || m.step != StepResident || !m.p.agentMode {
			return false, &StateError{"keyed identity", m.state}
		}
		id := strings.ToUpper(strings.TrimSpace(idNumber))
		name = strings.TrimSpace(name)
		switch {
		case !kiosk.ValidIDNumber(id):
			return false, ErrBadIDNumber
		case name == "":
			return false, ErrMissingName
		case len([]rune(name)) > 50:
			return false, ErrTooLong
		case id == m.p.agent.IDNumber:
			return false, ErrSamePerson
		}
		m.p.resident = kiosk.Person{IDNumber: id, Name: name, CardType: kiosk.CardResident, BirthDate: birthFromID(id)}
		m.p.residentKeyed = true
		m.step = StepAuthorisation
		return true, nil
	})
}

// SetAuthorisation records the agent's authorisation reference (委托书编号)
// and relation to the resident, completing the agent's identification.
func (m *Machine) SetAuthorisation(ref, relation string) error {
	return m.do(func() (bool, error) {
		if m.state != StateIdentifying || m.step != StepAuthorisation {
			return false, &StateError{"authorisation", m.state}
		}
		ref, relation = strings.TrimSpace(ref), strings.TrimSpace(relation)
		switch {
		case ref == "":
			return false, ErrEmptyAuthorisation
		case len([]rune(ref)) > maxAuthRefLen || len([]rune(relation)) > maxAuthRefLen:
			return false, ErrTooLong
		}
		m.p.agent.AuthorizationRef = ref
		m.p.agent.Relation = relation
		m.step = StepNone
		m.state = StateIdentified
		return true, nil
	})
}

// SetCases stores the resident's cases for visit number visitNo (from the
// Snapshot the query started from). A late answer for an ended visit is
// refused with ErrStale and kept nowhere.
func (m *Machine) SetCases(visitNo uint64, cases []kiosk.Case) error {
	return m.do(func() (bool, error) {
		if visitNo != m.visitNo || !m.started || m.p.resident.IDNumber == "" {
			return false, ErrStale
		}
		m.p.cases = copyCases(cases)
		return false, nil
	})
}

// StartApplication opens an item's notice and form for the identified
// resident.
func (m *Machine) StartApplication(item kiosk.Item) error {
	return m.do(func() (bool, error) {
		if m.state != StateIdentified {
			return false, &StateError{"apply", m.state}
		}
		if item.Kind != kiosk.KindInstant || !item.SelfService {
			return false, ErrNotSelfService
		}
		if m.p.agentMode && !item.AgentAllowed {
			return false, ErrAgentNotAllowed
		}
		m.clearApplicationLocked()
		m.p.item = item
		m.p.form = map[string]string{}
		m.purpose = PurposeApply
		m.state = StateFilling
		return true, nil
	})
}

// SetField sets one form value; an empty value clears it. The value is
// checked against the field's type.
func (m *Machine) SetField(key, value string) error {
	return m.do(func() (bool, error) {
		if m.state != StateFilling {
			return false, &StateError{"field", m.state}
		}
		f, ok := fieldByKey(m.p.item, key)
		if !ok {
			return false, &FieldError{key, ErrUnknownField}
		}
		value = strings.TrimSpace(value)
		if value == "" {
			delete(m.p.form, key)
			return true, nil
		}
		if err := checkValue(f, value); err != nil {
			return false, &FieldError{key, err}
		}
		if f.Type == kiosk.FieldIDNumber {
			value = strings.ToUpper(value)
		}
		m.p.form[key] = value
		return true, nil
	})
}

// Review moves from the form to the review page once every required field
// is filled.
func (m *Machine) Review() error {
	return m.do(func() (bool, error) {
		if m.state != StateFilling {
			return false, &StateError{"review", m.state}
		}
		for _, f := range m.p.item.Fields {
			if f.Required && m.p.form[f.Key] == "" {
				return false, &FieldError{f.Key, ErrMissingField}
			}
		}
		m.state = StateReviewing
		return true, nil
	})
}

// EditForm goes back from the review page to the form.
func (m *Machine) EditForm() error {
	return m.do(func() (bool, error) {
		if m.state != StateReviewing {
			return false, &StateError{"edit", m.state}
		}
		m.state = StateFilling
		return true, nil
	})
}

// Confirm confirms the reviewed application and returns the submission to
// store and send (TerminalID and CatalogVersion are the caller's). It
// succeeds once per application: a second confirm (a double tap) gets
// ErrAlreadyConfirmed and no submission.
func (m *Machine) Confirm() (kiosk.Submission, error) {
	var sub kiosk.Submission
	err := m.do(func() (bool, error) {
		if m.p.confirmed {
			return false, ErrAlreadyConfirmed
		}
		if m.state != StateReviewing {
			return false, &StateError{"confirm", m.state}
		}
		if m.p.submissionID == "" {
			m.p.submissionID = m.cfg.NewID()
		}
		m.p.confirmed = true
		m.p.outcome = Outcome{}
		sub = kiosk.Submission{
			ID:        m.p.submissionID,
			ItemCode:  m.p.item.Code,
			CreatedAt: m.cfg.Clock.Now(),
			Fields:    copyMap(m.p.form),
			Applicant: m.p.resident,
		}
		if m.p.agentMode {
			a := m.p.agent
			sub.Agent = &a
		}
		m.state = StateSubmitting
		return false, nil
	})
	return sub, err
}

// SubmitFinished reports what became of submission id. Sent and queued show
// the outcome; failed returns to the review page, and the next Confirm
// makes a new submission id (nothing was accepted under the old one that a
// retry could repeat). A result for another id is refused with ErrStale.
func (m *Machine) SubmitFinished(id string, out Outcome) error {
	return m.do(func() (bool, error) {
		if m.state != StateSubmitting || id == "" || id != m.p.submissionID {
			return false, ErrStale
		}
		m.p.outcome = out
		if out.Status == OutcomeFailed || out.Status == OutcomeNone {
			m.p.outcome.Status = OutcomeFailed
			m.p.confirmed = false
			m.p.submissionID = ""
			m.state = StateReviewing
		} else {
			m.state = StateOutcome
			m.p.receiptFirst = m.pendingEnd != EndNone
		}
		m.settleLocked()
		return true, nil
	})
}

// SkipReceipt applies an end that waited for the receipt (see
// SubmitFinished) when the receipt cannot be printed.
func (m *Machine) SkipReceipt() {
	_ = m.do(func() (bool, error) {
		if !m.p.receiptFirst {
			return false, errNoChange
		}
		m.p.receiptFirst = false
		m.settleLocked()
		return false, nil
	})
}

// BeginPrint starts printing the receipt (from the outcome) or a case (from
// the resident's menu). No timeout runs until PrintFinished.
func (m *Machine) BeginPrint() error {
	return m.do(func() (bool, error) {
		if m.state != StateOutcome && m.state != StateIdentified {
			return false, &StateError{"print", m.state}
		}
		m.p.printReturn = m.state
		m.p.printErr = ""
		m.state = StatePrinting
		return false, nil
	})
}

// PrintFinished reports the end of a print; a non-nil err (paper out,
// cover open) is shown and a reprint offered with BeginPrint. The error's
// text must not hold personal data.
func (m *Machine) PrintFinished(err error) error {
	return m.do(func() (bool, error) {
		if m.state != StatePrinting {
			return false, ErrStale
		}
		if err != nil {
			m.p.printErr = err.Error()
		}
		m.state = m.p.printReturn
		m.p.printReturn = StateHome
		m.p.receiptFirst = false
		m.settleLocked()
		return true, nil
	})
}

// cardKey names p's card without its number: the take-your-card state
// must know the card again, not whose it is.
func cardKey(p kiosk.Person) string {
	if p.IDNumber == "" {
		return ""
	}
	h := sha256.Sum256([]byte("kiosk card " + p.IDNumber))
	return hex.EncodeToString(h[:])
}
