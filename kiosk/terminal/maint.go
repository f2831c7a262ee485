package terminal

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/pudong-community/kiosk/devices/escpos"
	"github.com/pudong-community/kiosk/devices/idcard"
	"github.com/pudong-community/kiosk/devices/printer"
	"github.com/pudong-community/kiosk/devices/serialport"
	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/audit"
	"github.com/pudong-community/kiosk/kiosk/logfile"
	"github.com/pudong-community/kiosk/kiosk/maint"
	"github.com/pudong-community/kiosk/kiosk/outbox"
	"github.com/pudong-community/kiosk/kiosk/receipt"
	"github.com/pudong-community/kiosk/kiosk/store"
)

// Errors of the maintenance service.
var (
	errMaintNoReader   = errors.New("terminal: card reader not running")
	errMaintNoReason   = errors.New("terminal: discarding a parked submission needs a reason")
	errMaintNotParked  = errors.New("terminal: submission is not parked")
	errMaintNotAudited = errors.New("terminal: action done but not audited")
)

// printerProbeBauds are the rates a receipt printer is asked at, after the
// configured one.
var printerProbeBauds = []int{9600, 19200, 38400, 115200}

// maintService is kiosk.Maintenance over the running terminal: its device
// drivers, store, relay and audit trail.
type maintService struct {
	t *Terminal
	// probeTimeout is the answer timeout per baud when probing a port.
	probeTimeout time.Duration
	// queryTimeout bounds a status query of the running printer and the
	// network probe.
	queryTimeout time.Duration
}

var _ kiosk.Maintenance = (*maintService)(nil)

// Maintenance is the service behind the maintenance screens.
func (t *Terminal) Maintenance() kiosk.Maintenance { return t.maintService() }

func (t *Terminal) maintService() *maintService {
	return &maintService{t: t, probeTimeout: t.probeTimeout, queryTimeout: t.queryTimeout}
}

func (m *maintService) drivers() (*idcard.Reader, *printer.Driver) { return m.t.drivers() }

// Devices reports the card reader and the printer with their wire details.
func (m *maintService) Devices(ctx context.Context) ([]kiosk.DeviceReport, error) {
	snap := m.t.health.Snapshot()
	reader, drv := m.drivers()
	cfg := m.t.cfg
	var out []kiosk.DeviceReport
	for _, name := range []string{kiosk.DeviceIDCard, kiosk.DevicePrinter} {
		dh, ok := snap.Device(name)
		if !ok {
			dh = kiosk.DeviceHealth{Device: name, State: kiosk.StateOffline, Detail: "not monitored"}
		}
		r := kiosk.DeviceReport{DeviceHealth: dh, Status: map[string]string{}}
		switch name {
		case kiosk.DeviceIDCard:
			r.Port, r.Baud = cfg.IDCard.Port, cfg.IDCard.Baud
			if reader == nil {
				r.Status["reader"] = "not running"
				break
			}
			st := reader.Status()
			r.LastError, r.LastErrAt = st.LastError, st.LastErrAt
			r.Status["reader"] = string(st.State)
			r.Status["sam_id"] = st.SAMIDText
			r.Status["sam_id_hex"] = st.SAMID
			r.Status["reads"] = fmt.Sprint(st.Reads)
			for _, f := range st.Frames {
				r.Frames = append(r.Frames, kiosk.FrameLine{Out: f.Out, At: f.At, Hex: f.Hex, Note: f.Note})
			}
			if n := len(r.Frames); n > 50 {
				r.Frames = r.Frames[n-50:]
			}
		case kiosk.DevicePrinter:
			r.Port, r.Baud = cfg.Printer.Port, cfg.Printer.Baud
			if drv == nil {
				r.Status["driver"] = "not running"
				break
			}
			qctx, cancel := context.WithTimeout(ctx, m.queryTimeout)
			st, err := drv.Query(qctx)
			cancel()
			state := printer.StateOf(st)
			if err != nil {
				r.LastError, r.LastErrAt = err.Error(), time.Now()
				state, st = drv.State()
			}
			printerStatus(r.Status, state, st)
		}
		out = append(out, r)
	}
	for _, dh := range snap.Devices {
		if dh.Device != kiosk.DeviceIDCard && dh.Device != kiosk.DevicePrinter {
			out = append(out, kiosk.DeviceReport{DeviceHealth: dh})
		}
	}
	return out, nil
}

