package ui

import (
	"fmt"
	"image"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/visit"
)

// guideScreen is the service guide's first page: search, then the
// categories. No card is needed anywhere in the guide.
type guideScreen struct {
	pg   pager
	rows []*button // for tests
}

func (g *guideScreen) Name() string  { return "guide" }
func (g *guideScreen) Title() string { return "screen.guide" }

// catalogState is what screens show while the catalogue is missing.
func (a *App) catalogState() fyne.CanvasObject {
	switch {
	case a.opts.Catalog == nil:
		return notice(a.T("guide.unavailable"))
	case a.catalog == nil && a.catErr != nil:
		retry := a.newButton("guide.retry", a.T("guide.retry"), "", stylePrimary, func() { a.loadCatalog(true); a.render() })
		return container.NewVBox(notice(a.T("guide.unavailable")), retry)
	case a.catalog == nil:
		if !a.catLoading {
			a.loadCatalog(false)
		}
		return centered(a.T("guide.loading"), theme.SizeNameSubHeadingText)
	}
	return nil
}

// categories lists the catalogue's categories in the order they first
// appear, with their item counts.
func categories(c *kiosk.Catalog) (names []string, counts map[string]int) {
	counts = map[string]int{}
	for _, it := range c.Items {
		if counts[it.Category] == 0 {
			names = append(names, it.Category)
		}
		counts[it.Category]++
	}
	return names, counts
}

// categoryName is a category in the resident's language.
func (a *App) categoryName(c string) string {
	if a.lang == English && a.cat.Has("category."+c) {
		return a.T("category." + c)
	}
	return c
}

func (g *guideScreen) Build(a *App) fyne.CanvasObject {
	search := a.newButton("guide.search", a.T("guide.search"), a.T("guide.search.sub"), stylePrimary, func() { a.Show(&searchScreen{}) })
	search.big = true
	if o := a.catalogState(); o != nil {
		return container.NewVBox(search, o)
	}
	names, counts := categories(a.catalog)
	g.rows = g.rows[:0]
	lst := a.list(&g.pg, len(names), func(i int) fyne.CanvasObject {
		c := names[i]
		b := a.newButton("guide.category", a.categoryName(c), a.T("guide.count", counts[c]), styleSecondary, func() { a.Show(&categoryScreen{category: c}) })
		g.rows = append(g.rows, b)
		return b
	})
	return container.NewBorder(container.NewVBox(search, subheading(a.T("guide.categories"))), nil, nil, nil, lst)
}

// categoryScreen lists the items of one category, a page at a time.
type categoryScreen struct {
	category string
	pg       pager
	rows     []*button
}

func (c *categoryScreen) Name() string  { return "guide.category" }
func (c *categoryScreen) Title() string { return "screen.guide" }

func (c *categoryScreen) Build(a *App) fyne.CanvasObject {
	if o := a.catalogState(); o != nil {
		return o
	}
	var items []kiosk.Item
	for _, it := range a.catalog.Items {
		if it.Category == c.category {
			items = append(items, it)
		}
	}
	c.rows = c.rows[:0]
	lst := a.list(&c.pg, len(items), func(i int) fyne.CanvasObject {
		b := a.itemRow(items[i], func(it kiosk.Item) { a.Show(&itemScreen{item: it}) })
		c.rows = append(c.rows, b)
		return b
	})
	return container.NewBorder(subheading(a.categoryName(c.category)), nil, nil, nil, lst)
}

// itemRow is an item as a big list row: name, then department and kind.
func (a *App) itemRow(it kiosk.Item, open func(kiosk.Item)) *button {
	sub := it.Department + " · " + a.kindWord(it)
	if it.Districtwide {
		sub += " · " + a.T("item.districtwide")
	}
	b := a.newButton("item:"+it.Code, a.pick(it.Name, it.NameEn), sub, styleSecondary, func() { open(it) })
	return b
}

func (a *App) kindWord(it kiosk.Item) string {
	if it.Kind == kiosk.KindInstant {
		return a.T("item.instant")
	}
	return a.T("item.forwarded")
}

func (a *App) timeLimit(days int) string {
	if days <= 0 {
		return a.T("item.limit.now")
	}
	return a.T("item.limit.days", days)
}

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
		s.apply = a.newButton("item.apply", a.T("item.apply"), a.T("item.apply.sub"), stylePrimary, func() {
			a.v.wantItem = it.Code
			if err := a.m.Identify(visit.PurposeApply); err != nil {
				a.v.wantItem = ""
			}
		})
		if down, why := a.applyDown(); down {
			s.apply.disabled = true
			s.apply.sub = a.T(why)
		}
		bottom = s.apply
	} else {
		bottom = notice(a.T("item.counter"))
	}
	return container.NewBorder(nil, bottom, nil, nil, scroll(container.NewVBox(parts...)))
}

// qrObject draws payload as a QR code about px dp square; without an
// encoder it says the code is unavailable.
func (a *App) qrObject(payload string, px float32) fyne.CanvasObject {
	if a.opts.QR != nil && payload != "" {
		img, err := a.qrImage(payload, int(px))
		if err == nil && img != nil {
			ci := canvas.NewImageFromImage(img)
			ci.FillMode = canvas.ImageFillContain
			ci.ScaleMode = canvas.ImageScalePixels
			ci.SetMinSize(fyne.NewSquareSize(px))
			return ci
		}
	}
	return container.NewGridWrap(fyne.NewSquareSize(px), body(a.T("qr.unavailable")))
}

// qrImage draws a QR code once per payload and size: screens are rebuilt
// on every change and must not make a new picture each time. The cache is
// small and per visit (the payloads can be case numbers).
func (a *App) qrImage(payload string, px int) (image.Image, error) {
	key := fmt.Sprintf("%d:%s", px, payload)
	if img, ok := a.v.qr[key]; ok {
		return img, nil
	}
	img, err := a.opts.QR.QR(payload, px)
	if err != nil {
		return nil, err
	}
	if a.v.qr == nil || len(a.v.qr) >= 16 {
		a.v.qr = map[string]image.Image{}
	}
	a.v.qr[key] = img
	return img, nil
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
