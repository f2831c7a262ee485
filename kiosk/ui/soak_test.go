package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/pudong-community/kiosk/devices/escpos"
	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/backend"
	"github.com/pudong-community/kiosk/kiosk/config"
	"github.com/pudong-community/kiosk/kiosk/intake/intakesim"
	"github.com/pudong-community/kiosk/kiosk/outbox"
	"github.com/pudong-community/kiosk/kiosk/receipt"
	"github.com/pudong-community/kiosk/kiosk/store"
	"github.com/pudong-community/kiosk/kiosk/terminal"
	"github.com/pudong-community/kiosk/kiosk/visit"
	"github.com/pudong-community/kiosk/kiosk/visit/visittest"
)

// The soak: scripted visits through the Fyne test driver and the real visit
// machine, over the terminal's real back end (SQLite store, sealed outbox,
// relay, API client) against the development intake server with injected
// faults. `make soak` runs 10,000 visits; `make test` runs the default 100.

const (
	soakTerminal = "PD-T-SOAK"
	soakToken    = "soak-token"
	soakItem     = "YB-0402" // self-service, one required choice
)

// quiet drops the relay's and back end's logs: 10,000 visits of them.
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// soakFaults are the faults the server injects on every /v1 request.
var soakFaults = intakesim.Faults{Error500: 0.1, Reset: 0.05, CommitDrop: 0.05}

// soakReceipts prints through the real ESC/POS encoder into nothing and
// counts, keeping only the last receipt (a fake that kept every receipt
// would itself grow over 10,000 visits).
type soakReceipts struct {
	mu      sync.Mutex
	printed int
	queued  int
	bytes   int
	last    kiosk.ReceiptData
}

func (p *soakReceipts) Print(ctx context.Context, d kiosk.ReceiptData) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r, err := receipt.FromData(d)
	if err != nil {
		return err
	}
	job, _, err := receipt.Encode(nil, r, receipt.Options{WidthDots: 576, Charset: escpos.GB18030, NativeQR: true, Cut: escpos.CutFeedPartial})
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.printed++
	if d.Queued {
		p.queued++
	}
	p.bytes += len(job)
	p.last = d
	return nil
}

func (p *soakReceipts) Render(d kiosk.ReceiptData) (image.Image, error) { return renderReceipt(d) }

func (p *soakReceipts) counts() (printed, queued int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.printed, p.queued
}

// soakSystem is the back end of the soak terminal.
type soakSystem struct {
	sim    *intakesim.Server
	st     *store.Store
	ob     *store.Outbox
	relay  *outbox.Relay
	be     *backend.Backend
	dbPath string
	simDir string
	// relayDone has the terminal's Run result once ctx ends.
	relayDone chan error
	// down cuts the network between the terminal and the server.
	down atomic.Bool
}

