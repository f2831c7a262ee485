package ui

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"

	"github.com/pudong-community/kiosk/kiosk"
)

// The staff screens. Each asks kiosk.Maintenance off the UI goroutine
// (App.run) and shows the answer; every button keeps the session alive.

func isMaintScreen(s Screen) bool { return strings.HasPrefix(s.Name(), "maint.") }

// maintButton is a staff button that keeps the session alive.
func (a *App) maintButton(name, title string, st style, f func()) *button {
	return a.newButton(name, title, "", st, a.maintTap(f))
}

// maintCall runs f against the maintenance service off the UI goroutine,
// then done on it (if the screen is still on top).
func maintCall[T any](a *App, s Screen, f func(ctx context.Context, m kiosk.Maintenance) (T, error), done func(T, error)) {
	c := a.maint()
	if c == nil || c.opts.Service == nil {
		done(*new(T), fmt.Errorf("ui: %s", a.T("maint.noservice")))
		return
	}
	m := c.opts.Service
	a.run(func(ctx context.Context) func() {
		v, err := f(ctx, m)
		return func() {
			done(v, err)
			if a.Current() == s {
				a.render()
			}
		}
	})
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.Format("2006-01-02 15:04:05")
}

func stepsText(steps []kiosk.Step) string {
	var b strings.Builder
	for _, s := range steps {
		fmt.Fprintf(&b, "%s: %s", s.Name, s.Duration.Round(time.Millisecond))
		if s.Err != "" {
			fmt.Fprintf(&b, " %s %s", markFailed, s.Err)
		}
		b.WriteByte('\n')
	}
	return strings.TrimSpace(b.String())
}

func errLine(a *App, err error) fyne.CanvasObject {
	return errorText(a.T("maint.error", err.Error()))
}

// --- menu ---

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
	var grid []fyne.CanvasObject
	for _, e := range entries {
		s := e.s
		grid = append(grid, a.maintButton(e.name, a.T(e.name), stylePrimary, func() { a.Show(s); s.(maintLoader).load(a) }))
	}
	rows = append(rows, container.NewGridWithColumns(2, grid...))
	rows = append(rows, layout.NewSpacer(), a.maintButton("maint.leave", a.T("maint.leave"), styleAccent, a.leaveMaintenance))
	return container.NewVBox(rows...)
}

// maintLoader is a staff screen that fetches what it shows when opened.
type maintLoader interface {
	load(a *App)
}

// --- device panel ---

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

// --- self-tests ---

type maintSelfTestScreen struct {
	running string // the test in progress
	result  string
	err     error
}

func (s *maintSelfTestScreen) Name() string  { return "maint.selftest" }
func (s *maintSelfTestScreen) Title() string { return "maint.selftest" }
func (s *maintSelfTestScreen) load(*App)     {}

func (s *maintSelfTestScreen) start(a *App, name string, f func(ctx context.Context, m kiosk.Maintenance) (string, error)) {
	if s.running != "" {
		return
	}
	s.running, s.result, s.err = name, "", nil
	a.render()
	maintCall(a, s, f, func(v string, err error) { s.running, s.result, s.err = "", v, err })
}

