package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/audit"
)

// Recovery tells staff what happened when the database failed its check
// at start: where the failing file was kept and what was carried over
// from it into the fresh database.
type Recovery struct {
	At     time.Time `json:"at"`
	Path   string    `json:"path"`    // the database that failed its check
	KeptAs string    `json:"kept_as"` // where it was kept, untouched, as evidence
	Detail string    `json:"detail"`  // what SQLite said

	// Submissions carried over.
	Queued    int `json:"queued"`    // unsent (pending or in flight), queued again under the same ids
	Parked    int `json:"parked"`    // waiting for staff, still parked
	Delivered int `json:"delivered"` // records of delivered submissions (purged ones included)
	Discarded int `json:"discarded"` // records of submissions staff discarded

	// What was lost. UnsentLost counts unsent submissions known to have
	// existed (from a row, an index or the outbox) that could not be
	// carried over: unreadable, or their sealed data did not open.
	// LostUnknown is set when pages that could not be read may have held
	// more whose number cannot be known: then UnsentLost is a lower bound.
	UnsentLost   int      `json:"unsent_lost"`
	LostUnknown  bool     `json:"lost_unknown"`
	LostLocalNos []string `json:"lost_local_nos,omitempty"` // local numbers of lost unsent submissions, as on the residents' receipts
	StateUnknown int      `json:"state_unknown"`            // submissions seen but unreadable whose outbox state is unknown (counted in neither)
	RecordsLost  int      `json:"records_lost"`             // delivered or purged records that could not be read (nothing to send)
	SealsDropped int      `json:"seals_dropped"`            // delivered submissions whose sealed data did not open; kept as if purged

	Unreadable []string `json:"unreadable,omitempty"` // tables of which nothing could be read
	Damaged    []string `json:"damaged,omitempty"`    // tables of which some rows could not be read

	AuditEvents int64 `json:"audit_events"` // events carried over: the prefix from seq 1 whose chain verifies
	AuditCut    bool  `json:"audit_cut"`    // events after AuditEvents existed or may have, and were not carried over
	AuditAcked  int64 `json:"audit_acked"`  // the server's acknowledgement carried over (0: none)
	// AuditChain is the id of the new chain the recovery started when it
	// could not continue the old one (empty when the chain went on); the
	// old chain's prefix is kept for upload before it.
	AuditChain string `json:"audit_chain,omitempty"`

	Settings        int  `json:"settings"`          // settings carried over
	Ratings         int  `json:"ratings,omitempty"` // unsent ratings carried over (sent ones are not: nothing is left to do with them)
	Catalog         bool `json:"catalog"`           // the catalogue read back whole and was carried over
	LocalSeqGuessed bool `json:"local_seq_guessed"` // local numbers were moved on by a margin as the last one issued is not known

	SalvageError string `json:"salvage_error,omitempty"` // why nothing could be carried over, if so
}

// Summary is a one-line account of a recovery for logs and staff screens.
// It holds no personal data.
func (r Recovery) Summary() string {
	lost := strconv.Itoa(r.UnsentLost)
	if r.LostUnknown {
		lost = "at least " + lost + " (more unknown)"
	}
	s := fmt.Sprintf("database kept aside as %s; recovered %d queued, %d parked, %d delivered, %d audit events; unsent lost: %s",
		r.KeptAs, r.Queued, r.Parked, r.Delivered, r.AuditEvents, lost)
	if r.AuditCut {
		s += "; audit trail cut"
	}
	if r.AuditChain != "" {
		s += "; new audit chain " + r.AuditChain
	}
	if !r.Catalog {
		s += "; catalogue not recovered"
	}
	if r.SalvageError != "" {
		s += "; " + r.SalvageError
	}
	return s
}

// OpenOrRecover opens the database at path like Open. If it fails its
// check and could be kept aside, a fresh database is made at path and what
// can be recovered from a copy of the kept file is carried over in one
// transaction: submissions with their outbox rows (in-flight ones queued
// again under the same ids, so the server's idempotency makes a resend
// harmless), local numbers, the verified prefix of the audit trail,
// settings and, if whole, the catalogue. The returned Recovery (nil when
// nothing was wrong) is also kept in the fresh database until staff
// acknowledge it (RecoveryNotices, AckRecoveries).
//
// A corrupt database that could not be moved away, a database of a newer
// schema and any other failure are returned as errors: nothing is ever
// written over a file that was not moved.
func OpenOrRecover(ctx context.Context, path string, opts Options, sealer *Sealer) (*Store, *Recovery, error) {
	if sealer == nil {
		return nil, nil, errors.New("store: OpenOrRecover needs the sealer to check recovered submissions")
	}
	st, err := Open(ctx, path, opts)
	if err == nil {
		rec, err := st.resumeSalvage(ctx, path, sealer)
		if err != nil {
			st.Close()
			return nil, nil, err
		}
		return st, rec, nil
	}
	var ce *CorruptError
	if !errors.As(err, &ce) || ce.KeptAs == "" {
		return nil, nil, err
	}
	// A WAL or shared-memory file left behind would be replayed into the
	// fresh database: start nothing over it.
	for _, suffix := range []string{"-wal", "-shm"} {
		if fileExists(path + suffix) {
			return nil, nil, err
		}
	}
	st, err = Open(ctx, path, opts)
	if err != nil {
		return nil, nil, fmt.Errorf("store: fresh database after keeping %s aside: %w", ce.KeptAs, err)
	}
	rec := &Recovery{At: st.now().UTC(), Path: ce.Path, KeptAs: ce.KeptAs, Detail: ce.Detail}
	st.salvageOrNotice(ctx, sealer, rec)
	return st, rec, nil
}

