package outbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
)

// testServer is a small real HTTP server of the contract's submission,
// catalogue, heartbeat and audit endpoints, with scripted faults. The e2e
// suite runs against the full development server; these tests need exact
// control of single answers.
type testServer struct {
	*httptest.Server
	down      atomic.Bool
	mu        sync.Mutex
	cases     map[string]string // idempotency key -> case number
	bodies    map[string]string // key -> first body's applicant id, for conflicts
	requests  map[string]int    // key -> submit requests seen
	submits   int
	fault     func(key string, n int) (status int, retryAfter string, drop bool) // n: this key's request count
	catalog   kiosk.Catalog
	catETag   string
	catRaw    []byte // when set, served instead of catalog
	heartbeat []map[string]any
	commands  []map[string]string
	audit     []kiosk.AuditEvent
	// hits counts the requests each endpoint got ("submit", "catalog",
	// "heartbeat", "audit"), whatever the answer.
	hits map[string]int
	// when records when each endpoint got its requests.
	when map[string][]time.Time
	// answer, when set, may answer any request of the catalogue, heartbeat
	// and audit endpoints with an error status (0: serve normally).
	answer func(endpoint string) (status int, retryAfter string)
	// now is the server's clock (the rig's clock when it has one).
	now func() time.Time
}

func newTestServer(t *testing.T) *testServer {
	t.Helper()
	s := &testServer{cases: map[string]string{}, bodies: map[string]string{}, requests: map[string]int{},
		hits: map[string]int{}, when: map[string][]time.Time{}, now: time.Now}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/submissions", s.counted("submit", s.submit))
	mux.HandleFunc("GET /v1/catalog", s.counted("catalog", s.getCatalog))
	mux.HandleFunc("POST /v1/terminals/{id}/heartbeat", s.counted("heartbeat", s.postHeartbeat))
	mux.HandleFunc("POST /v1/audit", s.counted("audit", s.postAudit))
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.down.Load() { // the network is down: every connection is cut
			drop(w)
			return
		}
		if r.Header.Get("Authorization") != "Bearer tok" {
			writeErr(w, 401, "unauthorized", "bad token")
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// counted counts a request to endpoint and lets answer replace the
// handler's reply (not for submissions, which have fault).
func (s *testServer) counted(endpoint string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits[endpoint]++
		s.when[endpoint] = append(s.when[endpoint], s.now())
		answer := s.answer
		s.mu.Unlock()
		if answer != nil && endpoint != "submit" {
			if status, ra := answer(endpoint); status != 0 {
				if ra != "" {
					w.Header().Set("Retry-After", ra)
				}
				writeErr(w, status, http.StatusText(status), "scripted")
				return
			}
		}
		h(w, r)
	}
}

// hitCount is how many requests endpoint got so far.
func (s *testServer) hitCount(endpoint string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[endpoint]
}

// hitTimes is when endpoint got its requests.
func (s *testServer) hitTimes(endpoint string) []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.when[endpoint]...)
}

func (s *testServer) setAnswer(f func(endpoint string) (int, string)) {
	s.mu.Lock()
	s.answer = f
	s.mu.Unlock()
}

func writeErr(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": code, "message": msg,
		"fields": []map[string]string{{"field": "fields.phone", "code": "malformed", "message": "not a mobile number"}}}})
}

func drop(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("no hijacker")
	}
	c, _, _ := hj.Hijack()
	c.Close()
}

func (s *testServer) submit(w http.ResponseWriter, r *http.Request) {
	var sub kiosk.Submission
	if err := json.NewDecoder(r.Body).Decode(&sub); err != nil || sub.ID != r.Header.Get("Idempotency-Key") {
		writeErr(w, 400, "idempotency_key_required", "key")
		return
	}
	key := sub.ID
	s.mu.Lock()
	s.submits++
	s.requests[key]++
	n := s.requests[key]
	fault := s.fault
	s.mu.Unlock()
	commitThenDrop := false
	if fault != nil {
		status, ra, dropIt := fault(key, n)
		switch {
		case dropIt && status == 0:
			drop(w)
			return
		case dropIt:
			commitThenDrop = true
		case status != 0:
			if ra != "" {
				w.Header().Set("Retry-After", ra)
			}
			writeErr(w, status, http.StatusText(status), "scripted")
			return
		}
	}
	s.mu.Lock()
	caseNo, replay := s.cases[key]
	if !replay {
		caseNo = fmt.Sprintf("PD20261127-%06d", len(s.cases)+1)
		s.cases[key] = caseNo
		s.bodies[key] = sub.Applicant.IDNumber
	} else if s.bodies[key] != sub.Applicant.IDNumber {
		s.mu.Unlock()
		writeErr(w, 409, "idempotency_conflict", "different body")
		return
	}
	s.mu.Unlock()
	if commitThenDrop {
		drop(w)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if replay {
		w.Header().Set("Idempotent-Replayed", "true")
		w.WriteHeader(200)
	} else {
		w.WriteHeader(201)
	}
	json.NewEncoder(w).Encode(kiosk.Accepted{CaseNo: caseNo, Status: kiosk.StatusAccepted,
		AcceptedAt: time.Now(), DueDate: "2026-12-04", TrackURL: "https://track.example/" + caseNo})
}

func (s *testServer) getCatalog(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.catETag != "" && r.Header.Get("If-None-Match") == s.catETag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("ETag", s.catETag)
	if s.catRaw != nil {
		w.Write(s.catRaw)
		return
	}
	json.NewEncoder(w).Encode(s.catalog)
}

func (s *testServer) postHeartbeat(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	json.NewDecoder(r.Body).Decode(&body)
	s.mu.Lock()
	s.heartbeat = append(s.heartbeat, body)
	cmds := s.commands
	s.commands = nil
	s.mu.Unlock()
	if cmds == nil {
		cmds = []map[string]string{}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"server_time": s.now().Add(5 * time.Minute), "commands": cmds})
}

func (s *testServer) postAudit(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Events []kiosk.AuditEvent `json:"events"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeErr(w, 400, "bad_json", err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range body.Events {
		prev := ""
		if len(s.audit) > 0 {
			prev = s.audit[len(s.audit)-1].Hash
		}
		if e.Seq != int64(len(s.audit))+1 || e.PrevHash != prev || e.ComputeHash() != e.Hash {
			writeErr(w, 409, "chain_broken", "seq "+strconv.FormatInt(e.Seq, 10))
			return
		}
		s.audit = append(s.audit, e)
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"acked_through": len(s.audit)})
}

func (s *testServer) count(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[key]
}

func (s *testServer) setFault(f func(key string, n int) (int, string, bool)) {
	s.mu.Lock()
	s.fault = f
	s.mu.Unlock()
}
