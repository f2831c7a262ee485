package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/internal/clock/clocktest"
	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/audit"
)

// The template database: 300 delivered, 40 pending, 5 in flight and 3
// parked submissions in shuffled order, 200 audit events (150
// acknowledged), a catalogue and some settings, checkpointed into the main
// file. Built once per test process and copied by each case.

type subTruth struct {
	rowid   int64
	id      string
	localNo string
	state   string
}

type tmplDB struct {
	dir    string
	file   []byte
	schema []byte // the schema map Open keeps beside the file
	key    []byte
	subs   []subTruth
	roots  map[string]int // root page of each table and index
	pageSz int
	at     time.Time
}

var (
	tmplOnce sync.Once
	tmpl     *tmplDB
	tmplErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if tmpl != nil {
		os.RemoveAll(tmpl.dir)
	}
	os.Exit(code)
}

func template(t testing.TB) *tmplDB {
	t.Helper()
	tmplOnce.Do(func() { tmpl, tmplErr = buildTemplate() })
	if tmplErr != nil {
		t.Fatal(tmplErr)
	}
	return tmpl
}

const (
	nDelivered = 300
	nPending   = 40
	nInflight  = 5
	nParked    = 3
	nAudit     = 200
	nAcked     = 150
)

func buildTemplate() (_ *tmplDB, err error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "store-recover-*")
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	clk := clocktest.New(time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC))
	path := filepath.Join(dir, "kiosk.db")
	st, err := Open(ctx, path, Options{Now: clk.Now, Readings: testReadings()})
	if err != nil {
		return nil, err
	}
	defer st.Close()
	key, err := LoadOrCreateKey(filepath.Join(dir, "seal.key"))
	if err != nil {
		return nil, err
	}
	sealer, _ := NewSealer(key)
	ob, err := NewOutbox(st, sealer, OutboxOptions{TerminalID: "PD-DEV-0001", MinFreeBytes: -1})
	if err != nil {
		return nil, err
	}
	kinds := make([]string, 0, nDelivered+nPending+nInflight+nParked)
	for range nDelivered {
		kinds = append(kinds, StateDelivered)
	}
	for range nPending {
		kinds = append(kinds, StatePending)
	}
	for range nInflight {
		kinds = append(kinds, StateInflight)
	}
	for range nParked {
		kinds = append(kinds, StateParked)
	}
	rng := rand.New(rand.NewPCG(8, 4))
	rng.Shuffle(len(kinds), func(i, j int) { kinds[i], kinds[j] = kinds[j], kinds[i] })
	want := map[string]string{}
	var batch []*deliveredReq
	err = st.InTx(ctx, func(tx *sql.Tx) error {
		for i, k := range kinds {
			q, err := ob.EnqueueTx(ctx, tx, submission(i))
			if err != nil {
				return err
			}
			want[q.ID] = k
			if k == StateDelivered {
				batch = append(batch, &deliveredReq{id: q.ID, done: make(chan error, 1),
					acc: kiosk.Accepted{CaseNo: "PD2026" + q.LocalNo[len(q.LocalNo)-4:], AcceptedAt: clk.Now(), DueDate: "2026-12-10"}})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	clk.Add(time.Minute)
	ob.markDelivered(ctx, batch)
	for _, r := range batch {
		if err := <-r.done; err != nil {
			return nil, err
		}
	}
	claims, err := ob.ClaimDue(ctx, 100)
	if err != nil {
		return nil, err
	}
	for _, c := range claims {
		switch want[c.Submission.ID] {
		case StatePending:
			err = ob.MarkRetry(ctx, c, clk.Now().Add(time.Minute), "503 from server")
		case StateParked:
			err = ob.Park(ctx, c, ParkReason{Reason: "item closed", Code: "item_closed"})
		}
		if err != nil {
			return nil, err
		}
	}
	trail, _ := audit.New(st.AuditLog(), clk.Now)
	for i := range nAudit {
		if _, err := trail.Record(ctx, audit.VisitStart, "", "visit "+strings.Repeat("x", i%50)); err != nil {
			return nil, err
		}
	}
	if err := st.AuditLog().MarkAcked(ctx, nAcked); err != nil {
		return nil, err
	}
	cat, err := readTestCatalog()
	if err != nil {
		return nil, err
	}
	if err := st.PutCatalog(ctx, cat, `"etag-1"`); err != nil {
		return nil, err
	}
	for _, k := range []string{"terminal.name", "ui.volume", "maintenance.pin_hash"} {
		if err := st.SetSetting(ctx, k, "value of "+k); err != nil {
			return nil, err
		}
	}
	tm := &tmplDB{dir: dir, key: key, roots: map[string]int{}, at: clk.Now()}
	rows, err := st.DB().QueryContext(ctx, `SELECT s.rowid, s.id, s.local_no, COALESCE(o.state, '')
		FROM submissions s LEFT JOIN outbox o ON o.submission_id = s.id ORDER BY s.rowid`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var s subTruth
		if err := rows.Scan(&s.rowid, &s.id, &s.localNo, &s.state); err != nil {
			return nil, err
		}
		tm.subs = append(tm.subs, s)
	}
	rows.Close()
	rows, err = st.DB().QueryContext(ctx, `SELECT name, rootpage FROM sqlite_master WHERE rootpage > 0`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var name string
		var root int
		if err := rows.Scan(&name, &root); err != nil {
			return nil, err
		}
		tm.roots[name] = root
	}
	rows.Close()
	if err := st.DB().QueryRowContext(ctx, "PRAGMA page_size").Scan(&tm.pageSz); err != nil {
		return nil, err
	}
	if _, err := st.DB().ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return nil, err
	}
	if err := st.Close(); err != nil {
		return nil, err
	}
	if tm.schema, err = os.ReadFile(path + SchemaMapSuffix); err != nil {
		return nil, err
	}
	tm.file, err = os.ReadFile(path)
	return tm, err
}

func readTestCatalog() (kiosk.Catalog, error) {
	b, err := os.ReadFile("testdata/catalog.json")
	if err != nil {
		return kiosk.Catalog{}, err
	}
	var c kiosk.Catalog
	err = json.Unmarshal(b, &c)
	return c, err
}

// B-tree walking over the raw file, to pick pages to damage.

func (tm *tmplDB) page(b []byte, pg int) ([]byte, int) {
	off := (pg - 1) * tm.pageSz
	hdr := 0
	if pg == 1 {
		hdr = 100
	}
	return b[off : off+tm.pageSz], hdr
}

// leaves lists the leaf pages of the b-tree rooted at root, in key order.
func (tm *tmplDB) leaves(b []byte, root int) []int {
	p, h := tm.page(b, root)
	switch p[h] {
	case 0x0D, 0x0A:
		return []int{root}
	case 0x05, 0x02:
		n := int(binary.BigEndian.Uint16(p[h+3:]))
		var out []int
		for i := range n {
			cell := int(binary.BigEndian.Uint16(p[h+12+2*i:]))
			out = append(out, tm.leaves(b, int(binary.BigEndian.Uint32(p[cell:])))...)
		}
		return append(out, tm.leaves(b, int(binary.BigEndian.Uint32(p[h+8:])))...)
	}
	panic("not a b-tree page")
}

func varint(b []byte) (uint64, int) {
	var v uint64
	for i := range 8 {
		v = v<<7 | uint64(b[i]&0x7f)
		if b[i]&0x80 == 0 {
			return v, i + 1
		}
	}
	return v<<8 | uint64(b[8]), 9
}

// rowids lists the rowids of the cells on a table leaf page.
func (tm *tmplDB) rowids(b []byte, pg int) []int64 {
	p, h := tm.page(b, pg)
	n := int(binary.BigEndian.Uint16(p[h+3:]))
	var out []int64
	for i := range n {
		cell := int(binary.BigEndian.Uint16(p[h+8+2*i:]))
		_, k := varint(p[cell:])
		r, _ := varint(p[cell+k:])
		out = append(out, int64(r))
	}
	return out
}

// smash overwrites a page with garbage.
func (tm *tmplDB) smash(b []byte, pg int) {
	p, _ := tm.page(b, pg)
	for i := range p {
		p[i] = byte(0xA5 ^ i)
	}
}

// mid returns the middle leaf of a table or index.
func (tm *tmplDB) mid(b []byte, name string) int {
	ls := tm.leaves(b, tm.roots[name])
	return ls[len(ls)/2]
}

func (tm *tmplDB) unsent() []string {
	var ids []string
	for _, s := range tm.subs {
		if s.state != StateDelivered {
			ids = append(ids, s.id)
		}
	}
	sort.Strings(ids)
	return ids
}

type recovered struct {
	st      *Store
	rec     *Recovery
	ob      *Outbox
	clk     *clocktest.Clock
	path    string
	damaged []byte // the file as damaged, before OpenOrRecover
}

// recoverFrom writes the damaged template and runs OpenOrRecover on it.
func recoverFrom(t *testing.T, tm *tmplDB, damage func(b []byte)) recovered {
	t.Helper()
	return recoverFromMap(t, tm, damage, true)
}

// recoverFromMap is recoverFrom with the schema map beside the damaged
// file, as Open leaves it, or without.
func recoverFromMap(t *testing.T, tm *tmplDB, damage func(b []byte), withMap bool) recovered {
	t.Helper()
	b := bytes.Clone(tm.file)
	damage(b)
	path := filepath.Join(t.TempDir(), "kiosk.db")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if withMap {
		if err := os.WriteFile(path+SchemaMapSuffix, tm.schema, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	clk := clocktest.New(tm.at.Add(time.Hour))
	sealer, err := NewSealer(tm.key)
	if err != nil {
		t.Fatal(err)
	}
	st, rec, err := OpenOrRecover(context.Background(), path, Options{Now: clk.Now, Readings: testReadings()}, sealer)
	if err != nil {
		t.Fatalf("OpenOrRecover: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	ob, err := NewOutbox(st, sealer, OutboxOptions{TerminalID: "PD-DEV-0001", MinFreeBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	return recovered{st: st, rec: rec, ob: ob, clk: clk, path: path, damaged: b}
}

// claimAll claims every due row and returns the sorted ids.
func claimAll(t *testing.T, ob *Outbox) []string {
	t.Helper()
	claims, err := ob.ClaimDue(context.Background(), 10000)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range claims {
		ids = append(ids, c.Submission.ID)
		// What the damaged file said of earlier attempts is not trusted:
		// past the key window the row is parked rather than sent.
		if !c.MayHaveArrived {
			t.Errorf("recovered row %s does not count as possibly arrived", c.LocalNo)
		}
	}
	sort.Strings(ids)
	return ids
}

func TestOpenOrRecover(t *testing.T) {
	t.Parallel()
	tm := template(t)
	type want struct {
		lostRowids  []int64 // submissions rowids destroyed
		catalog     bool
		auditEvents int64 // -1: all
		cut         bool
		unknown     bool
		nothing     bool // nothing at all recovered
	}
	var lost []int64
	tests := []struct {
		name   string
		damage func(b []byte)
		want   func(b []byte) want
		noMap  bool // no schema map beside the file
	}{
		// The header alone: a plausible one is written on the copy, and
		// everything reads again.
		{"header destroyed", func(b []byte) {
			for i := range 100 {
				b[i] = byte(i * 7)
			}
		}, func([]byte) want { return want{auditEvents: -1, catalog: true} }, false},
		// The page size alone, to a size that is wrong but allowed.
		{"header page size", func(b []byte) {
			b[16], b[17] = 0x04, 0x00 // 1024
		}, func([]byte) want { return want{auditEvents: -1, catalog: true} }, false},
		// The header and the schema after it, all of page 1: the schema
		// map beside the file says where everything is.
		{"page 1 destroyed", func(b []byte) {
			for i := range 4096 {
				b[i] = byte(i * 7)
			}
		}, func([]byte) want { return want{auditEvents: -1, catalog: true} }, false},
		{"page 1 zeroed", func(b []byte) {
			clear(b[:4096])
		}, func([]byte) want { return want{auditEvents: -1, catalog: true} }, false},
		// Without the map nothing says where anything is.
		{"page 1 destroyed, no schema map", func(b []byte) {
			for i := range 4096 {
				b[i] = byte(i * 7)
			}
		}, func([]byte) want { return want{nothing: true, unknown: true, cut: true} }, true},
		{"catalogue items page", func(b []byte) {
			tm.smash(b, tm.mid(b, "catalog_items"))
		}, func([]byte) want { return want{auditEvents: -1} }, false},
		{"submission id index page", func(b []byte) {
			tm.smash(b, tm.mid(b, "sqlite_autoindex_submissions_1"))
		}, func([]byte) want { return want{auditEvents: -1, catalog: true} }, false},
		{"outbox page", func(b []byte) {
			tm.smash(b, tm.mid(b, "outbox"))
		}, func([]byte) want { return want{auditEvents: -1, catalog: true} }, false},
		{"submissions page", func(b []byte) {
			pg := tm.mid(b, "submissions")
			lost = tm.rowids(b, pg)
			tm.smash(b, pg)
		}, func(b []byte) want { return want{auditEvents: -1, catalog: true, lostRowids: lost} }, false},
		{"audit page", func(b []byte) {
			tm.smash(b, tm.mid(b, "audit"))
		}, func(b []byte) want { return want{auditEvents: 0, catalog: true, cut: true} }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Not parallel: the damage functions fill lost for want.
			var auditFirstLost int64
			r := recoverFromMap(t, tm, func(b []byte) {
				if tc.name == "audit page" {
					auditFirstLost = tm.rowids(b, tm.mid(b, "audit"))[0]
				}
				tc.damage(b)
			}, !tc.noMap)
			w := tc.want(r.damaged)
			if tc.name == "audit page" {
				w.auditEvents = auditFirstLost - 1
			}
			rec := r.rec
			if rec == nil {
				t.Fatal("no Recovery for a damaged database")
			}
			// (d) The kept file is the damaged file, byte for byte, and
			// its schema map went with it; the fresh file has its own.
			kept, err := os.ReadFile(rec.KeptAs)
			if err != nil || !bytes.Equal(kept, r.damaged) {
				t.Fatalf("kept file %s changed (err %v)", rec.KeptAs, err)
			}
			if m, err := os.ReadFile(rec.KeptAs + SchemaMapSuffix); !tc.noMap && (err != nil || !bytes.Equal(m, tm.schema)) {
				t.Errorf("schema map kept beside %s: %v", rec.KeptAs, err)
			}
			if _, err := loadSchemaMap(r.path); err != nil {
				t.Errorf("the fresh database has no schema map: %v", err)
			}
			if rec.Path != r.path || rec.Detail == "" || rec.At.IsZero() {
				t.Errorf("recovery header = %+v", rec)
			}
			if left, _ := filepath.Glob(filepath.Join(filepath.Dir(r.path), ".salvage-*")); len(left) > 0 {
				t.Errorf("salvage copies left behind: %v", left)
			}
			lostSet := map[int64]bool{}
			for _, id := range w.lostRowids {
				lostSet[id] = true
			}
			var wantIDs, wantLostNos []string
			wantParked, wantUnsentLost, wantRecordsLost := 0, 0, 0
			for _, s := range tm.subs {
				switch {
				case w.nothing:
				case lostSet[s.rowid] && s.state != StateDelivered:
					wantUnsentLost++
					wantLostNos = append(wantLostNos, s.localNo)
				case lostSet[s.rowid]:
					wantRecordsLost++
				case s.state == StateParked:
					wantParked++
				case s.state != StateDelivered:
					wantIDs = append(wantIDs, s.id)
				}
			}
			sort.Strings(wantIDs)
			sort.Strings(wantLostNos)
			if rec.Queued != len(wantIDs) || rec.Parked != wantParked || rec.UnsentLost != wantUnsentLost ||
				rec.RecordsLost != wantRecordsLost || rec.LostUnknown != w.unknown {
				t.Errorf("queued %d parked %d unsent lost %d records lost %d unknown %v; want %d %d %d %d %v",
					rec.Queued, rec.Parked, rec.UnsentLost, rec.RecordsLost, rec.LostUnknown,
					len(wantIDs), wantParked, wantUnsentLost, wantRecordsLost, w.unknown)
			}
			if !w.nothing && rec.Delivered != nDelivered-wantRecordsLost {
				t.Errorf("delivered = %d, want %d", rec.Delivered, nDelivered-wantRecordsLost)
			}
			if !slices.Equal(rec.LostLocalNos, wantLostNos) {
				t.Errorf("lost local numbers = %v, want %v", rec.LostLocalNos, wantLostNos)
			}
			if rec.Catalog != w.catalog {
				t.Errorf("catalogue recovered = %v, want %v", rec.Catalog, w.catalog)
			}
			wantAudit := w.auditEvents
			if wantAudit < 0 {
				wantAudit = nAudit
			}
			if rec.AuditEvents != wantAudit || rec.AuditCut != w.cut {
				t.Errorf("audit events %d cut %v; want %d %v", rec.AuditEvents, rec.AuditCut, wantAudit, w.cut)
			}
			if wantAck := int64(nAcked); wantAudit < nAcked && rec.AuditAcked != 0 || wantAudit >= nAcked && rec.AuditAcked != wantAck {
				t.Errorf("audit acked = %d with %d events recovered", rec.AuditAcked, wantAudit)
			}
			if w.nothing && (rec.Delivered != 0 || len(rec.Unreadable) == 0 || rec.Settings != 0) {
				t.Errorf("nothing should be recovered and the tables named unreadable: %+v", rec)
			}
			if !w.nothing && rec.Settings != 3 {
				t.Errorf("settings recovered = %d, want 3", rec.Settings)
			}
			ctx := context.Background()
			// (b, c) every recovered unsent submission is sendable under
			// its old id: in-flight claims were cleared.
			var claimed int
			if err := r.st.DB().QueryRow(`SELECT COUNT(*) FROM outbox WHERE state = 'inflight' OR claim_token != '' OR claimed_until != 0`).Scan(&claimed); err != nil || claimed != 0 {
				t.Errorf("%d rows still claimed after recovery (%v)", claimed, err)
			}
			r.clk.Add(time.Hour)
			if got := claimAll(t, r.ob); !slices.Equal(got, wantIDs) {
				t.Errorf("claimable after recovery: %d ids, want %d (diff %v)", len(got), len(wantIDs), symDiff(got, wantIDs))
			}
			parked, err := r.ob.Parked(ctx)
			if err != nil || len(parked) != wantParked {
				t.Errorf("parked after recovery = %d (%v), want %d", len(parked), err, wantParked)
			}
			// The catalogue reads back as before, if recovered.
			if _, err := r.st.Catalog(ctx); (err == nil) != w.catalog {
				t.Errorf("catalogue after recovery: %v", err)
			}
			// (f) The audit prefix verifies and the chain continues; or,
			// cut, the prefix is kept as the previous chain and a new
			// chain starts with database_recovered.
			trail, _ := audit.New(r.st.AuditLog(), r.clk.Now)
			inChain := wantAudit
			if w.cut {
				inChain = 1
				checkRestart(t, r.st, rec, wantAudit)
			}
			n, err := trail.Verify(ctx)
			if err != nil || n != inChain {
				t.Errorf("verify after recovery = %d, %v; want %d", n, err, inChain)
			}
			ev, err := trail.Record(ctx, audit.MaintenanceEntry, "", "database_recovered")
			if err != nil || ev.Seq != inChain+1 {
				t.Fatalf("append after recovery: seq %d, %v", ev.Seq, err)
			}
			if n, err := trail.Verify(ctx); err != nil || n != inChain+1 {
				t.Errorf("verify after append = %d, %v", n, err)
			}
			// (e) a new submission never reuses an old local number.
			q, err := r.ob.Enqueue(ctx, submission(9999))
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range tm.subs {
				if s.localNo == q.LocalNo {
					t.Fatalf("local number %s issued again", q.LocalNo)
				}
			}
			// The kept file is still untouched after all that.
			if kept, _ := os.ReadFile(rec.KeptAs); !bytes.Equal(kept, r.damaged) {
				t.Error("kept file changed after use of the fresh database")
			}
		})
	}
}

func symDiff(a, b []string) []string {
	in := map[string]int{}
	for _, s := range a {
		in[s]++
	}
	for _, s := range b {
		in[s]--
	}
	var out []string
	for s, n := range in {
		if n != 0 {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// TestRecoverLocalNumbers destroys the newest submissions and the local
// number counter: the next number must still be past every old one.
func TestRecoverLocalNumbers(t *testing.T) {
	t.Parallel()
	tm := template(t)
	for _, idx := range []bool{true, false} {
		name := "with local number index"
		if !idx {
			name = "local number index damaged too"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := recoverFrom(t, tm, func(b []byte) {
				ls := tm.leaves(b, tm.roots["submissions"])
				tm.smash(b, ls[len(ls)-1])
				tm.smash(b, tm.roots["local_seq"])
				if !idx {
					li := tm.leaves(b, tm.roots["sqlite_autoindex_submissions_2"])
					tm.smash(b, li[len(li)-1])
				}
			})
			var maxSeq int64
			for _, s := range tm.subs {
				_, seq, ok := parseLocalNo(s.localNo)
				if !ok {
					t.Fatalf("cannot parse %s", s.localNo)
				}
				maxSeq = max(maxSeq, seq)
			}
			q, err := r.ob.Enqueue(context.Background(), submission(12345))
			if err != nil {
				t.Fatal(err)
			}
			_, seq, _ := parseLocalNo(q.LocalNo)
			if seq <= maxSeq {
				t.Errorf("new local number %s (seq %d) not past the old ones (max %d)", q.LocalNo, seq, maxSeq)
			}
			if !r.rec.LocalSeqGuessed && !idx {
				t.Error("local numbers not known whole but not flagged as guessed")
			}
			if idx && r.rec.LocalSeqGuessed {
				t.Error("local numbers all known from the index, yet guessed")
			}
			if !idx && !r.rec.LostUnknown {
				// The id index still names them; the local number
				// index is only a second source.
				t.Logf("recovery: %s", r.rec.Summary())
			}
		})
	}
}

func TestRecoveryNoticesPersist(t *testing.T) {
	t.Parallel()
	tm := template(t)
	r := recoverFrom(t, tm, func(b []byte) { tm.smash(b, tm.mid(b, "submissions")) })
	ctx := context.Background()
	ns, err := r.st.RecoveryNotices(ctx)
	if err != nil || len(ns) != 1 || ns[0].KeptAs != r.rec.KeptAs || ns[0].UnsentLost != r.rec.UnsentLost {
		t.Fatalf("notices = %+v, %v", ns, err)
	}
	r.st.Close()
	sealer, _ := NewSealer(tm.key)
	st, rec, err := OpenOrRecover(ctx, r.path, Options{Now: r.clk.Now, Readings: testReadings()}, sealer)
	if err != nil || rec != nil {
		t.Fatalf("reopen: rec %v err %v", rec, err)
	}
	defer st.Close()
	ns, err = st.RecoveryNotices(ctx)
	if err != nil || len(ns) != 1 || ns[0].KeptAs != r.rec.KeptAs {
		t.Fatalf("after reopen notices = %+v, %v", ns, err)
	}
	if err := st.AckRecoveries(ctx); err != nil {
		t.Fatal(err)
	}
	ns, err = st.RecoveryNotices(ctx)
	if err != nil || len(ns) != 0 {
		t.Fatalf("after ack notices = %+v, %v", ns, err)
	}
	st.Close()
	st, err = Open(ctx, r.path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if ns, err := st.RecoveryNotices(ctx); err != nil || len(ns) != 0 {
		t.Fatalf("after ack and reopen notices = %+v, %v", ns, err)
	}
}

func TestOpenOrRecoverPassesOtherErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sealer, _ := NewSealer(make([]byte, KeySize))
	t.Run("healthy", func(t *testing.T) {
		t.Parallel()
		st, rec, err := OpenOrRecover(ctx, filepath.Join(t.TempDir(), "kiosk.db"), Options{}, sealer)
		if err != nil || rec != nil {
			t.Fatalf("rec %v err %v", rec, err)
		}
		st.Close()
	})
	t.Run("newer schema", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "kiosk.db")
		st, err := Open(ctx, path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		// A newer terminal's migrations added something unknown here.
		st.DB().Exec("CREATE TABLE later_feature (id INTEGER PRIMARY KEY) STRICT")
		st.DB().Exec("PRAGMA user_version = 9999")
		st.DB().Exec("PRAGMA wal_checkpoint(TRUNCATE)")
		st.Close()
		before, _ := os.ReadFile(path)
		_, rec, err := OpenOrRecover(ctx, path, Options{}, sealer)
		if !errors.Is(err, ErrNewerSchema) || rec != nil {
			t.Fatalf("rec %v err %v", rec, err)
		}
		if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
			t.Error("newer database changed")
		}
	})
	t.Run("no sealer", func(t *testing.T) {
		t.Parallel()
		_, _, err := OpenOrRecover(ctx, filepath.Join(t.TempDir(), "kiosk.db"), Options{}, nil)
		if err == nil || !strings.HasPrefix(err.Error(), "store: ") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestParseLocalNo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		day  string
		seq  int64
		okay bool
	}{
		{"T0001-261127-0042", "261127", 42, true},
		{"TAB12-261127-12345", "261127", 12345, true},
		{"T0-010101-1", "010101", 1, true},
		{"0001-261127-0042", "", 0, false},
		{"T0001-2611-0042", "", 0, false},
		{"T0001-261127-", "", 0, false},
		{"T0001-261127-x", "", 0, false},
		{"T0001-26112x-1", "", 0, false},
		{"", "", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			day, seq, ok := parseLocalNo(tc.in)
			if day != tc.day || seq != tc.seq || ok != tc.okay {
				t.Errorf("parseLocalNo(%q) = %q %d %v", tc.in, day, seq, ok)
			}
		})
	}
}

// FuzzSalvage damages the template at random: OpenOrRecover must never
// panic or hang, must leave the kept file as it was, and must give a
// working store.
func FuzzSalvage(f *testing.F) {
	f.Add(uint32(0), []byte("garbage"))
	f.Add(uint32(4096*3), bytes.Repeat([]byte{0xff}, 300))
	f.Add(uint32(100), []byte{0x0d, 0, 0, 0xff, 0xff})
	f.Add(uint32(4096*10+8), []byte{0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, off uint32, junk []byte) {
		tm := template(t)
		if len(junk) > 8192 {
			junk = junk[:8192]
		}
		b := bytes.Clone(tm.file)
		copy(b[int(off)%len(b):], junk)
		path := filepath.Join(t.TempDir(), "kiosk.db")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		sealer, _ := NewSealer(tm.key)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		st, rec, err := OpenOrRecover(ctx, path, Options{}, sealer)
		if err != nil {
			t.Fatalf("OpenOrRecover: %v", err)
		}
		defer st.Close()
		if rec != nil {
			if kept, _ := os.ReadFile(rec.KeptAs); !bytes.Equal(kept, b) {
				t.Fatal("kept file changed")
			}
		}
		ob, _ := NewOutbox(st, sealer, OutboxOptions{TerminalID: "PD-DEV-0001", MinFreeBytes: -1})
		if _, err := ob.Enqueue(ctx, submission(1)); err != nil {
			t.Fatalf("enqueue on the recovered store: %v", err)
		}
	})
}

// A recovery in a directory whose name SQLite's URI filenames read
// otherwise ('#', '?', '%') salvages the kept file itself, beside which a
// stray database where the unescaped path pointed is left alone (see
// TestOpenPathWithURICharacters).
func TestRecoverPathWithURICharacters(t *testing.T) {
	t.Parallel()
	tm := template(t)
	ctx := context.Background()
	top := t.TempDir()
	stray := filepath.Join(top, "seed")
	before := newerDatabase(t, stray)
	path := filepath.Join(top, "seed#1?x%41", "kiosk.db")
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		t.Fatal(err)
	}
	b := bytes.Clone(tm.file)
	copy(b, "garbage")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	sealer, _ := NewSealer(tm.key)
	st, rec, err := OpenOrRecover(ctx, path, Options{Now: clocktest.New(tm.at.Add(time.Minute)).Now}, sealer)
	if err != nil || rec == nil {
		t.Fatalf("rec %v err %v", rec, err)
	}
	defer st.Close()
	if want := nPending + nInflight; rec.Queued != want || rec.UnsentLost != 0 || rec.Delivered != nDelivered || !rec.Catalog {
		t.Errorf("recovered %+v; want %d queued, %d delivered, the catalogue, nothing lost", rec, want, nDelivered)
	}
	if kept, _ := os.ReadFile(rec.KeptAs); !bytes.Equal(kept, b) {
		t.Error("kept file changed")
	}
	if after, _ := os.ReadFile(stray); !bytes.Equal(before, after) {
		t.Error("the stray database changed")
	}
}

// TestRecoverReadsTheWAL: submissions that were only in the WAL when the
// terminal stopped are recovered from the copy of the kept WAL, and both
// kept files stay as they were.
func TestRecoverReadsTheWAL(t *testing.T) {
	t.Parallel()
	tm := template(t)
	ctx := context.Background()
	live := filepath.Join(t.TempDir(), "kiosk.db")
	if err := os.WriteFile(live, tm.file, 0o600); err != nil {
		t.Fatal(err)
	}
	clk := clocktest.New(tm.at.Add(time.Minute))
	st, err := Open(ctx, live, Options{Now: clk.Now, Readings: testReadings()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	conn, err := st.DB().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA wal_autocheckpoint = 0"); err != nil {
		t.Fatal(err)
	}
	sealer, _ := NewSealer(tm.key)
	ob, _ := NewOutbox(st, sealer, OutboxOptions{TerminalID: "PD-DEV-0001", MinFreeBytes: -1})
	var walIDs []string
	for i := range 5 {
		q, err := ob.Enqueue(ctx, submission(5000+i))
		if err != nil {
			t.Fatal(err)
		}
		walIDs = append(walIDs, q.ID)
	}
	wal, err := os.ReadFile(live + "-wal")
	if err != nil || len(wal) == 0 {
		t.Fatalf("no WAL to copy: %v", err)
	}
	schema, err := os.ReadFile(live + SchemaMapSuffix)
	if err != nil {
		t.Fatal(err)
	}
	// The files as a power cut would leave them, the main file damaged
	// where the WAL does not cover it, or on its first page, which the
	// WAL holds a newer copy of (the writes grew the file, and page 1
	// counts its pages): that file opens as it is.
	for _, damage := range []struct {
		name  string
		smash func(b []byte)
		fine  bool
	}{
		{"catalogue page", func(b []byte) { tm.smash(b, tm.mid(b, "catalog_items")) }, false},
		{"page 1", func(b []byte) { clear(b[:tm.pageSz]) }, true},
	} {
		t.Run(damage.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "kiosk.db")
			main := bytes.Clone(tm.file)
			damage.smash(main)
			os.WriteFile(path, main, 0o600)
			os.WriteFile(path+"-wal", wal, 0o600)
			os.WriteFile(path+SchemaMapSuffix, schema, 0o600)
			got, rec, err := OpenOrRecover(ctx, path, Options{Now: clk.Now, Readings: testReadings()}, sealer)
			if err != nil || (rec == nil) != damage.fine {
				t.Fatalf("rec %v err %v", rec, err)
			}
			defer got.Close()
			if damage.fine {
				gob, _ := NewOutbox(got, sealer, OutboxOptions{TerminalID: "PD-DEV-0001", MinFreeBytes: -1})
				for _, id := range walIDs {
					if _, err := gob.Submission(ctx, id); err != nil {
						t.Errorf("submission %s from the WAL: %v", id, err)
					}
				}
				return
			}
			if k, _ := os.ReadFile(rec.KeptAs); !bytes.Equal(k, main) {
				t.Error("kept database changed")
			}
			if k, _ := os.ReadFile(rec.KeptAs + "-wal"); !bytes.Equal(k, wal) {
				t.Error("kept WAL changed")
			}
			if want := nPending + nInflight + len(walIDs); rec.Queued != want || rec.UnsentLost != 0 {
				t.Errorf("queued %d lost %d, want %d 0", rec.Queued, rec.UnsentLost, want)
			}
			gob, _ := NewOutbox(got, sealer, OutboxOptions{TerminalID: "PD-DEV-0001", MinFreeBytes: -1})
			for _, id := range walIDs {
				if _, err := gob.Submission(ctx, id); err != nil {
					t.Errorf("submission %s from the WAL: %v", id, err)
				}
			}
		})
	}
}

// A destroyed header is rebuilt for whatever page size the file was
// written with: the one that lets the most tables read.
func TestRecoverRebuildsTheHeaderForItsPageSize(t *testing.T) {
	t.Parallel()
	tm := template(t)
	for _, ps := range []int{1024, 8192, 65536} {
		t.Run(strconv.Itoa(ps), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "kiosk.db")
			if err := os.WriteFile(path, tm.file, 0o600); err != nil {
				t.Fatal(err)
			}
			db, err := sql.Open("sqlite3", fileDSN(path, ""))
			if err != nil {
				t.Fatal(err)
			}
			db.SetMaxOpenConns(1)
			for _, q := range []string{"PRAGMA journal_mode = DELETE", fmt.Sprintf("PRAGMA page_size = %d", ps), "VACUUM"} {
				if _, err := db.ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			var got int
			if err := db.QueryRowContext(ctx, "PRAGMA page_size").Scan(&got); err != nil || got != ps {
				t.Fatalf("page size %d, %v; want %d", got, err, ps)
			}
			db.Close()
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 100 {
				b[i] = 0xa5
			}
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
			sealer, _ := NewSealer(tm.key)
			st, rec, err := OpenOrRecover(ctx, path, Options{Now: (clocktest.New(tm.at.Add(time.Minute))).Now}, sealer)
			if err != nil || rec == nil {
				t.Fatalf("rec %v err %v", rec, err)
			}
			defer st.Close()
			if want := nPending + nInflight; rec.Queued != want || rec.UnsentLost != 0 || rec.LostUnknown || rec.Delivered != nDelivered || !rec.Catalog {
				t.Errorf("recovered %+v; want %d queued, %d delivered, the catalogue, nothing lost", rec, want, nDelivered)
			}
		})
	}
}

// Under a wrong page size some pages still read (another table's rows where
// a table's root should be), so the repair cannot go by which tables read:
// more tables check out (read to the end, indexes agreeing) under the
// file's own size than under any other, also when the file is damaged
// besides its header: here every table but the queued submissions' two.
func TestRepairHeaderPrefersTheFilesPageSize(t *testing.T) {
	t.Parallel()
	tm := template(t)
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "kiosk.db")
	if err := os.WriteFile(path, tm.file, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", fileDSN(path, ""))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	for _, q := range []string{"PRAGMA journal_mode = DELETE", "PRAGMA page_size = 8192", "VACUUM"} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	// Every table but the queued submissions' two is damaged below: the
	// file's own size must win on those two alone.
	rows, err := db.QueryContext(ctx, "SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name NOT IN ('submissions', 'outbox') AND name NOT LIKE 'sqlite_%' AND rootpage > 1")
	if err != nil {
		t.Fatal(err)
	}
	var roots []int
	for rows.Next() {
		var r int
		if err := rows.Scan(&r); err != nil {
			t.Fatal(err)
		}
		roots = append(roots, r)
	}
	rows.Close()
	if len(roots) < 4 {
		t.Fatalf("only %d other tables", len(roots))
	}
	db.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const ps = 8192
	if len(b)/ps%2 == 1 { // so that 16384 divides the file and is tried too
		b = append(b, make([]byte, ps)...)
	}
	for i := range 100 {
		b[i] = 0xa5
	}
	for _, root := range roots {
		for i := range ps {
			b[(root-1)*ps+i] = byte(0x5a ^ i)
		}
	}
	kept := filepath.Join(dir, "kept.db")
	if err := os.WriteFile(kept, b, 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := openCopy(ctx, kept)
	if err != nil {
		t.Fatal(err)
	}
	defer r.close()
	var got int
	if err := r.db.QueryRowContext(ctx, "PRAGMA page_size").Scan(&got); err != nil || got != ps {
		t.Fatalf("repaired page size %d, %v; want %d", got, err, ps)
	}
	copyPath := filepath.Join(r.dir, "copy.db")
	own, err := r.tryHeader(ctx, kept, copyPath, ps, int64(len(b)), false)
	if err != nil || own < 3 {
		t.Fatalf("own size: score %d, %v", own, err)
	}
	for _, wrong := range []int{1024, 2048, 4096, 16384} {
		n, err := r.tryHeader(ctx, kept, copyPath, wrong, int64(len(b)), false)
		if err != nil {
			t.Fatal(err)
		}
		// At most the schema reads: no table checks out under a wrong size.
		if n > 1 || n >= own {
			t.Errorf("page size %d scores %d (the file's own size %d): a table checked out under a wrong size", wrong, n, own)
		}
	}
}

// A start that kept the failing file aside and stopped (power cut, kill)
// before its salvage committed leaves a fresh, empty database and a kept
// file no notice names. The next start finishes the recovery: the queued
// submissions are not left unseen in the kept file. It happens once, and
// never into a database that has been used.
func TestOpenOrRecoverResumesAnInterruptedRecovery(t *testing.T) {
	t.Parallel()
	tm := template(t)
	ctx := context.Background()
	b := bytes.Clone(tm.file)
	tm.smash(b, tm.mid(b, "catalog_items"))
	dir := t.TempDir()
	path := filepath.Join(dir, "kiosk.db")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	sealer, err := NewSealer(tm.key)
	if err != nil {
		t.Fatal(err)
	}
	// The interrupted start: kept aside, then a fresh database made, and
	// nothing more.
	if _, err := Open(ctx, path, Options{}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Open = %v, want ErrCorrupt", err)
	}
	fresh, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	fresh.Close()

	st, rec, err := OpenOrRecover(ctx, path, Options{}, sealer)
	if err != nil {
		t.Fatal(err)
	}
	if rec == nil || rec.Queued != nPending+nInflight || rec.Delivered != nDelivered || !strings.HasPrefix(rec.KeptAs, path+".corrupt-") {
		t.Fatalf("recovery = %+v, want the kept file's submissions carried over", rec)
	}
	ob, _ := NewOutbox(st, sealer, OutboxOptions{TerminalID: "PD-DEV-0001", MinFreeBytes: -1})
	if ids := claimAll(t, ob); len(ids) != nPending+nInflight {
		t.Errorf("%d due after the resumed recovery, want %d", len(ids), nPending+nInflight)
	}
	st.Close()

	// Once: the next start finds the notice and does nothing.
	st, rec, err = OpenOrRecover(ctx, path, Options{}, sealer)
	if err != nil || rec != nil {
		t.Fatalf("second start: recovery %+v, %v; want none", rec, err)
	}
	if ns, _ := st.RecoveryNotices(ctx); len(ns) != 1 {
		t.Errorf("notices = %d, want 1", len(ns))
	}
	st.Close()

	// A database in use is never merged into, even with an unnamed kept
	// file beside it.
	dir2 := t.TempDir()
	path2 := filepath.Join(dir2, "kiosk.db")
	if err := os.WriteFile(path2+".corrupt-20260101T000000", b, 0o600); err != nil {
		t.Fatal(err)
	}
	used, err := Open(ctx, path2, Options{})
	if err != nil {
		t.Fatal(err)
	}
	uob, _ := NewOutbox(used, sealer, OutboxOptions{TerminalID: "PD-DEV-0001", MinFreeBytes: -1})
	if _, err := uob.Enqueue(ctx, submission(1)); err != nil {
		t.Fatal(err)
	}
	used.Close()
	st, rec, err = OpenOrRecover(ctx, path2, Options{}, sealer)
	if err != nil || rec != nil {
		t.Fatalf("used database: recovery %+v, %v; want none", rec, err)
	}
	sob, _ := NewOutbox(st, sealer, OutboxOptions{TerminalID: "PD-DEV-0001", MinFreeBytes: -1})
	if c, err := sob.Counts(ctx); err != nil || c.Pending != 1 || c.Delivered != 0 {
		t.Errorf("used database changed: %+v, %v", c, err)
	}
	st.Close()
}

// A damaged header can say the schema is older than its tables (or give a
// negative version) while every page checks out. Re-running migrations then
// failed at every start; the file is treated as corrupt instead: kept
// aside, and its queued submissions carried over.
func TestSchemaVersionThatLiesIsCorrupt(t *testing.T) {
	t.Parallel()
	for _, v := range []int{2, -65531} {
		t.Run(fmt.Sprint(v), func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, OutboxOptions{MinFreeBytes: -1})
			ctx := context.Background()
			q, err := f.ob.Enqueue(ctx, submission(7))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.st.DB().ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v)); err != nil {
				t.Fatal(err)
			}
			f.st.Close()
			path := filepath.Join(f.dir, "kiosk.db")
			st, rec, err := OpenOrRecover(ctx, path, Options{}, f.seal)
			if err != nil {
				t.Fatalf("OpenOrRecover: %v", err)
			}
			defer st.Close()
			if rec == nil || rec.Queued != 1 || !strings.Contains(rec.Detail, "schema version") {
				t.Fatalf("recovery = %+v, want the one queued submission carried over", rec)
			}
			ob, _ := NewOutbox(st, f.seal, OutboxOptions{TerminalID: "PD-DEV-0001", MinFreeBytes: -1})
			if ids := claimAll(t, ob); len(ids) != 1 || ids[0] != q.ID {
				t.Errorf("due = %v, want %s", ids, q.ID)
			}
		})
	}
}