// salvageOrNotice carries over what it can from rec.KeptAs, filling rec.
// When the salvage fails, nothing was carried over (its transaction rolled
// back) and the kept file is intact for staff: rec says so and is still
// kept as a notice, so that they are told.
func (s *Store) salvageOrNotice(ctx context.Context, sealer *Sealer, rec *Recovery) {
	err := s.salvage(ctx, rec.KeptAs, sealer, rec)
	if err == nil {
		return
	}
	*rec = Recovery{At: rec.At, Path: rec.Path, KeptAs: rec.KeptAs, Detail: rec.Detail,
		LostUnknown: true, AuditCut: true, SalvageError: err.Error()}
	if nerr := s.InTx(ctx, func(tx *sql.Tx) error { return addNotice(ctx, tx, s.now(), *rec) }); nerr != nil {
		rec.SalvageError += "; notice not saved: " + nerr.Error()
	}
}

// resumeSalvage finishes a recovery that a previous start began and did
// not end: the failing file was kept aside (by that start, or by anything
// else that opened it without LeaveInPlace) but the process stopped before
// the salvage committed, so the database at path is fresh and empty and no
// notice names the kept file. Without this its queued submissions would
// wait unseen in the kept file. The newest such kept file is salvaged, and
// only into a database that holds no submission and no audit event yet:
// a database that has been in use is never merged into.
func (s *Store) resumeSalvage(ctx context.Context, path string, sealer *Sealer) (*Recovery, error) {
	matches, err := filepath.Glob(path + ".corrupt-*")
	if err != nil || len(matches) == 0 {
		return nil, nil
	}
	var kept []string
	for _, m := range matches {
		if !strings.HasSuffix(m, "-wal") && !strings.HasSuffix(m, "-shm") && !strings.HasSuffix(m, SchemaMapSuffix) {
			kept = append(kept, m)
		}
	}
	if len(kept) == 0 {
		return nil, nil
	}
	ns, err := readNotices(ctx, s.db)
	if err != nil {
		return nil, nil // a notice list that does not read: do not guess
	}
	done := map[string]bool{}
	for _, n := range ns {
		done[n.KeptAs] = true
	}
	sort.Strings(kept) // the names end in their UTC time
	last := kept[len(kept)-1]
	if done[last] {
		return nil, nil
	}
	var used int64
	if err := s.db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM submissions) + (SELECT COUNT(*) FROM audit)`).Scan(&used); err != nil {
		return nil, fmt.Errorf("store: resume salvage: %w", err)
	}
	if used > 0 {
		return nil, nil
	}
	rec := &Recovery{At: s.now().UTC(), Path: path, KeptAs: last,
		Detail: "kept aside earlier; the recovery was interrupted and resumed at this start"}
	s.salvageOrNotice(ctx, sealer, rec)
	return rec, nil
}

// Column lists and kinds (see normalize) of the tables carried over.
const (
	subCols    = "id, local_no, terminal_id, item_code, masked_id, applicant_tag, created_at, queued_ms, sealed, case_no, accepted_at, due_date, track_url, delivered_ms, discarded_ms"
	subKinds   = "tttttttiBTTTTII"
	outCols    = "submission_id, state, attempts, next_attempt_ms, claim_token, claimed_until, last_error, park_reason, park_code, park_fields, updated_ms"
	outKinds   = "ttiititttti"
	setCols    = "key, value, updated_at"
	rateCols   = "id, body, service, level, state, attempts, next_attempt_ms, last_error, park_code, queued_ms, done_ms"
	rateKinds  = "tttitiittiI"
	itemCols   = "code, pos, category, name, name_en, initials, pinyin, body"
	itemKinds  = "titttttt"
	catCols    = "id, version, etag, generated_at, generated_ms, fetched_ms, serial, body"
	catKinds   = "itttiiib"
	auditTable = "audit"
	chainCols  = "pos, chain_id, started_at, restart_reason, previous_chain_id, previous_last_seq, previous_last_hash, restart_at, acked_seq, done"
	chainKinds = "ittttittii"
)

// Submission columns by position.
const (
	sID = iota
	sLocalNo
	_
	_
	_
	_
	_
	sQueued
	sSealed
	_
	_
	_
	_
	sDelivered
	sDiscarded
)

// outRow is a readable outbox row.
type outRow struct {
	vals  []any // normalised, outCols order
	state string
}

// salvage reads the copy of kept and writes what it can into s in one
// transaction, filling rec: table by table, each in its own method of
// salvageRun (the outbox first: submissions need their rows' states).
func (s *Store) salvage(ctx context.Context, kept string, sealer *Sealer, rec *Recovery) error {
	r, err := openCopy(ctx, kept)
	if err != nil {
		return err
	}
	defer r.close()
	now := s.now()
	return s.InTx(ctx, func(tx *sql.Tx) error {
		sv := &salvageRun{r: r, tx: tx, rec: rec, now: now, kept: kept, sealer: sealer,
			seen: map[string]bool{}, seqs: map[string]int64{}}
		sv.outboxRows(ctx)
		if err := sv.submissions(ctx); err != nil {
			return err
		}
		if !sv.subRes.whole() {
			sv.lostSubmissions(ctx)
		}
		sort.Strings(rec.LostLocalNos)
		if err := sv.localSeq(ctx); err != nil {
			return err
		}
		if err := salvageAudit(ctx, r, tx, rec, sv.note, now, filepath.Base(kept)); err != nil {
			return err
		}
		if err := sv.settings(ctx); err != nil {
			return err
		}
		if err := sv.ratings(ctx); err != nil {
			return err
		}
		ok, err := salvageCatalog(ctx, r, tx, sv.note)
		if err != nil {
			return err
		}
		rec.Catalog = ok
		return addNotice(ctx, tx, now, *rec)
	})
}

// salvageRun is one salvage: the copy read, the transaction written, and
// what one table's pass learns for the next.
type salvageRun struct {
	r      *reader
	tx     *sql.Tx
	rec    *Recovery
	now    time.Time
	kept   string
	sealer *Sealer

	// from the outbox
	outbox      map[string]outRow // readable rows by submission id
	idxState    map[string]string // states of lost rows, from the indexes
	outboxKnown bool              // the set of outbox rows is known
	// from the submissions
	seen          map[string]bool  // submission ids read from the table
	seqs          map[string]int64 // highest local number seen, per day
	subRes        scanResult
	localNosKnown bool // every local number issued was read (table or index)
}

// note records a table that read damaged or not at all.
func (sv *salvageRun) note(table string, res scanResult) {
	switch {
	case res.unreadable():
		sv.rec.Unreadable = append(sv.rec.Unreadable, table)
	case !res.whole():
		sv.rec.Damaged = append(sv.rec.Damaged, table)
	}
}

// stateOf is the outbox state of a submission, from its row or an index.
func (sv *salvageRun) stateOf(id string) (string, bool) {
	if o, ok := sv.outbox[id]; ok {
		return o.state, true
	}
	if st, ok := sv.idxState[id]; ok {
		return st, true
	}
	return "", false
}

// noteLocal keeps the highest local number issued per day.
func (sv *salvageRun) noteLocal(localNo string) {
	if day, seq, ok := parseLocalNo(localNo); ok && seq > sv.seqs[day] {
		sv.seqs[day] = seq
	}
}

// lostUnsent counts an unsent submission that is lost.
func (sv *salvageRun) lostUnsent(localNo string) {
	sv.rec.UnsentLost++
	if localNo != "" && len(sv.rec.LostLocalNos) < 200 {
		sv.rec.LostLocalNos = append(sv.rec.LostLocalNos, localNo)
	}
}

// outboxRows reads the outbox; where rows were lost, their states may still
// be in the indexes.
func (sv *salvageRun) outboxRows(ctx context.Context) {
	sv.outbox = map[string]outRow{}
	sv.idxState = map[string]string{}
	outRes := sv.r.scan(ctx, "outbox", outCols, func(_ int64, vals []any) {
		v, ok := normalize(vals, outKinds)
		if !ok {
			return
		}
		id, state := v[0].(string), v[1].(string)
		switch state {
		case StatePending, StateInflight, StateParked, StateDelivered:
			sv.outbox[id] = outRow{vals: v, state: state}
		}
	})
	sv.note("outbox", outRes)
	// Where outbox rows were lost, their states may still be in the
	// indexes: submission_id -> rowid and (state, ...) -> rowid.
	sv.outboxKnown = outRes.whole()
	if !outRes.whole() {
		idOf := map[int64]string{}
		stateOf := map[int64]string{}
		c1 := sv.r.scanIndex(ctx,
			"SELECT submission_id, rowid FROM outbox INDEXED BY sqlite_autoindex_outbox_1 ORDER BY submission_id",
			"SELECT submission_id, rowid FROM outbox INDEXED BY sqlite_autoindex_outbox_1 ORDER BY submission_id DESC", 2,
			func(v []any) {
				id, ok1 := asText(v[0])
				rowid, ok2 := asInt(v[1])
				if ok1 && ok2 {
					idOf[rowid] = id
				}
			})
		c2 := sv.r.scanIndex(ctx,
			"SELECT state, rowid FROM outbox INDEXED BY outbox_due ORDER BY state, next_attempt_ms",
			"SELECT state, rowid FROM outbox INDEXED BY outbox_due ORDER BY state DESC, next_attempt_ms DESC", 2,
			func(v []any) {
				st, ok1 := asText(v[0])
				rowid, ok2 := asInt(v[1])
				if ok1 && ok2 {
					stateOf[rowid] = st
				}
			})
		for rowid, id := range idOf {
			if st, ok := stateOf[rowid]; ok {
				sv.idxState[id] = st
			}
		}
		// The set of outbox rows is known if the id index read
		// whole (a row's absence then means purged or discarded).
		sv.outboxKnown = c1 && c2
	}
}

// submissions writes every readable submission with a fresh outbox row.
func (sv *salvageRun) submissions(ctx context.Context) error {
	insSub, err := sv.tx.PrepareContext(ctx, `INSERT INTO submissions(`+subCols+`) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`)
	if err != nil {
		return fmt.Errorf("store: salvage: %w", err)
	}
	defer insSub.Close()
	insOut, err := sv.tx.PrepareContext(ctx, `INSERT INTO outbox(`+outCols+`) VALUES(?,?,?,?,?,?,?,?,?,?,?)`)
	if err != nil {
		return fmt.Errorf("store: salvage: %w", err)
	}
	defer insOut.Close()

	rec, seen := sv.rec, sv.seen
	nowMs := sv.now.UnixMilli()
	var writeErr error
	sv.subRes = sv.r.scan(ctx, "submissions", subCols, func(_ int64, vals []any) {
		if writeErr != nil {
			return
		}
		v, ok := normalize(vals, subKinds)
		if !ok {
			// A row too damaged to type: if it names its local
			// number and id, count it.
			if id, ok := asText(vals[sID]); ok && kiosk.ValidSubmissionID(id) {
				seen[id] = true
				ln, _ := asText(vals[sLocalNo])
				sv.noteLocal(ln)
				if st, known := sv.stateOf(id); !known || st != StateDelivered {
					sv.lostUnsent(ln)
				} else {
					rec.RecordsLost++
				}
			}
			return
		}
		id, localNo := v[sID].(string), v[sLocalNo].(string)
		if !kiosk.ValidSubmissionID(id) || seen[id] {
			return
		}
		seen[id] = true
		sv.noteLocal(localNo)
		sealed, _ := v[sSealed].([]byte)
		sealOK := sealed != nil
		if sealOK {
			if _, err := sv.sealer.Open(sealed, []byte(id)); err != nil {
				sealOK = false
			}
		}
		state, known := sv.stateOf(id)
		delivered := v[sDelivered] != nil || state == StateDelivered
		discarded := v[sDiscarded] != nil
		var out []any
		switch {
		case delivered:
			if sealed != nil && !sealOK {
				v[sSealed] = nil
				rec.SealsDropped++
			}
			if o, ok := sv.outbox[id]; ok && o.state == StateDelivered {
				out = o.vals
			}
			rec.Delivered++
		case discarded:
			v[sSealed] = nil
			rec.Discarded++
		case !sealOK:
			sv.lostUnsent(localNo)
			return
		default:
			out = requeue(id, state, known, sv.outbox[id].vals, nowMs)
			if out[1] == StateParked {
				rec.Parked++
			} else {
				rec.Queued++
			}
		}
		if _, err := insSub.ExecContext(ctx, v...); err != nil {
			if ctx.Err() != nil || isFatal(err) {
				writeErr = err
				return
			}
			// A value SQLite refuses (a damaged row): lost.
			rec.undo(delivered, discarded, out)
			if !delivered && !discarded {
				sv.lostUnsent(localNo)
			} else {
				rec.RecordsLost++
			}
			return
		}
		if out != nil {
			if _, err := insOut.ExecContext(ctx, out...); err != nil {
				writeErr = err
			}
		}
	})
	if writeErr != nil {
		return fmt.Errorf("store: salvage: write submissions: %w", wrapFull(writeErr))
	}
	sv.note("submissions", sv.subRes)
	// What the damaged file said of earlier attempts is not carried
	// over: each row counts as possibly arrived, and one queued past
	// the key window is parked for staff rather than sent.
	if _, err := sv.tx.ExecContext(ctx, `UPDATE outbox SET may_have_arrived = 1`); err != nil {
		return fmt.Errorf("store: salvage: %w", wrapFull(err))
	}
	return nil
}

// lostSubmissions finds the submissions that did not read in the indexes
// and the outbox, to count what was lost and learn their local numbers.
func (sv *salvageRun) lostSubmissions(ctx context.Context) {
	type lostSub struct{ id, localNo string }
	byRowid := map[int64]*lostSub{}
	get := func(rowid int64) *lostSub {
		l := byRowid[rowid]
		if l == nil {
			l = &lostSub{}
			byRowid[rowid] = l
		}
		return l
	}
	c1 := sv.r.scanIndex(ctx,
		"SELECT id, rowid FROM submissions INDEXED BY sqlite_autoindex_submissions_1 ORDER BY id",
		"SELECT id, rowid FROM submissions INDEXED BY sqlite_autoindex_submissions_1 ORDER BY id DESC", 2,
		func(v []any) {
			id, ok1 := asText(v[0])
			rowid, ok2 := asInt(v[1])
			if ok1 && ok2 && !sv.seen[id] && sv.subRes.inGap(rowid) {
				get(rowid).id = id
			}
		})
	c2 := sv.r.scanIndex(ctx,
		"SELECT local_no, rowid FROM submissions INDEXED BY sqlite_autoindex_submissions_2 ORDER BY local_no",
		"SELECT local_no, rowid FROM submissions INDEXED BY sqlite_autoindex_submissions_2 ORDER BY local_no DESC", 2,
		func(v []any) {
			ln, ok1 := asText(v[0])
			rowid, ok2 := asInt(v[1])
			if ok1 && ok2 {
				sv.noteLocal(ln) // every number ever issued counts, read or not
				if sv.subRes.inGap(rowid) {
					get(rowid).localNo = ln
				}
			}
		})
	lost := map[string]string{} // id -> local number ("" unknown)
	for _, l := range byRowid {
		switch {
		case l.id != "":
			lost[l.id] = l.localNo
		case l.localNo != "":
			// Known to exist, id unknown: its state cannot be told.
			sv.rec.StateUnknown++
		}
	}
	// The outbox names submissions too.
	for id := range sv.outbox {
		if !sv.seen[id] {
			if _, ok := lost[id]; !ok {
				lost[id] = ""
			}
		}
	}
	for id := range sv.idxState {
		if !sv.seen[id] {
			if _, ok := lost[id]; !ok {
				lost[id] = ""
			}
		}
	}
	for id, ln := range lost {
		st, known := sv.stateOf(id)
		switch {
		case known && st != StateDelivered:
			sv.lostUnsent(ln)
		case known || sv.outboxKnown:
			sv.rec.RecordsLost++ // delivered, purged or discarded
		default:
			sv.rec.StateUnknown++
		}
	}
	sv.localNosKnown = c2
	if sv.rec.StateUnknown > 0 || !(c1 || c2) {
		sv.rec.LostUnknown = true
	}
}

// localSeq writes the local number counters: never issue one twice.
func (sv *salvageRun) localSeq(ctx context.Context) error {
	seqRes := sv.r.scan(ctx, "local_seq", "day, seq", func(_ int64, vals []any) {
		v, ok := normalize(vals, "ti")
		if ok && v[1].(int64) > sv.seqs[v[0].(string)] {
			sv.seqs[v[0].(string)] = v[1].(int64)
		}
	})
	sv.note("local_seq", seqRes)
	if !seqRes.whole() && !sv.subRes.whole() && !sv.localNosKnown {
		// The last number issued is not known. Numbers are never
		// reused (submissions are never deleted), so a day's
		// counter is at most its highest number seen plus the
		// number of rows that could not be read: move every day
		// seen, and today, on by that bound.
		sv.rec.LocalSeqGuessed = true
		today := sv.now.In(kiosk.Zone()).Format("060102")
		if _, ok := sv.seqs[today]; !ok {
			sv.seqs[today] = 0
		}
		margin := lostRowsBound(sv.subRes, sv.kept)
		for day := range sv.seqs {
			sv.seqs[day] += margin
		}
	}
	for day, seq := range sv.seqs {
		if _, err := sv.tx.ExecContext(ctx, `INSERT INTO local_seq(day, seq) VALUES(?, ?)
			ON CONFLICT(day) DO UPDATE SET seq = MAX(seq, excluded.seq)`, day, seq); err != nil {
			return fmt.Errorf("store: salvage: local numbers: %w", wrapFull(err))
		}
	}
	return nil
}

// settings writes all readable settings rows.
func (sv *salvageRun) settings(ctx context.Context) error {
	var setErr error
	setRes := sv.r.scan(ctx, "settings", setCols, func(_ int64, vals []any) {
		v, ok := normalize(vals, "ttt")
		if !ok || setErr != nil {
			return
		}
		res, err := sv.tx.ExecContext(ctx, `INSERT OR IGNORE INTO settings(key, value, updated_at) VALUES(?, ?, ?)`, v...)
		if err != nil {
			setErr = err
			return
		}
		if n, _ := res.RowsAffected(); n == 1 {
			sv.rec.Settings++
		}
	})
	if setErr != nil {
		return fmt.Errorf("store: salvage: settings: %w", wrapFull(setErr))
	}
	sv.note("settings", setRes)
	return nil
}

// ratings writes every readable unsent rating (pending, in flight: pending
// again; parked stays parked). A copy from before the ratings had none.
func (sv *salvageRun) ratings(ctx context.Context) error {
	if exists, known := sv.r.hasTable(ctx, "ratings"); known && !exists {
		return nil
	}
	nowMs := sv.now.UnixMilli()
	var werr error
	res := sv.r.scan(ctx, "ratings", rateCols, func(_ int64, vals []any) {
		v, ok := normalize(vals, rateKinds)
		if !ok || werr != nil {
			return
		}
		var rt kiosk.Rating
		if json.Unmarshal([]byte(v[1].(string)), &rt) != nil || rt.ID != v[0].(string) {
			return
		}
		state := v[4].(string)
		switch state {
		case StateDelivered:
			return
		case StateInflight:
			state = StatePending
		case StatePending, StateParked:
		default:
			return
		}
		r, err := sv.tx.ExecContext(ctx, `INSERT OR IGNORE INTO ratings(id, body, service, level, state, attempts, next_attempt_ms,
			last_error, park_code, queued_ms, done_ms, updated_ms) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			v[0], v[1], v[2], v[3], state, v[5], v[6], v[7], v[8], v[9], v[10], nowMs)
		if err != nil {
			werr = err
			return
		}
		if n, _ := r.RowsAffected(); n == 1 {
			sv.rec.Ratings++
		}
	})
	if werr != nil {
		return fmt.Errorf("store: salvage: ratings: %w", wrapFull(werr))
	}
	sv.note("ratings", res)
	return nil
}

