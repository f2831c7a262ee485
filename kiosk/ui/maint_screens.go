package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"

	"github.com/pudong-community/kiosk/kiosk"
)

// The staff screens. Each asks kiosk.Maintenance off the UI goroutine
// (jobs.run) and shows the answer; every button keeps the session alive.

func isMaintScreen(s Screen) bool { return strings.HasPrefix(s.Name(), "maint.") }

// maintButton is a staff button that keeps the session alive.
func (a *App) maintButton(name, title string, st style, f func()) *button {
	return a.newButton(name, title, "", st, a.maintTap(f))
}

// maintCall runs f against the maintenance service off the UI goroutine,
// then done on it (if the screen is still on top).
func maintCall[T any](a *App, s Screen, f func(ctx context.Context, m kiosk.Maintenance) (T, error), done func(T, error)) {
	c := a.maint()
	if c == nil || c.opts.Service == nil {
		done(*new(T), fmt.Errorf("ui: %s", a.T("maint.noservice")))
		return
	}
	m := c.opts.Service
	a.jobs.run(func(ctx context.Context) func() {
		v, err := f(ctx, m)
		return func() {
			done(v, err)
			if a.Current() == s {
				a.render()
			}
		}
	})
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.Format("2006-01-02 15:04:05")
}

func stepsText(steps []kiosk.Step) string {
	var b strings.Builder
	for _, s := range steps {
		fmt.Fprintf(&b, "%s: %s", s.Name, s.Duration.Round(time.Millisecond))
		if s.Err != "" {
			fmt.Fprintf(&b, " %s %s", markFailed, s.Err)
		}
		b.WriteByte('\n')
	}
	return strings.TrimSpace(b.String())
}

func errLine(a *App, err error) fyne.CanvasObject {
	return errorText(a.T("maint.error", err.Error()))
}

// maintLoader is a staff screen that fetches what it shows when opened.
type maintLoader interface {
	load(a *App)
}
