package outbox

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/kiosk/intake"
)

func TestProbe(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t, nil)
	gen := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	r.srv.catalog, r.srv.catETag = testCatalog("v1", gen), `"e1"`
	if err := r.relay.refreshCatalog(ctx); err != nil {
		t.Fatal(err)
	}
	r.enqueue(t, 2)
	dates := &DateRecorder{Next: http.DefaultTransport, Now: func() time.Time { return time.Now().Add(-90 * time.Second) }}
	client, err := intake.New(intake.Config{BaseURL: r.srv.URL, TerminalID: "PD-T-0001", Token: "tok", Transport: dates})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Probe(ctx, ProbeOptions{API: client, Store: r.st, Outbox: r.ob, Dates: dates})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Reachable || rep.TokenValid == nil || !*rep.TokenValid || rep.Catalog.Version != "v1" || rep.Catalog.Current == nil ||
		!*rep.Catalog.Current || rep.Outbox.Pending != 2 || rep.Outbox.OldestPendingAt == nil || rep.ClockSkewMS == nil {
		b, _ := json.Marshal(rep)
		t.Fatalf("report %s", b)
	}
	if s := *rep.ClockSkewMS; s < 88_000 || s > 92_000 {
		t.Fatalf("skew %d ms, want about 90 s", s)
	}

	bad, _ := intake.New(intake.Config{BaseURL: r.srv.URL, TerminalID: "PD-T-0001", Token: "wrong"})
	rep, _ = Probe(ctx, ProbeOptions{API: bad, Store: r.st, Outbox: r.ob})
	if !rep.Reachable || rep.TokenValid == nil || *rep.TokenValid || !strings.Contains(rep.Error, "401") {
		t.Fatalf("wrong token: %+v", rep)
	}
	r.srv.Close()
	rep, _ = Probe(ctx, ProbeOptions{API: client, Store: r.st, Outbox: r.ob})
	if rep.Reachable || rep.TokenValid != nil || rep.Error == "" {
		t.Fatalf("server down: %+v", rep)
	}
}
