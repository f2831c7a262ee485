package ui

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"

	"github.com/pudong-community/kiosk/kiosk"
)

// maintSelfTestScreen runs the devices' self-tests one at a time.
type maintSelfTestScreen struct {
	running string // the test in progress
	result  string
	err     error
}

func (s *maintSelfTestScreen) Name() string  { return "maint.selftest" }
func (s *maintSelfTestScreen) Title() string { return "maint.selftest" }
func (s *maintSelfTestScreen) load(*App)     {}

func (s *maintSelfTestScreen) start(a *App, name string, f func(ctx context.Context, m kiosk.Maintenance) (string, error)) {
	if s.running != "" {
		return
	}
	s.running, s.result, s.err = name, "", nil
	a.render()
	maintCall(a, s, f, func(v string, err error) { s.running, s.result, s.err = "", v, err })
}

func (s *maintSelfTestScreen) Build(a *App) fyne.CanvasObject {
	tests := []struct {
		name string
		f    func(ctx context.Context, m kiosk.Maintenance) (string, error)
	}{
		{"maint.selftest.card", func(ctx context.Context, m kiosk.Maintenance) (string, error) {
			r, err := m.SelfTestCard(ctx)
			return fmt.Sprintf("%s %s\n%s", r.MaskedID, r.CardType, stepsText(r.Steps)), err
		}},
		{"maint.selftest.print", func(ctx context.Context, m kiosk.Maintenance) (string, error) {
			r, err := m.TestPrint(ctx)
			return fmt.Sprintf("%d bytes\n%s", r.Bytes, stepsText(r.Steps)), err
		}},
		{"maint.selftest.probe", func(ctx context.Context, m kiosk.Maintenance) (string, error) {
			ps, err := m.ProbePorts(ctx)
			var b strings.Builder
			for _, p := range ps {
				fmt.Fprintf(&b, "%s @ %d: %s %s\n", p.Port, p.Baud, p.Answer, p.Detail)
			}
			if len(ps) == 0 && err == nil {
				b.WriteString(a.T("maint.selftest.noports"))
			}
			return strings.TrimSpace(b.String()), err
		}},
		{"maint.selftest.baud", func(ctx context.Context, m kiosk.Maintenance) (string, error) {
			r, err := m.DetectBaud(ctx)
			if err == nil && r.Baud == 0 {
				return fmt.Sprintf("%s: %s %v", r.Port, a.T("maint.selftest.nobaud"), r.Tried), nil
			}
			return fmt.Sprintf("%s: %d baud (%v)", r.Port, r.Baud, r.Tried), err
		}},
	}
	var grid []fyne.CanvasObject
	for _, t := range tests {
		b := a.maintButton(t.name, a.T(t.name), stylePrimary, func() { s.start(a, t.name, t.f) })
		b.disabled = s.running != ""
		grid = append(grid, b)
	}
	rows := []fyne.CanvasObject{container.NewGridWithColumns(2, grid...)}
	if s.running != "" {
		rows = append(rows, body(a.T("maint.running", a.T(s.running))))
	}
	if s.result != "" {
		rows = append(rows, panel(body(s.result)))
	}
	if s.err != nil {
		rows = append(rows, errLine(a, s.err))
	}
	return scroll(container.NewVBox(rows...))
}
