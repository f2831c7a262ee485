package backend

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/intake"
	"github.com/pudong-community/kiosk/kiosk/intake/intakesim"
	"github.com/pudong-community/kiosk/kiosk/kiosktest"
	"github.com/pudong-community/kiosk/kiosk/store"
)

// simRig is the v1.1 services over the real client and the development
// server, with a switch that lets the server do a request and then drops
// its answer (the connection closes before a byte of it is sent).
type simRig struct {
	b    *Backend
	sim  *intakesim.Server
	api  *intake.Client
	drop map[string]*atomic.Int32 // "METHOD /path" -> answers still to drop
}

func newSimRig(t *testing.T) *simRig {
	t.Helper()
	sim, err := intakesim.New(intakesim.Options{DataDir: t.TempDir(), Terminals: map[string]string{terminalID: token}, Seed: 3,
		CenterMode: intakesim.ModeOpen})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	r := &simRig{sim: sim, drop: map[string]*atomic.Int32{"POST /v1/appointments": {}, "POST /v1/tickets": {}}}
	h := sim.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if n := r.drop[req.Method+" "+req.URL.Path]; n != nil && n.Load() > 0 {
			n.Add(-1)
			h.ServeHTTP(httptest.NewRecorder(), req) // done at the server ...
			if hj, ok := w.(http.Hijacker); ok {     // ... the answer lost
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
	t.Cleanup(func() { client.Close() })
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "kiosk.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r.api, r.b = client, &Backend{Store: st, Link: &link{}}
	return r
}

// counterOf is the item's counter category, as the catalogue names it.
func counterOf(it kiosk.Item) string {
	if it.CounterCategory != "" {
		return it.CounterCategory
	}
	return kiosk.CounterGeneral
}

// A booking the central system made but whose answer was lost is not made
// twice: the next tap goes under the same appointment id and gets the
// booking back.
func TestBookLostAnswerAgainstTheServer(t *testing.T) {
	r := newSimRig(t)
	ctx := context.Background()
	as := r.b.AppointmentService(r.api)
	var item kiosk.Item
	for _, it := range r.sim.Catalog().Items {
		if it.Eligibility.Allows(kiosktest.Resident, time.Now()) {
			item = it
			break
		}
	}
	slots, err := as.Slots(ctx, counterOf(item), time.Now(), time.Now().AddDate(0, 0, 13))
	if err != nil || len(slots) == 0 {
		t.Fatalf("slots: %d, %v", len(slots), err)
	}
	var slot kiosk.Slot
	for _, s := range slots {
		if s.Remaining > 0 {
			slot = s
			break
		}
	}
	req := kiosk.AppointmentRequest{SlotID: slot.ID, ItemCode: item.Code, Applicant: kiosktest.Resident, Phone: "13800138000"}
	// Lost answers (Go's transport itself repeats a request with an
	// Idempotency-Key once on a reused connection: both are lost).
	r.drop["POST /v1/appointments"].Store(2)
	if _, err := as.Book(ctx, req); !errors.Is(err, kiosk.ErrOffline) {
		t.Fatalf("lost answer: %v", err)
	}
	r.drop["POST /v1/appointments"].Store(0)
	a, err := as.Book(ctx, req)
	if err != nil || a.No == "" {
		t.Fatalf("the retry: %+v, %v", a, err)
	}
	list, err := as.Appointments(ctx, kiosktest.Resident)
	if err != nil {
		t.Fatal(err)
	}
	booked := 0
	for _, x := range list {
		if x.Status == "booked" {
			booked++
			if x.No != a.No {
				t.Errorf("another booking %s besides %s", x.No, a.No)
			}
		}
	}
	if booked != 1 {
		t.Fatalf("%d bookings after a lost answer and a retry, want 1: %+v", booked, list)
	}
	// Cancelled, it is gone from the list; cancelling again is no error.
	if err := as.Cancel(ctx, a.No, kiosktest.Resident); err != nil {
		t.Fatal(err)
	}
	if err := as.Cancel(ctx, a.No, kiosktest.Resident); err != nil {
		t.Fatalf("cancelling twice: %v", err)
	}
	if err := as.Cancel(ctx, "NOPE-0000", kiosktest.Resident); !errors.Is(err, kiosk.ErrNoSuchAppointment) {
		t.Fatalf("cancelling another's: %v", err)
	}
}

// A ticket issued whose answer was lost is answered again on the next tap,
// not issued twice; the centre's data comes with its hours.
func TestTicketLostAnswerAgainstTheServer(t *testing.T) {
	r := newSimRig(t)
	ctx := context.Background()
	cs := r.b.CenterService(r.api)
	c, fresh, err := cs.Center(ctx)
	if err != nil || !fresh || len(c.Hours) == 0 || c.Hotline == "" {
		t.Fatalf("centre: %+v %v %v", c, fresh, err)
	}
	req := kiosk.TicketRequest{Category: kiosk.CounterGeneral, Reason: kiosk.TicketResidentChoice}
	before, err := cs.Queue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r.drop["POST /v1/tickets"].Store(2)
	if _, err := cs.TakeTicket(ctx, req); !errors.Is(err, kiosk.ErrOffline) {
		t.Fatalf("lost answer: %v", err)
	}
	r.drop["POST /v1/tickets"].Store(0)
	tk, err := cs.TakeTicket(ctx, req)
	if err != nil || tk.TicketNo == "" {
		t.Fatalf("retry: %+v %v", tk, err)
	}
	tk2, err := cs.TakeTicket(ctx, req) // answered: a new ticket
	if err != nil || tk2.TicketNo == tk.TicketNo {
		t.Fatalf("a second ticket: %+v %v", tk2, err)
	}
	waiting := func(q *kiosk.QueueState) int {
		for _, c := range q.Categories {
			if c.Category == kiosk.CounterGeneral {
				return c.Waiting
			}
		}
		return -1
	}
	after, err := cs.Queue(ctx) // the cache was dropped when a ticket was issued
	if err != nil {
		t.Fatal(err)
	}
	if got, was := waiting(after), waiting(before); got > was+2 {
		t.Fatalf("waiting %d after two tickets (was %d): one was issued twice", got, was)
	}
}

// A ticket's or a booking's status_url becomes a QR code only on an allowed
// host (as a case's track_url): the development server's own pages are not
// on the list here, so the QR codes carry the numbers instead.
func TestStatusURLOnlyFromAllowedHosts(t *testing.T) {
	r := newSimRig(t)
	var log bytes.Buffer
	r.b.Logger = slog.New(slog.NewTextHandler(&log, nil))
	ctx := context.Background()
	tk, err := r.b.CenterService(r.api).TakeTicket(ctx, kiosk.TicketRequest{Category: kiosk.CounterGeneral, Reason: kiosk.TicketResidentChoice})
	if err != nil {
		t.Fatal(err)
	}
	if tk.StatusURL != "" {
		t.Errorf("ticket status_url %q of a host not allowed kept", tk.StatusURL)
	}
	if !strings.Contains(log.String(), "status page refused") || !strings.Contains(log.String(), tk.TicketNo) {
		t.Errorf("refusal not logged: %s", log.String())
	}
	r.b.TrackHosts = []string{"ywtb.pudong.example"}
	for raw, want := range map[string]string{
		"https://ywtb.pudong.example/ticket/A023": "https://ywtb.pudong.example/ticket/A023",
		"https://evil.example/ticket/A023":        "",
		"javascript:alert(1)":                     "",
	} {
		if got := r.b.statusURL("ticket A023", raw); got != want {
			t.Errorf("statusURL(%q) = %q, want %q", raw, got, want)
		}
	}
}
