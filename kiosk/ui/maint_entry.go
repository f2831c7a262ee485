package ui

import (
	"context"
	"errors"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/maint"
)

// Maintenance entry: five taps on the centre's name (the logo) in the top
// bar within three seconds open the PIN screen; a staff card on the reader
// while it shows opens maintenance too. Leaving, or two minutes without a
// touch, returns to the home screen.

// Entry gesture.
const (
	maintTaps       = 5
	maintTapsWithin = 3 * time.Second
)

// MaintOptions wire the staff screens.
type MaintOptions struct {
	Service kiosk.Maintenance
	Gate    *maint.Gate
	// Now is the clock of the tap gesture (time.Now when nil); the gate
	// has its own.
	Now func() time.Time
	// BundleDirs lists the folders offered for a diagnostics bundle (USB
	// sticks, the data directory); nil offers none.
	BundleDirs func() []string
	// Health, when set, is shown at the top of the device panel.
	Health *kiosk.Health
	// Voice, when set, adds the voice screen: test every prompt, set the
	// volume.
	Voice kiosk.VoiceControl
	// IdleCheck is how often an open session is checked for idleness:
	// one second when zero; negative turns the watch off (tests call
	// maintTick themselves).
	IdleCheck time.Duration
}

// maintCtl is an App's maintenance state: nil until EnableMaintenance.
type maintCtl struct {
	opts MaintOptions
	taps []time.Time

	stop context.CancelFunc // the idle watch of an open session
}

// EnableMaintenance turns on the hidden entry and the staff screens. Call
// it on the UI goroutine before the window shows.
func (a *App) EnableMaintenance(o MaintOptions) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.IdleCheck == 0 {
		o.IdleCheck = time.Second
	}
	a.staff = &maintCtl{opts: o}
	a.render()
}

func (a *App) maint() *maintCtl { return a.staff }

// maintLogo wraps the centre's name in the top bar so that five quick taps
// open the PIN screen. Without maintenance enabled it is the name alone.
func (a *App) maintLogo(name fyne.CanvasObject) fyne.CanvasObject {
	c := a.maint()
	if c == nil {
		return name
	}
	l := &secretTap{name: "logo", content: name, onTap: func() { a.maintLogoTapped() }}
	l.ExtendBaseWidget(l)
	return l
}

// secretTap is a tappable area that looks like its content.
type secretTap struct {
	widget.BaseWidget
	name    string // for Inspect: "logo", "card.refused"
	content fyne.CanvasObject
	onTap   func()
}

func (s *secretTap) Tapped(*fyne.PointEvent) { s.onTap() }
func (s *secretTap) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(s.content)
}

// maintLogoTapped counts taps; the fifth within three seconds opens entry.
func (a *App) maintLogoTapped() {
	c := a.maint()
	if c == nil {
		return
	}
	now := c.opts.Now()
	keep := c.taps[:0]
	for _, t := range c.taps {
		if now.Sub(t) < maintTapsWithin {
			keep = append(keep, t)
		}
	}
	c.taps = append(keep, now)
	if len(c.taps) < maintTaps {
		return
	}
	c.taps = nil
	if _, ok := a.Current().(*maintEntryScreen); ok || isMaintScreen(a.Current()) {
		return
	}
	a.Show(&maintEntryScreen{})
}

// MaintCard offers a card read to the maintenance entry: while the PIN
// screen shows, a card is consumed (true): a valid staff card then waits
// for the PIN, an expired one or a resident's card opens nothing. On any
// other screen it returns false and the card goes to the resident flow as
// usual. Call it on the UI goroutine.
func (a *App) MaintCard(idNumber string, expired bool) bool {
	c := a.maint()
	if c == nil || c.opts.Gate == nil {
		return false
	}
	e, ok := a.Current().(*maintEntryScreen)
	if !ok {
		return false
	}
	_, err := c.opts.Gate.EnterCard(a.jobs.ctx, idNumber, expired)
	switch {
	case errors.Is(err, maint.ErrNeedPIN):
		e.msg, e.bad = a.T("maint.entry.cardpin"), false
	case errors.Is(err, maint.ErrCardExpired):
		e.msg, e.bad = a.T("maint.entry.cardexpired"), true
	case errors.Is(err, maint.ErrNoPIN):
		e.msg, e.bad = a.T("maint.entry.nopin"), true
	default: // a resident's card at the staff screen opens nothing
		e.msg, e.bad = a.T("maint.entry.notstaff"), true
	}
	a.render()
	return true
}

