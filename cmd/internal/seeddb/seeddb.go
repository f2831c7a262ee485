// Package seeddb fills a terminal's database the way a busy terminal's
// looks after months of work: many delivered submissions with their sealed
// payloads still inside the retention window, and a backlog still queued
// after a long network outage. The start-up measurements and tests use it.
// Everything goes through the store's own Enqueue and MarkDelivered, so the
// rows are exactly what the terminal writes.
package seeddb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/config"
	"github.com/pudong-community/kiosk/kiosk/outbox/e2e"
	"github.com/pudong-community/kiosk/kiosk/store"
	"github.com/pudong-community/kiosk/kiosk/terminal"
)

// ErrNoItems: the catalogue has no item a resident may submit.
var ErrNoItems = errors.New("seeddb: the catalogue has no self-service instant item")

// Counts is what to put in.
type Counts struct {
	Delivered int // accepted by the central system, payload kept (inside retention)
	Queued    int // waiting to be sent
	// CatalogETag, when set, caches the catalogue as fetched with this
	// ETag, as a terminal that has been running holds it.
	CatalogETag string
}

// batch is how many submissions share one transaction while seeding.
const batch = 1000

// Seed writes c into the database of cfg (creating it and its sealing key),
// opened through terminal.Open as the terminal opens it.
// The delivered submissions are spread over the retention window before
// now, the queued ones over the hour before now, so local numbers and
// queue ages look real. Submissions use cat's self-service items, so that
// the central system accepts the queued ones when they are sent.
func Seed(ctx context.Context, cfg config.Config, cat kiosk.Catalog, c Counts, now time.Time) error {
	items := e2e.SelfService(cat)
	if len(items) == 0 {
		return ErrNoItems
	}
	var mu sync.Mutex
	clock := now
	// The terminal's own start: the same key, database and outbox it
	// opens, on a clock the seeding moves back in time.
	t, err := terminal.Open(ctx, cfg, terminal.Deps{Offline: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now: func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			return clock
		}})
	if err != nil {
		return err
	}
	defer t.Close()
	st, ob := t.Store(), t.Outbox()
	setClock := func(t time.Time) { mu.Lock(); clock = t; mu.Unlock() }

	window := time.Duration(cfg.Sync.RetentionDays) * 24 * time.Hour * 9 / 10
	ids, err := enqueue(ctx, st, ob, cfg, cat, items, 0, c.Delivered, func(i int) time.Time {
		return now.Add(-window + time.Duration(i)*window/time.Duration(max(c.Delivered, 1)))
	}, setClock)
	if err != nil {
		return err
	}
	if err := deliver(ctx, ob, ids, now); err != nil {
		return err
	}
	_, err = enqueue(ctx, st, ob, cfg, cat, items, c.Delivered, c.Queued, func(i int) time.Time {
		return now.Add(-time.Hour + time.Duration(i)*time.Hour/time.Duration(max(c.Queued, 1)))
	}, setClock)
	if err != nil {
		return err
	}
	setClock(now)
	if c.CatalogETag != "" {
		if err := st.PutCatalog(ctx, cat, c.CatalogETag); err != nil {
			return fmt.Errorf("seeddb: catalogue: %w", err)
		}
	}
	return nil
}

// enqueue writes n submissions, numbered from first, batch by batch.
func enqueue(ctx context.Context, st *store.Store, ob *store.Outbox, cfg config.Config, cat kiosk.Catalog,
	items []kiosk.Item, first, n int, at func(int) time.Time, setClock func(time.Time)) ([]string, error) {
	ids := make([]string, 0, n)
	for done := 0; done < n; {
		m := min(batch, n-done)
		err := st.InTx(ctx, func(tx *sql.Tx) error {
			for i := done; i < done+m; i++ {
				t := at(i)
				setClock(t)
				sub := e2e.MakeSubmission(cfg.Terminal.ID, cat.Version, items[(first+i)%len(items)], first+i)
				sub.CreatedAt = t
				q, err := ob.EnqueueTx(ctx, tx, sub)
				if err != nil {
					return err
				}
				ids = append(ids, q.ID)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("seeddb: enqueue: %w", err)
		}
		done += m
	}
	return ids, nil
}

// deliver marks ids delivered from several goroutines, so the store's group
// commit writes them in large transactions.
func deliver(ctx context.Context, ob *store.Outbox, ids []string, now time.Time) error {
	const workers = 64
	next := make(chan int)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				acc := kiosk.Accepted{CaseNo: fmt.Sprintf("PD%08d", i+1), AcceptedAt: now, DueDate: now.Format("2006-01-02")}
				if err := ob.MarkDelivered(ctx, ids[i], acc); err != nil {
					errs <- fmt.Errorf("seeddb: deliver: %w", err)
					return
				}
			}
		}()
	}
	var err error
feed:
	for i := range ids {
		select {
		case next <- i:
		case err = <-errs:
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err == nil {
		select {
		case err = <-errs:
		default:
		}
	}
	return err
}
