package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"

	"github.com/pudong-community/kiosk/kiosk"
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
	c := &a.visit.catalog
	switch {
	case a.opts.Catalog == nil:
		return notice(a.T("guide.unavailable"))
	case c.val == nil && c.err != nil:
		// The last load failed (a retry may be under way): the resident
		// may ask again.
		retry := a.newButton("guide.retry", a.T("guide.retry"), "", stylePrimary, func() { a.visit.loadCatalog(true); a.render() })
		return container.NewVBox(notice(a.T("guide.unavailable")), retry)
	case c.val == nil:
		if !c.loading() {
			a.visit.loadCatalog(false)
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
	search := a.newButton("guide.search", a.T("guide.search"), a.T("guide.search.sub"), stylePrimary, func() { g.onSearch(a) })
	search.big = true
	if o := a.catalogState(); o != nil {
		return container.NewVBox(search, o)
	}
	names, counts := categories(a.visit.catalog.val)
	g.rows = g.rows[:0]
	// Each category a tile with its icon, its name and how many items it
	// holds; the heading says how many there are in all.
	lst := a.list(&g.pg, a.categoryShape(), len(names), func(i int) fyne.CanvasObject {
		c := names[i]
		b := a.newButton("guide.category", a.categoryName(c), a.count("guide.count", counts[c]), styleSecondary, func() { g.onCategory(a, c) })
		b.big, b.icon = true, categoryIcon(c)
		// A wide screen's rows are low: the icon goes beside the name.
		b.row = a.landscape()
		g.rows = append(g.rows, b)
		return b
	})
	head := subheading(a.T("guide.categories.count", len(names), len(a.visit.catalog.val.Items)))
	return container.NewBorder(container.NewVBox(search, head), nil, nil, nil, lst)
}

// itemRow is an item as a big list row: its category's icon, the name,
// then department, kind and time limit.
func (a *App) itemRow(it kiosk.Item, open func(kiosk.Item)) *button {
	sub := it.Department + " · " + a.kindWord(it)
	if it.Districtwide {
		sub += " · " + a.T("item.districtwide")
	}
	b := a.newButton("item:"+it.Code, a.pick(it.Name, it.NameEn), sub, styleSecondary, func() { open(it) })
	b.row, b.big, b.icon = true, true, categoryIcon(it.Category)
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

// onSearch opens the search keyboard.
func (g *guideScreen) onSearch(a *App) { a.Show(&searchScreen{}) }

// onCategory lists the items of category c.
func (g *guideScreen) onCategory(a *App, c string) { a.Show(&categoryScreen{category: c}) }
