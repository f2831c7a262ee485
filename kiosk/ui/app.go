// Package ui is the terminal's only Fyne code besides cmd: screens, theme,
// on-screen keypads and the resident-facing strings in Chinese and English.
// It never imports fyne.io/fyne/v2/app (cmd makes the app), the store, the
// API client or the device drivers: it talks to them through the small
// interfaces of the kiosk package.
//
// How it fits together:
//
//   - App (app.go) is the window: it joins the parts below, draws the
//     screen on top with the bars, banners and theme, and offers the
//     exported calls cmd makes (CardPresent, SetOnline, ...).
//   - navigator (nav.go) is the stack of screens, and screensFor says which
//     screens each state of the visit machine shows.
//   - visitPresenter (presenter.go) is what the screens show of the visit:
//     the visit machine and its snapshot, the screens' data of the visit
//     with each service call as an explicit load (load.go: idle, loading,
//     loaded, failed), the goodbye of the visit that ended, the catalogue.
//   - status (status.go) is the network and the devices.
//   - post (post.go) is the one door to the UI goroutine: every update from
//     another goroutine goes through it; jobs runs the service calls and
//     hands their answers back through it.
//   - Each screen is a small struct in its own file with a Build and onXxx
//     handlers (home.go, guide.go, form.go, ...; maint_*.go for staff).
package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/visit"
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

	// Visit configures the visit machine the screens follow (timings,
	// clock). Its OnChange, when set, is called before the screen updates.
	Visit visit.Config

	// The services behind the screens; a nil one makes its screens say the
	// service is unavailable.
	Catalog  kiosk.CatalogSource
	Cases    kiosk.CaseSource
	Submit   kiosk.Submitter
	Receipts kiosk.ReceiptService
	QR       kiosk.QREncoder
	// Characters lets an agent key a resident's name by pinyin; without it
	// the resident's card is the only way.
	Characters kiosk.CharacterSource
	// Handwriting offers the handwriting pad (手写) on the search screen
	// and in the name keyboard; nil, or a recogniser whose model is
	// missing, leaves the pinyin keyboards only.
	Handwriting kiosk.Handwriting
	// GuideHosts are the hosts an item's guide_url may lead to: the item
	// page shows it as a QR code only when kiosk.GuideURL admits it (none:
	// no QR codes on item pages).
	GuideHosts []string
	// ServiceTimeout bounds each call to a service; 10 s when zero. The
	// submitter has its own short send deadline inside it.
	ServiceTimeout time.Duration
	// Voice speaks the fixed prompts (语音播报) at the moments that matter;
	// nil is silence.
	Voice kiosk.Voice

	// Version 1.1 services; a nil one hides what needs it.
	// Center: the centre's hours and hotline on home, its queue and tickets.
	Center kiosk.CenterService
	// Appointments: booking, listing and cancelling appointments.
	Appointments kiosk.AppointmentService
	// Ratings: the 好差评 after each service.
	Ratings kiosk.RatingService
	// Assist calls staff (the centre and the local hook); when set it is
	// used instead of CallStaff.
	Assist kiosk.Assistance
}

// Keys of the devices in DeviceProblem.DeviceKey that change what the
// terminal offers: without the card reader only the service guide works;
// without the printer receipts are shown on screen.
const (
	DeviceCardReader = "device.cardreader"
	DevicePrinter    = "device.printer"
)

// App is the terminal's window: it joins the navigator (the stack of
// screens), the visit presenter (what the screens show of the visit), the
// status of network and devices, and draws the screen on top with the
// bars, banners and theme around it.
type App struct {
	fyneApp fyne.App
	win     fyne.Window
	opts    Options
	cat     *Catalog

	lang  Lang
	elder bool
	theme *Theme
	// fullHeld: the home screen itself draws with the full face, so it
	// stays; releasing: releaseFullFace is drawing home anew.
	fullHeld, releasing bool

	nav    *navigator
	visit  *visitPresenter
	status *status // shown as banners; changed from other goroutines through post
	jobs   *jobs   // services run off the UI goroutine; results come back through post

	clock *canvas.Text // the top bar's clock
	idle  *idleWarning // the idle warning, while shown
	stray strayWatch   // a screen shown outside any visit
	staff *maintCtl    // the staff screens (EnableMaintenance); nil without
	// handOff: the handwriting recogniser failed for good (its model is
	// missing or damaged); the pad is no longer offered.
	handOff bool
	// centre: the centre's hours and counters (cached) and its queue
	// (centerinfo.go).
	centre centreData
	// offerOn is the screen the elder-mode offer shows above (elderoffer.go).
	offerOn Screen
	// offerKept keeps the place of the offer answered 不用了 on that screen.
	offerKept keptOffer
}

