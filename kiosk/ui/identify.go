package ui

import (
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/visit"
)

// identifyScreen asks for a card: the resident's own, or in the agent flow
// the agent's and then the resident's (or their keyed ID number and name),
// then the authorisation reference.
type identifyScreen struct {
	keyed    *keyedResident // the agent keys the resident instead of a card
	auth     *authForm
	keyedBtn *button
}

func (s *identifyScreen) Name() string  { return "identify" }
func (s *identifyScreen) Title() string { return "screen.identify" }

func (s *identifyScreen) back(a *App) bool {
	if s.keyed != nil {
		s.keyed = nil
		a.render()
		return true
	}
	return false
}

func (s *identifyScreen) Build(a *App) fyne.CanvasObject {
	snap := a.visit.snap
	switch {
	case snap.Step == visit.StepAuthorisation:
		if s.auth == nil {
			s.auth = &authForm{ref: newKeypad(padCode, 32)}
		}
		return s.auth.build(a)
	case snap.Step == visit.StepResident && snap.Agent != nil && s.keyed != nil:
		return s.keyed.build(a)
	}
	var prompt string
	var extra []fyne.CanvasObject
	switch {
	case snap.Step == visit.StepAgent:
		prompt = a.T("identify.agent")
		extra = append(extra, body(a.T("identify.agent.sub")))
	case snap.Agent != nil:
		prompt = a.T("identify.resident.forAgent")
		extra = append(extra, body(a.T("identify.agent.is", snap.Agent.Name, kiosk.MaskID(snap.Agent.IDNumber))))
		if a.opts.Characters != nil {
			s.keyedBtn = a.newButton("identify.keyed", a.T("identify.keyed"), a.T("identify.keyed.sub"), styleSecondary, func() { s.onKeyed(a) })
			extra = append(extra, s.keyedBtn)
		}
	default:
		prompt = a.T("identify.prompt")
	}
	return a.cardPanel(prompt, extra...)
}

// onKeyed lets the agent key the resident's ID number and name.
func (s *identifyScreen) onKeyed(a *App) {
	s.keyed = &keyedResident{id: newKeypad(padID, 18), name: &nameKeyboard{src: a.opts.Characters}}
	a.render()
}

// cardPanel is the "place your card" picture and words, the reading
// progress and what went wrong with the last card.
func (a *App) cardPanel(prompt string, extra ...fyne.CanvasObject) fyne.CanvasObject {
	snap := a.visit.snap
	if snap.CardOn && snap.Resident == nil && snap.Agent == nil && a.visit.v.card.phase != cardReading {
		// A card lies on the reader that no visit holds (left by someone
		// before): the reader reads a card only as it is placed, so "place
		// your card" would wait for ever.
		prompt = a.T("identify.cardleft")
	}
	picture := cardPicture(a.theme)
	if prompt == a.T("identify.cardleft") {
		picture = cardArrowPicture(a.theme, "↑") // away from the reader first
	}
	parts := []fyne.CanvasObject{
		textBlock(prompt, theme.ColorNamePrimary, theme.SizeNameHeadingText, true, fyne.TextAlignCenter),
		container.NewCenter(picture),
	}
	if a.status.readerDown() {
		parts = append(parts, notice(a.T("outofservice.reader")))
	}
	switch {
	case a.visit.v.card.phase == cardReading:
		parts = append(parts, centered(a.T("identify.reading"), theme.SizeNameSubHeadingText))
	case a.visit.snap.Failures >= 3:
		parts = append(parts, notice(a.failureText()+" "+a.T("identify.thrice")),
			a.newButton("callstaff:identify", a.T("bar.callstaff"), "", styleAccent, a.CallStaff))
	case a.visit.v.card.phase == cardRefused:
		parts = append(parts, notice(a.refusedText(a.visit.v.card.msg)))
	case a.visit.snap.LastFailure != visit.FailNone:
		parts = append(parts, notice(a.failureText()))
	default:
		parts = append(parts, centered(a.T("identify.hint"), theme.SizeNameText))
	}
	if r, ok := a.cardHandoff(); ok && a.visit.v.card.phase != cardReading {
		parts = append(parts, a.newButton("identify.handoff", a.T("identify.handoff"), a.T("identify.handoff.sub"), stylePrimary, func() { a.showHandoff(r, nil) }))
	}
	parts = append(parts, extra...)
	return container.NewVBox(append([]fyne.CanvasObject{layout.NewSpacer()}, append(parts, layout.NewSpacer())...)...)
}

func (a *App) failureText() string {
	switch a.visit.snap.LastFailure {
	case visit.FailExpired:
		return a.expiredText(a.visit.v.expired)
	case visit.FailUnsupported:
		return a.T("identify.unsupported")
	case visit.FailSamePerson:
		return a.T("identify.same")
	}
	return a.T("identify.unreadable")
}

