// Package terminal is the one assembly of a running terminal, without
// Fyne: Open builds the store, the sealer, the outbox, the API client, the
// relay, the back end of the screens, the audit trail, the device health
// and the two device supervisors; Run runs them and returns when every
// goroutine it started has stopped; Close closes the database after it.
// What the screens must hear of (a card, the network, the devices) comes
// out of one channel, Events.
//
// cmd/kiosk, its diag subcommands, the outbox's crash child and the soak
// test all start the terminal through Open, so a test starts it exactly as
// production does.
package terminal

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/pudong-community/kiosk/assets"
	"github.com/pudong-community/kiosk/devices/idcard"
	"github.com/pudong-community/kiosk/devices/printer"
	"github.com/pudong-community/kiosk/devices/serialport"
	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/audit"
	"github.com/pudong-community/kiosk/kiosk/backend"
	"github.com/pudong-community/kiosk/kiosk/config"
	"github.com/pudong-community/kiosk/kiosk/intake"
	"github.com/pudong-community/kiosk/kiosk/maint"
	"github.com/pudong-community/kiosk/kiosk/outbox"
	"github.com/pudong-community/kiosk/kiosk/store"
	"github.com/pudong-community/kiosk/kiosk/watchdog"
)

// Errors of the terminal.
var (
	ErrInspecting = errors.New("terminal: opened to inspect, not to run")
	ErrRunTwice   = errors.New("terminal: Run called twice")
	ErrClosed     = errors.New("terminal: closed")
)

// Deps is what the caller injects: the logger, the clock, the way to the
// hardware and the network, and the knobs tests turn. The zero value runs
// a real terminal.
type Deps struct {
	// Logger gets the terminal's log; nil: slog.Default().
	Logger *slog.Logger
	// Now is the store's clock (seeddb writes months of history); nil:
	// time.Now.
	Now func() time.Time
	// OpenPort opens a serial port; nil: serialport.Open.
	OpenPort func(name string, baud int, readTimeout time.Duration) (serialport.Port, error)
	// Transport carries the API client's requests; nil: the client's own,
	// which verifies the server with api.ca_file.
	Transport http.RoundTripper
	// Sealer is the key that seals personal data, when the caller opened it
	// already (OpenSealer, to fail before a window shows); nil: Open opens
	// it.
	Sealer *store.Sealer
	// Version is the program's version, for heartbeats and bundles.
	Version string
	// Watchdog is systemd's notify socket; nil or disabled: no watchdog.
	// Run then pings it while the device loops, and the UI through Post,
	// keep beating.
	Watchdog *watchdog.Notifier
	// Post runs f on the UI goroutine (fyne.Do): the watchdog's UI heart
	// beats through it. nil: the UI is not watched.
	Post func(func())

	// Inspect opens the database of a terminal that may be running, to look
	// at it (kiosk diag): a database that fails its check is reported and
	// left where it is, nothing is created (no data directory, no key, no
	// database), the claims of the running terminal are left alone, and Run
	// refuses. A key that does not load is reported by KeyErr, and a
	// throwaway one opens nothing; an API client that cannot be made is
	// reported by APIErr, and the API answers nothing.
	Inspect bool
	// Offline makes no API client: the API answers nothing (kiosk diag
	// status --offline).
	Offline bool

	Tuning Tuning
}

// Tuning are the knobs tests turn; zero values are the terminal's own.
type Tuning struct {
	// MinFreeBytes and ClaimTTL: store.OutboxOptions.
	MinFreeBytes int64
	ClaimTTL     time.Duration
	// Backoff and Idle: outbox.Config.
	Backoff outbox.Backoff
	Idle    time.Duration
	// SendWait and Poll: backend.Backend.
	SendWait, Poll time.Duration
	// ProbeTimeout is the answer timeout per baud when the maintenance
	// service probes a port (300 ms).
	ProbeTimeout time.Duration
	// QueryTimeout bounds a status query of the running printer and the
	// network probe (3 s).
	QueryTimeout time.Duration
	// Retry is how long a device supervisor waits before it opens a port
	// again (2 s).
	Retry time.Duration
}

