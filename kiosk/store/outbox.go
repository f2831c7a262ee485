package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/mattn/go-sqlite3"
	"github.com/pudong-community/kiosk/kiosk"
)

// Outbox states.
const (
	StatePending   = "pending"
	StateInflight  = "inflight"
	StateDelivered = "delivered"
	StateParked    = "parked"
)

// DefaultMinFreeBytes is the free-space floor below which Enqueue refuses.
const DefaultMinFreeBytes = 64 << 20

// DefaultClaimTTL is how long a claim holds before another worker may take
// the row (a crashed worker's claim expires).
const DefaultClaimTTL = 2 * time.Minute

// OutboxOptions tune an Outbox.
type OutboxOptions struct {
	// TerminalID makes the local numbers (T<suffix>-<yymmdd>-<seq>).
	TerminalID string
	// MinFreeBytes is the free-space floor of the database's file system:
	// 0 means DefaultMinFreeBytes, negative disables the check.
	MinFreeBytes int64
	// ClaimTTL: 0 means DefaultClaimTTL.
	ClaimTTL time.Duration
	// Location of local-number dates; Asia/Shanghai (or UTC+8) when nil.
	Location *time.Location
}

// Outbox is the durable queue of submissions over a Store. It is safe for
// concurrent use by several goroutines and processes.
type Outbox struct {
	st    *Store
	seal  *Sealer
	opts  OutboxOptions
	short string

	// Group commit of MarkDelivered: concurrent senders' acceptances are
	// written in one transaction (one fsync) by whichever caller leads.
	gcMu      sync.Mutex
	gcQueue   []*deliveredReq
	gcRunning bool
}

type deliveredReq struct {
	id   string
	acc  kiosk.Accepted
	done chan error
}

// NewOutbox makes the outbox of st, sealing with sealer.
func NewOutbox(st *Store, sealer *Sealer, opts OutboxOptions) (*Outbox, error) {
	if st == nil || sealer == nil {
		return nil, errors.New("store: NewOutbox needs a store and a sealer")
	}
	if opts.MinFreeBytes == 0 {
		opts.MinFreeBytes = DefaultMinFreeBytes
	}
	if opts.ClaimTTL <= 0 {
		opts.ClaimTTL = DefaultClaimTTL
	}
	if opts.Location == nil {
		opts.Location = kiosk.Zone()
	}
	// Keep connections for concurrent senders instead of reopening them
	// (database/sql keeps only 2 idle by default); Open closes those idle
	// for a minute (Options.ConnMaxIdle).
	st.db.SetMaxIdleConns(16)
	return &Outbox{st: st, seal: sealer, opts: opts, short: terminalSuffix(opts.TerminalID)}, nil
}

// terminalSuffix keeps the last part of a terminal id, at most 4
// characters, so that a local number is short enough to read out.
func terminalSuffix(id string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(id) {
		if ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9') {
			b.WriteRune(r)
		} else {
			b.Reset()
		}
	}
	s := b.String()
	if s == "" {
		s = "0"
	}
	if len(s) > 4 {
		s = s[len(s)-4:]
	}
	return s
}

// Sealer returns the outbox's sealer (the case cache shares it).
func (o *Outbox) Sealer() *Sealer { return o.seal }

// Queued is what Enqueue made: the id (Idempotency-Key) and the local number.
type Queued struct {
	ID       string
	LocalNo  string
	QueuedAt time.Time
}

// Enqueue writes the submission (sealed) and its outbox row in one
// transaction. When it returns nil the submission is on disk
// (synchronous=FULL) and may be confirmed to the resident.
func (o *Outbox) Enqueue(ctx context.Context, sub kiosk.Submission) (Queued, error) {
	var q Queued
	if err := o.checkFree(); err != nil {
		return q, err
	}
	err := o.st.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		q, err = o.EnqueueTx(ctx, tx, sub)
		return err
	})
	return q, err
}