func (s *maintSelfTestScreen) Build(a *App) fyne.CanvasObject {
	tests := []struct {
		name string
		f    func(ctx context.Context, m kiosk.Maintenance) (string, error)
	}{
		{"maint.selftest.card", func(ctx context.Context, m kiosk.Maintenance) (string, error) {
			r, err := m.SelfTestCard(ctx)
			return fmt.Sprintf("%s %s\n%s", r.MaskedID, r.CardType, stepsText(r.Steps)), err
		}},
		{"maint.selftest.print", func(ctx context.Context, m kiosk.Maintenance) (string, error) {
			r, err := m.TestPrint(ctx)
			return fmt.Sprintf("%d bytes\n%s", r.Bytes, stepsText(r.Steps)), err
		}},
		{"maint.selftest.probe", func(ctx context.Context, m kiosk.Maintenance) (string, error) {
			ps, err := m.ProbePorts(ctx)
			var b strings.Builder
			for _, p := range ps {
				fmt.Fprintf(&b, "%s @ %d: %s %s\n", p.Port, p.Baud, p.Answer, p.Detail)
			}
			if len(ps) == 0 && err == nil {
				b.WriteString(a.T("maint.selftest.noports"))
			}
			return strings.TrimSpace(b.String()), err
		}},
		{"maint.selftest.baud", func(ctx context.Context, m kiosk.Maintenance) (string, error) {
			r, err := m.DetectBaud(ctx)
			if err == nil && r.Baud == 0 {
				return fmt.Sprintf("%s: %s %v", r.Port, a.T("maint.selftest.nobaud"), r.Tried), nil
			}
			return fmt.Sprintf("%s: %d baud (%v)", r.Port, r.Baud, r.Tried), err
		}},
	}
	var grid []fyne.CanvasObject
	for _, t := range tests {
		b := a.maintButton(t.name, a.T(t.name), stylePrimary, func() { s.start(a, t.name, t.f) })
		b.disabled = s.running != ""
		grid = append(grid, b)
	}
	rows := []fyne.CanvasObject{container.NewGridWithColumns(2, grid...)}
	if s.running != "" {
		rows = append(rows, body(a.T("maint.running", a.T(s.running))))
	}
	if s.result != "" {
		rows = append(rows, panel(body(s.result)))
	}
	if s.err != nil {
		rows = append(rows, errLine(a, s.err))
	}
	return scroll(container.NewVBox(rows...))
}

// --- network and sync ---

type maintNetworkScreen struct {
	rep     kiosk.SyncReport
	parked  []kiosk.ParkedSubmission
	err     error
	msg     string
	loading bool
	confirm string // the parked submission whose discard awaits confirmation
}

func (n *maintNetworkScreen) Name() string  { return "maint.network" }
func (n *maintNetworkScreen) Title() string { return "maint.network" }

type netState struct {
	rep    kiosk.SyncReport
	parked []kiosk.ParkedSubmission
}

func fetchNet(ctx context.Context, m kiosk.Maintenance) (netState, error) {
	rep, err := m.SyncStatus(ctx)
	if err != nil {
		return netState{}, err
	}
	p, err := m.Parked(ctx)
	return netState{rep, p}, err
}

func (n *maintNetworkScreen) load(a *App) {
	n.loading = true
	maintCall(a, n, fetchNet, func(v netState, err error) {
		n.rep, n.parked, n.err, n.loading = v.rep, v.parked, err, false
	})
}

// act runs a staff action, then reloads the status in the same
// background job, and shows both.
func (n *maintNetworkScreen) act(a *App, f func(ctx context.Context, m kiosk.Maintenance) (string, error)) {
	n.msg, n.err = "", nil
	type result struct {
		msg   string
		state netState
		err   error // of the reload
	}
	maintCall(a, n, func(ctx context.Context, m kiosk.Maintenance) (result, error) {
		msg, err := f(ctx, m)
		if err != nil {
			return result{}, err
		}
		st, rerr := fetchNet(ctx, m)
		return result{msg, st, rerr}, nil
	}, func(r result, err error) {
		n.msg, n.err = r.msg, err
		if err == nil {
			n.rep, n.parked, n.err = r.state.rep, r.state.parked, r.err
		}
	})
}