// minRowBytes is less than the smallest a submission row can take in the
// file (its id, local number and applicant tag alone take more).
const minRowBytes = 100

// lostRowsBound is an upper bound on the submissions that the skipped runs
// of res may have held: the width of each run in rowids, or, for a run to
// the end of the table, what the kept file could hold at all.
func lostRowsBound(res scanResult, kept string) int64 {
	fileBound := int64(1 << 20)
	if fi, err := os.Stat(kept); err == nil {
		fileBound = fi.Size()/minRowBytes + 1
	}
	var n int64
	for _, g := range res.gaps {
		if g.hi == math.MaxInt64 || g.hi-g.lo > fileBound {
			return fileBound
		}
		n += g.hi - g.lo
	}
	return min(max(n, 1), fileBound)
}

// requeue makes the fresh outbox row of an unsent submission: in-flight
// claims are cleared (pending again, due when they were), parked stays
// parked, and a row whose outbox entry was lost is pending, due now.
func requeue(id, state string, known bool, old []any, nowMs int64) []any {
	if old != nil {
		out := append([]any(nil), old...)
		if state == StateInflight {
			out[1] = StatePending
			out[4] = ""       // claim_token
			out[5] = int64(0) // claimed_until
			out[10] = nowMs
		}
		return out
	}
	st, reason, code := StatePending, "", ""
	if known && state == StateParked {
		st = StateParked
		reason, code = "recovered from a damaged database; the server's reason was lost", "recovered"
	}
	return []any{id, st, int64(0), nowMs, "", int64(0), "", reason, code, "[]", nowMs}
}