// printerStatus fills the printer's status words from a DLE EOT reply.
func printerStatus(m map[string]string, state printer.State, st escpos.Status) {
	m["state"] = state.String()
	m["state_zh"] = state.Chinese()
	word := func(have bool, bad bool, badWord string) string {
		switch {
		case !have:
			return "unknown"
		case bad:
			return badWord
		}
		return "ok"
	}
	m["online"] = word(st.Have[escpos.StatusPrinter], st.Offline, "offline")
	m["cover"] = word(st.Have[escpos.StatusOffline], st.CoverOpen, "open")
	if m["cover"] == "ok" {
		m["cover"] = "closed"
	}
	m["cutter"] = word(st.Have[escpos.StatusError], st.CutterError, "error")
	paper := word(st.Have[escpos.StatusPaper], st.PaperEnd, "out")
	if paper == "ok" && st.PaperNearEnd {
		paper = "near_end"
	}
	m["paper"] = paper
}

// SelfTestCard waits for the next card on the running reader.
func (m *maintService) SelfTestCard(ctx context.Context) (kiosk.CardTest, error) {
	if reader, _ := m.drivers(); reader == nil {
		return kiosk.CardTest{}, fmt.Errorf("%w on %s", errMaintNoReader, m.t.cfg.IDCard.Port)
	}
	ev, err := m.t.nextCard(ctx)
	if err != nil {
		return kiosk.CardTest{}, fmt.Errorf("terminal: waiting for a card: %w", err)
	}
	ct := kiosk.CardTest{Steps: cardSteps(ev.Timings)}
	if ev.Kind == idcard.CardError || ev.Identity == nil {
		msg := "no card data"
		if ev.Err != nil {
			msg = ev.Err.Error()
		}
		ct.Steps = append(ct.Steps, kiosk.Step{Name: "decode", Err: msg})
		return ct, fmt.Errorf("terminal: card not read: %s", msg)
	}
	ct.MaskedID = kiosk.MaskID(ev.Identity.IDNumber)
	ct.CardType = string(ev.Identity.CardType)
	return ct, nil
}

// cardSteps lists the timed steps of a card read that took place.
func cardSteps(t idcard.Timings) []kiosk.Step {
	var steps []kiosk.Step
	for _, s := range []kiosk.Step{
		{Name: "find", Duration: t.Find},
		{Name: "select", Duration: t.Select},
		{Name: "read", Duration: t.Read},
		{Name: "appended", Duration: t.Appended},
		{Name: "total", Duration: t.Total},
	} {
		if s.Duration > 0 {
			steps = append(steps, s)
		}
	}
	return steps
}

