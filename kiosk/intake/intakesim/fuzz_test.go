package intakesim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// postPaths are every POST endpoint.
var postPaths = []string{"/v1/submissions", "/v1/cases/query", "/v1/terminals/PD-T01/heartbeat", "/v1/audit",
	"/v1/tickets", "/v1/appointments", "/v1/appointments/query", "/v1/appointments/cancel", "/v1/ratings", "/v1/assistance"}

// setKey sends the body's own id, if it has one, as Idempotency-Key.
func setKey(req *http.Request, body []byte) {
	var head map[string]any
	if json.Unmarshal(body, &head) != nil {
		return
	}
	for _, k := range []string{"submission_id", "ticket_id", "appointment_id", "rating_id", "request_id"} {
		if id, ok := head[k].(string); ok && id != "" {
			req.Header.Set("Idempotency-Key", id)
			return
		}
	}
}

// FuzzHandlers sends arbitrary bodies to every POST endpoint: the server
// never answers 5xx, never panics, and always answers JSON of the contract.
func FuzzHandlers(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		for ep := uint8(0); ep < uint8(len(postPaths)); ep++ {
			f.Add(ep, b)
		}
	}
	srv, err := New(Options{DataDir: f.TempDir(), Terminals: map[string]string{"PD-T01": "tok-1"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { srv.Close() })
	h := srv.Handler()
	allowed := map[int]bool{200: true, 201: true, 400: true, 404: true, 409: true, 413: true, 422: true}
	f.Fuzz(func(t *testing.T, ep uint8, body []byte) {
		req := httptest.NewRequest("POST", postPaths[int(ep)%len(postPaths)], bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer tok-1")
		req.Header.Set("X-Terminal-Id", "PD-T01")
		req.Header.Set("Content-Type", "application/json")
		setKey(req, body)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if !allowed[rec.Code] {
			t.Fatalf("%s answered %d: %s", req.URL.Path, rec.Code, rec.Body)
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("answer is not JSON: %q", rec.Body)
		}
		if (strings.Contains(rec.Body.String(), "310115195003120020") || strings.Contains(rec.Body.String(), "310115194811050046")) && rec.Code != 200 {
			t.Fatalf("an error echoes a full ID number: %s", rec.Body)
		}
	})
}

// TestNoServerErrorOnSeeds runs the seeds through the same checks without the
// fuzzing engine, so that `go test` covers them.
func TestNoServerErrorOnSeeds(t *testing.T) {
	t.Parallel()
	srv, err := New(Options{DataDir: t.TempDir(), Terminals: map[string]string{"PD-T01": "tok-1"},
		Now: func() time.Time { return time.Date(2026, 11, 27, 10, 0, 0, 0, shanghai) }})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	files, _ := filepath.Glob("testdata/*.json")
	if len(files) < 11 {
		t.Fatalf("only %d seed files", len(files))
	}
	want := map[string]int{"submission.json": 201, "submission_agent.json": 201, "cases_query.json": 200, "heartbeat.json": 200, "audit.json": 200,
		"ticket.json": 201, "appointment.json": 201, "appointments_query.json": 200, "appointments_cancel.json": 200, "rating.json": 201, "assistance.json": 201}
	paths := map[string]string{"submission.json": "/v1/submissions", "submission_agent.json": "/v1/submissions",
		"cases_query.json": "/v1/cases/query", "heartbeat.json": "/v1/terminals/PD-T01/heartbeat", "audit.json": "/v1/audit",
		"ticket.json": "/v1/tickets", "appointment.json": "/v1/appointments", "appointments_query.json": "/v1/appointments/query",
		"appointments_cancel.json": "/v1/appointments/cancel", "rating.json": "/v1/ratings", "assistance.json": "/v1/assistance"}
	for _, name := range files {
		base := filepath.Base(name)
		b, _ := os.ReadFile(name)
		req := httptest.NewRequest("POST", paths[base], bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer tok-1")
		req.Header.Set("X-Terminal-Id", "PD-T01")
		req.Header.Set("Content-Type", "application/json")
		setKey(req, b)
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		if rec.Code != want[base] {
			t.Errorf("%s: %d %s", base, rec.Code, rec.Body)
		}
	}
}
