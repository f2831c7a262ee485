// Package receipt turns a 受理回执 (acceptance receipt) into ESC/POS bytes
// for 58 mm (384 dots) and 80 mm (576 dots) thermal printers, and into a
// picture for the screen.
//
// Lines the printer's charset can carry go as text; a line it cannot (a rare
// character in a name, ¥ on a two-byte printer) goes as a raster line drawn
// with the bundled CJK font, so every character prints. The QR code goes as
// the native GS ( k command when the printer profile says it works, and
// otherwise as a GS v 0 image of exactly the code (never full width).
package receipt

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
)

// Sentinel errors.
var (
	ErrWidth     = errors.New("receipt: paper width must be 384 or 576 dots")
	ErrCharset   = errors.New("receipt: unknown charset")
	ErrQRTooLong = errors.New("receipt: QR payload too long for the paper")
	ErrMissing   = errors.New("receipt: required field missing")
	ErrFont      = errors.New("receipt: bundled font unusable")
)

// Status says whether the submission reached the central system.
type Status int

// Submission states printed on the receipt.
const (
	StatusSent   Status = iota + 1 // 已提交 – delivered to the intake API
	StatusQueued                   // 待发送 – stored locally, sent automatically later
)

// Words returns the Chinese and English wording of the status.
func (s Status) Words() (zh, en string) {
	switch s {
	case StatusSent:
		return "已提交", "Sent"
	case StatusQueued:
		return "待发送（自动补发）", "Queued, sent automatically"
	}
	return "未知", "Unknown"
}

// Person is a resident on the receipt. ID is the full document number; it is
// only ever printed, shown or formatted masked (kiosk.MaskID).
type Person struct {
	Name string
	ID   string
}

// String masks the name and the ID. The receipt prints the name in full;
// logs and errors get this.
func (p Person) String() string { return kiosk.MaskName(p.Name) + " " + kiosk.MaskID(p.ID) }

// GoString masks too (%#v).
func (p Person) GoString() string {
	return fmt.Sprintf("receipt.Person{%q, %q}", kiosk.MaskName(p.Name), kiosk.MaskID(p.ID))
}

// LogValue is the person masked (slog.LogValuer).
func (p Person) LogValue() slog.Value {
	return slog.GroupValue(slog.String("name", kiosk.MaskName(p.Name)), slog.String("id", kiosk.MaskID(p.ID)))
}

// String masks the agent; the authorisation reference is left out.
func (a Agent) String() string { return a.Person.String() + " (agent)" }

// GoString masks too (%#v).
func (a Agent) GoString() string { return fmt.Sprintf("receipt.Agent{%#v}", a.Person) }

// LogValue is the agent masked (slog.LogValuer).
func (a Agent) LogValue() slog.Value { return a.Person.LogValue() }

// Agent is a person acting for the applicant with a written authorisation.
type Agent struct {
	Person
	AuthRef string // authorisation (委托书) reference
}

// Receipt is everything printed on a 受理回执.
type Receipt struct {
	Center      string // service centre name
	TerminalID  string
	ItemName    string
	ItemCode    string
	Applicant   Person
	Agent       *Agent // nil when the applicant came in person
	LocalNumber string // local submission number, known at once
	CaseNumber  string // central case number, empty until the API answered
	ConfirmedAt time.Time
	PromisedBy  time.Time // promised completion date
	HowToFollow string    // how to follow the case (Chinese first, English)
	QRPayload   string
	Status      Status
	Reprint     int // 0 for the first print; n prints "重印 Reprint n"
	// Case, when set, makes the slip a 办件进度单 (case status slip) of a
	// case looked up under 我的办件, not a receipt of a submission: it
	// states the case's status as the central system gave it.
	Case *CaseProgress
	// Ticket, when set, makes it a queue ticket slip (取号凭条): the big
	// number, the counter, the time and the QR code of the ticket's status
	// page; no applicant and no item.
	Ticket *kiosk.TicketSlip
	// Appointment, when set, makes it an appointment slip (预约凭条) of
	// the applicant's booked counter visit for ItemName.
	Appointment *kiosk.AppointmentSlip
}

