package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
)

// CaseCacheTTL is how long the case cache keeps a resident's cases: older
// ones are never shown and are deleted by the outbox's purge.
const CaseCacheTTL = 24 * time.Hour

// CaseCache keeps the last cases fetched for each resident, sealed, keyed
// by a keyed hash of the ID number, for display while the network is down,
// for a day at most (CaseCacheTTL).
type CaseCache struct {
	st   *Store
	seal *Sealer
}

// NewCaseCache makes the case cache of st.
func NewCaseCache(st *Store, sealer *Sealer) *CaseCache { return &CaseCache{st: st, seal: sealer} }

// Put replaces the cached cases of the resident with this ID number.
func (c *CaseCache) Put(ctx context.Context, idNumber string, cases []kiosk.Case) error {
	if idNumber == "" {
		return fmt.Errorf("%w: no ID number", ErrBadSubmission)
	}
	if cases == nil {
		cases = []kiosk.Case{}
	}
	plain, err := json.Marshal(cases)
	if err != nil {
		return fmt.Errorf("store: encode cases: %w", err)
	}
	tag := c.seal.Tag(idNumber)
	_, err = c.st.db.ExecContext(ctx, `INSERT INTO cached_cases(applicant_tag, fetched_ms, sealed) VALUES(?, ?, ?)
		ON CONFLICT(applicant_tag) DO UPDATE SET fetched_ms = excluded.fetched_ms, sealed = excluded.sealed`,
		tag, c.st.now().UnixMilli(), c.seal.Seal(plain, []byte(tag)))
	if err != nil {
		return wrapFull(fmt.Errorf("store: cache cases: %w", err))
	}
	return nil
}

// Get returns the cached cases of the resident and when they were fetched;
// ErrNotFound when none are cached.
func (c *CaseCache) Get(ctx context.Context, idNumber string) ([]kiosk.Case, time.Time, error) {
	tag := c.seal.Tag(idNumber)
	var fetched int64
	var sealed []byte
	err := c.st.db.QueryRowContext(ctx, `SELECT fetched_ms, sealed FROM cached_cases WHERE applicant_tag = ?`, tag).Scan(&fetched, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, time.Time{}, fmt.Errorf("%w: no cached cases for %s", ErrNotFound, kiosk.MaskID(idNumber))
	}
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("store: cached cases: %w", err)
	}
	if c.st.now().Sub(time.UnixMilli(fetched)) >= CaseCacheTTL {
		_, _ = c.st.db.ExecContext(ctx, `DELETE FROM cached_cases WHERE applicant_tag = ?`, tag)
		return nil, time.Time{}, fmt.Errorf("%w: cached cases of %s are older than a day", ErrNotFound, kiosk.MaskID(idNumber))
	}
	plain, err := c.seal.Open(sealed, []byte(tag))
	if err != nil {
		return nil, time.Time{}, err
	}
	var cases []kiosk.Case
	if err := json.Unmarshal(plain, &cases); err != nil {
		return nil, time.Time{}, fmt.Errorf("store: cached cases: %w", err)
	}
	return cases, time.UnixMilli(fetched), nil
}

// Forget deletes the cached cases of the resident.
func (c *CaseCache) Forget(ctx context.Context, idNumber string) error {
	_, err := c.st.db.ExecContext(ctx, `DELETE FROM cached_cases WHERE applicant_tag = ?`, c.seal.Tag(idNumber))
	if err != nil {
		return fmt.Errorf("store: forget cases: %w", err)
	}
	return nil
}
