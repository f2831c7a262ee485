package intakesim

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/kiosk/intake"
)

// A heartbeat may carry the PIN lock ("Heartbeat additions"): the client's
// is accepted; a negative count is refused with the field named.
func TestHeartbeatMaintenance(t *testing.T) {
	t.Parallel()
	f := start(t)
	until := time.Date(2026, 11, 27, 10, 20, 0, 0, time.UTC)
	if _, err := f.client.Heartbeat(context.Background(), intake.Heartbeat{AppVersion: "1.0", StartedAt: until.Add(-time.Hour),
		Maintenance: &intake.MaintenanceState{PINFailuresToday: 5, LockedUntil: &until}}); err != nil {
		t.Fatalf("heartbeat with the PIN lock: %v", err)
	}
	body := []byte(`{"app_version":"1.0","started_at":"2026-11-27T09:00:00Z","devices":{},"outbox":{"pending":0,"failed":0,"oldest_pending_at":null},"catalog_version":"","disk_free_bytes":1,"maintenance":{"pin_failures_today":-1,"locked_until":null}}`)
	status, _, resp := f.raw(t, "POST", "/v1/terminals/PD-T01/heartbeat", nil, body)
	if status != 422 || !contains(resp, "maintenance.pin_failures_today") {
		t.Errorf("negative count: %d %s", status, resp)
	}
}

func contains(b []byte, s string) bool { return strings.Contains(string(b), s) }