// EnqueueTx is Enqueue inside the caller's transaction, so that a business
// row and its outbox row commit together.
func (o *Outbox) EnqueueTx(ctx context.Context, tx *sql.Tx, sub kiosk.Submission) (Queued, error) {
	if err := checkSubmission(sub); err != nil {
		return Queued{}, err
	}
	if err := o.checkFree(); err != nil {
		return Queued{}, err
	}
	if sub.TerminalID == "" {
		sub.TerminalID = o.opts.TerminalID
	}
	now := o.st.now()
	day := now.In(o.opts.Location).Format("060102")
	var seq int
	err := tx.QueryRowContext(ctx,
		`INSERT INTO local_seq(day, seq) VALUES(?, 1)
		 ON CONFLICT(day) DO UPDATE SET seq = seq + 1 RETURNING seq`, day).Scan(&seq)
	if err != nil {
		return Queued{}, wrapFull(fmt.Errorf("store: local number: %w", err))
	}
	localNo := fmt.Sprintf("T%s-%s-%04d", o.short, day, seq)
	plain, err := json.Marshal(sub)
	if err != nil {
		return Queued{}, fmt.Errorf("%w: %v", ErrBadSubmission, err)
	}
	sealed := o.seal.Seal(plain, []byte(sub.ID))
	ms := now.UnixMilli()
	_, err = tx.ExecContext(ctx,
		`INSERT INTO submissions(id, local_no, terminal_id, item_code, masked_id, applicant_tag, created_at, queued_ms, sealed)
		 VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		sub.ID, localNo, sub.TerminalID, sub.ItemCode, kiosk.MaskID(sub.Applicant.IDNumber),
		o.seal.Tag(sub.Applicant.IDNumber), sub.CreatedAt.Format(time.RFC3339Nano), ms, sealed)
	if err != nil {
		var se sqlite3.Error
		if errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey {
			return Queued{}, fmt.Errorf("%w: %s", ErrDuplicate, sub.ID)
		}
		return Queued{}, wrapFull(fmt.Errorf("store: enqueue: %w", err))
	}
	_, err = tx.ExecContext(ctx,
		`INSERT INTO outbox(submission_id, state, next_attempt_ms, updated_ms) VALUES(?, 'pending', ?, ?)`,
		sub.ID, ms, ms)
	if err != nil {
		return Queued{}, wrapFull(fmt.Errorf("store: enqueue: %w", err))
	}
	return Queued{ID: sub.ID, LocalNo: localNo, QueuedAt: now}, nil
}

func checkSubmission(sub kiosk.Submission) error {
	switch {
	case !kiosk.ValidSubmissionID(sub.ID):
		return fmt.Errorf("%w: id is not a ULID or UUID", ErrBadSubmission)
	case sub.ItemCode == "":
		return fmt.Errorf("%w: no item code", ErrBadSubmission)
	case sub.Applicant.IDNumber == "":
		return fmt.Errorf("%w: no applicant ID number", ErrBadSubmission)
	case sub.CreatedAt.IsZero():
		return fmt.Errorf("%w: no created_at", ErrBadSubmission)
	}
	return nil
}

// FreeBytes returns the bytes available to this process on the database's
// file system.
func (s *Store) FreeBytes() (int64, error) {
	var fs syscall.Statfs_t
	if err := syscall.Statfs(filepath.Dir(s.path), &fs); err != nil {
		return 0, fmt.Errorf("store: statfs: %w", err)
	}
	return int64(fs.Bavail) * int64(fs.Bsize), nil
}

func (o *Outbox) checkFree() error {
	if o.opts.MinFreeBytes < 0 {
		return nil
	}
	free, err := o.st.FreeBytes()
	if err != nil {
		return nil // cannot tell: let SQLite say SQLITE_FULL if it comes to that
	}
	if free < o.opts.MinFreeBytes {
		return fmt.Errorf("%w: %d bytes free, below the floor of %d", ErrStorageFull, free, o.opts.MinFreeBytes)
	}
	return nil
}

// wrapFull turns SQLITE_FULL into ErrStorageFull.
func wrapFull(err error) error {
	var se sqlite3.Error
	if errors.As(err, &se) && se.Code == sqlite3.ErrFull {
		return fmt.Errorf("%w: %v", ErrStorageFull, err)
	}
	return err
}

// Claim is one submission handed to one worker for sending.
type Claim struct {
	Submission kiosk.Submission
	LocalNo    string
	Attempts   int // attempts before this one
	Token      string
	QueuedAt   time.Time
	// Released: staff put the row back after it was parked (RetryParked),
	// having checked it may be sent; the relay sends it even past the age
	// at which it would park it.
	Released bool
	// MayHaveArrived: an earlier attempt may have reached the central
	// system (MarkRetry, or a claim that expired in flight); false when
	// every attempt failed before the request left (MarkNotSent).
	MayHaveArrived bool
}

// ParkCodeReleased marks a pending row staff released from parking
// (RetryParked); it is cleared when the row is parked again.
const ParkCodeReleased = "released"

// ClaimDue hands up to n due rows to the caller: pending rows whose
// next attempt has come, and in-flight rows whose claim expired. No two
// callers get the same row while a claim holds.
func (o *Outbox) ClaimDue(ctx context.Context, n int) ([]Claim, error) {
	if n <= 0 {
		return nil, nil
	}
	now := o.st.now()
	ms := now.UnixMilli()
	var tb [12]byte
	rand.Read(tb[:])
	token := hex.EncodeToString(tb[:])
	var claims []Claim
	var broken []string
	err := o.st.InTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx,
			`UPDATE outbox SET state = 'inflight', claim_token = ?, claimed_until = ?, updated_ms = ?,
			   may_have_arrived = CASE WHEN state = 'inflight' THEN 1 ELSE may_have_arrived END
			 WHERE submission_id IN (
			   SELECT submission_id FROM outbox
			   WHERE (state = 'pending' AND next_attempt_ms <= ?) OR (state = 'inflight' AND claimed_until <= ?)
			   ORDER BY next_attempt_ms, submission_id LIMIT ?)
			 RETURNING submission_id, attempts, park_code, may_have_arrived`,
			token, ms+o.opts.ClaimTTL.Milliseconds(), ms, ms, ms, n)
		if err != nil {
			return fmt.Errorf("store: claim: %w", err)
		}
		type claimed struct {
			id       string
			attempts int
			parkCode string
			arrived  bool
		}
		var got []claimed
		for rows.Next() {
			var c claimed
			if err := rows.Scan(&c.id, &c.attempts, &c.parkCode, &c.arrived); err != nil {
				rows.Close()
				return fmt.Errorf("store: claim: %w", err)
			}
			got = append(got, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: claim: %w", err)
		}
		for _, c := range got {
			var sealed []byte
			var localNo string
			var queued int64
			err := tx.QueryRowContext(ctx, `SELECT sealed, local_no, queued_ms FROM submissions WHERE id = ?`, c.id).
				Scan(&sealed, &localNo, &queued)
			if err != nil {
				return fmt.Errorf("store: claim %s: %w", c.id, err)
			}
			var sub kiosk.Submission
			plain, err := o.seal.Open(sealed, []byte(c.id))
			if err == nil {
				err = json.Unmarshal(plain, &sub)
			}
			if err != nil {
				broken = append(broken, c.id)
				continue
			}
			claims = append(claims, Claim{Submission: sub, LocalNo: localNo, Attempts: c.attempts, Token: token,
				QueuedAt: time.UnixMilli(queued), Released: c.parkCode == ParkCodeReleased, MayHaveArrived: c.arrived})
		}
		// A row that cannot be opened (key replaced, data altered) would
		// block nothing but could never be sent: park it for staff.
		for _, id := range broken {
			if _, err := tx.ExecContext(ctx,
				`UPDATE outbox SET state = 'parked', park_reason = ?, park_code = 'seal_broken', updated_ms = ? WHERE submission_id = ?`,
				ErrSealBroken.Error(), ms, id); err != nil {
				return fmt.Errorf("store: park %s: %w", id, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return claims, nil
}

// MarkDelivered records the server's acceptance. It holds whatever the row's
// state: the server's word is the truth, even if the claim expired.
// Concurrent calls are written together in one transaction.
func (o *Outbox) MarkDelivered(ctx context.Context, id string, acc kiosk.Accepted) error {
	req := &deliveredReq{id: id, acc: acc, done: make(chan error, 1)}
	o.gcMu.Lock()
	o.gcQueue = append(o.gcQueue, req)
	lead := !o.gcRunning
	o.gcRunning = true
	o.gcMu.Unlock()
	if lead {
		// The leader writes for everyone; its caller's cancellation must
		// not fail the others.
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		for {
			o.gcMu.Lock()
			batch := o.gcQueue
			o.gcQueue = nil
			if len(batch) == 0 {
				o.gcRunning = false
				o.gcMu.Unlock()
				break
			}
			o.gcMu.Unlock()
			o.markDelivered(wctx, batch)
		}
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// markDelivered writes a batch in one transaction and answers each request.
func (o *Outbox) markDelivered(ctx context.Context, batch []*deliveredReq) {
	ms := o.st.now().UnixMilli()
	errs := make([]error, len(batch))
	err := o.st.InTx(ctx, func(tx *sql.Tx) error {
		for i, r := range batch {
			res, err := tx.ExecContext(ctx,
				`UPDATE submissions SET case_no = ?, accepted_at = ?, due_date = ?, track_url = ?, delivered_ms = ? WHERE id = ?`,
				r.acc.CaseNo, r.acc.AcceptedAt.Format(time.RFC3339Nano), r.acc.DueDate, r.acc.TrackURL, ms, r.id)
			if err != nil {
				return fmt.Errorf("store: mark delivered: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				errs[i] = fmt.Errorf("%w: submission %s", ErrNotFound, r.id)
				continue
			}
			_, err = tx.ExecContext(ctx,
				`UPDATE outbox SET state = 'delivered', attempts = attempts + 1, claim_token = '', last_error = '', updated_ms = ? WHERE submission_id = ?`,
				ms, r.id)
			if err != nil {
				return fmt.Errorf("store: mark delivered: %w", err)
			}
		}
		return nil
	})
	for i, r := range batch {
		if err != nil {
			r.done <- err
		} else {
			r.done <- errs[i]
		}
	}
}

// MarkRetry puts a claimed row back for another attempt at next, after an
// attempt that may have reached the central system (Claim.MayHaveArrived
// from then on). ErrClaimLost when the row is no longer this claim's
// (another worker took it after the claim expired, or it was delivered).
func (o *Outbox) MarkRetry(ctx context.Context, c Claim, next time.Time, lastErr string) error {
	return o.markRetry(ctx, c, next, lastErr, true)
}

// MarkNotSent is MarkRetry after an attempt whose request never left the
// terminal (intake.ErrNotSent): it counts the attempt but leaves the row's
// MayHaveArrived as it was.
func (o *Outbox) MarkNotSent(ctx context.Context, c Claim, next time.Time, lastErr string) error {
	return o.markRetry(ctx, c, next, lastErr, false)
}

func (o *Outbox) markRetry(ctx context.Context, c Claim, next time.Time, lastErr string, mayHaveArrived bool) error {
	ms := o.st.now().UnixMilli()
	res, err := o.st.db.ExecContext(ctx,
		`UPDATE outbox SET state = 'pending', attempts = attempts + 1, next_attempt_ms = ?, claim_token = '',
		 claimed_until = 0, last_error = ?, updated_ms = ?, may_have_arrived = MAX(may_have_arrived, ?)
		 WHERE submission_id = ? AND state = 'inflight' AND claim_token = ?`,
		next.UnixMilli(), scrubID(lastErr), ms, mayHaveArrived, c.Submission.ID, c.Token)
	if err != nil {
		return wrapFull(fmt.Errorf("store: mark retry: %w", err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: %s", ErrClaimLost, c.Submission.ID)
	}
	return nil
}

// PutBack returns a claimed row that was not sent to the queue, due at
// next: no attempt is counted and its last error stays (the relay claimed
// it just before the server asked for a pause, or had already tried it in
// this drain).
func (o *Outbox) PutBack(ctx context.Context, c Claim, next time.Time) error {
	ms := o.st.now().UnixMilli()
	res, err := o.st.db.ExecContext(ctx,
		`UPDATE outbox SET state = 'pending', next_attempt_ms = ?, claim_token = '', claimed_until = 0, updated_ms = ?
		 WHERE submission_id = ? AND state = 'inflight' AND claim_token = ?`,
		next.UnixMilli(), ms, c.Submission.ID, c.Token)
	if err != nil {
		return wrapFull(fmt.Errorf("store: put back: %w", err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: %s", ErrClaimLost, c.Submission.ID)
	}
	return nil
}

// FieldProblem is one field the server refused.
type FieldProblem struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// ParkReason is why a submission is parked for staff.
type ParkReason struct {
	Reason string // the server's message, for staff
	Code   string // the server's machine code, e.g. validation_failed
	Fields []FieldProblem
}

// Park stops retrying a claimed row and keeps it for staff with the reason.
func (o *Outbox) Park(ctx context.Context, c Claim, why ParkReason) error {
	ms := o.st.now().UnixMilli()
	fields := why.Fields
	if fields == nil {
		fields = []FieldProblem{}
	}
	for i := range fields {
		fields[i].Message = scrubID(fields[i].Message)
	}
	fj, _ := json.Marshal(fields)
	res, err := o.st.db.ExecContext(ctx,
		`UPDATE outbox SET state = 'parked', attempts = attempts + 1, claim_token = '', claimed_until = 0,
		 park_reason = ?, park_code = ?, park_fields = ?, last_error = ?, updated_ms = ?
		 WHERE submission_id = ? AND state = 'inflight' AND claim_token = ?`,
		scrubID(why.Reason), why.Code, string(fj), scrubID(why.Reason), ms, c.Submission.ID, c.Token)
	if err != nil {
		return wrapFull(fmt.Errorf("store: park: %w", err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: %s", ErrClaimLost, c.Submission.ID)
	}
	return nil
}

// Counts summarises the outbox.
type Counts struct {
	Pending       int        // pending and in flight
	Parked        int        // waiting for staff
	Delivered     int        // delivered, not yet purged
	OldestPending *time.Time // when the oldest undelivered submission was queued; nil if none
	NextAttempt   *time.Time // the earliest next attempt of a pending row; nil if none
}

// countsQuery is the outbox summary in one statement (one snapshot). Each
// part is answered from the outbox_due index, and only unsent rows are
// joined to their submissions: a year's delivered rows are counted in the
// index, never read (a full join read the whole database, 140 ms at
// 100,000 rows, and the relay asks after every send).
const countsQuery = `SELECT
	  (SELECT COUNT(*) FROM outbox WHERE state IN ('pending', 'inflight')),
	  (SELECT COUNT(*) FROM outbox WHERE state = 'parked'),
	  (SELECT COUNT(*) FROM outbox WHERE state = 'delivered'),
	  (SELECT MIN(s.queued_ms) FROM outbox o JOIN submissions s ON s.id = o.submission_id
	    WHERE o.state IN ('pending', 'inflight')),
	  (SELECT MIN(next_attempt_ms) FROM outbox WHERE state = 'pending')`

// Counts returns the outbox summary.
func (o *Outbox) Counts(ctx context.Context) (Counts, error) {
	var c Counts
	var oldest, next sql.NullInt64
	err := o.st.db.QueryRowContext(ctx, countsQuery).Scan(&c.Pending, &c.Parked, &c.Delivered, &oldest, &next)
	if err != nil {
		return c, fmt.Errorf("store: outbox counts: %w", err)
	}
	if oldest.Valid {
		t := time.UnixMilli(oldest.Int64)
		c.OldestPending = &t
	}
	if next.Valid {
		t := time.UnixMilli(next.Int64)
		c.NextAttempt = &t
	}
	return c, nil
}

// NextAttempt is when the earliest pending row is due; ok is false when
// nothing is pending. It reads one index entry: the relay asks after every
// send.
func (o *Outbox) NextAttempt(ctx context.Context) (t time.Time, ok bool, err error) {
	var next sql.NullInt64
	if err := o.st.db.QueryRowContext(ctx, `SELECT MIN(next_attempt_ms) FROM outbox WHERE state = 'pending'`).Scan(&next); err != nil {
		return time.Time{}, false, fmt.Errorf("store: next attempt: %w", err)
	}
	if !next.Valid {
		return time.Time{}, false, nil
	}
	return time.UnixMilli(next.Int64), true, nil
}

// Record is what the terminal keeps of one submission for receipts, staff
// and audit: no personal data beyond the masked ID number.
type Record struct {
	ID          string
	LocalNo     string
	ItemCode    string
	MaskedID    string
	CreatedAt   time.Time
	QueuedAt    time.Time
	State       string // outbox state; "purged" after the purge, "discarded" after a discard
	Attempts    int
	LastError   string
	CaseNo      string
	AcceptedAt  time.Time
	DueDate     string
	TrackURL    string
	DeliveredAt time.Time
	Park        ParkReason
}

const recordCols = `s.id, s.local_no, s.item_code, s.masked_id, s.created_at, s.queued_ms,
	COALESCE(o.state, CASE WHEN s.discarded_ms IS NOT NULL THEN 'discarded' ELSE 'purged' END),
	COALESCE(o.attempts, 0), COALESCE(o.last_error, ''), COALESCE(s.case_no, ''), COALESCE(s.accepted_at, ''),
	COALESCE(s.due_date, ''), COALESCE(s.track_url, ''), COALESCE(s.delivered_ms, 0),
	COALESCE(o.park_reason, ''), COALESCE(o.park_code, ''), COALESCE(o.park_fields, '[]')`

type scanner interface{ Scan(...any) error }

func scanRecord(r scanner) (Record, error) {
	var rec Record
	var created, accepted, fields string
	var queued, delivered int64
	err := r.Scan(&rec.ID, &rec.LocalNo, &rec.ItemCode, &rec.MaskedID, &created, &queued, &rec.State,
		&rec.Attempts, &rec.LastError, &rec.CaseNo, &accepted, &rec.DueDate, &rec.TrackURL, &delivered,
		&rec.Park.Reason, &rec.Park.Code, &fields)
	if err != nil {
		return rec, err
	}
	rec.CreatedAt, _ = time.Parse(time.RFC3339Nano, created)
	rec.QueuedAt = time.UnixMilli(queued)
	if accepted != "" {
		rec.AcceptedAt, _ = time.Parse(time.RFC3339Nano, accepted)
	}
	if delivered != 0 {
		rec.DeliveredAt = time.UnixMilli(delivered)
	}
	_ = json.Unmarshal([]byte(fields), &rec.Park.Fields)
	return rec, nil
}

// Lookup finds a submission by id, local number or case number.
func (o *Outbox) Lookup(ctx context.Context, key string) (Record, error) {
	row := o.st.db.QueryRowContext(ctx, `SELECT `+recordCols+`
		FROM submissions s LEFT JOIN outbox o ON o.submission_id = s.id
		WHERE s.id = ?1 OR s.local_no = ?1 OR (s.case_no = ?1 AND s.case_no != '') LIMIT 1`, key)
	rec, err := scanRecord(row)
	if errors.Is(err, sql.ErrNoRows) {
		return rec, fmt.Errorf("%w: submission %s", ErrNotFound, key)
	}
	if err != nil {
		return rec, fmt.Errorf("store: lookup: %w", err)
	}
	return rec, nil
}

// Parked lists the parked submissions with their reasons, oldest first.
func (o *Outbox) Parked(ctx context.Context) ([]Record, error) {
	rows, err := o.st.db.QueryContext(ctx, `SELECT `+recordCols+`
		FROM submissions s JOIN outbox o ON o.submission_id = s.id
		WHERE o.state = 'parked' ORDER BY s.queued_ms, s.id`)
	if err != nil {
		return nil, fmt.Errorf("store: parked: %w", err)
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		rec, err := scanRecord(rows)
		if err != nil {
			return nil, fmt.Errorf("store: parked: %w", err)
		}
		out = append(out, rec)
	}
	return out, rows.Err()
}

// RetryParked puts a parked submission back in the queue, due now, with
// its attempts reset and marked released (Claim.Released). The caller
// audits the staff action.
func (o *Outbox) RetryParked(ctx context.Context, id string) error {
	ms := o.st.now().UnixMilli()
	res, err := o.st.db.ExecContext(ctx,
		`UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_ms = ?, park_reason = '', park_code = ?,
		 park_fields = '[]', updated_ms = ? WHERE submission_id = ? AND state = 'parked'`, ms, ParkCodeReleased, ms, id)
	if err != nil {
		return fmt.Errorf("store: retry parked: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: no parked submission %s", ErrNotFound, id)
	}
	return nil
}

// DiscardParked gives up on a parked submission: its personal data and
// outbox row are deleted, the record (local number, item, masked ID, times)
// stays. The caller audits the staff action.
func (o *Outbox) DiscardParked(ctx context.Context, id string) error {
	ms := o.st.now().UnixMilli()
	return o.st.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE submission_id = ? AND state = 'parked'`, id)
		if err != nil {
			return fmt.Errorf("store: discard: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: no parked submission %s", ErrNotFound, id)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE submissions SET sealed = NULL, discarded_ms = ? WHERE id = ?`, ms, id); err != nil {
			return fmt.Errorf("store: discard: %w", err)
		}
		return nil
	})
}

// Purge removes, for submissions delivered more than retention ago, the
// sealed personal data and the outbox row, keeping the record that receipt
// reprints and the audit need. It returns how many it purged.
func (o *Outbox) Purge(ctx context.Context, retention time.Duration) (int, error) {
	return o.PurgeAsOf(ctx, o.st.now(), retention)
}

// PurgeAsOf is Purge with the retention counted back from now rather than
// from the store's clock: the relay passes the time it trusts (the
// central system's, once known), so that a clock that jumped ahead purges
// nothing early.
func (o *Outbox) PurgeAsOf(ctx context.Context, now time.Time, retention time.Duration) (int, error) {
	cut := now.Add(-retention).UnixMilli()
	var n int64
	err := o.st.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx,
			`UPDATE submissions SET sealed = NULL WHERE delivered_ms IS NOT NULL AND delivered_ms <= ? AND sealed IS NOT NULL`, cut)
		if err != nil {
			return fmt.Errorf("store: purge: %w", err)
		}
		n, _ = res.RowsAffected()
		_, err = tx.ExecContext(ctx,
			`DELETE FROM outbox WHERE state = 'delivered' AND submission_id IN
			 (SELECT id FROM submissions WHERE delivered_ms IS NOT NULL AND delivered_ms <= ?)`, cut)
		if err != nil {
			return fmt.Errorf("store: purge: %w", err)
		}
		// The case cache keeps a resident's cases a day at most.
		caseCut := cut
		if c := now.Add(-CaseCacheTTL).UnixMilli(); c > caseCut {
			caseCut = c
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM cached_cases WHERE fetched_ms <= ?`, caseCut)
		if err != nil {
			return fmt.Errorf("store: purge cases: %w", err)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	// Databases recovery kept aside hold the same personal data: they go
	// when the retention period has passed since they were set aside.
	if _, err := o.st.PurgeKeptAside(now, retention); err != nil {
		return int(n), err
	}
	// Overwrite freed pages in the WAL and the file promptly.
	_, _ = o.st.db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	return int(n), nil
}

// PendingFor lists what this terminal still holds unsent (pending, in
// flight or parked) for the resident with this ID number.
func (o *Outbox) PendingFor(ctx context.Context, idNumber string) ([]Record, error) {
	rows, err := o.st.db.QueryContext(ctx, `SELECT `+recordCols+`
		FROM submissions s JOIN outbox o ON o.submission_id = s.id
		WHERE s.applicant_tag = ? AND o.state IN ('pending', 'inflight', 'parked') ORDER BY s.queued_ms DESC`,
		o.seal.Tag(idNumber))
	if err != nil {
		return nil, fmt.Errorf("store: pending for resident: %w", err)
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		rec, err := scanRecord(rows)
		if err != nil {
			return nil, fmt.Errorf("store: pending for resident: %w", err)
		}
		out = append(out, rec)
	}
	return out, rows.Err()
}

var idLike = regexp.MustCompile(`[0-9]{17}[0-9Xx]`)

// scrubID masks anything that looks like a full ID number, and bounds the
// length of text kept from elsewhere.
func scrubID(s string) string {
	if len(s) > 1000 {
		s = s[:1000]
	}
	return idLike.ReplaceAllStringFunc(s, kiosk.MaskID)
}

// RetryNow makes every pending row due now (staff's "send now", or the
// network coming back) and returns how many it moved forward. Parked rows
// stay parked.
func (o *Outbox) RetryNow(ctx context.Context) (int, error) {
	ms := o.st.now().UnixMilli()
	res, err := o.st.db.ExecContext(ctx,
		`UPDATE outbox SET next_attempt_ms = ?, updated_ms = ? WHERE state = 'pending' AND next_attempt_ms > ?`, ms, ms, ms)
	if err != nil {
		return 0, fmt.Errorf("store: retry now: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// ReleaseClaims hands back every in-flight row, as due now, whatever its
// claim's expiry, and returns how many. The terminal calls it at start,
// before its relay runs: the claims were its previous run's (killed mid-send
// or powered off), and waiting out their time would hold those submissions
// back for minutes. Sending one again is safe: its id is its idempotency
// key, so the central system answers a repeat with the first acceptance.
// Whether that send reached the central system is unknown, so the row
// counts as possibly arrived (Claim.MayHaveArrived).
func (o *Outbox) ReleaseClaims(ctx context.Context) (int, error) {
	ms := o.st.now().UnixMilli()
	res, err := o.st.db.ExecContext(ctx,
		`UPDATE outbox SET state = 'pending', claim_token = '', claimed_until = 0, next_attempt_ms = ?, updated_ms = ?,
		 may_have_arrived = 1
		 WHERE state = 'inflight'`, ms, ms)
	if err != nil {
		return 0, fmt.Errorf("store: release claims: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// Submission opens the sealed submission with this id (for a reprint, for
// staff, for reconciliation); ErrNotFound once purged or discarded.
func (o *Outbox) Submission(ctx context.Context, id string) (kiosk.Submission, error) {
	var sealed []byte
	err := o.st.db.QueryRowContext(ctx, `SELECT sealed FROM submissions WHERE id = ?`, id).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && sealed == nil) {
		return kiosk.Submission{}, fmt.Errorf("%w: submission %s", ErrNotFound, id)
	}
	if err != nil {
		return kiosk.Submission{}, fmt.Errorf("store: submission: %w", err)
	}
	plain, err := o.seal.Open(sealed, []byte(id))
	if err != nil {
		return kiosk.Submission{}, err
	}
	var sub kiosk.Submission
	if err := json.Unmarshal(plain, &sub); err != nil {
		return kiosk.Submission{}, fmt.Errorf("store: submission %s: %w", id, err)
	}
	return sub, nil
}

// IDs lists the ids of every submission the terminal holds a record of,
// oldest first.
func (o *Outbox) IDs(ctx context.Context) ([]string, error) {
	rows, err := o.st.db.QueryContext(ctx, `SELECT id FROM submissions ORDER BY queued_ms, id`)
	if err != nil {
		return nil, fmt.Errorf("store: ids: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: ids: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
