package audit_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/audit"
	"github.com/pudong-community/kiosk/kiosk/audit/audittest"
)

var t0 = time.Date(2026, 11, 27, 9, 30, 0, 123456789, time.UTC)

// newTrail returns a trail over fresh memory with n events recorded, one
// second apart.
func newTrail(t testing.TB, n int) (*audit.Trail, *audittest.Memory) {
	t.Helper()
	mem := &audittest.Memory{}
	var mu sync.Mutex
	now := t0
	tr, err := audit.New(mem, func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Second)
		return now
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := 1; i <= n; i++ {
		if _, err := tr.Record(ctx, audit.CardRead, kiosk.MaskID("11010519491231002X"), fmt.Sprintf("resident 第%d次", i)); err != nil {
			t.Fatal(err)
		}
	}
	return tr, mem
}

func TestRecordChains(t *testing.T) {
	t.Parallel()
	tr, mem := newTrail(t, 3)
	rows := mem.Rows()
	if len(rows) != 3 {
		t.Fatalf("%d rows", len(rows))
	}
	for i, ev := range rows {
		if ev.Seq != int64(i+1) {
			t.Errorf("row %d seq %d", i, ev.Seq)
		}
		wantPrev := ""
		if i > 0 {
			wantPrev = rows[i-1].Hash
		}
		if ev.PrevHash != wantPrev || len(ev.Hash) != 64 || strings.ToLower(ev.Hash) != ev.Hash {
			t.Errorf("row %d prev %q hash %q", i, ev.PrevHash, ev.Hash)
		}
		if _, off := ev.At.Zone(); off != 8*3600 || ev.At.Nanosecond()%int(time.Millisecond) != 0 {
			t.Errorf("row %d at %s: want +08:00 and whole milliseconds", i, ev.At.Format(time.RFC3339Nano))
		}
	}
	n, err := tr.Verify(context.Background())
	if err != nil || n != 3 {
		t.Fatalf("verify = %d, %v", n, err)
	}
}

// TestHashByHand recomputes the first hash from the contract's words: the
// SHA-256 of prev_hash followed by the canonical JSON (keys sorted, no
// spaces, non-ASCII as is) of the event without "hash".
func TestHashByHand(t *testing.T) {
	t.Parallel()
	_, mem := newTrail(t, 2)
	ev := mem.Rows()[1]
	canon := fmt.Sprintf(`{"at":%q,"detail":%q,"kind":"card_read","prev_hash":%q,"seq":2,"subject":"1101**********002X"}`,
		ev.At.Format(time.RFC3339Nano), "resident 第2次", ev.PrevHash)
	if !strings.Contains(canon, "第2次") {
		t.Fatal("non-ASCII escaped in the expected text")
	}
	if got, want := ev.Hash, sha256hex(ev.PrevHash+canon); got != want {
		t.Fatalf("hash = %s, want %s over %s", got, want, canon)
	}
}

