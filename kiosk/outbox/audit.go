package outbox

import (
	"context"
	"fmt"

	"github.com/pudong-community/kiosk/kiosk"
)

// The audit duty: the trail uploaded in order.

// AuditSource is the local audit trail as the uploader needs it: events
// after seq in order, and where the server's acknowledgement stands.
type AuditSource interface {
	Since(ctx context.Context, seq int64, n int) ([]kiosk.AuditEvent, error)
	MarkAcked(ctx context.Context, seq int64) error
}

// UploadAuditSoon starts an audit upload soon.
func (r *Relay) UploadAuditSoon() { poke(r.auditCmd) }

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
		r.sleep(ctx, r.cfg.AuditInterval, r.auditCmd)
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