// TestPrint prints the sample receipt through the running driver.
func (m *maintService) TestPrint(ctx context.Context) (kiosk.PrintTest, error) {
	var pt kiosk.PrintTest
	_, drv := m.drivers()
	if drv == nil {
		return pt, fmt.Errorf("%w: no printer on %s", kiosk.ErrPrinterUnavailable, m.t.cfg.Printer.Port)
	}
	step := func(name string, f func() error) error {
		began := time.Now()
		err := f()
		s := kiosk.Step{Name: name, Duration: time.Since(began)}
		if err != nil {
			s.Err = err.Error()
		}
		pt.Steps = append(pt.Steps, s)
		return err
	}
	prof := PrinterProfile(m.t.cfg)
	var job []byte
	if err := step("encode", func() error {
		r := receipt.Sample()
		r.TerminalID = m.t.cfg.Terminal.ID + " 自检"
		r.CaseNumber = ""
		r.Status = receipt.StatusQueued
		var err error
		job, _, err = receipt.Encode(nil, r, receipt.Options{WidthDots: prof.WidthDots, Charset: prof.Charset, NativeQR: prof.NativeQR, Cut: prof.Cut})
		return err
	}); err != nil {
		return pt, fmt.Errorf("terminal: test receipt: %w", err)
	}
	pt.Bytes = len(job)
	if err := step("status", func() error {
		qctx, cancel := context.WithTimeout(ctx, m.queryTimeout)
		defer cancel()
		st, err := drv.Query(qctx)
		if err != nil {
			return printError(err)
		}
		if state := printer.StateOf(st); !state.CanPrint() {
			return printError(fmt.Errorf("%w: %s (%s)", state.Err(), state, state.Chinese()))
		}
		return nil
	}); err != nil {
		return pt, err
	}
	err := step("print", func() error { return printError(drv.Print(ctx, job)) })
	return pt, err
}

// ProbePorts asks every candidate port, and the configured ones, what
// answers; the ports the running drivers own are reported busy.
func (m *maintService) ProbePorts(ctx context.Context) ([]kiosk.PortProbe, error) {
	ports := serialport.Candidates()
	for _, p := range []string{m.t.cfg.IDCard.Port, m.t.cfg.Printer.Port} {
		if p != "" && !slices.Contains(ports, p) {
			ports = append(ports, p)
		}
	}
	return m.probePorts(ctx, ports)
}

func (m *maintService) probePorts(ctx context.Context, ports []string) ([]kiosk.PortProbe, error) {
	reader, drv := m.drivers()
	busy := map[string]string{}
	if reader != nil {
		busy[realPath(m.t.cfg.IDCard.Port)] = "card reader driver"
	}
	if drv != nil {
		busy[realPath(m.t.cfg.Printer.Port)] = "printer driver"
	}
	seen := map[string]string{}
	out := []kiosk.PortProbe{}
	for _, p := range ports {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		res := kiosk.PortProbe{Port: p, Answer: "none"}
		dev := realPath(p)
		switch {
		case seen[dev] != "":
			res.Detail = "same device as " + seen[dev]
		case busy[dev] != "":
			res.Answer, res.Detail = "busy", "in use by the running "+busy[dev]
			if dev == realPath(m.t.cfg.IDCard.Port) {
				res.Baud = m.t.cfg.IDCard.Baud
			} else {
				res.Baud = m.t.cfg.Printer.Baud
			}
		default:
			m.probeOne(ctx, &res)
		}
		if seen[dev] == "" {
			seen[dev] = p
		}
		out = append(out, res)
	}
	return out, nil
}

func realPath(p string) string {
	if d, err := filepath.EvalSymlinks(p); err == nil {
		return d
	}
	return p
}

// probeOne asks one free port: first the printer status query (harmless to a
// SAM module), then the SAM status at each baud.
func (m *maintService) probeOne(ctx context.Context, res *kiosk.PortProbe) {
	bauds := append([]int{m.t.cfg.Printer.Baud}, printerProbeBauds...)
	for i, b := range bauds {
		if slices.Contains(bauds[:i], b) {
			continue
		}
		st, err := m.probePrinter(ctx, res.Port, b)
		if err == nil {
			state := printer.StateOf(st)
			res.Answer, res.Baud, res.Detail = "printer", b, fmt.Sprintf("%s (%s): %s", state, state.Chinese(), st)
			return
		}
		if !errors.Is(err, serialport.ErrTimeout) {
			res.Detail = err.Error()
			return // cannot open or the line is gone: no use trying other rates
		}
	}
	open := func(baud int) (serialport.Port, error) { return m.t.open(res.Port, baud, 100*time.Millisecond) }
	pr := idcard.ProbeBauds(ctx, open, samBauds, m.probeTimeout)
	switch {
	case pr.Err == nil:
		res.Answer, res.Baud, res.Detail = "idcard", pr.Baud, "SAM ID "+idcard.FormatSAMID(pr.SAMID)
	case pr.Baud != 0:
		res.Answer, res.Baud, res.Detail = "idcard", pr.Baud, fmt.Sprintf("SAM module at %d baud, but its SAM is not ready: %v", pr.Baud, pr.Err)
	default:
		res.Detail = "no printer, " + samProbeResult(pr.Err)
	}
}

