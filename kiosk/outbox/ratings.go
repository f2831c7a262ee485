package outbox

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/intake"
	"github.com/pudong-community/kiosk/kiosk/store"
)

// The rating duty: satisfaction ratings (好差评) go as submissions do:
// durable first (store.Ratings), sent once under the rating id as the
// idempotency key, retried with the same backoff, a final refusal (422)
// kept aside and never sent again, purged after the retention.

// RatingAPI is the part of the central API that takes ratings
// (POST /v1/ratings); *intake.Client has it, and API includes it.
type RatingAPI interface {
	Rate(ctx context.Context, r kiosk.Rating) (replayed bool, err error)
}

// ratingAPI is the API that takes ratings: Config.RatingAPI, else
// Config.API.
func (r *Relay) ratingAPI() RatingAPI {
	if r.cfg.RatingAPI != nil {
		return r.cfg.RatingAPI
	}
	return r.cfg.API
}

// NotifyRating wakes the rating sender at once (call it after
// store.Ratings.Enqueue). Notify wakes it too.
func (r *Relay) NotifyRating() { poke(r.rateWake) }

// runRatings sends due ratings one at a time, never during the server's
// pause or the relay's backoff after failures of the API.
func (r *Relay) runRatings(ctx context.Context) {
	if r.cfg.Ratings == nil {
		return
	}
	api := r.ratingAPI()
	for ctx.Err() == nil {
		if g := r.gate(); g > 0 {
			r.sleep(ctx, g, r.rateWake)
			continue
		}
		claims, err := r.cfg.Ratings.ClaimDue(ctx, 1)
		if err != nil {
			if ctx.Err() == nil {
				r.log.Error("cannot claim queued ratings", "err", err)
				r.sleep(ctx, time.Second)
			}
			continue
		}
		if len(claims) == 1 {
			r.sendRating(ctx, api, claims[0])
			continue
		}
		wait := r.cfg.Idle
		if next, ok, err := r.cfg.Ratings.NextAttempt(ctx); err == nil && ok {
			wait = min(wait, max(next.Sub(r.cfg.Now()), time.Millisecond))
		}
		r.sleep(ctx, wait, r.rateWake)
	}
}

// sendRating delivers one claimed rating and records the result.
func (r *Relay) sendRating(ctx context.Context, api RatingAPI, c store.RatingClaim) {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	id := c.Rating.ID
	if _, perr := r.paused(); perr != nil {
		if err := r.cfg.Ratings.PutBack(wctx, c, r.PausedUntil()); err != nil {
			r.log.Warn("cannot reschedule rating", "rating_id", id, "err", err)
		}
		return
	}
	_, err := api.Rate(ctx, c.Rating)
	if ctx.Err() != nil && err != nil {
		return // shutting down: the claim expires, or the next start releases it
	}
	r.observe(err)
	if err == nil {
		if err := r.cfg.Ratings.MarkDelivered(wctx, id); err != nil {
			r.log.Error("rating delivered but not recorded; it will be sent again (harmless: same key)", "rating_id", id, "err", err)
			return
		}
		r.count(func(s *Status) { s.RatingsDelivered++ })
		return
	}
	var ie *intake.Error
	errors.As(err, &ie)
	final := intake.IsFinal(err) && !(ie != nil && (ie.Status == http.StatusUnauthorized || ie.Status == http.StatusForbidden))
	if final {
		code, reason := "final", err.Error()
		if ie != nil {
			if ie.Code != "" {
				code = ie.Code
			}
			if ie.Message != "" {
				reason = ie.Message
			}
		}
		if err := r.cfg.Ratings.Park(wctx, c, code, reason); err != nil {
			r.log.Warn("cannot set the refused rating aside", "rating_id", id, "err", err)
			return
		}
		r.log.Warn("rating refused for good by the central system; kept aside, never sent again",
			"rating_id", id, "service", c.Rating.Service, "code", code)
		r.count(func(s *Status) { s.RatingsRefused++ })
		if r.cfg.OnRatingRefused != nil {
			r.cfg.OnRatingRefused(c.Rating, code)
		}
		return
	}
	at := r.cfg.Now()
	next := r.cfg.Backoff.Next(at, c.Attempts, r.cfg.Rand())
	if ra := intake.RetryAfter(err); ra > 0 && at.Add(ra).After(next) {
		next = at.Add(ra)
	}
	if err := r.cfg.Ratings.MarkRetry(wctx, c, next, err.Error()); err != nil {
		r.log.Warn("cannot reschedule rating", "rating_id", id, "err", err)
	}
}
