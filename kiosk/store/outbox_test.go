package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
)

func TestEnqueueClaimDeliver(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, OutboxOptions{TerminalID: "PD-DEV-0007"})
	sub := submission(1)
	q, err := f.ob.Enqueue(ctx, sub)
	if err != nil {
		t.Fatal(err)
	}
	if q.ID != sub.ID {
		t.Fatalf("queued id %s, want the submission's %s", q.ID, sub.ID)
	}
	// 09:30 UTC is 17:30 in Shanghai on the 27th.
	if q.LocalNo != "T0007-261127-0001" {
		t.Fatalf("local number %q", q.LocalNo)
	}
	q2, err := f.ob.Enqueue(ctx, submission(2))
	if err != nil {
		t.Fatal(err)
	}
	if q2.LocalNo != "T0007-261127-0002" {
		t.Fatalf("second local number %q", q2.LocalNo)
	}
	if _, err := f.ob.Enqueue(ctx, sub); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("enqueue twice: %v, want ErrDuplicate", err)
	}
	claims, err := f.ob.ClaimDue(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(claims) != 2 {
		t.Fatalf("claimed %d, want 2", len(claims))
	}
	var c Claim
	for _, cl := range claims {
		if cl.Submission.ID == sub.ID {
			c = cl
		}
	}
	if c.Submission.Applicant.Name != sub.Applicant.Name || c.Submission.Fields["reason"] != "生活困难" ||
		!c.Submission.CreatedAt.Equal(sub.CreatedAt) || c.LocalNo != q.LocalNo {
		t.Fatalf("claimed submission differs: %+v", c)
	}
	if more, _ := f.ob.ClaimDue(ctx, 10); len(more) != 0 {
		t.Fatalf("claimed rows were handed out again: %d", len(more))
	}
	acc := kiosk.Accepted{CaseNo: "PD20261127-000123", Status: kiosk.StatusAccepted,
		AcceptedAt: time.Date(2026, 11, 27, 17, 31, 0, 0, time.FixedZone("CST", 8*3600)), DueDate: "2026-12-04", TrackURL: "https://x/t/1"}
	if err := f.ob.MarkDelivered(ctx, sub.ID, acc); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{sub.ID, q.LocalNo, acc.CaseNo} {
		rec, err := f.ob.Lookup(ctx, key)
		if err != nil {
			t.Fatalf("lookup %s: %v", key, err)
		}
		if rec.State != StateDelivered || rec.CaseNo != acc.CaseNo || rec.DueDate != "2026-12-04" ||
			rec.MaskedID != "3101**********"+sub.Applicant.IDNumber[14:] || rec.Attempts != 1 || !rec.AcceptedAt.Equal(acc.AcceptedAt) {
			t.Fatalf("lookup %s: %+v", key, rec)
		}
	}
	back, err := f.ob.Submission(ctx, sub.ID)
	if err != nil || back.Applicant.IDNumber != sub.Applicant.IDNumber || back.Fields["phone"] != "13800138000" {
		t.Fatalf("Submission = %+v, %v", back, err)
	}
	if ids, err := f.ob.IDs(ctx); err != nil || len(ids) != 2 {
		t.Fatalf("IDs = %v, %v", ids, err)
	}
	if _, err := f.ob.Lookup(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("lookup unknown: %v", err)
	}
	// A delivered row's stale claim cannot put it back.
	if err := f.ob.MarkRetry(ctx, c, f.clock.Now(), "late"); !errors.Is(err, ErrClaimLost) {
		t.Fatalf("retry after delivery: %v, want ErrClaimLost", err)
	}
	cnt, err := f.ob.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cnt.Pending != 1 || cnt.Delivered != 1 || cnt.Parked != 0 || cnt.OldestPending == nil {
		t.Fatalf("counts %+v", cnt)
	}
}

