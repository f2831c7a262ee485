package main

import (
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/pudong-community/kiosk/assets"
	"github.com/pudong-community/kiosk/devices/escpos"
	"github.com/pudong-community/kiosk/devices/idcard"
	"github.com/pudong-community/kiosk/devices/printer"
	"github.com/pudong-community/kiosk/devices/serialport"
	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/audit"
	"github.com/pudong-community/kiosk/kiosk/backend"
	"github.com/pudong-community/kiosk/kiosk/config"
	"github.com/pudong-community/kiosk/kiosk/intake"
	"github.com/pudong-community/kiosk/kiosk/outbox"
	"github.com/pudong-community/kiosk/kiosk/receipt"
	"github.com/pudong-community/kiosk/kiosk/store"
)

// system is everything behind the screens: the database, the relay, the
// API client, the audit trail, the device health and the two device loops.
type system struct {
	cfg     config.Config
	log     *slog.Logger
	started time.Time

	st     *store.Store
	outbox *store.Outbox
	sealer *store.Sealer
	trail  *audit.Trail
	client *intake.Client
	relay  *outbox.Relay
	health *kiosk.Health
	be     *backend.Backend

	mu      sync.Mutex
	reader  *idcard.Reader
	printer *printer.Driver
	// cardTaps receive the next card event (maintenance self-test).
	cardTaps []chan idcard.Event

	// beats are the loops' watchdog hearts (nil: not watched).
	cardBeat, printerBeat func()

	// characters is the pinyin table: the catalogue's pinyin for search,
	// and the characters an agent keys a name with. Parsed on first use.
	characters *lazyCharacters

	// auditQ keeps the visit's audit records in order off the UI goroutine.
	auditQ chan auditItem

	// Hooks into the UI, set once it exists; called from device and relay
	// goroutines.
	onCard   func(idcard.Event)
	onOnline func(bool)
	// onSent is called when the relay has sent what was due (settleMemory's
	// kick); set before start.
	onSent func()
}

// openSystem opens the database and makes the relay and services. Nothing
// runs until start.
func openSystem(ctx context.Context, cfg config.Config, log *slog.Logger) (*system, error) {
	sealer, err := openSealer(cfg)
	if err != nil {
		return nil, err
	}
	return openSystemWith(ctx, cfg, log, sealer)
}

// openSealer makes the data directory and loads (or on the first start
// makes) the key that seals personal data. The key opens before the
// database: recovery checks the old rows' seals with it.
func openSealer(cfg config.Config) (*store.Sealer, error) {
	if err := os.MkdirAll(cfg.Terminal.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("cannot create data directory %s: %w", cfg.Terminal.DataDir, errors.Unwrap(err))
	}
	key, err := store.LoadOrCreateKey(cfg.KeyFilePath())
	if err != nil {
		return nil, err
	}
	return store.NewSealer(key)
}

