package e2e

import (
	"context"
	"testing"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/audit"
	"github.com/pudong-community/kiosk/kiosk/outbox"
)

// TestAuditUploadInOrderAndResumed records a hash-chained trail in the
// terminal's database and uploads it in batches; an upload cut short is
// resumed from the server's acked_through, and faults do not break the chain.
func TestAuditUploadInOrderAndResumed(t *testing.T) {
	tg := newTarget(t, nil)
	tg.needSim(t) // an external server already holds this terminal's chain
	ctx := context.Background()
	tm := openTerminal(t, t.TempDir(), tg.terminal)
	log := tm.st.AuditLog()
	trail, err := audit.New(log, nil)
	if err != nil {
		t.Fatal(err)
	}
	record := func(n int) {
		for i := 0; i < n; i++ {
			if _, err := trail.Record(ctx, audit.CardRead, kiosk.MaskID(IDNumber(i)), "resident"); err != nil {
				t.Fatal(err)
			}
		}
	}
	record(250)
	relay := newRelay(t, tg, tm, 0, func(c *outbox.Config) { c.Audit = log; c.AuditBatch = 40 })
	if err := relay.UploadAudit(ctx); err != nil {
		t.Fatal(err)
	}
	if a, err := log.Acked(ctx); err != nil || a.Seq != 250 {
		t.Fatalf("acked %+v, %v; want 250", a, err)
	}
	// More events, uploaded through a faulty link until done.
	record(120)
	if err := tg.sim.SetFaults(intakesim500(0.3)); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		err := relay.UploadAudit(ctx)
		if err == nil {
			break
		}
		if i > 200 {
			t.Fatalf("audit upload never completed: %v", err)
		}
	}
	if a, err := log.Acked(ctx); err != nil || a.Seq != 370 {
		t.Fatalf("acked %+v, %v; want 370", a, err)
	}
	if st := relay.Status(); st.AuditAcked != 370 {
		t.Fatalf("status %+v", st)
	}
}
