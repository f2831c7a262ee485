package outbox

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/intake"
	"github.com/pudong-community/kiosk/kiosk/store"
)

// rateServer is a real HTTP server of POST /v1/ratings with the contract's
// idempotency: a rating is recorded once per key, a repeat answers 200.
type rateServer struct {
	*httptest.Server
	down     atomic.Bool
	mu       sync.Mutex
	recorded map[string]kiosk.Rating
	requests map[string]int
	// fault may drop the connection after recording (dropAfter) or answer
	// with a status instead (0: normal).
	fault func(r kiosk.Rating, n int) (status int, dropAfter bool)
}

func newRateServer(t *testing.T) *rateServer {
	s := &rateServer{recorded: map[string]kiosk.Rating{}, requests: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.down.Load() {
			drop(w)
			return
		}
		var rt kiosk.Rating
		if err := json.NewDecoder(r.Body).Decode(&rt); err != nil || rt.ID != r.Header.Get("Idempotency-Key") {
			writeErr(w, 400, "idempotency_key_required", "key")
			return
		}
		s.mu.Lock()
		s.requests[rt.ID]++
		n := s.requests[rt.ID]
		status, dropAfter := 0, false
		if s.fault != nil {
			status, dropAfter = s.fault(rt, n)
		}
		if status != 0 {
			s.mu.Unlock()
			writeErr(w, status, map[int]string{422: "validation_failed", 503: "unavailable"}[status], "scripted")
			return
		}
		_, replay := s.recorded[rt.ID]
		if !replay {
			s.recorded[rt.ID] = rt
		}
		s.mu.Unlock()
		if dropAfter {
			drop(w) // recorded, but the answer is lost
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if replay {
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(200)
		} else {
			w.WriteHeader(201)
		}
		json.NewEncoder(w).Encode(map[string]string{"rating_id": rt.ID, "status": "recorded"})
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *rateServer) count(id string) (recorded bool, requests int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.recorded[id]
	return ok, s.requests[id]
}

// httpRater posts ratings as the API client does, its errors classified
// as the client's (*intake.Error).
type httpRater struct{ url string }

func (h httpRater) Rate(ctx context.Context, r kiosk.Rating) (bool, error) {
	body, _ := json.Marshal(r)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, h.url+"/v1/ratings", bytes.NewReader(body))
	req.Header.Set("Idempotency-Key", r.ID)
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return false, &intake.Error{Op: "rate", Code: "transport", Err: intake.ErrTransport}
	}
	defer resp.Body.Close()
	if resp.StatusCode == 200 || resp.StatusCode == 201 {
		return resp.StatusCode == 200, nil
	}
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	json.NewDecoder(resp.Body).Decode(&e)
	return false, &intake.Error{Op: "rate", Status: resp.StatusCode, Code: e.Error.Code, Message: e.Error.Message}
}

func newRating(level int, reasons ...string) kiosk.Rating {
	return kiosk.Rating{ID: kiosk.NewSubmissionID(), At: time.Now(), Service: kiosk.RateTicket, TicketNo: "A023", Level: level, Reasons: reasons}
}

