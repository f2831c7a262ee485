// Command crashkid is the child process of the crash-safety test: it
// starts the terminal through terminal.Open, as the terminal itself starts
// (the outbox resumes the claims of a killed run), enqueues submissions and
// syncs them, printing "confirmed <id>" only after Enqueue returned. The
// test kills it with SIGKILL at a random moment.
//
//	crashkid -data DIR -url URL -token T -terminal ID -n N
//
// With -ratings R it also rates R times through the terminal's rating
// service, printing "rated <id>" only after Rate returned nil.
//
// With -n 0 it only drains the outbox (submissions and ratings) until
// nothing is pending, then exits 0; while it drains it prints "progress pending=N parked=M" twice a
// second, for the test to tell a slow drain from a stalled one.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/config"
	"github.com/pudong-community/kiosk/kiosk/outbox"
	"github.com/pudong-community/kiosk/kiosk/outbox/e2e"
	"github.com/pudong-community/kiosk/kiosk/terminal"
)

func main() {
	os.Exit(run())
}

func run() int {
	dataDir := flag.String("data", "", "data directory (database and sealing key)")
	url := flag.String("url", "", "intake API base URL")
	token := flag.String("token", "", "bearer token")
	terminalID := flag.String("terminal", "", "terminal id")
	catFile := flag.String("catalog", "", "catalogue JSON to pick items from")
	n := flag.Int("n", 0, "submissions to make (0: drain only)")
	first := flag.Int("first", 0, "serial of the first test resident")
	ratings := flag.Int("ratings", 0, "ratings to make besides the submissions")
	deadline := flag.Duration("deadline", 2*time.Minute, "give up after this long (0: never; the test watches the progress)")
	flag.Parse()
	fail := func(format string, a ...any) int {
		fmt.Fprintf(os.Stderr, "crashkid: "+format+"\n", a...)
		return 1
	}
	ctx, cancel := context.WithCancel(context.Background())
	if *deadline > 0 {
		ctx, cancel = context.WithTimeout(context.Background(), *deadline)
	}
	defer cancel()

	cfg := config.Default()
	cfg.Terminal.ID = *terminalID
	cfg.Terminal.DataDir = *dataDir
	cfg.API.BaseURL, cfg.API.Token = *url, *token
	cfg.API.Timeout = config.Duration{Duration: 5 * time.Second}
	cfg.Sync.MaxInFlight = 4
	cfg.Sync.Heartbeat = config.Duration{Duration: time.Hour}
	cfg.Sync.CatalogRefresh = config.Duration{Duration: time.Hour}
	cfg.IDCard.Port, cfg.Printer.Port = "", "" // no devices: not configured
	t, err := terminal.Open(ctx, cfg, terminal.Deps{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Tuning: terminal.Tuning{MinFreeBytes: -1, ClaimTTL: 2 * time.Second,
			Backoff: outbox.Backoff{Base: 50 * time.Millisecond, Cap: time.Second, Min: 10 * time.Millisecond},
			Idle:    100 * time.Millisecond},
	})
	if err != nil {
		return fail("%v", err)
	}
	defer t.Close()
	ob, relay, rq := t.Outbox(), t.Relay(), t.RatingQueue()
	pending := func() (int, int, error) {
		c, err := ob.Counts(ctx)
		if err != nil {
			return 0, 0, err
		}
		rc, err := rq.Counts(ctx)
		if err != nil {
			return 0, 0, err
		}
		return c.Pending + rc.Pending, c.Parked + rc.Parked, nil
	}

	if *n == 0 {
		report := func() {
			if p, k, err := pending(); err == nil {
				fmt.Printf("progress pending=%d parked=%d\n", p, k)
			}
		}
		report()
		go func() {
			tick := time.NewTicker(500 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
					report()
				}
			}
		}()
		for {
			rep, err := relay.DrainOnce(ctx)
			if err != nil {
				return fail("drain: %v", err)
			}
			p, k, err := pending()
			if err != nil {
				return fail("%v", err)
			}
			if p == 0 {
				fmt.Printf("drained parked=%d\n", k)
				return 0
			}
			if rep.Delivered == 0 {
				time.Sleep(200 * time.Millisecond) // claims of the killed child expire
			}
		}
	}

	b, err := os.ReadFile(*catFile)
	if err != nil {
		return fail("%v", err)
	}
	var cat kiosk.Catalog
	if err := json.Unmarshal(b, &cat); err != nil {
		return fail("catalogue: %v", err)
	}
	items := e2e.SelfService(cat)
	if len(items) == 0 {
		return fail("no self-service item in the catalogue")
	}
	go t.Run(ctx)
	fmt.Println("ready")
	rs := t.Ratings()
	if *ratings > 0 && rs == nil {
		return fail("the terminal has no rating service")
	}
	for i := 0; i < *ratings; i++ {
		r := kiosk.Rating{ID: kiosk.NewSubmissionID(), Service: kiosk.RateTicket, TicketNo: fmt.Sprintf("A%03d", i%1000), Level: 1 + i%5}
		if r.Level <= 2 {
			r.Reasons = []string{"efficiency"}
		}
		if err := rs.Rate(ctx, r); err != nil {
			return fail("rate: %v", err)
		}
		// Only now may the resident be thanked.
		fmt.Printf("rated %s\n", r.ID)
		time.Sleep(time.Duration(rand.IntN(5)) * time.Millisecond)
	}
	for i := 0; i < *n; i++ {
		s := e2e.MakeSubmission(*terminalID, cat.Version, items[i%len(items)], *first+i)
		q, err := ob.Enqueue(ctx, s)
		if err != nil {
			return fail("enqueue: %v", err)
		}
		// Only now may the resident be told.
		fmt.Printf("confirmed %s\n", q.ID)
		relay.Notify()
		time.Sleep(time.Duration(rand.IntN(5)) * time.Millisecond)
	}
	for ctx.Err() == nil {
		if p, _, err := pending(); err == nil && p == 0 {
			fmt.Println("done")
			return 0
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fail("not drained before the deadline")
}
