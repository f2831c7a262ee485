package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/internal/clock/clocktest"
	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/audit"
)

func rating(level int, reasons ...string) kiosk.Rating {
	return kiosk.Rating{ID: kiosk.NewSubmissionID(), At: time.Date(2026, 11, 27, 9, 31, 0, 0, kiosk.Zone()),
		Service: kiosk.RateSubmission, CaseNo: "PD2026112700042", ItemCode: "MZ-0103", Level: level, Reasons: reasons}
}

func TestRatingsQueue(t *testing.T) {
	f := newFixture(t, OutboxOptions{})
	ctx := context.Background()
	q := f.st.Ratings(time.Minute)

	good, poor := rating(5), rating(1, "attitude", "efficiency")
	for _, r := range []kiosk.Rating{good, poor} {
		if err := q.Enqueue(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.Enqueue(ctx, good); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("second enqueue of one id: %v", err)
	}
	for name, r := range map[string]kiosk.Rating{
		"no id":            {At: good.At, Service: kiosk.RateGuide, Level: 4},
		"reasons for good": {ID: kiosk.NewSubmissionID(), At: good.At, Service: kiosk.RateGuide, Level: 4, Reasons: []string{"attitude"}},
		"poor, no reason":  {ID: kiosk.NewSubmissionID(), At: good.At, Service: kiosk.RateGuide, Level: 2},
		"no time":          {ID: kiosk.NewSubmissionID(), Service: kiosk.RateGuide, Level: 4},
	} {
		if err := q.Enqueue(ctx, r); !errors.Is(err, ErrBadRating) {
			t.Errorf("%s: %v", name, err)
		}
	}

	claims, err := q.ClaimDue(ctx, 10)
	if err != nil || len(claims) != 2 {
		t.Fatalf("claims %d, %v", len(claims), err)
	}
	if again, _ := q.ClaimDue(ctx, 10); len(again) != 0 {
		t.Fatalf("claimed twice: %d", len(again))
	}
	byID := map[string]RatingClaim{}
	for _, c := range claims {
		byID[c.Rating.ID] = c
	}
	if c := byID[poor.ID]; c.Rating.Level != 1 || len(c.Rating.Reasons) != 2 || c.Rating.CaseNo != poor.CaseNo {
		t.Fatalf("rating read back as %+v", c.Rating)
	}
	if err := q.MarkDelivered(ctx, good.ID); err != nil {
		t.Fatal(err)
	}
	// A retry, then the claim expires in flight and is claimed again.
	next := f.clock.Now().Add(10 * time.Second)
	if err := q.MarkRetry(ctx, byID[poor.ID], next, "refused: 310115199001011234"); err != nil {
		t.Fatal(err)
	}
	if err := q.MarkRetry(ctx, byID[poor.ID], next, "x"); !errors.Is(err, ErrClaimLost) {
		t.Fatalf("a stale claim: %v", err)
	}
	rec, _ := q.Lookup(ctx, poor.ID)
	if strings.Contains(rec.LastError, "310115199001011234") || rec.Attempts != 1 || rec.State != StatePending {
		t.Fatalf("after retry: %+v", rec)
	}
	if c, _ := q.ClaimDue(ctx, 10); len(c) != 0 {
		t.Fatal("claimed before due")
	}
	if at, ok, _ := q.NextAttempt(ctx); !ok || !at.Equal(time.UnixMilli(next.UnixMilli())) {
		t.Fatalf("next attempt %v %v", at, ok)
	}
	f.clock.Add(11 * time.Second)
	c1, _ := q.ClaimDue(ctx, 10)
	if len(c1) != 1 {
		t.Fatalf("due: %d", len(c1))
	}
	f.clock.Add(2 * time.Minute) // the claim expired
	c2, _ := q.ClaimDue(ctx, 10)
	if len(c2) != 1 || c2[0].Token == c1[0].Token {
		t.Fatalf("expired claim not taken over: %d", len(c2))
	}
	if err := q.Park(ctx, c1[0], "validation_failed", "x"); !errors.Is(err, ErrClaimLost) {
		t.Fatalf("park under a lost claim: %v", err)
	}
	if err := q.Park(ctx, c2[0], "validation_failed", "reasons not allowed"); err != nil {
		t.Fatal(err)
	}
	cnt, _ := q.Counts(ctx)
	if cnt != (RatingCounts{Pending: 0, Parked: 1, Delivered: 1}) {
		t.Fatalf("counts %+v", cnt)
	}

	// Retention: nothing before, both after.
	if n, _ := q.PurgeAsOf(ctx, f.clock.Now(), 24*time.Hour); n != 0 {
		t.Fatalf("purged %d early", n)
	}
	if n, _ := q.PurgeAsOf(ctx, f.clock.Now().Add(25*time.Hour), 24*time.Hour); n != 2 {
		t.Fatalf("purged %d, want 2", n)
	}
	if _, err := q.Lookup(ctx, good.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after purge: %v", err)
	}
}

func TestRatingsReleaseClaims(t *testing.T) {
	f := newFixture(t, OutboxOptions{})
	ctx := context.Background()
	q := f.st.Ratings(time.Hour)
	r := rating(4)
	if err := q.Enqueue(ctx, r); err != nil {
		t.Fatal(err)
	}
	if c, _ := q.ClaimDue(ctx, 1); len(c) != 1 {
		t.Fatal("not claimed")
	}
	// A restart: the previous run's claim is handed back at once.
	if n, err := q.ReleaseClaims(ctx); err != nil || n != 1 {
		t.Fatalf("released %d, %v", n, err)
	}
	if c, _ := q.ClaimDue(ctx, 1); len(c) != 1 || c[0].Rating.ID != r.ID {
		t.Fatal("not due after release")
	}
}

// A database that fails its check is recovered with its unsent ratings:
// pending and in flight ones queued again, refused ones still set aside;
// sent ones are left behind.
func TestRecoverCarriesRatings(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	clk := clocktest.New(time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC))
	path := filepath.Join(dir, "kiosk.db")
	st, err := Open(ctx, path, Options{Now: clk.Now, Readings: testReadings()})
	if err != nil {
		t.Fatal(err)
	}
	key, err := LoadOrCreateKey(filepath.Join(dir, "seal.key"))
	if err != nil {
		t.Fatal(err)
	}
	q := st.Ratings(time.Minute)
	rs := []kiosk.Rating{rating(5), rating(4), rating(3), rating(1, "attitude")}
	for _, r := range rs {
		if err := q.Enqueue(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	claims, _ := q.ClaimDue(ctx, 10)
	for _, c := range claims {
		switch c.Rating.ID {
		case rs[0].ID:
			q.PutBack(ctx, c, clk.Now())
		case rs[2].ID:
			q.MarkDelivered(ctx, c.Rating.ID)
		case rs[3].ID:
			q.Park(ctx, c, "validation_failed", "no")
		} // rs[1] stays in flight
	}
	trail, _ := audit.New(st.AuditLog(), clk.Now)
	for i := range 300 {
		if _, err := trail.Record(ctx, audit.VisitStart, "", fmt.Sprintf("visit %d %s", i, strings.Repeat("x", 60))); err != nil {
			t.Fatal(err)
		}
	}
	tm := &tmplDB{dir: dir, key: key, roots: map[string]int{}, at: clk.Now()}
	rows, err := st.DB().QueryContext(ctx, `SELECT name, rootpage FROM sqlite_master WHERE rootpage > 0`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		var root int
		rows.Scan(&name, &root)
		tm.roots[name] = root
	}
	rows.Close()
	st.DB().QueryRowContext(ctx, "PRAGMA page_size").Scan(&tm.pageSz)
	st.DB().ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	st.Close()
	if tm.schema, err = os.ReadFile(path + SchemaMapSuffix); err != nil {
		t.Fatal(err)
	}
	if tm.file, err = os.ReadFile(path); err != nil {
		t.Fatal(err)
	}

	rc := recoverFrom(t, tm, func(b []byte) { tm.smash(b, tm.mid(b, "audit")) })
	if rc.rec == nil {
		t.Fatal("the damaged database was not recovered")
	}
	if rc.rec.Ratings != 3 {
		t.Errorf("ratings carried over: %d, want 3", rc.rec.Ratings)
	}
	q2 := rc.st.Ratings(time.Minute)
	for i, want := range []string{StatePending, StatePending, "", StateParked} {
		rec, err := q2.Lookup(ctx, rs[i].ID)
		if want == "" {
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("sent rating %d carried over: %+v", i, rec)
			}
			continue
		}
		if err != nil || rec.State != want || rec.Rating.Level != rs[i].Level {
			t.Errorf("rating %d: %+v %v, want %s", i, rec, err, want)
		}
	}
	if c, _ := q2.ClaimDue(ctx, 10); len(c) != 2 {
		t.Errorf("%d ratings due after the recovery, want 2", len(c))
	}
}