// Terminal is an open terminal: everything behind the screens.
type Terminal struct {
	cfg     config.Config
	deps    Deps
	log     *slog.Logger
	started time.Time
	open    func(name string, baud int, readTimeout time.Duration) (serialport.Port, error)

	st     *store.Store
	outbox *store.Outbox
	sealer *store.Sealer
	trail  *audit.Trail
	client *intake.Client // nil when offline
	api    outbox.API
	relay  *outbox.Relay
	health *kiosk.Health
	be     *backend.Backend // nil when offline
	// The v1.1 services: nil when offline (no API client).
	center  *backend.CenterService
	appts   *backend.AppointmentService
	rates   *backend.RatingService
	ratings *store.Ratings
	assist  *Assistance
	chars   *lazyCharacters
	keyErr  error
	apiErr  error

	mu      sync.Mutex
	reader  *idcard.Reader
	printer *printer.Driver
	// cardTaps receive the next card event (maintenance self-test).
	cardTaps   []chan idcard.Event
	ran        bool
	stop       context.CancelFunc // ends Run
	runDone    chan struct{}      // closed when Run has returned
	subscribed bool

	// cardBeat, printerBeat are the device loops' watchdog hearts, set by
	// Run before the loops start (nil: not watched).
	cardBeat, printerBeat func()

	// events go to the screens (Events); runCtx ends with Run. evMu guards
	// evClosed: emit holds it for reading while it sends.
	events   chan kiosk.Event
	runCtx   context.Context
	evMu     sync.RWMutex
	evClosed bool

	// queue keeps the visit's audit records in order off the UI goroutine
	// (RecordAsync); wake tells the writer. qmu guards queue; writeMu is
	// held while a batch taken from the queue is written, so batches keep
	// their order.
	qmu     sync.Mutex
	queue   []auditItem
	wake    chan struct{}
	writeMu sync.Mutex

	// dbMu guards closed: every audit record the terminal writes holds it
	// for reading, Close for writing (after writeMu).
	dbMu   sync.RWMutex
	closed bool

	probeTimeout, queryTimeout, retry time.Duration
}

// OpenSealer makes the data directory and loads (or on the first start
// makes) the key that seals personal data. The key opens before the
// database: recovery checks the old rows' seals with it.
func OpenSealer(cfg config.Config) (*store.Sealer, error) {
	if err := os.MkdirAll(cfg.Terminal.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("cannot create data directory %s: %w", cfg.Terminal.DataDir, errors.Unwrap(err))
	}
	key, err := SealKey(cfg, true)
	if err != nil {
		return nil, err
	}
	return store.NewSealer(key)
}

// SealKey loads the key that seals personal data: from the systemd
// credential config.CredSealKey when the service has it, else from the key
// file, which is made on the first start when create is set (never by
// maintenance tools: a new key would not open what the old one sealed).
func SealKey(cfg config.Config, create bool) ([]byte, error) {
	p, err := cfg.SealKeyCredential()
	if err != nil {
		return nil, err
	}
	if p != "" {
		return store.LoadCredentialKey(p)
	}
	if create {
		return store.LoadOrCreateKey(cfg.KeyFilePath())
	}
	return store.LoadKey(cfg.KeyFilePath())
}

