package terminal

import (
	"context"
	"errors"
	"fmt"
	"image"
	"strings"
	"time"

	"github.com/pudong-community/kiosk/devices/escpos"
	"github.com/pudong-community/kiosk/devices/idcard"
	"github.com/pudong-community/kiosk/devices/printer"
	"github.com/pudong-community/kiosk/devices/serialport"
	"github.com/pudong-community/kiosk/internal/clock"
	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/audit"
	"github.com/pudong-community/kiosk/kiosk/config"
	"github.com/pudong-community/kiosk/kiosk/receipt"
)

// drivers are the device drivers running now (nil: not running).
func (t *Terminal) drivers() (*idcard.Reader, *printer.Driver) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.reader, t.printer
}

func (t *Terminal) setHealth(device string, state kiosk.DeviceState, reason kiosk.DeviceReason, detail string) {
	if changed, err := t.health.Report(device, state, reason, detail); err != nil {
		t.log.Error("health", "device", device, "err", err)
	} else if changed {
		t.log.Info("device state", "device", device, "state", string(state), "reason", string(reason), "detail", detail)
		t.record(audit.DeviceState, device, string(state)+": "+detail)
	}
}

// deviceDriver is a running driver of one device: its loop and its events.
type deviceDriver[E any] struct {
	run    func(context.Context) error
	events <-chan E
}

