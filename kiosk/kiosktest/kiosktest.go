// Package kiosktest holds in-memory fakes of the kiosk package's service
// interfaces (catalogue, cases, submitter, receipts) and sample people and
// items, for testing the screens and anything else built on them. Every
// fake is safe for concurrent use and records what it was asked.
package kiosktest

import (
	"context"
	"errors"
	"fmt"
	"image"
	"strings"
	"sync"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
)

// Each fake implements its interface; the compiler checks it here.
var (
	_ kiosk.CatalogSource   = (*Catalog)(nil)
	_ kiosk.CaseSource      = (*Cases)(nil)
	_ kiosk.Submitter       = (*Submitter)(nil)
	_ kiosk.ReceiptService  = (*Receipts)(nil)
	_ kiosk.Maintenance     = (*Maintenance)(nil)
	_ kiosk.CharacterSource = Characters(nil)
)

// Errors of the fakes.
var (
	ErrNoRenderer = errors.New("kiosktest: no receipt renderer")
	ErrInjected   = errors.New("kiosktest: injected failure")
)

// Catalog is a kiosk.CatalogSource over a fixed catalogue. Initials maps
// item codes to their pinyin initials ("dbsq"), since a real pinyin table is
// the store's business.
type Catalog struct {
	mu       sync.Mutex
	cat      kiosk.Catalog
	initials map[string]string
	Err      error // returned by both methods when set
	searches []string
}

// NewCatalog returns a source of cat; initials may be nil.
func NewCatalog(cat kiosk.Catalog, initials map[string]string) *Catalog {
	return &Catalog{cat: cat, initials: initials}
}

// SetError makes both methods fail with err (nil to heal).
func (c *Catalog) SetError(err error) {
	c.mu.Lock()
	c.Err = err
	c.mu.Unlock()
}

// Catalog returns a copy of the catalogue.
func (c *Catalog) Catalog(ctx context.Context) (*kiosk.Catalog, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Err != nil {
		return nil, c.Err
	}
	cp := c.cat
	cp.Items = append([]kiosk.Item(nil), c.cat.Items...)
	return &cp, nil
}

// Search matches the code, a Chinese substring of the name, a prefix or
// substring of the pinyin initials, or an English word, best first.
func (c *Catalog) Search(ctx context.Context, q string, limit int) ([]kiosk.Item, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.searches = append(c.searches, q)
	if c.Err != nil {
		return nil, c.Err
	}
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, nil
	}
	lq := strings.ToLower(q)
	buckets := make([][]kiosk.Item, 6)
	for _, it := range c.cat.Items {
		ini := strings.ToLower(c.initials[it.Code])
		rank := -1
		switch {
		case strings.EqualFold(it.Code, q):
			rank = 0
		case strings.HasPrefix(it.Name, q):
			rank = 1
		case strings.Contains(it.Name, q):
			rank = 2
		case ini != "" && strings.HasPrefix(ini, lq):
			rank = 3
		case ini != "" && strings.Contains(ini, lq):
			rank = 4
		case strings.Contains(strings.ToLower(it.NameEn), lq):
			rank = 5
		}
		if rank >= 0 {
			buckets[rank] = append(buckets[rank], it)
		}
	}
	var out []kiosk.Item
	for _, b := range buckets {
		out = append(out, b...)
	}
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// Searches lists the queries asked so far.
func (c *Catalog) Searches() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.searches...)
}

// Cases is a kiosk.CaseSource: cases and unsent submissions per ID number.
type Cases struct {
	mu      sync.Mutex
	cases   map[string][]kiosk.Case
	unsent  map[string][]kiosk.SubmissionSummary
	offline bool
	err     error
	asked   int
}

// NewCases returns an empty, online case source.
func NewCases() *Cases {
	return &Cases{cases: map[string][]kiosk.Case{}, unsent: map[string][]kiosk.SubmissionSummary{}}
}

