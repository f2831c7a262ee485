// Package backend implements the interfaces the resident screens consume
// (kiosk.CatalogSource, CaseSource, Submitter, QREncoder) over the store,
// the outbox relay and the central API client. It holds no Fyne and no
// device code; cmd/kiosk wires it.
package backend

import (
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/skip2/go-qrcode"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/audit"
	"github.com/pudong-community/kiosk/kiosk/intake"
	"github.com/pudong-community/kiosk/kiosk/store"
)

// CaseQuerier is the part of the API client "my cases" needs.
type CaseQuerier interface {
	QueryCases(ctx context.Context, idNumber, name string) ([]kiosk.Case, error)
}

// Notifier wakes the relay when a submission was queued.
type Notifier interface {
	Notify()
}

// Backend is the terminal's services over its database and the central API.
type Backend struct {
	Store  *store.Store
	Outbox *store.Outbox
	Cache  *store.CaseCache
	API    CaseQuerier
	Relay  Notifier
	// Pause, when set, says until when the central system asked to be
	// left alone (a 429 or 503 with Retry-After, kept by the relay):
	// "my cases" then shows the cases last fetched here rather than ask.
	Pause interface{ PausedUntil() time.Time }
	// Link, when set, says whether the terminal knows it is offline (the
	// relay): tickets, bookings and the queue then fail at once with
	// kiosk.ErrOffline.
	Link   Link
	Logger *slog.Logger
	// Now is the clock of the v1.1 services; time.Now when nil.
	Now func() time.Time
	// TrackHosts are the hosts a case's track_url may lead to (the
	// central API's own and display.guide_hosts: config.GuideHosts); a
	// track_url elsewhere is dropped and logged, and the screens put the
	// case number in the QR code instead. Nil allows none.
	TrackHosts []string
	// SendWait is how long Submit waits for the relay to deliver before it
	// tells the resident the submission is queued (default 4 s).
	SendWait time.Duration
	// Poll is how often Submit looks at the outbox while waiting.
	Poll time.Duration
	// Record writes an audit event (masked subject, no ID number in the
	// detail); optional. It must not block: the terminal queues it.
	Record func(kind audit.Kind, subject, detail string)

	agentVisit agentVisit
}

// record writes an audit event when the back end has a trail.
func (b *Backend) record(kind audit.Kind, subject, detail string) {
	if b.Record != nil {
		b.Record(kind, subject, detail)
	}
}

func (b *Backend) log() *slog.Logger {
	if b.Logger != nil {
		return b.Logger
	}
	return slog.Default()
}

// trackURL is raw when it may become a QR code (kiosk.TrackURL over
// TrackHosts), "" otherwise, the refusal logged.
func (b *Backend) trackURL(caseNo, raw string) string { return b.statusURL("case "+caseNo, raw) }

// statusURL is a page the central system names for a case, a ticket or an
// appointment (what: "case PD…", "ticket A023"), when it may become a QR
// code on paper or screen (kiosk.TrackURL over TrackHosts); "" otherwise,
// the refusal logged, and the QR code carries the number instead.
func (b *Backend) statusURL(what, raw string) string {
	if raw == "" {
		return ""
	}
	if u := kiosk.TrackURL(raw, b.TrackHosts); u != "" {
		return u
	}
	host := "?"
	if u, err := url.Parse(raw); err == nil {
		host = u.Scheme + "://" + u.Host
	}
	b.log().Warn("status page refused: not an allowed page; the QR code carries the number", "of", what, "to", host)
	return ""
}

// trusted drops the track_urls of cases that may not become QR codes.
func (b *Backend) trusted(cs []kiosk.Case) []kiosk.Case {
	for i := range cs {
		cs[i].TrackURL = b.trackURL(cs[i].CaseNo, cs[i].TrackURL)
	}
	return cs
}

// Catalog returns the cached catalogue.
func (b *Backend) Catalog(ctx context.Context) (*kiosk.Catalog, error) {
	c, err := b.Store.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	return &c.Catalog, nil
}

// Search searches the cached catalogue by Chinese substring, pinyin
// initials, pinyin, English or code.
func (b *Backend) Search(ctx context.Context, q string, limit int) ([]kiosk.Item, error) {
	return b.Store.SearchCatalog(ctx, q, limit)
}

// Cases asks the central system; when it cannot be reached, or has asked
// the terminal to wait, the cases last fetched on this terminal are shown
// and online is false. Every look-up is audited (cases_queried: the masked
// number, where the cases came from and how many).
func (b *Backend) Cases(ctx context.Context, p kiosk.Person) ([]kiosk.Case, bool, error) {
	cs, online, err := b.cases(ctx, p)
	where := "from cache"
	if online {
		where = "online"
	}
	detail := fmt.Sprintf("%s, %d cases", where, len(cs))
	if err != nil {
		detail = where + ", failed: " + casesFailure(err)
	}
	b.record(audit.CasesQueried, kiosk.MaskID(p.IDNumber), detail)
	return cs, online, err
}

