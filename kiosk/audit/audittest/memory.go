// Package audittest holds an in-memory audit.Storage with tamper helpers,
// for tests of code that records or verifies the audit trail.
package audittest

import (
	"context"
	"fmt"
	"sync"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/audit"
)

// Memory is an in-memory audit.Storage. Its rows keep the order they were
// appended in (like a log file), so Swap can reorder them; Range returns
// rows in that order.
type Memory struct {
	mu   sync.Mutex
	rows []kiosk.AuditEvent
	// Err, when set, is returned by every call (a failing disk).
	Err error
}

var _ audit.Storage = (*Memory)(nil)

// Append stores ev after the last row; a seq that is not one more than the
// last row's is refused with audit.ErrConflict.
func (m *Memory) Append(ctx context.Context, ev kiosk.AuditEvent) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Err != nil {
		return m.Err
	}
	var last int64
	if n := len(m.rows); n > 0 {
		last = m.rows[n-1].Seq
	}
	if ev.Seq != last+1 {
		return fmt.Errorf("audittest: seq %d after %d: %w", ev.Seq, last, audit.ErrConflict)
	}
	m.rows = append(m.rows, ev)
	return nil
}

// Last returns the last row, or a zero event.
func (m *Memory) Last(ctx context.Context) (kiosk.AuditEvent, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Err != nil {
		return kiosk.AuditEvent{}, m.Err
	}
	if len(m.rows) == 0 {
		return kiosk.AuditEvent{}, nil
	}
	return m.rows[len(m.rows)-1], nil
}

// Range returns up to n rows, in row order, starting at the first row whose
// seq is fromSeq or more.
func (m *Memory) Range(ctx context.Context, fromSeq int64, n int) ([]kiosk.AuditEvent, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Err != nil {
		return nil, m.Err
	}
	start := -1
	for i, ev := range m.rows {
		if ev.Seq >= fromSeq {
			start = i
			break
		}
	}
	if start < 0 || n <= 0 {
		return nil, nil
	}
	end := min(start+n, len(m.rows))
	return append([]kiosk.AuditEvent(nil), m.rows[start:end]...), nil
}

// Rows returns a copy of every row.
func (m *Memory) Rows() []kiosk.AuditEvent {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]kiosk.AuditEvent(nil), m.rows...)
}

// Edit changes the row with the given seq in place, as someone with the
// database open would.
func (m *Memory) Edit(seq int64, f func(*kiosk.AuditEvent)) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.rows {
		if m.rows[i].Seq == seq {
			f(&m.rows[i])
			return true
		}
	}
	return false
}

// Delete removes the row with the given seq.
func (m *Memory) Delete(seq int64) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.rows {
		if m.rows[i].Seq == seq {
			m.rows = append(m.rows[:i], m.rows[i+1:]...)
			return true
		}
	}
	return false
}

// Swap exchanges the positions of the rows with seqs a and b.
func (m *Memory) Swap(a, b int64) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	ia, ib := -1, -1
	for i := range m.rows {
		switch m.rows[i].Seq {
		case a:
			ia = i
		case b:
			ib = i
		}
	}
	if ia < 0 || ib < 0 {
		return false
	}
	m.rows[ia], m.rows[ib] = m.rows[ib], m.rows[ia]
	return true
}