func TestEnqueueRejectsBadSubmissions(t *testing.T) {
	t.Parallel()
	f := newFixture(t, OutboxOptions{})
	tests := []struct {
		name string
		edit func(*kiosk.Submission)
	}{
		{"no id", func(s *kiosk.Submission) { s.ID = "" }},
		{"bad id", func(s *kiosk.Submission) { s.ID = "not-an-id" }},
		{"no item", func(s *kiosk.Submission) { s.ItemCode = "" }},
		{"no applicant", func(s *kiosk.Submission) { s.Applicant.IDNumber = "" }},
		{"no time", func(s *kiosk.Submission) { s.CreatedAt = time.Time{} }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := submission(3)
			tc.edit(&s)
			if _, err := f.ob.Enqueue(context.Background(), s); !errors.Is(err, ErrBadSubmission) {
				t.Fatalf("got %v, want ErrBadSubmission", err)
			}
		})
	}
	t.Cleanup(func() {
		if c, _ := f.ob.Counts(context.Background()); c.Pending != 0 {
			t.Errorf("bad submissions were queued: %+v", c)
		}
	})
}

func TestEnqueueTxSharesTheTransaction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, OutboxOptions{})
	boom := errors.New("business row failed")
	err := f.st.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := f.ob.EnqueueTx(ctx, tx, submission(4)); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	var n int
	if err := f.st.DB().QueryRow(`SELECT (SELECT COUNT(*) FROM submissions) + (SELECT COUNT(*) FROM outbox)`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d rows survived the rollback", n)
	}
}

func TestNoTwoWorkersGetOneRow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, OutboxOptions{})
	const total = 120
	for i := 0; i < total; i++ {
		if _, err := f.ob.Enqueue(ctx, submission(i)); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				cs, err := f.ob.ClaimDue(ctx, 7)
				if err != nil {
					t.Error(err)
					return
				}
				if len(cs) == 0 {
					return
				}
				mu.Lock()
				for _, c := range cs {
					seen[c.Submission.ID]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != total {
		t.Fatalf("claimed %d distinct rows, want %d", len(seen), total)
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("row %s claimed %d times", id, n)
		}
	}
}

func TestClaimExpiresAndRetryWaits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, OutboxOptions{ClaimTTL: time.Minute})
	if _, err := f.ob.Enqueue(ctx, submission(5)); err != nil {
		t.Fatal(err)
	}
	first, _ := f.ob.ClaimDue(ctx, 1)
	if len(first) != 1 {
		t.Fatal("nothing claimed")
	}
	f.clock.Add(59 * time.Second)
	if cs, _ := f.ob.ClaimDue(ctx, 1); len(cs) != 0 {
		t.Fatal("a live claim was taken")
	}
	f.clock.Add(2 * time.Second) // the first worker "crashed"
	second, _ := f.ob.ClaimDue(ctx, 1)
	if len(second) != 1 || second[0].Token == first[0].Token {
		t.Fatalf("expired claim not re-handed: %+v", second)
	}
	if err := f.ob.MarkRetry(ctx, first[0], f.clock.Now(), "x"); !errors.Is(err, ErrClaimLost) {
		t.Fatalf("stale worker's retry: %v, want ErrClaimLost", err)
	}
	next := f.clock.Now().Add(30 * time.Second)
	if err := f.ob.MarkRetry(ctx, second[0], next, "intake: submit: 503 unavailable for 310115199000000181"); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(29 * time.Second)
	if cs, _ := f.ob.ClaimDue(ctx, 1); len(cs) != 0 {
		t.Fatal("claimed before next attempt")
	}
	f.clock.Add(time.Second)
	cs, _ := f.ob.ClaimDue(ctx, 1)
	if len(cs) != 1 {
		t.Fatal("not claimed at next attempt")
	}
	if err := f.ob.MarkRetry(ctx, cs[0], f.clock.Now().Add(time.Hour), "down"); err != nil {
		t.Fatal(err)
	}
	if n, err := f.ob.RetryNow(ctx); n != 1 || err != nil {
		t.Fatalf("RetryNow = %d, %v", n, err)
	}
	cs, _ = f.ob.ClaimDue(ctx, 1)
	if len(cs) != 1 || cs[0].Attempts != 2 {
		t.Fatalf("after RetryNow: %+v", cs)
	}
	rec, _ := f.ob.Lookup(ctx, cs[0].Submission.ID)
	if bytes.Contains([]byte(rec.LastError), []byte("310115199000000181")) || rec.LastError == "" {
		t.Fatalf("last error %q: full ID kept or error lost", rec.LastError)
	}
}

