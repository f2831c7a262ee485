package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"

	"github.com/pudong-community/kiosk/kiosk"
)

// maintCatalogScreen shows the catalogue held and refreshes it.
type maintCatalogScreen struct {
	info    kiosk.CatalogInfo
	err     error
	msg     string
	loading bool
}

func (c *maintCatalogScreen) Name() string  { return "maint.catalog" }
func (c *maintCatalogScreen) Title() string { return "maint.catalog" }

func (c *maintCatalogScreen) load(a *App) {
	c.loading = true
	maintCall(a, c, func(ctx context.Context, m kiosk.Maintenance) (kiosk.CatalogInfo, error) { return m.CatalogInfo(ctx) },
		func(v kiosk.CatalogInfo, err error) { c.info, c.err, c.loading = v, err, false })
}

func (c *maintCatalogScreen) Build(a *App) fyne.CanvasObject {
	age := c.info.Age(a.opts.Now()).Round(time.Minute)
	rows := []fyne.CanvasObject{panel(body(a.T("maint.catalog.info", c.info.Version, c.info.Items, fmtTime(c.info.FetchedAt), age)))}
	if c.info.LastError != "" {
		rows = append(rows, errorText(c.info.LastError))
	}
	rows = append(rows, a.maintButton("maint.catalog.refresh", a.T("maint.catalog.refresh"), stylePrimary, func() {
		c.msg, c.err = a.T("maint.loading"), nil
		a.render()
		maintCall(a, c, func(ctx context.Context, m kiosk.Maintenance) (kiosk.CatalogInfo, error) {
			if err := m.RefreshCatalog(ctx); err != nil {
				return kiosk.CatalogInfo{}, err
			}
			return m.CatalogInfo(ctx)
		}, func(v kiosk.CatalogInfo, err error) {
			c.err, c.msg = err, ""
			if err == nil {
				c.info, c.msg = v, a.T("maint.catalog.refreshed", v.Version)
			}
		})
	}))
	if c.loading {
		rows = append(rows, body(a.T("maint.loading")))
	}
	if c.msg != "" {
		rows = append(rows, body(c.msg))
	}
	if c.err != nil {
		rows = append(rows, errLine(a, c.err))
	}
	return container.NewVBox(rows...)
}
