package backend

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/audit"
	"github.com/pudong-community/kiosk/kiosk/store"
)

// CenterAPI is the part of the central API the centre's screens need;
// *intake.Client has it (v1.1).
type CenterAPI interface {
	Center(ctx context.Context, etag string) (kiosk.Center, string, bool, error)
	Queue(ctx context.Context) (kiosk.QueueState, error)
	TakeTicket(ctx context.Context, ticketID string, r kiosk.TicketRequest) (kiosk.Ticket, error)
}

// Settings keeping the centre's data for offline use.
const (
	SettingCenter        = "center.json"
	SettingCenterETag    = "center.etag"
	SettingCenterFetched = "center.fetched_at"
)

// Defaults of the centre service.
const (
	DefaultQueueTTL      = 15 * time.Second
	DefaultCenterRefresh = 24 * time.Hour
	// ticketKeyTTL: a ticket request whose answer was lost is retried
	// under the same ticket id for this long.
	ticketKeyTTL = 10 * time.Minute
)

// CenterService is kiosk.CenterService: the centre's data from a cache kept
// in the store (refreshed at start, daily and on the heartbeat command
// refresh_center), the live queue cached for 15 s, and queue tickets that
// need the network.
type CenterService struct {
	b   *Backend
	api CenterAPI
	// QueueTTL is how long a queue answer is shown again (DefaultQueueTTL).
	QueueTTL time.Duration
	// RefreshEvery is how often Run refreshes the centre's data
	// (DefaultCenterRefresh).
	RefreshEvery time.Duration

	wake chan struct{}
	keys *pendingKeys

	mu      sync.Mutex
	center  *kiosk.Center
	fresh   bool // the last refresh succeeded
	queue   *kiosk.QueueState
	queueAt time.Time
}

// CenterService makes the centre service over api.
func (b *Backend) CenterService(api CenterAPI) *CenterService {
	return &CenterService{b: b, api: api, wake: make(chan struct{}, 1), keys: newPendingKeys(ticketKeyTTL)}
}

var _ kiosk.CenterService = (*CenterService)(nil)

// RefreshSoon asks Run to refresh the centre's data now (the heartbeat
// command refresh_center). It never blocks.
func (c *CenterService) RefreshSoon() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// Run refreshes the centre's data at start, every RefreshEvery, and on
// RefreshSoon, until ctx ends. A failed refresh is tried again sooner (a
// minute, doubling up to an hour). It returns nil when ctx ends.
func (c *CenterService) Run(ctx context.Context) error {
	every := c.RefreshEvery
	if every <= 0 {
		every = DefaultCenterRefresh
	}
	retry := time.Minute
	for {
		next := every
		if err := c.Refresh(ctx); err != nil && ctx.Err() == nil {
			next = min(every, retry)
			retry = min(2*retry, time.Hour)
		} else {
			retry = time.Minute
		}
		t := time.NewTimer(next)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		case <-c.wake:
			t.Stop()
		}
	}
}

// Refresh fetches the centre's data with the cached ETag and keeps a new
// one in the store. On failure the cache stays and Center says it is not
// fresh.
func (c *CenterService) Refresh(ctx context.Context) error {
	if c.b.offline() {
		c.setFresh(false)
		return errOfflineNow
	}
	st := c.b.Store
	etag := ""
	if st != nil {
		if _, cached, _ := c.cached(ctx); cached != nil {
			etag, _ = st.Setting(ctx, SettingCenterETag)
		}
	}
	got, newTag, notModified, err := c.api.Center(ctx, etag)
	if err != nil {
		c.setFresh(false)
		c.b.log().Warn("centre data not refreshed; keeping what is cached", "err", err)
		return netErr(ctx, err)
	}
	now := c.b.now()
	if notModified {
		if st != nil {
			_ = st.SetSetting(ctx, SettingCenterFetched, now.UTC().Format(time.RFC3339))
		}
		c.setFresh(true)
		return nil
	}
	if err := checkCenter(got); err != nil {
		c.setFresh(false)
		c.b.log().Warn("centre data refused; keeping what is cached", "err", err)
		return err
	}
	if st != nil {
		raw, err := json.Marshal(got)
		if err != nil {
			return err
		}
		for _, kv := range [][2]string{{SettingCenter, string(raw)}, {SettingCenterETag, newTag}, {SettingCenterFetched, now.UTC().Format(time.RFC3339)}} {
			if err := st.SetSetting(ctx, kv[0], kv[1]); err != nil {
				c.b.log().Warn("centre data not kept for offline use", "err", err)
				break
			}
		}
	}
	c.mu.Lock()
	cp := got
	c.center, c.fresh = &cp, true
	c.mu.Unlock()
	c.b.log().Info("centre data refreshed", "center", got.ID, "hours", len(got.Hours), "exceptions", len(got.Exceptions))
	return nil
}

// checkCenter refuses data that cannot be the centre's.
func checkCenter(c kiosk.Center) error {
	if strings.TrimSpace(c.Name) == "" {
		return errors.New("backend: centre data without a name")
	}
	return nil
}

func (c *CenterService) setFresh(ok bool) {
	c.mu.Lock()
	c.fresh = ok
	c.mu.Unlock()
}