// openSystemWith is openSystem with the sealer already open.
func openSystemWith(ctx context.Context, cfg config.Config, log *slog.Logger, sealer *store.Sealer) (*system, error) {
	s := &system{cfg: cfg, log: log, started: time.Now(), auditQ: make(chan auditItem, 256), sealer: sealer}
	// A database that fails its check is kept aside and a fresh one
	// started with what could be read of it: the terminal keeps serving,
	// and staff are told (log, audit trail, maintenance menu, heartbeat).
	s.characters = newLazyCharacters(assets.PinyinTable(), log)
	st, rec, err := store.OpenOrRecover(ctx, cfg.DatabasePath(), store.Options{Readings: s.characters}, s.sealer)
	if err != nil {
		return nil, err
	}
	s.st = st
	if err := st.SchemaMapError(); err != nil {
		log.Warn("database: the schema map beside it was not written; a salvage of a destroyed first page would find nothing", "err", err)
	}
	fail := func(err error) (*system, error) {
		st.Close()
		return nil, err
	}
	if s.outbox, err = store.NewOutbox(st, s.sealer, store.OutboxOptions{TerminalID: cfg.Terminal.ID}); err != nil {
		return fail(err)
	}
	// The outbox resumes where the last run stopped: its claims died
	// with it, so those submissions are due now (their ids make a repeat
	// harmless).
	if n, err := s.outbox.ReleaseClaims(ctx); err != nil {
		return fail(err)
	} else if n > 0 {
		log.Info("outbox resumed: submissions in flight when the last run stopped are due again", "count", n)
	}
	if s.trail, err = audit.New(st.AuditLog(), nil); err != nil {
		return fail(err)
	}
	if rec != nil {
		s.recovered(*rec)
	}
	token, err := cfg.APIToken()
	if err != nil {
		return fail(err)
	}
	if s.client, err = intake.New(intake.Config{BaseURL: cfg.API.BaseURL, TerminalID: cfg.Terminal.ID, Token: token, CAFile: cfg.API.CAFile, Timeout: cfg.API.Timeout.Duration}); err != nil {
		return fail(err)
	}
	s.health = kiosk.NewHealth(kiosk.DefaultPolicy(cfg.IDCard.Required, cfg.Printer.Required), nil)
	s.relay, err = outbox.New(outbox.Config{
		Store:   st,
		Outbox:  s.outbox,
		API:     s.client,
		Audit:   st.AuditLog(),
		Devices: s.heartbeatDevices,
		OnOnline: func(on bool) {
			s.mu.Lock()
			f := s.onOnline
			s.mu.Unlock()
			if f != nil {
				f(on)
			}
		},
		OnIdle: func() {
			s.mu.Lock()
			f := s.onSent
			s.mu.Unlock()
			if f != nil {
				f()
			}
		},
		Logger:         log,
		AppVersion:     version,
		StartedAt:      s.started,
		MaxInFlight:    cfg.Sync.MaxInFlight,
		Heartbeat:      cfg.Sync.Heartbeat.Duration,
		CatalogRefresh: cfg.Sync.CatalogRefresh.Duration,
		Retention:      time.Duration(cfg.Sync.RetentionDays) * 24 * time.Hour,
	})
	if err != nil {
		return fail(err)
	}
	s.be = &backend.Backend{Store: st, Outbox: s.outbox, Cache: store.NewCaseCache(st, s.sealer), API: s.client, Relay: s.relay, Pause: s.relay, Logger: log}
	return s, nil
}

func (s *system) close() {
	if s.client != nil {
		s.client.Close()
	}
	s.st.Close()
}

// start runs the relay and the device loops until ctx ends.
func (s *system) start(ctx context.Context) {
	go func() {
		if err := s.relay.Run(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("relay stopped", "err", err)
		}
	}()
	go s.auditWriter(ctx)
	go s.cardLoop(ctx)
	go s.printerLoop(ctx)
	// Every health change goes to the central system at once.
	ch, cancel := s.health.Subscribe()
	go func() {
		defer cancel()
		for {
			select {
			case <-ctx.Done():
				return
			case _, ok := <-ch:
				if !ok {
					return
				}
				s.relay.DeviceChanged()
			}
		}
	}()
}

type auditItem struct {
	kind            audit.Kind
	subject, detail string
}

// recordAsync queues an audit record for the writer goroutine, so the UI
// never waits for the disk; the records keep their order.
func (s *system) recordAsync(kind audit.Kind, subject, detail string) {
	select {
	case s.auditQ <- auditItem{kind, subject, detail}:
	default:
		s.record(kind, subject, detail) // queue full: write it now rather than lose it
	}
}

func (s *system) auditWriter(ctx context.Context) {
	for {
		select {
		case it := <-s.auditQ:
			s.record(it.kind, it.subject, it.detail)
		case <-ctx.Done():
			for {
				select {
				case it := <-s.auditQ:
					s.record(it.kind, it.subject, it.detail)
				default:
					return
				}
			}
		}
	}
}

func (s *system) record(kind audit.Kind, subject, detail string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := s.trail.Record(ctx, kind, subject, detail); err != nil {
		s.log.Error("audit record failed", "kind", string(kind), "err", err)
	}
}

// deviceDatabase names the database in the heartbeat's devices while a
// recovery waits for staff to acknowledge it.
const deviceDatabase = "database"

