package outbox

import (
	"context"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/intake"
)

// The heartbeat duty: health reports, the clock skew, the server's commands.

// CommandRefreshCenter is the heartbeat command (v1.1) that asks the
// terminal to fetch its centre's data (GET /v1/center) again.
const CommandRefreshCenter = "refresh_center"

// DeviceChanged sends a heartbeat soon (a device changed state).
func (r *Relay) DeviceChanged() { poke(r.heartbeat) }

// runHeartbeat reports health every Heartbeat and on device changes. The
// contract's "clients honour" Retry-After covers the heartbeat too: during
// the server's pause none goes, and one goes as soon as it ends.
func (r *Relay) runHeartbeat(ctx context.Context) {
	for ctx.Err() == nil {
		r.waitPause(ctx)
		if ctx.Err() != nil {
			return
		}
		// This heartbeat carries any device change signalled meanwhile.
		select {
		case <-r.heartbeat:
		default:
		}
		r.sendHeartbeat(ctx)
		r.sleep(ctx, r.cfg.Heartbeat, r.heartbeat)
	}
}

func (r *Relay) sendHeartbeat(ctx context.Context) {
	hb := intake.Heartbeat{AppVersion: r.cfg.AppVersion, StartedAt: r.cfg.StartedAt, Devices: map[string]intake.DeviceState{}}
	if r.cfg.Devices != nil {
		hb.Devices = r.cfg.Devices()
	}
	if cnt, err := r.cfg.Outbox.Counts(ctx); err == nil {
		hb.Outbox = intake.OutboxState{Pending: cnt.Pending, Failed: cnt.Parked, OldestPendingAt: cnt.OldestPending}
	}
	if meta, err := r.cfg.Store.CatalogMeta(ctx); err == nil {
		hb.CatalogVersion = meta.Version
	}
	if free, err := r.cfg.Store.FreeBytes(); err == nil {
		hb.DiskFreeBytes = free
	}
	if r.cfg.Maintenance != nil {
		hb.Maintenance = r.cfg.Maintenance(ctx)
	}
	if skew, ok := r.skewNow(); ok && (skew > kiosk.MaxClockSkew || skew < -kiosk.MaxClockSkew) {
		secs := int64(skew / time.Second)
		hb.ClockSkewSeconds = &secs
	}
	rep, err := r.cfg.API.Heartbeat(ctx, hb)
	if ctx.Err() != nil {
		return
	}
	r.observe(err)
	if err != nil {
		return
	}
	r.learnServerTime(rep.ServerTime)
	for _, cmd := range rep.Commands {
		switch cmd.Type {
		case intake.CommandRefreshCatalog:
			select {
			case r.catalogCmd <- make(chan error, 1):
			default:
			}
		case intake.CommandUploadAudit:
			r.UploadAuditSoon()
		case CommandRefreshCenter:
			if r.cfg.RefreshCenter != nil {
				r.cfg.RefreshCenter()
			}
		}
	}
}
