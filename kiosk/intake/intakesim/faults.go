package intakesim

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"
)

// Faults are the shares (0..1, summing to at most 1) of /v1 requests that
// meet each fault. One draw per request from the seeded generator picks at
// most one fault.
type Faults struct {
	Error500       float64 `json:"error_500"`       // 500 before any processing
	Unavailable503 float64 `json:"unavailable_503"` // 503 with Retry-After
	TooMany429     float64 `json:"too_many_429"`    // 429 with Retry-After
	Timeout        float64 `json:"timeout"`         // no answer until the client gives up (or HoldMillis)
	SlowBody       float64 `json:"slow_body"`       // processed, body dripped over SlowMillis
	Reset          float64 `json:"reset"`           // connection reset before processing
	CommitDrop     float64 `json:"commit_drop"`     // processed and committed, then the connection is reset
	// RetryAfterSeconds is sent on 429 and 503 (default 1).
	RetryAfterSeconds int `json:"retry_after_seconds"`
	// HoldMillis bounds a timeout fault (default 30000).
	HoldMillis int `json:"hold_ms"`
	// SlowMillis is how long a slow body takes (default 2000).
	SlowMillis int `json:"slow_ms"`
}

func (f Faults) validate() error {
	sum := 0.0
	for name, v := range map[string]float64{"error_500": f.Error500, "unavailable_503": f.Unavailable503,
		"too_many_429": f.TooMany429, "timeout": f.Timeout, "slow_body": f.SlowBody, "reset": f.Reset, "commit_drop": f.CommitDrop} {
		if v < 0 || v > 1 || v != v {
			return fmt.Errorf("%w: fault share %s=%v not in 0..1", ErrOptions, name, v)
		}
		sum += v
	}
	if sum > 1.0000001 {
		return fmt.Errorf("%w: fault shares add up to %.3f, over 1", ErrOptions, sum)
	}
	if f.RetryAfterSeconds < 0 || f.HoldMillis < 0 || f.SlowMillis < 0 {
		return fmt.Errorf("%w: negative fault timing", ErrOptions)
	}
	return nil
}

type fault int

const (
	faultNone fault = iota
	fault500
	fault503
	fault429
	faultTimeout
	faultSlow
	faultReset
	faultCommitDrop
)

// SetFaults replaces the faults at run time.
func (s *Server) SetFaults(f Faults) error {
	if err := f.validate(); err != nil {
		return err
	}
	s.mu.Lock()
	s.faults = f
	s.mu.Unlock()
	return nil
}

// Faults returns the faults in force.
func (s *Server) Faults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

func (s *Server) draw() (fault, Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.faults
	x := s.rng.Float64()
	for _, c := range []struct {
		share float64
		kind  fault
	}{{f.Error500, fault500}, {f.Unavailable503, fault503}, {f.TooMany429, fault429}, {f.Timeout, faultTimeout},
		{f.SlowBody, faultSlow}, {f.Reset, faultReset}, {f.CommitDrop, faultCommitDrop}} {
		if x < c.share {
			return c.kind, f
		}
		x -= c.share
	}
	return faultNone, f
}

func (s *Server) withFaults(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.stats.requests.Add(1)
		if !strings.HasPrefix(r.URL.Path, "/v1/") {
			next.ServeHTTP(w, r)
			return
		}
		kind, f := s.draw()
		if kind == faultCommitDrop && r.Method != http.MethodPost {
			kind = faultReset // nothing to commit on a read
		}
		if kind != faultNone {
			s.stats.faults.Add(1)
		}
		retryAfter := strconv.Itoa(max(f.RetryAfterSeconds, 1))
		if f.RetryAfterSeconds == 0 {
			retryAfter = "1"
		}
		switch kind {
		case faultNone:
			next.ServeHTTP(w, r)
		case fault500:
			writeError(w, r, http.StatusInternalServerError, "internal", "服务器内部错误（模拟）/ internal error (simulated)", nil)
		case fault503:
			s.stats.paused.Add(1)
			w.Header().Set("Retry-After", retryAfter)
			writeError(w, r, http.StatusServiceUnavailable, "unavailable", "服务暂不可用（模拟）/ service unavailable (simulated)", nil)
		case fault429:
			s.stats.paused.Add(1)
			w.Header().Set("Retry-After", retryAfter)
			writeError(w, r, http.StatusTooManyRequests, "rate_limited", "请求过于频繁（模拟）/ too many requests (simulated)", nil)
		case faultTimeout:
			io.Copy(io.Discard, io.LimitReader(r.Body, MaxBodyBytes+1))
			hold := time.Duration(f.HoldMillis) * time.Millisecond
			if hold == 0 {
				hold = 30 * time.Second
			}
			t := time.NewTimer(hold)
			defer t.Stop()
			select {
			case <-r.Context().Done():
			case <-s.closing:
			case <-t.C:
			}
			resetConn(w)
		case faultReset:
			resetConn(w)
		case faultCommitDrop:
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r.WithContext(context.WithoutCancel(r.Context())))
			if rec.Code < 300 {
				s.stats.drops.Add(1)
			}
			resetConn(w)
		case faultSlow:
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			body := rec.Body.Bytes()
			total := time.Duration(f.SlowMillis) * time.Millisecond
			if total == 0 {
				total = 2 * time.Second
			}
			const chunks = 10
			step := (len(body) + chunks - 1) / chunks
			fl, _ := w.(http.Flusher)
			for i := 0; i < len(body); i += max(step, 1) {
				select {
				case <-r.Context().Done():
					return
				case <-s.closing:
					return
				case <-time.After(total / chunks):
				}
				w.Write(body[i:min(i+step, len(body))])
				if fl != nil {
					fl.Flush()
				}
			}
		}
	})
}

