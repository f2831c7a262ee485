package intakesim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/kiosk/intake"
)

func TestFaultsDeterministic(t *testing.T) {
	t.Parallel()
	sequence := func(seed uint64) string {
		f := start(t, func(o *Options) {
			o.Seed = seed
			o.Faults = Faults{Error500: 0.3, TooMany429: 0.2, Unavailable503: 0.1}
		})
		var b strings.Builder
		for i := 0; i < 40; i++ {
			status, _, _ := f.raw(t, "GET", "/v1/catalog", map[string]string{"If-None-Match": "*"}, nil)
			fmt.Fprintf(&b, "%d ", status)
		}
		return b.String()
	}
	a, b, c := sequence(42), sequence(42), sequence(43)
	if a != b {
		t.Errorf("same seed, different faults:\n%s\n%s", a, b)
	}
	if a == c {
		t.Errorf("different seeds, same faults: %s", a)
	}
	for _, want := range []string{"500", "429", "503", "304"} {
		if !strings.Contains(a, want) {
			t.Errorf("sequence %s lacks %s", a, want)
		}
	}
}

func TestEachFault(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		faults Faults
		check  func(t *testing.T, err error)
	}{
		{"500", Faults{Error500: 1}, func(t *testing.T, err error) {
			var e *intake.Error
			if !errors.As(err, &e) || e.Status != 500 || intake.IsFinal(err) {
				t.Errorf("err = %v", err)
			}
		}},
		{"503", Faults{Unavailable503: 1, RetryAfterSeconds: 3}, func(t *testing.T, err error) {
			if intake.RetryAfter(err) != 3*time.Second || intake.IsFinal(err) {
				t.Errorf("err = %v, retry after %v", err, intake.RetryAfter(err))
			}
		}},
		{"429", Faults{TooMany429: 1}, func(t *testing.T, err error) {
			if intake.RetryAfter(err) != time.Second || intake.IsFinal(err) {
				t.Errorf("err = %v, retry after %v", err, intake.RetryAfter(err))
			}
		}},
		{"reset", Faults{Reset: 1}, func(t *testing.T, err error) {
			if !errors.Is(err, intake.ErrTransport) || intake.IsFinal(err) {
				t.Errorf("err = %v", err)
			}
		}},
		{"timeout", Faults{Timeout: 1, HoldMillis: 5000}, func(t *testing.T, err error) {
			var e *intake.Error
			if !errors.As(err, &e) || e.Code != "timeout" || intake.IsFinal(err) {
				t.Errorf("err = %v", err)
			}
		}},
		{"slow body within timeout", Faults{SlowBody: 1, SlowMillis: 100}, func(t *testing.T, err error) {
			if err != nil {
				t.Errorf("err = %v", err)
			}
		}},
		{"slow body past timeout", Faults{SlowBody: 1, SlowMillis: 5000}, func(t *testing.T, err error) {
			if err == nil || intake.IsFinal(err) {
				t.Errorf("err = %v", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := start(t, func(o *Options) { o.Faults = tt.faults })
			timeout := 800 * time.Millisecond
			if tt.name == "slow body within timeout" {
				timeout = 20 * time.Second // generous: the box may be busy
			}
			c := f.newClient(t, "PD-T01", "tok-1", timeout)
			sub := sampleSub("MZ-0101")
			_, _, err := c.Submit(context.Background(), sub)
			tt.check(t, err)
			_, stored, _ := f.srv.LookupSubmission(context.Background(), sub.ID)
			if (err == nil) != stored && !strings.HasPrefix(tt.name, "slow body") {
				t.Errorf("stored = %v with err %v", stored, err)
			}
			if got := f.srv.Stats().FaultsApplied; got != 1 {
				t.Errorf("faults applied %d", got)
			}
			// Paused counts the answers that asked the client to wait.
			wantPaused := int64(0)
			if tt.name == "503" || tt.name == "429" {
				wantPaused = 1
			}
			if got := f.srv.Stats().Paused; got != wantPaused {
				t.Errorf("paused %d, want %d", got, wantPaused)
			}
		})
	}
}

func TestCommitThenDrop(t *testing.T) {
	t.Parallel()
	f := start(t, func(o *Options) { o.Faults = Faults{CommitDrop: 1} })
	ctx := context.Background()
	sub := sampleSub("MZ-0101")
	_, _, err := f.client.Submit(ctx, sub)
	if err == nil || intake.IsFinal(err) {
		t.Fatalf("dropped answer: %v", err)
	}
	caseNo, found, err := f.srv.LookupSubmission(ctx, sub.ID)
	if err != nil || !found {
		t.Fatalf("not committed: %v", err)
	}
	if f.srv.Stats().CommitDrops != 1 {
		t.Errorf("stats %+v", f.srv.Stats())
	}
	if err := f.srv.SetFaults(Faults{}); err != nil {
		t.Fatal(err)
	}
	acc, replayed, err := f.client.Submit(ctx, sub)
	if err != nil || !replayed || acc.CaseNo != caseNo {
		t.Fatalf("retry: %+v %v %v", acc, replayed, err)
	}
	if n, _ := f.srv.CountSubmissions(ctx); n != 1 {
		t.Errorf("%d cases, want exactly 1", n)
	}
}

func TestFaultValidation(t *testing.T) {
	t.Parallel()
	for _, fl := range []Faults{{Error500: -0.1}, {Reset: 1.5}, {Error500: 0.6, Timeout: 0.5}, {HoldMillis: -1}} {
		if _, err := New(Options{DataDir: t.TempDir(), Terminals: map[string]string{"a": "b"}, Faults: fl}); !errors.Is(err, ErrOptions) {
			t.Errorf("New with %+v: %v", fl, err)
		}
	}
	for _, o := range []Options{{Terminals: map[string]string{"a": "b"}}, {DataDir: t.TempDir()}, {DataDir: t.TempDir(), Terminals: map[string]string{"a": ""}}} {
		if _, err := New(o); !errors.Is(err, ErrOptions) {
			t.Errorf("New(%+v): %v", o, err)
		}
	}
}

func TestAdminHandler(t *testing.T) {
	t.Parallel()
	f := start(t)
	do := func(method, path, body string) (int, []byte) {
		req, _ := http.NewRequest(method, f.admin+path, strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	if st, _ := do("PUT", "/faults", `{"error_500":2}`); st != 422 {
		t.Errorf("share 2: %d", st)
	}
	if st, _ := do("PUT", "/faults", `{"error_5000":0.1}`); st != 400 {
		t.Errorf("unknown member: %d", st)
	}
	if st, _ := do("PUT", "/faults", `{"unavailable_503":1,"retry_after_seconds":9}`); st != 200 {
		t.Errorf("set: %d", st)
	}
	if got := f.srv.Faults(); got.Unavailable503 != 1 || got.RetryAfterSeconds != 9 {
		t.Errorf("faults %+v", got)
	}
	_, err := f.client.UploadAudit(context.Background(), nil)
	if intake.RetryAfter(err) != 9*time.Second {
		t.Errorf("after admin set: %v", err)
	}
	if st, _ := do("PATCH", "/faults", `{"reset":0.25}`); st != 422 {
		t.Errorf("patch over a full share: %d", st)
	}
	if got := f.srv.Faults(); got.Unavailable503 != 1 || got.Reset != 0 || got.RetryAfterSeconds != 9 {
		t.Errorf("patch over a full share accepted: %+v", got)
	}
	if st, _ := do("PATCH", "/faults", `{"unavailable_503":0.5,"reset":0.25}`); st != 200 {
		t.Errorf("patch: %d", st)
	}
	if got := f.srv.Faults(); got.Unavailable503 != 0.5 || got.Reset != 0.25 || got.RetryAfterSeconds != 9 {
		t.Errorf("after patch: %+v", got)
	}
	if st, _ := do("PUT", "/faults", `{}`); st != 200 {
		t.Errorf("clear: %d", st)
	}
	if st, b := do("GET", "/stats", ""); st != 200 || !bytes.Contains(b, []byte(`"faults_applied":1`)) {
		t.Errorf("stats: %d %s", st, b)
	}
	if st, _ := do("POST", "/commands", `{"terminal_id":"PD-T01","type":"upload_audit"}`); st != 200 {
		t.Errorf("command: %d", st)
	}
	rep, err := f.client.Heartbeat(context.Background(), intake.Heartbeat{AppVersion: "1", StartedAt: time.Now()})
	if err != nil || len(rep.Commands) != 1 || rep.Commands[0].Type != intake.CommandUploadAudit {
		t.Errorf("heartbeat after command: %+v %v", rep, err)
	}
	if st, b := do("POST", "/catalog/bump", ""); st != 200 || !bytes.Contains(b, []byte("version")) {
		t.Errorf("bump: %d %s", st, b)
	}
	sub := sampleSub("MZ-0101")
	acc, _, err := f.client.Submit(context.Background(), sub)
	if err != nil {
		t.Fatal(err)
	}
	st, b := do("GET", "/submissions/"+sub.ID, "")
	var found struct {
		Found  bool   `json:"found"`
		CaseNo string `json:"case_no"`
	}
	if st != 200 || json.Unmarshal(b, &found) != nil || !found.Found || found.CaseNo != acc.CaseNo {
		t.Errorf("lookup: %d %s", st, b)
	}
	if st, _ := do("GET", "/healthz", ""); st != 200 {
		t.Errorf("healthz %d", st)
	}
}

func TestRestartKeepsState(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	opts := Options{DataDir: dir, Terminals: map[string]string{"PD-T01": "tok-1"}}
	s1, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	api, _, err := s1.Start("127.0.0.1:0", "")
	if err != nil {
		t.Fatal(err)
	}
	c, _ := intake.New(intake.Config{BaseURL: api, TerminalID: "PD-T01", Token: "tok-1"})
	sub := sampleSub("MZ-0101")
	sub.CreatedAt = time.Now()
	acc, _, err := c.Submit(context.Background(), sub)
	if err != nil {
		t.Fatal(err)
	}
	s1.Close()
	if _, _, err := s1.Start("127.0.0.1:0", ""); !errors.Is(err, ErrClosed) {
		t.Errorf("Start after Close: %v", err)
	}
	s2, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	no, found, err := s2.LookupSubmission(context.Background(), sub.ID)
	if err != nil || !found || no != acc.CaseNo {
		t.Fatalf("after restart: %q %v %v", no, found, err)
	}
	if len(s2.Catalog().Items) != len(s1.Catalog().Items) {
		t.Error("catalogue changed on restart")
	}
}