// cached is the centre's data from memory, else from the store.
func (c *CenterService) cached(ctx context.Context) (bool, *kiosk.Center, error) {
	c.mu.Lock()
	if c.center != nil {
		cp := *c.center
		fresh := c.fresh
		c.mu.Unlock()
		return fresh, &cp, nil
	}
	c.mu.Unlock()
	if c.b.Store == nil {
		return false, nil, nil
	}
	raw, err := c.b.Store.Setting(ctx, SettingCenter)
	if errors.Is(err, store.ErrNotFound) || (err == nil && raw == "") {
		return false, nil, nil
	}
	if err != nil {
		return false, nil, err
	}
	var got kiosk.Center
	if err := json.Unmarshal([]byte(raw), &got); err != nil {
		return false, nil, fmt.Errorf("backend: cached centre data: %w", err)
	}
	c.mu.Lock()
	if c.center == nil {
		c.center = &got
	}
	cp := *c.center
	fresh := c.fresh
	c.mu.Unlock()
	return fresh, &cp, nil
}

// Center is the centre's data: from the cache (fresh is false unless the
// last refresh succeeded); with nothing cached yet it asks the central
// system now. kiosk.ErrOffline when nothing is cached and it cannot be
// asked.
func (c *CenterService) Center(ctx context.Context) (*kiosk.Center, bool, error) {
	fresh, got, err := c.cached(ctx)
	if err != nil {
		c.b.log().Warn("cached centre data unreadable", "err", err)
	}
	if got != nil {
		return got, fresh, nil
	}
	if err := c.Refresh(ctx); err != nil {
		return nil, false, err
	}
	fresh, got, err = c.cached(ctx)
	if got == nil {
		if err == nil {
			err = kiosk.ErrOffline
		}
		return nil, false, err
	}
	return got, fresh, nil
}

// Queue is the centre's live queue, answered from a copy at most QueueTTL
// old. Waits below zero are shown as zero.
func (c *CenterService) Queue(ctx context.Context) (*kiosk.QueueState, error) {
	ttl := c.QueueTTL
	if ttl <= 0 {
		ttl = DefaultQueueTTL
	}
	now := c.b.now()
	c.mu.Lock()
	if c.queue != nil && now.Sub(c.queueAt) < ttl && !now.Before(c.queueAt) {
		q := copyQueue(c.queue)
		c.mu.Unlock()
		return q, nil
	}
	c.mu.Unlock()
	if c.b.offline() {
		return nil, errOfflineNow
	}
	q, err := c.api.Queue(ctx)
	if err != nil {
		return nil, netErr(ctx, err)
	}
	for i := range q.Categories {
		q.Categories[i].Waiting = max(q.Categories[i].Waiting, 0)
		q.Categories[i].EstWaitMinutes = max(q.Categories[i].EstWaitMinutes, 0)
	}
	c.mu.Lock()
	c.queue, c.queueAt = &q, now
	out := copyQueue(&q)
	c.mu.Unlock()
	return out, nil
}

func copyQueue(q *kiosk.QueueState) *kiosk.QueueState {
	cp := *q
	cp.Categories = append([]kiosk.QueueCategory(nil), q.Categories...)
	return &cp
}

// TakeTicket asks the centre's queue system for a ticket under a ticket id
// made here. It never makes a ticket up: when the terminal knows it is
// offline it fails at once with kiosk.ErrOffline, and a call that got no
// answer fails with it too; the same request tapped again within minutes
// goes under the same id, so a ticket issued whose answer was lost is
// answered again, not issued twice.
func (c *CenterService) TakeTicket(ctx context.Context, r kiosk.TicketRequest) (kiosk.Ticket, error) {
	if c.b.offline() {
		return kiosk.Ticket{}, errOfflineNow
	}
	holder := ""
	if r.Holder != nil {
		holder = r.Holder.IDNumber
	}
	key := c.keys.get(c.b.now(), holder, r.Category, r.ItemCode, r.Reason)
	t, err := c.api.TakeTicket(ctx, key, r)
	if err == nil && strings.TrimSpace(t.TicketNo) == "" {
		err = errors.New("backend: the queue system answered without a ticket number")
	}
	if err != nil {
		err = netErr(ctx, err)
		if !errors.Is(err, kiosk.ErrOffline) {
			c.keys.done(holder, r.Category, r.ItemCode, r.Reason) // a final answer
		}
		c.b.log().Warn("no ticket", "category", r.Category, "err", err)
		return kiosk.Ticket{}, err
	}
	c.keys.done(holder, r.Category, r.ItemCode, r.Reason)
	c.mu.Lock()
	c.queue = nil // the queue moved
	c.mu.Unlock()
	if t.Category == "" {
		t.Category = r.Category
	}
	t.StatusURL = c.b.statusURL("ticket "+t.TicketNo, t.StatusURL)
	subject := ""
	if holder != "" {
		subject = kiosk.MaskID(holder)
	}
	c.b.record(audit.TicketIssued, subject, fmt.Sprintf("ticket %s category %s reason %s", t.TicketNo, t.Category, r.Reason))
	return t, nil
}
