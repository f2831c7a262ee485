package backend

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/assets"
	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/audit"
	"github.com/pudong-community/kiosk/kiosk/intake"
	"github.com/pudong-community/kiosk/kiosk/intake/intakesim"
	"github.com/pudong-community/kiosk/kiosk/kiosktest"
	"github.com/pudong-community/kiosk/kiosk/outbox"
	"github.com/pudong-community/kiosk/kiosk/store"
)

const (
	terminalID = "PD-T-TEST"
	token      = "test-token"
)

// rig is the terminal's back end against the real development server,
// with a switch that cuts the network.
type rig struct {
	b     *Backend
	sim   *intakesim.Server
	down  atomic.Bool
	relay *outbox.Relay
	audit auditLog
}

func newRig(t *testing.T) *rig {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	dir := t.TempDir()
	sim, err := intakesim.New(intakesim.Options{DataDir: filepath.Join(dir, "sim"), Terminals: map[string]string{terminalID: token}, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	r := &rig{sim: sim}
	h := sim.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if r.down.Load() {
			hj, ok := w.(http.Hijacker)
			if ok {
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
	client, err := intake.New(intake.Config{BaseURL: srv.URL, TerminalID: terminalID, Token: token, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, filepath.Join(dir, "kiosk.db"), store.Options{Readings: kiosktest.Readings(assets.PinyinTable())})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	key, err := store.LoadOrCreateKey(filepath.Join(dir, "seal.key"))
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := store.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	ob, err := store.NewOutbox(st, sealer, store.OutboxOptions{TerminalID: terminalID, MinFreeBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	relay, err := outbox.New(outbox.Config{Store: st, Outbox: ob, API: client, Backoff: outbox.Backoff{Base: 20 * time.Millisecond, Cap: 200 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	go relay.Run(ctx)
	if err := relay.RefreshCatalog(ctx); err != nil {
		t.Fatal(err)
	}
	r.relay = relay
	r.b = &Backend{Store: st, Outbox: ob, Cache: store.NewCaseCache(st, sealer), API: client, Relay: relay, SendWait: 3 * time.Second,
		Record: r.audit.record}
	return r
}

// submission fills every field of the first self-service item validly.
func (r *rig) submission(t *testing.T, applicant kiosk.Person) kiosk.Submission {
	t.Helper()
	cat, err := r.b.Catalog(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range cat.Items {
		if !it.SelfService || it.Kind != kiosk.KindInstant {
			continue
		}
		fields := map[string]string{}
		for _, f := range it.Fields {
			switch f.Type {
			case kiosk.FieldDigits:
				fields[f.Key] = "2"
			case kiosk.FieldPhone:
				fields[f.Key] = "13800138000"
			case kiosk.FieldDate:
				fields[f.Key] = "2026-11-01"
			case kiosk.FieldChoice:
				fields[f.Key] = f.Choices[0]
			case kiosk.FieldIDNumber:
				fields[f.Key] = applicant.IDNumber
			default:
				fields[f.Key] = "测试"
			}
		}
		return kiosk.Submission{ID: kiosk.NewSubmissionID(), TerminalID: terminalID, ItemCode: it.Code, CatalogVersion: cat.Version, CreatedAt: time.Now(), Fields: fields, Applicant: applicant}
	}
	t.Fatal("no self-service item in the catalogue")
	return kiosk.Submission{}
}

func sampleResident(t *testing.T) kiosk.Person {
	rs := intakesim.SampleResidents()
	if len(rs) == 0 {
		t.Fatal("no sample residents")
	}
	r := rs[0]
	return kiosk.Person{IDNumber: r.IDNumber, Name: r.Name, CardType: r.CardType, Gender: r.Gender, Nation: "汉", BirthDate: r.BirthDate, Address: "上海市浦东新区"}
}

func TestSubmitOnlineIsAccepted(t *testing.T) {
	r := newRig(t)
	sub := r.submission(t, sampleResident(t))
	out, err := r.b.Submit(context.Background(), sub)
	if err != nil {
		t.Fatal(err)
	}
	if out.Queued || out.Accepted == nil || out.Accepted.CaseNo == "" || out.LocalNo == "" {
		t.Fatalf("outcome %+v, want accepted with a case number", out)
	}
	caseNo, found, err := r.sim.LookupSubmission(context.Background(), sub.ID)
	if err != nil || !found || caseNo != out.Accepted.CaseNo {
		t.Errorf("server has %q found=%v err=%v, terminal says %q", caseNo, found, err, out.Accepted.CaseNo)
	}
}

// A track_url becomes a QR code only on an allowed host: the simulator's
// (ywtb.pudong.example) is not on an empty list, and its refusal is logged
// with the case number; on the list it goes through.
func TestTrackURLOnlyFromAllowedHosts(t *testing.T) {
	r := newRig(t)
	var log bytes.Buffer
	r.b.Logger = slog.New(slog.NewTextHandler(&log, nil))
	out, err := r.b.Submit(context.Background(), r.submission(t, sampleResident(t)))
	if err != nil || out.Accepted == nil {
		t.Fatalf("Submit = %+v, %v", out, err)
	}
	if out.Accepted.TrackURL != "" {
		t.Errorf("track_url %q of a host not allowed reached the screen", out.Accepted.TrackURL)
	}
	if !strings.Contains(log.String(), "status page refused") || !strings.Contains(log.String(), out.Accepted.CaseNo) {
		t.Errorf("refusal not logged: %s", log.String())
	}
	cs, _, err := r.b.Cases(context.Background(), sampleResident(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if c.TrackURL != "" {
			t.Errorf("case %s: track_url %q not refused", c.CaseNo, c.TrackURL)
		}
	}
	r.b.TrackHosts = []string{"ywtb.pudong.example"}
	out, err = r.b.Submit(context.Background(), r.submission(t, sampleResident(t)))
	if err != nil || out.Accepted == nil || !strings.HasPrefix(out.Accepted.TrackURL, "https://ywtb.pudong.example/track/") {
		t.Errorf("allowed host: %+v, %v", out.Accepted, err)
	}
}

func TestSubmitOfflineIsQueuedThenDeliveredOnce(t *testing.T) {
	r := newRig(t)
	r.down.Store(true)
	sub := r.submission(t, sampleResident(t))
	r.b.SendWait = 300 * time.Millisecond
	out, err := r.b.Submit(context.Background(), sub)
	if err != nil {
		t.Fatal(err)
	}
	if !out.Queued || out.Accepted != nil || out.LocalNo == "" {
		t.Fatalf("outcome %+v, want queued with a local number", out)
	}
	unsent, err := r.b.Unsent(context.Background(), sub.Applicant.IDNumber)
	if err != nil || len(unsent) != 1 || unsent[0].LocalNo != out.LocalNo || unsent[0].ItemName == "" {
		t.Fatalf("unsent = %+v, %v", unsent, err)
	}
	r.down.Store(false)
	r.relay.Notify()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, found, _ := r.sim.LookupSubmission(context.Background(), sub.ID); found {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("queued submission never delivered after the network came back")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n, _ := r.sim.CountSubmissions(context.Background()); n != 1 {
		t.Errorf("server holds %d submissions, want exactly 1", n)
	}
}

func TestSubmitRejectedTellsWhy(t *testing.T) {
	r := newRig(t)
	p := sampleResident(t)
	p.ValidUntil = "2020-01-01" // expired card: final 422
	sub := r.submission(t, p)
	_, err := r.b.Submit(context.Background(), sub)
	var rej *kiosk.RejectedError
	if !errors.As(err, &rej) || !errors.Is(err, kiosk.ErrRejected) || rej.Code == "" {
		t.Fatalf("err = %v, want a RejectedError with the server's code", err)
	}
}

func TestCasesOnlineThenFromCacheOffline(t *testing.T) {
	r := newRig(t)
	p := sampleResident(t)
	ctx := context.Background()
	cs, online, err := r.b.Cases(ctx, p)
	if err != nil || !online {
		t.Fatalf("online cases: online=%v err=%v", online, err)
	}
	r.down.Store(true)
	cached, online, err := r.b.Cases(ctx, p)
	if err != nil || online {
		t.Fatalf("offline cases: online=%v err=%v", online, err)
	}
	if len(cached) != len(cs) {
		t.Errorf("cache has %d cases, the server gave %d", len(cached), len(cs))
	}
	// A stranger gets nothing from the cache either.
	other := p
	other.IDNumber = "11010519491231002X"
	none, _, err := r.b.Cases(ctx, other)
	if err != nil || len(none) != 0 {
		t.Errorf("another person's cache: %d cases, err %v", len(none), err)
	}
	// Each look-up is in the audit trail: masked, where from, how many.
	want := []string{
		fmt.Sprintf("cases_queried %s online, %d cases", kiosk.MaskID(p.IDNumber), len(cs)),
		fmt.Sprintf("cases_queried %s from cache, %d cases", kiosk.MaskID(p.IDNumber), len(cs)),
		"cases_queried 1101**********002X from cache, 0 cases",
	}
	if got := r.audit.lines(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit records:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A look-up the central system refuses for good is audited with its code.
func TestCasesRefusedIsAudited(t *testing.T) {
	r := newRig(t)
	p := sampleResident(t)
	r.b.API = refusingQuerier{}
	if _, online, err := r.b.Cases(context.Background(), p); err == nil || !online {
		t.Fatalf("refused look-up: online=%v err=%v", online, err)
	}
	want := "cases_queried " + kiosk.MaskID(p.IDNumber) + " online, failed: 422 validation_failed"
	if got := r.audit.lines(); len(got) != 1 || got[0] != want {
		t.Errorf("audit records %q, want %q", got, want)
	}
}

type refusingQuerier struct{}

func (refusingQuerier) QueryCases(context.Context, string, string) ([]kiosk.Case, error) {
	return nil, &intake.Error{Op: "cases", Status: 422, Code: "validation_failed"}
}

// auditLog keeps what the back end records, as "kind subject detail".
type auditLog struct {
	mu  sync.Mutex
	got []string
}

func (a *auditLog) record(kind audit.Kind, subject, detail string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.got = append(a.got, string(kind)+" "+subject+" "+detail)
}

func (a *auditLog) lines() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.got...)
}

func TestSearchAndQR(t *testing.T) {
	r := newRig(t)
	items, err := r.b.Search(context.Background(), "敬老", 10)
	if err != nil || len(items) == 0 {
		t.Fatalf("search 敬老: %d items, %v", len(items), err)
	}
	img, err := r.b.QR("https://example.invalid/track/PD20261127-000001", 256)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() < 200 || b.Dx() != b.Dy() {
		t.Errorf("QR image %v", b)
	}
	if _, err := QR("", 100); err == nil {
		t.Error("empty payload accepted")
	}
	var _ image.Image = img
}

type pauseFor struct{ until time.Time }

func (p pauseFor) PausedUntil() time.Time { return p.until }

// While the central system has asked to be left alone (Retry-After), "my
// cases" shows the cases last fetched here and does not ask.
func TestCasesWaitOutAPause(t *testing.T) {
	r := newRig(t)
	p := sampleResident(t)
	ctx := context.Background()
	cs, online, err := r.b.Cases(ctx, p)
	if err != nil || !online {
		t.Fatalf("online cases: online=%v err=%v", online, err)
	}
	asks := &countingQuerier{CaseQuerier: r.b.API}
	r.b.API = asks
	r.b.Pause = pauseFor{until: time.Now().Add(time.Minute)}
	got, online, err := r.b.Cases(ctx, p)
	if err != nil || online || len(got) != len(cs) {
		t.Fatalf("paused: %d cases online=%v err=%v, want %d from the cache", len(got), online, err, len(cs))
	}
	if asks.n != 0 {
		t.Errorf("%d asks during the pause", asks.n)
	}
	r.b.Pause = pauseFor{} // the pause is over
	if _, online, err := r.b.Cases(ctx, p); err != nil || !online || asks.n != 1 {
		t.Fatalf("after the pause: online=%v err=%v asks %d", online, err, asks.n)
	}
}

type countingQuerier struct {
	CaseQuerier
	n int
}

func (c *countingQuerier) QueryCases(ctx context.Context, id, name string) ([]kiosk.Case, error) {
	c.n++
	return c.CaseQuerier.QueryCases(ctx, id, name)
}
