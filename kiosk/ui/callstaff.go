package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"

	"github.com/pudong-community/kiosk/kiosk"
)

// callTimeout bounds a call for staff as the screen waits for it: a call
// that has not gone through by then is told as not gone through. A
// variable for the tests.
var callTimeout = 8 * time.Second

// CallStaff calls staff for the resident from the screen on top.
func (a *App) CallStaff() { a.callStaff(a.Current().Name(), kiosk.AssistResident) }

// callStaff shows the call-staff screen and makes the call: through
// Options.Assist (the centre and the local hook), else the configured hook
// (Options.CallStaff). The screen promises help only when someone
// confirmed; otherwise it says plainly that the call did not go through
// and where help is. screen is a screen name, never personal data.
func (a *App) callStaff(screen, reason string) {
	if c, ok := a.Current().(*callStaffScreen); ok {
		c.call(a) // the call-staff button on the call-staff screen: call again
		return
	}
	c := &callStaffScreen{screen: screen, reason: reason}
	a.Show(c)
	c.call(a)
}

// callPhase is where a call for staff stands.
type callPhase uint8

const (
	callCalling callPhase = iota // the call is under way
	callDone                     // the answer (or the lack of one) is in res
)

// callStaffScreen says how a call for staff went: calling, notified, or
// not gone through with where help is.
type callStaffScreen struct {
	screen, reason string
	phase          callPhase
	gen            int // the call shown; a late answer of an older call is dropped
	res            kiosk.AssistanceResult
	hotline        string // the centre's hotline, for a call that failed
}

func (c *callStaffScreen) Name() string  { return "callstaff" }
func (c *callStaffScreen) Title() string { return "" }

// call makes the call off the UI goroutine, with its own short timeout,
// and looks up the centre's hotline meanwhile.
func (c *callStaffScreen) call(a *App) {
	if c.phase == callCalling && c.gen > 0 {
		return // a call is under way
	}
	c.phase, c.res, c.hotline = callCalling, kiosk.AssistanceResult{}, ""
	c.gen++
	gen := c.gen
	a.render()
	assist, hook, centre := a.opts.Assist, a.opts.CallStaff, a.opts.Center
	screen, reason := c.screen, c.reason
	a.jobs.run(func(ctx context.Context) func() {
		hotline := make(chan string, 1)
		go func() {
			h := ""
			if centre != nil {
				if ce, _, err := centre.Center(ctx); err == nil && ce != nil {
					h = ce.Hotline
				}
			}
			hotline <- h
		}()
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		defer cancel()
		var res kiosk.AssistanceResult
		switch {
		case assist != nil:
			res = assist.CallStaff(cctx, screen, reason)
		case hook != nil:
			// The hook alone: it confirmed when it rang without an error.
			res.Hook = hook(cctx) == nil
			res.Notified = res.Hook
		}
		h := <-hotline
		return func() {
			if gen != c.gen {
				return
			}
			c.phase, c.res, c.hotline = callDone, res, h
			if a.Current() == Screen(c) {
				a.render()
				if res.Notified {
					a.say(kiosk.PromptCallStaff)
				}
			}
		}
	})
}

func (c *callStaffScreen) Build(a *App) fyne.CanvasObject {
	var lines []fyne.CanvasObject
	var actions []fyne.CanvasObject
	ok := a.newButton("callstaff.ok", a.T("callstaff.ok"), "", stylePrimary, func() { c.onOK(a) })
	ok.big = true
	switch {
	case c.phase == callCalling:
		lines = append(lines,
			textBlock(a.T("callstaff.calling"), theme.ColorNamePrimary, theme.SizeNameHeadingText, true, fyne.TextAlignCenter),
			centered(a.T("callstaff.calling.body"), theme.SizeNameText))
	case c.res.Notified:
		lines = append(lines,
			textBlock(markDone+" "+a.T("callstaff.title"), theme.ColorNameSuccess, theme.SizeNameHeadingText, true, fyne.TextAlignCenter),
			centered(a.T("callstaff.body"), theme.SizeNameSubHeadingText))
		actions = append(actions, ok)
	default:
		title, why := "callstaff.failed.title", "callstaff.failed.body"
		if c.res.Centre == "no_staff_available" {
			title, why = "callstaff.nostaff.title", "callstaff.nostaff.body"
		}
		lines = append(lines,
			textBlock(markFailed+" "+a.T(title), theme.ColorNameError, theme.SizeNameHeadingText, true, fyne.TextAlignCenter),
			notice(a.T(why)))
		if c.hotline != "" {
			lines = append(lines, centered(a.T("callstaff.hotline", c.hotline), theme.SizeNameSubHeadingText))
		}
		retry := a.newButton("callstaff.retry", a.T("callstaff.retry"), "", styleAccent, func() { c.call(a) })
		retry.big = true
		actions = append(actions, retry, ok)
	}
	size := fyne.NewSize(a.theme.TargetSize()*7, a.theme.TargetSize()*1.5)
	for _, b := range actions {
		lines = append(lines, container.NewCenter(container.NewGridWrap(size, b)))
	}
	return container.NewVBox(append(append([]fyne.CanvasObject{layout.NewSpacer()}, lines...), layout.NewSpacer())...)
}

// onOK returns to the screen the call was made from.
func (c *callStaffScreen) onOK(a *App) {
	if a.Current() == Screen(c) {
		c.gen++ // an answer still to come is not shown
		a.nav.pop()
		a.render()
	}
}
