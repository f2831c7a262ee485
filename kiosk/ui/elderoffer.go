package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
)

// elderOffer asks the person at the screen, when 60 or more, whether to
// turn elder mode on: the resident, or in the agent flow the agent, for
// the agent's own age (the visit machine decides whom it offers). It is
// offered once a visit, above the screen it first shows on: answered,
// dismissed or left behind by going on to another screen, it does not
// come back.
func (a *App) elderOffer(s Screen) fyne.CanvasObject {
	if !a.visit.snap.ElderOffered || a.elder {
		a.offerOn = nil
		return nil
	}
	if a.offerOn == nil {
		a.offerOn = s
	}
	if a.offerOn != s {
		return nil // gone on to another screen: elderOfferLeft closes it
	}
	yes := a.newButton("elder.yes", a.T("elder.offer.yes"), "", stylePrimary, func() { a.SetElder(true) })
	no := a.newButton("elder.no", a.T("elder.offer.no"), "", styleSecondary, func() { _ = a.visit.m.DismissElderOffer() })
	return panel(subheading(a.T("elder.offer")), container.NewGridWithColumns(2, yes, no))
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
