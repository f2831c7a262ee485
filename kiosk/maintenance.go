package kiosk

import (
	"context"
	"time"
)

// Maintenance is what the staff screens (and `kiosk diag`) ask of the
// terminal. cmd/kiosk wires it over the drivers, the store, the relay and
// the audit trail; kiosktest.Maintenance is a fake. Actions that change
// something (send now, retry or discard a parked submission, refresh the
// catalogue) are recorded in the audit trail by the implementation.
type Maintenance interface {
	// Devices reports every device with its wire details.
	Devices(ctx context.Context) ([]DeviceReport, error)
	// SelfTestCard waits for a card on the reader and reads it, timing each
	// step. The result carries the masked number only.
	SelfTestCard(ctx context.Context) (CardTest, error)
	// TestPrint prints a test receipt.
	TestPrint(ctx context.Context) (PrintTest, error)
	// ProbePorts asks every serial port what answers on it.
	ProbePorts(ctx context.Context) ([]PortProbe, error)
	// DetectBaud finds the baud rate the card reader answers at.
	DetectBaud(ctx context.Context) (BaudResult, error)
	// SyncStatus checks the link to the central API and the outbox.
	SyncStatus(ctx context.Context) (SyncReport, error)
	// SendNow wakes the relay and returns how many submissions went out.
	SendNow(ctx context.Context) (int, error)
	// Parked lists the submissions the central system refused for staff.
	Parked(ctx context.Context) ([]ParkedSubmission, error)
	// RetryParked queues a parked submission again; DiscardParked gives it
	// up. Both are audited with the staff's reason.
	RetryParked(ctx context.Context, id string) error
	DiscardParked(ctx context.Context, id, reason string) error
	// CatalogInfo describes the cached catalogue; RefreshCatalog fetches
	// it from the central API now.
	CatalogInfo(ctx context.Context) (CatalogInfo, error)
	RefreshCatalog(ctx context.Context) error
	// VerifyAudit walks the whole audit chain.
	VerifyAudit(ctx context.Context) (AuditCheck, error)
	// LatestAudit returns up to n of the newest audit events, oldest first.
	LatestAudit(ctx context.Context, n int) ([]AuditEvent, error)
	// ExportBundle writes a diagnostics bundle (.tar.gz) into dir and
	// returns its path.
	ExportBundle(ctx context.Context, dir string) (string, error)
	// StorageNotices lists the database recoveries staff have not yet
	// acknowledged, oldest first; AckStorageNotices acknowledges them all
	// (audited).
	StorageNotices(ctx context.Context) ([]StorageNotice, error)
	AckStorageNotices(ctx context.Context) error
}

// StorageNotice tells staff that the terminal's database failed its check
// at a start: the failing file was kept aside untouched, a fresh one was
// started and what could be read was carried over. It holds no personal
// data: LostLocalNos are the numbers printed on residents' receipts, so
// staff can find those residents' paper at the counter.
type StorageNotice struct {
	At           time.Time `json:"at"`
	KeptAs       string    `json:"kept_as"` // the kept file, for the district's engineers
	Detail       string    `json:"detail"`  // what SQLite said
	Queued       int       `json:"queued"`  // unsent submissions queued again (same ids: sent once)
	Parked       int       `json:"parked"`
	Delivered    int       `json:"delivered"`
	UnsentLost   int       `json:"unsent_lost"`  // unsent submissions that could not be carried over
	LostUnknown  bool      `json:"lost_unknown"` // more may have been lost than UnsentLost says
	LostLocalNos []string  `json:"lost_local_nos,omitempty"`
	AuditEvents  int64     `json:"audit_events"`
	AuditCut     bool      `json:"audit_cut"` // later audit events could not be carried over
	Summary      string    `json:"summary"`   // one line for logs and the heartbeat
}

// FrameLine is one frame on a device's wire, for the device panel. Frames
// that carry personal data are kept only up to their status bytes.
type FrameLine struct {
	Out  bool      `json:"out"` // host to device
	At   time.Time `json:"at"`
	Hex  string    `json:"hex"`
	Note string    `json:"note,omitempty"`
}