// samProbeResult says in a few words why no SAM module answered.
func samProbeResult(err error) string {
	switch {
	case errors.Is(err, idcard.ErrPortGone):
		return "port failed: " + err.Error()
	case errors.Is(err, idcard.ErrNoAnswer):
		return "no SAM module answers"
	}
	return err.Error()
}

// samBauds are the rates a SAM module can be set to, default first.
var samBauds = []int{115200, 57600, 38400, 19200, 9600}

// probePrinter asks the port at baud for the printer's status.
func (m *maintService) probePrinter(ctx context.Context, port string, baud int) (escpos.Status, error) {
	p, err := m.t.open(port, baud, m.probeTimeout)
	if err != nil {
		return escpos.Status{}, err
	}
	defer p.Close()
	st, err := printer.Probe(ctx, p, m.probeTimeout)
	if err != nil {
		return st, fmt.Errorf("terminal: at %d baud: %w", baud, err)
	}
	return st, nil
}

// DetectBaud reports the configured baud while the running reader answers
// at it, and otherwise probes the reader's port at each rate.
func (m *maintService) DetectBaud(ctx context.Context) (kiosk.BaudResult, error) {
	port, baud := m.t.cfg.IDCard.Port, m.t.cfg.IDCard.Baud
	res := kiosk.BaudResult{Port: port, Tried: []int{}}
	reader, _ := m.drivers()
	if reader != nil {
		if st := reader.Status(); st.State == idcard.StateReady || st.State == idcard.StateCard {
			res.Baud, res.Tried = baud, []int{baud}
			return res, nil
		}
	}
	bauds := append([]int{baud}, samBauds...)
	for i, b := range bauds {
		if slices.Contains(bauds[:i], b) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return res, err
		}
		res.Tried = append(res.Tried, b)
		p, err := m.t.open(port, b, 100*time.Millisecond)
		if err != nil {
			if errors.Is(err, serialport.ErrBadBaud) {
				continue
			}
			return res, fmt.Errorf("terminal: detect baud: %w", err)
		}
		pctx, cancel := context.WithTimeout(ctx, 5*m.probeTimeout)
		_, err = idcard.Probe(pctx, p, m.probeTimeout)
		cancel()
		p.Close()
		switch {
		case err == nil, errors.Is(err, idcard.ErrNoSAM):
			res.Baud = b // the module answers; a SAM not ready is another problem
			return res, nil
		case errors.Is(err, idcard.ErrPortGone):
			return res, fmt.Errorf("terminal: detect baud: %w", err)
		}
	}
	return res, nil
}

