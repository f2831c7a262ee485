package e2e

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/pudong-community/kiosk/assets"
	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/audit"
	"github.com/pudong-community/kiosk/kiosk/kiosktest"
	"github.com/pudong-community/kiosk/kiosk/outbox"
	"github.com/pudong-community/kiosk/kiosk/store"
)

// TestAuditChainSurvivesRecovery: a trail the server holds (300 events) and
// a tail it does not yet (20 more); then a damaged page of the audit table,
// so the recovery at the next start cuts the chain. The terminal starts a
// new chain, and the relay uploads it with its restart block while the
// server still holds the old chain whole: first what the terminal kept of
// the old chain and the server lacks, then the new chain, which closes the
// old one. Each chain verifies on its own at the server, which shows the
// restart and its gap.
func TestAuditChainSurvivesRecovery(t *testing.T) {
	for _, tc := range []struct {
		name  string
		smash int // the event whose page is damaged
	}{
		{"cut within what the server holds", 150},
		{"cut within the tail not yet uploaded", 312},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tg := newTarget(t, nil)
			tg.needSim(t)
			ctx := context.Background()
			rd := newRecoveryDB(t, tg)
			path, sealer, opts, open := rd.path, rd.sealer, rd.opts, rd.terminal

			// Before: 300 events uploaded, 20 more recorded.
			st, err := store.Open(ctx, path, opts)
			if err != nil {
				t.Fatal(err)
			}
			log := st.AuditLog()
			trail, _ := audit.New(log, nil)
			for i := 1; i <= 320; i++ {
				if _, err := trail.Record(ctx, audit.VisitStart, "", fmt.Sprintf("marker-%04d %s", i, bytes.Repeat([]byte("x"), 60))); err != nil {
					t.Fatal(err)
				}
				if i == 300 {
					relay := newRelay(t, tg, open(st), 0, func(c *outbox.Config) { c.Audit = log })
					if err := relay.UploadAudit(ctx); err != nil {
						t.Fatal(err)
					}
				}
			}
			old, err := log.Chain(ctx)
			if err != nil {
				t.Fatal(err)
			}
			st.Close()

			// The damage: the page that holds one event, overwritten.
			if err := SmashPageOf(path, fmt.Sprintf("marker-%04d ", tc.smash)); err != nil {
				t.Fatal(err)
			}

			// The restart: the recovery cannot continue the chain.
			st, rec, err := store.OpenOrRecover(ctx, path, opts, sealer)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			if rec == nil || !rec.AuditCut || rec.AuditChain == "" || rec.AuditEvents >= int64(tc.smash) || rec.AuditEvents < int64(tc.smash)-60 {
				t.Fatalf("recovery %+v; want the chain cut a little before event %d and a new chain", rec, tc.smash)
			}
			log = st.AuditLog()
			trail, _ = audit.New(log, nil)
			if _, err := trail.Record(ctx, audit.MaintenanceEntry, "", "pin"); err != nil {
				t.Fatal(err)
			}
			relay := newRelay(t, tg, open(st), 0, func(c *outbox.Config) { c.Audit = log })
			if err := relay.UploadAudit(ctx); err != nil {
				t.Fatal(err)
			}

			chains, err := tg.sim.AuditChains(ctx, tg.terminal)
			if err != nil || len(chains) != 2 {
				t.Fatalf("server chains %+v, %v; want the old and the new", chains, err)
			}
			held := max(int64(300), rec.AuditEvents) // the old chain whole, and what the terminal kept of its tail
			o, n := chains[0], chains[1]
			if o.ChainID != old.ID || o.Events != held || o.LastSeq != held || !o.Verified || o.Closed == "" {
				t.Errorf("old chain at the server %+v; want %s whole (%d events), verified, closed", o, old.ID, held)
			}
			if n.ChainID != rec.AuditChain || n.Events != 2 || !n.Verified || n.Closed != "" || n.Restart == nil ||
				n.Restart.Reason != kiosk.RestartDatabaseRecovered || n.Restart.PreviousChainID != old.ID ||
				n.Restart.PreviousLastSeq != rec.AuditEvents || n.Gap != rec.AuditEvents-held {
				t.Errorf("new chain at the server %+v (restart %+v); want %s from seq %d of %s", n, n.Restart, rec.AuditChain, rec.AuditEvents, old.ID)
			}
			first, err := log.Range(ctx, 1, 1)
			if err != nil || first[0].Kind != string(audit.DatabaseRecovered) {
				t.Errorf("the new chain's first event: %+v, %v", first, err)
			}
			cs, err := log.Chains(ctx)
			if err != nil || len(cs) != 2 || !cs[0].Done || !cs[1].Current {
				t.Errorf("terminal's chains after upload: %+v, %v", cs, err)
			}
		})
	}
}

