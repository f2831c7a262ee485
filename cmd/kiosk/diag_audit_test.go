package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/outbox/e2e"
	"github.com/pudong-community/kiosk/kiosk/store"
)

// After a recovery that cut the chain, `kiosk diag audit --verify` verifies
// the current (new) chain and names the restart: the reason, the previous
// chain and the last event kept of it.
func TestDiagAuditNamesTheRestart(t *testing.T) {
	cfg, db := maintTerminal(t, 400)
	ctx := context.Background()
	st, err := store.Open(ctx, db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	old, err := st.AuditLog().Chain(ctx)
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	code, out, _ := runCapture("diag", "audit", "--config", cfg, "--verify")
	if code != exitOK || !strings.Contains(out, "chain "+old.ID) || strings.Contains(out, "restarted") {
		t.Fatalf("before: exit %d, %q", code, out)
	}
	// Damage the page that holds event 200: the recovery cuts the chain.
	if err := e2e.SmashPageOf(db, "step 200"); err != nil {
		t.Fatal(err)
	}
	key, err := store.LoadOrCreateKey(filepath.Join(filepath.Dir(db), "seal.key"))
	if err != nil {
		t.Fatal(err)
	}
	sealer, _ := store.NewSealer(key)
	st, rec, err := store.OpenOrRecover(ctx, db, store.Options{}, sealer)
	if err != nil || rec == nil || rec.AuditChain == "" {
		t.Fatalf("recovery %+v, %v; want a new chain", rec, err)
	}
	st.Close()

	code, out, _ = runCapture("diag", "audit", "--config", cfg, "--verify")
	if code != exitOK || !strings.Contains(out, "1 events verified") || !strings.Contains(out, "chain "+rec.AuditChain) ||
		!strings.Contains(out, "restarted (database_recovered)") || !strings.Contains(out, "previous chain "+old.ID) ||
		!strings.Contains(out, "1 earlier chain(s) still to upload") {
		t.Fatalf("after the recovery: exit %d, %q", code, out)
	}
	code, out, _ = runCapture("diag", "audit", "--config", cfg, "--verify", "--json")
	var res diagAuditResult
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != exitOK || !res.OK || res.Chain != rec.AuditChain ||
		res.Restart == nil || res.Restart.Reason != kiosk.RestartDatabaseRecovered || res.Restart.PreviousChainID != old.ID ||
		res.Restart.PreviousLastSeq != rec.AuditEvents || res.EarlierToUpload != 1 {
		t.Errorf("--json: exit %d, %+v, %v", code, res, err)
	}
}
