package ui

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"

	"github.com/pudong-community/kiosk/kiosk"
)

// maintDevicesScreen is the device panel: each device's state and port.
type maintDevicesScreen struct {
	devs    []kiosk.DeviceReport
	err     error
	loading bool
}

func (d *maintDevicesScreen) Name() string  { return "maint.devices" }
func (d *maintDevicesScreen) Title() string { return "maint.devices" }

func (d *maintDevicesScreen) load(a *App) {
	d.loading = true
	maintCall(a, d, func(ctx context.Context, m kiosk.Maintenance) ([]kiosk.DeviceReport, error) { return m.Devices(ctx) },
		func(v []kiosk.DeviceReport, err error) { d.devs, d.err, d.loading = v, err, false })
}

func (d *maintDevicesScreen) Build(a *App) fyne.CanvasObject {
	rows := []fyne.CanvasObject{a.maintButton("maint.refresh", a.T("maint.refresh"), styleSecondary, func() { d.loading = true; a.render(); d.load(a) })}
	if d.loading {
		rows = append(rows, body(a.T("maint.loading")))
	}
	if d.err != nil {
		rows = append(rows, errLine(a, d.err))
	}
	if c := a.maint(); c != nil && c.opts.Health != nil {
		snap := c.opts.Health.Snapshot()
		for _, u := range snap.Unavailable {
			rows = append(rows, errorText(a.T("maint.devices.unavailable", string(u.Service), u.Device, u.Detail)))
		}
		if snap.ReceiptOnScreen {
			rows = append(rows, body(a.T("maint.devices.receiptonscreen")))
		}
	}
	for _, dev := range d.devs {
		var b strings.Builder
		fmt.Fprintf(&b, "%s: %s %s\n", a.T("maint.devices.since"), fmtTime(dev.Since), dev.Detail)
		fmt.Fprintf(&b, "%s: %s @ %d\n", a.T("maint.devices.port"), dev.Port, dev.Baud)
		if dev.LastError != "" {
			fmt.Fprintf(&b, "%s: %s (%s)\n", a.T("maint.devices.lasterror"), dev.LastError, fmtTime(dev.LastErrAt))
		}
		keys := make([]string, 0, len(dev.Status))
		for k := range dev.Status {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "%s: %s\n", k, dev.Status[k])
		}
		req := ""
		if dev.Required {
			req = " · " + a.T("maint.devices.required")
		}
		rows = append(rows, panel(container.NewVBox(
			subheading(fmt.Sprintf("%s — %s%s", dev.Device, strings.ToUpper(string(dev.State)), req)),
			body(strings.TrimSpace(b.String())),
		)))
		if len(dev.Frames) > 0 {
			var fb strings.Builder
			for _, f := range dev.Frames {
				dir := "←"
				if f.Out {
					dir = "→"
				}
				fmt.Fprintf(&fb, "%s %s %s %s\n", f.At.Format("15:04:05.000"), dir, f.Hex, f.Note)
			}
			rows = append(rows, textBlock(strings.TrimSpace(fb.String()), theme.ColorNameForeground, theme.SizeNameCaptionText, false, fyne.TextAlignLeading))
		}
	}
	return scroll(container.NewVBox(rows...))
}
