// Package outbox is the terminal's relay to the central intake API: it
// drains the durable outbox with each submission's idempotency key and
// capped, jittered backoff; refreshes the catalogue; sends heartbeats and
// acts on their commands; uploads the audit trail in order. Each duty runs
// on its own schedule inside Relay.Run and has its own file: send.go,
// catalogue.go, heartbeat.go, audit.go, purge.go; relay.go holds what they
// share (configuration, the link's state, the server's pause).
package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pudong-community/kiosk/internal/clock"
	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/intake"
	"github.com/pudong-community/kiosk/kiosk/store"
)

// Sentinel errors of the relay.
var (
	ErrConfig   = errors.New("outbox: bad config")
	ErrNotFound = errors.New("outbox: not found")
	// ErrPaused: the central API asked (Retry-After on a 429 or 503) that
	// no call be made before a time that has not come yet.
	ErrPaused = errors.New("outbox: the central API asked to wait (Retry-After)")
)

// API is what the relay needs of the central API; *intake.Client has it.
type API interface {
	Submit(ctx context.Context, s kiosk.Submission) (kiosk.Accepted, bool, error)
	Catalog(ctx context.Context, etag string) (kiosk.Catalog, string, bool, error)
	Heartbeat(ctx context.Context, hb intake.Heartbeat) (intake.HeartbeatReply, error)
	UploadAuditChain(ctx context.Context, chain kiosk.AuditChain, events []kiosk.AuditEvent) (int64, error)
	// Rate sends a rating (POST /v1/ratings) under its id as the key.
	Rate(ctx context.Context, r kiosk.Rating) (replayed bool, err error)
}

// Config wires a Relay.
type Config struct {
	Store  *store.Store
	Outbox *store.Outbox
	API    API
	// Audit is optional; without it no audit is uploaded.
	Audit AuditSource
	// Ratings is the queue of satisfaction ratings; optional: without it
	// no rating is sent. RatingAPI sends them (nil: API). OnRatingRefused is told of a rating the central system
	// refused for good (the terminal audits it); optional, must not block.
	Ratings         *store.Ratings
	RatingAPI       RatingAPI
	OnRatingRefused func(r kiosk.Rating, code string)
	// RefreshCenter is called when a heartbeat's reply carries the command
	// refresh_center; optional, must not block.
	RefreshCenter func()
	// Devices reports the device part of a heartbeat; optional.
	Devices func() map[string]intake.DeviceState
	// OnOnline is called (from the relay's goroutines) whenever the central
	// API becomes reachable or unreachable; optional.
	OnOnline func(online bool)
	// Maintenance, when set, gives the staff entry's PIN lock for each
	// heartbeat. Optional; it must not block for long.
	Maintenance func(context.Context) *intake.MaintenanceState
	// OnIdle is called (from the sender's goroutine) when the sender has
	// finished a burst: it delivered at least one submission, none is in
	// flight and none is due. The terminal gives back the memory the burst used.
	// Optional; it must not block.
	OnIdle func()
	// OnDelivered is called (from a sender's goroutine) once a submission's
	// delivery is recorded in the outbox, with the claim and the central
	// system's answer; OnParked once a submission is parked for staff,
	// with the reason. The terminal audits both (submission_sent,
	// submission_parked). Optional; they must not block.
	OnDelivered func(c store.Claim, acc kiosk.Accepted)
	OnParked    func(c store.Claim, why store.ParkReason)
	// Logger; slog.Default() when nil.
	Logger *slog.Logger

	AppVersion string
	StartedAt  time.Time

	MaxInFlight    int           // concurrent submissions (default 4)
	Heartbeat      time.Duration // default 1 min
	CatalogRefresh time.Duration // default 1 h
	AuditInterval  time.Duration // default 5 min
	AuditBatch     int           // events per upload (default 200)
	Retention      time.Duration // delivered submissions kept (default 30 days)
	PurgeInterval  time.Duration // default 1 h
	Backoff        Backoff       // DefaultBackoff when zero
	// KeyWindow is the age past which a queued submission is parked for
	// staff instead of sent (DefaultKeyWindow when 0): the central system
	// keeps idempotency keys at least 30 days (intake-api.md), so a resend
	// after that could file a case twice if an earlier attempt did reach
	// it. Staff release it (RetryParked) once they have checked.
	KeyWindow time.Duration
	// Idle bounds how long the sender sleeps with nothing due, so that an
	// expired claim of a crashed worker is picked up (default 30 s).
	Idle time.Duration

	// Clock makes the relay's timers and, unless Now is set, tells the
	// time (clock.System when nil; tests inject a clocktest.Clock and
	// move time themselves). Now and Rand are the time and the jitter
	// source (tests inject them).
	Clock clock.Clock
	Now   func() time.Time
	Rand  func() float64
}