func TestParkRetryDiscard(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, OutboxOptions{})
	a, b := submission(6), submission(7)
	for _, s := range []kiosk.Submission{a, b} {
		if _, err := f.ob.Enqueue(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	cs, _ := f.ob.ClaimDue(ctx, 2)
	why := ParkReason{Reason: "申请人证件已过期", Code: "validation_failed",
		Fields: []FieldProblem{{Field: "applicant.valid_until", Code: "card_expired", Message: "expired"}}}
	for _, c := range cs {
		if err := f.ob.Park(ctx, c, why); err != nil {
			t.Fatal(err)
		}
	}
	parked, err := f.ob.Parked(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(parked) != 2 || parked[0].Park.Code != "validation_failed" || len(parked[0].Park.Fields) != 1 ||
		parked[0].Park.Fields[0].Code != "card_expired" || parked[0].Park.Reason != why.Reason {
		t.Fatalf("parked %+v", parked)
	}
	if cs, _ := f.ob.ClaimDue(ctx, 5); len(cs) != 0 {
		t.Fatal("a parked row was claimed")
	}
	if err := f.ob.RetryParked(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.ob.DiscardParked(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.ob.DiscardParked(ctx, a.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("discarding a pending row: %v, want ErrNotFound", err)
	}
	cs, _ = f.ob.ClaimDue(ctx, 5)
	if len(cs) != 1 || cs[0].Submission.ID != a.ID || cs[0].Attempts != 0 {
		t.Fatalf("after retry: %+v", cs)
	}
	// Staff released it: the claim says so, until it is parked again.
	if !cs[0].Released {
		t.Error("a row staff released is not marked Released")
	}
	if err := f.ob.Park(ctx, cs[0], why); err != nil {
		t.Fatal(err)
	}
	if err := f.ob.RetryParked(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if cs, _ = f.ob.ClaimDue(ctx, 5); len(cs) != 1 || !cs[0].Released {
		t.Fatalf("released again: %+v", cs)
	}
	if err := f.ob.MarkRetry(ctx, cs[0], time.Time{}, "transport"); err != nil {
		t.Fatal(err)
	}
	if cs, _ = f.ob.ClaimDue(ctx, 5); len(cs) != 1 || !cs[0].Released {
		t.Fatalf("a released row retried is no longer Released: %+v", cs)
	}
	if err := f.ob.Park(ctx, cs[0], why); err != nil {
		t.Fatal(err)
	}
	if p, _ := f.ob.Parked(ctx); len(p) != 1 || p[0].Park.Code != why.Code {
		t.Fatalf("parked again: %+v", p)
	}
	if err := f.ob.RetryParked(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if cs, _ = f.ob.ClaimDue(ctx, 5); len(cs) != 1 {
		t.Fatalf("after the second retry: %+v", cs)
	}
	// A row never parked is not Released.
	fresh := submission(10)
	if _, err := f.ob.Enqueue(ctx, fresh); err != nil {
		t.Fatal(err)
	}
	if cs, _ := f.ob.ClaimDue(ctx, 5); len(cs) != 1 || cs[0].Released {
		t.Fatalf("a fresh row: %+v", cs)
	}
	rec, err := f.ob.Lookup(ctx, b.ID)
	if err != nil || rec.State != "discarded" || rec.LocalNo == "" {
		t.Fatalf("discarded record %+v, %v", rec, err)
	}
	var sealed []byte
	f.st.DB().QueryRow(`SELECT sealed FROM submissions WHERE id = ?`, b.ID).Scan(&sealed)
	if sealed != nil {
		t.Fatal("discarded personal data kept")
	}
}

func TestPurgeKeepsReceiptRecord(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, OutboxOptions{})
	old, young := submission(8), submission(9)
	for _, s := range []kiosk.Submission{old, young} {
		if _, err := f.ob.Enqueue(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	f.ob.ClaimDue(ctx, 2)
	if err := f.ob.MarkDelivered(ctx, old.ID, kiosk.Accepted{CaseNo: "PD1", AcceptedAt: f.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(20 * 24 * time.Hour)
	if err := f.ob.MarkDelivered(ctx, young.ID, kiosk.Accepted{CaseNo: "PD2", AcceptedAt: f.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(11 * 24 * time.Hour)
	n, err := f.ob.Purge(ctx, 30*24*time.Hour)
	if err != nil || n != 1 {
		t.Fatalf("purged %d, %v; want 1", n, err)
	}
	rec, err := f.ob.Lookup(ctx, "PD1")
	if err != nil || rec.State != "purged" || rec.LocalNo == "" || rec.MaskedID == "" || rec.ItemCode != "MZ-0103" || rec.CreatedAt.IsZero() {
		t.Fatalf("purged record %+v, %v", rec, err)
	}
	if rec, _ := f.ob.Lookup(ctx, "PD2"); rec.State != StateDelivered {
		t.Fatalf("young record %+v", rec)
	}
	if _, err := f.ob.Submission(ctx, old.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("purged submission still opens: %v", err)
	}
	var kept int
	f.st.DB().QueryRow(`SELECT COUNT(*) FROM submissions WHERE sealed IS NOT NULL`).Scan(&kept)
	if kept != 1 {
		t.Fatalf("%d sealed rows kept, want 1", kept)
	}
}

func TestStorageFull(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("free-space floor", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, OutboxOptions{MinFreeBytes: 1 << 62})
		if _, err := f.ob.Enqueue(ctx, submission(10)); !errors.Is(err, ErrStorageFull) {
			t.Fatalf("got %v, want ErrStorageFull", err)
		}
		if c, _ := f.ob.Counts(ctx); c.Pending != 0 {
			t.Fatal("a refused submission was kept")
		}
	})
	t.Run("SQLITE_FULL", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, OutboxOptions{MinFreeBytes: -1})
		db := f.st.DB()
		db.SetMaxOpenConns(1) // max_page_count is per connection
		var pages int
		if err := db.QueryRow(`PRAGMA page_count`).Scan(&pages); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`PRAGMA max_page_count = ` + strconv.Itoa(pages+2)); err != nil {
			t.Fatal(err)
		}
		var confirmed []string
		var err error
		for i := 0; i < 200; i++ {
			var q Queued
			q, err = f.ob.Enqueue(ctx, submission(100+i))
			if err != nil {
				break
			}
			confirmed = append(confirmed, q.ID)
		}
		if !errors.Is(err, ErrStorageFull) {
			t.Fatalf("got %v, want ErrStorageFull", err)
		}
		if len(confirmed) == 0 {
			t.Fatal("nothing fit: the test proves nothing")
		}
		for _, id := range confirmed {
			if _, err := f.ob.Lookup(ctx, id); err != nil {
				t.Fatalf("confirmed %s lost: %v", id, err)
			}
		}
		if c, _ := f.ob.Counts(ctx); c.Pending != len(confirmed) {
			t.Fatalf("pending %d, confirmed %d", c.Pending, len(confirmed))
		}
	})
}

// TestNoPersonalDataOnDisk scans the raw bytes of the database and its WAL
// the way `strings` would, after enqueueing and caching cases.
func TestNoPersonalDataOnDisk(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, OutboxOptions{})
	cc := NewCaseCache(f.st, f.seal)
	var secrets [][]byte
	for i := 0; i < 20; i++ {
		s := submission(1000 + i)
		if _, err := f.ob.Enqueue(ctx, s); err != nil {
			t.Fatal(err)
		}
		if err := cc.Put(ctx, s.Applicant.IDNumber, []kiosk.Case{{CaseNo: "PD9", ItemName: "最低生活保障", Result: "同意 " + s.Applicant.Name}}); err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, []byte(s.Applicant.IDNumber), []byte(s.Applicant.Name), []byte(s.Applicant.Address))
	}
	// An 18-character number standing alone (not inside the hex of a tag
	// or hash, where digit runs occur by chance).
	id18 := regexp.MustCompile(`(?:^|[^0-9a-fA-F])([0-9]{17}[0-9X])(?:[^0-9a-fA-F]|$)`)
	for _, name := range []string{f.st.Path(), f.st.Path() + "-wal"} {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) == 0 {
			continue
		}
		for _, s := range secrets {
			if bytes.Contains(b, s) {
				t.Fatalf("%s holds %q in clear", name, s)
			}
		}
		if m := id18.Find(b); m != nil {
			t.Fatalf("%s holds an ID-number-like string %q", name, m)
		}
	}
	// The WAL must actually have been written to, or the scan proves little.
	if st, err := os.Stat(f.st.Path() + "-wal"); err != nil || st.Size() == 0 {
		t.Fatalf("no WAL to scan: %v", err)
	}
}

func TestPendingForResident(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, OutboxOptions{})
	mine1, mine2, theirs := submission(20), submission(20), submission(21)
	mine2.ItemCode = "RS-0201"
	for _, s := range []kiosk.Submission{mine1, mine2, theirs} {
		if _, err := f.ob.Enqueue(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	cs, _ := f.ob.ClaimDue(ctx, 3)
	for _, c := range cs {
		if c.Submission.ID == mine1.ID {
			f.ob.MarkDelivered(ctx, c.Submission.ID, kiosk.Accepted{CaseNo: "PD3"})
		}
	}
	got, err := f.ob.PendingFor(ctx, mine1.Applicant.IDNumber)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != mine2.ID || got[0].ItemCode != "RS-0201" {
		t.Fatalf("pending for resident: %+v", got)
	}
}

func TestCaseCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, OutboxOptions{})
	cc := NewCaseCache(f.st, f.seal)
	id := idNumber(42)
	if _, _, err := cc.Get(ctx, id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("empty cache: %v", err)
	}
	cases := []kiosk.Case{{CaseNo: "PD20261120-000001", ItemName: "居住证签注", Status: kiosk.StatusProcessing,
		History: []kiosk.CaseEvent{{Status: kiosk.StatusAccepted, Note: "已受理"}}}}
	if err := cc.Put(ctx, id, cases); err != nil {
		t.Fatal(err)
	}
	got, at, err := cc.Get(ctx, id)
	if err != nil || len(got) != 1 || got[0].CaseNo != cases[0].CaseNo || got[0].History[0].Note != "已受理" || !at.Equal(f.clock.Now()) {
		t.Fatalf("Get = %+v, %v, %v", got, at, err)
	}
	if _, _, err := cc.Get(ctx, idNumber(43)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("another resident's cases: %v", err)
	}
	if _, _, err := cc.Get(ctx, id); err != nil {
		t.Fatal(err)
	}
	// A row moved to another resident's tag does not open.
	if _, err := f.st.DB().Exec(`UPDATE cached_cases SET applicant_tag = ?`, f.seal.Tag(idNumber(43))); err != nil {
		t.Fatal(err)
	}
	if _, _, err := cc.Get(ctx, idNumber(43)); !errors.Is(err, ErrSealBroken) {
		t.Fatalf("moved row: %v, want ErrSealBroken", err)
	}
	if err := cc.Forget(ctx, idNumber(43)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := cc.Get(ctx, idNumber(43)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after forget: %v", err)
	}
	if err := cc.Put(ctx, "", nil); err == nil {
		t.Fatal("empty ID number accepted")
	}
}

func TestMarkDeliveredGroupCommit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, OutboxOptions{})
	const n = 40
	var ids []string
	for i := 0; i < n; i++ {
		q, err := f.ob.Enqueue(ctx, submission(300+i))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, q.ID)
	}
	errs := make([]error, n+1)
	var wg sync.WaitGroup
	for i := 0; i <= n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := "01ARZ3NDEKTSV4RRFFQ69G5FAV" // unknown: fails alone
			if i < n {
				id = ids[i]
			}
			errs[i] = f.ob.MarkDelivered(ctx, id, kiosk.Accepted{CaseNo: "PD-" + strconv.Itoa(i)})
		}()
	}
	wg.Wait()
	for i := 0; i < n; i++ {
		if errs[i] != nil {
			t.Fatalf("mark %d: %v", i, errs[i])
		}
		rec, err := f.ob.Lookup(ctx, ids[i])
		if err != nil || rec.State != StateDelivered || rec.CaseNo != "PD-"+strconv.Itoa(i) {
			t.Fatalf("record %d: %+v, %v", i, rec, err)
		}
	}
	if !errors.Is(errs[n], ErrNotFound) {
		t.Fatalf("unknown id: %v, want ErrNotFound", errs[n])
	}
}

