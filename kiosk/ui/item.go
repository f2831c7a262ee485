package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"

	"github.com/pudong-community/kiosk/kiosk"
)

// itemScreen is an item's page: everything a resident needs to know before
// coming, with a QR code to take it away on a phone.
type itemScreen struct {
	item  kiosk.Item
	apply *button
}

func (s *itemScreen) Name() string  { return "guide.item" }
func (s *itemScreen) Title() string { return "screen.item" }

func (s *itemScreen) Build(a *App) fyne.CanvasObject {
	it := s.item
	fact := func(key, value string) fyne.CanvasObject {
		return body(a.T(key) + a.colon() + value)
	}
	fee := it.Fee
	if fee == "" {
		fee = a.T("item.fee.none")
	}
	facts := []fyne.CanvasObject{
		heading(a.pick(it.Name, it.NameEn)),
		fact("item.department", it.Department),
		fact("item.kind", a.kindWord(it)),
	}
	if it.Districtwide {
		facts = append(facts, textBlock(markDone+" "+a.T("item.districtwide.long"), theme.ColorNameSuccess, theme.SizeNameText, true, fyne.TextAlignLeading))
	}
	facts = append(facts, fact("item.limit", a.timeLimit(it.TimeLimitDays)), fact("item.fee", fee))

	mats := []fyne.CanvasObject{subheading(a.T("item.materials"))}
	if len(it.Materials) == 0 {
		mats = append(mats, body(a.T("item.materials.none")))
	}
	for i, m := range it.Materials {
		mark := a.T("item.optional")
		if m.Required {
			mark = a.T("item.required")
		}
		line := fmt.Sprintf("%d. %s（%s）", i+1, m.Name, mark)
		if m.Note != "" {
			line += " " + m.Note
		}
		mats = append(mats, body(line))
	}
	parts := []fyne.CanvasObject{panel(facts...), panel(mats...)}
	if it.Notice != "" {
		parts = append(parts, panel(subheading(a.T("item.notice")), body(a.clip(it.Notice))))
	}
	if it.LegalBasis != "" {
		parts = append(parts, panel(subheading(a.T("item.legal")), body(it.LegalBasis)))
	}
	if u := kiosk.GuideURL(it.GuideURL, a.opts.GuideHosts); u != "" {
		parts = append(parts, panel(container.NewBorder(nil, nil, a.qrObject(u, 240), nil, body(a.T("item.qr")))))
	}

	var bottom fyne.CanvasObject
	if it.Kind == kiosk.KindInstant && it.SelfService {
		s.apply = a.newButton("item.apply", a.T("item.apply"), a.T("item.apply.sub"), stylePrimary, func() { s.onApply(a) })
		if down, why := a.status.applyDown(); down {
			s.apply.disabled = true
			s.apply.sub = a.T(why)
		}
		bottom = s.apply
		if a.opts.Appointments != nil {
			// A counter visit on a later day instead (预约).
			book := a.newButton("item.book", a.T("item.book"), a.T("item.book.sub"), styleSecondary, func() { a.startBooking(&it) })
			bottom = container.NewGridWithColumns(2, s.apply, book)
		}
	} else if a.opts.Center != nil || a.opts.Appointments != nil {
		// Not at the terminal: the hand-off offers a ticket, a booking
		// and staff.
		go2 := a.newButton("item.handoff", a.T("item.handoff"), a.T("item.handoff.sub"), stylePrimary, func() { a.showHandoff(counterReason(it), &it) })
		go2.big = true
		bottom = container.NewVBox(notice(a.T("item.counter")), go2)
	} else {
		bottom = notice(a.T("item.counter"))
	}
	return container.NewBorder(nil, bottom, nil, nil, scroll(container.NewVBox(parts...)))
}

// maxShown bounds a catalogue text on screen: a notice of many pages is
// for reading on a phone (the page's QR code), and laying out tens of
// thousands of characters would stall the screen.
const maxShown = 1500

// clip shortens a long catalogue text and says where the rest is.
func (a *App) clip(s string) string {
	r := []rune(s)
	if len(r) <= maxShown {
		return s
	}
	return string(r[:maxShown]) + "…" + a.T("item.clipped")
}

// onApply asks for the card, then opens the item's application.
func (s *itemScreen) onApply(a *App) { a.visit.wantApply(s.item.Code) }

// counterReason is why an item must be done at a counter: a 流转件, or
// an item whose materials are checked there.
func counterReason(it kiosk.Item) handoffReason {
	if it.Kind == kiosk.KindForwarded {
		return handoffForwarded
	}
	return handoffMaterials
}
