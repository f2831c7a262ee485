package intakesim

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/intake"
)

// Audit chains that survive a recovery: the server keeps chains per
// terminal, starts a new one only with a restart block, closes the previous
// one, and verifies and shows each on its own.
func TestAuditChainsRestart(t *testing.T) {
	t.Parallel()
	f := start(t)
	ctx := context.Background()
	c := f.client
	code := func(err error) (int, string) {
		var e *intake.Error
		if errors.As(err, &e) {
			return e.Status, e.Code
		}
		return 0, ""
	}
	// An older terminal's first chain, without chain_id.
	a := chain(5, 1, "")
	if n, err := c.UploadAudit(ctx, a[:3]); err != nil || n != 3 {
		t.Fatalf("first chain without id: %d %v", n, err)
	}
	// The first chain_id the terminal names, without a restart, is that chain.
	x := kiosk.AuditChain{ID: kiosk.NewSubmissionID()}
	if n, err := c.UploadAuditChain(ctx, x, a[3:]); err != nil || n != 5 {
		t.Fatalf("naming the first chain: %d %v", n, err)
	}
	// Any later new chain_id needs a restart block.
	y := kiosk.AuditChain{ID: kiosk.NewSubmissionID()}
	b := chain(2, 1, "")
	if _, err := c.UploadAuditChain(ctx, y, b); !isCode(code(err))(409, "chain_broken") {
		t.Errorf("a new chain without restart: %v", err)
	}
	// A restart without reason is 422; one naming a chain never uploaded is 409.
	y.Restart = &kiosk.AuditRestart{PreviousChainID: x.ID, PreviousLastSeq: 5, PreviousLastHash: a[4].Hash, At: time.Now()}
	if _, err := c.UploadAuditChain(ctx, y, b); !isCode(code(err))(422, "validation_failed") {
		t.Errorf("a restart without reason: %v", err)
	}
	y.Restart.Reason = kiosk.RestartDatabaseRecovered
	ghost := kiosk.AuditChain{ID: y.ID, Restart: &kiosk.AuditRestart{Reason: kiosk.RestartDatabaseRecovered, PreviousChainID: kiosk.NewSubmissionID()}}
	if _, err := c.UploadAuditChain(ctx, ghost, b); !isCode(code(err))(409, "chain_broken") {
		t.Errorf("a restart from an unknown chain: %v", err)
	}
	// Asking about a chain not held answers 0 and makes nothing.
	if n, err := c.UploadAuditChain(ctx, y, nil); err != nil || n != 0 {
		t.Fatalf("asking about the new chain: %d %v", n, err)
	}
	if n, err := c.UploadAuditChain(ctx, x, a[4:]); err != nil || n != 5 {
		t.Fatalf("the old chain is still open after a question: %d %v", n, err)
	}
	// The restart: the new chain starts, the old one closes.
	if n, err := c.UploadAuditChain(ctx, y, b[:1]); err != nil || n != 1 {
		t.Fatalf("the new chain's first upload: %d %v", n, err)
	}
	if n, err := c.UploadAuditChain(ctx, y, b); err != nil || n != 2 { // re-sent with its restart: harmless
		t.Fatalf("the new chain's next upload: %d %v", n, err)
	}
	more := chain(1, 6, a[4].Hash)
	if _, err := c.UploadAuditChain(ctx, x, more); !isCode(code(err))(409, "chain_closed") {
		t.Errorf("the closed chain took more: %v", err)
	}
	if _, err := c.UploadAudit(ctx, nil); !isCode(code(err))(409, "chain_closed") {
		t.Errorf("asking about the closed first chain without id: %v", err)
	}
	// Two restarts from the same chain: the second is refused.
	w := kiosk.AuditChain{ID: kiosk.NewSubmissionID(), Restart: &kiosk.AuditRestart{Reason: kiosk.RestartDatabaseRecovered,
		PreviousChainID: x.ID, PreviousLastSeq: 3}}
	if _, err := c.UploadAuditChain(ctx, w, chain(1, 1, "")); !isCode(code(err))(409, "chain_closed") {
		t.Errorf("a second restart from the same chain: %v", err)
	}
	// A restart in a row after the first, from the chain it started.
	w.Restart = &kiosk.AuditRestart{Reason: kiosk.RestartDatabaseRecovered, PreviousChainID: y.ID, PreviousLastSeq: 1, PreviousLastHash: b[0].Hash}
	if n, err := c.UploadAuditChain(ctx, w, chain(3, 1, "")); err != nil || n != 3 {
		t.Fatalf("a restart from the restarted chain: %d %v", n, err)
	}

	// The admin view: three chains, each verified on its own, the restarts
	// with their gaps (the second terminal's chain is apart).
	other := f.newClient(t, "PD-T02", "tok-2", time.Second)
	if _, err := other.UploadAudit(ctx, chain(2, 1, "")); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(f.admin + "/audit/" + "PD-T01")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var view struct {
		Chains []ChainView `json:"chains"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&view); err != nil {
		t.Fatal(err)
	}
	cs := view.Chains
	if len(cs) != 3 {
		t.Fatalf("chains %+v", cs)
	}
	for i, want := range []struct {
		id        string
		events    int64
		closed    bool
		restart   bool
		held, gap int64
	}{{x.ID, 5, true, false, 0, 0}, {y.ID, 2, true, true, 5, 0}, {w.ID, 3, false, true, 2, -1}} {
		got := cs[i]
		if got.ChainID != want.id || got.Events != want.events || !got.Verified || (got.Closed != "") != want.closed ||
			(got.Restart != nil) != want.restart || got.PreviousHeld != want.held || got.Gap != want.gap {
			t.Errorf("chain %d: %+v; want %+v", i, got, want)
		}
	}
	if cs[1].Restart.Reason != kiosk.RestartDatabaseRecovered || cs[1].Restart.PreviousChainID != x.ID {
		t.Errorf("restart shown as %+v", cs[1].Restart)
	}
	fleet, err := http.Get(f.admin + "/audit")
	if err != nil {
		t.Fatal(err)
	}
	defer fleet.Body.Close()
	var all struct {
		Terminals map[string][]ChainView `json:"terminals"`
	}
	if err := json.NewDecoder(fleet.Body).Decode(&all); err != nil || len(all.Terminals["PD-T01"]) != 3 ||
		len(all.Terminals["PD-T02"]) != 1 || all.Terminals["PD-T02"][0].Events != 2 {
		t.Errorf("the fleet view: %+v, %v", all, err)
	}
}

func isCode(status int, code string) func(int, string) bool {
	return func(s int, c string) bool { return s == status && c == code }
}
