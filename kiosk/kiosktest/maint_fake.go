package kiosktest

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
)

// Maintenance is a fake kiosk.Maintenance: fixed answers that tests set,
// parked submissions that retry and discard really remove, an audit list
// that the actions append to, and a record of every call. Errs makes a
// named method fail ("TestPrint": kiosk.ErrPaperOut).
type Maintenance struct {
	mu sync.Mutex

	DevicesList []kiosk.DeviceReport
	Card        kiosk.CardTest
	Print       kiosk.PrintTest
	Ports       []kiosk.PortProbe
	Baud        kiosk.BaudResult
	Sync        kiosk.SyncReport
	ParkedList  []kiosk.ParkedSubmission
	Catalog     kiosk.CatalogInfo
	NewCatalog  kiosk.CatalogInfo // what RefreshCatalog turns Catalog into
	Check       kiosk.AuditCheck
	Events      []kiosk.AuditEvent
	Sent        int                   // what SendNow returns
	Storage     []kiosk.StorageNotice // unacknowledged database recoveries
	Errs        map[string]error
	Now         func() time.Time

	calls []string
}

// NewMaintenance returns a fake with one healthy reader and printer, two
// parked submissions and an intact audit chain.
func NewMaintenance(now func() time.Time) *Maintenance {
	if now == nil {
		now = time.Now
	}
	t := now()
	return &Maintenance{
		Now: now,
		DevicesList: []kiosk.DeviceReport{
			{DeviceHealth: kiosk.DeviceHealth{Device: kiosk.DeviceIDCard, State: kiosk.StateOK, Detail: "SAM ready", Since: t.Add(-time.Hour), Required: true},
				Port: "/dev/kiosk-idcard", Baud: 115200, Status: map[string]string{"sam_id": "05.01-20231127-0000000001-1234567890"},
				Frames: []kiosk.FrameLine{
					{Out: true, At: t.Add(-time.Second), Hex: "AA AA AA 96 69 00 03 20 01 22"},
					{Out: false, At: t.Add(-time.Second), Hex: "AA AA AA 96 69 00 08 00 00 80 ...", Note: "no card"},
				}},
			{DeviceHealth: kiosk.DeviceHealth{Device: kiosk.DevicePrinter, State: kiosk.StateDegraded, Detail: "paper near end", Since: t.Add(-10 * time.Minute)},
				Port: "/dev/kiosk-printer", Baud: 9600, LastError: "printer: timeout", LastErrAt: t.Add(-30 * time.Minute),
				Status: map[string]string{"paper": "near end", "cover": "closed"}},
		},
		Card:  kiosk.CardTest{MaskedID: "3101**********1234", CardType: "resident", Steps: []kiosk.Step{{Name: "find", Duration: 120 * time.Millisecond}, {Name: "select", Duration: 80 * time.Millisecond}, {Name: "read", Duration: 650 * time.Millisecond}}},
		Print: kiosk.PrintTest{Bytes: 18432, Steps: []kiosk.Step{{Name: "status", Duration: 20 * time.Millisecond}, {Name: "send", Duration: 1900 * time.Millisecond}, {Name: "confirm", Duration: 300 * time.Millisecond}}},
		Ports: []kiosk.PortProbe{{Port: "/dev/ttyUSB0", Baud: 115200, Answer: "idcard"}, {Port: "/dev/ttyS0", Baud: 9600, Answer: "printer"}, {Port: "/dev/ttyS1", Answer: "none"}},
		Baud:  kiosk.BaudResult{Port: "/dev/ttyUSB0", Baud: 115200, Tried: []int{115200}},
		Sync: kiosk.SyncReport{Reachable: true, Latency: 42 * time.Millisecond, TokenValid: true, ClockSkew: 2 * time.Second,
			LastContact: t.Add(-time.Minute), Pending: 1, Parked: 2, Oldest: 5 * time.Minute, CatalogVersion: "2026.11"},
		ParkedList: []kiosk.ParkedSubmission{
			{ID: "sub-1", LocalNo: "T0001-261127-0001", ItemCode: "MZ-0103", MaskedID: "3101**********1234", Created: t.Add(-2 * time.Hour), Reason: "validation_failed: phone"},
			{ID: "sub-2", LocalNo: "T0001-261127-0002", ItemCode: "RS-0201", MaskedID: "3101**********5678", Created: t.Add(-time.Hour), Reason: "card_expired"},
		},
		Catalog:    kiosk.CatalogInfo{Version: "2026.10", FetchedAt: t.Add(-3 * time.Hour), Items: 14},
		NewCatalog: kiosk.CatalogInfo{Version: "2026.11", FetchedAt: t, Items: 15},
		Check:      kiosk.AuditCheck{Events: 3, OK: true},
		Events: []kiosk.AuditEvent{
			{Seq: 1, At: t.Add(-time.Hour), Kind: "visit_start", Detail: "1"},
			{Seq: 2, At: t.Add(-time.Hour), Kind: "card_read", Subject: "3101**********1234", Detail: "resident"},
			{Seq: 3, At: t.Add(-time.Hour), Kind: "visit_end", Detail: "finished"},
		},
		Sent: 1,
	}
}

// Calls lists the methods called, in order, with their arguments.
func (m *Maintenance) Calls() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.calls...)
}

// SetErr makes method fail with err (nil heals it).
func (m *Maintenance) SetErr(method string, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Errs == nil {
		m.Errs = map[string]error{}
	}
	m.Errs[method] = err
}

