package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"

	"github.com/pudong-community/kiosk/kiosk"
)

// menuScreen is the identified resident's menu.
type menuScreen struct {
	buttons map[string]*button
}

func (s *menuScreen) Name() string  { return "menu" }
func (s *menuScreen) Title() string { return "screen.menu" }

// whoText is the resident (and agent) as shown: name and masked ID number.
func (a *App) whoText() string {
	snap := a.visit.snap
	if snap.Resident == nil {
		return ""
	}
	t := a.T("who.resident", snap.Resident.Name, kiosk.MaskID(snap.Resident.IDNumber))
	if snap.Agent != nil {
		t += "\n" + a.T("who.agent", snap.Agent.Name, kiosk.MaskID(snap.Agent.IDNumber))
	}
	return t
}

func (s *menuScreen) Build(a *App) fyne.CanvasObject {
	s.buttons = map[string]*button{}
	mk := func(name, title, sub string, st style, f func()) *button {
		b := a.newButton(name, a.T(title), a.T(sub), st, f)
		b.big = true
		s.buttons[name] = b
		return b
	}
	var tiles []fyne.CanvasObject
	if a.visit.snap.Agent == nil {
		tiles = append(tiles, mk("menu.cases", "home.cases", "menu.cases.sub", stylePrimary, func() { s.onCases(a) }))
	}
	apply := mk("menu.apply", "home.apply", "menu.apply.sub", stylePrimary, func() { s.onApply(a) })
	if down, why := a.status.applyDown(); down {
		apply.disabled, apply.sub = true, a.T(why)
	}
	tiles = append(tiles, apply)
	if a.visit.snap.Agent == nil {
		tiles = append(tiles, mk("menu.guide", "home.guide", "home.guide.sub", styleSecondary, func() { s.onGuide(a) }))
	}
	tiles = append(tiles, mk("menu.finish", "nav.finish", "menu.finish.sub", styleAccent, a.Finish))
	return container.NewVBox(panel(subheading(a.whoText())), container.NewGridWithColumns(1, tiles...))
}

// onCases shows the resident's cases.
func (s *menuScreen) onCases(a *App) { a.Show(&casesScreen{}) }

// onApply lists what the resident can apply for here.
func (s *menuScreen) onApply(a *App) { a.Show(&applyListScreen{}) }

// onGuide opens the service guide; the resident stays identified.
func (s *menuScreen) onGuide(a *App) { _ = a.visit.m.Browse() }
