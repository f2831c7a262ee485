package ui

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"

	"github.com/pudong-community/kiosk/kiosk"
)

// maintAuditScreen checks the audit chain and shows its latest entries.
type maintAuditScreen struct {
	check   *kiosk.AuditCheck
	events  []kiosk.AuditEvent
	err     error
	loading bool
}

func (s *maintAuditScreen) Name() string  { return "maint.audit" }
func (s *maintAuditScreen) Title() string { return "maint.audit" }

func (s *maintAuditScreen) load(a *App) {
	s.loading = true
	maintCall(a, s, func(ctx context.Context, m kiosk.Maintenance) ([]kiosk.AuditEvent, error) {
		return m.LatestAudit(ctx, 30)
	},
		func(v []kiosk.AuditEvent, err error) { s.events, s.err, s.loading = v, err, false })
}

func (s *maintAuditScreen) Build(a *App) fyne.CanvasObject {
	rows := []fyne.CanvasObject{a.maintButton("maint.audit.verify", a.T("maint.audit.verify"), stylePrimary, func() {
		s.check, s.err = nil, nil
		type result struct {
			check  kiosk.AuditCheck
			events []kiosk.AuditEvent
		}
		maintCall(a, s, func(ctx context.Context, m kiosk.Maintenance) (result, error) {
			c, err := m.VerifyAudit(ctx)
			if err != nil {
				return result{}, err
			}
			evs, err := m.LatestAudit(ctx, 30)
			return result{c, evs}, err
		}, func(v result, err error) {
			s.err = err
			if err == nil {
				s.check, s.events = &v.check, v.events
			}
		})
	})}
	if s.check != nil {
		if s.check.OK {
			rows = append(rows, textBlock(a.T("maint.audit.ok", s.check.Events), theme.ColorNameSuccess, theme.SizeNameSubHeadingText, true, fyne.TextAlignLeading))
		} else {
			rows = append(rows, errorText(a.T("maint.audit.broken", s.check.BrokenAt, s.check.Problem, s.check.Events)))
		}
	}
	if s.loading {
		rows = append(rows, body(a.T("maint.loading")))
	}
	if s.err != nil {
		rows = append(rows, errLine(a, s.err))
	}
	var b strings.Builder
	for i := len(s.events) - 1; i >= 0; i-- { // newest first
		ev := s.events[i]
		fmt.Fprintf(&b, "#%d %s %s %s %s\n", ev.Seq, ev.At.Format("01-02 15:04:05"), ev.Kind, ev.Subject, ev.Detail)
	}
	if b.Len() > 0 {
		rows = append(rows, textBlock(strings.TrimSpace(b.String()), theme.ColorNameForeground, theme.SizeNameCaptionText, false, fyne.TextAlignLeading))
	}
	return scroll(container.NewVBox(rows...))
}
