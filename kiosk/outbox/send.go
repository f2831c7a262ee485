package outbox

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/pudong-community/kiosk/kiosk/intake"
	"github.com/pudong-community/kiosk/kiosk/store"
)

// The sender: it drains the outbox, each submission with its idempotency
// key, parking what is refused for good or queued past the key window.

// SendNow makes every pending submission (and rating) due now and wakes
// the senders: staff's "send now". Parked submissions stay parked. It ends the relay's
// own backoff but not a pause the server asked for with Retry-After: the
// submissions go when that pause ends (see Status().PausedUntil).
func (r *Relay) SendNow(ctx context.Context) (int, error) {
	r.mu.Lock()
	r.gateUntil = time.Time{}
	r.mu.Unlock()
	n, err := r.cfg.Outbox.RetryNow(ctx)
	if r.cfg.Ratings != nil && err == nil {
		// The ratings waiting go too (not counted: staff's count is of
		// submissions).
		if _, rerr := r.cfg.Ratings.RetryNow(ctx); rerr != nil {
			r.log.Warn("cannot make queued ratings due", "err", rerr)
		}
	}
	r.Notify()
	return n, err
}

// runSender claims due submissions and sends them, at most MaxInFlight at
// once. After a failure of the API it sends nothing until the gate opens,
// so that the request rate during an outage is bounded by the backoff, not
// by the length of the queue.
func (r *Relay) runSender(ctx context.Context) {
	done := make(chan bool, r.cfg.MaxInFlight) // a send ended; true: it delivered
	inflight := 0
	worked := false // delivered since the last OnIdle
	finished := func(delivered bool) {
		inflight--
		worked = worked || delivered
	}
	defer func() {
		for ; inflight > 0; inflight-- {
			<-done
		}
	}()
	for ctx.Err() == nil {
		// Collect finished sends without blocking.
		for drained := false; !drained; {
			select {
			case d := <-done:
				finished(d)
			default:
				drained = true
			}
		}
		if g := r.gate(); g > 0 {
			if inflight > 0 {
				t := r.cfg.Clock.NewTimer(g)
				select {
				case d := <-done:
					finished(d)
				case <-ctx.Done():
				case <-t.C():
				}
				t.Stop()
			} else {
				r.sleep(ctx, g, r.notify)
			}
			continue
		}
		free := r.cfg.MaxInFlight - inflight
		if r.failures0() > 0 {
			free = min(free, 1) // probe with one request while the API is failing
			if inflight > 0 {
				free = 0
			}
		}
		if free <= 0 {
			// Nothing may be sent before a send in flight finishes (all
			// slots taken, or the one probe of a failing API still out):
			// wait for that. Rows being due changes nothing meanwhile, so
			// their due time must not wake the sender (it would re-read the
			// queue in a loop for as long as the request hangs). A Notify
			// stays pending and is seen after.
			select {
			case d := <-done:
				finished(d)
			case <-ctx.Done():
			}
			continue
		}
		r.queueQueries.Add(1)
		claims, err := r.cfg.Outbox.ClaimDue(ctx, free)
		if err != nil && ctx.Err() == nil {
			r.log.Error("cannot claim queued submissions", "err", err)
			r.sleep(ctx, time.Second)
			continue
		}
		if len(claims) == 0 && inflight == 0 && worked {
			worked = false
			if r.cfg.OnIdle != nil {
				r.cfg.OnIdle()
			}
		}
		for _, c := range claims {
			inflight++
			go func() {
				delivered := false
				defer func() { done <- delivered }()
				delivered = r.send(ctx, c) == outDelivered
			}()
		}
		if len(claims) > 0 && len(claims) == free {
			continue // there may be more due
		}
		wait := r.cfg.Idle
		r.queueQueries.Add(1)
		if next, ok, err := r.cfg.Outbox.NextAttempt(ctx); err == nil && ok {
			wait = min(wait, max(next.Sub(r.cfg.Now()), time.Millisecond))
		}
		if inflight == 0 {
			r.sleep(ctx, wait, r.notify)
			continue
		}
		t := r.cfg.Clock.NewTimer(wait)
		select {
		case d := <-done:
			finished(d)
		case <-r.notify:
		case <-t.C():
		case <-ctx.Done():
		}
		t.Stop()
	}
}

func (r *Relay) failures0() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failures
}

// Outcome of one send, for DrainOnce.
type outcome int

const (
	outDelivered outcome = iota
	outRetry
	outParked
	outLost // the claim was lost to another worker
)