func TestTamperFound(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		tamper     func(m *audittest.Memory) bool
		wantSeq    int64
		wantReason audit.Reason
	}{
		{"detail edited", func(m *audittest.Memory) bool {
			return m.Edit(5, func(ev *kiosk.AuditEvent) { ev.Detail = "nothing happened" })
		}, 5, audit.ReasonHash},
		{"subject edited", func(m *audittest.Memory) bool {
			return m.Edit(9, func(ev *kiosk.AuditEvent) { ev.Subject = "3101**********0000" })
		}, 9, audit.ReasonHash},
		{"time edited", func(m *audittest.Memory) bool {
			return m.Edit(3, func(ev *kiosk.AuditEvent) { ev.At = ev.At.Add(-time.Hour) })
		}, 3, audit.ReasonHash},
		{"hash edited", func(m *audittest.Memory) bool {
			return m.Edit(7, func(ev *kiosk.AuditEvent) { ev.Hash = strings.Repeat("0", 64) })
		}, 7, audit.ReasonHash},
		{"detail edited and hash resealed", func(m *audittest.Memory) bool {
			return m.Edit(4, func(ev *kiosk.AuditEvent) { ev.Detail = "rewritten"; *ev = ev.Seal() })
		}, 5, audit.ReasonPrevHash},
		{"row deleted", func(m *audittest.Memory) bool { return m.Delete(6) }, 6, audit.ReasonSeq},
		{"first row deleted", func(m *audittest.Memory) bool { return m.Delete(1) }, 1, audit.ReasonSeq},
		{"rows reordered", func(m *audittest.Memory) bool { return m.Swap(3, 4) }, 3, audit.ReasonSeq},
		{"seqs swapped with the rows", func(m *audittest.Memory) bool {
			return m.Edit(3, func(ev *kiosk.AuditEvent) { ev.Seq = -4 }) &&
				m.Edit(4, func(ev *kiosk.AuditEvent) { ev.Seq = 3 }) &&
				m.Edit(-4, func(ev *kiosk.AuditEvent) { ev.Seq = 4 }) && m.Swap(3, 4)
		}, 3, audit.ReasonPrevHash},
		{"seq renumbered", func(m *audittest.Memory) bool {
			return m.Edit(8, func(ev *kiosk.AuditEvent) { ev.Seq = 80 })
		}, 8, audit.ReasonSeq},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tr, mem := newTrail(t, 10)
			if !tc.tamper(mem) {
				t.Fatal("tamper found no row")
			}
			n, err := tr.Verify(context.Background())
			be, ok := audit.IsBroken(err)
			if !ok || !errors.Is(err, audit.ErrBroken) {
				t.Fatalf("verify = %d, %v; want a broken chain", n, err)
			}
			if be.Seq != tc.wantSeq || be.Reason != tc.wantReason || n != tc.wantSeq-1 {
				t.Fatalf("broken at %d (%s) after %d good, want %d (%s): %v", be.Seq, be.Reason, n, tc.wantSeq, tc.wantReason, err)
			}
			if !strings.HasPrefix(err.Error(), "audit: chain broken at seq ") {
				t.Fatalf("message %q", err)
			}
		})
	}
}

func TestVerifyAgainstCatchesTail(t *testing.T) {
	t.Parallel()
	tr, mem := newTrail(t, 5)
	acked := mem.Rows()[4]
	ctx := context.Background()
	if _, err := tr.VerifyAgainst(ctx, acked.Seq, acked.Hash); err != nil {
		t.Fatal(err)
	}
	mem.Delete(5)
	if _, err := tr.Verify(ctx); err != nil {
		t.Fatalf("a deleted tail is invisible to Verify alone, got %v", err)
	}
	_, err := tr.VerifyAgainst(ctx, acked.Seq, acked.Hash)
	if be, ok := audit.IsBroken(err); !ok || be.Seq != 5 {
		t.Fatalf("verify against the server's ack: %v", err)
	}
}

func TestVerifyAcrossPages(t *testing.T) {
	t.Parallel()
	tr, mem := newTrail(t, 1203)
	n, err := tr.Verify(context.Background())
	if err != nil || n != 1203 {
		t.Fatalf("verify = %d, %v", n, err)
	}
	mem.Edit(1001, func(ev *kiosk.AuditEvent) { ev.Kind = "visit_end" })
	if _, err := tr.Verify(context.Background()); err == nil || !strings.Contains(err.Error(), "seq 1001") {
		t.Fatalf("tamper on the third page: %v", err)
	}
}

