// Package ui is the terminal's only Fyne code besides cmd: screens, theme,
// on-screen keypads and the resident-facing strings in Chinese and English.
// It never imports fyne.io/fyne/v2/app (cmd makes the app), the store, the
// API client or the device drivers: it talks to them through the small
// interfaces of the kiosk package.
package ui

import (
	"context"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Screen is one screen of the terminal. Build is called on the UI goroutine
// every time the screen is shown, the language switches or elder mode
// toggles, so a screen keeps its state in its struct and its widgets are
// made fresh.
type Screen interface {
	// Name is a stable name for tests and screenshots ("home", "guide").
	Name() string
	// Title is the i18n key of the title shown in the top bar; "" for none.
	Title() string
	Build(a *App) fyne.CanvasObject
}

// Options configure the App.
type Options struct {
	CenterName   string
	CenterNameEN string
	TerminalID   string
	Version      string
	Language     Lang             // at the start of each visit; Chinese when empty
	Now          func() time.Time // clock; time.Now when nil
	// CallStaff rings whatever the terminal is configured to ring. It runs
	// off the UI goroutine; nil does nothing beyond the on-screen message.
	CallStaff func(ctx context.Context) error
}

// App is the terminal's window content and navigation.
type App struct {
	fyneApp fyne.App
	win     fyne.Window
	opts    Options
	cat     *Catalog

	lang  Lang
	elder bool
	theme *Theme

	stack []Screen

	// status shown as banners; changed from other goroutines through fyne.Do.
	online   bool
	problems []DeviceProblem

	clock *canvas.Text

	mu       sync.Mutex // guards onChange
	onChange []func(Screen)
}

// DeviceProblem is a banner line for a device that is out of order.
type DeviceProblem struct {
	DeviceKey string // i18n key of the device's name
	Reason    string // already in the resident's words
}

// New makes the terminal UI in w. Call Start to run the clock.
func New(fa fyne.App, w fyne.Window, opts Options) *App {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Language == "" {
		opts.Language = Chinese
	}
	a := &App{
		fyneApp: fa,
		win:     w,
		opts:    opts,
		cat:     DefaultCatalog(),
		lang:    opts.Language,
		online:  true,
	}
	a.applyTheme()
	a.stack = []Screen{&homeScreen{}}
	a.render()
	return a
}

// T translates a key into the current language.
func (a *App) T(key string, args ...any) string { return a.cat.T(a.lang, key, args...) }

// Lang is the current language.
func (a *App) Lang() Lang { return a.lang }

// Elder reports whether elder mode is on.
func (a *App) Elder() bool { return a.elder }

// Theme is the theme in force.
func (a *App) Theme() *Theme { return a.theme }

// Window is the window the UI draws in.
func (a *App) Window() fyne.Window { return a.win }

// Current is the screen on top.
func (a *App) Current() Screen { return a.stack[len(a.stack)-1] }

// OnScreenChange registers f to be called (on the UI goroutine) after every
// screen change. Tests and the smoke walk use it.
func (a *App) OnScreenChange(f func(Screen)) {
	a.mu.Lock()
	a.onChange = append(a.onChange, f)
	a.mu.Unlock()
}

// Show pushes s and shows it.
func (a *App) Show(s Screen) {
	a.stack = append(a.stack, s)
	a.render()
}

// Replace swaps the top screen for s (a step inside one flow).
func (a *App) Replace(s Screen) {
	a.stack[len(a.stack)-1] = s
	a.render()
}

// Back returns to the previous screen.
func (a *App) Back() {
	if len(a.stack) > 1 {
		a.stack = a.stack[:len(a.stack)-1]
	}
	a.render()
}

// Home returns to the home screen.
func (a *App) Home() {
	a.stack = a.stack[:1]
	a.render()
}

// SetLanguage switches every screen to l at once.
func (a *App) SetLanguage(l Lang) {
	a.lang = l
	a.render()
}

// SetElder switches elder mode (larger text and targets, longer timeouts).
func (a *App) SetElder(on bool) {
	a.elder = on
	a.applyTheme()
	a.render()
}

// SetOnline shows or hides the offline banner. Safe from any goroutine.
func (a *App) SetOnline(online bool) {
	fyne.Do(func() {
		if a.online == online {
			return
		}
		a.online = online
		a.render()
	})
}

// SetDeviceProblems replaces the device banners. Safe from any goroutine.
func (a *App) SetDeviceProblems(ps []DeviceProblem) {
	fyne.Do(func() {
		a.problems = append([]DeviceProblem(nil), ps...)
		a.render()
	})
}

// Start runs the clock until ctx ends.
func (a *App) Start(ctx context.Context) {
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				fyne.Do(func() {
					if a.clock != nil {
						a.clock.Text = a.clockText()
						a.clock.Refresh()
					}
				})
			}
		}
	}()
}

func (a *App) applyTheme() {
	a.theme = NewTheme(a.elder)
	a.fyneApp.Settings().SetTheme(a.theme)
}

func (a *App) clockText() string {
	now := a.opts.Now()
	if a.lang == English {
		return now.Format("Mon 2 Jan 15:04")
	}
	week := [...]string{"日", "一", "二", "三", "四", "五", "六"}
	return now.Format("1月2日 ") + "星期" + week[now.Weekday()] + now.Format(" 15:04")
}

