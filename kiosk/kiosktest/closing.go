package kiosktest

import (
	"context"
	"sync"

	"github.com/pudong-community/kiosk/kiosk"
)

// The fakes of the services that close the loop: ratings (好差评) and calls
// for staff.
var (
	_ kiosk.RatingService = (*Ratings)(nil)
	_ kiosk.Assistance    = (*Assist)(nil)
)

// Ratings is an in-memory kiosk.RatingService: it validates each rating as
// the central system would and keeps those it took.
type Ratings struct {
	mu    sync.Mutex
	got   []kiosk.Rating
	err   error
	calls int
}

// NewRatings returns an empty rating service.
func NewRatings() *Ratings { return &Ratings{} }

// SetError makes Rate fail with err (nil: succeed again).
func (r *Ratings) SetError(err error) {
	r.mu.Lock()
	r.err = err
	r.mu.Unlock()
}

// Rate keeps a valid rating; an invalid one is refused as the server's 422
// would refuse it.
func (r *Ratings) Rate(ctx context.Context, rt kiosk.Rating) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.err != nil {
		return r.err
	}
	if err := rt.Validate(); err != nil {
		return &kiosk.RejectedError{Code: "invalid_rating", Message: err.Error()}
	}
	rt.Reasons = append([]string(nil), rt.Reasons...)
	r.got = append(r.got, rt)
	return nil
}

// Got returns the ratings taken, in order.
func (r *Ratings) Got() []kiosk.Rating {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]kiosk.Rating(nil), r.got...)
}

// Calls counts the calls of Rate, refused ones included.
func (r *Ratings) Calls() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls
}

// AssistCall is one call for staff as the fake saw it.
type AssistCall struct {
	Screen, Reason string
}

// Assist is a kiosk.Assistance answering what it was told to: a result, or
// nothing until the caller's context ends (a centre that never answers).
type Assist struct {
	mu    sync.Mutex
	res   kiosk.AssistanceResult
	hang  bool
	calls []AssistCall
}

// NewAssist returns a call service that answers res.
func NewAssist(res kiosk.AssistanceResult) *Assist { return &Assist{res: res} }

// Set changes the answer.
func (a *Assist) Set(res kiosk.AssistanceResult) {
	a.mu.Lock()
	a.res = res
	a.mu.Unlock()
}

// Hang makes calls wait for their context to end, then answer that
// nobody confirmed (a call that timed out).
func (a *Assist) Hang(on bool) {
	a.mu.Lock()
	a.hang = on
	a.mu.Unlock()
}

// CallStaff records the call and answers.
func (a *Assist) CallStaff(ctx context.Context, screen, reason string) kiosk.AssistanceResult {
	a.mu.Lock()
	a.calls = append(a.calls, AssistCall{screen, reason})
	res, hang := a.res, a.hang
	a.mu.Unlock()
	if hang {
		<-ctx.Done()
		return kiosk.AssistanceResult{}
	}
	return res
}

// Calls returns the calls made, in order.
func (a *Assist) Calls() []AssistCall {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]AssistCall(nil), a.calls...)
}
