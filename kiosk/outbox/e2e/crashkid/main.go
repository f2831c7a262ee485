// Command crashkid is the child process of the crash-safety test: built
// from the terminal's own store, intake and outbox packages, it enqueues
// submissions and syncs them, printing "confirmed <id>" only after Enqueue
// returned. The test kills it with SIGKILL at a random moment.
//
//	crashkid -db FILE -key FILE -url URL -token T -terminal ID -n N
//
// With -n 0 it only drains the outbox until nothing is pending, then exits
// 0; while it drains it prints "progress pending=N parked=M" twice a
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
	"github.com/pudong-community/kiosk/kiosk/intake"
	"github.com/pudong-community/kiosk/kiosk/outbox"
	"github.com/pudong-community/kiosk/kiosk/outbox/e2e"
	"github.com/pudong-community/kiosk/kiosk/store"
)

func main() {
	os.Exit(run())
}

func run() int {
	dbPath := flag.String("db", "", "terminal database")
	keyPath := flag.String("key", "", "sealing key file")
	url := flag.String("url", "", "intake API base URL")
	token := flag.String("token", "", "bearer token")
	terminal := flag.String("terminal", "", "terminal id")
	catFile := flag.String("catalog", "", "catalogue JSON to pick items from")
	n := flag.Int("n", 0, "submissions to make (0: drain only)")
	first := flag.Int("first", 0, "serial of the first test resident")
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

	st, err := store.Open(ctx, *dbPath, store.Options{})
	if err != nil {
		return fail("%v", err)
	}
	defer st.Close()
	key, err := store.LoadOrCreateKey(*keyPath)
	if err != nil {
		return fail("%v", err)
	}
	sealer, err := store.NewSealer(key)
	if err != nil {
		return fail("%v", err)
	}
	ob, err := store.NewOutbox(st, sealer, store.OutboxOptions{TerminalID: *terminal, MinFreeBytes: -1, ClaimTTL: 2 * time.Second})
	if err != nil {
		return fail("%v", err)
	}
	client, err := intake.New(intake.Config{BaseURL: *url, TerminalID: *terminal, Token: *token, Timeout: 5 * time.Second})
	if err != nil {
		return fail("%v", err)
	}
	defer client.Close()
	relay, err := outbox.New(outbox.Config{Store: st, Outbox: ob, API: client, MaxInFlight: 4,
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
		Backoff: outbox.Backoff{Base: 50 * time.Millisecond, Cap: time.Second, Min: 10 * time.Millisecond},
		Idle:    100 * time.Millisecond, Heartbeat: time.Hour, CatalogRefresh: time.Hour})
	if err != nil {
		return fail("%v", err)
	}

	if *n == 0 {
		report := func() {
			if c, err := ob.Counts(ctx); err == nil {
				fmt.Printf("progress pending=%d parked=%d\n", c.Pending, c.Parked)
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
			c, err := ob.Counts(ctx)
			if err != nil {
				return fail("%v", err)
			}
			if c.Pending == 0 {
				fmt.Printf("drained parked=%d\n", c.Parked)
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
	go relay.Run(ctx)
	fmt.Println("ready")
	for i := 0; i < *n; i++ {
		s := e2e.MakeSubmission(*terminal, cat.Version, items[i%len(items)], *first+i)
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
		c, err := ob.Counts(ctx)
		if err == nil && c.Pending == 0 {
			fmt.Println("done")
			return 0
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fail("not drained before the deadline")
}
