package outbox

import (
	"context"
	"errors"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/store"
)

// The catalogue duty: a refresh at start, on schedule and on command.

// RefreshCatalog asks the running relay to refresh the catalogue now and
// waits for the outcome (nil also when the server said 304). During a pause
// the server asked for it returns ErrPaused at once, and the relay refreshes
// the catalogue when the pause ends.
func (r *Relay) RefreshCatalog(ctx context.Context) error {
	done := make(chan error, 1)
	select {
	case r.catalogCmd <- done:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// runCatalog refreshes the catalogue at start, on schedule and on command.
func (r *Relay) runCatalog(ctx context.Context) {
	fails := 0
	for {
		err := r.refreshCatalog(ctx)
		next := r.cfg.CatalogRefresh
		if err != nil && ctx.Err() == nil {
			// Try sooner than the schedule while there is no good answer,
			// backing off while the failures go on.
			if !errors.Is(err, ErrPaused) { // no call was made
				fails++
			}
			next = min(next, r.cfg.Backoff.Delay(fails+1, r.cfg.Rand()))
		} else {
			fails = 0
		}
		// Never before the end of a pause the server asked for.
		pause, _ := r.paused()
		next = max(next, pause)
		t := r.cfg.Clock.NewTimer(next)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C():
		case done := <-r.catalogCmd:
			t.Stop()
			done <- r.refreshCatalog(ctx)
		}
	}
}

// refreshCatalog fetches the catalogue with the cached ETag and stores a
// good, not older one; anything else keeps the cached catalogue. During the
// server's pause it makes no call and returns ErrPaused.
func (r *Relay) refreshCatalog(ctx context.Context) error {
	if _, err := r.paused(); err != nil {
		return err
	}
	meta, err := r.cfg.Store.CatalogMeta(ctx)
	if err != nil && !errors.Is(err, store.ErrNoCatalog) {
		return err
	}
	cat, etag, notModified, err := r.cfg.API.Catalog(ctx, meta.ETag)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	r.observe(err)
	if err == nil && notModified {
		err = r.cfg.Store.TouchCatalog(ctx)
		if cached, cerr := r.cfg.Store.Catalog(ctx); err == nil && cerr == nil {
			// Kept, but staff are told when a new year finds its calendar short.
			err = r.checkCalendar(cached.Catalog)
		}
	} else if err == nil {
		err = r.checkCalendar(cat)
	}
	if err == nil && !notModified {
		err = r.cfg.Store.PutCatalog(ctx, cat, etag)
		if err == nil {
			meta.Version = cat.Version
			r.log.Info("catalogue replaced", "version", cat.Version, "items", len(cat.Items))
		}
	}
	r.mu.Lock()
	r.status.CatalogVersion = meta.Version
	r.status.CatalogError = ""
	if err != nil {
		r.status.CatalogError = err.Error()
	}
	r.mu.Unlock()
	if err != nil {
		r.log.Warn("catalogue not refreshed; keeping the cached one", "err", err)
	}
	return err
}

// checkCalendar refuses a catalogue whose calendar does not cover this
// year and the next, judged by the time the relay trusts (none is refused
// for it while the terminal's clock cannot be right).
func (r *Relay) checkCalendar(cat kiosk.Catalog) error {
	now, ok := r.judgeNow()
	if !ok {
		return nil
	}
	return cat.CheckCalendar(now)
}
