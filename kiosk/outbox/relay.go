// Package outbox is the terminal's relay to the central intake API: it
// drains the durable outbox with each submission's idempotency key and
// capped, jittered backoff; refreshes the catalogue; sends heartbeats and
// acts on their commands; uploads the audit trail in order. Each duty runs
// on its own schedule inside Relay.Run.
package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

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
	UploadAudit(ctx context.Context, events []kiosk.AuditEvent) (int64, error)
}

// AuditSource is the local audit trail as the uploader needs it: events
// after seq in order, and where the server's acknowledgement stands.
type AuditSource interface {
	Since(ctx context.Context, seq int64, n int) ([]kiosk.AuditEvent, error)
	MarkAcked(ctx context.Context, seq int64) error
}

// Config wires a Relay.
type Config struct {
	Store  *store.Store
	Outbox *store.Outbox
	API    API
	// Audit is optional; without it no audit is uploaded.
	Audit AuditSource
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

	// Now and Rand are the clock and the jitter source (tests inject them).
	Now  func() time.Time
	Rand func() float64
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
	ClockSkew      time.Duration // server time minus terminal time at the last heartbeat
	CatalogVersion string
	CatalogError   string // why the last refresh did not replace the catalogue
	AuditAcked     int64
	AuditError     string
	Delivered      int64 // since start
	Parked         int64 // since start
	Retried        int64 // since start
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
	if cfg.Now == nil {
		cfg.Now = time.Now
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

// Notify wakes the sender at once (call it after Enqueue).
func (r *Relay) Notify() { poke(r.notify) }

// SendNow makes every pending submission due now and wakes the sender:
// staff's "send now". Parked submissions stay parked. It ends the relay's
// own backoff but not a pause the server asked for with Retry-After: the
// submissions go when that pause ends (see Status().PausedUntil).
func (r *Relay) SendNow(ctx context.Context) (int, error) {
	r.mu.Lock()
	r.gateUntil = time.Time{}
	r.mu.Unlock()
	n, err := r.cfg.Outbox.RetryNow(ctx)
	r.Notify()
	return n, err
}

// DeviceChanged sends a heartbeat soon (a device changed state).
func (r *Relay) DeviceChanged() { poke(r.heartbeat) }

// UploadAuditSoon starts an audit upload soon.
func (r *Relay) UploadAuditSoon() { poke(r.auditCmd) }

// RefreshCatalog asks the running relay to refresh the catalogue now and
// waits for the outcome (nil also when the server said 304). During a pause
// the server asked for it returns ErrPaused at once, and the relay refreshes
// the catalogue when the pause ends.
func (r *Relay) RefreshCatalog(ctx context.Context) error {
	done := make(chan error, 1)
	select {
	case r.catalogCmd <- done:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Online reports whether the central API answered the last call.
func (r *Relay) Online() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.online
}

// Status returns a snapshot of the link's state.
func (r *Relay) Status() Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.status
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
		sleep(ctx, d) // the pause may have been made longer meanwhile: check again
	}
}

// Run runs every duty until ctx ends, then waits for sends in flight to
// finish and returns ctx's error.
func (r *Relay) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, duty := range []func(context.Context){r.runSender, r.runCatalog, r.runHeartbeat, r.runAudit, r.runPurge} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			duty(ctx)
		}()
	}
	wg.Wait()
	return ctx.Err()
}

// sleep waits d or until ctx ends or one of chs fires.
func sleep(ctx context.Context, d time.Duration, chs ...<-chan struct{}) {
	t := time.NewTimer(d)
	defer t.Stop()
	var a, b <-chan struct{}
	if len(chs) > 0 {
		a = chs[0]
	}
	if len(chs) > 1 {
		b = chs[1]
	}
	select {
	case <-ctx.Done():
	case <-t.C:
	case <-a:
	case <-b:
	}
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
		r.Notify()
		r.DeviceChanged()
	}
}

// gate returns how long the sender must hold off after API failures or
// for the server's pause.
func (r *Relay) gate() time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.cfg.Now()
	return max(r.gateUntil.Sub(now), r.notBefore.Sub(now))
}

