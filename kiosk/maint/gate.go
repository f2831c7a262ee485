package maint

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
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
	LockFor     = 5 * time.Minute // the first lock; each further one doubles
	MaxLockFor  = 24 * time.Hour  // the longest lock
	IdleTimeout = 2 * time.Minute // a maintenance session without a touch ends
	// CardPINWait is how long a staff card waits for its PIN.
	CardPINWait = 2 * time.Minute
)

// More sentinel errors of the gate.
var (
	// ErrNeedPIN: the staff card is known; its holder must now enter the PIN.
	ErrNeedPIN = errors.New("maint: staff card accepted; enter the PIN")
	// ErrCardExpired: a staff card past its validity opens nothing.
	ErrCardExpired = errors.New("maint: staff card expired")
)

// LockDuration is the length of the n-th lock in a row (n from 1): LockFor,
// doubling with each, at most MaxLockFor. The count of locks starts again
// only with a right PIN, so a guesser gets MaxTries guesses per lock: with
// the 6-digit minimum about 45 on the first day and 5 a day after.
func LockDuration(n int) time.Duration {
	d := LockFor
	for i := 1; i < n && d < MaxLockFor; i++ {
		d *= 2
	}
	return min(d, MaxLockFor)
}

// StaffCardPrefix begins a staff card's keyed hash in maintenance.staff_cards.
const StaffCardPrefix = "hmac-sha256:"

// StaffCardHash is the keyed hash of a staff card's ID number as
// maintenance.staff_cards holds it: "hmac-sha256:" and the hex HMAC-SHA256
// of the upper-cased number under key. An ID number has too few possible
// values for a plain hash to hide it; the key keeps a copied config from
// naming the staff.
func StaffCardHash(key []byte, idNumber string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(normID(idNumber)))
	return StaffCardPrefix + hex.EncodeToString(m.Sum(nil))
}

// StaffCardKey derives the staff cards' hash key from the terminal's
// sealing key, so that no further secret needs keeping.
func StaffCardKey(sealKey []byte) []byte {
	m := hmac.New(sha256.New, sealKey)
	m.Write([]byte("kiosk staff card v1"))
	return m.Sum(nil)
}

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

// PINLockKey is the setting that holds the wrong PINs in a row, the end of
// the lock, the locks in a row, and the day's wrong PINs, as "failures
// until-unix-ms locks day day-failures" (day as 2006-01-02, local time).
// The older form "failures until-unix-ms" is read as one lock.
const PINLockKey = "maint.pin_lock"

// LockStatus is what the heartbeat reports of the PIN lock.
type LockStatus struct {
	FailuresToday int       // wrong PINs today (local day)
	LockedUntil   time.Time // zero when not locked
}