// Relay drains the outbox and keeps the terminal in touch with the
// central API. Its methods are safe for concurrent use.
type Relay struct {
	cfg Config
	log *slog.Logger

	notify     chan struct{} // a new submission, or "send now"
	catalogCmd chan chan error
	heartbeat  chan struct{}
	auditCmd   chan struct{}
	rateWake   chan struct{} // a new rating

	mu        sync.Mutex
	online    bool
	known     bool // online has been determined once
	failures  int  // consecutive retryable failures of the API
	gateUntil time.Time
	// notBefore is the server-wide pause a 429 or 503 asked for with
	// Retry-After: no call of any kind goes out before it. It only ever
	// moves later; a success does not end it (a call that was already on
	// its way may succeed after another was told to wait).
	notBefore time.Time
	status    Status
	// server is the central system's time as the last heartbeat told it
	// (zero before one answered).
	server serverTime

	// queueQueries counts the sender's reads of the queue (claims and
	// next-due lookups), so that tests can tell waiting from polling.
	queueQueries atomic.Int64
}

// Status is what the relay knows of the link, for the staff screen and
// `kiosk diag sync`.
type Status struct {
	Online         bool
	LastContact    time.Time     // last answer from the server
	LastError      string        // last failure (ID numbers masked)
	AuthFailed     bool          // the server refused the token (401/403)
	PausedUntil    time.Time     // no call before this: the server's Retry-After (zero when none holds)
	ClockSkew      time.Duration // server time minus terminal time (at the last heartbeat, carried forward)
	ClockSkewed    bool          // ClockSkew is beyond kiosk.MaxClockSkew: ages are judged by the server's time
	ClockError     string        // the terminal's clock cannot be right and no server time is known yet
	CatalogVersion string
	CatalogError   string // why the last refresh did not replace the catalogue
	AuditAcked     int64
	AuditError     string
	Delivered      int64 // since start
	Parked         int64 // since start
	Retried        int64 // since start

	RatingsDelivered int64 // since start
	RatingsRefused   int64 // since start
}

// PauseSetting is the store setting that keeps the end of the pause the
// central API asked for (Retry-After), RFC 3339.
const PauseSetting = "outbox.paused_until"

// maxStoredPause bounds a kept pause that is read back: the API client caps
// Retry-After at an hour, so a later end means the clock moved.
const maxStoredPause = time.Hour