// SyncStatus combines the relay's view, the outbox and a short probe of the
// central API.
func (m *maintService) SyncStatus(ctx context.Context) (kiosk.SyncReport, error) {
	rs := m.t.relay.Status()
	rep := kiosk.SyncReport{
		TokenValid:     !rs.AuthFailed,
		ClockSkew:      rs.ClockSkew,
		LastContact:    rs.LastContact,
		LastError:      rs.LastError,
		CatalogVersion: rs.CatalogVersion,
	}
	counts, err := m.t.outbox.Counts(ctx)
	if err != nil {
		return rep, err
	}
	rep.Pending, rep.Parked = counts.Pending, counts.Parked
	if counts.OldestPending != nil {
		rep.Oldest = time.Since(*counts.OldestPending)
	}
	if _, unacked, err := m.t.st.AuditLog().Count(ctx); err == nil {
		rep.AuditUnacked = unacked
	} else {
		return rep, err
	}
	if meta, err := m.t.st.CatalogMeta(ctx); err == nil {
		rep.CatalogVersion = meta.Version
	} else if !errors.Is(err, store.ErrNoCatalog) {
		return rep, err
	}
	if !rs.PausedUntil.IsZero() {
		// The server asked for a pause: the probe waits too. It answered,
		// so it is reachable; the token was good if it was not refused.
		rep.PausedUntil, rep.Reachable = rs.PausedUntil, true
		return rep, nil
	}
	pctx, cancel := context.WithTimeout(ctx, m.queryTimeout)
	defer cancel()
	pr, err := outbox.Probe(pctx, outbox.ProbeOptions{API: m.t.api, Store: m.t.st, Outbox: m.t.outbox})
	if err != nil {
		if ctx.Err() != nil {
			return rep, err
		}
		rep.LastError = err.Error()
		return rep, nil
	}
	rep.Reachable = pr.Reachable
	rep.Latency = time.Duration(pr.LatencyMS * float64(time.Millisecond))
	if pr.TokenValid != nil {
		rep.TokenValid = *pr.TokenValid
	}
	if pr.ClockSkewMS != nil {
		rep.ClockSkew = time.Duration(*pr.ClockSkewMS) * time.Millisecond
	}
	if pr.Error != "" {
		rep.LastError = pr.Error
	}
	return rep, nil
}

// SendNow wakes the relay for every pending submission. The staff action
// is audited with its outcome, also when it failed for want of time.
func (m *maintService) SendNow(ctx context.Context) (int, error) {
	n, err := m.t.relay.SendNow(ctx)
	detail := fmt.Sprintf("%d pending woken", n)
	if err != nil {
		detail = "failed: " + err.Error()
	}
	return n, errors.Join(err, m.recordAction(ctx, audit.OutboxSendNow, detail))
}

// recordAction audits a staff action and its outcome. The record is
// written even when the action's context has ended (a timeout is the
// likeliest failure, and must be on record too), within a few seconds of
// its own. Its error comes back marked errMaintNotAudited.
func (m *maintService) recordAction(ctx context.Context, kind audit.Kind, detail string) error {
	return m.recordActionOn(ctx, kind, "", detail)
}

// recordActionOn is recordAction with a subject (a masked number). The
// trail masks and cuts what its text must not hold (audit.Clean).
func (m *maintService) recordActionOn(ctx context.Context, kind audit.Kind, subject, detail string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if _, err := m.t.trail.Record(ctx, kind, subject, detail); err != nil {
		return fmt.Errorf("%w: %w", errMaintNotAudited, err)
	}
	return nil
}

// Parked lists the refused submissions, masked.
func (m *maintService) Parked(ctx context.Context) ([]kiosk.ParkedSubmission, error) {
	recs, err := m.t.outbox.Parked(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]kiosk.ParkedSubmission, 0, len(recs))
	for _, r := range recs {
		out = append(out, parkedSubmission(r))
	}
	return out, nil
}

func parkedSubmission(r store.Record) kiosk.ParkedSubmission {
	reason := r.Park.Reason
	if r.Park.Code != "" {
		reason = r.Park.Code + ": " + reason
	}
	return kiosk.ParkedSubmission{ID: r.ID, LocalNo: r.LocalNo, ItemCode: r.ItemCode,
		MaskedID: kiosk.MaskID(r.MaskedID), Created: r.CreatedAt, Reason: strings.TrimSuffix(reason, ": ")}
}

// parkedRecord finds a parked submission by id.
func (m *maintService) parkedRecord(ctx context.Context, id string) (store.Record, error) {
	recs, err := m.t.outbox.Parked(ctx)
	if err != nil {
		return store.Record{}, err
	}
	for _, r := range recs {
		if r.ID == id {
			return r, nil
		}
	}
	return store.Record{}, fmt.Errorf("%w: %q", errMaintNotParked, id)
}