// Put sets the cases of the resident with idNumber.
func (c *Cases) Put(idNumber string, cs ...kiosk.Case) {
	c.mu.Lock()
	c.cases[idNumber] = append([]kiosk.Case(nil), cs...)
	c.mu.Unlock()
}

// PutUnsent sets what the terminal holds unsent for idNumber.
func (c *Cases) PutUnsent(idNumber string, s ...kiosk.SubmissionSummary) {
	c.mu.Lock()
	c.unsent[idNumber] = append([]kiosk.SubmissionSummary(nil), s...)
	c.mu.Unlock()
}

// SetOnline says whether the central system answers.
func (c *Cases) SetOnline(on bool) {
	c.mu.Lock()
	c.offline = !on
	c.mu.Unlock()
}

// SetError makes Cases fail with err.
func (c *Cases) SetError(err error) {
	c.mu.Lock()
	c.err = err
	c.mu.Unlock()
}

// Asked is how many times Cases was called.
func (c *Cases) Asked() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.asked
}

// Cases returns the resident's cases; offline, none (the fake keeps no
// cache) and online=false.
func (c *Cases) Cases(ctx context.Context, p kiosk.Person) ([]kiosk.Case, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.asked++
	if c.err != nil {
		return nil, false, c.err
	}
	if c.offline {
		return nil, false, nil
	}
	return append([]kiosk.Case(nil), c.cases[p.IDNumber]...), true, nil
}

// Unsent lists what the terminal holds for idNumber.
func (c *Cases) Unsent(ctx context.Context, idNumber string) ([]kiosk.SubmissionSummary, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]kiosk.SubmissionSummary(nil), c.unsent[idNumber]...), nil
}

// Submitter is a kiosk.Submitter that "stores" in memory and "sends" when
// online, answering like the central system.
type Submitter struct {
	mu       sync.Mutex
	online   bool
	full     bool
	reject   *kiosk.RejectedError
	block    chan struct{}
	cal      kiosk.Calendar
	now      func() time.Time
	stored   []kiosk.Submission
	byID     map[string]kiosk.Outcome
	calls    int
	seq      int
	terminal string
}

// NewSubmitter returns an online submitter; due dates come from cal and
// acceptance times from now (time.Now when nil).
func NewSubmitter(cal kiosk.Calendar, now func() time.Time) *Submitter {
	if now == nil {
		now = time.Now
	}
	return &Submitter{online: true, cal: cal, now: now, byID: map[string]kiosk.Outcome{}, terminal: "T01"}
}

// SetOnline cuts or restores the network.
func (s *Submitter) SetOnline(on bool) {
	s.mu.Lock()
	s.online = on
	s.mu.Unlock()
}

// SetFull makes the disk full: nothing is stored.
func (s *Submitter) SetFull(full bool) {
	s.mu.Lock()
	s.full = full
	s.mu.Unlock()
}

// SetReject makes the central system refuse submissions for good.
func (s *Submitter) SetReject(r *kiosk.RejectedError) {
	s.mu.Lock()
	s.reject = r
	s.mu.Unlock()
}

// Hold makes Submit wait (after storing) until the returned func is called,
// so tests can tap during a submission in flight.
func (s *Submitter) Hold() (release func()) {
	ch := make(chan struct{})
	s.mu.Lock()
	s.block = ch
	s.mu.Unlock()
	var once sync.Once
	return func() { once.Do(func() { close(ch) }) }
}

// Calls is how many times Submit was called.
func (s *Submitter) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// Stored returns the distinct submissions stored, in order.
func (s *Submitter) Stored() []kiosk.Submission {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]kiosk.Submission(nil), s.stored...)
}