// runSender claims due submissions and sends them, at most MaxInFlight at
// once. After a failure of the API it sends nothing until the gate opens,
// so that the request rate during an outage is bounded by the backoff, not
// by the length of the queue.
func (r *Relay) runSender(ctx context.Context) {
	done := make(chan bool, r.cfg.MaxInFlight) // a send ended; true: it delivered
	inflight := 0
	worked := false // delivered since the last OnIdle
	finished := func(delivered bool) {
		inflight--
		worked = worked || delivered
	}
	defer func() {
		for ; inflight > 0; inflight-- {
			<-done
		}
	}()
	for ctx.Err() == nil {
		// Collect finished sends without blocking.
		for drained := false; !drained; {
			select {
			case d := <-done:
				finished(d)
			default:
				drained = true
			}
		}
		if g := r.gate(); g > 0 {
			if inflight > 0 {
				select {
				case d := <-done:
					finished(d)
				case <-ctx.Done():
				case <-time.After(g):
				}
			} else {
				sleep(ctx, g, r.notify)
			}
			continue
		}
		free := r.cfg.MaxInFlight - inflight
		if r.failures0() > 0 {
			free = min(free, 1) // probe with one request while the API is failing
			if inflight > 0 {
				free = 0
			}
		}
		if free <= 0 {
			// Nothing may be sent before a send in flight finishes (all
			// slots taken, or the one probe of a failing API still out):
			// wait for that. Rows being due changes nothing meanwhile, so
			// their due time must not wake the sender (it would re-read the
			// queue in a loop for as long as the request hangs). A Notify
			// stays pending and is seen after.
			select {
			case d := <-done:
				finished(d)
			case <-ctx.Done():
			}
			continue
		}
		r.queueQueries.Add(1)
		claims, err := r.cfg.Outbox.ClaimDue(ctx, free)
		if err != nil && ctx.Err() == nil {
			r.log.Error("cannot claim queued submissions", "err", err)
			sleep(ctx, time.Second)
			continue
		}
		if len(claims) == 0 && inflight == 0 && worked {
			worked = false
			if r.cfg.OnIdle != nil {
				r.cfg.OnIdle()
			}
		}
		for _, c := range claims {
			inflight++
			go func() {
				delivered := false
				defer func() { done <- delivered }()
				delivered = r.send(ctx, c) == outDelivered
			}()
		}
		if len(claims) > 0 && len(claims) == free {
			continue // there may be more due
		}
		wait := r.cfg.Idle
		r.queueQueries.Add(1)
		if next, ok, err := r.cfg.Outbox.NextAttempt(ctx); err == nil && ok {
			wait = min(wait, max(next.Sub(r.cfg.Now()), time.Millisecond))
		}
		if inflight == 0 {
			sleep(ctx, wait, r.notify)
			continue
		}
		t := time.NewTimer(wait)
		select {
		case d := <-done:
			finished(d)
		case <-r.notify:
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
	}
}

func (r *Relay) failures0() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failures
}

// Outcome of one send, for DrainOnce.
type outcome int

const (
	outDelivered outcome = iota
	outRetry
	outParked
	outLost // the claim was lost to another worker
)

// DefaultKeyWindow is 29 days: the 30 days the central system keeps
// idempotency keys at least, less a day for the terminal's clock.
const DefaultKeyWindow = 29 * 24 * time.Hour

// days is d in whole days, rounded.
func days(d time.Duration) int { return int((d + 12*time.Hour) / (24 * time.Hour)) }

// ParkCodeKeyWindow is the park code of a submission queued longer than
// the key window (Config.KeyWindow).
const ParkCodeKeyWindow = "key_window_passed"