// StoredPause reads the pause a relay kept in st: its end, when it is still
// ahead of now (and no more than an hour ahead).
func StoredPause(ctx context.Context, st *store.Store, now time.Time) (time.Time, bool) {
	v, err := st.Setting(ctx, PauseSetting)
	if err != nil {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil || !t.After(now) {
		return time.Time{}, false
	}
	if limit := now.Add(maxStoredPause); t.After(limit) {
		t = limit
	}
	return t, true
}

// New checks cfg and builds a relay.
func New(cfg Config) (*Relay, error) {
	if cfg.Store == nil || cfg.Outbox == nil || cfg.API == nil {
		return nil, fmt.Errorf("%w: store, outbox and API are required", ErrConfig)
	}
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = 4
	}
	if cfg.KeyWindow <= 0 {
		cfg.KeyWindow = DefaultKeyWindow
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = time.Minute
	}
	if cfg.CatalogRefresh <= 0 {
		cfg.CatalogRefresh = time.Hour
	}
	if cfg.AuditInterval <= 0 {
		cfg.AuditInterval = 5 * time.Minute
	}
	if cfg.AuditBatch <= 0 {
		cfg.AuditBatch = 200
	}
	if cfg.Retention <= 0 {
		cfg.Retention = 30 * 24 * time.Hour
	}
	if cfg.PurgeInterval <= 0 {
		cfg.PurgeInterval = time.Hour
	}
	if cfg.Backoff == (Backoff{}) {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.Idle <= 0 {
		cfg.Idle = 30 * time.Second
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System
	}
	if cfg.Now == nil {
		cfg.Now = cfg.Clock.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Float64
	}
	if cfg.AppVersion == "" {
		cfg.AppVersion = "unknown" // the contract requires one
	}
	if cfg.StartedAt.IsZero() {
		cfg.StartedAt = cfg.Now()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	r := &Relay{
		cfg:        cfg,
		log:        cfg.Logger.With("component", "outbox"),
		notify:     make(chan struct{}, 1),
		catalogCmd: make(chan chan error, 4),
		heartbeat:  make(chan struct{}, 1),
		auditCmd:   make(chan struct{}, 1),
		rateWake:   make(chan struct{}, 1),
	}
	if now := cfg.Now(); !plausible(now) {
		r.log.Error("the terminal's clock cannot be right: nothing is parked or purged by age until the central system's time is known",
			"now", now.UTC().Format(time.RFC3339))
	}
	// A pause the server asked for before a restart still holds.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if until, ok := StoredPause(ctx, cfg.Store, cfg.Now()); ok {
		r.notBefore = until
		r.log.Info("the central system's pause still holds", "until", until.Format(time.RFC3339))
	}
	return r, nil
}

func poke(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// Notify wakes the sender at once (call it after Enqueue), and the rating
// sender.
func (r *Relay) Notify() {
	poke(r.notify)
	poke(r.rateWake)
}

// Online reports whether the central API answered the last call.
func (r *Relay) Online() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.online
}

// Offline reports whether the terminal knows the central API to be out of
// reach: its last call got no answer, or the server asked for a pause
// (Retry-After) that still holds. Before the first call it is false: not
// known is not offline.
func (r *Relay) Offline() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return (r.known && !r.online) || r.notBefore.After(r.cfg.Now())
}

// Status returns a snapshot of the link's state.
func (r *Relay) Status() Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.status
	if !r.server.at.IsZero() {
		// Carried forward: a jump of the terminal's clock since the last
		// heartbeat shows at once.
		s.ClockSkew = r.server.at.Add(r.cfg.Clock.Mono() - r.server.mono).Sub(r.cfg.Now())
	}
	s.ClockSkewed = s.ClockSkew > kiosk.MaxClockSkew || s.ClockSkew < -kiosk.MaxClockSkew
	if s.ClockError != "" {
		// Shown wherever the link's last error is (the maintenance
		// network screen), until the server's time is known.
		s.LastError = strings.TrimSuffix(s.ClockError+"; "+s.LastError, "; ")
	}
	s.Online = r.online
	if r.notBefore.After(r.cfg.Now()) {
		s.PausedUntil = r.notBefore
	}
	return s
}

// PausedUntil is when the pause the central API asked for with Retry-After
// ends; zero when none holds. Anything else that calls the API for the
// terminal (case queries, probes) should hold off until then too.
func (r *Relay) PausedUntil() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.notBefore.After(r.cfg.Now()) {
		return r.notBefore
	}
	return time.Time{}
}

// paused returns ErrPaused (with the time) while the server's pause holds,
// and how long it still holds.
func (r *Relay) paused() (time.Duration, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.clampLocked()
	d := r.notBefore.Sub(r.cfg.Now())
	if d <= 0 {
		return 0, nil
	}
	return d, fmt.Errorf("%w: until %s", ErrPaused, r.notBefore.Format(time.RFC3339))
}

// waitPause returns once no pause the server asked for holds, or ctx ends.
func (r *Relay) waitPause(ctx context.Context) {
	for ctx.Err() == nil {
		d, _ := r.paused()
		if d <= 0 {
			return
		}
		r.sleep(ctx, d) // the pause may have been made longer meanwhile: check again
	}
}

