package outbox

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/intake"
)

// The audit duty: the trail uploaded in order.

// AuditSource is the local audit trail as the uploader needs it: its
// chains, oldest first (the last is the current one; earlier ones are what
// a recovery kept of chains it could not continue), each chain's events
// after a seq in order, and where the server's acknowledgement stands.
// *store.AuditLog has it.
type AuditSource interface {
	Chains(ctx context.Context) ([]kiosk.AuditChain, error)
	ChainSince(ctx context.Context, chainID string, seq int64, n int) ([]kiosk.AuditEvent, error)
	ChainMarkAcked(ctx context.Context, chainID string, seq int64) error
	// ChainDone records that nothing more of an earlier chain is to go.
	ChainDone(ctx context.Context, chainID string) error
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

// uploadAudit uploads chain by chain, oldest first: what the terminal
// still holds of an earlier chain goes before the current chain, whose
// first upload (with its restart block) closes the earlier one at the
// server.
func (r *Relay) uploadAudit(ctx context.Context) error {
	chains, err := r.cfg.Audit.Chains(ctx)
	if err != nil {
		return err
	}
	for _, c := range chains {
		if c.Done {
			continue
		}
		if err := r.uploadChain(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

// uploadChain asks the server where its copy of chain c ends and sends
// what follows, in order, in batches, until nothing is left. An earlier
// chain is then done; so is one the server has closed (what it lacks of it
// shows there as a gap).
func (r *Relay) uploadChain(ctx context.Context, c kiosk.AuditChain) error {
	var acked int64
	for events := []kiosk.AuditEvent(nil); ; {
		if _, err := r.paused(); err != nil {
			return err
		}
		got, err := r.cfg.API.UploadAuditChain(ctx, c, events) // nil: where does the server's copy end?
		r.observe(err)
		if !c.Current && isChainClosed(err) {
			r.log.Warn("the server has closed an earlier audit chain; what it lacks of it stays a gap", "chain", c.ID)
			return r.cfg.Audit.ChainDone(ctx, c.ID)
		}
		if err != nil {
			return err
		}
		if events != nil && got <= acked {
			return fmt.Errorf("outbox: audit upload made no progress (server holds through %d)", got)
		}
		acked = got
		if err := r.cfg.Audit.ChainMarkAcked(ctx, c.ID, acked); err != nil {
			return err
		}
		if c.Current {
			r.count(func(s *Status) { s.AuditAcked = acked })
		}
		if events, err = r.cfg.Audit.ChainSince(ctx, c.ID, acked, r.cfg.AuditBatch); err != nil {
			return err
		}
		if len(events) == 0 {
			if !c.Current {
				return r.cfg.Audit.ChainDone(ctx, c.ID)
			}
			return nil
		}
	}
}

// isChainClosed reports whether err is the server's 409 chain_closed.
func isChainClosed(err error) bool {
	var ie *intake.Error
	return errors.As(err, &ie) && ie.Status == http.StatusConflict && ie.Code == "chain_closed"
}
