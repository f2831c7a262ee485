package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
)

// elderOffer asks the person at the screen, when 60 or more, whether to
// turn elder mode on: the resident, or in the agent flow the agent, for
// the agent's own age (the visit machine decides whom it offers). It is
// offered once a visit, above the screen it first shows on: answered,
// dismissed or left behind by going on to another screen, it does not
// come back.
//
// It comes with the screen (on identification), so it moves nothing
// between two taps; answered 不用了, it leaves its place to a short answer
// of the same height for as long as that screen shows, so that the
// screen's targets stay under the resident's next tap. (开启长辈模式 lays
// every screen out anew at the larger sizes.)
func (a *App) elderOffer(s Screen) fyne.CanvasObject {
	if a.offerKept.on != s || a.elder {
		a.offerKept = keptOffer{}
	}
	if !a.visit.snap.ElderOffered || a.elder {
		a.offerOn = nil
		if a.offerKept.on != nil {
			return a.elderOfferKept()
		}
		return nil
	}
	if a.offerOn == nil {
		a.offerOn = s
	}
	if a.offerOn != s {
		return nil // gone on to another screen: elderOfferLeft closes it
	}
	var p fyne.CanvasObject
	yes := a.newButton("elder.yes", a.T("elder.offer.yes"), "", stylePrimary, func() { a.SetElder(true) })
	no := a.newButton("elder.no", a.T("elder.offer.no"), "", styleSecondary, func() {
		a.offerKept = keptOffer{on: s, height: p.Size().Height}
		_ = a.visit.m.DismissElderOffer()
	})
	p = panel(subheading(a.T("elder.offer")), container.NewGridWithColumns(2, yes, no))
	return p
}

// keptOffer is the place of an offer answered 不用了: the screen it was on
// and its height.
type keptOffer struct {
	on     Screen
	height float32
}

// elderOfferKept is what shows in the place of the offer answered 不用了:
// the answer taken, at the offer's height.
func (a *App) elderOfferKept() fyne.CanvasObject {
	msg := textBlock(a.T("elder.offer.kept"), theme.ColorNameForeground, theme.SizeNameText, false, fyne.TextAlignCenter)
	p := panel(layout.NewSpacer(), msg, layout.NewSpacer())
	hold := canvas.NewRectangle(color.Transparent)
	hold.SetMinSize(fyne.NewSize(0, a.offerKept.height))
	return container.NewStack(hold, p)
}

// elderOfferLeft closes the offer in the visit once the screen it was
// shown on has been left, after s is drawn without it.
func (a *App) elderOfferLeft(s Screen) {
	if a.offerOn != nil && a.offerOn != s && a.visit.snap.ElderOffered {
		// offerOn stays until the snapshot without the offer comes, so
		// that no screen drawn before it shows the offer again.
		_ = a.visit.m.DismissElderOffer()
	}
}