// recovered tells staff that the database failed its check and was
// replaced: an error in the log and an event in the (new) audit trail; the
// notice itself is kept in the database until staff acknowledge it on the
// maintenance menu, and shows in every heartbeat until then.
func (s *system) recovered(rec store.Recovery) {
	s.log.Error("database failed its check: kept aside, a fresh one started with what could be recovered",
		"kept_as", rec.KeptAs, "detail", rec.Detail, "queued", rec.Queued, "parked", rec.Parked,
		"delivered", rec.Delivered, "unsent_lost", rec.UnsentLost, "lost_unknown", rec.LostUnknown,
		"lost_local_nos", strings.Join(rec.LostLocalNos, ","), "audit_events", rec.AuditEvents, "audit_cut", rec.AuditCut)
	s.record(audit.DatabaseRecovered, filepath.Base(rec.KeptAs), recoveryDetail(rec))
}

// recoveryDetail is the audit detail of a recovery: counts and the lost
// receipt numbers, no personal data.
func recoveryDetail(rec store.Recovery) string {
	d := fmt.Sprintf("queued=%d parked=%d delivered=%d unsent_lost=%d", rec.Queued, rec.Parked, rec.Delivered, rec.UnsentLost)
	if rec.LostUnknown {
		d += "+"
	}
	if len(rec.LostLocalNos) > 0 {
		d += " lost_local_nos=" + strings.Join(rec.LostLocalNos, ",")
	}
	d += fmt.Sprintf(" audit_events=%d", rec.AuditEvents)
	if rec.AuditCut {
		d += " audit_cut"
	}
	if len(d) > audit.MaxDetail {
		d = d[:audit.MaxDetail-3] + "..."
	}
	return d
}

// storageNotices are the recoveries staff have not acknowledged, as the
// maintenance screens show them.
func (s *system) storageNotices(ctx context.Context) ([]kiosk.StorageNotice, error) {
	recs, err := s.st.RecoveryNotices(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]kiosk.StorageNotice, 0, len(recs))
	for _, r := range recs {
		out = append(out, kiosk.StorageNotice{
			At: r.At, KeptAs: filepath.Base(r.KeptAs), Detail: r.Detail,
			Queued: r.Queued, Parked: r.Parked, Delivered: r.Delivered,
			UnsentLost: r.UnsentLost, LostUnknown: r.LostUnknown, LostLocalNos: r.LostLocalNos,
			AuditEvents: r.AuditEvents, AuditCut: r.AuditCut, Summary: r.Summary(),
		})
	}
	return out, nil
}

// heartbeatDevices is the device part of a heartbeat.
func (s *system) heartbeatDevices() map[string]intake.DeviceState {
	out := map[string]intake.DeviceState{}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if ns, err := s.storageNotices(ctx); err == nil && len(ns) > 0 {
		last := ns[len(ns)-1]
		out[deviceDatabase] = intake.DeviceState{State: string(kiosk.StateDegraded),
			Detail: fmt.Sprintf("recovered from a failed check, not yet acknowledged by staff (%d): %s", len(ns), last.Summary), Since: last.At}
	}
	for _, d := range s.health.Snapshot().Devices {
		ds := intake.DeviceState{State: string(d.State), Detail: d.Detail, Since: d.Since}
		if d.Device == kiosk.DevicePrinter {
			ds.Paper = "ok"
			s.mu.Lock()
			drv := s.printer
			s.mu.Unlock()
			if drv != nil {
				switch st, _ := drv.State(); st {
				case printer.StateNearEnd:
					ds.Paper = "near_end"
				case printer.StatePaperOut:
					ds.Paper = "out"
				}
			}
		}
		out[d.Device] = ds
	}
	return out
}

func (s *system) setHealth(device string, state kiosk.DeviceState, detail string) {
	if changed, err := s.health.Set(device, state, detail); err != nil {
		s.log.Error("health", "device", device, "err", err)
	} else if changed {
		s.log.Info("device state", "device", device, "state", string(state), "detail", detail)
		s.record(audit.DeviceState, device, string(state)+": "+detail)
	}
}

// deviceDriver is a running driver of one device: its loop and its events.
type deviceDriver[E any] struct {
	run    func(context.Context) error
	events <-chan E
}

