package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/audit"
)

// AuditLog keeps the audit trail in the audit table: it is the storage of
// kiosk/audit (audit.Storage) and the source of the relay's upload
// (Since, MarkAcked). Rows are never updated or deleted; triggers refuse
// both.
type AuditLog struct {
	st *Store
}

// AuditLog returns the store's audit trail storage.
func (s *Store) AuditLog() *AuditLog { return &AuditLog{st: s} }

// Ack is how far the central server has acknowledged the trail.
type Ack struct {
	Seq  int64     // 0: nothing acknowledged yet
	Hash string    // the hash of the event at Seq as stored when acknowledged
	At   time.Time // when the acknowledgement was recorded
}

// Append stores ev. Its seq must be one more than the last stored one; a
// taken or out-of-order seq returns an error wrapping audit.ErrConflict.
func (l *AuditLog) Append(ctx context.Context, ev kiosk.AuditEvent) error {
	if ev.Seq <= 0 {
		return fmt.Errorf("store: audit append: seq %d: %w", ev.Seq, audit.ErrConflict)
	}
	res, err := l.st.db.ExecContext(ctx,
		`INSERT INTO audit(seq, at, kind, subject, detail, prev_hash, hash)
		 SELECT ?, ?, ?, ?, ?, ?, ?
		 WHERE ? = COALESCE((SELECT MAX(seq) FROM audit), 0) + 1`,
		ev.Seq, ev.At.Format(time.RFC3339Nano), ev.Kind, ev.Subject, ev.Detail, ev.PrevHash, ev.Hash, ev.Seq)
	if err != nil {
		if isConstraint(err) {
			return fmt.Errorf("store: audit append seq %d: %w", ev.Seq, audit.ErrConflict)
		}
		return fmt.Errorf("store: audit append seq %d: %w", ev.Seq, wrapFull(err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: audit append seq %d: %w", ev.Seq, err)
	} else if n == 0 {
		return fmt.Errorf("store: audit append seq %d is not next: %w", ev.Seq, audit.ErrConflict)
	}
	return nil
}

func isConstraint(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "UNIQUE constraint") || strings.Contains(msg, "PRIMARY KEY")
}

const auditCols = `seq, at, kind, subject, detail, prev_hash, hash`

func scanAudit(r scanner) (kiosk.AuditEvent, error) {
	var ev kiosk.AuditEvent
	var at string
	if err := r.Scan(&ev.Seq, &at, &ev.Kind, &ev.Subject, &ev.Detail, &ev.PrevHash, &ev.Hash); err != nil {
		return ev, err
	}
	t, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		// A row whose time was tampered with into garbage: keep the zero
		// time so the hash check names this seq rather than failing here.
		t = time.Time{}
	}
	ev.At = t
	return ev, nil
}

// Last returns the event with the highest seq, or a zero event when the
// trail is empty.
func (l *AuditLog) Last(ctx context.Context) (kiosk.AuditEvent, error) {
	ev, err := scanAudit(l.st.db.QueryRowContext(ctx, `SELECT `+auditCols+` FROM audit ORDER BY seq DESC LIMIT 1`))
	if errors.Is(err, sql.ErrNoRows) {
		return kiosk.AuditEvent{}, nil
	}
	if err != nil {
		return kiosk.AuditEvent{}, fmt.Errorf("store: audit last: %w", err)
	}
	return ev, nil
}

// Range returns up to n events with seq >= fromSeq in seq order.
func (l *AuditLog) Range(ctx context.Context, fromSeq int64, n int) ([]kiosk.AuditEvent, error) {
	if n <= 0 {
		return nil, nil
	}
	rows, err := l.st.db.QueryContext(ctx, `SELECT `+auditCols+` FROM audit WHERE seq >= ? ORDER BY seq LIMIT ?`, fromSeq, n)
	if err != nil {
		return nil, fmt.Errorf("store: audit range: %w", err)
	}
	defer rows.Close()
	var out []kiosk.AuditEvent
	for rows.Next() {
		ev, err := scanAudit(rows)
		if err != nil {
			return nil, fmt.Errorf("store: audit range: %w", err)
		}
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: audit range: %w", err)
	}
	return out, nil
}

// Since returns up to n events after seq, in order: what the relay uploads
// next.
func (l *AuditLog) Since(ctx context.Context, seq int64, n int) ([]kiosk.AuditEvent, error) {
	return l.Range(ctx, seq+1, n)
}

// MarkAcked records that the server holds the trail through seq. The mark
// never moves back, and it keeps the hash of that event so a later
// rewrite of the acknowledged part is caught (audit.Trail.VerifyAgainst).
func (l *AuditLog) MarkAcked(ctx context.Context, seq int64) error {
	if seq <= 0 {
		return nil
	}
	return l.st.InTx(ctx, func(tx *sql.Tx) error {
		var cur int64
		err := tx.QueryRowContext(ctx, `SELECT acked_seq FROM audit_ack WHERE id = 1`).Scan(&cur)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: audit ack: %w", err)
		}
		if seq <= cur {
			return nil
		}
		var hash string
		err = tx.QueryRowContext(ctx, `SELECT hash FROM audit WHERE seq = ?`, seq).Scan(&hash)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: audit ack: seq %d is not in the trail: %w", seq, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("store: audit ack: %w", err)
		}
		_, err = tx.ExecContext(ctx,
			`INSERT INTO audit_ack(id, acked_seq, acked_hash, acked_at) VALUES(1, ?, ?, ?)
			 ON CONFLICT(id) DO UPDATE SET acked_seq = excluded.acked_seq, acked_hash = excluded.acked_hash, acked_at = excluded.acked_at`,
			seq, hash, l.st.now().UTC().Format(time.RFC3339Nano))
		if err != nil {
			return fmt.Errorf("store: audit ack: %w", err)
		}
		return nil
	})
}