// render rebuilds the window content for the screen on top.
func (a *App) render() {
	s := a.Current()
	body := s.Build(a)
	top := a.topBar(s)
	var parts []fyne.CanvasObject
	parts = append(parts, a.banners()...)
	bottom := a.bottomBar()
	var center fyne.CanvasObject = body
	if len(parts) > 0 {
		center = container.NewBorder(container.NewVBox(parts...), nil, nil, nil, body)
	}
	a.win.SetContent(container.NewBorder(top, bottom, nil, nil, container.NewPadded(center)))
	a.mu.Lock()
	fs := append([]func(Screen){}, a.onChange...)
	a.mu.Unlock()
	for _, f := range fs {
		f(s)
	}
}

func (a *App) centerName() string {
	if a.lang == English && a.opts.CenterNameEN != "" {
		return a.opts.CenterNameEN
	}
	return a.opts.CenterName
}

// topBar: the centre's name and the screen's title on the left, the clock on
// the right.
func (a *App) topBar(s Screen) fyne.CanvasObject {
	bg := canvas.NewRectangle(colPrimary)
	name := canvas.NewText(a.centerName(), colOnPrimary)
	name.TextSize = a.theme.Size(theme.SizeNameText)
	name.TextStyle.Bold = true
	left := []fyne.CanvasObject{name}
	if t := s.Title(); t != "" {
		title := canvas.NewText(a.T(t), colOnPrimary)
		title.TextSize = a.theme.Size(theme.SizeNameSubHeadingText)
		title.TextStyle.Bold = true
		left = append(left, title)
	}
	a.clock = canvas.NewText(a.clockText(), colOnPrimary)
	a.clock.TextSize = a.theme.Size(theme.SizeNameText)
	a.clock.Alignment = fyne.TextAlignTrailing
	row := container.NewBorder(nil, nil, container.NewVBox(left...), container.NewVBox(layout.NewSpacer(), a.clock, layout.NewSpacer()))
	return container.NewStack(bg, container.New(layout.NewCustomPaddedLayout(12, 12, 24, 24), row))
}

// bottomBar is on every screen: back and home on the left (but on the home
// screen), the language switch and call-staff on the right.
func (a *App) bottomBar() fyne.CanvasObject {
	var left []fyne.CanvasObject
	if len(a.stack) > 1 {
		back := newBarButton(a.T("nav.back"), colText, colBackground, a.theme, a.Back)
		back.name = "nav.back"
		home := newBarButton(a.T("nav.home"), colText, colBackground, a.theme, a.Home)
		home.name = "nav.home"
		left = append(left, back, home)
	}
	lang := newBarButton(a.T("bar.language"), colText, colBackground, a.theme, func() {
		if a.lang == Chinese {
			a.SetLanguage(English)
		} else {
			a.SetLanguage(Chinese)
		}
	})
	lang.name = "bar.language"
	call := newBarButton(a.T("bar.callstaff"), colOnPrimary, colAccent, a.theme, a.CallStaff)
	call.name = "bar.callstaff"
	bg := canvas.NewRectangle(colSurface)
	row := container.NewBorder(nil, nil, container.NewHBox(left...), container.NewHBox(lang, call))
	return container.NewStack(bg, container.New(layout.NewCustomPaddedLayout(10, 10, 20, 20), row))
}

func (a *App) banners() []fyne.CanvasObject {
	var out []fyne.CanvasObject
	if !a.online {
		out = append(out, newBanner(a.T("banner.offline"), a.theme))
	}
	for _, p := range a.problems {
		out = append(out, newBanner(a.T("banner.device", a.T(p.DeviceKey), p.Reason), a.theme))
	}
	return out
}

// CallStaff shows that staff are coming and rings the configured hook.
func (a *App) CallStaff() {
	if a.opts.CallStaff != nil {
		ring := a.opts.CallStaff
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = ring(ctx)
		}()
	}
	a.Show(&callStaffScreen{})
}

func newBanner(text string, th *Theme) fyne.CanvasObject {
	bg := canvas.NewRectangle(colWarnBg)
	bg.StrokeColor = colWarning
	bg.StrokeWidth = 2
	bg.CornerRadius = 8
	icon := widget.NewIcon(theme.NewColoredResource(theme.WarningIcon(), theme.ColorNameWarning))
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	l.TextStyle.Bold = true
	return container.NewStack(bg, container.NewBorder(nil, nil, icon, nil, l))
}

// Screens with nothing of their own yet say so plainly rather than show an
// empty page.
type placeholderScreen struct {
	name, title string
}

func (p *placeholderScreen) Name() string  { return p.name }
func (p *placeholderScreen) Title() string { return p.title }
func (p *placeholderScreen) Build(a *App) fyne.CanvasObject {
	l := widget.NewLabel(a.T("screen.soon"))
	l.Wrapping = fyne.TextWrapWord
	l.Alignment = fyne.TextAlignCenter
	return container.NewVBox(layout.NewSpacer(), l, layout.NewSpacer())
}

type callStaffScreen struct{}

func (c *callStaffScreen) Name() string  { return "callstaff" }
func (c *callStaffScreen) Title() string { return "" }
func (c *callStaffScreen) Build(a *App) fyne.CanvasObject {
	title := canvas.NewText(a.T("callstaff.title"), colPrimary)
	title.TextSize = a.theme.Size(theme.SizeNameHeadingText)
	title.TextStyle.Bold = true
	title.Alignment = fyne.TextAlignCenter
	body := widget.NewLabel(a.T("callstaff.body"))
	body.Wrapping = fyne.TextWrapWord
	body.Alignment = fyne.TextAlignCenter
	ok := newTile(a.T("callstaff.ok"), "", theme.ConfirmIcon(), colPrimary, a.theme, a.Back)
	ok.name = "callstaff.ok"
	return container.NewVBox(layout.NewSpacer(), title, body, container.NewCenter(container.NewGridWrap(fyne.NewSize(360, a.theme.TargetSize()*1.5), ok)), layout.NewSpacer())
}