// RetryParked queues a parked submission again and audits it, also when
// it failed (with the error).
func (m *maintService) RetryParked(ctx context.Context, id string) error {
	subject, detail := "", "id="+id
	rec, err := m.parkedRecord(ctx, id)
	if err == nil {
		subject, detail = kiosk.MaskID(rec.MaskedID), "id="+rec.ID+" local_no="+rec.LocalNo
		err = m.t.outbox.RetryParked(ctx, id)
	}
	if err != nil {
		detail += " failed: " + err.Error()
	} else {
		m.t.relay.Notify()
	}
	return errors.Join(err, m.recordActionOn(ctx, audit.ParkedRetry, subject, detail))
}

// DiscardParked gives a parked submission up with staff's reason, audited,
// also when it was refused or failed (with the error). A reason that holds
// a full ID number or a mobile number, in whatever form staff typed it
// (spaced, dashed, full-width, an old foreign card's), is recorded masked
// (logfile.Scrub): the trail's own masking knows plain ID numbers only.
func (m *maintService) DiscardParked(ctx context.Context, id, reason string) error {
	reason = logfile.Scrub(strings.TrimSpace(reason))
	subject, detail := "", "id="+id
	var err error
	if reason == "" {
		err = errMaintNoReason
	} else {
		var rec store.Record
		if rec, err = m.parkedRecord(ctx, id); err == nil {
			subject, detail = kiosk.MaskID(rec.MaskedID), "id="+rec.ID+" local_no="+rec.LocalNo
			err = m.t.outbox.DiscardParked(ctx, id)
		}
		detail += " reason=" + reason
	}
	if err != nil {
		detail += " failed: " + err.Error()
	}
	return errors.Join(err, m.recordActionOn(ctx, audit.ParkedDiscard, subject, detail))
}

// CatalogInfo describes the cached catalogue.
func (m *maintService) CatalogInfo(ctx context.Context) (kiosk.CatalogInfo, error) {
	info := kiosk.CatalogInfo{LastError: m.t.relay.Status().CatalogError}
	meta, err := m.t.st.CatalogMeta(ctx)
	if errors.Is(err, store.ErrNoCatalog) {
		return info, nil
	}
	if err != nil {
		return info, err
	}
	info.Version, info.FetchedAt, info.Items = meta.Version, meta.FetchedAt, meta.Items
	return info, nil
}

// RefreshCatalog fetches the catalogue now through the running relay. The
// staff action is audited with the version it left, or the error.
func (m *maintService) RefreshCatalog(ctx context.Context) error {
	err := m.t.relay.RefreshCatalog(ctx)
	var detail string
	switch meta, merr := m.t.st.CatalogMeta(context.WithoutCancel(ctx)); {
	case err != nil:
		detail = "failed: " + err.Error()
	case merr != nil:
		detail = "ok (version not read: " + merr.Error() + ")"
	default:
		detail = fmt.Sprintf("version=%s items=%d", meta.Version, meta.Items)
	}
	return errors.Join(err, m.recordAction(ctx, audit.CatalogRefresh, detail))
}

// VerifyAudit walks the whole chain and checks that it still holds what the
// central server acknowledged. The check is audited (audit_verified) with
// its result, also when it could not be made.
func (m *maintService) VerifyAudit(ctx context.Context) (kiosk.AuditCheck, error) {
	res, err := m.verifyAudit(ctx)
	var detail string
	switch {
	case err != nil:
		detail = "failed: " + err.Error()
	case res.OK:
		detail = fmt.Sprintf("ok: %d events", res.Events)
	case res.BrokenAt != 0:
		detail = fmt.Sprintf("broken at seq %d after %d good: %s", res.BrokenAt, res.Events, res.Problem)
	default:
		detail = fmt.Sprintf("not verified after %d events: %s", res.Events, res.Problem)
	}
	return res, errors.Join(err, m.recordAction(ctx, audit.AuditVerified, detail))
}