// TestAuditChainsAfterTwoRecoveriesInARow: the chain is cut, the new chain
// records events, and it is cut too before anything reached the server. The
// relay uploads in order: what it kept of the first chain (nothing the
// server lacks), the second chain with its restart (which closes the
// first), then the third (which closes the second).
func TestAuditChainsAfterTwoRecoveriesInARow(t *testing.T) {
	tg := newTarget(t, nil)
	tg.needSim(t)
	ctx := context.Background()
	rd := newRecoveryDB(t, tg)
	path, sealer, opts, term := rd.path, rd.sealer, rd.opts, rd.terminal
	record := func(st *store.Store, tag string, n int) {
		trail, _ := audit.New(st.AuditLog(), nil)
		for i := 1; i <= n; i++ {
			if _, err := trail.Record(ctx, audit.VisitStart, "", fmt.Sprintf("%s-%04d %s", tag, i, bytes.Repeat([]byte("z"), 60))); err != nil {
				t.Fatal(err)
			}
		}
	}
	smash := func(marker string) {
		if err := SmashPageOf(path, marker); err != nil {
			t.Fatal(err)
		}
	}
	recoverNow := func() (*store.Store, *store.Recovery) {
		st, rec, err := store.OpenOrRecover(ctx, path, opts, sealer)
		if err != nil || rec == nil || rec.AuditChain == "" {
			t.Fatalf("recovery %+v, %v; want a new chain", rec, err)
		}
		return st, rec
	}

	st, err := store.Open(ctx, path, opts)
	if err != nil {
		t.Fatal(err)
	}
	first, _ := st.AuditLog().Chain(ctx)
	record(st, "a", 300)
	if err := newRelay(t, tg, term(st), 0, func(c *outbox.Config) { c.Audit = st.AuditLog() }).UploadAudit(ctx); err != nil {
		t.Fatal(err)
	}
	st.Close()
	smash("a-0150 ")
	st, rec1 := recoverNow()
	record(st, "b", 200)
	st.Close()
	smash("b-0120 ")
	st, rec2 := recoverNow()
	t.Cleanup(func() { st.Close() })
	if err := newRelay(t, tg, term(st), 0, func(c *outbox.Config) { c.Audit = st.AuditLog() }).UploadAudit(ctx); err != nil {
		t.Fatal(err)
	}
	chains, err := tg.sim.AuditChains(ctx, tg.terminal)
	if err != nil || len(chains) != 3 {
		t.Fatalf("server chains %+v, %v; want three", chains, err)
	}
	for i, want := range []struct {
		id     string
		events int64
		closed bool
		prev   string
	}{{first.ID, 300, true, ""}, {rec1.AuditChain, rec2.AuditEvents, true, first.ID}, {rec2.AuditChain, 1, false, rec1.AuditChain}} {
		c := chains[i]
		if c.ChainID != want.id || c.Events != want.events || !c.Verified || (c.Closed != "") != want.closed ||
			(want.prev != "") != (c.Restart != nil) || c.Restart != nil && c.Restart.PreviousChainID != want.prev {
			t.Errorf("chain %d at the server: %+v (restart %+v); want %+v", i, c, c.Restart, want)
		}
	}
	if cs, _ := st.AuditLog().Chains(ctx); len(cs) != 3 || !cs[0].Done || !cs[1].Done {
		t.Errorf("terminal's chains after upload: %+v", cs)
	}
}

// recoveryDB is a terminal's database path, sealer and options for the
// recovery tests, which open, damage and recover it themselves.
type recoveryDB struct {
	t      *testing.T
	tg     *target
	dir    string
	path   string
	sealer *store.Sealer
	opts   store.Options
}

func newRecoveryDB(t *testing.T, tg *target) *recoveryDB {
	t.Helper()
	dir := t.TempDir()
	key, err := store.LoadOrCreateKey(filepath.Join(dir, "seal.key"))
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := store.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	return &recoveryDB{t: t, tg: tg, dir: dir, path: filepath.Join(dir, "kiosk.db"), sealer: sealer,
		opts: store.Options{Readings: kiosktest.Readings(assets.PinyinTable())}}
}

// terminal is the terminal over st (opened by the test) for newRelay.
func (rd *recoveryDB) terminal(st *store.Store) *terminal {
	ob, err := store.NewOutbox(st, rd.sealer, store.OutboxOptions{TerminalID: rd.tg.terminal, MinFreeBytes: -1})
	if err != nil {
		rd.t.Fatal(err)
	}
	return &terminal{dir: rd.dir, db: rd.path, st: st, ob: ob}
}
