package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/pudong-community/kiosk/kiosk"
)

// CallStaff shows that staff are coming and rings the configured hook.
func (a *App) CallStaff() {
	if a.opts.CallStaff != nil {
		ring := a.opts.CallStaff
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = ring(ctx)
		}()
	}
	a.Show(&callStaffScreen{})
	a.say(kiosk.PromptCallStaff)
}

type callStaffScreen struct{}

func (c *callStaffScreen) Name() string  { return "callstaff" }
func (c *callStaffScreen) Title() string { return "" }
func (c *callStaffScreen) Build(a *App) fyne.CanvasObject {
	title := canvas.NewText(a.T("callstaff.title"), colPrimary)
	title.TextSize = a.theme.Size(theme.SizeNameHeadingText)
	title.TextStyle = boldStyle(title.Text)
	title.Alignment = fyne.TextAlignCenter
	body := widget.NewLabel(a.T("callstaff.body"))
	body.TextStyle = plainStyle(body.Text)
	body.Wrapping = fyne.TextWrapWord
	body.Alignment = fyne.TextAlignCenter
	ok := newTile(a.T("callstaff.ok"), "", theme.ConfirmIcon(), colPrimary, a.theme, a.tap(func() { c.onOK(a) }))
	ok.name = "callstaff.ok"
	return container.NewVBox(layout.NewSpacer(), title, body, container.NewCenter(container.NewGridWrap(fyne.NewSize(360, a.theme.TargetSize()*1.5), ok)), layout.NewSpacer())
}

// onOK returns to the screen the call was made from.
func (c *callStaffScreen) onOK(a *App) {
	if a.Current() == Screen(c) {
		a.nav.pop()
		a.render()
	}
}