// keepDevice keeps one device's driver running: it opens the port (again
// and again while it is missing), starts the driver, hands its events on and
// beats the device's watchdog heart, and starts over when the driver stops.
// set is told of the driver while it runs and of nil when it is gone.
func keepDevice[E any](ctx context.Context, s *system, device, portName string, baud int, heart func(),
	start func(serialport.Port) (deviceDriver[E], error), onEvent func(E), set func(running bool)) {
	for ctx.Err() == nil {
		port, err := serialport.Open(portName, baud, 200*time.Millisecond)
		if err != nil {
			s.setHealth(device, kiosk.StateOffline, "port "+portName+": "+err.Error())
			heart()
			sleep(ctx, 2*time.Second)
			continue
		}
		drv, err := start(port)
		if err != nil {
			port.Close()
			s.setHealth(device, kiosk.StateError, err.Error())
			heart()
			sleep(ctx, 2*time.Second)
			continue
		}
		set(true)
		done := make(chan error, 1)
		go func() { done <- drv.run(ctx) }()
		tick := time.NewTicker(2 * time.Second)
	events:
		for {
			select {
			case <-ctx.Done():
				tick.Stop()
				<-done
				return
			case err := <-done:
				s.setHealth(device, kiosk.StateOffline, fmt.Sprint(err))
				break events
			case ev := <-drv.events:
				onEvent(ev)
			case <-tick.C:
				heart()
			}
		}
		tick.Stop()
		set(false)
		port.Close()
		sleep(ctx, time.Second)
	}
}

// cardLoop keeps the ID card reader running and hands its events on.
func (s *system) cardLoop(ctx context.Context) {
	var r *idcard.Reader
	keepDevice(ctx, s, kiosk.DeviceIDCard, s.cfg.IDCard.Port, s.cfg.IDCard.Baud, func() { beat(s.cardBeat) },
		func(port serialport.Port) (deviceDriver[idcard.Event], error) {
			reopen := func() (serialport.Port, error) {
				return serialport.Open(s.cfg.IDCard.Port, s.cfg.IDCard.Baud, 200*time.Millisecond)
			}
			r = idcard.NewReader(port, idcard.Options{PollInterval: s.cfg.IDCard.PollInterval.Duration, Open: reopen, Logger: s.log.With("device", "idcard")})
			return deviceDriver[idcard.Event]{run: r.Run, events: r.Events()}, nil
		},
		s.cardEvent,
		func(running bool) {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.reader = nil
			if running {
				s.reader = r
			}
		})
}

func (s *system) cardEvent(ev idcard.Event) {
	switch ev.Kind {
	case idcard.ReaderError:
		s.setHealth(kiosk.DeviceIDCard, kiosk.StateError, fmt.Sprint(ev.Err))
	case idcard.ReaderBack:
		s.setHealth(kiosk.DeviceIDCard, kiosk.StateOK, "ready")
	case idcard.CardPresent, idcard.CardRemoved, idcard.CardError:
		s.setHealth(kiosk.DeviceIDCard, kiosk.StateOK, "ready")
	}
	s.mu.Lock()
	taps := s.cardTaps
	if ev.Kind == idcard.CardPresent || ev.Kind == idcard.CardError {
		s.cardTaps = nil
	} else {
		taps = nil
	}
	f := s.onCard
	s.mu.Unlock()
	if len(taps) > 0 {
		for _, c := range taps {
			c <- ev
		}
		return // a maintenance self-test took this card
	}
	if f != nil {
		f(ev)
	}
}

// nextCard waits for the next card event (maintenance self-test).
func (s *system) nextCard(ctx context.Context) (idcard.Event, error) {
	c := make(chan idcard.Event, 1)
	s.mu.Lock()
	s.cardTaps = append(s.cardTaps, c)
	s.mu.Unlock()
	select {
	case ev := <-c:
		return ev, nil
	case <-ctx.Done():
		s.mu.Lock()
		for i, x := range s.cardTaps {
			if x == c {
				s.cardTaps = append(s.cardTaps[:i], s.cardTaps[i+1:]...)
				break
			}
		}
		s.mu.Unlock()
		return idcard.Event{}, ctx.Err()
	}
}