// DeviceProblem is a banner line for a device that is out of order.
type DeviceProblem struct {
	DeviceKey string // i18n key of the device's name
	Reason    string // already in the resident's words
	// Required: the terminal is configured not to serve without the device
	// (printer.required: no application without a printed receipt).
	Required bool
}

// New makes the terminal UI in w. Call Start to run the clock.
func New(fa fyne.App, w fyne.Window, opts Options) *App {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Language == "" {
		opts.Language = Chinese
	}
	if opts.ServiceTimeout <= 0 {
		opts.ServiceTimeout = 10 * time.Second
	}
	a := &App{
		fyneApp: fa,
		win:     w,
		opts:    opts,
		cat:     DefaultCatalog(),
		lang:    opts.Language,
		status:  &status{online: true},
		jobs:    newJobs(opts.ServiceTimeout),
	}
	a.visit = newVisitPresenter(&a.opts, a.cat, a.jobs, a.status, a.render)
	a.initVisit()
	a.nav = newNavigator(&homeScreen{}, a.visit.snap.State)
	a.applyTheme()
	a.render()
	return a
}

// Visit is the visit machine the screens follow.
func (a *App) Visit() *visit.Machine { return a.visit.m }

// VisitConfigErr reports a bad Options.Visit; the defaults run instead.
func (a *App) VisitConfigErr() error { return a.visit.cfgErr }

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
func (a *App) Current() Screen { return a.nav.current() }

// OnScreenChange registers f to be called (on the UI goroutine) after every
// screen change. Tests and the smoke walk use it.
func (a *App) OnScreenChange(f func(Screen)) { a.nav.listen(f) }

// Show pushes s and shows it.
func (a *App) Show(s Screen) {
	a.nav.push(s)
	a.render()
}

// Replace swaps the top screen for s (a step inside one flow).
func (a *App) Replace(s Screen) {
	a.nav.replace(s)
	a.render()
}

// Back returns to the previous screen. A screen may take the step back
// itself (the review page goes back to the form through the visit
// machine); at the first screen of a state the visit machine decides.
func (a *App) Back() {
	if b, ok := a.Current().(backer); ok && b.back(a) {
		return
	}
	if n := a.nav.depth(); n > 2 || n == 2 && a.visit.snap.State == visit.StateHome {
		a.nav.pop()
		a.render()
		return
	}
	a.Home()
}

// Home is the home button: with a resident identified the visit machine
// returns to their menu; otherwise everything is forgotten and the home
// screen shown.
func (a *App) Home() {
	if err := a.visit.m.Home(); err != nil {
		return // a submission or print in flight: the button waits
	}
	if s := a.visit.m.Snapshot(); s.State == visit.StateIdentified && s.Resident != nil {
		// The card is still on the reader: the resident's own menu is their
		// home until they finish or take the card.
		screens := screensFor(s, s.State)
		if s.Purpose == visit.PurposeCases || s.Purpose == visit.PurposeBook {
			screens = []Screen{&menuScreen{}} // not back onto the cases just left
		}
		a.nav.over(screens...)
		a.render()
		return
	}
	if a.visit.snap.State == visit.StateHome && a.nav.depth() > 1 {
		a.nav.truncate(1)
		a.render()
	}
}

// SetLanguage switches every screen to l at once.
func (a *App) SetLanguage(l Lang) {
	a.lang = l
	a.fullHeld = false // the home screen's text changes
	if over(a.visit.snap.State) {
		a.visit.ended.english = l == English // the screens after the visit keep it
	}
	_ = a.visit.m.SetEnglish(l == English)
	a.render()
}