// verifyAudit is VerifyAudit without its record (the bundle's check).
func (m *maintService) verifyAudit(ctx context.Context) (kiosk.AuditCheck, error) {
	ack, err := m.t.st.AuditLog().Acked(ctx)
	if err != nil {
		return kiosk.AuditCheck{}, err
	}
	n, verr := m.t.trail.VerifyAgainst(ctx, ack.Seq, ack.Hash)
	res := kiosk.AuditCheck{Events: n, OK: verr == nil}
	if be, ok := audit.IsBroken(verr); ok {
		res.BrokenAt, res.Problem = be.Seq, be.Error()
	} else if verr != nil {
		if ctx.Err() != nil {
			return res, verr
		}
		res.Problem = verr.Error()
	}
	return res, nil
}

// LatestAudit returns up to n of the newest events, oldest first.
func (m *maintService) LatestAudit(ctx context.Context, n int) ([]kiosk.AuditEvent, error) {
	return m.t.trail.Latest(ctx, n)
}

// ExportBundle writes a diagnostics bundle into dir. What cannot be found
// out goes into the bundle's problems rather than failing the export.
func (m *maintService) ExportBundle(ctx context.Context, dir string) (string, error) {
	var problems []string
	problem := func(what string, err error) {
		problems = append(problems, what+": "+err.Error())
	}
	b := maint.Bundle{Config: m.t.cfg, Version: m.t.deps.Version, Now: time.Now()}
	if v, err := m.t.st.Version(ctx); err == nil {
		b.Schema = v
	} else {
		problem("schema", err)
	}
	if d, err := m.Devices(ctx); err == nil {
		b.Devices = d
	} else {
		problem("devices", err)
	}
	snap := m.t.health.Snapshot()
	b.Health = &snap
	if r, err := m.SyncStatus(ctx); err == nil {
		b.Sync = &r
	} else {
		problem("sync", err)
	}
	ob := map[string]any{}
	if c, err := m.t.outbox.Counts(ctx); err == nil {
		ob["counts"] = c
	} else {
		problem("outbox", err)
	}
	if p, err := m.Parked(ctx); err == nil {
		ob["parked"] = p
	} else {
		problem("parked", err)
	}
	b.Outbox = ob
	if c, err := m.CatalogInfo(ctx); err == nil {
		b.Catalog = &c
	} else {
		problem("catalogue", err)
	}
	if a, err := m.verifyAudit(ctx); err == nil {
		b.Audit = &a
	} else {
		problem("audit", err)
	}
	if f := m.t.cfg.Log.File; f != "" {
		b.LogFiles = logfile.Files(f)
	}
	b.Problems = problems
	if err := ctx.Err(); err != nil {
		return "", err
	}
	return maint.WriteBundle(ctx, dir, b)
}

// StorageNotices lists the database recoveries staff have not acknowledged.
func (m *maintService) StorageNotices(ctx context.Context) ([]kiosk.StorageNotice, error) {
	return m.t.storageNotices(ctx)
}

// AckStorageNotices acknowledges them, in the audit trail first: the
// notice goes only once its acknowledgement is on record.
func (m *maintService) AckStorageNotices(ctx context.Context) error {
	ns, err := m.t.storageNotices(ctx)
	if err != nil {
		return err
	}
	if len(ns) == 0 {
		return nil
	}
	if _, err := m.t.trail.Record(ctx, audit.DatabaseNoticeAck, "", fmt.Sprintf("%d notices, last kept as %s", len(ns), ns[len(ns)-1].KeptAs)); err != nil {
		return err
	}
	if err := m.t.st.AckRecoveries(ctx); err != nil {
		return err
	}
	m.t.relay.DeviceChanged() // the heartbeat drops the database entry now
	return nil
}
