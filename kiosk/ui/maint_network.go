package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"

	"github.com/pudong-community/kiosk/kiosk"
)

// maintNetworkScreen shows the network and the sync queue, and acts on it.
type maintNetworkScreen struct {
	rep     kiosk.SyncReport
	parked  []kiosk.ParkedSubmission
	err     error
	msg     string
	loading bool
	confirm string // the parked submission whose discard awaits confirmation
}

func (n *maintNetworkScreen) Name() string  { return "maint.network" }
func (n *maintNetworkScreen) Title() string { return "maint.network" }

type netState struct {
	rep    kiosk.SyncReport
	parked []kiosk.ParkedSubmission
}

func fetchNet(ctx context.Context, m kiosk.Maintenance) (netState, error) {
	rep, err := m.SyncStatus(ctx)
	if err != nil {
		return netState{}, err
	}
	p, err := m.Parked(ctx)
	return netState{rep, p}, err
}

func (n *maintNetworkScreen) load(a *App) {
	n.loading = true
	maintCall(a, n, fetchNet, func(v netState, err error) {
		n.rep, n.parked, n.err, n.loading = v.rep, v.parked, err, false
	})
}

// act runs a staff action, then reloads the status in the same
// background job, and shows both.
func (n *maintNetworkScreen) act(a *App, f func(ctx context.Context, m kiosk.Maintenance) (string, error)) {
	n.msg, n.err = "", nil
	type result struct {
		msg   string
		state netState
		err   error // of the reload
	}
	maintCall(a, n, func(ctx context.Context, m kiosk.Maintenance) (result, error) {
		msg, err := f(ctx, m)
		if err != nil {
			return result{}, err
		}
		st, rerr := fetchNet(ctx, m)
		return result{msg, st, rerr}, nil
	}, func(r result, err error) {
		n.msg, n.err = r.msg, err
		if err == nil {
			n.rep, n.parked, n.err = r.state.rep, r.state.parked, r.err
		}
	})
}

func (n *maintNetworkScreen) Build(a *App) fyne.CanvasObject {
	r := n.rep
	yes := func(b bool) string {
		if b {
			return a.T("maint.yes")
		}
		return a.T("maint.no")
	}
	rows := []fyne.CanvasObject{container.NewGridWithColumns(2,
		a.maintButton("maint.refresh", a.T("maint.refresh"), styleSecondary, func() { n.loading = true; a.render(); n.load(a) }),
		a.maintButton("maint.network.sendnow", a.T("maint.network.sendnow"), stylePrimary, func() {
			n.act(a, func(ctx context.Context, m kiosk.Maintenance) (string, error) {
				k, err := m.SendNow(ctx)
				return a.T("maint.network.sent", k), err
			})
		}),
	)}
	if n.loading {
		rows = append(rows, body(a.T("maint.loading")))
	}
	reach := a.T("maint.network.reachable") + ": " + yes(r.Reachable) + fmt.Sprintf(" (%s)", r.Latency.Round(time.Millisecond))
	if !r.PausedUntil.IsZero() {
		reach = a.T("maint.network.reachable") + ": " + a.T("maint.network.notprobed") // not asked during the pause
	}
	rows = append(rows, panel(body(strings.Join([]string{
		reach,
		a.T("maint.network.token") + ": " + yes(r.TokenValid),
		a.T("maint.network.skew") + ": " + r.ClockSkew.Round(time.Second).String(),
		a.T("maint.network.lastcontact") + ": " + fmtTime(r.LastContact),
		a.T("maint.network.outbox", r.Pending, r.InFlight, r.Parked, r.Oldest.Round(time.Second)),
		a.T("maint.network.audit", r.AuditUnacked),
	}, "\n"))))
	if !r.PausedUntil.IsZero() {
		rows = append(rows, body(a.T("maint.network.paused", fmtTime(r.PausedUntil))))
	}
	if r.ClockSkewed() {
		rows = append(rows, errorText(a.T("maint.network.clockskewed", r.ClockSkew.Round(time.Second))))
	}
	if r.LastError != "" {
		rows = append(rows, errorText(r.LastError))
	}
	if n.msg != "" {
		rows = append(rows, body(n.msg))
	}
	if n.err != nil {
		rows = append(rows, errLine(a, n.err))
	}
	rows = append(rows, subheading(a.T("maint.network.parked", len(n.parked))))
	for _, p := range n.parked {
		id := p.ID
		line := body(fmt.Sprintf("%s · %s · %s · %s\n%s", p.LocalNo, p.ItemCode, p.MaskedID, fmtTime(p.Created), p.Reason))
		retry := a.maintButton("maint.retry:"+id, a.T("maint.network.retry"), styleSecondary, func() {
			n.act(a, func(ctx context.Context, m kiosk.Maintenance) (string, error) {
				return a.T("maint.network.retried", p.LocalNo), m.RetryParked(ctx, id)
			})
		})
		var discard *button
		if n.confirm == id {
			discard = a.maintButton("maint.discard.confirm:"+id, a.T("maint.network.discard.confirm"), styleAccent, func() {
				n.confirm = ""
				n.act(a, func(ctx context.Context, m kiosk.Maintenance) (string, error) {
					return a.T("maint.network.discarded", p.LocalNo), m.DiscardParked(ctx, id, "discarded by staff at the terminal")
				})
			})
		} else {
			discard = a.maintButton("maint.discard:"+id, a.T("maint.network.discard"), styleSecondary, func() { n.confirm = id; a.render() })
		}
		rows = append(rows, panel(container.NewBorder(nil, nil, nil, container.NewHBox(retry, discard), line)))
	}
	return scroll(container.NewVBox(rows...))
}
