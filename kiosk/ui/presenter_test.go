package ui

import (
	"context"
	"errors"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/kiosktest"
	"github.com/pudong-community/kiosk/kiosk/visit"
	"github.com/pudong-community/kiosk/kiosk/visit/visittest"
)

// queueRunner holds service calls until settle runs them, answers
// included, on the test goroutine.
type queueRunner struct {
	q []func(ctx context.Context) func()
}

func (r *queueRunner) run(f func(ctx context.Context) func()) { r.q = append(r.q, f) }

func (r *queueRunner) settle() {
	for len(r.q) > 0 {
		f := r.q[0]
		r.q = r.q[1:]
		if done := f(context.Background()); done != nil {
			done()
		}
	}
}

// presenterRig is the visit presenter alone, without Fyne: the real visit
// machine on a manual clock and the fakes behind it.
type presenterRig struct {
	p     *visitPresenter
	jobs  *queueRunner
	st    *status
	cases *kiosktest.Cases
	sub   *kiosktest.Submitter
	rec   *kiosktest.Receipts
}

func newPresenterRig(t *testing.T) *presenterRig {
	t.Helper()
	clk := visittest.NewClock(visitStart)
	c := kiosktest.SampleCatalog()
	r := &presenterRig{jobs: &queueRunner{}, st: &status{online: true}, cases: kiosktest.NewCases()}
	r.cases.Put(kiosktest.Resident.IDNumber, kiosktest.SampleCases(visitStart)...)
	r.sub = kiosktest.NewSubmitter(c.Calendar, clk.Now)
	r.rec = kiosktest.NewReceipts(func(kiosk.ReceiptData) (image.Image, error) {
		return image.NewGray(image.Rect(0, 0, 8, 8)), nil
	})
	opts := &Options{TerminalID: "PD-T001", CenterName: "中心",
		Catalog: kiosktest.NewCatalog(c, nil), Cases: r.cases, Submit: r.sub, Receipts: r.rec}
	r.p = newVisitPresenter(opts, DefaultCatalog(), r.jobs, r.st, func() {})
	// The machine's changes reach the presenter at once, as post does on
	// the UI goroutine.
	r.p.start(visit.Config{Clock: clk, OnChange: func(s visit.Snapshot) {
		if prev, ok := r.p.take(s); ok {
			r.p.afterTake(prev, s)
		}
	}})
	r.p.loadCatalog(false)
	r.jobs.settle()
	if r.p.catalog.state != loadLoaded {
		t.Fatalf("catalogue %s", r.p.catalog.state)
	}
	return r
}

func TestLoadKeepsItsAnswerThroughAFailure(t *testing.T) {
	var l load[string]
	if !l.idle() {
		t.Fatalf("new load is %s", l.state)
	}
	l.start()
	l.done("a", nil, visitStart)
	l.start()
	if !l.loading() || l.val != "a" {
		t.Fatalf("reloading: %s %q", l.state, l.val)
	}
	l.done("", kiosktest.ErrInjected, visitStart)
	if !l.failed() || l.val != "a" || !errors.Is(l.err, kiosktest.ErrInjected) {
		t.Fatalf("after a failure: %s %q %v", l.state, l.val, l.err)
	}
	l.start()
	if l.err == nil {
		t.Fatal("a retry forgot the failure before its answer")
	}
	l.done("b", nil, visitStart)
	if l.state != loadLoaded || l.val != "b" || l.err != nil {
		t.Fatalf("after an answer: %s %q %v", l.state, l.val, l.err)
	}
}

func TestPresenterCasesLoad(t *testing.T) {
	unsent := kiosk.SubmissionSummary{ItemName: "敬老卡申领", LocalNo: "PD-T001-20261127-0001", CreatedAt: visitStart}
	for _, tc := range []struct {
		name       string
		offline    bool
		err        error
		noService  bool
		want       loadState
		wantOnline bool
		wantUnsent int
	}{
		{name: "online", want: loadLoaded, wantOnline: true},
		{name: "offline", offline: true, want: loadLoaded, wantUnsent: 1},
		{name: "failed", err: kiosktest.ErrInjected, want: loadFailed, wantUnsent: 1},
		{name: "no service", noService: true, want: loadFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newPresenterRig(t)
			r.cases.SetOnline(!tc.offline)
			r.cases.SetError(tc.err)
			r.cases.PutUnsent(kiosktest.Resident.IDNumber, unsent)
			if tc.noService {
				r.p.opts.Cases = nil
			}
			p := r.p
			if err := p.m.Identify(visit.PurposeCases); err != nil {
				t.Fatal(err)
			}
			if err := p.m.CardRead(kiosktest.Resident); err != nil {
				t.Fatal(err)
			}
			if !tc.noService && !p.v.cases.loading() {
				t.Fatalf("identified: cases %s, want loading", p.v.cases.state)
			}
			r.jobs.settle()
			got := p.v.cases
			if got.state != tc.want || got.val.online != tc.wantOnline || len(got.val.unsent) != tc.wantUnsent {
				t.Errorf("cases %s online=%v unsent=%d, want %s online=%v unsent=%d",
					got.state, got.val.online, len(got.val.unsent), tc.want, tc.wantOnline, tc.wantUnsent)
			}
			if tc.wantOnline && len(p.snap.Cases) == 0 {
				t.Error("the cases did not reach the visit")
			}
		})
	}
}

