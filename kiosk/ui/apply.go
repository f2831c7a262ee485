package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"

	"github.com/pudong-community/kiosk/kiosk/visit"
)

// applyChooser is the first step of 自助申办: for yourself, or for someone
// else as their agent (委托代理). No card has been read yet.
type applyChooser struct {
	self, agent *button
}

func (s *applyChooser) Name() string  { return "apply" }
func (s *applyChooser) Title() string { return "screen.apply" }

func (s *applyChooser) Build(a *App) fyne.CanvasObject {
	s.self = a.newButton("apply.self", a.T("apply.self"), a.T("apply.self.sub"), stylePrimary, func() { s.onSelf(a) })
	s.agent = a.newButton("apply.agent", a.T("apply.agent"), a.T("apply.agent.sub"), stylePrimary, func() { s.onAgent(a) })
	s.self.big, s.agent.big = true, true
	parts := []fyne.CanvasObject{subheading(a.T("apply.who"))}
	if down, why := a.status.applyDown(); down {
		s.self.disabled, s.agent.disabled = true, true
		parts = append(parts, notice(a.T(why)))
	}
	h := a.theme.TileHeight()
	grid := container.NewGridWrap(fyne.NewSize(a.win.Canvas().Size().Width-4*a.theme.Size(theme.SizeNamePadding), h), s.self, s.agent)
	return container.NewVBox(append(parts, grid)...)
}

// onSelf: the resident applies for themselves; their card is asked for.
func (s *applyChooser) onSelf(a *App) { _ = a.visit.m.Identify(visit.PurposeApply) }

// onAgent: an agent applies for someone else; the agent's card comes first.
func (s *applyChooser) onAgent(a *App) { _ = a.visit.m.StartAgent() }