// DefaultKeyWindow is 29 days: the 30 days the central system keeps
// idempotency keys at least, less a day for the terminal's clock.
const DefaultKeyWindow = 29 * 24 * time.Hour

// days is d in whole days, rounded.
func days(d time.Duration) int { return int((d + 12*time.Hour) / (24 * time.Hour)) }

// ParkCodeKeyWindow is the park code of a submission queued longer than
// the key window (Config.KeyWindow).
const ParkCodeKeyWindow = "key_window_passed"

// send delivers one claimed submission and records the result.
func (r *Relay) send(ctx context.Context, c store.Claim) outcome {
	id := c.Submission.ID
	// Past the key window a resend could file the case twice, but only if
	// an earlier attempt may have reached the central system: a row whose
	// every attempt failed before it left the terminal (a month offline)
	// is unknown there and is sent.
	now, timeKnown := r.ageNow()
	if !timeKnown && !c.Released && c.MayHaveArrived {
		// Its age cannot be judged: it waits for the server's time (a
		// heartbeat makes it due again as soon as that is known).
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := r.cfg.Outbox.PutBack(wctx, c, r.cfg.Now().Add(r.cfg.Idle)); err != nil {
			r.log.Warn("cannot reschedule", "local_no", c.LocalNo, "err", err)
			return outLost
		}
		return outRetry
	}
	if age := now.Sub(c.QueuedAt); age > r.cfg.KeyWindow && !c.Released && c.MayHaveArrived {
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		why := store.ParkReason{Code: ParkCodeKeyWindow, Reason: fmt.Sprintf(
			"排队超过%d天未送达，中心系统可能已不记得它的幂等键，重发可能重复立案：请先向区中心核实是否已收到，再重发或作废 / "+
				"queued %d days: the central system may no longer know its idempotency key, so sending it again could file it twice; "+
				"check with the district whether it arrived, then send it again or discard it",
			int(r.cfg.KeyWindow/(24*time.Hour)), days(age))}
		if err := r.cfg.Outbox.Park(wctx, c, why); err != nil {
			r.log.Warn("cannot park", "local_no", c.LocalNo, "err", err)
			return outLost
		}
		r.log.Warn("submission queued past the key window, parked for staff", "local_no", c.LocalNo, "days", days(age))
		r.count(func(s *Status) { s.Parked++ })
		r.parked(c, why)
		return outParked
	}
	if _, perr := r.paused(); perr != nil {
		// The server asked for a pause after this row was claimed: put it
		// back for when the pause ends instead of sending it now.
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := r.cfg.Outbox.PutBack(wctx, c, r.PausedUntil()); err != nil {
			r.log.Warn("cannot reschedule", "local_no", c.LocalNo, "err", err)
			return outLost
		}
		return outRetry
	}
	acc, _, err := r.cfg.API.Submit(ctx, c.Submission)
	if ctx.Err() != nil && err != nil {
		// Shutting down: leave the claim; it expires and the row is sent again.
		return outLost
	}
	r.observe(err)
	// Record the outcome even if ctx ends meanwhile: a delivered case must
	// not be sent again needlessly.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err == nil {
		if err := r.cfg.Outbox.MarkDelivered(wctx, id, acc); err != nil {
			r.log.Error("delivered but not recorded; it will be replayed", "local_no", c.LocalNo, "err", err)
			return outLost
		}
		r.count(func(s *Status) { s.Delivered++ })
		if r.cfg.OnDelivered != nil {
			r.cfg.OnDelivered(c, acc)
		}
		return outDelivered
	}
	var ie *intake.Error
	errors.As(err, &ie)
	park := intake.IsFinal(err)
	if ie != nil && (ie.Status == http.StatusUnauthorized || ie.Status == http.StatusForbidden) {
		// A refused token is the terminal's problem, not the submission's:
		// keep retrying (gated) until staff fix the token.
		park = false
	}
	if park {
		why := store.ParkReason{Reason: err.Error(), Code: "final"}
		if ie != nil {
			why.Code = ie.Code
			if ie.Message != "" {
				why.Reason = ie.Message
			}
			for _, f := range ie.Fields {
				why.Fields = append(why.Fields, store.FieldProblem{Field: f.Field, Code: f.Code, Message: f.Message})
			}
		}
		if err := r.cfg.Outbox.Park(wctx, c, why); err != nil {
			r.log.Warn("cannot park", "local_no", c.LocalNo, "err", err)
			return outLost
		}
		r.log.Warn("submission refused for good, parked for staff", "local_no", c.LocalNo, "code", why.Code)
		r.count(func(s *Status) { s.Parked++ })
		r.parked(c, why)
		return outParked
	}
	at := r.cfg.Now() // the next attempt is on the store's clock, the terminal's
	next := r.cfg.Backoff.Next(at, c.Attempts, r.cfg.Rand())
	if ra := intake.RetryAfter(err); ra > 0 && at.Add(ra).After(next) {
		next = at.Add(ra)
	}
	mark := r.cfg.Outbox.MarkRetry
	if errors.Is(err, intake.ErrNotSent) {
		mark = r.cfg.Outbox.MarkNotSent // it cannot have reached the central system
	}
	if err := mark(wctx, c, next, err.Error()); err != nil {
		r.log.Warn("cannot reschedule", "local_no", c.LocalNo, "err", err)
		return outLost
	}
	r.count(func(s *Status) { s.Retried++ })
	return outRetry
}

