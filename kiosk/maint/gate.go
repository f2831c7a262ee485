package maint

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/audit"
)

// Recorder writes the audit trail; *audit.Trail is one.
type Recorder interface {
	Record(ctx context.Context, kind audit.Kind, subject, detail string) (kiosk.AuditEvent, error)
}

// Entry limits.
const (
	MaxTries    = 5               // wrong PINs in a row before the lock
	LockFor     = 5 * time.Minute // how long entry stays locked
	IdleTimeout = 2 * time.Minute // a maintenance session without a touch ends
)

// Ways into maintenance, as recorded in the audit trail.
const (
	MethodPIN       = "pin"
	MethodStaffCard = "staff_card"
)

// Reasons a session ends, as recorded in the audit trail.
const (
	ExitLeft = "left" // staff tapped "leave"
	ExitIdle = "idle" // no touch for IdleTimeout
)

// Settings keeps the PIN lock across restarts; *store.Store is one. Setting
// returns an error (any) for a key never set.
type Settings interface {
	Setting(ctx context.Context, key string) (string, error)
	SetSetting(ctx context.Context, key, value string) error
}

// PINLockKey is the setting that holds the wrong PINs in a row and the end
// of the lock, as "failures until-unix-ms".
const PINLockKey = "maint.pin_lock"

// GateConfig configures a Gate.
type GateConfig struct {
	PINHash    string           // maintenance.pin_hash; empty: no PIN entry
	StaffCards []string         // maintenance.staff_cards (ID numbers)
	Audit      Recorder         // nil: nothing recorded (tests only)
	Now        func() time.Time // nil: time.Now
	// Settings, when set, keeps the count of wrong PINs and the lock, so
	// that a restart (a power cut, a crash, the watchdog) does not give
	// another MaxTries; nil: kept in memory only (tests).
	Settings Settings
	// Idle overrides IdleTimeout (tests); MaxTries and LockFor are fixed.
	Idle time.Duration
}

// Gate decides who enters maintenance: a PIN, with a lock after MaxTries
// wrong ones in a row, or a staff card. It also keeps the one open
// session and its idle limit. Safe for concurrent use.
type Gate struct {
	hash  string
	cards map[string]bool
	rec   Recorder
	now   func() time.Time
	idle  time.Duration
	set   Settings

	mu          sync.Mutex
	failures    int
	lockedUntil time.Time
	session     *Session
	lockSeq     uint64 // numbers the states of failures and lockedUntil

	// saveMu orders the writes of the lock state to the settings, which
	// happen outside mu (a write can wait on the disk; the UI asks
	// Locked under mu). savedSeq is the newest state written.
	saveMu   sync.Mutex
	savedSeq uint64
}

// lockState is one state of the PIN lock, to be written to the settings.
type lockState struct {
	seq   uint64
	value string
}

// Session is an open maintenance session.
type Session struct {
	Method  string
	Subject string // the masked staff card, or "" for a PIN
	Started time.Time
	last    time.Time
}

// NewGate checks the configuration and returns a gate. A PIN hash that is
// set but unusable is an error, so a typo in the config is seen at start.
func NewGate(c GateConfig) (*Gate, error) {
	if c.PINHash != "" {
		if err := CheckHash(c.PINHash); err != nil {
			return nil, fmt.Errorf("maint: maintenance.pin_hash: %w", err)
		}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Idle <= 0 {
		c.Idle = IdleTimeout
	}
	g := &Gate{hash: c.PINHash, cards: map[string]bool{}, rec: c.Audit, now: c.Now, idle: c.Idle, set: c.Settings}
	for _, id := range c.StaffCards {
		g.cards[normID(id)] = true
	}
	g.loadLock(context.Background())
	return g, nil
}

// loadLock takes up the wrong PINs and the lock a previous run left. A
// value that does not parse counts as none: the lock is a brake on
// guessing, and an unreadable one must not keep staff out for good. A
// lock ending further ahead than LockFor (the clock was set back) ends
// LockFor from now.
func (g *Gate) loadLock(ctx context.Context) {
	if g.set == nil {
		return
	}
	v, err := g.set.Setting(ctx, PINLockKey)
	if err != nil {
		return
	}
	var failures int
	var untilMS int64
	if n, err := fmt.Sscanf(v, "%d %d", &failures, &untilMS); n != 2 || err != nil || failures < 0 {
		return
	}
	g.failures = min(failures, MaxTries)
	if untilMS > 0 {
		// Counted from now on the monotonic clock: a later step of the
		// wall clock (time sync after boot) neither stretches nor cuts it.
		now := g.now()
		g.lockedUntil = now.Add(min(time.UnixMilli(untilMS).Sub(now), LockFor))
	}
	g.lockedLocked() // a lock that has ended clears the count
}

// lockStateLocked numbers the current count and lock for saveLock; g.mu
// is held.
func (g *Gate) lockStateLocked() lockState {
	var untilMS int64
	if !g.lockedUntil.IsZero() {
		untilMS = g.lockedUntil.UnixMilli()
	}
	g.lockSeq++
	return lockState{seq: g.lockSeq, value: fmt.Sprintf("%d %d", g.failures, untilMS)}
}

// saveLock writes a state of the count and the lock, unless a newer one
// was written already; g.mu is not held. It returns the write's error for
// the caller to show, never to keep staff out.
func (g *Gate) saveLock(ctx context.Context, st lockState) error {
	if g.set == nil {
		return nil
	}
	g.saveMu.Lock()
	defer g.saveMu.Unlock()
	if st.seq <= g.savedSeq {
		return nil
	}
	if err := g.set.SetSetting(ctx, PINLockKey, st.value); err != nil {
		return fmt.Errorf("maint: keep the PIN lock: %w", err)
	}
	g.savedSeq = st.seq
	return nil
}

func normID(id string) string { return strings.ToUpper(strings.TrimSpace(id)) }

// HasPIN reports whether PIN entry is configured.
func (g *Gate) HasPIN() bool { return g.hash != "" }

// Locked reports whether PIN entry is locked, and until when.
func (g *Gate) Locked() (bool, time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.lockedLocked()
}

func (g *Gate) lockedLocked() (bool, time.Time) {
	if g.lockedUntil.IsZero() {
		return false, time.Time{}
	}
	if !g.now().Before(g.lockedUntil) {
		g.lockedUntil = time.Time{}
		g.failures = 0
		return false, time.Time{}
	}
	return true, g.lockedUntil
}

// Tries returns how many wrong PINs are left before the lock.
func (g *Gate) Tries() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.lockedLocked()
	return MaxTries - g.failures
}