// toggleLanguage switches between Chinese and English.
func (a *App) toggleLanguage() {
	if a.lang == Chinese {
		a.SetLanguage(English)
	} else {
		a.SetLanguage(Chinese)
	}
}

// SetElder switches elder mode (larger text and targets, longer timeouts).
func (a *App) SetElder(on bool) {
	_ = a.visit.m.SetElderMode(on)
	a.setElder(on)
}

func (a *App) setElder(on bool) {
	a.fullHeld = false
	if a.elder == on {
		a.render()
		return
	}
	a.elder = on
	a.applyTheme()
	a.render()
}

// SetOnline shows or hides the offline banner. Safe from any goroutine.
func (a *App) SetOnline(online bool) {
	post(func() {
		if a.status.online == online {
			return
		}
		a.status.online = online
		a.render()
	})
}

// SetDeviceProblems replaces the device banners. Safe from any goroutine.
func (a *App) SetDeviceProblems(ps []DeviceProblem) {
	post(func() {
		a.status.problems = append([]DeviceProblem(nil), ps...)
		a.render()
	})
}

// Start runs the clock and the idle countdown until ctx ends, and loads the
// catalogue. When ctx ends, service calls still running are cancelled.
func (a *App) Start(ctx context.Context) {
	a.visit.loadCatalog(false)
	a.loadCenter()
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				a.jobs.cancel()
				return
			case <-t.C:
				post(a.tick)
			}
		}
	}()
}

// tick updates the clock and the countdown of the idle warning.
func (a *App) tick() {
	if a.clock != nil {
		a.clock.Text = a.clockText()
		a.clock.Refresh()
	}
	if a.idle != nil {
		a.idle.tick(a)
	}
	if tc, ok := a.Current().(*takeCardScreen); ok {
		tc.tick(a)
	}
}

func (a *App) applyTheme() {
	// The starting screen set this same theme already: setting it again
	// would make Fyne drop and parse its fonts a second time.
	if cur, ok := a.fyneApp.Settings().Theme().(*Theme); ok && cur.elder == a.elder && a.theme == nil {
		a.theme = cur
		return
	}
	a.theme = NewTheme(a.elder)
	a.fyneApp.Settings().SetTheme(a.theme)
}

// releaseFullFace makes Fyne drop the full face it parsed for rare
// characters (faces.go) once the home screen is shown alone again, after a
// visit, a staff session or a look at the guide: setting the theme anew
// clears Fyne's font cache, so the memory of the parsed face (about 9 MB) is
// not held until the next restart. It runs after the home screen is laid
// out, so that Fyne, which lays out the window's content again with the new
// theme, finds no text that needs the face. Should the home screen itself
// ask for it again (a rare character in the centre's name, say), it is kept
// until the terminal leaves home or its language or text size changes.
func (a *App) releaseFullFace() {
	if a.nav.depth() != 1 || a.visit.snap.State != visit.StateHome {
		a.fullHeld = false
		return
	}
	if a.releasing || a.theme == nil || !a.theme.fullAsked.Load() || a.fullHeld {
		return
	}
	a.releasing = true
	a.applyTheme()
	a.render() // home laid out under the new theme asks for the face only if it draws with it
	a.releasing = false
	a.fullHeld = a.theme.fullAsked.Load()
}

func (a *App) clockText() string {
	now := a.opts.Now()
	if a.lang == English {
		return now.Format("Mon 2 Jan 15:04")
	}
	week := [...]string{"日", "一", "二", "三", "四", "五", "六"}
	return now.Format("1月2日 ") + "星期" + week[now.Weekday()] + now.Format(" 15:04")
}