// undo takes back the count of a row whose insert failed.
func (r *Recovery) undo(delivered, discarded bool, out []any) {
	switch {
	case delivered:
		r.Delivered--
	case discarded:
		r.Discarded--
	case out != nil && out[1] == StateParked:
		r.Parked--
	default:
		r.Queued--
	}
}

// isFatal tells a write failure that must abort the salvage (disk full,
// I/O) from a value refused by a constraint (a damaged row).
func isFatal(err error) bool {
	msg := err.Error()
	return !strings.Contains(msg, "constraint") && !strings.Contains(msg, "datatype mismatch")
}

// parseLocalNo splits T<terminal>-<yymmdd>-<seq> into day and seq.
func parseLocalNo(s string) (string, int64, bool) {
	i := strings.LastIndexByte(s, '-')
	if i < 0 {
		return "", 0, false
	}
	j := strings.LastIndexByte(s[:i], '-')
	if j < 0 || !strings.HasPrefix(s, "T") {
		return "", 0, false
	}
	day := s[j+1 : i]
	if len(day) != 6 {
		return "", 0, false
	}
	if _, err := strconv.Atoi(day); err != nil {
		return "", 0, false
	}
	seq, err := strconv.ParseInt(s[i+1:], 10, 64)
	if err != nil || seq <= 0 {
		return "", 0, false
	}
	return day, seq, true
}