// EnterPIN checks pin and opens a session. A wrong PIN returns an error
// wrapping ErrWrongPIN and is recorded (pin_failure); the MaxTries-th in a
// row locks entry for LockFor (pin_lockout) and returns a *LockedError, as
// does every try while locked (without checking the PIN). An error from
// the audit trail does not keep staff out: it comes back joined to a nil
// or a PIN error so the screen can show it.
func (g *Gate) EnterPIN(ctx context.Context, pin string) (*Session, error) {
	if g.hash == "" {
		return nil, ErrNoPIN
	}
	g.mu.Lock()
	if locked, until := g.lockedLocked(); locked {
		g.mu.Unlock()
		return nil, &LockedError{Until: until}
	}
	g.mu.Unlock()

	err := VerifyPIN(g.hash, pin) // slow: outside the lock

	g.mu.Lock()
	if locked, until := g.lockedLocked(); locked { // locked by a concurrent try meanwhile
		g.mu.Unlock()
		return nil, &LockedError{Until: until}
	}
	if err == nil {
		var st *lockState
		if g.failures > 0 {
			g.failures = 0
			s := g.lockStateLocked()
			st = &s
		}
		s := g.openLocked(MethodPIN, "")
		g.mu.Unlock()
		var serr error
		if st != nil {
			serr = g.saveLock(ctx, *st)
		}
		return s, errors.Join(serr, g.record(ctx, audit.MaintenanceEntry, "", MethodPIN))
	}
	if !errors.Is(err, ErrWrongPIN) {
		g.mu.Unlock()
		return nil, err
	}
	g.failures++
	n := g.failures
	var lockErr *LockedError
	if n >= MaxTries {
		g.lockedUntil = g.now().Add(LockFor)
		lockErr = &LockedError{Until: g.lockedUntil}
	}
	st := g.lockStateLocked()
	g.mu.Unlock()
	aerr := errors.Join(g.saveLock(ctx, st), g.record(ctx, audit.PINFailure, "", fmt.Sprintf("attempt %d of %d", n, MaxTries)))
	if lockErr != nil {
		return nil, errors.Join(lockErr, aerr, g.record(ctx, audit.PINLockout, "", LockFor.String()))
	}
	return nil, errors.Join(fmt.Errorf("%w (%d of %d tries left)", ErrWrongPIN, MaxTries-n, MaxTries), aerr)
}

// EnterCard opens a session for a staff card's ID number (from the card
// reader). Any other card returns ErrNotStaff and is not recorded: a
// resident's card is not a failed entry. The ID number is recorded masked.
func (g *Gate) EnterCard(ctx context.Context, idNumber string) (*Session, error) {
	id := normID(idNumber)
	if id == "" || !g.cards[id] {
		return nil, ErrNotStaff
	}
	g.mu.Lock()
	s := g.openLocked(MethodStaffCard, kiosk.MaskID(id))
	g.mu.Unlock()
	return s, g.record(ctx, audit.MaintenanceEntry, s.Subject, MethodStaffCard)
}

func (g *Gate) openLocked(method, subject string) *Session {
	now := g.now()
	g.session = &Session{Method: method, Subject: subject, Started: now, last: now}
	cp := *g.session
	return &cp
}

// Touch notes staff activity in the open session.
func (g *Gate) Touch() {
	g.mu.Lock()
	if g.session != nil {
		g.session.last = g.now()
	}
	g.mu.Unlock()
}

// Open reports whether a session is open.
func (g *Gate) Open() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.session != nil
}

// IdleLeft returns how long the open session has before it ends for
// idleness (0 when it should end now or none is open).
func (g *Gate) IdleLeft() time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.session == nil {
		return 0
	}
	return max(g.idle-g.now().Sub(g.session.last), 0)
}

// CheckIdle ends the session if it has been idle for the limit, records
// it and reports whether it ended.
func (g *Gate) CheckIdle(ctx context.Context) (bool, error) {
	g.mu.Lock()
	if g.session == nil || g.now().Sub(g.session.last) < g.idle {
		g.mu.Unlock()
		return false, nil
	}
	s := g.session
	g.session = nil
	g.mu.Unlock()
	return true, g.record(ctx, audit.MaintenanceExit, s.Subject, ExitIdle)
}

// Leave ends the open session (staff tapped "leave").
func (g *Gate) Leave(ctx context.Context) error {
	g.mu.Lock()
	s := g.session
	g.session = nil
	g.mu.Unlock()
	if s == nil {
		return ErrNoSession
	}
	return g.record(ctx, audit.MaintenanceExit, s.Subject, ExitLeft)
}

func (g *Gate) record(ctx context.Context, kind audit.Kind, subject, detail string) error {
	if g.rec == nil {
		return nil
	}
	if _, err := g.rec.Record(ctx, kind, subject, detail); err != nil {
		return fmt.Errorf("maint: audit %s: %w", kind, err)
	}
	return nil
}