// render rebuilds the window content for the screen on top, or the idle
// warning over it.
func (a *App) render() {
	s := a.Current()
	a.idle = nil
	if a.visit.snap.State == visit.StateIdleWarning {
		a.idle = &idleWarning{}
		a.win.SetContent(a.idle.build(a))
		a.nav.notify(s)
		return
	}
	body := s.Build(a)
	top := a.topBar(s)
	// The banners lie over the top bar, which keeps its height: a banner
	// that appears never moves what is below it (banner.go).
	top = a.withBanners(top, a.banners())
	var parts []fyne.CanvasObject
	if o := a.elderOffer(s); o != nil {
		parts = append(parts, o)
	}
	bottom := a.bottomBar()
	// A screen taller than the window scrolls rather than push the bars
	// off a full-screen window.
	if cs := a.win.Canvas().Size(); cs.Height > 0 {
		avail := cs.Height - top.MinSize().Height - bottom.MinSize().Height - 4*a.theme.Size(theme.SizeNamePadding)
		for _, p := range parts {
			avail -= p.MinSize().Height
		}
		if body.MinSize().Height > avail {
			body = container.NewVScroll(body)
		}
	}
	var center fyne.CanvasObject = body
	if len(parts) > 0 {
		center = container.NewBorder(container.NewVBox(parts...), nil, nil, nil, body)
	}
	a.touchOnScroll(center)
	var content fyne.CanvasObject = container.NewBorder(top, bottom, nil, nil, container.NewPadded(center))
	if _, ok := s.(*identifyScreen); !ok && a.visit.v.card.refused() != "" {
		// A card refused where no screen asked for one (an expired card
		// on the home screen): the identify screen says why itself,
		// elsewhere the notice lies over the top of the screen, moving
		// nothing, until the card is taken away or the screen touched
		// (cardnotice.go).
		content = a.withCardNotice(content, top, a.refusedText(a.visit.v.card.refused()))
	}
	a.win.SetContent(content)
	a.armStray()
	a.nav.notify(s)
	a.releaseFullFace()
	a.elderOfferLeft(s)
}

// touchOnScroll makes scrolling a screen count as a touch, for the visit's
// idle timeout and a maintenance session's: a resident reading a long notice
// by scrolling is still there.
func (a *App) touchOnScroll(o fyne.CanvasObject) {
	switch v := o.(type) {
	case *container.Scroll:
		if v.OnScrolled == nil {
			v.OnScrolled = func(fyne.Position) {
				a.visit.m.Touch()
				if c := a.maint(); c != nil && c.opts.Gate != nil && isMaintScreen(a.Current()) {
					c.opts.Gate.Touch()
				}
			}
		}
		a.touchOnScroll(v.Content)
	case *fyne.Container:
		for _, c := range v.Objects {
			a.touchOnScroll(c)
		}
	}
}

// strayWatch is the watch over a screen shown outside any visit (armStray).
type strayWatch struct {
	timer visit.Timer
	gen   uint64
}

// armStray (re)starts the watch over a screen shown outside any visit: the
// 自助申办 chooser, the call-staff screen, the maintenance PIN screen. The
// visit machine's idle timeout does not run there, so without this watch
// the next resident would find the last one's screen instead of home. After
// the idle period without a touch the terminal returns home. Screens of an
// open maintenance session have their own watch (maintTick).
func (a *App) armStray() {
	w := &a.stray
	w.gen++
	if w.timer != nil {
		w.timer.Stop()
		w.timer = nil
	}
	if !a.strayScreen() {
		return
	}
	gen := w.gen
	d := a.opts.Visit.Idle
	if d <= 0 {
		d = visit.DefaultIdle
	}
	w.timer = a.visit.clk.AfterFunc(d, func() {
		if a.gone() {
			return
		}
		post(func() {
			if gen == w.gen && a.strayScreen() {
				// Whoever took a ticket outside a visit has walked away:
				// the next resident is not asked about it.
				a.visit.v.hand = handData{}
				a.nav.truncate(1)
				a.render()
			}
		})
	})
}