// CaseProgress is what a case status slip states of its case.
type CaseProgress struct {
	StatusZH, StatusEN string    // e.g. 已办结 / Completed
	Result             string    // the outcome in plain words, if final
	AsOf               time.Time // when the status was looked up
	// Bring and Where, for a case that needs more documents (需补正): what
	// to bring (the latest note of its timeline) and where.
	Bring, Where string
}

// Validate reports the first missing required field.
func (r Receipt) Validate() error {
	if t := r.Ticket; t != nil {
		for _, f := range []struct{ name, v string }{
			{"center", r.Center}, {"terminal id", r.TerminalID}, {"ticket number", t.TicketNo},
		} {
			if f.v == "" {
				return fmt.Errorf("%w: %s", ErrMissing, f.name)
			}
		}
		if t.IssuedAt.IsZero() {
			return fmt.Errorf("%w: issued time", ErrMissing)
		}
		return nil
	}
	if ap := r.Appointment; ap != nil {
		for _, f := range []struct{ name, v string }{
			{"center", r.Center}, {"terminal id", r.TerminalID}, {"appointment number", ap.AppointmentNo},
			{"applicant name", r.Applicant.Name}, {"applicant id", r.Applicant.ID},
		} {
			if f.v == "" {
				return fmt.Errorf("%w: %s", ErrMissing, f.name)
			}
		}
		if ap.Start.IsZero() {
			return fmt.Errorf("%w: appointment time", ErrMissing)
		}
		return nil
	}
	number := struct{ name, v string }{"local number", r.LocalNumber}
	if r.Case != nil {
		number = struct{ name, v string }{"case number", r.CaseNumber}
	}
	for _, f := range []struct{ name, v string }{
		{"center", r.Center}, {"terminal id", r.TerminalID}, {"item name", r.ItemName},
		{"applicant name", r.Applicant.Name}, {"applicant id", r.Applicant.ID},
		number,
	} {
		if f.v == "" {
			return fmt.Errorf("%w: %s", ErrMissing, f.name)
		}
	}
	if r.ConfirmedAt.IsZero() {
		return fmt.Errorf("%w: confirmed time", ErrMissing)
	}
	if r.Case != nil && r.Case.StatusZH == "" {
		return fmt.Errorf("%w: case status", ErrMissing)
	}
	if r.Case == nil && r.Status != StatusSent && r.Status != StatusQueued {
		return fmt.Errorf("%w: status", ErrMissing)
	}
	if r.Reprint < 0 {
		return fmt.Errorf("%w: reprint count %d", ErrMissing, r.Reprint)
	}
	if r.Agent != nil && (r.Agent.Name == "" || r.Agent.ID == "" || r.Agent.AuthRef == "") {
		return fmt.Errorf("%w: agent name, id and authorisation", ErrMissing)
	}
	return nil
}

// Sample is a receipt with every field set, a rare name character (䶮, whose
// GB code differs between font generations, so it always goes as raster)
// and an agent whose name is outside GB2312 (镕, raster on GB2312 printers); for tests, golden files and `kiosk diag printer --test-print`.
func Sample() Receipt {
	loc := kiosk.Zone()
	return Receipt{
		Center:      "浦东新区陆家嘴街道社区事务受理服务中心",
		TerminalID:  "SH-PD-LJZ-03",
		ItemName:    "居住证签注",
		ItemCode:    "SQ-JZZ-002",
		Applicant:   Person{Name: "刘䶮", ID: "310115198803120417"},
		Agent:       &Agent{Person: Person{Name: "朱镕", ID: "31010119900101123X"}, AuthRef: "WT-2026-00815"},
		LocalNumber: "LJZ03-20261127-0042",
		CaseNumber:  "PD2026112700123",
		ConfirmedAt: time.Date(2026, 11, 27, 9, 41, 0, 0, loc),
		PromisedBy:  time.Date(2026, 12, 4, 0, 0, 0, 0, loc),
		HowToFollow: "扫码或致电 12345 查询办理进度。Scan the code or call 12345 to follow your case.",
		QRPayload:   "https://zwfw.sh.gov.cn/c/PD2026112700123",
		Status:      StatusSent,
	}
}
