package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"

	"github.com/pudong-community/kiosk/kiosk/visit"
)

// homeScreen is the attract/home screen: a welcome and six big tiles.
type homeScreen struct {
	tiles []*tile // kept for tests
}

func (h *homeScreen) Name() string  { return "home" }
func (h *homeScreen) Title() string { return "" }

func (h *homeScreen) Build(a *App) fyne.CanvasObject {
	th := a.theme
	welcome := canvas.NewText(a.T("home.welcome"), colText)
	welcome.TextSize = th.Size(theme.SizeNameHeadingText)
	welcome.TextStyle = boldStyle(welcome.Text)
	welcome.Alignment = fyne.TextAlignCenter
	prompt := canvas.NewText(a.T("home.prompt"), th.muted())
	prompt.TextSize = th.Size(theme.SizeNameSubHeadingText)
	prompt.TextStyle = plainStyle(prompt.Text)
	prompt.Alignment = fyne.TextAlignCenter

	elderTitle, elderSub := "home.elder", "home.elder.sub"
	if a.elder {
		elderTitle, elderSub = "home.elder.off", "home.elder.off.sub"
	}
	mk := func(name, title, sub string, icon fyne.Resource, bg fyne.ThemeColorName, tapped func()) *tile {
		c := colPrimary
		switch bg {
		case theme.ColorNameError:
			c = colAccent
		case theme.ColorNameButton:
			c = colSurface
		}
		if a.status.readerDown() && (name == "cases" || name == "apply") {
			// Without the card reader only the guide works: the tile says why.
			sub, c, tapped = "outofservice.tile", colSurface, func() {}
		} else if down, _ := a.status.applyDown(); down && name == "apply" {
			sub, c, tapped = "outofservice.tile.printer", colSurface, func() {}
		}
		t := newTile(a.T(title), a.T(sub), icon, c, th, a.tap(tapped))
		t.name = name
		t.minH = th.TileHeight()
		return t
	}
	h.tiles = []*tile{
		mk("guide", "home.guide", "home.guide.sub", theme.SearchIcon(), theme.ColorNamePrimary, func() { h.onGuide(a) }),
		mk("cases", "home.cases", "home.cases.sub", theme.AccountIcon(), theme.ColorNamePrimary, func() { h.onCases(a) }),
		mk("apply", "home.apply", "home.apply.sub", theme.DocumentCreateIcon(), theme.ColorNamePrimary, func() { h.onApply(a) }),
		mk("elder", elderTitle, elderSub, theme.ZoomInIcon(), theme.ColorNameButton, func() { h.onElder(a) }),
		mk("language", "home.language", "home.language.sub", theme.ComputerIcon(), theme.ColorNameButton, a.toggleLanguage),
		mk("callstaff", "home.callstaff", "home.callstaff.sub", theme.HelpIcon(), theme.ColorNameError, a.CallStaff),
	}
	objs := make([]fyne.CanvasObject, len(h.tiles))
	for i, t := range h.tiles {
		objs[i] = t
	}
	grid := container.New(&tileGrid{gap: 24}, objs...)
	head := container.NewVBox(welcome, prompt)
	if blk := h.centreBlock(a); blk != nil {
		head.Add(blk)
	}
	return container.NewBorder(container.NewPadded(head), nil, nil, nil, container.NewPadded(grid))
}

// onGuide opens the service guide; no card is needed there.
func (h *homeScreen) onGuide(a *App) { _ = a.visit.m.Browse() }

// onCases asks for the card, then shows the resident's cases.
func (h *homeScreen) onCases(a *App) { _ = a.visit.m.Identify(visit.PurposeCases) }

// onApply asks who the application is for.
func (h *homeScreen) onApply(a *App) { a.Show(&applyChooser{}) }

// onElder turns elder mode on or off.
func (h *homeScreen) onElder(a *App) { a.SetElder(!a.elder) }