// refusedText is the notice of a card refused with the notice key.
func (a *App) refusedText(key string) string {
	if key == "identify.expired" {
		return a.expiredText(a.visit.v.expired)
	}
	return a.T(key)
}

// expiredText says that a card of type ct has expired and where to renew
// it: at the catalogue's renewal item for the card (kiosk.Catalog.
// RenewalItem), by its name, department and notice, when the catalogue
// has one; else the plain sentence, which names the police station for a
// resident card. Either asks for the card back.
func (a *App) expiredText(ct kiosk.CardType) string {
	c := a.visit.catalog.val
	if c == nil {
		return a.T("identify.expired")
	}
	it, ok := c.RenewalItem(ct)
	if !ok {
		return a.T("identify.expired")
	}
	name := a.pick(it.Name, it.NameEn)
	where := strings.TrimRight(strings.TrimSpace(it.Notice), "。.；;，, ")
	if where == "" || a.lang == English {
		// The catalogue's notice is Chinese only: in English the item
		// and its department say where.
		return a.T("identify.expired.renew.dept", name, it.Department)
	}
	return a.T("identify.expired.renew", name, it.Department, where)
}

// cardPicture shows an ID card going onto the reader: not colour alone, the
// words say it too.
func cardPicture(th *Theme) fyne.CanvasObject { return cardArrowPicture(th, "↓") }

// cardArrowPicture is the card over the reader with an arrow: down onto
// the reader, or up and away from it (take your card).
func cardArrowPicture(th *Theme, mark string) fyne.CanvasObject {
	w := th.TargetSize() * 4
	reader := canvas.NewRectangle(colMuted)
	reader.CornerRadius = 16
	pad := canvas.NewRectangle(colBorder)
	pad.CornerRadius = 10
	card := canvas.NewRectangle(colSurface)
	card.StrokeColor = colPrimary
	card.StrokeWidth = 4
	card.CornerRadius = 10
	photo := canvas.NewRectangle(colPrimary)
	line1 := canvas.NewRectangle(colBorder)
	line2 := canvas.NewRectangle(colBorder)
	arrow := canvas.NewText(mark, colAccent)
	arrow.TextSize = th.Size(theme.SizeNameHeadingText) * 1.4
	arrow.TextStyle = boldStyle(arrow.Text)
	c := container.NewWithoutLayout(reader, pad, card, photo, line1, line2, arrow)
	h := w * 0.75
	reader.Move(fyne.NewPos(0, h*0.55))
	reader.Resize(fyne.NewSize(w, h*0.45))
	pad.Move(fyne.NewPos(w*0.2, h*0.6))
	pad.Resize(fyne.NewSize(w*0.6, h*0.3))
	card.Move(fyne.NewPos(w*0.25, h*0.05))
	card.Resize(fyne.NewSize(w*0.5, h*0.45))
	photo.Move(fyne.NewPos(w*0.55, h*0.12))
	photo.Resize(fyne.NewSize(w*0.15, h*0.3))
	line1.Move(fyne.NewPos(w*0.3, h*0.18))
	line1.Resize(fyne.NewSize(w*0.2, 6))
	line2.Move(fyne.NewPos(w*0.3, h*0.3))
	line2.Resize(fyne.NewSize(w*0.2, 6))
	arrow.Move(fyne.NewPos(w*0.05, h*0.1))
	return container.NewGridWrap(fyne.NewSize(w, h), c)
}

// keyedResident is the agent keying the resident's ID number, then name.
type keyedResident struct {
	id     *keypad
	name   *nameKeyboard
	onName bool
	err    string
}

func (k *keyedResident) build(a *App) fyne.CanvasObject {
	if !k.onName {
		next := a.newButton("keyed.next", a.T("form.next"), "", styleSuccess, func() { k.onNext(a) })
		_, ok := k.id.check()
		next.disabled = !ok
		next.big = true
		return container.NewBorder(nil, next, nil, nil, scroll(container.NewVBox(subheading(a.T("keyed.id")), k.id.build(a, nil))))
	}
	done := a.newButton("keyed.done", a.T("keyed.done"), "", styleSuccess, func() { k.onDone(a) })
	done.disabled = len(k.name.name) == 0
	parts := []fyne.CanvasObject{subheading(a.T("keyed.name")), body(a.T("keyed.id.is", kiosk.MaskID(k.id.value)))}
	if k.err != "" {
		parts = append(parts, errorText(a.T(k.err)))
	}
	parts = append(parts, k.name.build(a, func() {}))
	// The button stays in view below the scrolling keyboard, as the
	// authorisation's does: in landscape the name keyboard with its
	// candidates is taller than the screen, and 确定 sat under the bar.
	done.big = true
	return container.NewBorder(nil, done, nil, nil, scroll(container.NewVBox(parts...)))
}