// call records a call and returns its injected error.
func (m *Maintenance) call(ctx context.Context, name string, args ...any) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c := name
	for _, a := range args {
		c += fmt.Sprintf(" %v", a)
	}
	m.calls = append(m.calls, c)
	return m.Errs[name]
}

func (m *Maintenance) audit(kind, detail string) {
	m.Events = append(m.Events, kiosk.AuditEvent{Seq: int64(len(m.Events) + 1), At: m.Now(), Kind: kind, Detail: detail})
}

func (m *Maintenance) Devices(ctx context.Context) ([]kiosk.DeviceReport, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.call(ctx, "Devices"); err != nil {
		return nil, err
	}
	return append([]kiosk.DeviceReport(nil), m.DevicesList...), nil
}

func (m *Maintenance) SelfTestCard(ctx context.Context) (kiosk.CardTest, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.call(ctx, "SelfTestCard"); err != nil {
		return kiosk.CardTest{Steps: m.Card.Steps[:min(1, len(m.Card.Steps))]}, err
	}
	return m.Card, nil
}

func (m *Maintenance) TestPrint(ctx context.Context) (kiosk.PrintTest, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.call(ctx, "TestPrint"); err != nil {
		return kiosk.PrintTest{}, err
	}
	return m.Print, nil
}

func (m *Maintenance) ProbePorts(ctx context.Context) ([]kiosk.PortProbe, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.call(ctx, "ProbePorts"); err != nil {
		return nil, err
	}
	return append([]kiosk.PortProbe(nil), m.Ports...), nil
}

func (m *Maintenance) DetectBaud(ctx context.Context) (kiosk.BaudResult, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.call(ctx, "DetectBaud"); err != nil {
		return kiosk.BaudResult{}, err
	}
	return m.Baud, nil
}

func (m *Maintenance) SyncStatus(ctx context.Context) (kiosk.SyncReport, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.call(ctx, "SyncStatus"); err != nil {
		return kiosk.SyncReport{}, err
	}
	r := m.Sync
	r.Parked = len(m.ParkedList)
	return r, nil
}

func (m *Maintenance) SendNow(ctx context.Context) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.call(ctx, "SendNow"); err != nil {
		return 0, err
	}
	n := m.Sent
	m.Sync.Pending = max(m.Sync.Pending-n, 0)
	m.audit("outbox_send_now", fmt.Sprintf("%d pending woken", n))
	return n, nil
}

func (m *Maintenance) Parked(ctx context.Context) ([]kiosk.ParkedSubmission, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.call(ctx, "Parked"); err != nil {
		return nil, err
	}
	return append([]kiosk.ParkedSubmission(nil), m.ParkedList...), nil
}

func (m *Maintenance) take(id string) (kiosk.ParkedSubmission, error) {
	for i, p := range m.ParkedList {
		if p.ID == id {
			m.ParkedList = append(m.ParkedList[:i:i], m.ParkedList[i+1:]...)
			return p, nil
		}
	}
	return kiosk.ParkedSubmission{}, fmt.Errorf("kiosktest: no parked submission %q", id)
}

func (m *Maintenance) RetryParked(ctx context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.call(ctx, "RetryParked", id); err != nil {
		return err
	}
	p, err := m.take(id)
	if err != nil {
		return err
	}
	m.Sync.Pending++
	m.audit("parked_retry", p.LocalNo)
	return nil
}

func (m *Maintenance) DiscardParked(ctx context.Context, id, reason string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.call(ctx, "DiscardParked", id); err != nil {
		return err
	}
	p, err := m.take(id)
	if err != nil {
		return err
	}
	m.audit("parked_discard", p.LocalNo+" "+reason)
	return nil
}

func (m *Maintenance) CatalogInfo(ctx context.Context) (kiosk.CatalogInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.call(ctx, "CatalogInfo"); err != nil {
		return kiosk.CatalogInfo{}, err
	}
	return m.Catalog, nil
}

func (m *Maintenance) RefreshCatalog(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.call(ctx, "RefreshCatalog"); err != nil {
		return err
	}
	m.Catalog = m.NewCatalog
	m.audit("catalog_refresh", fmt.Sprintf("version=%s items=%d", m.Catalog.Version, m.Catalog.Items))
	return nil
}

func (m *Maintenance) VerifyAudit(ctx context.Context) (kiosk.AuditCheck, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.call(ctx, "VerifyAudit"); err != nil {
		return kiosk.AuditCheck{}, err
	}
	return m.Check, nil
}

func (m *Maintenance) LatestAudit(ctx context.Context, n int) ([]kiosk.AuditEvent, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.call(ctx, "LatestAudit", n); err != nil {
		return nil, err
	}
	evs := m.Events
	if len(evs) > n {
		evs = evs[len(evs)-n:]
	}
	return append([]kiosk.AuditEvent(nil), evs...), nil
}

func (m *Maintenance) ExportBundle(ctx context.Context, dir string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.call(ctx, "ExportBundle", dir); err != nil {
		return "", err
	}
	return filepath.Join(dir, "kiosk-diag-test.tar.gz"), nil
}

// StorageNotices returns Storage.
func (m *Maintenance) StorageNotices(ctx context.Context) ([]kiosk.StorageNotice, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.call(ctx, "StorageNotices"); err != nil {
		return nil, err
	}
	return append([]kiosk.StorageNotice(nil), m.Storage...), nil
}

// AckStorageNotices empties Storage and records an audit event.
func (m *Maintenance) AckStorageNotices(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.call(ctx, "AckStorageNotices"); err != nil {
		return err
	}
	m.audit("database_notice_ack", fmt.Sprintf("%d notices", len(m.Storage)))
	m.Storage = nil
	return nil
}