// send delivers one claimed submission and records the result.
func (r *Relay) send(ctx context.Context, c store.Claim) outcome {
	id := c.Submission.ID
	// Past the key window a resend could file the case twice, but only if
	// an earlier attempt may have reached the central system: a row whose
	// every attempt failed before it left the terminal (a month offline)
	// is unknown there and is sent.
	if age := r.cfg.Now().Sub(c.QueuedAt); age > r.cfg.KeyWindow && !c.Released && c.MayHaveArrived {
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		why := store.ParkReason{Code: ParkCodeKeyWindow, Reason: fmt.Sprintf(
			"排队超过%d天未送达，中心系统可能已不记得它的幂等键，重发可能重复立案：请先向区中心核实是否已收到，再重发或作废 / "+
				"queued %d days: the central system may no longer know its idempotency key, so sending it again could file it twice; "+
				"check with the district whether it arrived, then send it again or discard it",
			int(r.cfg.KeyWindow/(24*time.Hour)), days(age))}
		if err := r.cfg.Outbox.Park(wctx, c, why); err != nil {
			r.log.Warn("cannot park", "local_no", c.LocalNo, "err", err)
			return outLost
		}
		r.log.Warn("submission queued past the key window, parked for staff", "local_no", c.LocalNo, "days", days(age))
		r.count(func(s *Status) { s.Parked++ })
		return outParked
	}
	if _, perr := r.paused(); perr != nil {
		// The server asked for a pause after this row was claimed: put it
		// back for when the pause ends instead of sending it now.
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := r.cfg.Outbox.PutBack(wctx, c, r.PausedUntil()); err != nil {
			r.log.Warn("cannot reschedule", "local_no", c.LocalNo, "err", err)
			return outLost
		}
		return outRetry
	}
	acc, _, err := r.cfg.API.Submit(ctx, c.Submission)
	if ctx.Err() != nil && err != nil {
		// Shutting down: leave the claim; it expires and the row is sent again.
		return outLost
	}
	r.observe(err)
	// Record the outcome even if ctx ends meanwhile: a delivered case must
	// not be sent again needlessly.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err == nil {
		if err := r.cfg.Outbox.MarkDelivered(wctx, id, acc); err != nil {
			r.log.Error("delivered but not recorded; it will be replayed", "local_no", c.LocalNo, "err", err)
			return outLost
		}
		r.count(func(s *Status) { s.Delivered++ })
		return outDelivered
	}
	var ie *intake.Error
	errors.As(err, &ie)
	park := intake.IsFinal(err)
	if ie != nil && (ie.Status == http.StatusUnauthorized || ie.Status == http.StatusForbidden) {
		// A refused token is the terminal's problem, not the submission's:
		// keep retrying (gated) until staff fix the token.
		park = false
	}
	if park {
		why := store.ParkReason{Reason: err.Error(), Code: "final"}
		if ie != nil {
			why.Code = ie.Code
			if ie.Message != "" {
				why.Reason = ie.Message
			}
			for _, f := range ie.Fields {
				why.Fields = append(why.Fields, store.FieldProblem{Field: f.Field, Code: f.Code, Message: f.Message})
			}
		}
		if err := r.cfg.Outbox.Park(wctx, c, why); err != nil {
			r.log.Warn("cannot park", "local_no", c.LocalNo, "err", err)
			return outLost
		}
		r.log.Warn("submission refused for good, parked for staff", "local_no", c.LocalNo, "code", why.Code)
		r.count(func(s *Status) { s.Parked++ })
		return outParked
	}
	now := r.cfg.Now()
	next := r.cfg.Backoff.Next(now, c.Attempts, r.cfg.Rand())
	if ra := intake.RetryAfter(err); ra > 0 && now.Add(ra).After(next) {
		next = now.Add(ra)
	}
	mark := r.cfg.Outbox.MarkRetry
	if errors.Is(err, intake.ErrNotSent) {
		mark = r.cfg.Outbox.MarkNotSent // it cannot have reached the central system
	}
	if err := mark(wctx, c, next, err.Error()); err != nil {
		r.log.Warn("cannot reschedule", "local_no", c.LocalNo, "err", err)
		return outLost
	}
	r.count(func(s *Status) { s.Retried++ })
	return outRetry
}

func (r *Relay) count(f func(*Status)) {
	r.mu.Lock()
	f(&r.status)
	r.mu.Unlock()
}

// DrainReport says what DrainOnce did.
type DrainReport struct {
	Delivered, Retry, Parked int
	Duration                 time.Duration
}