// DeviceReport is one device as the device panel shows it.
type DeviceReport struct {
	DeviceHealth
	Port      string            `json:"port"`
	Baud      int               `json:"baud"`
	LastError string            `json:"last_error,omitempty"`
	LastErrAt time.Time         `json:"last_error_at,omitzero"`
	Status    map[string]string `json:"status,omitempty"` // SAM ID, cover, paper...
	Frames    []FrameLine       `json:"frames,omitempty"` // oldest first, at most 50
}

// Step is one timed step of a self-test.
type Step struct {
	Name     string        `json:"name"`
	Duration time.Duration `json:"duration"`
	Err      string        `json:"error,omitempty"`
}

// CardTest is the result of reading a card in maintenance.
type CardTest struct {
	MaskedID string `json:"masked_id"`
	CardType string `json:"card_type"`
	Steps    []Step `json:"steps"`
}

// PrintTest is the result of a test print.
type PrintTest struct {
	Steps []Step `json:"steps"`
	Bytes int    `json:"bytes"`
}

// PortProbe says what answered on one serial port.
type PortProbe struct {
	Port   string `json:"port"`
	Baud   int    `json:"baud,omitempty"`
	Answer string `json:"answer"` // "idcard", "printer", "none", "busy"
	Detail string `json:"detail,omitempty"`
}

// BaudResult is the card reader's detected speed.
type BaudResult struct {
	Port  string `json:"port"`
	Baud  int    `json:"baud"`  // 0: no answer at any speed
	Tried []int  `json:"tried"` // in the order tried
}

// SyncReport is the state of the link and the outbox.
type SyncReport struct {
	Reachable      bool          `json:"reachable"`
	Latency        time.Duration `json:"latency"`
	TokenValid     bool          `json:"token_valid"`
	ClockSkew      time.Duration `json:"clock_skew"` // server minus terminal
	LastContact    time.Time     `json:"last_contact,omitzero"`
	LastError      string        `json:"last_error,omitempty"`
	Pending        int           `json:"pending"`
	InFlight       int           `json:"in_flight"`
	Parked         int           `json:"parked"`
	Oldest         time.Duration `json:"oldest"` // age of the oldest unsent submission
	AuditUnacked   int64         `json:"audit_unacked"`
	CatalogVersion string        `json:"catalog_version"`
	// PausedUntil: the central system asked the terminal to wait
	// (Retry-After) until then; nothing, the probe included, calls it
	// before. Zero when no pause holds.
	PausedUntil time.Time `json:"paused_until,omitzero"`
}

// MaxClockSkew is how far the terminal's clock may differ from the central
// system's before the terminal says so (maintenance screen, heartbeat) and
// judges ages by the server-corrected time instead.
const MaxClockSkew = 5 * time.Minute

// ClockSkewed reports whether the clock skew is beyond MaxClockSkew.
func (r SyncReport) ClockSkewed() bool {
	return r.ClockSkew > MaxClockSkew || r.ClockSkew < -MaxClockSkew
}

// ParkedSubmission is a submission the central system refused, as staff
// see it: no personal data beyond the masked ID number.
type ParkedSubmission struct {
	ID       string    `json:"id"`
	LocalNo  string    `json:"local_no"`
	ItemCode string    `json:"item_code"`
	MaskedID string    `json:"masked_id"`
	Created  time.Time `json:"created"`
	Reason   string    `json:"reason"` // the server's code and message
}

// CatalogInfo describes the cached catalogue.
type CatalogInfo struct {
	Version   string    `json:"version"`
	FetchedAt time.Time `json:"fetched_at,omitzero"`
	Items     int       `json:"items"`
	LastError string    `json:"last_error,omitempty"`
}

// Age is how old the cached catalogue is at now.
func (c CatalogInfo) Age(now time.Time) time.Duration {
	if c.FetchedAt.IsZero() {
		return 0
	}
	return now.Sub(c.FetchedAt)
}

// AuditCheck is the result of walking the audit chain.
type AuditCheck struct {
	Events   int64  `json:"events"`              // events that verified
	OK       bool   `json:"ok"`                  //
	BrokenAt int64  `json:"broken_at,omitempty"` // the first broken seq
	Problem  string `json:"problem,omitempty"`   // what is wrong there
}