// Open opens the database (recovering it when it fails its check) and
// makes the relay and the services. Nothing runs until Run.
func Open(ctx context.Context, cfg config.Config, deps Deps) (*Terminal, error) {
	t := &Terminal{cfg: cfg, deps: deps, log: deps.Logger, started: time.Now(), open: deps.OpenPort,
		wake: make(chan struct{}, 1), events: make(chan kiosk.Event, 16),
		probeTimeout: deps.Tuning.ProbeTimeout, queryTimeout: deps.Tuning.QueryTimeout, retry: deps.Tuning.Retry}
	if t.log == nil {
		t.log = slog.Default()
	}
	if t.open == nil {
		t.open = serialport.Open
	}
	if t.probeTimeout <= 0 {
		t.probeTimeout = 300 * time.Millisecond
	}
	if t.queryTimeout <= 0 {
		t.queryTimeout = 3 * time.Second
	}
	if t.retry <= 0 {
		t.retry = 2 * time.Second
	}
	if deps.Version == "" {
		t.deps.Version = "unknown"
	}
	t.chars = newLazyCharacters(assets.PinyinTable(), t.log)
	var rec *store.Recovery
	if deps.Inspect {
		st, err := store.Open(ctx, cfg.DatabasePath(), store.Options{LeaveInPlace: true, ExistingOnly: true, Now: deps.Now})
		if err != nil {
			return nil, err
		}
		t.st = st
		// Never make a key here: a new key would not open what the old
		// one sealed. Counting needs no key: a throwaway one opens nothing.
		key, err := SealKey(cfg, false)
		if err != nil {
			t.keyErr = err
			key = make([]byte, store.KeySize)
			rand.Read(key)
		}
		if t.sealer, err = store.NewSealer(key); err != nil {
			st.Close()
			return nil, err
		}
	} else {
		t.sealer = deps.Sealer
		if t.sealer == nil {
			s, err := OpenSealer(cfg)
			if err != nil {
				return nil, err
			}
			t.sealer = s
		}
		// A database that fails its check is kept aside and a fresh one
		// started with what could be read of it: the terminal keeps
		// serving, and staff are told (log, audit trail, maintenance
		// menu, heartbeat).
		st, r, err := store.OpenOrRecover(ctx, cfg.DatabasePath(), store.Options{Readings: t.chars, Now: deps.Now}, t.sealer)
		if err != nil {
			return nil, err
		}
		t.st, rec = st, r
		if err := st.SchemaMapError(); err != nil {
			t.log.Warn("database: the schema map beside it was not written; a salvage of a destroyed first page would find nothing", "err", err)
		}
	}
	if err := t.assemble(ctx, rec); err != nil {
		if t.client != nil {
			t.client.Close()
		}
		t.st.Close()
		return nil, err
	}
	if !deps.Inspect {
		t.noteConfig(ctx) // config_changed, when keys changed since the last start
	}
	return t, nil
}