func (n *maintNetworkScreen) Build(a *App) fyne.CanvasObject {
	r := n.rep
	yes := func(b bool) string {
		if b {
			return a.T("maint.yes")
		}
		return a.T("maint.no")
	}
	rows := []fyne.CanvasObject{container.NewGridWithColumns(2,
		a.maintButton("maint.refresh", a.T("maint.refresh"), styleSecondary, func() { n.loading = true; a.render(); n.load(a) }),
		a.maintButton("maint.network.sendnow", a.T("maint.network.sendnow"), stylePrimary, func() {
			n.act(a, func(ctx context.Context, m kiosk.Maintenance) (string, error) {
				k, err := m.SendNow(ctx)
				return a.T("maint.network.sent", k), err
			})
		}),
	)}
	if n.loading {
		rows = append(rows, body(a.T("maint.loading")))
	}
	reach := a.T("maint.network.reachable") + ": " + yes(r.Reachable) + fmt.Sprintf(" (%s)", r.Latency.Round(time.Millisecond))
	if !r.PausedUntil.IsZero() {
		reach = a.T("maint.network.reachable") + ": " + a.T("maint.network.notprobed") // not asked during the pause
	}
	rows = append(rows, panel(body(strings.Join([]string{
		reach,
		a.T("maint.network.token") + ": " + yes(r.TokenValid),
		a.T("maint.network.skew") + ": " + r.ClockSkew.Round(time.Second).String(),
		a.T("maint.network.lastcontact") + ": " + fmtTime(r.LastContact),
		a.T("maint.network.outbox", r.Pending, r.InFlight, r.Parked, r.Oldest.Round(time.Second)),
		a.T("maint.network.audit", r.AuditUnacked),
	}, "\n"))))
	if !r.PausedUntil.IsZero() {
		rows = append(rows, body(a.T("maint.network.paused", fmtTime(r.PausedUntil))))
	}
	if r.ClockSkewed() {
		rows = append(rows, errorText(a.T("maint.network.clockskewed", r.ClockSkew.Round(time.Second))))
	}
	if r.LastError != "" {
		rows = append(rows, errorText(r.LastError))
	}
	if n.msg != "" {
		rows = append(rows, body(n.msg))
	}
	if n.err != nil {
		rows = append(rows, errLine(a, n.err))
	}
	rows = append(rows, subheading(a.T("maint.network.parked", len(n.parked))))
	for _, p := range n.parked {
		id := p.ID
		line := body(fmt.Sprintf("%s · %s · %s · %s\n%s", p.LocalNo, p.ItemCode, p.MaskedID, fmtTime(p.Created), p.Reason))
		retry := a.maintButton("maint.retry:"+id, a.T("maint.network.retry"), styleSecondary, func() {
			n.act(a, func(ctx context.Context, m kiosk.Maintenance) (string, error) {
				return a.T("maint.network.retried", p.LocalNo), m.RetryParked(ctx, id)
			})
		})
		var discard *button
		if n.confirm == id {
			discard = a.maintButton("maint.discard.confirm:"+id, a.T("maint.network.discard.confirm"), styleAccent, func() {
				n.confirm = ""
				n.act(a, func(ctx context.Context, m kiosk.Maintenance) (string, error) {
					return a.T("maint.network.discarded", p.LocalNo), m.DiscardParked(ctx, id, "discarded by staff at the terminal")
				})
			})
		} else {
			discard = a.maintButton("maint.discard:"+id, a.T("maint.network.discard"), styleSecondary, func() { n.confirm = id; a.render() })
		}
		rows = append(rows, panel(container.NewBorder(nil, nil, nil, container.NewHBox(retry, discard), line)))
	}
	return scroll(container.NewVBox(rows...))
}

// --- catalogue ---

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

// --- audit ---

type maintAuditScreen struct {
	check   *kiosk.AuditCheck
	events  []kiosk.AuditEvent
	err     error
	loading bool
}

func (s *maintAuditScreen) Name() string  { return "maint.audit" }
func (s *maintAuditScreen) Title() string { return "maint.audit" }

func (s *maintAuditScreen) load(a *App) {
	s.loading = true
	maintCall(a, s, func(ctx context.Context, m kiosk.Maintenance) ([]kiosk.AuditEvent, error) {
		return m.LatestAudit(ctx, 30)
	},
		func(v []kiosk.AuditEvent, err error) { s.events, s.err, s.loading = v, err, false })
}