// Submit stores sub (once per ID: a repeat answers as the first time) and
// sends it when online.
func (s *Submitter) Submit(ctx context.Context, sub kiosk.Submission) (kiosk.Outcome, error) {
	s.mu.Lock()
	s.calls++
	if out, ok := s.byID[sub.ID]; ok {
		s.mu.Unlock()
		return out, nil
	}
	if s.full {
		s.mu.Unlock()
		return kiosk.Outcome{}, fmt.Errorf("kiosktest: %w", kiosk.ErrStorageFull)
	}
	if sub.ID == "" || sub.ItemCode == "" || sub.Applicant.IDNumber == "" {
		s.mu.Unlock()
		return kiosk.Outcome{}, &kiosk.RejectedError{Code: "validation_failed", Message: "incomplete submission"}
	}
	s.seq++
	now := s.now()
	local := fmt.Sprintf("%s-%s-%04d", s.terminal, now.Format("20060102"), s.seq)
	s.stored = append(s.stored, sub)
	block := s.block
	s.mu.Unlock()
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reject != nil {
		r := *s.reject
		return kiosk.Outcome{LocalNo: local}, &r
	}
	out := kiosk.Outcome{LocalNo: local}
	if !s.online || ctx.Err() != nil {
		out.Queued = true
	} else {
		caseNo := fmt.Sprintf("PD%s%05d", now.Format("20060102"), s.seq)
		out.Accepted = &kiosk.Accepted{
			CaseNo:     caseNo,
			Status:     kiosk.StatusAccepted,
			AcceptedAt: now,
			DueDate:    s.cal.DueDate(now, 5).Format(kiosk.DateLayout),
			TrackURL:   "https://zwfw.example.gov.cn/track/" + caseNo,
		}
	}
	s.byID[sub.ID] = out
	return out, nil
}

// Receipts is a kiosk.ReceiptService: Print records what it printed or
// fails like a printer out of paper; Render calls the renderer given.
type Receipts struct {
	mu       sync.Mutex
	render   func(kiosk.ReceiptData) (image.Image, error)
	err      error
	printed  []kiosk.ReceiptData
	attempts int
}

// NewReceipts returns a working printer whose pictures come from render
// (for example receipt.Image behind an adapter); nil render makes Render
// fail with ErrNoRenderer.
func NewReceipts(render func(kiosk.ReceiptData) (image.Image, error)) *Receipts {
	return &Receipts{render: render}
}

// SetError makes Print fail with err (kiosk.ErrPaperOut, ...); nil heals.
func (r *Receipts) SetError(err error) {
	r.mu.Lock()
	r.err = err
	r.mu.Unlock()
}

// Print prints d or fails with the injected error.
func (r *Receipts) Print(ctx context.Context, d kiosk.ReceiptData) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.attempts++
	if r.err != nil {
		return r.err
	}
	r.printed = append(r.printed, d)
	return nil
}

// Printed lists the receipts printed.
func (r *Receipts) Printed() []kiosk.ReceiptData {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]kiosk.ReceiptData(nil), r.printed...)
}

// Attempts counts Print calls, failed ones included.
func (r *Receipts) Attempts() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.attempts
}

// Render draws d with the renderer given.
func (r *Receipts) Render(d kiosk.ReceiptData) (image.Image, error) {
	if r.render == nil {
		return nil, ErrNoRenderer
	}
	return r.render(d)
}

// readingsCache holds the tables Readings has parsed, by their data.
var readingsCache sync.Map // *byte (the data's first byte) -> kiosk.Readings

// Readings parses a pinyin table (the terminal's own is
// assets.PinyinTable()) once per process, for tests that open a store
// caching a catalogue (store.Options.Readings). A table that does not
// parse panics: it is the test's fixture.
func Readings(data []byte) kiosk.Readings {
	if len(data) == 0 {
		panic("kiosktest: empty pinyin table")
	}
	if r, ok := readingsCache.Load(&data[0]); ok {
		return r.(kiosk.Readings)
	}
	t, err := kiosk.NewCharacterTable(data)
	if err != nil {
		panic(err)
	}
	r, _ := readingsCache.LoadOrStore(&data[0], kiosk.Readings(t))
	return r.(kiosk.Readings)
}