// GateConfig configures a Gate.
type GateConfig struct {
	PINHash    string   // maintenance.pin_hash; empty: no PIN entry
	StaffCards []string // maintenance.staff_cards (StaffCardHash values)
	// CardKey is the key of the staff cards' hashes (StaffCardKey); nil
	// with staff cards configured: no card is recognised.
	CardKey []byte
	Audit   Recorder         // nil: nothing recorded (tests only)
	Now     func() time.Time // nil: time.Now
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
	hash    string
	cards   map[string]bool
	cardKey []byte
	rec     Recorder
	now     func() time.Time
	idle    time.Duration
	set     Settings

	mu          sync.Mutex
	failures    int
	lockedUntil time.Time
	locks       int    // locks in a row since the last right PIN
	day         string // the local day dayFailures counts
	dayFailures int
	card        *pendingCard // a staff card waiting for its PIN
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

// pendingCard is a staff card shown at the entry, waiting for the PIN.
type pendingCard struct {
	subject string
	at      time.Time
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
	g := &Gate{hash: c.PINHash, cards: map[string]bool{}, cardKey: c.CardKey, rec: c.Audit, now: c.Now, idle: c.Idle, set: c.Settings}
	for _, h := range c.StaffCards {
		// An entry that is no keyed hash (a plain number from an older
		// configuration) opens nothing: check-config names it, and the
		// terminal starts all the same.
		if CheckStaffCardHash(h) == nil {
			g.cards[strings.ToLower(h)] = true
		}
	}
	g.loadLock(context.Background())
	return g, nil
}

// CheckStaffCardHash reports whether s is a StaffCardHash value.
func CheckStaffCardHash(s string) error {
	hexPart, ok := strings.CutPrefix(strings.ToLower(s), StaffCardPrefix)
	if b, err := hex.DecodeString(hexPart); !ok || err != nil || len(b) != sha256.Size {
		return errors.New("not a keyed hash (hmac-sha256:<64 hex digits>); kiosk diag staff-card-hash prints one")
	}
	return nil
}

// lockRecord is the PIN lock as the setting keeps it.
type lockRecord struct {
	failures, locks, dayFailures int
	untilMS                      int64
	day                          string
}

// parseLock reads the setting; ok is false for a value that does not parse.
func parseLock(v string) (r lockRecord, ok bool) {
	f := strings.Fields(v)
	if len(f) != 2 && len(f) != 5 {
		return r, false
	}
	if _, err := fmt.Sscanf(f[0]+" "+f[1], "%d %d", &r.failures, &r.untilMS); err != nil || r.failures < 0 {
		return r, false
	}
	if len(f) == 2 { // the older form: a lock then was the first
		if r.untilMS > 0 {
			r.locks = 1
		}
		return r, true
	}
	if _, err := fmt.Sscanf(f[2]+" "+f[4], "%d %d", &r.locks, &r.dayFailures); err != nil || r.locks < 0 || r.dayFailures < 0 {
		return r, false
	}
	if _, err := time.Parse(time.DateOnly, f[3]); err != nil {
		return r, false
	}
	r.day = f[3]
	return r, true
}

// ReadLockStatus reads the PIN lock's status from the settings, as a
// running gate left it (for the heartbeat, which has no gate).
func ReadLockStatus(ctx context.Context, s Settings, now time.Time) LockStatus {
	v, err := s.Setting(ctx, PINLockKey)
	if err != nil {
		return LockStatus{}
	}
	r, ok := parseLock(v)
	if !ok {
		return LockStatus{}
	}
	var st LockStatus
	if r.day == now.Format(time.DateOnly) {
		st.FailuresToday = r.dayFailures
	}
	if until := time.UnixMilli(r.untilMS); r.untilMS > 0 && now.Before(until) {
		st.LockedUntil = until
	}
	return st
}

// Status is the PIN lock's status now.
func (g *Gate) Status() LockStatus {
	g.mu.Lock()
	defer g.mu.Unlock()
	var st LockStatus
	if g.day == g.now().Format(time.DateOnly) {
		st.FailuresToday = g.dayFailures
	}
	if locked, until := g.lockedLocked(); locked {
		st.LockedUntil = until
	}
	return st
}

// loadLock takes up the wrong PINs and the lock a previous run left. A
// value that does not parse counts as none: the lock is a brake on
// guessing, and an unreadable one must not keep staff out for good. A
// lock ending further ahead than its length (the clock was set back) ends
// that length from now.
func (g *Gate) loadLock(ctx context.Context) {
	if g.set == nil {
		return
	}
	v, err := g.set.Setting(ctx, PINLockKey)
	if err != nil {
		return
	}
	r, ok := parseLock(v)
	if !ok {
		return
	}
	g.failures = min(r.failures, MaxTries)
	g.locks = min(r.locks, 64)
	g.day, g.dayFailures = r.day, r.dayFailures
	if r.untilMS > 0 {
		// Counted from now on the monotonic clock: a later step of the
		// wall clock (time sync after boot) neither stretches nor cuts it.
		now := g.now()
		g.lockedUntil = now.Add(min(time.UnixMilli(r.untilMS).Sub(now), LockDuration(max(g.locks, 1))))
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
	day := g.day
	if day == "" {
		day = g.now().Format(time.DateOnly)
	}
	return lockState{seq: g.lockSeq, value: fmt.Sprintf("%d %d %d %s %d", g.failures, untilMS, g.locks, day, g.dayFailures)}
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
		// The run of wrong PINs ends with its lock; the count of locks
		// in a row goes on until a right PIN.
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

// EnterPIN checks pin and opens a session: a staff session when a staff
// card is waiting for its PIN (EnterCard), a PIN session otherwise. A
// wrong PIN returns an error wrapping ErrWrongPIN and is recorded
// (pin_failure); the MaxTries-th in a row locks entry (pin_lockout) for
// LockDuration of the locks in a row and returns a *LockedError, as does
// every try while locked (without checking the PIN). An error from the
// audit trail does not keep staff out: it comes back joined to a nil or a
// PIN error so the screen can show it.
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
	card := g.card
	g.card = nil
	if card != nil && g.now().Sub(card.at) > CardPINWait {
		card = nil
	}
	if err == nil {
		var st *lockState
		if g.failures > 0 || g.locks > 0 {
			g.failures, g.locks = 0, 0
			s := g.lockStateLocked()
			st = &s
		}
		method, subject := MethodPIN, ""
		if card != nil {
			method, subject = MethodStaffCard, card.subject
		}
		s := g.openLocked(method, subject)
		g.mu.Unlock()
		var serr error
		if st != nil {
			serr = g.saveLock(ctx, *st)
		}
		return s, errors.Join(serr, g.record(ctx, audit.MaintenanceEntry, subject, method))
	}
	if !errors.Is(err, ErrWrongPIN) {
		g.mu.Unlock()
		return nil, err
	}
	g.failures++
	n := g.failures
	if today := g.now().Format(time.DateOnly); g.day != today {
		g.day, g.dayFailures = today, 0
	}
	g.dayFailures++
	var lockErr *LockedError
	var lockFor time.Duration
	if n >= MaxTries {
		g.locks++
		lockFor = LockDuration(g.locks)
		g.lockedUntil = g.now().Add(lockFor)
		lockErr = &LockedError{Until: g.lockedUntil}
	}
	locks := g.locks
	st := g.lockStateLocked()
	g.mu.Unlock()
	subject := ""
	if card != nil {
		subject = card.subject
	}
	aerr := errors.Join(g.saveLock(ctx, st), g.record(ctx, audit.PINFailure, subject, fmt.Sprintf("attempt %d of %d", n, MaxTries)))
	if lockErr != nil {
		// The PIN was checked and wrong: the error says so too.
		return nil, errors.Join(lockErr, fmt.Errorf("%w (%d in a row)", ErrWrongPIN, n), aerr, g.record(ctx, audit.PINLockout, subject, fmt.Sprintf("%s (lock %d in a row)", lockFor, locks)))
	}
	return nil, errors.Join(fmt.Errorf("%w (%d of %d tries left)", ErrWrongPIN, MaxTries-n, MaxTries), aerr)
}

// EnterCard takes a staff card's ID number (from the card reader) and
// whether the card is past its validity. A staff card alone opens
// nothing: a known, valid card returns ErrNeedPIN and waits CardPINWait
// for EnterPIN, which then opens a staff session under the card's masked
// number (the PIN lock counts as for any PIN). An expired staff card
// returns ErrCardExpired and is recorded (card_refused). Any other card
// returns ErrNotStaff and is not recorded: a resident's card is not a
// failed entry. The ID number is only ever recorded masked.
func (g *Gate) EnterCard(ctx context.Context, idNumber string, expired bool) (*Session, error) {
	id := normID(idNumber)
	if id == "" || len(g.cards) == 0 || g.cardKey == nil || !g.cards[StaffCardHash(g.cardKey, id)] {
		return nil, ErrNotStaff
	}
	subject := kiosk.MaskID(id)
	if expired {
		return nil, errors.Join(ErrCardExpired, g.record(ctx, audit.CardRefused, subject, "expired staff card"))
	}
	if g.hash == "" {
		return nil, ErrNoPIN
	}
	g.mu.Lock()
	g.card = &pendingCard{subject: subject, at: g.now()}
	g.mu.Unlock()
	return nil, ErrNeedPIN
}

// CardWaiting reports whether a staff card waits for its PIN.
func (g *Gate) CardWaiting() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.card != nil && g.now().Sub(g.card.at) <= CardPINWait
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