// DrainOnce makes every pending submission due and tries each once, with up
// to MaxInFlight in flight, ignoring the relay's backoff: for `kiosk diag
// sync --now` and for tests. It does not need Run. Once the server asks for
// a pause (Retry-After), it sends nothing more: the rows not yet tried stay
// queued.
func (r *Relay) DrainOnce(ctx context.Context) (DrainReport, error) {
	start := time.Now()
	var rep DrainReport
	if _, err := r.cfg.Outbox.RetryNow(ctx); err != nil {
		return rep, err
	}
	jobs := make(chan store.Claim, r.cfg.MaxInFlight)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := 0; w < r.cfg.MaxInFlight; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range jobs {
				o := r.send(ctx, c)
				mu.Lock()
				switch o {
				case outDelivered:
					rep.Delivered++
				case outRetry:
					rep.Retry++
				case outParked:
					rep.Parked++
				}
				mu.Unlock()
			}
		}()
	}
	tried := map[string]bool{}
	var err error
	for ctx.Err() == nil {
		if _, perr := r.paused(); perr != nil {
			break
		}
		claims, cerr := r.cfg.Outbox.ClaimDue(ctx, 2*r.cfg.MaxInFlight)
		if cerr != nil {
			err = cerr
			break
		}
		fresh := 0
		for _, c := range claims {
			if tried[c.Submission.ID] {
				// Tried once already in this drain: back to its schedule.
				_ = r.cfg.Outbox.PutBack(ctx, c, r.cfg.Backoff.Next(r.cfg.Now(), c.Attempts, r.cfg.Rand()))
				continue
			}
			tried[c.Submission.ID] = true
			fresh++
			jobs <- c
		}
		if fresh == 0 {
			break
		}
	}
	close(jobs)
	wg.Wait()
	rep.Duration = time.Since(start)
	if err == nil {
		err = ctx.Err()
	}
	return rep, err
}

// runCatalog refreshes the catalogue at start, on schedule and on command.
func (r *Relay) runCatalog(ctx context.Context) {
	fails := 0
	for {
		err := r.refreshCatalog(ctx)
		next := r.cfg.CatalogRefresh
		if err != nil && ctx.Err() == nil {
			// Try sooner than the schedule while there is no good answer,
			// backing off while the failures go on.
			if !errors.Is(err, ErrPaused) { // no call was made
				fails++
			}
			next = min(next, r.cfg.Backoff.Delay(fails+1, r.cfg.Rand()))
		} else {
			fails = 0
		}
		// Never before the end of a pause the server asked for.
		pause, _ := r.paused()
		next = max(next, pause)
		t := time.NewTimer(next)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		case done := <-r.catalogCmd:
			t.Stop()
			done <- r.refreshCatalog(ctx)
		}
	}
}

// refreshCatalog fetches the catalogue with the cached ETag and stores a
// good, not older one; anything else keeps the cached catalogue. During the
// server's pause it makes no call and returns ErrPaused.
func (r *Relay) refreshCatalog(ctx context.Context) error {
	if _, err := r.paused(); err != nil {
		return err
	}
	meta, err := r.cfg.Store.CatalogMeta(ctx)
	if err != nil && !errors.Is(err, store.ErrNoCatalog) {
		return err
	}
	cat, etag, notModified, err := r.cfg.API.Catalog(ctx, meta.ETag)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	r.observe(err)
	if err == nil && notModified {
		err = r.cfg.Store.TouchCatalog(ctx)
	} else if err == nil {
		err = r.cfg.Store.PutCatalog(ctx, cat, etag)
		if err == nil {
			meta.Version = cat.Version
			r.log.Info("catalogue replaced", "version", cat.Version, "items", len(cat.Items))
		}
	}
	r.mu.Lock()
	r.status.CatalogVersion = meta.Version
	r.status.CatalogError = ""
	if err != nil {
		r.status.CatalogError = err.Error()
	}
	r.mu.Unlock()
	if err != nil {
		r.log.Warn("catalogue not refreshed; keeping the cached one", "err", err)
	}
	return err
}

// runHeartbeat reports health every Heartbeat and on device changes. The
// contract's "clients honour" Retry-After covers the heartbeat too: during
// the server's pause none goes, and one goes as soon as it ends.
func (r *Relay) runHeartbeat(ctx context.Context) {
	for ctx.Err() == nil {
		r.waitPause(ctx)
		if ctx.Err() != nil {
			return
		}
		// This heartbeat carries any device change signalled meanwhile.
		select {
		case <-r.heartbeat:
		default:
		}
		r.sendHeartbeat(ctx)
		sleep(ctx, r.cfg.Heartbeat, r.heartbeat)
	}
}

