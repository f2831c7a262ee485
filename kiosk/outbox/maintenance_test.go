package outbox

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/kiosk/intake"
)

// The heartbeat carries the staff entry's PIN lock when the terminal gives
// it (issue 21: lockouts reported), and leaves it out when it does not.
func TestHeartbeatCarriesThePINLock(t *testing.T) {
	t.Parallel()
	until := time.Date(2026, 12, 5, 9, 30, 0, 0, time.UTC)
	r := newRig(t, func(c *Config) {
		c.Heartbeat = time.Hour
		c.Maintenance = func(context.Context) *intake.MaintenanceState {
			return &intake.MaintenanceState{PINFailuresToday: 7, LockedUntil: &until}
		}
	})
	r.run(t)
	waitFor(t, "first heartbeat", func() bool { r.srv.mu.Lock(); defer r.srv.mu.Unlock(); return len(r.srv.heartbeat) > 0 })
	r.srv.mu.Lock()
	raw, _ := json.Marshal(r.srv.heartbeat[0])
	r.srv.mu.Unlock()
	if want := `"maintenance":{"locked_until":"2026-12-05T09:30:00Z","pin_failures_today":7}`; !strings.Contains(string(raw), want) {
		t.Errorf("heartbeat %s lacks %s", raw, want)
	}

	plain := newRig(t, func(c *Config) { c.Heartbeat = time.Hour })
	plain.run(t)
	waitFor(t, "first heartbeat", func() bool { plain.srv.mu.Lock(); defer plain.srv.mu.Unlock(); return len(plain.srv.heartbeat) > 0 })
	plain.srv.mu.Lock()
	raw, _ = json.Marshal(plain.srv.heartbeat[0])
	plain.srv.mu.Unlock()
	if strings.Contains(string(raw), "maintenance") {
		t.Errorf("heartbeat %s has a maintenance block nobody gave", raw)
	}
}