// An event is never refused for its text: what looks like a full ID number
// is masked, invalid UTF-8 replaced, an over-long text cut with a marker;
// text that passes CheckText is stored as it is. Only a bad kind fails.
func TestRecordCleansText(t *testing.T) {
	t.Parallel()
	full := "11010519491231002X"
	long := strings.Repeat("长", 100*1024/3) + "尾" // 100 KB of detail
	tests := []struct {
		name                    string
		kind                    audit.Kind
		subject, detail         string
		wantSubject, wantDetail string // "" with want == nil: as given
		wantErr                 error
	}{
		{"full 18-char number in subject", audit.CardRead, full, "", "1101**********002X", "", nil},
		{"lower-case x", audit.CardRead, strings.ToLower(full), "", "1101**********002x", "", nil},
		{"old 15-digit number", audit.CardRead, "310101500101123", "", "3101*******1123", "", nil},
		{"number inside detail", audit.VisitEnd, "", "agent for " + full, "", "agent for 1101**********002X", nil},
		{"agent's reference of 18 bare digits", audit.AgentAuthorised, "3101**********1234", "for 1101**********002X ref 310101199001011234",
			"3101**********1234", "for 1101**********002X ref 3101**********1234", nil},
		{"full-width digits", audit.CardRead, "１１０１０５１９４９１２３１００２", "", "１１０１*********１００２", "", nil},
		{"masked is fine", audit.CardRead, kiosk.MaskID(full), "resident", kiosk.MaskID(full), "resident", nil},
		{"ulid and case number are fine", audit.SubmissionSent, "", "01JDSUB0000000000000000000 PD20261127-000123", "", "01JDSUB0000000000000000000 PD20261127-000123", nil},
		{"number after a colon", audit.CardRead, "", "id:" + full + ".", "", "id:1101**********002X.", nil},
		{"two numbers", audit.CardRead, "", full + "/" + full, "", "1101**********002X/1101**********002X", nil},
		{"number with letters around is a code", audit.CardRead, "", "AB" + full[:17] + "C", "", "AB" + full[:17] + "C", nil},
		{"phone number is fine", audit.MaintenanceEntry, "", "13800138000", "", "13800138000", nil},
		{"bad utf-8", audit.VisitStart, "", "a\xffb", "", "a\uFFFDb", nil},
		{"empty kind", "", "", "", "", "", audit.ErrBadKind},
		{"odd kind", "Card Read", "", "", "", "", audit.ErrBadKind},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tr, mem := newTrail(t, 0)
			ev, err := tr.Record(context.Background(), tc.kind, tc.subject, tc.detail)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if err != nil {
				if !strings.HasPrefix(err.Error(), "audit: ") || len(mem.Rows()) != 0 {
					t.Fatalf("error text %q, %d rows", err, len(mem.Rows()))
				}
				return
			}
			rows := mem.Rows()
			if len(rows) != 1 || rows[0] != ev {
				t.Fatalf("stored %+v, returned %+v", rows, ev)
			}
			if ev.Subject != tc.wantSubject || ev.Detail != tc.wantDetail {
				t.Errorf("stored subject %q detail %q, want %q %q", ev.Subject, ev.Detail, tc.wantSubject, tc.wantDetail)
			}
			if n, err := tr.Verify(context.Background()); err != nil || n != 1 {
				t.Errorf("verify = %d, %v", n, err)
			}
		})
	}

	t.Run("detail of 100 KB", func(t *testing.T) {
		t.Parallel()
		tr, mem := newTrail(t, 0)
		detail := full + " " + long
		if _, err := tr.Record(context.Background(), audit.VisitEnd, strings.Repeat("s", 300), detail); err != nil {
			t.Fatal(err)
		}
		ev := mem.Rows()[0]
		if len(ev.Detail) > audit.MaxDetail || len(ev.Detail) < audit.MaxDetail-8 || !utf8.ValidString(ev.Detail) {
			t.Fatalf("detail of %d bytes (valid %v), want just under %d", len(ev.Detail), utf8.ValidString(ev.Detail), audit.MaxDetail)
		}
		if want := fmt.Sprintf("…[cut, %d bytes in all]", len(detail)); !strings.HasSuffix(ev.Detail, want) {
			t.Errorf("detail ends %q, want the marker %q", ev.Detail[len(ev.Detail)-60:], want)
		}
		if !strings.HasPrefix(ev.Detail, "1101**********002X 长长") {
			t.Errorf("detail starts %q", ev.Detail[:40])
		}
		if len(ev.Subject) > audit.MaxSubject || !strings.HasSuffix(ev.Subject, "…[cut, 300 bytes in all]") {
			t.Errorf("subject %q", ev.Subject)
		}
	})
}

