package ui

import (
	"context"
	"errors"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/kiosktest"
)

// centreInfo is a kiosk.CenterService that knows the centre's data only.
type centreInfo struct{ hotline string }

var _ kiosk.CenterService = centreInfo{}

func (c centreInfo) Center(ctx context.Context) (*kiosk.Center, bool, error) {
	return &kiosk.Center{ID: "PD-HM", Name: "花木", Hotline: c.hotline}, true, nil
}
func (c centreInfo) Queue(ctx context.Context) (*kiosk.QueueState, error) {
	return nil, kiosk.ErrOffline
}
func (c centreInfo) TakeTicket(ctx context.Context, r kiosk.TicketRequest) (kiosk.Ticket, error) {
	return kiosk.Ticket{}, kiosk.ErrOffline
}

func TestCallStaff(t *testing.T) {
	const hotline = "021-5821 0000"
	cases := []struct {
		name     string
		set      func(r *rig)
		notified bool
		want     []string
	}{
		{"notified", func(r *rig) {
			r.a.opts.Assist = kiosktest.NewAssist(kiosk.AssistanceResult{Notified: true, Centre: "notified"})
		}, true, []string{"已通知工作人员，请稍候"}},
		{"no staff available", func(r *rig) {
			r.a.opts.Assist = kiosktest.NewAssist(kiosk.AssistanceResult{Centre: "no_staff_available"})
		}, false, []string{"暂时没有空闲的工作人员", "服务台", "服务热线：" + hotline}},
		{"the hook alone confirms", func(r *rig) {
			r.a.opts.Assist = kiosktest.NewAssist(kiosk.AssistanceResult{Notified: true, Hook: true})
		}, true, []string{"已通知工作人员，请稍候"}},
		{"timeout", func(r *rig) {
			as := kiosktest.NewAssist(kiosk.AssistanceResult{Notified: true})
			as.Hang(true)
			r.a.opts.Assist = as
		}, false, []string{"未能呼叫到工作人员", "呼叫没有送达", "服务台", "服务热线：" + hotline}},
		{"hook only, ringing", func(r *rig) {
			r.a.opts.CallStaff = func(ctx context.Context) error { return nil }
		}, true, []string{"已通知工作人员，请稍候"}},
		{"hook only, failing", func(r *rig) {
			r.a.opts.CallStaff = func(ctx context.Context) error { return errors.New("hook: 502") }
		}, false, []string{"未能呼叫到工作人员", "服务台"}},
		{"nothing configured", func(r *rig) {}, false, []string{"未能呼叫到工作人员", "服务台"}},
	}
	old := callTimeout
	callTimeout = 50 * time.Millisecond
	t.Cleanup(func() { callTimeout = old })
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRig(t, portrait)
			r.a.opts.Center = centreInfo{hotline: hotline}
			c.set(r)
			h := listening(r)
			test.Tap(r.find("callstaff"))
			r.want("callstaff")
			r.wantText("正在呼叫工作人员…")
			r.wantNoText("已通知")
			r.settle()
			r.want("callstaff")
			r.wantText(c.want...)
			said := false
			for _, id := range h.ids() {
				said = said || id == kiosk.PromptCallStaff
			}
			if said != c.notified {
				t.Errorf("said %v; notified %v", h.ids(), c.notified)
			}
			if !c.notified {
				r.wantNoText("已通知工作人员", "正在赶来")
				r.wantText("再呼叫一次")
			}
			if as, ok := r.a.opts.Assist.(*kiosktest.Assist); ok {
				if calls := as.Calls(); len(calls) != 1 || calls[0].Screen != "home" || calls[0].Reason != kiosk.AssistResident {
					t.Errorf("calls %+v", calls)
				}
			}
			checkTargets(t, r)
			r.tap("callstaff.ok")
			r.want("home")
		})
	}
}

// A call that did not go through can be made again; the screen named is
// the one the resident called from.
func TestCallStaffAgain(t *testing.T) {
	r := newRig(t, portrait)
	as := kiosktest.NewAssist(kiosk.AssistanceResult{Centre: "no_staff_available"})
	r.a.opts.Assist = as
	r.tap("cases")
	r.tap("bar.callstaff")
	r.wantText("暂时没有空闲的工作人员")
	r.wantNoText("服务热线") // no centre data: no hotline made up
	as.Set(kiosk.AssistanceResult{Notified: true, Centre: "notified"})
	r.tap("callstaff.retry")
	r.wantText("已通知工作人员，请稍候")
	calls := as.Calls()
	if len(calls) != 2 || calls[0].Screen != "cases" || calls[1].Screen != "cases" {
		t.Errorf("calls %+v", calls)
	}
	r.tap("callstaff.ok")
	r.want("cases")
}