func (s *maintAuditScreen) Build(a *App) fyne.CanvasObject {
	rows := []fyne.CanvasObject{a.maintButton("maint.audit.verify", a.T("maint.audit.verify"), stylePrimary, func() {
		s.check, s.err = nil, nil
		type result struct {
			check  kiosk.AuditCheck
			events []kiosk.AuditEvent
		}
		maintCall(a, s, func(ctx context.Context, m kiosk.Maintenance) (result, error) {
			c, err := m.VerifyAudit(ctx)
			if err != nil {
				return result{}, err
			}
			evs, err := m.LatestAudit(ctx, 30)
			return result{c, evs}, err
		}, func(v result, err error) {
			s.err = err
			if err == nil {
				s.check, s.events = &v.check, v.events
			}
		})
	})}
	if s.check != nil {
		if s.check.OK {
			rows = append(rows, textBlock(a.T("maint.audit.ok", s.check.Events), theme.ColorNameSuccess, theme.SizeNameSubHeadingText, true, fyne.TextAlignLeading))
		} else {
			rows = append(rows, errorText(a.T("maint.audit.broken", s.check.BrokenAt, s.check.Problem, s.check.Events)))
		}
	}
	if s.loading {
		rows = append(rows, body(a.T("maint.loading")))
	}
	if s.err != nil {
		rows = append(rows, errLine(a, s.err))
	}
	var b strings.Builder
	for i := len(s.events) - 1; i >= 0; i-- { // newest first
		ev := s.events[i]
		fmt.Fprintf(&b, "#%d %s %s %s %s\n", ev.Seq, ev.At.Format("01-02 15:04:05"), ev.Kind, ev.Subject, ev.Detail)
	}
	if b.Len() > 0 {
		rows = append(rows, textBlock(strings.TrimSpace(b.String()), theme.ColorNameForeground, theme.SizeNameCaptionText, false, fyne.TextAlignLeading))
	}
	return scroll(container.NewVBox(rows...))
}

// --- diagnostics bundle ---

type maintBundleScreen struct {
	dirs    []string
	running bool
	path    string
	err     error
}

func (s *maintBundleScreen) Name() string  { return "maint.bundle" }
func (s *maintBundleScreen) Title() string { return "maint.bundle" }

func (s *maintBundleScreen) load(a *App) {
	if c := a.maint(); c != nil && c.opts.BundleDirs != nil {
		s.dirs = c.opts.BundleDirs()
	}
	a.render()
}

func (s *maintBundleScreen) Build(a *App) fyne.CanvasObject {
	rows := []fyne.CanvasObject{body(a.T("maint.bundle.choose"))}
	if len(s.dirs) == 0 {
		rows = append(rows, errorText(a.T("maint.bundle.nodirs")))
	}
	for i, d := range s.dirs {
		dir := d
		b := a.maintButton(fmt.Sprintf("maint.bundle.dir:%d", i), dir, styleSecondary, func() {
			s.running, s.path, s.err = true, "", nil
			a.render()
			maintCall(a, s, func(ctx context.Context, m kiosk.Maintenance) (string, error) { return m.ExportBundle(ctx, dir) },
				func(p string, err error) { s.running, s.path, s.err = false, p, err })
		})
		b.disabled = s.running
		rows = append(rows, b)
	}
	if s.running {
		rows = append(rows, body(a.T("maint.loading")))
	}
	if s.path != "" {
		rows = append(rows, textBlock(a.T("maint.bundle.done", s.path), theme.ColorNameSuccess, theme.SizeNameText, true, fyne.TextAlignLeading))
	}
	if s.err != nil {
		rows = append(rows, errLine(a, s.err))
	}
	return scroll(container.NewVBox(rows...))
}
