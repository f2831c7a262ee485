package seeddb

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/config"
	"github.com/pudong-community/kiosk/kiosk/kiosktest"
	"github.com/pudong-community/kiosk/kiosk/store"
)

func TestSeedWritesWhatWasAskedFor(t *testing.T) {
	ctx := context.Background()
	cfg := config.Default()
	cfg.Terminal.DataDir = t.TempDir()
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	if err := Seed(ctx, cfg, kiosktest.SampleCatalog(), Counts{Delivered: 1500, Queued: 120, CatalogETag: `"v1"`}, now); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, cfg.DatabasePath(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	key, err := store.LoadKey(cfg.KeyFilePath())
	if err != nil {
		t.Fatal(err)
	}
	sealer, _ := store.NewSealer(key)
	ob, _ := store.NewOutbox(st, sealer, store.OutboxOptions{TerminalID: cfg.Terminal.ID})
	c, err := ob.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c.Delivered != 1500 || c.Pending != 120 || c.Parked != 0 {
		t.Fatalf("counts = %+v, want 1500 delivered and 120 pending", c)
	}
	if c.OldestPending == nil || c.OldestPending.After(now) || now.Sub(*c.OldestPending) > time.Hour {
		t.Errorf("oldest pending = %v, want within the hour before %v", c.OldestPending, now)
	}
	meta, err := st.CatalogMeta(ctx)
	if err != nil || meta.ETag != `"v1"` {
		t.Errorf("catalogue meta = %+v, %v; want cached with its ETag", meta, err)
	}
	// The queued ones open with the key: the terminal can send them.
	ids, err := ob.IDs(ctx)
	if err != nil || len(ids) != 1620 {
		t.Fatalf("ids = %d (%v), want 1620", len(ids), err)
	}
	sub, err := ob.Submission(ctx, ids[len(ids)-1])
	if err != nil || sub.ItemCode == "" || !kiosk.ValidIDNumber(sub.Applicant.IDNumber) {
		t.Fatalf("last submission = %+v, %v", sub, err)
	}
}

func TestSeedRefusesACatalogueWithNothingToSubmit(t *testing.T) {
	cfg := config.Default()
	cfg.Terminal.DataDir = t.TempDir()
	err := Seed(context.Background(), cfg, kiosk.Catalog{Version: "1"}, Counts{Delivered: 1}, time.Now())
	if !errors.Is(err, ErrNoItems) {
		t.Fatalf("err = %v, want ErrNoItems", err)
	}
}

// BenchmarkSeedYear measures how long making a year-old terminal's database
// takes (it is set-up time of the start-up measurement, not a product
// figure), per 1,000 submissions.
func BenchmarkSeedYear(b *testing.B) {
	cat := kiosktest.SampleCatalog()
	for i := 0; i < b.N; i++ {
		cfg := config.Default()
		cfg.Terminal.DataDir = b.TempDir()
		if err := Seed(context.Background(), cfg, cat, Counts{Delivered: 5000, Queued: 100}, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}