func TestRatingsSentOnceDespiteLostAnswer(t *testing.T) {
	rs := newRateServer(t)
	var refused []string
	var mu sync.Mutex
	var q *store.Ratings
	r := newRig(t, func(c *Config) {
		q = c.Store.Ratings(time.Minute)
		c.Ratings, c.RatingAPI = q, httpRater{rs.URL}
		c.OnRatingRefused = func(rt kiosk.Rating, code string) {
			mu.Lock()
			refused = append(refused, rt.ID+" "+code)
			mu.Unlock()
		}
	})
	lost, good, bad := newRating(5), newRating(4), newRating(1, "attitude")
	rs.fault = func(rt kiosk.Rating, n int) (int, bool) {
		switch {
		case rt.ID == lost.ID && n == 1:
			return 0, true // recorded, answer dropped
		case rt.ID == bad.ID:
			return 422, false
		}
		return 0, false
	}
	ctx := context.Background()
	for _, rt := range []kiosk.Rating{lost, good, bad} {
		if err := q.Enqueue(ctx, rt); err != nil {
			t.Fatal(err)
		}
	}
	r.run(t)
	r.relay.NotifyRating()
	waitFor(t, "every rating settled", func() bool {
		c, _ := q.Counts(ctx)
		return c.Pending == 0
	})
	for _, rt := range []kiosk.Rating{lost, good} {
		rec, _ := q.Lookup(ctx, rt.ID)
		if rec.State != store.StateDelivered {
			t.Errorf("%s: %s", rt.ID, rec.State)
		}
	}
	if ok, n := rs.count(lost.ID); !ok || n != 2 {
		t.Errorf("the rating whose answer was lost: recorded %v after %d requests; want one retry under the same key", ok, n)
	}
	if ok, n := rs.count(good.ID); !ok || n != 1 {
		t.Errorf("good: recorded %v, %d requests", ok, n)
	}
	rec, _ := q.Lookup(ctx, bad.ID)
	if rec.State != store.StateParked || rec.ParkCode != "validation_failed" {
		t.Errorf("refused rating: %+v", rec)
	}
	mu.Lock()
	if len(refused) != 1 || refused[0] != bad.ID+" validation_failed" {
		t.Errorf("refusals told: %v", refused)
	}
	mu.Unlock()
	// Never sent again.
	time.Sleep(200 * time.Millisecond)
	if _, n := rs.count(bad.ID); n != 1 {
		t.Errorf("a refused rating was sent %d times", n)
	}
	if st := r.relay.Status(); st.RatingsDelivered != 2 || st.RatingsRefused != 1 {
		t.Errorf("status: %d delivered, %d refused", st.RatingsDelivered, st.RatingsRefused)
	}
}

func TestRatingsWaitForTheNetwork(t *testing.T) {
	rs := newRateServer(t)
	var q *store.Ratings
	r := newRig(t, func(c *Config) {
		q = c.Store.Ratings(time.Minute)
		c.Ratings, c.RatingAPI = q, httpRater{rs.URL}
	})
	rs.down.Store(true)
	r.srv.down.Store(true)
	ctx := context.Background()
	rt := newRating(3)
	if err := q.Enqueue(ctx, rt); err != nil {
		t.Fatal(err)
	}
	r.run(t)
	r.relay.NotifyRating()
	waitFor(t, "a failed attempt", func() bool {
		rec, _ := q.Lookup(ctx, rt.ID)
		return rec.Attempts >= 1
	})
	if !r.relay.Offline() {
		t.Error("relay does not know it is offline")
	}
	rs.down.Store(false)
	r.srv.down.Store(false)
	waitFor(t, "delivery after the network returned", func() bool {
		rec, _ := q.Lookup(ctx, rt.ID)
		return rec.State == store.StateDelivered
	})
	if ok, _ := rs.count(rt.ID); !ok {
		t.Fatal("not recorded")
	}
}

// centerCmdAPI is the client whose heartbeat replies carry refresh_center
// (the command as kiosk/intake passes it on from v1.1).
type centerCmdAPI struct{ *intake.Client }

func (c centerCmdAPI) Heartbeat(ctx context.Context, hb intake.Heartbeat) (intake.HeartbeatReply, error) {
	rep, err := c.Client.Heartbeat(ctx, hb)
	if err == nil {
		rep.Commands = append(rep.Commands, intake.Command{ID: "c1", Type: CommandRefreshCenter})
	}
	return rep, err
}

func TestHeartbeatRefreshCenter(t *testing.T) {
	var calls atomic.Int32
	r := newRig(t, func(c *Config) {
		c.API = centerCmdAPI{c.API.(*intake.Client)}
		c.RefreshCenter = func() { calls.Add(1) }
	})
	r.run(t)
	waitFor(t, "refresh_center acted on", func() bool { return calls.Load() > 0 })
}