func newSoakSystem(t *testing.T, ctx context.Context) *soakSystem {
	t.Helper()
	dir := t.TempDir()
	s := &soakSystem{dbPath: filepath.Join(dir, "kiosk.db"), simDir: filepath.Join(dir, "sim")}
	sim, err := intakesim.New(intakesim.Options{DataDir: s.simDir, Terminals: map[string]string{soakTerminal: soakToken}, Seed: 8, Faults: soakFaults})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	s.sim = sim
	h := sim.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if s.down.Load() {
			if hj, ok := w.(http.Hijacker); ok {
				if c, _, err := hj.Hijack(); err == nil {
					c.Close()
					return
				}
			}
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		h.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	// The terminal starts as production starts it, without devices.
	cfg := config.Default()
	cfg.Terminal.ID, cfg.Terminal.DataDir = soakTerminal, dir
	cfg.API.BaseURL, cfg.API.Token = srv.URL, soakToken
	cfg.API.Timeout = config.Duration{Duration: 2 * time.Second}
	cfg.IDCard.Port, cfg.Printer.Port = "", ""
	term, err := terminal.Open(ctx, cfg, terminal.Deps{Logger: quiet, Tuning: terminal.Tuning{MinFreeBytes: -1,
		Backoff: outbox.Backoff{Base: 20 * time.Millisecond, Cap: 200 * time.Millisecond}, SendWait: 300 * time.Millisecond, Poll: 10 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { term.Close() })
	s.st, s.ob, s.relay, s.be = term.Store(), term.Outbox(), term.Relay(), term.Backend()
	s.relayDone = make(chan error, 1)
	go func() { s.relayDone <- term.Run(ctx) }()
	// The catalogue must arrive despite the faults: try until it does.
	var lastErr error
	for i := 0; i < 50; i++ {
		if lastErr = s.relay.RefreshCatalog(ctx); lastErr == nil {
			break
		}
	}
	if lastErr != nil {
		t.Fatalf("catalogue never arrived: %v", lastErr)
	}
	return s
}

// soak is one terminal being soaked: the rig's helpers over the real back
// end, with every deviation counted by kind instead of failing at once.
type soak struct {
	*rig
	sys       *soakSystem
	rec       *soakReceipts
	errs      map[string]int
	confirmed int
	sent      int
	queued    int
	again     int // applications made again over an earlier one unsent
}

func newSoak(t *testing.T, ctx context.Context) *soak {
	sys := newSoakSystem(t, ctx)
	fa := test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	w.Resize(portrait)
	r := &rig{t: t, w: w, clk: visittest.NewClock(time.Now())}
	rec := &soakReceipts{}
	r.a = New(fa, w, Options{
		CenterName: "浦东新区花木街道社区事务受理服务中心", CenterNameEN: "Huamu Community Affairs Service Center",
		TerminalID: soakTerminal, Now: r.clk.Now,
		Visit:   visit.Config{Clock: r.clk},
		Catalog: sys.be, Cases: sys.be, Submit: sys.be, Receipts: rec, QR: sys.be,
	})
	r.posts = make(chan func(), 1024)
	r.a.jobs.post = func(f func()) { r.posts <- f }
	t.Cleanup(r.a.Close)
	w.Resize(portrait)
	r.a.visit.loadCatalog(false)
	r.settle()
	return &soak{rig: r, sys: sys, rec: rec, errs: map[string]int{}}
}

func (s *soak) fail(kind string) bool {
	s.errs[kind]++
	return false
}

// tap taps the named button if it is on screen and enabled.
func (s *soak) tap(name string) bool {
	b := s.find(name)
	if b == nil {
		return s.fail("no " + name + " on " + s.a.Current().Name())
	}
	if bt, ok := b.(*button); ok && bt.disabled {
		return s.fail(name + " disabled on " + s.a.Current().Name())
	}
	test.Tap(b)
	s.settle()
	return true
}

func (s *soak) on(screen string) bool {
	if got := s.a.Current().Name(); got != screen {
		return s.fail(fmt.Sprintf("on %s, want %s", got, screen))
	}
	return true
}

// findPrefix returns the name of the first tappable whose name starts with
// prefix.
func (s *soak) findPrefix(prefix string) string {
	found := ""
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if found != "" || o == nil {
			return
		}
		if n := nameOf(o); n != "" {
			if strings.HasPrefix(n, prefix) {
				found = n
			}
			return
		}
		switch v := o.(type) {
		case *fyne.Container:
			for _, c := range v.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(v).Objects() {
				walk(c)
			}
		}
	}
	walk(s.w.Content())
	return found
}

// end takes the card away (if any), lets the end screen linger and checks
// the terminal is home again with nothing of the visit left.
func (s *soak) end(p kiosk.Person) {
	s.a.CardRemoved()
	s.settle()
	s.clk.Advance(visit.DefaultLinger)
	s.settle()
	if s.a.Current().Name() != "home" {
		s.fail("not home after the visit: " + s.a.Current().Name())
		s.a.Home()
		s.settle()
	}
	if st := s.a.visit.m.Snapshot(); st.Resident != nil || st.Form != nil || st.Cases != nil {
		s.fail("visit state left after the visit")
	}
	if p.Name != "" && hasText(s.w, p.Name) {
		s.fail("resident's name on the home screen")
	}
}

// soakResidents are intakesim's sample residents with valid cards.
func soakResidents() []kiosk.Person {
	var ps []kiosk.Person
	for _, r := range intakesim.SampleResidents() {
		if r.ValidUntil != "" && r.ValidUntil < "2026-12-01" {
			continue // expired
		}
		ps = append(ps, kiosk.Person{IDNumber: r.IDNumber, Name: r.Name, CardType: r.CardType, Gender: r.Gender,
			Nation: "汉", BirthDate: r.BirthDate, Address: "上海市浦东新区", ValidUntil: r.ValidUntil})
	}
	return ps
}

// visit runs scripted visit number i.
func (s *soak) visit(i int, p kiosk.Person) {
	switch i % 6 {
	case 0: // identify after a failed read, then my cases and one case
		if !s.tap("cases") {
			break
		}
		s.a.CardReading()
		s.a.CardError("bad frame")
		s.settle()
		s.card(p)
		if !s.on("cases") {
			break
		}
		if c := s.findPrefix("case:"); c != "" {
			if s.tap(c) {
				s.on("case")
			}
		}
	case 1: // search the catalogue and open an item
		if !s.tap("guide") || !s.tap("guide.search") || !s.on("search") {
			break
		}
		s.keys("YB")
		it := s.findPrefix("item:")
		if it == "" {
			s.fail("search found nothing")
			break
		}
		if s.tap(it) {
			s.on("guide.item")
		}
		s.tap("nav.home")
	case 2, 4: // apply with a receipt printed; one in six with the network cut
		if i%12 == 4 {
			s.sys.down.Store(true)
			defer s.sys.down.Store(false)
		}
		if !s.toItem(p) || !s.tap("apply.start") || !s.on("apply.form") ||
			!s.tap("choice:2025") || !s.tap("form.next") || !s.on("review") {
			break
		}
		before, beforeQ := s.rec.counts()
		if !s.tap("review.confirm") || !s.on("outcome") {
			break
		}
		s.confirmed++
		after, afterQ := s.rec.counts()
		switch {
		case after != before+1:
			s.fail("no receipt printed")
		case afterQ > beforeQ:
			s.queued++
		default:
			s.sent++
		}
		if s.tap("outcome.done") && s.on("takecard") {
			s.a.CardRemoved() // the resident takes the card
			s.settle()
			s.on("ended")
		}
	case 3: // my cases, then the resident walks away: idle timeout
		if !s.tap("cases") {
			break
		}
		s.card(p)
		if !s.on("cases") {
			break
		}
		s.clk.Advance(visit.DefaultIdle)
		s.settle()
		if s.a.visit.snap.State != visit.StateIdleWarning {
			s.fail("no idle warning")
		}
		s.clk.Advance(visit.DefaultWarning)
		s.settle()
		if s.on("takecard") { // the card left on the reader, then taken
			s.a.CardRemoved()
			s.settle()
			s.on("ended")
		}
	case 5: // card pulled mid-form: nothing submitted, nothing left
		if !s.toItem(p) || !s.tap("apply.start") || !s.on("apply.form") {
			break
		}
		s.a.CardRemoved()
		s.settle()
		s.on("ended")
	}
	s.end(p)
}

// toItem identifies p for a self-service application and opens the soak
// item's notice.
func (s *soak) toItem(p kiosk.Person) bool {
	if !s.tap("apply") || !s.tap("apply.self") || !s.on("identify") {
		return false
	}
	s.card(p)
	if !s.on("apply.items") {
		return false
	}
	for pages := 0; s.find("item:"+soakItem) == nil; pages++ {
		if pages > 20 || !s.tap("page.next") {
			return s.fail("item " + soakItem + " not listed")
		}
	}
	if !s.tap("item:" + soakItem) {
		return false
	}
	if s.find("apply.again") != nil {
		// An earlier application of the item by this resident waits on
		// this terminal for the network (a visit with the network cut):
		// the resident is asked first, and applies again (the item may
		// be applied for more than once).
		s.again++
		if !s.tap("apply.again") {
			return false
		}
	}
	return s.on("apply.notice")
}

type soakMark struct {
	Visits     int     `json:"visits"`
	HeapMB     float64 `json:"heap_inuse_mb"`
	Goroutines int     `json:"goroutines"`
}

type soakReport struct {
	Visits         int            `json:"visits"`
	Confirmed      int            `json:"submissions_confirmed"`
	ConfirmedSent  int            `json:"confirmed_sent"`
	ConfirmedQueue int            `json:"confirmed_queued"`
	Delivered      int            `json:"submissions_delivered"`
	Receipts       int            `json:"receipts_printed"`
	Marks          []soakMark     `json:"marks"`
	HeapGrowthPct  float64        `json:"heap_growth_pct"`
	GoroutinesBase int            `json:"goroutines_start"`
	GoroutinesEnd  int            `json:"goroutines_end"`
	DBBytes        int64          `json:"db_bytes"`
	SimDBBytes     int64          `json:"intakesim_db_bytes"`
	Errors         map[string]int `json:"errors"`
	FyneCache      string         `json:"fyne_cache"`
	Duration       string         `json:"duration"`
}

func soakVisits(t *testing.T) int {
	n := 100
	if v := os.Getenv("KIOSK_SOAK_VISITS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 6 {
			t.Fatalf("KIOSK_SOAK_VISITS=%q: want a number of visits, at least 6", v)
		}
	}
	return n
}

func fileBytes(paths ...string) int64 {
	var n int64
	for _, p := range paths {
		if fi, err := os.Stat(p); err == nil {
			n += fi.Size()
		}
	}
	return n
}

func dirBytes(dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return nil
	})
	return n
}

