package outbox

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/store"
)

// hookLog keeps what OnDelivered and OnParked were told.
type hookLog struct {
	mu        sync.Mutex
	delivered map[string]string // submission id -> case number
	parked    map[string]string // submission id -> park code
	localNos  map[string]string
}

func (h *hookLog) wire(c *Config) {
	h.delivered, h.parked, h.localNos = map[string]string{}, map[string]string{}, map[string]string{}
	c.OnDelivered = func(c store.Claim, acc kiosk.Accepted) {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.delivered[c.Submission.ID] = acc.CaseNo
		h.localNos[c.Submission.ID] = c.LocalNo
	}
	c.OnParked = func(c store.Claim, why store.ParkReason) {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.parked[c.Submission.ID] = why.Code
		h.localNos[c.Submission.ID] = c.LocalNo
	}
}

// The relay tells its hooks of every delivery and every parking, once
// each, with the case number or the reason code: refused for good (422)
// and queued past the key window alike. A retry tells nobody.
func TestDeliveredAndParkedHooks(t *testing.T) {
	t.Parallel()
	var h hookLog
	var now atomic.Int64
	now.Store(time.Now().UnixNano())
	r := newRig(t, func(c *Config) {
		h.wire(c)
		c.Now = func() time.Time { return time.Unix(0, now.Load()) }
	})
	ids := r.enqueue(t, 3)
	good, refused, old := ids[0], ids[1], ids[2]
	r.srv.setFault(func(key string, n int) (int, string, bool) {
		switch {
		case key == refused:
			return 422, "", false
		case key == old:
			return 0, "", true // cut after the request was read: it may have arrived
		case key == good && n == 1:
			return 500, "", false // retried, then delivered
		}
		return 0, "", false
	})
	ctx := context.Background()
	for range 2 {
		if _, err := r.relay.DrainOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// A month later the one that may have arrived is parked for staff.
	now.Add(int64(30 * 24 * time.Hour))
	if _, err := r.relay.DrainOnce(ctx); err != nil {
		t.Fatal(err)
	}

	h.mu.Lock()
	defer h.mu.Unlock()
	rec, err := r.ob.Lookup(ctx, good)
	if err != nil || rec.State != store.StateDelivered {
		t.Fatalf("good row %+v, %v", rec, err)
	}
	if len(h.delivered) != 1 || h.delivered[good] != rec.CaseNo || rec.CaseNo == "" || h.localNos[good] != rec.LocalNo {
		t.Errorf("delivered hook saw %v (local %q), want %s -> %s", h.delivered, h.localNos[good], good, rec.CaseNo)
	}
	want := map[string]string{refused: "Unprocessable Entity", old: ParkCodeKeyWindow}
	if len(h.parked) != len(want) {
		t.Errorf("parked hook saw %v, want %v", h.parked, want)
	}
	for id, code := range want {
		if h.parked[id] != code {
			t.Errorf("parked hook for %s: code %q, want %q", id, h.parked[id], code)
		}
	}
}