// openMaintenance replaces the entry screen with the maintenance menu and
// starts the idle watch. auditErr, when set, is shown on the menu: the
// entry was allowed but could not be recorded.
func (a *App) openMaintenance(auditErr error) {
	c := a.maint()
	if c.stop != nil {
		c.stop()
	}
	ctx, cancel := context.WithCancel(a.jobs.ctx)
	c.stop = cancel
	menu := &maintMenuScreen{auditErr: auditErr}
	if c.opts.IdleCheck < 0 {
		a.Replace(menu)
		menu.load(a)
		return
	}
	go func() {
		t := time.NewTicker(c.opts.IdleCheck)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				post(a.maintTick)
			}
		}
	}()
	a.Replace(menu)
	menu.load(a)
}

// maintTick ends an idle session and returns home. Called every second
// while a session is open (and by tests).
func (a *App) maintTick() {
	c := a.maint()
	if c == nil || c.opts.Gate == nil {
		return
	}
	if c.opts.Gate.Open() && !isMaintScreen(a.Current()) {
		// Home or back took staff out of maintenance: close the session
		// and leave the screens as they are.
		_ = c.opts.Gate.Leave(a.jobs.ctx)
		if c.stop != nil {
			c.stop()
			c.stop = nil
		}
		return
	}
	ended, _ := c.opts.Gate.CheckIdle(a.jobs.ctx)
	if ended {
		a.closeMaintenance()
	}
}

// leaveMaintenance is the "leave" button.
func (a *App) leaveMaintenance() {
	if c := a.maint(); c != nil && c.opts.Gate != nil {
		_ = c.opts.Gate.Leave(a.jobs.ctx)
	}
	a.closeMaintenance()
}

// closeMaintenance drops every staff screen and shows what was under them:
// home, or the screen of a resident's visit that staff stepped into (to
// load paper, say), where the resident carries on and can print again.
func (a *App) closeMaintenance() {
	if c := a.maint(); c != nil && c.stop != nil {
		c.stop()
		c.stop = nil
	}
	a.nav.popWhile(isMaintScreen)
	a.render()
}

// maintTap is a.tap for staff buttons: it also keeps the session alive.
func (a *App) maintTap(f func()) func() {
	return func() {
		if c := a.maint(); c != nil && c.opts.Gate != nil {
			c.opts.Gate.Touch()
		}
		f()
	}
}

// maintEntryScreen asks for the PIN on an on-screen keypad.
type maintEntryScreen struct {
	pin      string
	msg      string
	bad      bool
	checking bool
}

func (e *maintEntryScreen) Name() string  { return "maint.entry" }
func (e *maintEntryScreen) Title() string { return "maint.entry.title" }

