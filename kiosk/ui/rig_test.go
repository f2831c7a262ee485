package ui

import (
	"context"
	"image"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/kiosktest"
	"github.com/pudong-community/kiosk/kiosk/receipt"
	"github.com/pudong-community/kiosk/kiosk/visit"
	"github.com/pudong-community/kiosk/kiosk/visit/visittest"
)

// qrEncoder is the real QR encoder the terminal wires (go-qrcode), here
// for the tests only: kiosk/ui itself never imports it.
type qrEncoder struct{}

func (qrEncoder) QR(payload string, px int) (image.Image, error) {
	q, err := qrcode.New(payload, qrcode.Medium)
	if err != nil {
		return nil, err
	}
	return q.Image(px), nil
}

// renderReceipt draws a receipt with the real receipt package, the way cmd
// wires it (receipt.FromData, then the picture at 58 mm paper's width).
func renderReceipt(d kiosk.ReceiptData) (image.Image, error) {
	r, err := receipt.FromData(d)
	if err != nil {
		return nil, err
	}
	return receipt.Image(r, 384)
}

var visitStart = time.Date(2026, 11, 27, 9, 30, 0, 0, time.FixedZone("CST", 8*3600))

// rig is a terminal under test: the real visit machine on a manual clock,
// the fakes behind it, and the Fyne test driver.
type rig struct {
	t     testing.TB
	a     *App
	w     fyne.Window
	clk   *visittest.Clock
	cat   *kiosktest.Catalog
	cases *kiosktest.Cases
	sub   *kiosktest.Submitter
	rec   *kiosktest.Receipts
	posts chan func()
}

func newRig(t testing.TB, size fyne.Size) *rig {
	t.Helper()
	return newRigWith(t, size, nil)
}

// newRigWith is newRig with opt changing the options first (the v1.1
// services, another clock).
func newRigWith(t testing.TB, size fyne.Size, opt func(*Options)) *rig {
	t.Helper()
	fa := test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	w.Resize(size)
	r := &rig{t: t, w: w, clk: visittest.NewClock(visitStart)}
	c := kiosktest.SampleCatalog()
	r.cat = kiosktest.NewCatalog(c, kiosktest.SampleInitials)
	r.cases = kiosktest.NewCases()
	r.cases.Put(kiosktest.Resident.IDNumber, kiosktest.SampleCases(visitStart)...)
	r.sub = kiosktest.NewSubmitter(c.Calendar, r.clk.Now)
	r.rec = kiosktest.NewReceipts(renderReceipt)
	opts := Options{
		CenterName: "浦东新区花木街道社区事务受理服务中心", CenterNameEN: "Huamu Community Affairs Service Center",
		TerminalID: "PD-T001", Now: fixedNow,
		Visit:   visit.Config{Clock: r.clk},
		Catalog: r.cat, Cases: r.cases, Submit: r.sub, Receipts: r.rec, QR: qrEncoder{},
		Characters: kiosktest.SampleCharacters,
		GuideHosts: []string{"zwfw.example.gov.cn"},
	}
	if opt != nil {
		opt(&opts)
	}
	r.a = New(fa, w, opts)
	// Results of service calls run on the test goroutine, in settle, as
	// the real driver runs them on its one UI goroutine.
	r.posts = make(chan func(), 1024)
	r.a.jobs.post = func(f func()) { r.posts <- f }
	t.Cleanup(r.a.Close)
	w.Resize(size)
	r.a.visit.loadCatalog(false)
	r.settle()
	return r
}

// settle waits for the service calls in flight.
func (r *rig) settle() {
	for {
		r.a.jobs.wait()
		select {
		case f := <-r.posts:
			f()
		default:
			return
		}
	}
}

// find returns the tappable named name on the screen.
func (r *rig) find(name string) fyne.Tappable {
	var found fyne.Tappable
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if found != nil || o == nil {
			return
		}
		switch v := o.(type) {
		case *button:
			if v.name == name {
				found = v
			}
			return
		case *tile:
			if v.name == name {
				found = v
			}
			return
		case *barButton:
			if v.name == name {
				found = v
			}
			return
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
	walk(r.w.Content())
	return found
}

// tap taps the named button and waits for what it started.
func (r *rig) tap(name string) {
	r.t.Helper()
	b := r.find(name)
	if b == nil {
		r.t.Fatalf("no %q on screen %s (state %s); texts: %q", name, r.a.Current().Name(), r.a.visit.snap.State, texts(r.w))
	}
	if bt, ok := b.(*button); ok && bt.disabled {
		r.t.Fatalf("%q is disabled on screen %s", name, r.a.Current().Name())
	}
	test.Tap(b)
	r.settle()
}

// keys taps a keypad key per character.
func (r *rig) keys(s string) {
	r.t.Helper()
	for _, c := range s {
		r.tap("key:" + string(c))
	}
}

func (r *rig) want(screen string) {
	r.t.Helper()
	if got := r.a.Current().Name(); got != screen {
		r.t.Fatalf("on screen %s (state %s), want %s; texts: %q", got, r.a.visit.snap.State, screen, texts(r.w))
	}
}

func (r *rig) wantText(ss ...string) {
	r.t.Helper()
	for _, s := range ss {
		if !hasText(r.w, s) {
			r.t.Errorf("screen %s lacks %q; has %q", r.a.Current().Name(), s, texts(r.w))
		}
	}
}

func (r *rig) wantNoText(ss ...string) {
	r.t.Helper()
	all := strings.Join(texts(r.w), "\n")
	for _, s := range ss {
		if strings.Contains(all, s) {
			r.t.Errorf("screen %s shows %q", r.a.Current().Name(), s)
		}
	}
}

// card places a card on the reader.
func (r *rig) card(p kiosk.Person) {
	r.a.CardReading()
	r.a.CardPresent(p, false, 0)
	r.settle()
}

// takeCard: the visit ended with its card on the reader: the take-your-card
// screen shows until the card is taken, then the goodbye.
func (r *rig) takeCard() {
	r.t.Helper()
	r.want("takecard")
	r.a.CardRemoved()
	r.settle()
	r.want("ended")
}

var _ = widget.NewLabel // keep the widget import for helpers below
var _ = context.Background