func TestStorageFailure(t *testing.T) {
	t.Parallel()
	tr, mem := newTrail(t, 2)
	mem.Err = errors.New("disk I/O error")
	if _, err := tr.Record(context.Background(), audit.VisitStart, "", "1"); !errors.Is(err, audit.ErrStorage) {
		t.Fatalf("record on a failing disk: %v", err)
	}
	if _, err := tr.Verify(context.Background()); !errors.Is(err, audit.ErrStorage) {
		t.Fatalf("verify on a failing disk: %v", err)
	}
	mem.Err = nil
	if n, err := tr.Verify(context.Background()); err != nil || n != 2 {
		t.Fatalf("after recovery: %d %v", n, err)
	}
}

func TestConcurrentRecord(t *testing.T) {
	t.Parallel()
	tr, mem := newTrail(t, 0)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 25 {
				if _, err := tr.Record(context.Background(), audit.DeviceState, "printer", fmt.Sprintf("%d/%d", g, i)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if n, err := tr.Verify(context.Background()); err != nil || n != 100 || len(mem.Rows()) != 100 {
		t.Fatalf("verify = %d, %v", n, err)
	}
}

func TestLatest(t *testing.T) {
	t.Parallel()
	tr, _ := newTrail(t, 7)
	evs, err := tr.Latest(context.Background(), 3)
	if err != nil || len(evs) != 3 || evs[0].Seq != 5 || evs[2].Seq != 7 {
		t.Fatalf("latest = %v, %v", evs, err)
	}
	evs, err = tr.Latest(context.Background(), 50)
	if err != nil || len(evs) != 7 || evs[0].Seq != 1 {
		t.Fatalf("latest 50 of 7 = %d, %v", len(evs), err)
	}
}

// TestCheckTestdata verifies the chain kept in testdata (also the fuzz
// seed), so a change of the hashing that would break stored trails fails.
func TestCheckTestdata(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("testdata/chain.json")
	if err != nil {
		t.Fatal(err)
	}
	var evs []kiosk.AuditEvent
	if err := json.Unmarshal(raw, &evs); err != nil {
		t.Fatal(err)
	}
	if len(evs) < 3 {
		t.Fatalf("%d events in testdata", len(evs))
	}
	if err := audit.Check(kiosk.AuditEvent{}, evs); err != nil {
		t.Fatal(err)
	}
	if err := audit.Check(evs[0], evs[1:]); err != nil {
		t.Fatalf("from the first event: %v", err)
	}
	evs[1].Detail += "!"
	if err := audit.Check(kiosk.AuditEvent{}, evs); err == nil {
		t.Fatal("edited testdata event verified")
	}
}

// conflicting is a storage where another writer appends just before the
// trail, n times.
type conflicting struct {
	*audittest.Memory
	n     int
	other *audit.Trail
}

func (c *conflicting) Append(ctx context.Context, ev kiosk.AuditEvent) error {
	if c.n > 0 {
		c.n--
		if _, err := c.other.Record(ctx, audit.DeviceState, "printer", "the other writer"); err != nil {
			return err
		}
	}
	return c.Memory.Append(ctx, ev)
}

// A seq another writer took is not a lost event: Record chains to the
// other writer's event and tries again, a few times.
func TestRecordRetriesAConflict(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		conflicts int
		ok        bool
	}{{1, true}, {2, true}, {3, false}} {
		mem := &audittest.Memory{}
		other, _ := audit.New(mem, nil)
		st := &conflicting{Memory: mem, n: tc.conflicts, other: other}
		tr, _ := audit.New(st, nil)
		ev, err := tr.Record(context.Background(), audit.VisitStart, "", "visit 1")
		if (err == nil) != tc.ok || !tc.ok && !errors.Is(err, audit.ErrConflict) {
			t.Fatalf("%d conflicts: %v", tc.conflicts, err)
		}
		rows := mem.Rows()
		if tc.ok && (len(rows) != tc.conflicts+1 || rows[len(rows)-1] != ev) {
			t.Errorf("%d conflicts: rows %+v", tc.conflicts, rows)
		}
		if n, err := other.Verify(context.Background()); err != nil || n != int64(len(rows)) {
			t.Errorf("%d conflicts: verify %d, %v", tc.conflicts, n, err)
		}
	}
}