func TestSoak(t *testing.T) {
	if testing.Short() && os.Getenv("KIOSK_SOAK_VISITS") == "" {
		t.Skip("the soak: not with -short")
	}
	n := soakVisits(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := newSoak(t, ctx)
	people := soakResidents()
	if len(people) < 2 {
		t.Fatal("no sample residents")
	}
	runtime.GC()
	base := runtime.NumGoroutine()
	started := time.Now()
	var marks []soakMark
	mark := func(v int) {
		settleFyneCache(s.rig)
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		marks = append(marks, soakMark{Visits: v, HeapMB: float64(ms.HeapInuse) / 1e6, Goroutines: runtime.NumGoroutine()})
	}
	for v := 1; v <= n; v++ {
		s.visit(v-1, people[(v-1)%len(people)])
		if v == n/10 || v == n {
			mark(v)
		}
	}

	// Drain the relay under the same faults, then compare with the server.
	s.sys.relay.Notify()
	deadline := time.Now().Add(3 * time.Minute)
	var c store.Counts
	for {
		var err error
		if c, err = s.sys.ob.Counts(ctx); err != nil {
			t.Fatal(err)
		}
		if c.Pending == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	delivered, err := s.sys.sim.CountSubmissions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st := s.sys.relay.Status()
	stats := s.sys.sim.Stats()
	errs := map[string]int{}
	for k, v := range s.errs {
		errs["ui: "+k] = v
	}
	uiErrors := len(errs)
	errs["relay: retried"] = int(st.Retried)
	errs["relay: parked"] = c.Parked
	errs["intakesim: faults applied"] = int(stats.FaultsApplied)
	errs["intakesim: commit drops"] = int(stats.CommitDrops)
	printed, _ := s.rec.counts()

	cancel()
	select {
	case <-s.sys.relayDone:
	case <-time.After(30 * time.Second):
		t.Error("the relay did not stop")
	}
	s.settle()
	end := runtime.NumGoroutine()
	time.Sleep(100 * time.Millisecond) // let finished goroutines exit
	if g := runtime.NumGoroutine(); g < end {
		end = g
	}

	rep := soakReport{
		Visits: n, Confirmed: s.confirmed, ConfirmedSent: s.sent, ConfirmedQueue: s.queued, Delivered: delivered,
		Receipts: printed, Marks: marks, GoroutinesBase: base, GoroutinesEnd: end,
		DBBytes:    fileBytes(s.sys.dbPath, s.sys.dbPath+"-wal", s.sys.dbPath+"-shm"),
		SimDBBytes: dirBytes(s.sys.simDir),
		Errors:     errs, FyneCache: os.Getenv("FYNE_CACHE"), Duration: time.Since(started).Round(time.Second).String(),
	}
	if len(marks) == 2 && marks[0].HeapMB > 0 {
		rep.HeapGrowthPct = 100 * (marks[1].HeapMB - marks[0].HeapMB) / marks[0].HeapMB
	}
	logSoak(t, rep)
	t.Logf("applied again over an earlier application unsent: %d", s.again)

	if s.confirmed == 0 {
		t.Error("no submission was confirmed")
	}
	if delivered != s.confirmed || c.Delivered != s.confirmed {
		t.Errorf("confirmed %d on screen, delivered %d at the server (%d in the outbox), pending %d, parked %d",
			s.confirmed, delivered, c.Delivered, c.Pending, c.Parked)
	}
	if n >= 12 && s.queued == 0 {
		t.Error("no submission was queued while the network was cut")
	}
	if printed != s.confirmed {
		t.Errorf("%d receipts printed for %d confirmed submissions", printed, s.confirmed)
	}
	if uiErrors > 0 {
		t.Errorf("visits went wrong: %v", s.errs)
	}
	if end > base+5 {
		t.Errorf("goroutines: %d at the start, %d at the end", base, end)
	}
	if n >= 1000 && rep.HeapGrowthPct > 5 {
		t.Errorf("heap grew %.1f%% from %d to %d visits (goal: flat within 5%%)", rep.HeapGrowthPct, marks[0].Visits, marks[1].Visits)
	}
}

func logSoak(t *testing.T, rep soakReport) {
	t.Logf("soak: %d visits in %s", rep.Visits, rep.Duration)
	t.Logf("submissions confirmed %d (sent %d, queued %d), delivered %d, receipts %d",
		rep.Confirmed, rep.ConfirmedSent, rep.ConfirmedQueue, rep.Delivered, rep.Receipts)
	for _, m := range rep.Marks {
		t.Logf("at %d visits: heap in use %.1f MB, %d goroutines", m.Visits, m.HeapMB, m.Goroutines)
	}
	t.Logf("heap growth %.1f%%; goroutines %d at the start, %d at the end; FYNE_CACHE=%q", rep.HeapGrowthPct, rep.GoroutinesBase, rep.GoroutinesEnd, rep.FyneCache)
	t.Logf("database %d bytes, intakesim's %d bytes", rep.DBBytes, rep.SimDBBytes)
	kinds := make([]string, 0, len(rep.Errors))
	for k := range rep.Errors {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		t.Logf("errors: %s: %d", k, rep.Errors[k])
	}
	path := os.Getenv("KIOSK_SOAK_REPORT")
	if path == "" {
		return
	}
	var b []byte
	if strings.HasSuffix(path, ".md") {
		b = []byte(soakMarkdown(rep, kinds))
	} else {
		var err error
		if b, err = json.MarshalIndent(rep, "", "  "); err != nil {
			t.Fatal(err)
		}
		b = append(b, '\n')
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Errorf("soak report: %v", err)
	}
}

func soakMarkdown(rep soakReport, kinds []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Soak report\n\n%d scripted visits in %s (FYNE_CACHE=%q).\n\n", rep.Visits, rep.Duration, rep.FyneCache)
	fmt.Fprintf(&b, "| figure | value |\n| --- | --- |\n")
	fmt.Fprintf(&b, "| submissions confirmed on screen | %d (sent %d, queued %d) |\n", rep.Confirmed, rep.ConfirmedSent, rep.ConfirmedQueue)
	fmt.Fprintf(&b, "| submissions delivered (intake server) | %d |\n", rep.Delivered)
	fmt.Fprintf(&b, "| receipts printed | %d |\n", rep.Receipts)
	for _, m := range rep.Marks {
		fmt.Fprintf(&b, "| heap in use / goroutines at %d visits | %.1f MB / %d |\n", m.Visits, m.HeapMB, m.Goroutines)
	}
	fmt.Fprintf(&b, "| heap growth (goal ≤ 5%%) | %.1f%% |\n", rep.HeapGrowthPct)
	fmt.Fprintf(&b, "| goroutines start / end | %d / %d |\n", rep.GoroutinesBase, rep.GoroutinesEnd)
	fmt.Fprintf(&b, "| terminal database | %d bytes |\n", rep.DBBytes)
	for _, k := range kinds {
		fmt.Fprintf(&b, "| %s | %d |\n", k, rep.Errors[k])
	}
	return b.String()
}