// printerProfile is the printer profile from the configuration.
func printerProfile(c config.Config) printer.Profile {
	p := printer.Profile80
	if c.Printer.PaperWidthDots == 384 {
		p = printer.Profile58
	}
	p.WidthDots = c.Printer.PaperWidthDots
	p.Baud = c.Printer.Baud
	p.NativeQR = c.Printer.NativeQR
	p.BufferBytes = c.Printer.BufferBytes
	switch strings.ToUpper(c.Printer.Charset) {
	case "GB2312":
		p.Charset = escpos.GB2312
	case "GBK":
		p.Charset = escpos.GBK
	default:
		p.Charset = escpos.GB18030
	}
	if !c.Printer.Cutter {
		p.Cut = escpos.CutNone
	}
	return p
}

// printerLoop keeps the receipt printer's driver running and turns its
// state changes into device health.
func (s *system) printerLoop(ctx context.Context) {
	prof := printerProfile(s.cfg)
	var drv *printer.Driver
	keepDevice(ctx, s, kiosk.DevicePrinter, s.cfg.Printer.Port, s.cfg.Printer.Baud, func() { beat(s.printerBeat) },
		func(port serialport.Port) (deviceDriver[printer.Event], error) {
			d, err := printer.New(port, prof, printer.Options{Logf: func(f string, a ...any) { s.log.Debug(fmt.Sprintf(f, a...), "device", "printer") }})
			if err != nil {
				return deviceDriver[printer.Event]{}, err
			}
			drv = d
			return deviceDriver[printer.Event]{run: d.Run, events: d.Events()}, nil
		},
		func(ev printer.Event) {
			s.setHealth(kiosk.DevicePrinter, printerHealth(ev.State), ev.State.String())
		},
		func(running bool) {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.printer = nil
			if running {
				s.printer = drv
			}
		})
}

func printerHealth(st printer.State) kiosk.DeviceState {
	switch st {
	case printer.StateReady:
		return kiosk.StateOK
	case printer.StateNearEnd:
		return kiosk.StateDegraded
	case printer.StateNoAnswer, printer.StateUnknown:
		return kiosk.StateOffline
	}
	return kiosk.StateError
}

// receipts is the kiosk.ReceiptService over whichever printer driver is
// running now.
type receipts struct {
	s   *system
	svc receipt.Service
}

func (s *system) receiptService() *receipts {
	prof := printerProfile(s.cfg)
	r := &receipts{s: s}
	r.svc = receipt.Service{
		Options: receipt.Options{WidthDots: prof.WidthDots, Charset: prof.Charset, NativeQR: prof.NativeQR, Cut: prof.Cut},
		Send: func(ctx context.Context, job []byte) error {
			s.mu.Lock()
			drv := s.printer
			s.mu.Unlock()
			if drv == nil {
				return fmt.Errorf("%w: no printer on %s", kiosk.ErrPrinterUnavailable, s.cfg.Printer.Port)
			}
			return receiptSend(drv)(ctx, job)
		},
	}
	return r
}

func (r *receipts) Print(ctx context.Context, d kiosk.ReceiptData) error {
	err := r.svc.Print(ctx, d)
	if err == nil {
		r.s.record(audit.ReceiptPrinted, kiosk.MaskID(d.ApplicantID), d.LocalNo)
	}
	return err
}

func (r *receipts) Render(d kiosk.ReceiptData) (image.Image, error) { return r.svc.Render(d) }

// person maps a card read to the kiosk's Person.
func person(id *idcard.Identity) kiosk.Person {
	p := kiosk.Person{
		IDNumber: id.IDNumber,
		Name:     id.Name,
		CardType: kiosk.CardType(id.CardType),
		Gender:   id.Gender.String(),
		Nation:   id.Nation,
		Address:  id.Address,
	}
	if !id.BirthDate.IsZero() {
		p.BirthDate = id.BirthDate.Format("2006-01-02")
	}
	if !id.LongTerm && !id.ValidUntil.IsZero() {
		p.ValidUntil = id.ValidUntil.Format("2006-01-02")
	}
	return p
}

func beat(f func()) {
	if f != nil {
		f()
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
