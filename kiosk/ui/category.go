package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"

	"github.com/pudong-community/kiosk/kiosk"
)

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
	for _, it := range a.visit.catalog.val.Items {
		if it.Category == c.category {
			items = append(items, it)
		}
	}
	c.rows = c.rows[:0]
	lst := a.list(&c.pg, a.rowShape(), len(items), func(i int) fyne.CanvasObject {
		b := a.itemRow(items[i], func(it kiosk.Item) { c.onItem(a, it) })
		c.rows = append(c.rows, b)
		return b
	})
	return container.NewBorder(a.categoryHead(c.category, len(items)), nil, nil, nil, lst)
}

// onItem opens the item's page.
func (c *categoryScreen) onItem(a *App, it kiosk.Item) { a.Show(&itemScreen{item: it}) }

// categoryHead is a category's heading: its icon, its name and how many
// items it holds.
func (a *App) categoryHead(c string, n int) fyne.CanvasObject {
	ic := canvas.NewImageFromResource(theme.NewColoredResource(categoryIcon(c), theme.ColorNamePrimary))
	ic.FillMode = canvas.ImageFillContain
	ic.SetMinSize(fyne.NewSquareSize(a.theme.Size(theme.SizeNameHeadingText)))
	return container.NewBorder(nil, nil, container.NewCenter(ic), nil, subheading(a.categoryName(c)+" · "+a.count("guide.count", n)))
}
