package outbox

import (
	"context"
)

// The purge duty: delivered submissions, and sent or refused ratings,
// past the retention go.

// runPurge purges delivered submissions past the retention every
// PurgeInterval.
func (r *Relay) runPurge(ctx context.Context) {
	for ctx.Err() == nil {
		now, ok := r.ageNow()
		if !ok {
			r.log.Warn("not purging: the terminal's clock cannot be right and the central system's time is not known yet")
		} else if n, err := r.cfg.Outbox.PurgeAsOf(ctx, now, r.cfg.Retention); err != nil && ctx.Err() == nil {
			r.log.Warn("purge failed", "err", err)
		} else if n > 0 {
			r.log.Info("purged delivered submissions past retention", "count", n)
		}
		if ok && r.cfg.Ratings != nil {
			if n, err := r.cfg.Ratings.PurgeAsOf(ctx, now, r.cfg.Retention); err != nil && ctx.Err() == nil {
				r.log.Warn("rating purge failed", "err", err)
			} else if n > 0 {
				r.log.Info("purged sent and refused ratings past retention", "count", n)
			}
		}
		r.sleep(ctx, r.cfg.PurgeInterval)
	}
}
