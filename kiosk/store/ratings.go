package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/mattn/go-sqlite3"
	"github.com/pudong-community/kiosk/kiosk"
)

// Ratings is the durable queue of satisfaction ratings (好差评): a rating is
// on disk before the resident is thanked, and the relay sends it once,
// under its id as the idempotency key, as it sends submissions. Its
// methods are safe for concurrent use.
type Ratings struct {
	st  *Store
	ttl time.Duration
}

// Ratings is the rating queue of s; claims hold for claimTTL
// (DefaultClaimTTL when 0).
func (s *Store) Ratings(claimTTL time.Duration) *Ratings {
	if claimTTL <= 0 {
		claimTTL = DefaultClaimTTL
	}
	return &Ratings{st: s, ttl: claimTTL}
}

// ErrBadRating: a rating that cannot be queued (no valid id, or a rating
// the contract refuses).
var ErrBadRating = errors.New("store: bad rating")

// Enqueue stores the rating for sending. Its id must be a ULID or UUID;
// the rating must pass kiosk.Rating.Validate. ErrDuplicate when a rating
// with this id is queued already.
func (q *Ratings) Enqueue(ctx context.Context, r kiosk.Rating) error {
	if !kiosk.ValidSubmissionID(r.ID) {
		return fmt.Errorf("%w: id is not a ULID or UUID", ErrBadRating)
	}
	if err := r.Validate(); err != nil {
		return fmt.Errorf("%w: %v", ErrBadRating, err)
	}
	if r.At.IsZero() {
		return fmt.Errorf("%w: no time", ErrBadRating)
	}
	body, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadRating, err)
	}
	ms := q.st.now().UnixMilli()
	_, err = q.st.db.ExecContext(ctx,
		`INSERT INTO ratings(id, body, service, level, state, next_attempt_ms, queued_ms, updated_ms)
		 VALUES(?, ?, ?, ?, 'pending', ?, ?, ?)`, r.ID, string(body), r.Service, r.Level, ms, ms, ms)
	if err != nil {
		var se sqlite3.Error
		if errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey {
			return fmt.Errorf("%w: rating %s", ErrDuplicate, r.ID)
		}
		return wrapFull(fmt.Errorf("store: enqueue rating: %w", err))
	}
	return nil
}

// RatingClaim is one rating handed to one worker for sending.
type RatingClaim struct {
	Rating   kiosk.Rating
	Attempts int // attempts before this one
	Token    string
	QueuedAt time.Time
}