// assemble makes what runs over the open store.
func (t *Terminal) assemble(ctx context.Context, rec *store.Recovery) error {
	cfg, deps := t.cfg, t.deps
	minFree := deps.Tuning.MinFreeBytes
	if deps.Inspect {
		minFree = -1 // looking needs no room
	}
	var err error
	if t.outbox, err = store.NewOutbox(t.st, t.sealer, store.OutboxOptions{TerminalID: cfg.Terminal.ID, MinFreeBytes: minFree, ClaimTTL: deps.Tuning.ClaimTTL}); err != nil {
		return err
	}
	if !deps.Inspect {
		// The outbox resumes where the last run stopped: its claims died
		// with it, so those submissions are due now (their ids make a
		// repeat harmless).
		if n, err := t.outbox.ReleaseClaims(ctx); err != nil {
			return err
		} else if n > 0 {
			t.log.Info("outbox resumed: submissions in flight when the last run stopped are due again", "count", n)
		}
	}
	t.ratings = t.st.Ratings(deps.Tuning.ClaimTTL)
	if !deps.Inspect {
		if n, err := t.ratings.ReleaseClaims(ctx); err != nil {
			return err
		} else if n > 0 {
			t.log.Info("ratings in flight when the last run stopped are due again", "count", n)
		}
	}
	if t.trail, err = audit.New(t.st.AuditLog(), nil); err != nil {
		return err
	}
	if rec != nil {
		t.recovered(*rec)
	}
	t.api = offlineAPI{}
	if !deps.Offline {
		if err := t.newClient(); err != nil {
			if !deps.Inspect {
				return err
			}
			t.apiErr = err
		}
	}
	t.health = kiosk.NewHealth(kiosk.DefaultPolicy(cfg.IDCard.Required, cfg.Printer.Required), nil)
	t.relay, err = outbox.New(outbox.Config{
		Store:   t.st,
		Outbox:  t.outbox,
		API:     t.api,
		Audit:   t.st.AuditLog(),
		Ratings: t.ratings,
		OnRatingRefused: func(r kiosk.Rating, code string) {
			t.RecordAsync(audit.RatingRecorded, "", fmt.Sprintf("rating %s service %s refused by the central system (%s): set aside, not sent again", r.ID, r.Service, code))
		},
		RefreshCenter: func() {
			if t.center != nil {
				t.center.RefreshSoon()
			}
		},
		Devices:        t.HeartbeatDevices,
		Maintenance:    t.heartbeatMaintenance,
		OnOnline:       func(on bool) { t.emit(kiosk.OnlineChanged{Online: on}) },
		OnIdle:         func() { t.emit(kiosk.Sent{}) },
		OnDelivered:    t.submissionSent,
		OnParked:       t.submissionParked,
		Logger:         t.log,
		AppVersion:     deps.Version,
		StartedAt:      t.started,
		MaxInFlight:    cfg.Sync.MaxInFlight,
		Heartbeat:      cfg.Sync.Heartbeat.Duration,
		CatalogRefresh: cfg.Sync.CatalogRefresh.Duration,
		Retention:      time.Duration(cfg.Sync.RetentionDays) * 24 * time.Hour,
		Backoff:        deps.Tuning.Backoff,
		Idle:           deps.Tuning.Idle,
	})
	if err != nil {
		return err
	}
	if t.client != nil {
		t.be = &backend.Backend{Store: t.st, Outbox: t.outbox, Cache: store.NewCaseCache(t.st, t.sealer), API: t.client,
			Relay: t.relay, Pause: t.relay, Logger: t.log, TrackHosts: cfg.GuideHosts(), SendWait: deps.Tuning.SendWait, Poll: deps.Tuning.Poll,
			Link: t.relay, Record: t.RecordAsync}
		t.center = t.be.CenterService(t.client)
		t.appts = t.be.AppointmentService(t.client)
		t.rates = t.be.RatingService(t.ratings)
	}
	t.assist = &Assistance{HookURL: cfg.CallStaff.HookURL, Command: cfg.CallStaff.Command, TerminalID: cfg.Terminal.ID,
		Health: t.health, Record: t.RecordAsync, Logger: t.log, Offline: t.relay.Offline}
	if t.client != nil {
		t.assist.API = t.client
	}
	if !deps.Inspect {
		t.assist.TrackHealth()
	}
	return nil
}

// newClient makes the API client.
func (t *Terminal) newClient() error {
	cfg := t.cfg
	token, err := cfg.APIToken()
	if err != nil {
		return err
	}
	ic := intake.Config{BaseURL: cfg.API.BaseURL, TerminalID: cfg.Terminal.ID, Token: token, CAFile: cfg.API.CAFile,
		Timeout: cfg.API.Timeout.Duration, Transport: t.deps.Transport}
	if ic.Transport != nil {
		ic.CAFile = "" // the caller's transport verifies the server
	}
	c, err := intake.New(ic)
	if err != nil {
		return err
	}
	t.client, t.api = c, c
	return nil
}

// Events is the one channel of what the screens must hear of: card
// events, the network, the outbox, the devices' health (kiosk.Event). Call
// it before Run; until somebody has, events are dropped (a terminal
// without screens). It is closed when Run returns. Its reader must keep
// reading: the device loops wait for it.
func (t *Terminal) Events() <-chan kiosk.Event {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.subscribed = true
	return t.events
}