// casesFailure names why a look-up failed, in a few words for the trail.
func casesFailure(err error) string {
	var ie *intake.Error
	if errors.As(err, &ie) {
		return fmt.Sprintf("%d %s", ie.Status, ie.Code)
	}
	return err.Error()
}

func (b *Backend) cases(ctx context.Context, p kiosk.Person) ([]kiosk.Case, bool, error) {
	if b.agentRefuses(p) {
		return nil, false, ErrAgentCases
	}
	paused := b.Pause != nil && !b.Pause.PausedUntil().IsZero()
	if b.API != nil && !paused {
		cs, err := b.API.QueryCases(ctx, p.IDNumber, p.Name)
		if err == nil {
			if b.Cache != nil {
				if perr := b.Cache.Put(ctx, p.IDNumber, cs); perr != nil {
					b.log().Warn("case cache not updated", "err", perr)
				}
			}
			return b.trusted(cs), true, nil
		}
		if intake.IsFinal(err) {
			return nil, true, err
		}
		b.log().Info("cases from cache: central system unreachable", "err", err)
	}
	if b.Cache == nil {
		return nil, false, nil
	}
	cs, _, err := b.Cache.Get(ctx, p.IDNumber)
	if errors.Is(err, store.ErrNotFound) {
		return nil, false, nil
	}
	return b.trusted(cs), false, err
}

// Unsent lists what this terminal still holds for the resident.
func (b *Backend) Unsent(ctx context.Context, idNumber string) ([]kiosk.SubmissionSummary, error) {
	recs, err := b.Outbox.PendingFor(ctx, idNumber)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	if c, err := b.Store.Catalog(ctx); err == nil {
		for _, it := range c.Catalog.Items {
			names[it.Code] = it.Name
		}
	}
	out := make([]kiosk.SubmissionSummary, 0, len(recs))
	for _, r := range recs {
		out = append(out, kiosk.SubmissionSummary{LocalNo: r.LocalNo, ItemCode: r.ItemCode, ItemName: names[r.ItemCode], CreatedAt: r.CreatedAt, State: r.State})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.After(out[j].CreatedAt) })
	return out, nil
}

// Submit stores the submission durably, wakes the relay and waits a short
// while for the central system's answer. Whatever happens after the store,
// the submission is kept and sent exactly once by the relay.
func (b *Backend) Submit(ctx context.Context, s kiosk.Submission) (kiosk.Outcome, error) {
	q, err := b.Outbox.Enqueue(ctx, s)
	if err != nil {
		if errors.Is(err, store.ErrStorageFull) {
			return kiosk.Outcome{}, fmt.Errorf("%w: %v", kiosk.ErrStorageFull, err)
		}
		return kiosk.Outcome{}, err
	}
	out := kiosk.Outcome{LocalNo: q.LocalNo, Queued: true}
	if b.Relay != nil {
		b.Relay.Notify()
	}
	wait, poll := b.SendWait, b.Poll
	if wait <= 0 {
		wait = 4 * time.Second
	}
	if poll <= 0 {
		poll = 50 * time.Millisecond
	}
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		rec, err := b.Outbox.Lookup(ctx, q.ID)
		if err == nil {
			switch rec.State {
			case "delivered", "purged":
				out.Queued = false
				out.Accepted = &kiosk.Accepted{CaseNo: rec.CaseNo, Status: "accepted", AcceptedAt: rec.AcceptedAt, DueDate: rec.DueDate, TrackURL: b.trackURL(rec.CaseNo, rec.TrackURL)}
				return out, nil
			case "parked":
				rej := &kiosk.RejectedError{Code: rec.Park.Code, Message: rec.Park.Reason}
				for _, f := range rec.Park.Fields {
					rej.Fields = append(rej.Fields, kiosk.FieldProblem{Field: f.Field, Reason: f.Message})
				}
				// Stored and parked for staff: the resident is told what was wrong.
				return out, rej
			}
		}
		select {
		case <-ctx.Done():
			return out, nil
		case <-deadline.C:
			return out, nil
		case <-tick.C:
		}
	}
}

// QR draws a QR code (medium error correction) about px pixels square.
func (b *Backend) QR(payload string, px int) (image.Image, error) {
	return QR(payload, px)
}

// QR draws a QR code (medium error correction) about px pixels square.
func QR(payload string, px int) (image.Image, error) {
	if strings.TrimSpace(payload) == "" {
		return nil, errors.New("backend: empty QR payload")
	}
	q, err := qrcode.New(payload, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("backend: QR: %w", err)
	}
	if px < 64 {
		px = 64
	}
	return q.Image(px), nil
}
