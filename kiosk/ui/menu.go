package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"

	"github.com/pudong-community/kiosk/kiosk"
)

// menuScreen is the identified resident's menu.
type menuScreen struct {
	buttons map[string]*button
}

func (s *menuScreen) Name() string  { return "menu" }
func (s *menuScreen) Title() string { return "screen.menu" }

// whoText greets the person at the screen, the resident or the agent, and
// in the agent flow names the resident acted for: names and masked ID
// numbers.
func (a *App) whoText() string {
	snap := a.visit.snap
	if snap.Resident == nil {
		return ""
	}
	if ag := snap.Agent; ag != nil {
		// The agent is the one at the screen: greeted, and told whom
		// they act for (the resident is not there to be greeted).
		return a.T("who.agent", ag.Name, kiosk.MaskID(ag.IDNumber)) + "\n" +
			a.T("who.principal", snap.Resident.Name, kiosk.MaskID(snap.Resident.IDNumber))
	}
	return a.T("who.resident", snap.Resident.Name, kiosk.MaskID(snap.Resident.IDNumber))
}

func (s *menuScreen) Build(a *App) fyne.CanvasObject {
	s.buttons = map[string]*button{}
	mk := func(name, title, sub string, st style, icon fyne.Resource, f func()) *button {
		b := a.newButton(name, a.T(title), a.T(sub), st, f)
		b.big = true
		if !a.landscape() {
			b.icon = icon // the wide screen's menu keeps its low bars
		}
		s.buttons[name] = b
		return b
	}
	var tiles []fyne.CanvasObject
	if a.visit.snap.Agent == nil {
		cases := mk("menu.cases", "home.cases", "menu.cases.sub", stylePrimary, theme.AccountIcon(), func() { s.onCases(a) })
		if sub := a.menuCaseCounts(); sub != "" {
			cases.sub = sub
		}
		tiles = append(tiles, cases)
	}
	apply := mk("menu.apply", "home.apply", "menu.apply.sub", stylePrimary, theme.DocumentCreateIcon(), func() { s.onApply(a) })
	if down, why := a.status.applyDown(); down {
		apply.disabled, apply.sub = true, a.T(why)
	}
	tiles = append(tiles, apply)
	if a.opts.Appointments != nil {
		tiles = append(tiles, mk("menu.book", "home.book", "menu.book.sub", stylePrimary, theme.HistoryIcon(), func() { a.startBooking(nil) }))
	}
	if a.visit.snap.Agent == nil {
		tiles = append(tiles, mk("menu.guide", "home.guide", "home.guide.sub", styleSecondary, theme.SearchIcon(), func() { s.onGuide(a) }))
	}
	tiles = append(tiles, mk("menu.finish", "nav.finish", "menu.finish.sub", finishStyle, theme.LogoutIcon(), a.Finish))
	who := panel(subheading(a.whoText()))
	if a.landscape() {
		// Two columns: four bars one under the other overflowed a wide
		// screen in elder mode.
		return container.NewVBox(who, container.NewGridWithColumns(2, tiles...))
	}
	// A portrait screen gives each choice its share of the height: four
	// large tiles with their icons rather than four bars at the top.
	grid := container.New(&pageGrid{shape: pageShape{1, len(tiles)}, gap: 2 * a.theme.Size(theme.SizeNamePadding)}, tiles...)
	return container.NewBorder(who, nil, nil, nil, grid)
}

// menuCaseCounts is how many cases the resident has, and how many need
// more documents, once they have been looked up; "" before.
func (a *App) menuCaseCounts() string {
	ld := &a.visit.v.cases
	if a.visit.snap.Resident == nil || a.opts.Cases == nil {
		return ""
	}
	if ld.idle() {
		// Looked up at once, as 我的办件 would, so that the menu can say
		// what waits for the resident there.
		a.visit.loadCases(a.visit.snap)
		return ""
	}
	if ld.loading() || !ld.val.online || len(a.visit.snap.Cases) == 0 {
		return ""
	}
	n := 0
	for _, c := range a.visit.snap.Cases {
		if c.Status == kiosk.StatusNeedsMore {
			n++
		}
	}
	if n == 0 {
		return a.count("menu.cases.total", len(a.visit.snap.Cases))
	}
	return a.T("menu.cases.count", len(a.visit.snap.Cases), n)
}

// onCases shows the resident's cases.
func (s *menuScreen) onCases(a *App) { a.Show(&casesScreen{}) }

// onApply lists what the resident can apply for here.
func (s *menuScreen) onApply(a *App) { a.Show(&applyListScreen{}) }

// onGuide opens the service guide; the resident stays identified.
func (s *menuScreen) onGuide(a *App) { _ = a.visit.m.Browse() }
