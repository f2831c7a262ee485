package outbox

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/pudong-community/kiosk/kiosk/intake"
	"github.com/pudong-community/kiosk/kiosk/store"
)

// SyncReport is what `kiosk diag sync` says about the link to the central
// API and the local outbox and catalogue.
type SyncReport struct {
	Reachable   bool    `json:"reachable"`
	LatencyMS   float64 `json:"latency_ms"`
	TokenValid  *bool   `json:"token_valid"` // null when the server did not answer
	ClockSkewMS *int64  `json:"clock_skew_ms"`
	Error       string  `json:"error,omitempty"`
	// PausedUntil: the central system asked the terminal to wait until
	// then (Retry-After, kept by the relay); nothing was asked of it.
	PausedUntil *time.Time    `json:"paused_until,omitempty"`
	Catalog     CatalogReport `json:"catalog"`
	Outbox      OutboxReport  `json:"outbox"`
	Drain       *DrainJSON    `json:"drain,omitempty"`
}

// CatalogReport describes the cached catalogue.
type CatalogReport struct {
	Cached      bool      `json:"cached"`
	Version     string    `json:"version,omitempty"`
	ETag        string    `json:"etag,omitempty"`
	Items       int       `json:"items"`
	GeneratedAt time.Time `json:"generated_at,omitzero"`
	FetchedAt   time.Time `json:"fetched_at,omitzero"`
	AgeSeconds  int64     `json:"age_seconds"` // since the last fetch or 304
	Current     *bool     `json:"current"`     // the server's answer to our ETag; null if unknown
}

// OutboxReport summarises the outbox.
type OutboxReport struct {
	Pending         int        `json:"pending"`
	Parked          int        `json:"parked"`
	Delivered       int        `json:"delivered"`
	OldestPendingAt *time.Time `json:"oldest_pending_at"`
}

// DrainJSON is a DrainReport for JSON.
type DrainJSON struct {
	Delivered  int     `json:"delivered"`
	Retry      int     `json:"retry"`
	Parked     int     `json:"parked"`
	Ratings    int     `json:"ratings_tried,omitempty"`
	DurationMS float64 `json:"duration_ms"`
}

// ProbeOptions are what Probe looks at.
type ProbeOptions struct {
	API    API
	Store  *store.Store
	Outbox *store.Outbox
	// Dates, when the client's transport is wrapped in it, gives the clock
	// skew from the server's Date header; optional.
	Dates *DateRecorder
	Now   func() time.Time
}

// Probe asks the server for the catalogue with the cached ETag (a cheap
// 304 when current), which shows reachability, latency and whether the token
// is accepted, and reads the local catalogue and outbox. It changes nothing.
func Probe(ctx context.Context, o ProbeOptions) (SyncReport, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	var rep SyncReport
	meta, err := o.Store.CatalogMeta(ctx)
	switch {
	case err == nil:
		rep.Catalog = CatalogReport{Cached: true, Version: meta.Version, ETag: meta.ETag, Items: meta.Items,
			GeneratedAt: meta.GeneratedAt, FetchedAt: meta.FetchedAt, AgeSeconds: int64(o.Now().Sub(meta.FetchedAt) / time.Second)}
	case errors.Is(err, store.ErrNoCatalog):
	default:
		return rep, err
	}
	cnt, err := o.Outbox.Counts(ctx)
	if err != nil {
		return rep, err
	}
	rep.Outbox = OutboxReport{Pending: cnt.Pending, Parked: cnt.Parked, Delivered: cnt.Delivered, OldestPendingAt: cnt.OldestPending}

	if until, ok := StoredPause(ctx, o.Store, o.Now()); ok {
		// The server answered last with a pause; it is not asked again
		// before it ends.
		rep.PausedUntil, rep.Reachable = &until, true
		return rep, nil
	}
	t0 := time.Now()
	_, _, notModified, err := o.API.Catalog(ctx, meta.ETag)
	rep.LatencyMS = float64(time.Since(t0).Microseconds()) / 1000
	var ie *intake.Error
	answered := err == nil || (errors.As(err, &ie) && ie.Status != 0)
	rep.Reachable = answered
	if answered {
		ok := err == nil || (ie.Status != http.StatusUnauthorized && ie.Status != http.StatusForbidden)
		rep.TokenValid = &ok
	}
	if err != nil {
		rep.Error = err.Error()
	} else if rep.Catalog.Cached {
		rep.Catalog.Current = &notModified
	}
	if o.Dates != nil {
		if skew, ok := o.Dates.Skew(); ok {
			ms := skew.Milliseconds()
			rep.ClockSkewMS = &ms
		}
	}
	return rep, nil
}

// DateRecorder is an http.RoundTripper that notes the server's Date header
// against the local clock, for the clock skew.
type DateRecorder struct {
	Next http.RoundTripper
	Now  func() time.Time // time.Now when nil

	mu   sync.Mutex
	skew time.Duration
	ok   bool
}

// RoundTrip passes the request on and records the skew of the answer.
func (d *DateRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	now := d.Now
	if now == nil {
		now = time.Now
	}
	t0 := now()
	resp, err := d.Next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	if date, perr := http.ParseTime(resp.Header.Get("Date")); perr == nil {
		t1 := now()
		mid := t0.Add(t1.Sub(t0) / 2)
		d.mu.Lock()
		// The header has whole seconds: the truncation is in the skew.
		d.skew, d.ok = date.Sub(mid.Truncate(time.Second)), true
		d.mu.Unlock()
	}
	return resp, nil
}

// Skew is the server's clock minus ours at the last answer with a Date.
func (d *DateRecorder) Skew() (time.Duration, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.skew, d.ok
}

// JSON converts a DrainReport.
func (r DrainReport) JSON() *DrainJSON {
	return &DrainJSON{Delivered: r.Delivered, Retry: r.Retry, Parked: r.Parked, Ratings: r.RatingsTried, DurationMS: float64(r.Duration.Microseconds()) / 1000}
}