func TestUnopenableRowIsParkedNotBlocking(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, OutboxOptions{})
	bad, good := submission(50), submission(51)
	for _, s := range []kiosk.Submission{bad, good} {
		if _, err := f.ob.Enqueue(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	// Swap the sealed blobs' rows: each is bound to its own id, so the
	// moved one no longer opens.
	if _, err := f.st.DB().Exec(`UPDATE submissions SET sealed = (SELECT sealed FROM submissions WHERE id = ?) WHERE id = ?`, good.ID, bad.ID); err != nil {
		t.Fatal(err)
	}
	cs, err := f.ob.ClaimDue(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 || cs[0].Submission.ID != good.ID {
		t.Fatalf("claims %+v, want only the good row", cs)
	}
	rec, _ := f.ob.Lookup(ctx, bad.ID)
	if rec.State != StateParked || rec.Park.Code != "seal_broken" {
		t.Fatalf("bad row %+v", rec)
	}
}

// The outbox summary and the next due time never read the submissions of
// delivered rows: with a year of them, a full read made every send wait
// 140 ms (the relay asks after each one). The plan must search, not scan,
// the submissions table, and take the outbox rows from its index.
func TestCountsUseTheIndexNotTheWholeTable(t *testing.T) {
	f := newFixture(t, OutboxOptions{MinFreeBytes: -1})
	ctx := context.Background()
	for i := 0; i < 20; i++ {
		if _, err := f.ob.Enqueue(ctx, submission(i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.st.DB().ExecContext(ctx, "ANALYZE"); err != nil {
		t.Fatal(err)
	}
	for name, q := range map[string]string{
		"counts":       countsQuery,
		"next attempt": `SELECT MIN(next_attempt_ms) FROM outbox WHERE state = 'pending'`,
	} {
		rows, err := f.st.DB().QueryContext(ctx, "EXPLAIN QUERY PLAN "+q)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		for _, step := range plan {
			if strings.HasPrefix(step, "SCAN") && step != "SCAN CONSTANT ROW" {
				t.Errorf("%s: plan scans a table: %q (whole plan %q)", name, step, plan)
			}
		}
	}
}

// A previous run's claims (the process died mid-send) are handed back at
// start at once, not after their two minutes; delivered and parked rows
// are left alone.
func TestReleaseClaims(t *testing.T) {
	f := newFixture(t, OutboxOptions{MinFreeBytes: -1})
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		if _, err := f.ob.Enqueue(ctx, submission(i)); err != nil {
			t.Fatal(err)
		}
	}
	claims, err := f.ob.ClaimDue(ctx, 3)
	if err != nil || len(claims) != 3 {
		t.Fatalf("claims = %d, %v", len(claims), err)
	}
	if err := f.ob.MarkDelivered(ctx, claims[0].Submission.ID, kiosk.Accepted{CaseNo: "PD1"}); err != nil {
		t.Fatal(err)
	}
	if err := f.ob.Park(ctx, claims[1], ParkReason{Code: "validation", Reason: "bad"}); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(time.Second) // well inside the claim's time
	if again, _ := f.ob.ClaimDue(ctx, 10); len(again) != 2 {
		t.Fatalf("before release: %d due, want the 2 never claimed", len(again))
	}
	n, err := f.ob.ReleaseClaims(ctx)
	if err != nil || n != 3 {
		t.Fatalf("released %d (%v), want 3: the one still claimed and the 2 just claimed", n, err)
	}
	again, err := f.ob.ClaimDue(ctx, 10)
	if err != nil || len(again) != 3 {
		t.Fatalf("after release: %d due (%v), want 3", len(again), err)
	}
	c, _ := f.ob.Counts(ctx)
	if c.Delivered != 1 || c.Parked != 1 || c.Pending != 3 {
		t.Errorf("counts = %+v", c)
	}
	// The old claim token no longer holds its row.
	if err := f.ob.MarkRetry(ctx, claims[2], f.clock.Now(), "x"); !errors.Is(err, ErrClaimLost) {
		t.Errorf("old claim after release: %v, want ErrClaimLost", err)
	}
}

// PutBack returns a claimed row unsent: no attempt is counted, its last
// error stays, and only the claim's holder may do it.
func TestPutBackCountsNoAttempt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, OutboxOptions{})
	s := submission(11)
	if _, err := f.ob.Enqueue(ctx, s); err != nil {
		t.Fatal(err)
	}
	cs, _ := f.ob.ClaimDue(ctx, 1)
	if err := f.ob.MarkRetry(ctx, cs[0], time.Time{}, "503 busy"); err != nil {
		t.Fatal(err)
	}
	cs, _ = f.ob.ClaimDue(ctx, 1)
	if len(cs) != 1 || cs[0].Attempts != 1 {
		t.Fatalf("claim after one attempt: %+v", cs)
	}
	if err := f.ob.PutBack(ctx, cs[0], time.Time{}); err != nil {
		t.Fatal(err)
	}
	rec, err := f.ob.Lookup(ctx, s.ID)
	if err != nil || rec.State != "pending" || rec.Attempts != 1 || rec.LastError != "503 busy" {
		t.Fatalf("after PutBack: %+v, %v; want pending, 1 attempt, last error kept", rec, err)
	}
	if err := f.ob.PutBack(ctx, cs[0], time.Time{}); !errors.Is(err, ErrClaimLost) {
		t.Fatalf("PutBack of a claim no longer held = %v, want ErrClaimLost", err)
	}
}

// A row counts as possibly arrived at the central system once an attempt
// may have reached it: MarkRetry, a claim that expired in flight (the
// process hung mid-send) or one released at a restart (ReleaseClaims).
// MarkNotSent, for a request that never left, counts the attempt but not
// that; PutBack counts nothing.
func TestMayHaveArrived(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// fresh is an outbox with one queued row, and a claim of it.
	fresh := func(t *testing.T) (*fixture, func(what string, want bool) Claim) {
		f := newFixture(t, OutboxOptions{ClaimTTL: time.Minute})
		if _, err := f.ob.Enqueue(ctx, submission(7)); err != nil {
			t.Fatal(err)
		}
		return f, func(what string, want bool) Claim {
			t.Helper()
			cs, err := f.ob.ClaimDue(ctx, 1)
			if err != nil || len(cs) != 1 {
				t.Fatalf("%s: claimed %d, %v", what, len(cs), err)
			}
			if cs[0].MayHaveArrived != want {
				t.Fatalf("%s: MayHaveArrived = %v, want %v", what, cs[0].MayHaveArrived, want)
			}
			return cs[0]
		}
	}
	t.Run("not sent, put back", func(t *testing.T) {
		f, claim := fresh(t)
		c := claim("new", false)
		if err := f.ob.MarkNotSent(ctx, c, f.clock.Now(), "intake: submit: request not sent"); err != nil {
			t.Fatal(err)
		}
		c = claim("after a request that never left", false)
		if c.Attempts != 1 {
			t.Errorf("attempts = %d, want the unsent attempt counted", c.Attempts)
		}
		if err := f.ob.PutBack(ctx, c, f.clock.Now()); err != nil {
			t.Fatal(err)
		}
		claim("put back", false)
	})
	t.Run("retry", func(t *testing.T) {
		f, claim := fresh(t)
		c := claim("new", false)
		if err := f.ob.MarkRetry(ctx, c, f.clock.Now(), "503"); err != nil {
			t.Fatal(err)
		}
		c = claim("after an attempt that may have arrived", true)
		if err := f.ob.MarkNotSent(ctx, c, f.clock.Now(), "not sent"); err != nil {
			t.Fatal(err)
		}
		claim("not sent later", true)
	})
	t.Run("claim expired in flight", func(t *testing.T) {
		f, claim := fresh(t)
		claim("new", false)
		f.clock.Add(2 * time.Minute)
		claim("taken again after the claim expired", true)
	})
	t.Run("released at a restart", func(t *testing.T) {
		f, claim := fresh(t)
		claim("new", false)
		if n, err := f.ob.ReleaseClaims(ctx); err != nil || n != 1 {
			t.Fatalf("ReleaseClaims = %d, %v", n, err)
		}
		claim("released at a restart", true)
	})
}

// A database from before may_have_arrived (schema 5) counts every row it
// holds as possibly arrived: a restart of the old terminal handed claims
// back without counting an attempt, so "never tried" cannot be told. Rows
// queued after the upgrade start as not arrived.
func TestMayHaveArrivedMigration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, OutboxOptions{})
	var ids []string
	for i := 0; i < 3; i++ {
		q, err := f.ob.Enqueue(ctx, submission(20+i))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, q.ID)
	}
	// Back to schema 5: row 0 was tried twice, row 1 is in flight, row 2 untried.
	for _, q := range []string{
		`UPDATE outbox SET attempts = 2 WHERE submission_id = '` + ids[0] + `'`,
		`UPDATE outbox SET state = 'inflight', claimed_until = 1 WHERE submission_id = '` + ids[1] + `'`,
		`ALTER TABLE outbox DROP COLUMN may_have_arrived`,
		`DROP TABLE audit_chain`, // migration 0007
		`DROP TABLE audit_held`,
		`DROP TABLE ratings`, // migration 0008
		`PRAGMA user_version = 5`,
	} {
		if _, err := f.st.DB().ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	path := f.st.Path()
	f.st.Close()
	st, err := Open(ctx, path, Options{Now: f.clock.Now, Readings: testReadings()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ob, err := NewOutbox(st, f.seal, OutboxOptions{TerminalID: "PD-DEV-0001"})
	if err != nil {
		t.Fatal(err)
	}
	q, err := ob.Enqueue(ctx, submission(30))
	if err != nil {
		t.Fatal(err)
	}
	ids = append(ids, q.ID)
	for i, want := range []bool{true, true, true, false} {
		var got bool
		if err := st.DB().QueryRowContext(ctx, `SELECT may_have_arrived FROM outbox WHERE submission_id = ?`, ids[i]).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("row %d: may_have_arrived = %v after the migration, want %v", i, got, want)
		}
	}
}