func (e *maintEntryScreen) Build(a *App) fyne.CanvasObject {
	c := a.maint()
	var rows []fyne.CanvasObject
	rows = append(rows, subheading(a.T("maint.entry.prompt")))
	gate := (*maint.Gate)(nil)
	if c != nil {
		gate = c.opts.Gate
	}
	if gate == nil || !gate.HasPIN() {
		rows = append(rows, errorText(a.T("maint.entry.nopin")))
	}
	shown := strings.Repeat("●", len(e.pin))
	if shown == "" {
		shown = " "
	}
	rows = append(rows, panel(textBlock(shown, theme.ColorNameForeground, theme.SizeNameHeadingText, true, fyne.TextAlignCenter)))
	// One message line between the PIN and the keys, there even when it
	// is empty: a message that appeared above the keys moved them down
	// under the finger, and the next digit landed on another key.
	locked, until := false, time.Time{}
	if gate != nil {
		locked, until = gate.Locked()
	}
	switch {
	case e.checking:
		rows = append(rows, centered(a.T("maint.entry.checking"), theme.SizeNameText))
	case locked:
		rows = append(rows, errorText(a.T("maint.entry.locked", until.Format("15:04:05"))))
	case e.msg != "" && e.bad:
		rows = append(rows, errorText(e.msg))
	case e.msg != "":
		rows = append(rows, body(e.msg))
	default:
		rows = append(rows, errorText(" "))
	}
	key := func(label, name string, st style, f func()) *button {
		b := a.newButton(name, label, "", st, f)
		b.big = true
		b.disabled = e.checking
		return b
	}
	// The residents' number pad, the same keys in the same places (clear,
	// 0, delete at the bottom), and 确定 where every resident screen has
	// its confirm key: at the bottom of the screen, full width, in view
	// below whatever scrolls.
	pad := numberPad(func(label, name string) *button {
		return key(label, "maint.key:"+name, styleSecondary, func() { e.press(a, name) })
	}, a.T("key.clear"), a.T("key.delete"), nil)
	ok := key(a.T("maint.entry.ok"), "maint.key:ok", styleSuccess, func() { e.submit(a) })
	keysOf := func(width float32) fyne.CanvasObject {
		return container.NewCenter(container.NewGridWrap(fyne.NewSize(width, pad.MinSize().Height), pad))
	}
	card := body(a.T("maint.entry.card"))
	var content fyne.CanvasObject
	if a.landscape() {
		// Side by side on a wide screen: below the device banners and in
		// elder mode, keys under the PIN ran off the bottom.
		keys := keysOf(min(a.padWidth(), a.win.Canvas().Size().Width/2-4*a.theme.Size(theme.SizeNamePadding)))
		content = container.NewGridWithColumns(2,
			container.NewVBox(append(rows, card, layout.NewSpacer())...),
			container.NewVBox(keys, layout.NewSpacer()))
	} else {
		rows = append(rows, keysOf(a.padWidth()), card)
		content = container.NewVBox(append(rows, layout.NewSpacer())...)
	}
	return container.NewBorder(nil, ok, nil, nil, scroll(content))
}

func (e *maintEntryScreen) press(a *App, d string) {
	switch {
	case d == "clear":
		e.pin = ""
	case d == "delete":
		if e.pin != "" {
			e.pin = e.pin[:len(e.pin)-1]
		}
	case len(e.pin) < 12:
		e.pin += d
	}
	e.msg = ""
	a.render()
}

// submit checks the PIN off the UI goroutine (argon2id takes a moment).
func (e *maintEntryScreen) submit(a *App) {
	c := a.maint()
	if c == nil || c.opts.Gate == nil || e.checking {
		return
	}
	pin := e.pin
	e.pin = ""
	e.checking = true
	a.render()
	gate := c.opts.Gate
	a.jobs.run(func(ctx context.Context) func() {
		s, err := gate.EnterPIN(ctx, pin)
		return func() {
			e.checking = false
			if a.Current() != Screen(e) {
				return
			}
			if s != nil {
				a.openMaintenance(err)
				return
			}
			var le *maint.LockedError
			switch {
			case errors.As(err, &le):
				e.msg = a.T("maint.entry.locked", le.Until.Format("15:04:05"))
			case errors.Is(err, maint.ErrWrongPIN):
				e.msg = a.T("maint.entry.wrong", gate.Tries())
			case errors.Is(err, maint.ErrNoPIN):
				e.msg = a.T("maint.entry.nopin")
			default:
				e.msg = a.T("maint.error", err.Error())
			}
			e.bad = true
			a.render()
		}
	})
}