// onNext goes from the ID number to the name.
func (k *keyedResident) onNext(a *App) {
	k.onName = true
	a.render()
}

// onDone hands the keyed resident to the visit.
func (k *keyedResident) onDone(a *App) {
	err := a.visit.m.KeyResident(k.id.value, string(k.name.name))
	switch {
	case err == nil:
		k.err = ""
	case errors.Is(err, visit.ErrBadIDNumber):
		k.err, k.onName = "pad.id.bad", false
	case errors.Is(err, visit.ErrMissingName):
		k.err = "keyed.noname"
	case errors.Is(err, visit.ErrSamePerson):
		k.err = "identify.same"
	case errors.Is(err, visit.ErrTooLong):
		k.err = "keyed.toolong"
	default:
		k.err = "identify.notnow"
	}
	a.render()
}

// Relations an agent may have to the resident.
var relations = []string{"relation.spouse", "relation.child", "relation.parent", "relation.kin", "relation.socialworker", "relation.volunteer"}

// authForm takes the authorisation (委托书) reference and the relation.
type authForm struct {
	ref      *keypad
	relation string
	err      string
	done     *button
}

func (f *authForm) build(a *App) fyne.CanvasObject {
	var rel []fyne.CanvasObject
	for _, r := range relations {
		r := r
		st := styleSecondary
		if f.relation == r {
			st = styleSelected
		}
		rel = append(rel, a.newButton("rel:"+r, a.T(r), "", st, func() { f.onRelation(a, r) }))
	}
	f.done = a.newButton("auth.done", a.T("auth.done"), "", styleSuccess, func() { f.onDone(a) })
	_, ok := f.ref.check()
	f.done.disabled = !ok || f.relation == ""
	// Both cards are read by now: the agent sees whose names the
	// authorisation joins before keying its reference.
	who := panel(subheading(a.whoText()))
	relation := []fyne.CanvasObject{subheading(a.T("auth.relation")), container.NewGridWithColumns(3, rel...)}
	if f.err != "" {
		relation = append(relation, errorText(a.T(f.err)))
	}
	// The button stays in view below the scrolling form, as the form's
	// "next" does: in elder mode the form is taller than the screen.
	f.done.big = true
	if a.landscape() {
		// Side by side on a wide screen: the names and the relation on
		// the left, the reference and its keys on the right, so that
		// the whole pad (its clear, 0 and delete row last) is in view
		// without scrolling.
		half := a.win.Canvas().Size().Width/2 - 4*a.theme.Size(theme.SizeNamePadding)
		f.ref.maxW = half
		left := container.NewVBox(append([]fyne.CanvasObject{who}, relation...)...)
		right := container.NewVBox(subheading(a.T("auth.ref")), f.ref.build(a, nil))
		return container.NewBorder(nil, f.done, nil, nil, scroll(container.NewGridWithColumns(2, left, right)))
	}
	f.ref.maxW = 0
	parts := append([]fyne.CanvasObject{who, subheading(a.T("auth.ref")), f.ref.build(a, nil)}, relation...)
	return container.NewBorder(nil, f.done, nil, nil, scroll(container.NewVBox(parts...)))
}

// onRelation picks the agent's relation to the resident.
func (f *authForm) onRelation(a *App, r string) {
	f.relation = r
	a.render()
}

// onDone hands the authorisation to the visit. The relation goes to the
// central system in Chinese, whatever the screen's language.
func (f *authForm) onDone(a *App) {
	err := a.visit.m.SetAuthorisation(f.ref.value, a.cat.T(Chinese, f.relation))
	switch {
	case err == nil:
		f.err = ""
	case errors.Is(err, visit.ErrEmptyAuthorisation):
		f.err = "auth.empty"
	case errors.Is(err, visit.ErrTooLong):
		f.err = "keyed.toolong"
	default:
		f.err = "identify.notnow"
	}
	a.render()
}

// cardHandoff is the hand-off for a card the terminal cannot use (expired,
// unsupported or unreadable thrice), when the terminal has a centre or
// bookings to offer.
func (a *App) cardHandoff() (handoffReason, bool) {
	if a.opts.Center == nil && a.opts.Appointments == nil {
		return "", false
	}
	msg := a.visit.v.card.refused()
	switch {
	case msg == "identify.expired" || a.visit.snap.LastFailure == visit.FailExpired:
		return handoffCardExpired, true
	case msg == "identify.unsupported" || a.visit.snap.LastFailure == visit.FailUnsupported,
		a.visit.snap.Failures >= 3 && a.visit.snap.LastFailure == visit.FailUnreadable:
		return handoffCardProblem, true
	}
	return "", false
}