// ClaimDue hands up to n due ratings to the caller: pending ones whose
// next attempt has come and in-flight ones whose claim expired. A row
// whose body does not read is parked.
func (q *Ratings) ClaimDue(ctx context.Context, n int) ([]RatingClaim, error) {
	if n <= 0 {
		return nil, nil
	}
	ms := q.st.now().UnixMilli()
	var tb [12]byte
	rand.Read(tb[:])
	token := hex.EncodeToString(tb[:])
	var claims []RatingClaim
	err := q.st.InTx(ctx, func(tx *sql.Tx) error {
		claims = claims[:0]
		rows, err := tx.QueryContext(ctx,
			`UPDATE ratings SET state = 'inflight', claim_token = ?, claimed_until = ?, updated_ms = ?
			 WHERE id IN (
			   SELECT id FROM ratings
			   WHERE (state = 'pending' AND next_attempt_ms <= ?) OR (state = 'inflight' AND claimed_until <= ?)
			   ORDER BY next_attempt_ms, id LIMIT ?)
			 RETURNING id, body, attempts, queued_ms`,
			token, ms+q.ttl.Milliseconds(), ms, ms, ms, n)
		if err != nil {
			return fmt.Errorf("store: claim ratings: %w", err)
		}
		var broken []string
		for rows.Next() {
			var id, body string
			var c RatingClaim
			var queued int64
			if err := rows.Scan(&id, &body, &c.Attempts, &queued); err != nil {
				rows.Close()
				return fmt.Errorf("store: claim ratings: %w", err)
			}
			if err := json.Unmarshal([]byte(body), &c.Rating); err != nil || c.Rating.ID != id {
				broken = append(broken, id)
				continue
			}
			c.Token, c.QueuedAt = token, time.UnixMilli(queued)
			claims = append(claims, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: claim ratings: %w", err)
		}
		for _, id := range broken {
			if _, err := tx.ExecContext(ctx,
				`UPDATE ratings SET state = 'parked', park_code = 'unreadable', claim_token = '', done_ms = ?, updated_ms = ? WHERE id = ?`,
				ms, ms, id); err != nil {
				return fmt.Errorf("store: park rating %s: %w", id, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return claims, nil
}

// MarkDelivered records the server's acceptance, whatever the row's state.
func (q *Ratings) MarkDelivered(ctx context.Context, id string) error {
	ms := q.st.now().UnixMilli()
	res, err := q.st.db.ExecContext(ctx,
		`UPDATE ratings SET state = 'delivered', attempts = attempts + 1, claim_token = '', claimed_until = 0,
		 last_error = '', done_ms = ?, updated_ms = ? WHERE id = ?`, ms, ms, id)
	if err != nil {
		return fmt.Errorf("store: rating delivered: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: rating %s", ErrNotFound, id)
	}
	return nil
}

// MarkRetry puts a claimed rating back for another attempt at next.
// ErrClaimLost when the row is no longer this claim's.
func (q *Ratings) MarkRetry(ctx context.Context, c RatingClaim, next time.Time, lastErr string) error {
	return q.update(ctx, c, `UPDATE ratings SET state = 'pending', attempts = attempts + 1, next_attempt_ms = ?,
		claim_token = '', claimed_until = 0, last_error = ?, updated_ms = ?
		WHERE id = ? AND state = 'inflight' AND claim_token = ?`, next.UnixMilli(), scrubID(lastErr), q.st.now().UnixMilli())
}

// PutBack returns a claimed rating that was not sent, due at next, without
// counting an attempt.
func (q *Ratings) PutBack(ctx context.Context, c RatingClaim, next time.Time) error {
	return q.update(ctx, c, `UPDATE ratings SET state = 'pending', next_attempt_ms = ?, claim_token = '', claimed_until = 0,
		updated_ms = ? WHERE id = ? AND state = 'inflight' AND claim_token = ?`, next.UnixMilli(), q.st.now().UnixMilli())
}

// Park stops sending a claimed rating the server refused for good (422):
// it is kept, with the refusal, until the retention purges it.
func (q *Ratings) Park(ctx context.Context, c RatingClaim, code, reason string) error {
	ms := q.st.now().UnixMilli()
	res, err := q.st.db.ExecContext(ctx,
		`UPDATE ratings SET state = 'parked', attempts = attempts + 1, claim_token = '', claimed_until = 0,
		 park_code = ?, last_error = ?, done_ms = ?, updated_ms = ?
		 WHERE id = ? AND state = 'inflight' AND claim_token = ?`,
		code, scrubID(reason), ms, ms, c.Rating.ID, c.Token)
	if err != nil {
		return wrapFull(fmt.Errorf("store: park rating: %w", err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: rating %s", ErrClaimLost, c.Rating.ID)
	}
	return nil
}

// update runs a claim's state change: args are the statement's parameters
// before the id and the claim's token.
func (q *Ratings) update(ctx context.Context, c RatingClaim, stmt string, args ...any) error {
	res, err := q.st.db.ExecContext(ctx, stmt, append(args, c.Rating.ID, c.Token)...)
	if err != nil {
		return wrapFull(fmt.Errorf("store: rating: %w", err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: rating %s", ErrClaimLost, c.Rating.ID)
	}
	return nil
}

// NextAttempt is when the earliest pending rating is due; ok is false when
// none is pending.
func (q *Ratings) NextAttempt(ctx context.Context) (time.Time, bool, error) {
	var next sql.NullInt64
	if err := q.st.db.QueryRowContext(ctx, `SELECT MIN(next_attempt_ms) FROM ratings WHERE state = 'pending'`).Scan(&next); err != nil {
		return time.Time{}, false, fmt.Errorf("store: next rating: %w", err)
	}
	if !next.Valid {
		return time.Time{}, false, nil
	}
	return time.UnixMilli(next.Int64), true, nil
}

// RatingCounts summarises the rating queue.
type RatingCounts struct {
	Pending, Parked, Delivered int
}

// Counts returns the rating queue's summary.
func (q *Ratings) Counts(ctx context.Context) (RatingCounts, error) {
	var c RatingCounts
	err := q.st.db.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM ratings WHERE state IN ('pending', 'inflight')),
		(SELECT COUNT(*) FROM ratings WHERE state = 'parked'),
		(SELECT COUNT(*) FROM ratings WHERE state = 'delivered')`).Scan(&c.Pending, &c.Parked, &c.Delivered)
	if err != nil {
		return c, fmt.Errorf("store: rating counts: %w", err)
	}
	return c, nil
}

// RatingRecord is what the terminal keeps of one rating.
type RatingRecord struct {
	Rating    kiosk.Rating
	State     string
	Attempts  int
	LastError string
	ParkCode  string
	QueuedAt  time.Time
}

// Lookup finds a rating by id; ErrNotFound once purged.
func (q *Ratings) Lookup(ctx context.Context, id string) (RatingRecord, error) {
	var rec RatingRecord
	var body string
	var queued int64
	err := q.st.db.QueryRowContext(ctx, `SELECT body, state, attempts, last_error, park_code, queued_ms FROM ratings WHERE id = ?`, id).
		Scan(&body, &rec.State, &rec.Attempts, &rec.LastError, &rec.ParkCode, &queued)
	if errors.Is(err, sql.ErrNoRows) {
		return rec, fmt.Errorf("%w: rating %s", ErrNotFound, id)
	}
	if err != nil {
		return rec, fmt.Errorf("store: rating: %w", err)
	}
	rec.QueuedAt = time.UnixMilli(queued)
	_ = json.Unmarshal([]byte(body), &rec.Rating)
	return rec, nil
}

// RetryNow makes every pending rating due now (the network came back).
func (q *Ratings) RetryNow(ctx context.Context) (int, error) {
	ms := q.st.now().UnixMilli()
	res, err := q.st.db.ExecContext(ctx,
		`UPDATE ratings SET next_attempt_ms = ?, updated_ms = ? WHERE state = 'pending' AND next_attempt_ms > ?`, ms, ms, ms)
	if err != nil {
		return 0, fmt.Errorf("store: ratings retry now: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// ReleaseClaims hands back every in-flight rating as due now: the claims
// were a previous run's. Sending one again is harmless (its id is its
// idempotency key).
func (q *Ratings) ReleaseClaims(ctx context.Context) (int, error) {
	ms := q.st.now().UnixMilli()
	res, err := q.st.db.ExecContext(ctx,
		`UPDATE ratings SET state = 'pending', claim_token = '', claimed_until = 0, next_attempt_ms = ?, updated_ms = ?
		 WHERE state = 'inflight'`, ms, ms)
	if err != nil {
		return 0, fmt.Errorf("store: release rating claims: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// PurgeAsOf deletes delivered and parked ratings done more than retention
// before now, and returns how many.
func (q *Ratings) PurgeAsOf(ctx context.Context, now time.Time, retention time.Duration) (int, error) {
	res, err := q.st.db.ExecContext(ctx,
		`DELETE FROM ratings WHERE state IN ('delivered', 'parked') AND done_ms IS NOT NULL AND done_ms <= ?`,
		now.Add(-retention).UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("store: purge ratings: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