// Run runs every duty until ctx ends, then waits for sends in flight to
// finish and returns ctx's error.
func (r *Relay) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, duty := range []func(context.Context){r.runSender, r.runRatings, r.runCatalog, r.runHeartbeat, r.runAudit, r.runPurge} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			duty(ctx)
		}()
	}
	wg.Wait()
	return ctx.Err()
}

// sleep waits d on the relay's clock, or until ctx ends or one of wake
// fires.
func (r *Relay) sleep(ctx context.Context, d time.Duration, wake ...<-chan struct{}) {
	_ = clock.SleepOn(ctx, r.cfg.Clock, d, wake...)
}

// observe records the outcome of a call to the API: an answer of any kind
// means the network is up; a transport error, timeout or 5xx counts as a
// failure of the API and closes the gate for a backoff.
func (r *Relay) observe(err error) {
	var ie *intake.Error
	answered := err == nil || (errors.As(err, &ie) && ie.Status != 0)
	apiFailed := err != nil && (!answered || ie.Status >= 500 || ie.Status == http.StatusTooManyRequests || ie.Status == http.StatusRequestTimeout)
	auth := answered && ie != nil && (ie.Status == http.StatusUnauthorized || ie.Status == http.StatusForbidden)
	now := r.cfg.Now()
	r.mu.Lock()
	changed := !r.known || r.online != answered
	cameBack := r.known && !r.online && answered
	r.known, r.online = true, answered
	if answered {
		r.status.LastContact = now
		r.status.AuthFailed = auth
	}
	if err != nil {
		r.status.LastError = err.Error()
	}
	var paused time.Time // a pause that starts or grows now, to keep
	if ra := intake.RetryAfter(err); ra > 0 && now.Add(ra).After(r.notBefore) {
		r.notBefore = now.Add(ra)
		paused = r.notBefore
	}
	if apiFailed || auth {
		r.failures++
		r.gateUntil = r.cfg.Backoff.Next(now, r.failures-1, r.cfg.Rand())
	} else if err == nil {
		r.failures = 0
		r.gateUntil = time.Time{}
	}
	r.mu.Unlock()
	if !paused.IsZero() {
		// Kept in the database, so that a restart, or `kiosk diag sync`,
		// waits the pause out too.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := r.cfg.Store.SetSetting(ctx, PauseSetting, paused.UTC().Format(time.RFC3339Nano)); err != nil {
			r.log.Warn("cannot keep the server's pause", "err", err)
		}
		cancel()
	}
	if changed {
		r.log.Info("central API reachability changed", "online", answered)
		if r.cfg.OnOnline != nil {
			r.cfg.OnOnline(answered)
		}
	}
	if cameBack {
		// The network returned: what waited for it goes now.
		if _, err := r.cfg.Outbox.RetryNow(context.Background()); err != nil {
			r.log.Warn("cannot make queued submissions due", "err", err)
		}
		if r.cfg.Ratings != nil {
			if _, err := r.cfg.Ratings.RetryNow(context.Background()); err != nil {
				r.log.Warn("cannot make queued ratings due", "err", err)
			}
		}
		r.Notify()
		r.DeviceChanged()
	}
}

// gate returns how long the sender must hold off after API failures or
// for the server's pause.
func (r *Relay) gate() time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.clampLocked()
	now := r.cfg.Now()
	return max(r.gateUntil.Sub(now), r.notBefore.Sub(now))
}

// clampLocked keeps the server's pause and the relay's own backoff within
// what they can be (an hour of Retry-After, the backoff's cap) of the
// terminal's clock: further ahead means the clock was set back since, and
// the relay must not wait for the old reading to come round again.
func (r *Relay) clampLocked() {
	now := r.cfg.Now()
	if limit := now.Add(maxStoredPause); r.notBefore.After(limit) {
		r.notBefore = limit
	}
	if limit := now.Add(max(r.cfg.Backoff.Cap, r.cfg.Backoff.Base)); r.gateUntil.After(limit) {
		r.gateUntil = limit
	}
}