// parked tells Config.OnParked.
func (r *Relay) parked(c store.Claim, why store.ParkReason) {
	if r.cfg.OnParked != nil {
		r.cfg.OnParked(c, why)
	}
}

func (r *Relay) count(f func(*Status)) {
	r.mu.Lock()
	f(&r.status)
	r.mu.Unlock()
}

// DrainReport says what DrainOnce did.
type DrainReport struct {
	Delivered, Retry, Parked int
	// RatingsTried counts the ratings tried once after the submissions.
	RatingsTried int
	Duration     time.Duration
}

// DrainOnce makes every pending submission due and tries each once, with up
// to MaxInFlight in flight, ignoring the relay's backoff: for `kiosk diag
// sync --now` and for tests. It does not need Run. Once the server asks for
// a pause (Retry-After), it sends nothing more: the rows not yet tried stay
// queued.
func (r *Relay) DrainOnce(ctx context.Context) (DrainReport, error) {
	start := time.Now()
	var rep DrainReport
	if _, err := r.cfg.Outbox.RetryNow(ctx); err != nil {
		return rep, err
	}
	jobs := make(chan store.Claim, r.cfg.MaxInFlight)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := 0; w < r.cfg.MaxInFlight; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range jobs {
				o := r.send(ctx, c)
				mu.Lock()
				switch o {
				case outDelivered:
					rep.Delivered++
				case outRetry:
					rep.Retry++
				case outParked:
					rep.Parked++
				}
				mu.Unlock()
			}
		}()
	}
	tried := map[string]bool{}
	var err error
	for ctx.Err() == nil {
		if _, perr := r.paused(); perr != nil {
			break
		}
		claims, cerr := r.cfg.Outbox.ClaimDue(ctx, 2*r.cfg.MaxInFlight)
		if cerr != nil {
			err = cerr
			break
		}
		fresh := 0
		for _, c := range claims {
			if tried[c.Submission.ID] {
				// Tried once already in this drain: back to its schedule.
				_ = r.cfg.Outbox.PutBack(ctx, c, r.cfg.Backoff.Next(r.cfg.Now(), c.Attempts, r.cfg.Rand()))
				continue
			}
			tried[c.Submission.ID] = true
			fresh++
			jobs <- c
		}
		if fresh == 0 {
			break
		}
	}
	close(jobs)
	wg.Wait()
	if err == nil {
		rep.RatingsTried, err = r.drainRatings(ctx)
	}
	rep.Duration = time.Since(start)
	if err == nil {
		err = ctx.Err()
	}
	return rep, err
}

// drainRatings tries every pending rating once, one at a time, unless the
// server asked for a pause; it returns how many it tried.
func (r *Relay) drainRatings(ctx context.Context) (int, error) {
	api := r.ratingAPI()
	if r.cfg.Ratings == nil {
		return 0, nil
	}
	if _, err := r.cfg.Ratings.RetryNow(ctx); err != nil {
		return 0, err
	}
	tried := map[string]bool{}
	for ctx.Err() == nil {
		if _, perr := r.paused(); perr != nil {
			break
		}
		claims, err := r.cfg.Ratings.ClaimDue(ctx, 1)
		if err != nil {
			return len(tried), err
		}
		if len(claims) == 0 {
			break
		}
		c := claims[0]
		if tried[c.Rating.ID] {
			_ = r.cfg.Ratings.PutBack(ctx, c, r.cfg.Backoff.Next(r.cfg.Now(), c.Attempts, r.cfg.Rand()))
			break
		}
		tried[c.Rating.ID] = true
		r.sendRating(ctx, api, c)
	}
	return len(tried), ctx.Err()
}
