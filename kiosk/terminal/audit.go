package terminal

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/pudong-community/kiosk/devices/printer"
	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/audit"
	"github.com/pudong-community/kiosk/kiosk/intake"
	"github.com/pudong-community/kiosk/kiosk/store"
	"github.com/pudong-community/kiosk/kiosk/visit"
)

type auditItem struct {
	kind            audit.Kind
	subject, detail string
}

// auditQueueMax is how many audit records may wait for the writer; one
// more and the caller writes them all itself.
const auditQueueMax = 256

// RecordAsync queues an audit record for the writer, so the UI never waits
// for the disk; the records keep their order. What is still queued when
// Run returns is written by Close; a full queue is written at once by the
// caller, in order, rather than lost.
func (t *Terminal) RecordAsync(kind audit.Kind, subject, detail string) {
	t.dbMu.RLock()
	if t.closed {
		t.dbMu.RUnlock()
		t.log.Error("audit record lost: the terminal is closed", "kind", string(kind))
		return
	}
	t.qmu.Lock()
	t.queue = append(t.queue, auditItem{kind, subject, detail})
	n := len(t.queue)
	t.qmu.Unlock()
	t.dbMu.RUnlock()
	if n > auditQueueMax {
		t.flushAudit()
		return
	}
	select {
	case t.wake <- struct{}{}:
	default: // the writer is already woken
	}
}

// flushAudit writes what is queued, in order.
func (t *Terminal) flushAudit() {
	t.writeMu.Lock()
	defer t.writeMu.Unlock()
	for _, it := range t.takeQueue() {
		t.record(it.kind, it.subject, it.detail)
	}
}

// takeQueue empties the queue and returns what it held.
func (t *Terminal) takeQueue() []auditItem {
	t.qmu.Lock()
	defer t.qmu.Unlock()
	q := t.queue
	t.queue = nil
	return q
}

// auditWriter writes the queued records until ctx ends, then what is
// queued at that moment.
func (t *Terminal) auditWriter(ctx context.Context) error {
	for {
		select {
		case <-t.wake:
			t.flushAudit()
		case <-ctx.Done():
			t.flushAudit()
			return nil
		}
	}
}

// record writes one audit record now. After Close it writes nothing and
// logs the loss.
func (t *Terminal) record(kind audit.Kind, subject, detail string) {
	t.dbMu.RLock()
	defer t.dbMu.RUnlock()
	if t.closed {
		t.log.Error("audit record lost: the terminal is closed", "kind", string(kind))
		return
	}
	t.recordLocked(kind, subject, detail)
}

// recordLocked is record with dbMu held.
func (t *Terminal) recordLocked(kind audit.Kind, subject, detail string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := t.trail.Record(ctx, kind, subject, detail); err != nil {
		t.log.Error("audit record failed", "kind", string(kind), "err", err)
	}
}

// submissionSent audits a delivery the relay recorded (submission_sent).
func (t *Terminal) submissionSent(c store.Claim, acc kiosk.Accepted) {
	t.RecordAsync(audit.SubmissionSent, kiosk.MaskID(c.Submission.Applicant.IDNumber),
		fmt.Sprintf("id=%s local_no=%s case_no=%s", c.Submission.ID, c.LocalNo, acc.CaseNo))
}

// submissionParked audits a submission the relay parked for staff
// (submission_parked), with the reason's code.
func (t *Terminal) submissionParked(c store.Claim, why store.ParkReason) {
	t.RecordAsync(audit.SubmissionParked, kiosk.MaskID(c.Submission.Applicant.IDNumber),
		fmt.Sprintf("id=%s local_no=%s code=%s", c.Submission.ID, c.LocalNo, why.Code))
}

// DeviceDatabase names the database in the heartbeat's devices while a
// recovery waits for staff to acknowledge it.
const DeviceDatabase = "database"

// recovered tells staff that the database failed its check and was
// replaced: an error in the log and an event in the (new) audit trail; the
// notice itself is kept in the database until staff acknowledge it on the
// maintenance menu, and shows in every heartbeat until then.
func (t *Terminal) recovered(rec store.Recovery) {
	t.log.Error("database failed its check: kept aside, a fresh one started with what could be recovered",
		"kept_as", rec.KeptAs, "detail", rec.Detail, "queued", rec.Queued, "parked", rec.Parked,
		"delivered", rec.Delivered, "unsent_lost", rec.UnsentLost, "lost_unknown", rec.LostUnknown,
		"lost_local_nos", strings.Join(rec.LostLocalNos, ","), "audit_events", rec.AuditEvents, "audit_cut", rec.AuditCut)
	t.record(audit.DatabaseRecovered, filepath.Base(rec.KeptAs), recoveryDetail(rec))
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
func (t *Terminal) storageNotices(ctx context.Context) ([]kiosk.StorageNotice, error) {
	recs, err := t.st.RecoveryNotices(ctx)
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

// HeartbeatDevices is the device part of a heartbeat: the devices' health,
// the printer's paper, and a database recovery staff have not acknowledged.
func (t *Terminal) HeartbeatDevices() map[string]intake.DeviceState {
	out := map[string]intake.DeviceState{}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if ns, err := t.storageNotices(ctx); err == nil && len(ns) > 0 {
		last := ns[len(ns)-1]
		out[DeviceDatabase] = intake.DeviceState{State: string(kiosk.StateDegraded),
			Detail: fmt.Sprintf("recovered from a failed check, not yet acknowledged by staff (%d): %s", len(ns), last.Summary), Since: last.At}
	}
	for _, d := range t.health.Snapshot().Devices {
		ds := intake.DeviceState{State: string(d.State), Detail: d.Detail, Since: d.Since}
		if d.Device == kiosk.DevicePrinter {
			ds.Paper = "ok"
			if _, drv := t.drivers(); drv != nil {
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

// VisitAudit is the visit machine's OnChange hook that puts every service
// step of a visit into the audit trail (visit.Events), off the UI
// goroutine and in order, and tells the back end whether an agent's visit
// is in progress (an agent does not see the resident's cases).
func (t *Terminal) VisitAudit() func(visit.Snapshot) {
	var mu sync.Mutex
	var prev visit.Snapshot
	return func(next visit.Snapshot) {
		mu.Lock()
		evs := visit.Events(prev, next)
		prev = next
		mu.Unlock()
		if t.be != nil {
			t.be.SetVisitAgent(next.Agent) // the agent restriction on cases
		}
		for _, ev := range evs {
			t.RecordAsync(audit.Kind(ev.Kind), ev.Subject, ev.Detail)
		}
	}
}