func (r *Relay) sendHeartbeat(ctx context.Context) {
	hb := intake.Heartbeat{AppVersion: r.cfg.AppVersion, StartedAt: r.cfg.StartedAt, Devices: map[string]intake.DeviceState{}}
	if r.cfg.Devices != nil {
		hb.Devices = r.cfg.Devices()
	}
	if cnt, err := r.cfg.Outbox.Counts(ctx); err == nil {
		hb.Outbox = intake.OutboxState{Pending: cnt.Pending, Failed: cnt.Parked, OldestPendingAt: cnt.OldestPending}
	}
	if meta, err := r.cfg.Store.CatalogMeta(ctx); err == nil {
		hb.CatalogVersion = meta.Version
	}
	if free, err := r.cfg.Store.FreeBytes(); err == nil {
		hb.DiskFreeBytes = free
	}
	if r.cfg.Maintenance != nil {
		hb.Maintenance = r.cfg.Maintenance(ctx)
	}
	sent := r.cfg.Now()
	rep, err := r.cfg.API.Heartbeat(ctx, hb)
	if ctx.Err() != nil {
		return
	}
	r.observe(err)
	if err != nil {
		return
	}
	skew := rep.ServerTime.Sub(sent)
	r.mu.Lock()
	r.status.ClockSkew = skew
	r.mu.Unlock()
	if skew > 2*time.Minute || skew < -2*time.Minute {
		r.log.Warn("terminal clock differs from the server's", "skew", skew.Round(time.Second).String())
	}
	for _, cmd := range rep.Commands {
		switch cmd.Type {
		case intake.CommandRefreshCatalog:
			select {
			case r.catalogCmd <- make(chan error, 1):
			default:
			}
		case intake.CommandUploadAudit:
			r.UploadAuditSoon()
		}
	}
}

// runAudit uploads the audit trail at start, on schedule and on command.
func (r *Relay) runAudit(ctx context.Context) {
	if r.cfg.Audit == nil {
		return
	}
	for ctx.Err() == nil {
		r.waitPause(ctx)
		if err := r.UploadAudit(ctx); err != nil && ctx.Err() == nil {
			r.log.Warn("audit upload stopped", "err", err)
		}
		sleep(ctx, r.cfg.AuditInterval, r.auditCmd)
	}
}

// UploadAudit asks the server where its copy of the audit trail ends and
// sends what follows, in order, in batches, until nothing is left. During
// the server's pause it stops with ErrPaused.
func (r *Relay) UploadAudit(ctx context.Context) error {
	if r.cfg.Audit == nil {
		return fmt.Errorf("%w: no audit source", ErrConfig)
	}
	err := r.uploadAudit(ctx)
	r.mu.Lock()
	r.status.AuditError = ""
	if err != nil {
		r.status.AuditError = err.Error()
	}
	r.mu.Unlock()
	return err
}

func (r *Relay) uploadAudit(ctx context.Context) error {
	if _, err := r.paused(); err != nil {
		return err
	}
	acked, err := r.cfg.API.UploadAudit(ctx, nil)
	r.observe(err)
	if err != nil {
		return err
	}
	for {
		if err := r.cfg.Audit.MarkAcked(ctx, acked); err != nil {
			return err
		}
		r.count(func(s *Status) { s.AuditAcked = acked })
		events, err := r.cfg.Audit.Since(ctx, acked, r.cfg.AuditBatch)
		if err != nil {
			return err
		}
		if len(events) == 0 {
			return nil
		}
		if _, err := r.paused(); err != nil {
			return err
		}
		got, err := r.cfg.API.UploadAudit(ctx, events)
		r.observe(err)
		if err != nil {
			return err
		}
		if got <= acked {
			return fmt.Errorf("outbox: audit upload made no progress (server holds through %d)", got)
		}
		acked = got
	}
}

// runPurge purges delivered submissions past the retention every
// PurgeInterval.
func (r *Relay) runPurge(ctx context.Context) {
	for ctx.Err() == nil {
		if n, err := r.cfg.Outbox.Purge(ctx, r.cfg.Retention); err != nil && ctx.Err() == nil {
			r.log.Warn("purge failed", "err", err)
		} else if n > 0 {
			r.log.Info("purged delivered submissions past retention", "count", n)
		}
		sleep(ctx, r.cfg.PurgeInterval)
	}
}