// salvageAudit carries over the longest prefix of the trail from seq 1
// whose chain verifies, and the server's acknowledgement if it falls within
// it. When the whole chain carries over (and which chain it is is known),
// it goes on in the audit table. Otherwise the chain cannot go on: its
// prefix is kept for upload as an earlier chain (audit_held), and a new
// chain starts (intake-api.md, "Audit chains that survive a recovery")
// whose first event is database_recovered and whose restart block names
// the previous chain and the last event of it still held. Earlier chains a
// previous recovery kept are carried over too, each as far as it verifies.
func salvageAudit(ctx context.Context, r *reader, tx *sql.Tx, rec *Recovery, note func(string, scanResult), now time.Time, keptName string) error {
	// Which chain the kept trail is, and the earlier ones it knew.
	var freshID string
	if err := tx.QueryRowContext(ctx, `SELECT chain_id FROM audit_chain WHERE pos = 1`).Scan(&freshID); err != nil {
		return fmt.Errorf("store: salvage: audit chain: %w", err)
	}
	var chains [][]any
	chainKnown := false
	switch exists, known := r.hasTable(ctx, "audit_chain"); {
	case !known:
	case !exists:
		// A file from before chains: its trail is the first chain, which
		// takes the fresh database's id.
		chains = [][]any{{int64(1), freshID, now.UTC().Format(time.RFC3339Nano), "", "", int64(0), "", "", int64(0), int64(0)}}
		chainKnown = true
	default:
		res := r.scan(ctx, "audit_chain", chainCols, func(_ int64, vals []any) {
			if v, ok := normalize(vals, chainKinds); ok {
				chains = append(chains, v)
			}
		})
		note("audit_chain", res)
		chainKnown = res.whole() && len(chains) > 0
	}
	if !chainKnown {
		chains = nil
	}

	// The current chain's verified prefix: first find it, then write it.
	var chk audit.Checker
	var last kiosk.AuditEvent
	broken := false
	read := func(vals []any) (kiosk.AuditEvent, []any, bool) {
		v, ok := normalize(vals, "itttttt")
		if !ok {
			return kiosk.AuditEvent{}, nil, false
		}
		ev := kiosk.AuditEvent{Seq: v[0].(int64), Kind: v[2].(string), Subject: v[3].(string),
			Detail: v[4].(string), PrevHash: v[5].(string), Hash: v[6].(string)}
		at, err := time.Parse(time.RFC3339Nano, v[1].(string))
		if err != nil {
			return kiosk.AuditEvent{}, nil, false
		}
		ev.At = at
		return ev, v, true
	}
	res := r.scan(ctx, auditTable, auditCols, func(_ int64, vals []any) {
		if broken {
			return
		}
		ev, _, ok := read(vals)
		if !ok || chk.Next(ev) != nil {
			broken = true
			return
		}
		last = ev
	})
	note("audit", res)
	rec.AuditEvents = last.Seq
	rec.AuditCut = broken || !res.whole()
	restart := rec.AuditCut || !chainKnown
	oldID := ""
	if chainKnown {
		oldID = chains[len(chains)-1][1].(string)
	}

	// Write the prefix: on into the audit table, or kept as an earlier
	// chain when a new one starts (nowhere when which chain it was is not
	// known: it could not be uploaded).
	insert := `INSERT INTO audit(seq, at, kind, subject, detail, prev_hash, hash) VALUES(?, ?, ?, ?, ?, ?, ?)`
	var prefix []any
	if restart {
		insert = `INSERT INTO audit_held(chain_id, seq, at, kind, subject, detail, prev_hash, hash) VALUES(?, ?, ?, ?, ?, ?, ?, ?)`
		prefix = []any{oldID}
	}
	hashes := map[int64]string{}
	var werr error
	if !restart || oldID != "" {
		r.scan(ctx, auditTable, auditCols, func(_ int64, vals []any) {
			ev, v, ok := read(vals)
			if werr != nil || !ok || ev.Seq > last.Seq || hashes[ev.Seq] != "" {
				return
			}
			if _, err := tx.ExecContext(ctx, insert, append(append([]any(nil), prefix...), v...)...); err != nil {
				werr = err
				return
			}
			hashes[ev.Seq] = ev.Hash
		})
	}
	if werr != nil {
		return fmt.Errorf("store: salvage: audit: %w", wrapFull(werr))
	}

	// The server's acknowledgement, if it falls within the prefix.
	var ack []any
	var ackErr error
	ackRes := r.scan(ctx, "audit_ack", "acked_seq, acked_hash, acked_at", func(_ int64, vals []any) {
		v, ok := normalize(vals, "itt")
		if !ok {
			return
		}
		seq, hash := v[0].(int64), v[1].(string)
		if seq <= 0 || hashes[seq] != hash {
			return
		}
		rec.AuditAcked = seq
		if restart {
			ack = v
			return
		}
		if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO audit_ack(id, acked_seq, acked_hash, acked_at) VALUES(1, ?, ?, ?)`,
			seq, hash, v[2]); err != nil {
			ackErr = err
		}
	})
	if ackErr != nil {
		return fmt.Errorf("store: salvage: audit ack: %w", wrapFull(ackErr))
	}
	note("audit_ack", ackRes)

	// The chains: those of the kept file (in place of the fresh one), the
	// earlier ones' kept events, and a new chain if one starts.
	if chainKnown {
		if _, err := tx.ExecContext(ctx, `DELETE FROM audit_chain`); err != nil {
			return fmt.Errorf("store: salvage: audit chain: %w", wrapFull(err))
		}
		for i, c := range chains {
			if restart && i == len(chains)-1 && ack != nil {
				c[8] = ack[0] // how far the server holds the chain now kept as earlier
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO audit_chain(`+chainCols+`) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, c...); err != nil {
				return fmt.Errorf("store: salvage: audit chain: %w", wrapFull(err))
			}
		}
		if err := salvageHeld(ctx, r, tx, note); err != nil {
			return err
		}
	}
	if !restart {
		return nil
	}
	pos := int64(1)
	if len(chains) > 0 {
		pos = chains[len(chains)-1][0].(int64) + 1
	} else if _, err := tx.ExecContext(ctx, `DELETE FROM audit_chain`); err != nil {
		return fmt.Errorf("store: salvage: audit chain: %w", wrapFull(err))
	}
	newID := kiosk.NewSubmissionID()
	at := now.In(kiosk.Zone()).Truncate(time.Millisecond)
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_chain(pos, chain_id, started_at, restart_reason, previous_chain_id,
		previous_last_seq, previous_last_hash, restart_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?)`,
		pos, newID, at.Format(time.RFC3339Nano), kiosk.RestartDatabaseRecovered, oldID, last.Seq, last.Hash, at.Format(time.RFC3339Nano)); err != nil {
		return fmt.Errorf("store: salvage: audit chain: %w", wrapFull(err))
	}
	prev := oldID
	if prev == "" {
		prev = "unknown"
	}
	first := kiosk.AuditEvent{Seq: 1, At: at, Kind: string(audit.DatabaseRecovered), Subject: keptName,
		Detail: fmt.Sprintf("new audit chain %s: the recovery could not continue chain %s (held through seq %d)", newID, prev, last.Seq)}.Seal()
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit(seq, at, kind, subject, detail, prev_hash, hash) VALUES(?, ?, ?, ?, ?, ?, ?)`,
		first.Seq, first.At.Format(time.RFC3339Nano), first.Kind, first.Subject, first.Detail, first.PrevHash, first.Hash); err != nil {
		return fmt.Errorf("store: salvage: audit: %w", wrapFull(err))
	}
	rec.AuditChain = newID
	return nil
}

// salvageHeld carries over the events of earlier chains that a previous
// recovery kept, each chain as far as it verifies from seq 1.
func salvageHeld(ctx context.Context, r *reader, tx *sql.Tx, note func(string, scanResult)) error {
	if exists, known := r.hasTable(ctx, "audit_held"); !exists || !known {
		return nil
	}
	checks := map[string]*audit.Checker{}
	dead := map[string]bool{} // chains broken at an event: nothing after it
	var werr error
	res := r.scan(ctx, "audit_held", "chain_id, "+auditCols, func(_ int64, vals []any) {
		v, ok := normalize(vals, "titttttt")
		if !ok || werr != nil || dead[v[0].(string)] {
			return
		}
		id := v[0].(string)
		ev := kiosk.AuditEvent{Seq: v[1].(int64), Kind: v[3].(string), Subject: v[4].(string),
			Detail: v[5].(string), PrevHash: v[6].(string), Hash: v[7].(string)}
		at, err := time.Parse(time.RFC3339Nano, v[2].(string))
		if err != nil {
			return
		}
		ev.At = at
		c := checks[id]
		if c == nil {
			c = &audit.Checker{}
			checks[id] = c
		}
		if c.Next(ev) != nil {
			dead[id] = true
			return
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_held(chain_id, `+auditCols+`) VALUES(?, ?, ?, ?, ?, ?, ?, ?)`, v...); err != nil {
			werr = err
		}
	})
	if werr != nil {
		return fmt.Errorf("store: salvage: audit held: %w", wrapFull(werr))
	}
	note("audit_held", res)
	return nil
}

