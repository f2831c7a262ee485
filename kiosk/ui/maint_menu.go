package ui

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"

	"github.com/pudong-community/kiosk/kiosk"
)

// maintMenuScreen is the staff menu, with the database recoveries staff
// have not acknowledged.
type maintMenuScreen struct {
	auditErr error
	// storage are the database recoveries staff have not acknowledged.
	storage    []kiosk.StorageNotice
	storageErr error
}

// load fetches the unacknowledged database recoveries.
func (m *maintMenuScreen) load(a *App) {
	maintCall(a, m, func(ctx context.Context, svc kiosk.Maintenance) ([]kiosk.StorageNotice, error) {
		return svc.StorageNotices(ctx)
	}, func(v []kiosk.StorageNotice, err error) { m.storage, m.storageErr = v, err })
}

// storagePanel tells staff what a database recovery kept and lost, with a
// button to acknowledge it.
func (m *maintMenuScreen) storagePanel(a *App) []fyne.CanvasObject {
	if m.storageErr != nil {
		return []fyne.CanvasObject{errLine(a, m.storageErr)}
	}
	if len(m.storage) == 0 {
		return nil
	}
	rows := []fyne.CanvasObject{errorText(a.T("maint.storage.title"))}
	for _, n := range m.storage {
		rows = append(rows, body(a.T("maint.storage.line", fmtTime(n.At), n.KeptAs, n.Queued, n.Parked, n.Delivered)))
		switch {
		case n.UnsentLost > 0 || n.LostUnknown:
			count := fmt.Sprint(n.UnsentLost)
			if n.LostUnknown {
				count = a.T("maint.storage.atleast", n.UnsentLost)
			}
			nos := strings.Join(n.LostLocalNos, ", ")
			if nos == "" {
				nos = "—"
			}
			rows = append(rows, errorText(a.T("maint.storage.lost", count, nos)))
		default:
			rows = append(rows, body(a.T("maint.storage.nolost")))
		}
		if n.AuditCut {
			rows = append(rows, body(a.T("maint.storage.auditcut", n.AuditEvents)))
		}
	}
	rows = append(rows, a.maintButton("maint.storage.ack", a.T("maint.storage.ack"), styleAccent, func() {
		maintCall(a, m, func(ctx context.Context, svc kiosk.Maintenance) ([]kiosk.StorageNotice, error) {
			if err := svc.AckStorageNotices(ctx); err != nil {
				return nil, err
			}
			return svc.StorageNotices(ctx)
		}, func(v []kiosk.StorageNotice, err error) { m.storage, m.storageErr = v, err })
	}))
	return rows
}

func (m *maintMenuScreen) Name() string  { return "maint.menu" }
func (m *maintMenuScreen) Title() string { return "maint.title" }

func (m *maintMenuScreen) Build(a *App) fyne.CanvasObject {
	var rows []fyne.CanvasObject
	if m.auditErr != nil {
		rows = append(rows, errorText(a.T("maint.audit.notrecorded", m.auditErr.Error())))
	}
	rows = append(rows, m.storagePanel(a)...)
	entries := []struct {
		name string
		s    Screen
	}{
		{"maint.devices", &maintDevicesScreen{}},
		{"maint.selftest", &maintSelfTestScreen{}},
		{"maint.network", &maintNetworkScreen{}},
		{"maint.catalog", &maintCatalogScreen{}},
		{"maint.audit", &maintAuditScreen{}},
		{"maint.bundle", &maintBundleScreen{}},
	}
	if c := a.maint(); c != nil && c.opts.Voice != nil {
		entries = append(entries, struct {
			name string
			s    Screen
		}{"maint.voice", &maintVoiceScreen{}})
	}
	var grid []fyne.CanvasObject
	for _, e := range entries {
		s := e.s
		grid = append(grid, a.maintButton(e.name, a.T(e.name), stylePrimary, func() { a.Show(s); s.(maintLoader).load(a) }))
	}
	rows = append(rows, container.NewGridWithColumns(2, grid...))
	rows = append(rows, layout.NewSpacer(), a.maintButton("maint.leave", a.T("maint.leave"), styleAccent, a.leaveMaintenance))
	return container.NewVBox(rows...)
}
