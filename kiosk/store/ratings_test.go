package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
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
