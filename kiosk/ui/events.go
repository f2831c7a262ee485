package ui

import (
	"context"

	"github.com/pudong-community/kiosk/kiosk"
)

// ApplyEvents applies the terminal's events (kiosk/terminal's Events) to
// the screens until ctx ends or events is closed: the one place where a
// card, the network and the devices' health reach the screens. An event
// the screens do not show (kiosk.Sent) goes to also, when set. It runs on
// its own goroutine; the screens change on the UI goroutine.
func ApplyEvents(ctx context.Context, a *App, events <-chan kiosk.Event, also func(kiosk.Event)) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				return
			}
			if !applyEvent(a, ev) && also != nil {
				also(ev)
			}
		}
	}
}

// applyEvent applies one event of the terminal to the screens and reports
// whether they took it. Safe from any goroutine.
func applyEvent(a *App, ev kiosk.Event) bool {
	switch ev := ev.(type) {
	case kiosk.CardPresented:
		// A staff card at the maintenance entry opens maintenance
		// instead; MaintCard looks at the screen, so on the UI goroutine.
		a.jobs.post(func() {
			if a.MaintCard(ev.Person.IDNumber, ev.Expired) {
				return
			}
			a.CardPresent(ev.Person, ev.Expired, ev.Age)
		})
	case kiosk.CardRemoved:
		if ev.Lost {
			a.CardLost()
		} else {
			a.CardRemoved()
		}
	case kiosk.CardFailed:
		a.CardError(ev.Reason)
	case kiosk.OnlineChanged:
		a.SetOnline(ev.Online)
	case kiosk.HealthChanged:
		a.SetDeviceProblems(DeviceProblems(ev.Health))
	default:
		return false
	}
	return true
}

// DeviceProblems are the devices out of order, as the resident screens
// show them.
func DeviceProblems(s kiosk.HealthSnapshot) []DeviceProblem {
	var ps []DeviceProblem
	for _, d := range s.Failed() {
		if d.Device == kiosk.DeviceSpeaker || d.Device == kiosk.DeviceHandwriting || d.Device == kiosk.DeviceCallStaffHook {
			// A silent terminal, or one without the pad, still serves every
			// resident; a failed call-staff hook is said where staff are
			// called (and on the maintenance screen), not in a banner.
			continue
		}
		key := DeviceCardReader
		if d.Device == kiosk.DevicePrinter {
			key = DevicePrinter
		}
		ps = append(ps, DeviceProblem{DeviceKey: key, Reason: ResidentReason(d), Required: d.Required})
	}
	return ps
}

// ResidentReason is the i18n key of a device problem in the resident's
// words, chosen by its reason code; the staff's detail ("port /dev/...: no
// such file") stays on the maintenance screens.
func ResidentReason(d kiosk.DeviceHealth) string {
	switch d.Reason {
	case kiosk.ReasonPaperOut:
		return "reason.paper_out"
	case kiosk.ReasonCoverOpen:
		return "reason.cover_open"
	case kiosk.ReasonCutter:
		return "reason.cutter"
	case kiosk.ReasonOffline, kiosk.ReasonNotConfigured, kiosk.ReasonNotReported:
		return "reason.offline"
	case kiosk.ReasonFault:
		return "reason.error"
	}
	if d.State == kiosk.StateOffline {
		return "reason.offline"
	}
	return "reason.error"
}
