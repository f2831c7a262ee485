package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/internal/clock/clocktest"
	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/audit"
)

// smashPageOf overwrites the page of the database file that holds marker.
func smashPageOf(t *testing.T, path, marker string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	at := bytes.Index(b, []byte(marker))
	ps := int(binary.BigEndian.Uint16(b[16:18]))
	if at < 0 || ps < 512 {
		t.Fatalf("%q at %d, page size %d", marker, at, ps)
	}
	for i := at / ps * ps; i < at/ps*ps+ps; i++ {
		b[i] = byte(0xA5 ^ i)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// A recovery that keeps the whole trail keeps its chain; one that cuts it
// starts a new chain; a second cut before anything was uploaded starts a
// third, and every earlier chain's verified prefix is kept, in order, each
// new chain's restart naming the one before.
func TestAuditChainsAcrossTwoRecoveries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "kiosk.db")
	clk := clocktest.New(time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC))
	opts := Options{Now: clk.Now, Readings: testReadings()}
	key, _ := LoadOrCreateKey(filepath.Join(dir, "seal.key"))
	sealer, _ := NewSealer(key)
	record := func(st *Store, from, n int, tag string) {
		trail, _ := audit.New(st.AuditLog(), clk.Now)
		for i := from; i < from+n; i++ {
			if _, err := trail.Record(ctx, audit.VisitStart, "", fmt.Sprintf("%s-%04d %s", tag, i, bytes.Repeat([]byte("y"), 80))); err != nil {
				t.Fatal(err)
			}
		}
	}
	recoverNow := func() (*Store, *Recovery) {
		t.Helper()
		st, rec, err := OpenOrRecover(ctx, path, opts, sealer)
		if err != nil || rec == nil {
			t.Fatalf("recovery: %+v, %v", rec, err)
		}
		return st, rec
	}

	st, err := Open(ctx, path, opts)
	if err != nil {
		t.Fatal(err)
	}
	first, _ := st.AuditLog().Chain(ctx)
	record(st, 1, 200, "a")
	st.Close()

	// Damage outside the audit table: the chain goes on under its id.
	b, _ := os.ReadFile(path)
	copy(b[16:18], []byte{0, 0}) // a page size SQLite refuses
	os.WriteFile(path, b, 0o600)
	st, rec := recoverNow()
	if rec.AuditCut || rec.AuditChain != "" {
		t.Fatalf("a whole trail was cut: %+v", rec)
	}
	if c, _ := st.AuditLog().Chain(ctx); c.ID != first.ID || c.Restart != nil {
		t.Fatalf("the chain after a recovery that kept it whole: %+v, want %s", c, first.ID)
	}
	st.Close()

	// First cut.
	smashPageOf(t, path, "a-0100 ")
	st, rec1 := recoverNow()
	if !rec1.AuditCut || rec1.AuditChain == "" {
		t.Fatalf("first cut: %+v", rec1)
	}
	record(st, 1, 200, "b")
	st.Close()

	// Second cut, within the new chain, before anything was uploaded.
	smashPageOf(t, path, "b-0120 ")
	st, rec2 := recoverNow()
	defer st.Close()
	if !rec2.AuditCut || rec2.AuditChain == "" || rec2.AuditChain == rec1.AuditChain {
		t.Fatalf("second cut: %+v", rec2)
	}
	// Two failures within a second: the first kept file is not replaced.
	if rec1.KeptAs == rec2.KeptAs || !fileExists(rec1.KeptAs) || !fileExists(rec2.KeptAs) {
		t.Errorf("kept files %s and %s: both must stay", rec1.KeptAs, rec2.KeptAs)
	}
	log := st.AuditLog()
	chains, err := log.Chains(ctx)
	if err != nil || len(chains) != 3 {
		t.Fatalf("chains %+v, %v; want three", chains, err)
	}
	a, b1, c := chains[0], chains[1], chains[2]
	if a.ID != first.ID || a.Restart != nil || b1.ID != rec1.AuditChain || c.ID != rec2.AuditChain || !c.Current {
		t.Fatalf("chains %+v; want %s, %s, %s", chains, first.ID, rec1.AuditChain, rec2.AuditChain)
	}
	if b1.Restart == nil || b1.Restart.PreviousChainID != a.ID || b1.Restart.PreviousLastSeq != rec1.AuditEvents ||
		c.Restart == nil || c.Restart.PreviousChainID != b1.ID || c.Restart.PreviousLastSeq != rec2.AuditEvents {
		t.Fatalf("restarts %+v, %+v; want each naming the chain before", b1.Restart, c.Restart)
	}
	// The chain b held its database_recovered event first, then b-0001...
	for _, h := range []struct {
		chain kiosk.AuditChain
		n     int64
	}{{a, rec1.AuditEvents}, {b1, rec2.AuditEvents}} {
		evs, err := log.ChainSince(ctx, h.chain.ID, 0, 1000)
		if err != nil || int64(len(evs)) != h.n || audit.Check(kiosk.AuditEvent{}, evs) != nil {
			t.Errorf("held events of %s: %d, %v; want %d that verify", h.chain.ID, len(evs), err, h.n)
		}
	}
	if evs, _ := log.ChainSince(ctx, b1.ID, 0, 1); len(evs) != 1 || evs[0].Kind != string(audit.DatabaseRecovered) {
		t.Errorf("the second chain's first event: %+v", evs)
	}
	trail, _ := audit.New(log, clk.Now)
	if n, err := trail.Verify(ctx); err != nil || n != 1 {
		t.Errorf("the current chain verifies %d, %v; want its database_recovered event", n, err)
	}
	// Done marks an earlier chain only.
	if err := log.ChainDone(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := log.ChainDone(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if cs, _ := log.Chains(ctx); !cs[0].Done || cs[1].Done || cs[2].Done {
		t.Errorf("done marks %+v", cs)
	}
}