// emit hands ev to the screens while Run runs.
func (t *Terminal) emit(ev kiosk.Event) {
	t.mu.Lock()
	ctx, on := t.runCtx, t.subscribed
	t.mu.Unlock()
	if !on || ctx == nil {
		return
	}
	t.evMu.RLock()
	defer t.evMu.RUnlock()
	if t.evClosed {
		return
	}
	select {
	case t.events <- ev:
	case <-ctx.Done():
	}
}

// Run runs the relay, the audit writer, both device supervisors, the
// health reports and the watchdog until ctx ends or one of them fails, and
// returns only when every goroutine it started has stopped. It returns nil
// when ctx ended. Run once; Close after it.
func (t *Terminal) Run(ctx context.Context) error {
	if t.deps.Inspect {
		return ErrInspecting
	}
	t.mu.Lock()
	if t.ran {
		t.mu.Unlock()
		return ErrRunTwice
	}
	t.dbMu.RLock()
	closed := t.closed
	t.dbMu.RUnlock()
	if closed {
		t.mu.Unlock()
		return ErrClosed
	}
	t.ran = true
	ctx, cancel := context.WithCancel(ctx)
	t.stop, t.runCtx, t.runDone = cancel, ctx, make(chan struct{})
	t.mu.Unlock()
	defer close(t.runDone)

	g := newGroup(ctx)
	t.startWatchdog(g)
	g.Go("relay", t.relay.Run)
	g.Go("audit writer", t.auditWriter)
	g.Go("card reader", t.cardLoop)
	g.Go("printer", t.printerLoop)
	g.Go("health", t.reportHealth)
	if t.center != nil {
		g.Go("centre", t.center.Run)
	}
	err := g.Wait()
	// A caller outside Run (the maintenance service's refresh) may still
	// be handing an event on: it gives up when runCtx ends.
	cancel()
	t.evMu.Lock()
	t.evClosed = true
	close(t.events)
	t.evMu.Unlock()
	return err
}

// reportHealth sends every health change to the screens and to the central
// system at once.
func (t *Terminal) reportHealth(ctx context.Context) error {
	ch, cancel := t.health.Subscribe()
	defer cancel()
	for {
		select {
		case <-ctx.Done():
			return nil
		case s, ok := <-ch:
			if !ok {
				return nil
			}
			t.relay.DeviceChanged()
			t.emit(kiosk.HealthChanged{Health: s})
		}
	}
}

// Close ends Run if it runs and waits for it, writes the audit records
// still queued, and closes the API client and the database. Nothing the
// terminal started touches the database after Close.
func (t *Terminal) Close() error {
	t.mu.Lock()
	stop, done := t.stop, t.runDone
	t.mu.Unlock()
	if stop != nil {
		stop()
		<-done
	}
	t.writeMu.Lock()
	defer t.writeMu.Unlock()
	t.dbMu.Lock()
	defer t.dbMu.Unlock()
	if t.closed {
		return nil
	}
	for _, it := range t.takeQueue() {
		t.recordLocked(it.kind, it.subject, it.detail)
	}
	t.closed = true
	if t.client != nil {
		t.client.Close()
	}
	return t.st.Close()
}

// Accessors of what Open assembled.

// Config is the configuration the terminal runs on.
func (t *Terminal) Config() config.Config { return t.cfg }

// Store is the database.
func (t *Terminal) Store() *store.Store { return t.st }

// Outbox is the queue of submissions.
func (t *Terminal) Outbox() *store.Outbox { return t.outbox }

// Sealer seals personal data.
func (t *Terminal) Sealer() *store.Sealer { return t.sealer }

// Relay sends the outbox, fetches the catalogue, beats the heart.
func (t *Terminal) Relay() *outbox.Relay { return t.relay }

// API is the central system's API: the client, or one that answers
// nothing when offline.
func (t *Terminal) API() outbox.API { return t.api }

// Backend is what the screens ask of the terminal (catalogue, cases,
// submit, QR codes); nil when offline.
func (t *Terminal) Backend() *backend.Backend { return t.be }

