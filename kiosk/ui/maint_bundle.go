package ui

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"

	"github.com/pudong-community/kiosk/kiosk"
)

// maintBundleScreen writes a diagnostics bundle to a folder staff choose.
type maintBundleScreen struct {
	dirs    []string
	running bool
	path    string
	err     error
}

func (s *maintBundleScreen) Name() string  { return "maint.bundle" }
func (s *maintBundleScreen) Title() string { return "maint.bundle" }

func (s *maintBundleScreen) load(a *App) {
	if c := a.maint(); c != nil && c.opts.BundleDirs != nil {
		s.dirs = c.opts.BundleDirs()
	}
	a.render()
}

func (s *maintBundleScreen) Build(a *App) fyne.CanvasObject {
	rows := []fyne.CanvasObject{body(a.T("maint.bundle.choose"))}
	if len(s.dirs) == 0 {
		rows = append(rows, errorText(a.T("maint.bundle.nodirs")))
	}
	for i, d := range s.dirs {
		dir := d
		b := a.maintButton(fmt.Sprintf("maint.bundle.dir:%d", i), dir, styleSecondary, func() {
			s.running, s.path, s.err = true, "", nil
			a.render()
			maintCall(a, s, func(ctx context.Context, m kiosk.Maintenance) (string, error) { return m.ExportBundle(ctx, dir) },
				func(p string, err error) { s.running, s.path, s.err = false, p, err })
		})
		b.disabled = s.running
		rows = append(rows, b)
	}
	if s.running {
		rows = append(rows, body(a.T("maint.loading")))
	}
	if s.path != "" {
		rows = append(rows, textBlock(a.T("maint.bundle.done", s.path), theme.ColorNameSuccess, theme.SizeNameText, true, fyne.TextAlignLeading))
	}
	if s.err != nil {
		rows = append(rows, errLine(a, s.err))
	}
	return scroll(container.NewVBox(rows...))
}
