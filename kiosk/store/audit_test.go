package store

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/internal/clock/clocktest"
	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/audit"
)

func openAudit(t *testing.T) (*Store, *audit.Trail, *clocktest.Clock) {
	t.Helper()
	clk := clocktest.New(time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC))
	st, err := Open(context.Background(), filepath.Join(t.TempDir(), "kiosk.db"), Options{Now: clk.Now, Readings: testReadings()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tr, err := audit.New(st.AuditLog(), func() time.Time { clk.Add(time.Second); return clk.Now() })
	if err != nil {
		t.Fatal(err)
	}
	return st, tr, clk
}

func record(t *testing.T, tr *audit.Trail, n int) {
	t.Helper()
	ctx := context.Background()
	kinds := []audit.Kind{audit.VisitStart, audit.CardRead, audit.SubmissionConfirmed, audit.ReceiptPrinted, audit.VisitEnd}
	for i := range n {
		if _, err := tr.Record(ctx, kinds[i%len(kinds)], kiosk.MaskID("310115199001011234"), fmt.Sprintf("第%d步 step %d", i+1, i+1)); err != nil {
			t.Fatal(err)
		}
	}
}

// sqliteCLI runs the sqlite3 command-line tool on the database file, as an
// attacker with a shell would.
func sqliteCLI(t *testing.T, db, script string) (string, error) {
	t.Helper()
	if _, err := exec.LookPath("sqlite3"); err != nil {
		t.Skip("sqlite3 command-line tool not installed (Debian package sqlite3)")
	}
	out, err := exec.Command("sqlite3", db, script).CombinedOutput()
	return string(out), err
}

func TestAuditLogRoundTrip(t *testing.T) {
	t.Parallel()
	st, tr, _ := openAudit(t)
	ctx := context.Background()
	record(t, tr, 12)
	n, err := tr.Verify(ctx)
	if err != nil || n != 12 {
		t.Fatalf("Verify = %d, %v; want 12, nil", n, err)
	}
	// Events come back exactly as recorded, offset included.
	evs, err := tr.Latest(ctx, 3)
	if err != nil || len(evs) != 3 || evs[0].Seq != 10 || evs[2].Seq != 12 {
		t.Fatalf("Latest = %+v, %v", evs, err)
	}
	if _, off := evs[0].At.Zone(); off != 8*3600 {
		t.Errorf("At offset %d, want +08:00", off)
	}
	log := st.AuditLog()
	since, err := log.Since(ctx, 10, 100)
	if err != nil || len(since) != 2 || since[0].Seq != 11 {
		t.Fatalf("Since(10) = %+v, %v", since, err)
	}
	// A taken seq and a gap are both conflicts.
	last, _ := log.Last(ctx)
	for _, seq := range []int64{last.Seq, last.Seq + 2, 0, -1} {
		ev := last
		ev.Seq = seq
		if err := log.Append(ctx, ev); !errors.Is(err, audit.ErrConflict) {
			t.Errorf("Append seq %d: err = %v, want ErrConflict", seq, err)
		}
	}
}

func TestAuditLogConcurrentWriters(t *testing.T) {
	t.Parallel()
	_, tr, _ := openAudit(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				if _, err := tr.Record(ctx, audit.DeviceState, "printer", "ok -> error"); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if n, err := tr.Verify(ctx); err != nil || n != 40 {
		t.Fatalf("Verify = %d, %v; want 40, nil", n, err)
	}
}

func TestAuditLogAck(t *testing.T) {
	t.Parallel()
	st, tr, _ := openAudit(t)
	ctx := context.Background()
	log := st.AuditLog()
	if a, err := log.Acked(ctx); err != nil || a.Seq != 0 {
		t.Fatalf("fresh Acked = %+v, %v", a, err)
	}
	record(t, tr, 6)
	if err := log.MarkAcked(ctx, 4); err != nil {
		t.Fatal(err)
	}
	if err := log.MarkAcked(ctx, 2); err != nil { // never moves back
		t.Fatal(err)
	}
	a, err := log.Acked(ctx)
	evs, _ := log.Range(ctx, 4, 1)
	if err != nil || a.Seq != 4 || a.Hash != evs[0].Hash {
		t.Fatalf("Acked = %+v, %v; want seq 4 with its hash", a, err)
	}
	if err := log.MarkAcked(ctx, 99); !errors.Is(err, ErrNotFound) {
		t.Errorf("MarkAcked beyond the trail: err = %v", err)
	}
	total, unacked, err := log.Count(ctx)
	if err != nil || total != 6 || unacked != 2 {
		t.Errorf("Count = %d, %d, %v; want 6, 2", total, unacked, err)
	}
	if _, err := tr.VerifyAgainst(ctx, a.Seq, a.Hash); err != nil {
		t.Errorf("VerifyAgainst the ack: %v", err)
	}
}

// TestAuditTamperWithSQLite3: the sqlite3 tool cannot change a row while the
// triggers stand; an attacker who drops them can, and Verify names the
// first broken seq.
func TestAuditTamperWithSQLite3(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		script  string
		wantSeq int64
		reason  audit.Reason
	}{
		{"detail edited", `UPDATE audit SET detail = 'nothing happened' WHERE seq = 5;`, 5, audit.ReasonHash},
		{"subject edited", `UPDATE audit SET subject = '3101**********9999' WHERE seq = 3;`, 3, audit.ReasonHash},
		{"time moved", `UPDATE audit SET at = '2026-11-27T09:00:00+08:00' WHERE seq = 7;`, 7, audit.ReasonHash},
		{"row deleted", `DELETE FROM audit WHERE seq = 4;`, 4, audit.ReasonSeq},
		{"row rehashed", `UPDATE audit SET detail = 'x', hash = 'aaaa' WHERE seq = 6;`, 6, audit.ReasonHash},
		{"two rows edited", `UPDATE audit SET detail = 'y' WHERE seq IN (8, 2);`, 2, audit.ReasonHash},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st, tr, _ := openAudit(t)
			ctx := context.Background()
			record(t, tr, 10)
			// With the triggers in place the same edit is refused.
			out, err := sqliteCLI(t, st.Path(), tt.script)
			if err == nil || !strings.Contains(out, "append-only") {
				t.Fatalf("edit with the triggers in place: %v %s; want refused", err, out)
			}
			if n, err := tr.Verify(ctx); err != nil || n != 10 {
				t.Fatalf("Verify after the refused edit = %d, %v", n, err)
			}
			out, err = sqliteCLI(t, st.Path(), `DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete; `+tt.script)
			if err != nil {
				t.Fatalf("sqlite3: %v: %s", err, out)
			}
			n, err := tr.Verify(ctx)
			be, ok := audit.IsBroken(err)
			if !ok {
				t.Fatalf("Verify after tampering = %d, %v; want a broken chain", n, err)
			}
			if be.Seq != tt.wantSeq || be.Reason != tt.reason {
				t.Errorf("broken at seq %d (%s), want seq %d (%s)", be.Seq, be.Reason, tt.wantSeq, tt.reason)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("seq %d", tt.wantSeq)) {
				t.Errorf("error %q does not name seq %d", err, tt.wantSeq)
			}
			if n != tt.wantSeq-1 {
				t.Errorf("verified %d events before the break, want %d", n, tt.wantSeq-1)
			}
		})
	}
}

// TestAuditTailDeletedCaughtByAck: deleting the newest events leaves a
// consistent chain; the server's acknowledgement still catches it.
func TestAuditTailDeletedCaughtByAck(t *testing.T) {
	t.Parallel()
	st, tr, _ := openAudit(t)
	ctx := context.Background()
	record(t, tr, 8)
	log := st.AuditLog()
	if err := log.MarkAcked(ctx, 8); err != nil {
		t.Fatal(err)
	}
	if out, err := sqliteCLI(t, st.Path(), `DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq >= 7;`); err != nil {
		t.Fatalf("sqlite3: %v: %s", err, out)
	}
	if _, err := tr.Verify(ctx); err != nil {
		t.Fatalf("the remaining chain is consistent, Verify = %v", err)
	}
	a, _ := log.Acked(ctx)
	_, err := tr.VerifyAgainst(ctx, a.Seq, a.Hash)
	if be, ok := audit.IsBroken(err); !ok || be.Seq != 8 {
		t.Fatalf("VerifyAgainst = %v; want broken at seq 8", err)
	}
}