// checkRestart checks the chains after a recovery that cut the trail: a
// new current chain whose first event is database_recovered and whose
// restart block names the previous chain and the last event held of it;
// the previous chain's verified prefix (held events) kept for upload.
func checkRestart(t *testing.T, st *Store, rec *Recovery, held int64) {
	t.Helper()
	ctx := context.Background()
	log := st.AuditLog()
	chains, err := log.Chains(ctx)
	if err != nil || len(chains) == 0 {
		t.Fatalf("chains after a cut: %+v, %v", chains, err)
	}
	cur := chains[len(chains)-1]
	if cur.Restart != nil && cur.Restart.PreviousChainID == "" {
		// Which chain the kept file held could not be read: the new
		// chain is the only one.
		if len(chains) != 1 {
			t.Fatalf("chains %+v: an unknown previous chain kept", chains)
		}
		chains = append([]kiosk.AuditChain{{}}, chains...)
	}
	if len(chains) != 2 {
		t.Fatalf("chains after a cut: %+v; want the old and a new one", chains)
	}
	old := chains[0]
	if !cur.Current || cur.ID != rec.AuditChain || cur.Restart == nil || cur.Restart.Reason != kiosk.RestartDatabaseRecovered ||
		cur.Restart.PreviousLastSeq != held {
		t.Fatalf("new chain %+v (restart %+v), recovery names %q; want restart from seq %d", cur, cur.Restart, rec.AuditChain, held)
	}
	if cur.Restart.PreviousChainID != "" && cur.Restart.PreviousChainID != old.ID {
		t.Errorf("restart names chain %s, the previous is %s", cur.Restart.PreviousChainID, old.ID)
	}
	first, err := log.Range(ctx, 1, 1)
	if err != nil || len(first) != 1 || first[0].Kind != string(audit.DatabaseRecovered) || first[0].PrevHash != "" {
		t.Fatalf("first event of the new chain: %+v, %v", first, err)
	}
	if cur.Restart.PreviousChainID == "" {
		return // which chain it was is not known: nothing held
	}
	evs, err := log.ChainSince(ctx, old.ID, 0, int(held)+10)
	if err != nil || int64(len(evs)) != held {
		t.Fatalf("held events of the old chain: %d, %v; want %d", len(evs), err, held)
	}
	if err := audit.Check(kiosk.AuditEvent{}, evs); err != nil {
		t.Errorf("held events do not verify: %v", err)
	}
	if held > 0 && evs[held-1].Hash != cur.Restart.PreviousLastHash {
		t.Error("restart's previous_last_hash is not the last held event's")
	}
}