// strayScreen reports whether a screen other than home shows with no visit
// (and so no idle timeout) running.
func (a *App) strayScreen() bool {
	snap := a.visit.snap
	if a.nav.depth() < 2 || snap.State != visit.StateHome || snap.Elder || snap.English {
		return false
	}
	_, entry := a.Current().(*maintEntryScreen)
	return entry || !isMaintScreen(a.Current())
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
	name.TextStyle = boldStyle(name.Text)
	left := []fyne.CanvasObject{a.maintLogo(name)} // five taps: staff entry (maint_entry.go)
	if t := s.Title(); t != "" {
		title := canvas.NewText(a.T(t), colOnPrimary)
		title.TextSize = a.theme.Size(theme.SizeNameSubHeadingText)
		title.TextStyle = boldStyle(title.Text)
		left = append(left, title)
	}
	a.clock = canvas.NewText(a.clockText(), colOnPrimary)
	a.clock.TextSize = a.theme.Size(theme.SizeNameText)
	a.clock.Alignment = fyne.TextAlignTrailing
	row := container.NewBorder(nil, nil, container.NewVBox(left...), container.NewVBox(layout.NewSpacer(), a.clock, layout.NewSpacer()))
	return container.NewStack(bg, container.New(layout.NewCustomPaddedLayout(12, 12, 24, 24), row))
}

// bottomBar is on every screen: back and home on the left (but on the home
// screen), the language switch and call-staff on the right (but on the
// maintenance screens behind the PIN).
func (a *App) bottomBar() fyne.CanvasObject {
	var left []fyne.CanvasObject
	if r, ok := a.Current().(*ratingScreen); ok {
		// The resident's part of the visit is over: no home to go to, and
		// back only from the reasons to the levels.
		if r.level > 0 {
			back := newBarButton(a.T("nav.back"), colText, colBackground, a.theme, a.tap(a.Back))
			back.name = "nav.back"
			left = append(left, back)
		}
	} else if a.nav.depth() > 1 && !inFlight(a.visit.snap.State) && a.visit.snap.State != visit.StateEnded && a.visit.snap.State != visit.StateTakeCard {
		// The goodbye has one way home, its own button; the take-your-card
		// screen stays until the card is taken; the outcome and the
		// central system's refusal have no step back (the submission is
		// over), only home and 结束办理.
		switch a.Current().(type) {
		case *outcomeScreen, *refusedScreen:
		default:
			back := newBarButton(a.T("nav.back"), colText, colBackground, a.theme, a.tap(a.Back))
			back.name = "nav.back"
			left = append(left, back)
		}
		home := newBarButton(a.T("nav.home"), colText, colBackground, a.theme, a.tap(a.Home))
		home.name = "nav.home"
		left = append(left, home)
	}
	if a.visit.snap.Resident != nil || a.visit.snap.Agent != nil {
		// 结束办理 is the government blue wherever it shows (finishStyle).
		fin := newBarButton(a.T("nav.finish"), colOnPrimary, colPrimary, a.theme, a.tap(a.Finish))
		fin.name = "nav.finish"
		left = append(left, fin)
	}
	lang := newBarButton(a.T("bar.language"), colText, colBackground, a.theme, a.tap(a.toggleLanguage))
	lang.name = "bar.language"
	right := []fyne.CanvasObject{lang}
	// Staff signed in to maintenance are the staff the button would call.
	// The PIN screen keeps it: a resident may reach it by tapping the logo.
	if _, entry := a.Current().(*maintEntryScreen); entry || !isMaintScreen(a.Current()) {
		call := newBarButton(a.T("bar.callstaff"), colOnPrimary, colAccent, a.theme, a.tap(a.CallStaff))
		call.name = "bar.callstaff"
		right = append(right, call)
	}
	bg := canvas.NewRectangle(colSurface)
	row := container.NewBorder(nil, nil, container.NewHBox(left...), container.NewHBox(right...))
	return container.NewStack(bg, container.New(layout.NewCustomPaddedLayout(10, 10, 20, 20), row))
}

// banners are the banner slot's lines: the network and each device out of
// order.
func (a *App) banners() []string {
	var out []string
	if !a.status.online {
		out = append(out, a.T("banner.offline"))
	}
	for _, p := range a.status.problems {
		reason := p.Reason
		if a.cat.Has(reason) { // a key of the resident's words ("reason.offline")
			reason = a.T(reason)
		}
		out = append(out, a.T("banner.device", a.T(p.DeviceKey), reason))
	}
	return out
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
	l.TextStyle = plainStyle(l.Text)
	l.Wrapping = fyne.TextWrapWord
	l.Alignment = fyne.TextAlignCenter
	return container.NewVBox(layout.NewSpacer(), l, layout.NewSpacer())
}
