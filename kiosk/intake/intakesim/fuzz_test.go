package intakesim

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzHandlers sends arbitrary bodies to every POST endpoint: the server
// never answers 5xx, never panics, and always answers JSON of the contract.
func FuzzHandlers(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		for ep := uint8(0); ep < 4; ep++ {
			f.Add(ep, b)
		}
	}
	srv, err := New(Options{DataDir: f.TempDir(), Terminals: map[string]string{"PD-T01": "tok-1"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { srv.Close() })
	h := srv.Handler()
	paths := []string{"/v1/submissions", "/v1/cases/query", "/v1/terminals/PD-T01/heartbeat", "/v1/audit"}
	allowed := map[int]bool{200: true, 201: true, 400: true, 409: true, 413: true, 422: true}
	f.Fuzz(func(t *testing.T, ep uint8, body []byte) {
		req := httptest.NewRequest("POST", paths[int(ep)%len(paths)], bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer tok-1")
		req.Header.Set("X-Terminal-Id", "PD-T01")
		req.Header.Set("Content-Type", "application/json")
		var head struct {
			ID string `json:"submission_id"`
		}
		if json.Unmarshal(body, &head) == nil && head.ID != "" {
			req.Header.Set("Idempotency-Key", head.ID)
		}
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
	srv, err := New(Options{DataDir: t.TempDir(), Terminals: map[string]string{"PD-T01": "tok-1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	files, _ := filepath.Glob("testdata/*.json")
	if len(files) < 4 {
		t.Fatalf("only %d seed files", len(files))
	}
	want := map[string]int{"submission.json": 201, "submission_agent.json": 201, "cases_query.json": 200, "heartbeat.json": 200, "audit.json": 200}
	paths := map[string]string{"submission.json": "/v1/submissions", "submission_agent.json": "/v1/submissions",
		"cases_query.json": "/v1/cases/query", "heartbeat.json": "/v1/terminals/PD-T01/heartbeat", "audit.json": "/v1/audit"}
	for _, name := range files {
		base := filepath.Base(name)
		b, _ := os.ReadFile(name)
		req := httptest.NewRequest("POST", paths[base], bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer tok-1")
		req.Header.Set("X-Terminal-Id", "PD-T01")
		req.Header.Set("Content-Type", "application/json")
		var head struct {
			ID string `json:"submission_id"`
		}
		if json.Unmarshal(b, &head) == nil && head.ID != "" {
			req.Header.Set("Idempotency-Key", head.ID)
		}
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		if rec.Code != want[base] {
			t.Errorf("%s: %d %s", base, rec.Code, rec.Body)
		}
	}
}