// Center is the centre, its queue and tickets for the screens; nil when
// offline.
func (t *Terminal) Center() kiosk.CenterService {
	if t.center == nil {
		return nil
	}
	return t.center
}

// Appointments books, lists and cancels appointments; nil when offline.
func (t *Terminal) Appointments() kiosk.AppointmentService {
	if t.appts == nil {
		return nil
	}
	return t.appts
}

// Ratings takes the 好差评 into the outbox; nil when offline.
func (t *Terminal) Ratings() kiosk.RatingService {
	if t.rates == nil {
		return nil
	}
	return t.rates
}

// RatingQueue is the queue of ratings in the database.
func (t *Terminal) RatingQueue() *store.Ratings { return t.ratings }

// Health is the devices' health.
func (t *Terminal) Health() *kiosk.Health { return t.health }

// Trail is the audit trail.
func (t *Terminal) Trail() *audit.Trail { return t.trail }

// Characters are the characters by pinyin, for an agent keying a name.
func (t *Terminal) Characters() kiosk.CharacterSource { return t.chars }

// KeyErr is why the sealing key did not load when inspecting (a throwaway
// key stands in).
func (t *Terminal) KeyErr() error { return t.keyErr }

// APIErr is why no API client could be made when inspecting.
func (t *Terminal) APIErr() error { return t.apiErr }

// Gate is the maintenance gate over the terminal: entries and wrong PINs go
// to the audit trail, and the count of wrong PINs and the lock to the
// database's settings, so that a restart does not lift them.
func (t *Terminal) Gate() (*maint.Gate, error) { return t.gate(t.cfg.Maintenance) }

func (t *Terminal) gate(c config.Maintenance) (*maint.Gate, error) {
	var cardKey []byte
	if len(c.StaffCards) > 0 {
		// The staff cards' hashes are keyed by the sealing key: without
		// it no card is recognised, and the PIN still opens.
		if key, err := SealKey(t.cfg, false); err != nil {
			t.log.Warn("staff cards not recognised: no sealing key", "err", err)
		} else {
			cardKey = maint.StaffCardKey(key)
		}
	}
	return maint.NewGate(maint.GateConfig{PINHash: c.PINHash, StaffCards: c.StaffCards, CardKey: cardKey, Audit: t.trail, Settings: t.st})
}

// heartbeatMaintenance is the PIN lock for the heartbeat, as the gate keeps
// it in the settings.
func (t *Terminal) heartbeatMaintenance(ctx context.Context) *intake.MaintenanceState {
	st := maint.ReadLockStatus(ctx, t.st, time.Now())
	m := &intake.MaintenanceState{PINFailuresToday: st.FailuresToday}
	if !st.LockedUntil.IsZero() {
		u := st.LockedUntil.UTC()
		m.LockedUntil = &u
	}
	return m
}

// offlineAPI answers nothing: a terminal without the network.
type offlineAPI struct{}

// ErrNotAsked: the terminal was opened offline.
var ErrNotAsked = errors.New("terminal: network not checked")

func (offlineAPI) Submit(context.Context, kiosk.Submission) (kiosk.Accepted, bool, error) {
	return kiosk.Accepted{}, false, ErrNotAsked
}
func (offlineAPI) Catalog(context.Context, string) (kiosk.Catalog, string, bool, error) {
	return kiosk.Catalog{}, "", false, ErrNotAsked
}
func (offlineAPI) Heartbeat(context.Context, intake.Heartbeat) (intake.HeartbeatReply, error) {
	return intake.HeartbeatReply{}, ErrNotAsked
}
func (offlineAPI) UploadAuditChain(context.Context, kiosk.AuditChain, []kiosk.AuditEvent) (int64, error) {
	return 0, ErrNotAsked
}
func (offlineAPI) Rate(context.Context, kiosk.Rating) (bool, error) { return false, ErrNotAsked }