// salvageCatalog carries the catalogue over only if it reads back whole:
// the catalog row decodes and validates, and catalog_items holds exactly
// its items. Otherwise the next refresh fetches it again.
func salvageCatalog(ctx context.Context, r *reader, tx *sql.Tx, note func(string, scanResult)) (bool, error) {
	var cat []any
	catRes := r.scan(ctx, "catalog", catCols, func(_ int64, vals []any) {
		if v, ok := normalize(vals, catKinds); ok {
			cat = v
		}
	})
	note("catalog", catRes)
	var items [][]any
	bad := false
	itemRes := r.scan(ctx, "catalog_items", itemCols, func(_ int64, vals []any) {
		v, ok := normalize(vals, itemKinds)
		if !ok {
			bad = true
			return
		}
		items = append(items, v)
	})
	note("catalog_items", itemRes)
	if cat == nil || bad || !catRes.whole() || !itemRes.whole() {
		return false, nil
	}
	var c kiosk.Catalog
	if err := json.Unmarshal(cat[7].([]byte), &c); err != nil || c.Validate() != nil || len(c.Items) != len(items) {
		return false, nil
	}
	want := map[string]bool{}
	for _, it := range c.Items {
		want[it.Code] = true
	}
	for _, v := range items {
		var it kiosk.Item
		code := v[0].(string)
		if json.Unmarshal([]byte(v[7].(string)), &it) != nil || it.Code != code || !want[code] {
			return false, nil
		}
		delete(want, code)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO catalog(`+catCols+`) VALUES(?, ?, ?, ?, ?, ?, ?, ?)`, cat...); err != nil {
		return false, fmt.Errorf("store: salvage: catalogue: %w", wrapFull(err))
	}
	for _, v := range items {
		if _, err := tx.ExecContext(ctx, `INSERT INTO catalog_items(`+itemCols+`) VALUES(?, ?, ?, ?, ?, ?, ?, ?)`, v...); err != nil {
			return false, fmt.Errorf("store: salvage: catalogue: %w", wrapFull(err))
		}
	}
	return true, nil
}

// Recovery notices are kept in the settings table under noticeKey, as a
// JSON list, so that they are carried over like any setting should the
// fresh database fail in turn.
const noticeKey = "store.recovery_notices"

// maxNotices bounds the list; the oldest acknowledged ones go first.
const maxNotices = 20

type notice struct {
	Recovery
	AckedAt *time.Time `json:"acked_at,omitempty"`
}

func readNotices(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) ([]notice, error) {
	var raw string
	err := q.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, noticeKey).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: recovery notices: %w", err)
	}
	var ns []notice
	if err := json.Unmarshal([]byte(raw), &ns); err != nil {
		return nil, fmt.Errorf("store: recovery notices: %w", err)
	}
	return ns, nil
}

func writeNotices(ctx context.Context, tx *sql.Tx, now time.Time, ns []notice) error {
	for len(ns) > maxNotices {
		i := 0
		for i < len(ns)-1 && ns[i].AckedAt == nil {
			i++
		}
		ns = append(ns[:i], ns[i+1:]...)
	}
	b, err := json.Marshal(ns)
	if err != nil {
		return fmt.Errorf("store: recovery notices: %w", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO settings(key, value, updated_at) VALUES(?, ?, ?)
		ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		noticeKey, string(b), now.UTC().Format(time.RFC3339Nano))
	if err != nil {
		return fmt.Errorf("store: recovery notices: %w", wrapFull(err))
	}
	return nil
}

func addNotice(ctx context.Context, tx *sql.Tx, now time.Time, rec Recovery) error {
	ns, err := readNotices(ctx, tx)
	if err != nil {
		ns = nil // a damaged list carried over: start again
	}
	return writeNotices(ctx, tx, now, append(ns, notice{Recovery: rec}))
}

// RecoveryNotices returns the recoveries staff have not yet acknowledged,
// oldest first.
func (s *Store) RecoveryNotices(ctx context.Context) ([]Recovery, error) {
	ns, err := readNotices(ctx, s.db)
	if err != nil {
		return nil, err
	}
	var out []Recovery
	for _, n := range ns {
		if n.AckedAt == nil {
			out = append(out, n.Recovery)
		}
	}
	return out, nil
}

// AckRecoveries marks every recovery notice acknowledged by staff. The
// caller audits the staff action.
func (s *Store) AckRecoveries(ctx context.Context) error {
	return s.InTx(ctx, func(tx *sql.Tx) error {
		ns, err := readNotices(ctx, tx)
		if err != nil || len(ns) == 0 {
			return err
		}
		now := s.now().UTC()
		for i := range ns {
			if ns[i].AckedAt == nil {
				ns[i].AckedAt = &now
			}
		}
		return writeNotices(ctx, tx, now, ns)
	})
}