// fieldless is an item the resident can submit without filling a form.
func fieldless(t *testing.T, p *visitPresenter) kiosk.Item {
	t.Helper()
	for _, it := range p.catalog.val.Items {
		if p.applicable(it) && len(it.Fields) == 0 {
			return it
		}
	}
	t.Fatal("the sample catalogue has no item without fields")
	return kiosk.Item{}
}

func TestPresenterGoodbyeNamesTheSubmission(t *testing.T) {
	for _, tc := range []struct {
		name        string
		offline     bool
		printErr    error
		wantTaken   visit.OutcomeStatus
		wantPrint   loadState
		wantLocal   bool // the goodbye names the local number (else the case number)
		wantPrinted bool
	}{
		{name: "sent and printed", wantTaken: visit.OutcomeSent, wantPrint: loadLoaded, wantPrinted: true},
		{name: "queued and printed", offline: true, wantTaken: visit.OutcomeQueued, wantPrint: loadLoaded, wantLocal: true, wantPrinted: true},
		{name: "sent, paper out", printErr: kiosk.ErrPaperOut, wantTaken: visit.OutcomeSent, wantPrint: loadFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newPresenterRig(t)
			r.sub.SetOnline(!tc.offline)
			r.rec.SetError(tc.printErr)
			p := r.p
			_ = p.m.Identify(visit.PurposeApply)
			_ = p.m.CardRead(kiosktest.Resident)
			if err := p.m.StartApplication(fieldless(t, p)); err != nil {
				t.Fatal(err)
			}
			if err := p.m.Review(); err != nil {
				t.Fatal(err)
			}
			p.confirm()
			if !p.v.submit.loading() {
				t.Fatalf("confirmed: submission %s, want loading", p.v.submit.state)
			}
			r.jobs.settle() // the submission, then the receipt it prints
			if p.v.submit.state != loadLoaded || p.v.receipt.print.state != tc.wantPrint {
				t.Fatalf("submission %s, print %s (%v); want loaded, %s", p.v.submit.state, p.v.receipt.print.state, p.v.receipt.print.err, tc.wantPrint)
			}
			local, caseNo := p.v.submit.val.LocalNo, p.snap.Outcome.CaseNo
			if err := p.m.Finish(); err != nil {
				t.Fatal(err)
			}
			g := p.ended
			want := caseNo
			if tc.wantLocal {
				want = local
			}
			if g.taken != tc.wantTaken || g.no != want || want == "" || g.printed != tc.wantPrinted {
				t.Errorf("goodbye %+v, want taken %v no %q printed %v", g, tc.wantTaken, want, tc.wantPrinted)
			}
			if !p.v.submit.idle() || !p.v.receipt.print.idle() {
				t.Errorf("the ended visit's data stayed: %+v", *p.v)
			}
		})
	}
}

func TestPresenterCardState(t *testing.T) {
	r := newPresenterRig(t)
	p := r.p
	_ = p.m.Identify(visit.PurposeCases)
	p.cardReading()
	if p.v.card.phase != cardReading || p.v.card.refused() != "" {
		t.Fatalf("reading: %+v", p.v.card)
	}
	p.cardPresent(kiosktest.Expired, true)
	if got := p.v.card.refused(); got != "identify.expired" {
		t.Fatalf("expired card: %+v", p.v.card)
	}
	p.touched(true) // the identify screen says why itself: a touch keeps it
	if p.v.card.refused() == "" {
		t.Fatal("a touch on the identify screen dropped the notice")
	}
	if p.cardGone(true) || p.v.card.refused() == "" {
		t.Fatal("taking the card away dropped the identify screen's notice")
	}
	p.touched(false)
	if p.v.card.phase != cardNone {
		t.Fatalf("a touch elsewhere kept the notice: %+v", p.v.card)
	}
	p.cardReading()
	p.cardUnreadable()
	if got := p.v.card.refused(); got != "identify.unreadable" {
		t.Fatalf("unreadable card: %+v", p.v.card)
	}
	if !p.cardGone(false) || p.v.card.phase != cardNone {
		t.Fatalf("taking the card away elsewhere kept the notice: %+v", p.v.card)
	}
}

// TestOneDoorToTheUIGoroutine: every UI update from another goroutine goes
// through post; fyne.Do is called in that one place.
func TestOneDoorToTheUIGoroutine(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	door := "fyne." + "Do(" // spelt apart, so that a grep for it finds post.go alone
	var at []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, door) || strings.Contains(line, "DoFromGoroutine(") {
				at = append(at, fmt.Sprintf("%s:%d", f, i+1))
			}
		}
	}
	if len(at) != 1 || !strings.HasPrefix(at[0], "post.go:") {
		t.Errorf("fyne.Do is called at %q, want once, in post.go", at)
	}
}