// keepDevice keeps one device's driver running until ctx ends: it opens
// the port (again and again while it is missing), starts the driver, hands
// its events on and beats the device's watchdog heart, and starts over when
// the driver stops. set is told of the driver while it runs and of nil
// when it is gone. It returns only when the driver's loop has returned.
func keepDevice[E any](ctx context.Context, t *Terminal, device, portName string, baud int, heart func(),
	start func(serialport.Port) (deviceDriver[E], error), onEvent func(E), set func(running bool)) {
	if portName == "" {
		t.setHealth(device, kiosk.StateOffline, kiosk.ReasonNotConfigured, "no port configured")
		for ctx.Err() == nil {
			heart()
			_ = clock.Sleep(ctx, t.retry)
		}
		return
	}
	for ctx.Err() == nil {
		port, err := t.open(portName, baud, 200*time.Millisecond)
		if err != nil {
			t.setHealth(device, kiosk.StateOffline, kiosk.ReasonOffline, "port "+portName+": "+err.Error())
			heart()
			_ = clock.Sleep(ctx, t.retry)
			continue
		}
		drv, err := start(port)
		if err != nil {
			port.Close()
			t.setHealth(device, kiosk.StateError, kiosk.ReasonFault, err.Error())
			heart()
			_ = clock.Sleep(ctx, t.retry)
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
				set(false)
				port.Close()
				return
			case err := <-done:
				t.setHealth(device, kiosk.StateOffline, kiosk.ReasonOffline, fmt.Sprint(err))
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
		_ = clock.Sleep(ctx, t.retry/2)
	}
}

// cardLoop keeps the ID card reader running and hands its events on.
func (t *Terminal) cardLoop(ctx context.Context) error {
	var r *idcard.Reader
	cfg := t.cfg.IDCard
	keepDevice(ctx, t, kiosk.DeviceIDCard, cfg.Port, cfg.Baud, func() { t.beat(&t.cardBeat) },
		func(port serialport.Port) (deviceDriver[idcard.Event], error) {
			reopen := func() (serialport.Port, error) { return t.open(cfg.Port, cfg.Baud, 200*time.Millisecond) }
			r = idcard.NewReader(port, idcard.Options{PollInterval: cfg.PollInterval.Duration, Open: reopen, Logger: t.log.With("device", "idcard")})
			return deviceDriver[idcard.Event]{run: r.Run, events: r.Events()}, nil
		},
		t.cardEvent,
		func(running bool) {
			t.mu.Lock()
			defer t.mu.Unlock()
			t.reader = nil
			if running {
				t.reader = r
			}
		})
	return nil
}

// cardEvent turns a reader event into health, and hands it to a waiting
// maintenance self-test or else to the screens.
func (t *Terminal) cardEvent(ev idcard.Event) {
	switch ev.Kind {
	case idcard.ReaderError:
		t.setHealth(kiosk.DeviceIDCard, kiosk.StateError, kiosk.ReasonFault, fmt.Sprint(ev.Err))
	case idcard.ReaderBack, idcard.CardPresent, idcard.CardRemoved, idcard.CardError:
		t.setHealth(kiosk.DeviceIDCard, kiosk.StateOK, kiosk.ReasonNone, "ready")
	}
	t.mu.Lock()
	taps := t.cardTaps
	if ev.Kind == idcard.CardPresent || ev.Kind == idcard.CardError {
		t.cardTaps = nil
	} else {
		taps = nil
	}
	t.mu.Unlock()
	if len(taps) > 0 {
		for _, c := range taps {
			c <- ev
		}
		return // a maintenance self-test took this card
	}
	if sev, ok := screenCard(ev, time.Now()); ok {
		t.emit(sev)
	}
}

// screenCard is a reader event as the screens take it.
func screenCard(ev idcard.Event, now time.Time) (kiosk.Event, bool) {
	switch ev.Kind {
	case idcard.CardPresent:
		if ev.Identity == nil {
			return nil, false
		}
		return kiosk.CardPresented{Person: person(ev.Identity), Expired: ev.Identity.Expired(now), Age: ev.Identity.Age(now)}, true
	case idcard.CardRemoved:
		return kiosk.CardRemoved{Lost: ev.Lost}, true
	case idcard.CardError:
		return kiosk.CardFailed{Reason: fmt.Sprint(ev.Err)}, true
	}
	return nil, false
}

// nextCard waits for the next card event (maintenance self-test).
func (t *Terminal) nextCard(ctx context.Context) (idcard.Event, error) {
	c := make(chan idcard.Event, 1)
	t.mu.Lock()
	t.cardTaps = append(t.cardTaps, c)
	t.mu.Unlock()
	select {
	case ev := <-c:
		return ev, nil
	case <-ctx.Done():
		t.mu.Lock()
		for i, x := range t.cardTaps {
			if x == c {
				t.cardTaps = append(t.cardTaps[:i], t.cardTaps[i+1:]...)
				break
			}
		}
		t.mu.Unlock()
		return idcard.Event{}, ctx.Err()
	}
}

// PrinterProfile is the printer profile from the configuration.
func PrinterProfile(c config.Config) printer.Profile {
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
func (t *Terminal) printerLoop(ctx context.Context) error {
	prof := PrinterProfile(t.cfg)
	var drv *printer.Driver
	keepDevice(ctx, t, kiosk.DevicePrinter, t.cfg.Printer.Port, t.cfg.Printer.Baud, func() { t.beat(&t.printerBeat) },
		func(port serialport.Port) (deviceDriver[printer.Event], error) {
			d, err := printer.New(port, prof, printer.Options{Logf: func(f string, a ...any) { t.log.Debug(fmt.Sprintf(f, a...), "device", "printer") }})
			if err != nil {
				return deviceDriver[printer.Event]{}, err
			}
			drv = d
			return deviceDriver[printer.Event]{run: d.Run, events: d.Events()}, nil
		},
		func(ev printer.Event) {
			state, reason := printerHealth(ev.State)
			t.setHealth(kiosk.DevicePrinter, state, reason, ev.State.String())
		},
		func(running bool) {
			t.mu.Lock()
			defer t.mu.Unlock()
			t.printer = nil
			if running {
				t.printer = drv
			}
		})
	return nil
}

// printerHealth is a printer state as device health and its reason.
func printerHealth(st printer.State) (kiosk.DeviceState, kiosk.DeviceReason) {
	switch st {
	case printer.StateReady:
		return kiosk.StateOK, kiosk.ReasonNone
	case printer.StateNearEnd:
		return kiosk.StateDegraded, kiosk.ReasonPaperNearEnd
	case printer.StateNoAnswer, printer.StateUnknown:
		return kiosk.StateOffline, kiosk.ReasonOffline
	case printer.StatePaperOut:
		return kiosk.StateError, kiosk.ReasonPaperOut
	case printer.StateCoverOpen:
		return kiosk.StateError, kiosk.ReasonCoverOpen
	case printer.StateCutterError:
		return kiosk.StateError, kiosk.ReasonCutter
	}
	return kiosk.StateError, kiosk.ReasonFault
}

// receipts is the kiosk.ReceiptService over whichever printer driver is
// running now.
type receipts struct {
	t   *Terminal
	svc receipt.Service
}

// Receipts prints receipts on the running printer (and draws them for the
// screen); a printed receipt goes into the audit trail.
func (t *Terminal) Receipts() kiosk.ReceiptService {
	prof := PrinterProfile(t.cfg)
	r := &receipts{t: t}
	r.svc = receipt.Service{
		Options: receipt.Options{WidthDots: prof.WidthDots, Charset: prof.Charset, NativeQR: prof.NativeQR, Cut: prof.Cut},
		Send: func(ctx context.Context, job []byte) error {
			if _, drv := t.drivers(); drv != nil {
				return printError(drv.Print(ctx, job))
			}
			return fmt.Errorf("%w: no printer on %s", kiosk.ErrPrinterUnavailable, t.cfg.Printer.Port)
		},
	}
	return r
}

func (r *receipts) Print(ctx context.Context, d kiosk.ReceiptData) error {
	err := r.svc.Print(ctx, d)
	if err == nil {
		r.t.record(audit.ReceiptPrinted, kiosk.MaskID(d.ApplicantID), d.LocalNo)
	}
	return err
}

func (r *receipts) Render(d kiosk.ReceiptData) (image.Image, error) { return r.svc.Render(d) }

// printError maps a driver error to kiosk.ErrPaperOut, kiosk.ErrCoverOpen
// or kiosk.ErrPrinterUnavailable, keeping the cause, so the screens can say
// what happened. A stopped job whose sent part may still print
// (JobError.Leftover) also wraps kiosk.ErrPartPrintsLater, so the resident
// is told to expect it.
func printError(err error) error {
	var je *printer.JobError
	leftover := errors.As(err, &je) && je.Leftover
	switch {
	case err == nil:
		return nil
	case errors.Is(err, printer.ErrPaperOut) && leftover:
		return fmt.Errorf("%w (%w): %w", kiosk.ErrPaperOut, kiosk.ErrPartPrintsLater, err)
	case errors.Is(err, printer.ErrPaperOut):
		return fmt.Errorf("%w: %w", kiosk.ErrPaperOut, err)
	case errors.Is(err, printer.ErrCoverOpen) && leftover:
		return fmt.Errorf("%w (%w): %w", kiosk.ErrCoverOpen, kiosk.ErrPartPrintsLater, err)
	case errors.Is(err, printer.ErrCoverOpen):
		return fmt.Errorf("%w: %w", kiosk.ErrCoverOpen, err)
	}
	return fmt.Errorf("%w: %w", kiosk.ErrPrinterUnavailable, err)
}

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