// Acked returns how far the server has acknowledged the trail.
func (l *AuditLog) Acked(ctx context.Context) (Ack, error) {
	var a Ack
	var at string
	err := l.st.db.QueryRowContext(ctx, `SELECT acked_seq, acked_hash, acked_at FROM audit_ack WHERE id = 1`).Scan(&a.Seq, &a.Hash, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return Ack{}, nil
	}
	if err != nil {
		return Ack{}, fmt.Errorf("store: audit acked: %w", err)
	}
	a.At, _ = time.Parse(time.RFC3339Nano, at)
	return a, nil
}

// Count returns the number of events stored and the number not yet
// acknowledged by the server.
func (l *AuditLog) Count(ctx context.Context) (total, unacked int64, err error) {
	a, err := l.Acked(ctx)
	if err != nil {
		return 0, 0, err
	}
	err = l.st.db.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(CASE WHEN seq > ? THEN 1 END) FROM audit`, a.Seq).Scan(&total, &unacked)
	if err != nil {
		return 0, 0, fmt.Errorf("store: audit count: %w", err)
	}
	return total, unacked, nil
}

// Chains returns every chain of the trail the terminal knows, oldest first;
// the last is the current one (the audit table's).
func (l *AuditLog) Chains(ctx context.Context) ([]kiosk.AuditChain, error) {
	rows, err := l.st.db.QueryContext(ctx, `SELECT chain_id, restart_reason, previous_chain_id, previous_last_seq,
		previous_last_hash, restart_at, acked_seq, done FROM audit_chain ORDER BY pos`)
	if err != nil {
		return nil, fmt.Errorf("store: audit chains: %w", err)
	}
	defer rows.Close()
	var out []kiosk.AuditChain
	for rows.Next() {
		var c kiosk.AuditChain
		var r kiosk.AuditRestart
		var at string
		if err := rows.Scan(&c.ID, &r.Reason, &r.PreviousChainID, &r.PreviousLastSeq, &r.PreviousLastHash, &at, &c.Acked, &c.Done); err != nil {
			return nil, fmt.Errorf("store: audit chains: %w", err)
		}
		if r.Reason != "" {
			r.At, _ = time.Parse(time.RFC3339Nano, at)
			c.Restart = &r
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: audit chains: %w", err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("store: audit chains: none recorded: %w", ErrNotFound)
	}
	out[len(out)-1].Current = true
	out[len(out)-1].Done = false
	return out, nil
}

// Chain returns the current chain: the one new events go to.
func (l *AuditLog) Chain(ctx context.Context) (kiosk.AuditChain, error) {
	cs, err := l.Chains(ctx)
	if err != nil {
		return kiosk.AuditChain{}, err
	}
	return cs[len(cs)-1], nil
}

// current reports whether id names the current chain.
func (l *AuditLog) current(ctx context.Context, id string) (bool, error) {
	c, err := l.Chain(ctx)
	if err != nil {
		return false, err
	}
	return c.ID == id, nil
}

// ChainSince returns up to n events of chain id after seq: the audit table
// for the current chain, the events a recovery kept for an earlier one.
func (l *AuditLog) ChainSince(ctx context.Context, id string, seq int64, n int) ([]kiosk.AuditEvent, error) {
	if cur, err := l.current(ctx, id); err != nil || cur {
		if err != nil {
			return nil, err
		}
		return l.Since(ctx, seq, n)
	}
	rows, err := l.st.db.QueryContext(ctx, `SELECT `+auditCols+` FROM audit_held WHERE chain_id = ? AND seq > ? ORDER BY seq LIMIT ?`, id, seq, n)
	if err != nil {
		return nil, fmt.Errorf("store: audit held: %w", err)
	}
	defer rows.Close()
	var out []kiosk.AuditEvent
	for rows.Next() {
		ev, err := scanAudit(rows)
		if err != nil {
			return nil, fmt.Errorf("store: audit held: %w", err)
		}
		out = append(out, ev)
	}
	return out, rows.Err()
}

// ChainMarkAcked records that the server holds chain id through seq.
func (l *AuditLog) ChainMarkAcked(ctx context.Context, id string, seq int64) error {
	if cur, err := l.current(ctx, id); err != nil || cur {
		if err != nil {
			return err
		}
		return l.MarkAcked(ctx, seq)
	}
	if _, err := l.st.db.ExecContext(ctx, `UPDATE audit_chain SET acked_seq = MAX(acked_seq, ?) WHERE chain_id = ?`, seq, id); err != nil {
		return fmt.Errorf("store: audit chain ack: %w", err)
	}
	return nil
}

// ChainDone records that nothing more of the earlier chain id is to be
// uploaded (all of it is at the server, or the server closed it). The
// current chain is never done.
func (l *AuditLog) ChainDone(ctx context.Context, id string) error {
	if cur, err := l.current(ctx, id); err != nil || cur {
		return err
	}
	if _, err := l.st.db.ExecContext(ctx, `UPDATE audit_chain SET done = 1 WHERE chain_id = ?`, id); err != nil {
		return fmt.Errorf("store: audit chain done: %w", err)
	}
	return nil
}