// resetConn closes the connection without an answer, with a TCP reset where
// the connection allows it.
func resetConn(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	conn.Close()
}

// AdminHandler serves the run-time controls (bind it to loopback only):
//
//	GET  /faults          the faults in force
//	PUT  /faults          replace them (JSON Faults; members not given become 0)
//	PATCH /faults         change only the members given
//	GET  /stats           counters
//	POST /catalog/bump    publish a new catalogue version
//	POST /commands        {"terminal_id": "...", "type": "refresh_catalog"} for the next heartbeat
//	GET  /submissions/{id} {"found": bool, "case_no": "..."}
//	GET  /ratings         the ratings per item and level (JSON; also at /admin/ratings)
//	GET  /center          {"center_mode": ..., "assistance": ...}
//	PUT  /center          {"center_mode": "auto"|"open"|"closed"}: force the centre open or closed now
//	PUT  /assistance      {"mode": "auto"|"notified"|"no_staff_available"}: how calls for staff are answered
//	GET  /healthz
func (s *Server) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /faults", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, r, 200, s.Faults()) })
	mux.HandleFunc("PUT /faults", func(w http.ResponseWriter, r *http.Request) {
		var f Faults
		dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			writeError(w, r, http.StatusBadRequest, "bad_json", err.Error(), nil)
			return
		}
		if err := s.SetFaults(f); err != nil {
			writeError(w, r, http.StatusUnprocessableEntity, "invalid_faults", err.Error(), nil)
			return
		}
		writeJSON(w, r, 200, f)
	})
	mux.HandleFunc("PATCH /faults", func(w http.ResponseWriter, r *http.Request) {
		f := s.Faults() // members not given keep their value
		dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			writeError(w, r, http.StatusBadRequest, "bad_json", err.Error(), nil)
			return
		}
		if err := s.SetFaults(f); err != nil {
			writeError(w, r, http.StatusUnprocessableEntity, "invalid_faults", err.Error(), nil)
			return
		}
		writeJSON(w, r, 200, f)
	})
	mux.HandleFunc("GET /audit", s.auditFleet)
	mux.HandleFunc("GET /audit/{terminal}", s.auditView)
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, r, 200, s.Stats()) })
	mux.HandleFunc("POST /catalog/bump", func(w http.ResponseWriter, r *http.Request) {
		v, err := s.BumpCatalog(r.Context())
		if err != nil {
			s.internal(w, r, err)
			return
		}
		writeJSON(w, r, 200, map[string]string{"version": v})
	})
	mux.HandleFunc("POST /commands", func(w http.ResponseWriter, r *http.Request) {
		var c struct {
			TerminalID string `json:"terminal_id"`
			Type       string `json:"type"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&c); err != nil || c.TerminalID == "" || c.Type == "" {
			writeError(w, r, http.StatusBadRequest, "bad_json", "terminal_id and type required", nil)
			return
		}
		id, err := s.QueueCommand(r.Context(), c.TerminalID, c.Type)
		if err != nil {
			s.internal(w, r, err)
			return
		}
		writeJSON(w, r, 200, map[string]string{"id": strconv.FormatInt(id, 10)})
	})
	mux.HandleFunc("GET /submissions/{id}", func(w http.ResponseWriter, r *http.Request) {
		no, found, err := s.LookupSubmission(r.Context(), r.PathValue("id"))
		if err != nil {
			s.internal(w, r, err)
			return
		}
		writeJSON(w, r, 200, map[string]any{"found": found, "case_no": no})
	})
	ratings := func(w http.ResponseWriter, r *http.Request) {
		rep, err := s.Ratings(r.Context())
		if err != nil {
			s.internal(w, r, err)
			return
		}
		writeJSON(w, r, 200, rep)
	}
	mux.HandleFunc("GET /ratings", ratings)
	mux.HandleFunc("GET /admin/ratings", ratings)
	modes := func(w http.ResponseWriter, r *http.Request) {
		c, a := s.modes()
		writeJSON(w, r, 200, map[string]string{"center_mode": c, "assistance": a})
	}
	mux.HandleFunc("GET /center", modes)
	mux.HandleFunc("PUT /center", func(w http.ResponseWriter, r *http.Request) {
		var b struct {
			Mode string `json:"center_mode"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&b); err != nil {
			writeError(w, r, http.StatusBadRequest, "bad_json", err.Error(), nil)
			return
		}
		if err := s.SetCenterMode(b.Mode); err != nil {
			writeError(w, r, http.StatusUnprocessableEntity, "invalid_mode", err.Error(), nil)
			return
		}
		modes(w, r)
	})
	mux.HandleFunc("PUT /assistance", func(w http.ResponseWriter, r *http.Request) {
		var b struct {
			Mode string `json:"mode"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&b); err != nil {
			writeError(w, r, http.StatusBadRequest, "bad_json", err.Error(), nil)
			return
		}
		if err := s.SetAssistance(b.Mode); err != nil {
			writeError(w, r, http.StatusUnprocessableEntity, "invalid_mode", err.Error(), nil)
			return
		}
		modes(w, r)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if !s.ready.Load() {
			writeError(w, r, http.StatusServiceUnavailable, "closed", "closed", nil)
			return
		}
		writeJSON(w, r, 200, map[string]string{"status": "ok"})
	})
	return mux
}
