package intake

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
)

func newTestClient(t *testing.T, h http.HandlerFunc, edit ...func(*Config)) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg := Config{BaseURL: srv.URL, TerminalID: "PD-T01", Token: "tok", Timeout: 2 * time.Second}
	for _, e := range edit {
		e(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func sampleSubmission() kiosk.Submission {
	return kiosk.Submission{ID: kiosk.NewSubmissionID(), ItemCode: "MZ-0101", CatalogVersion: "v1",
		CreatedAt: time.Now(), Fields: map[string]string{"phone": "13800138000"},
		Applicant: kiosk.Person{IDNumber: "310115195003120020", Name: "张秀英", CardType: kiosk.CardResident}}
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

const acceptedBody = `{"case_no":"PD20261127-000001","status":"accepted","accepted_at":"2026-11-27T09:00:00+08:00","due_date":"2026-11-27","track_url":"https://t.example/c/1"}`

func TestSubmitClassification(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		status     int
		header     map[string]string
		body       string
		wantErr    bool
		final      bool
		replayed   bool
		code       string
		retryAfter time.Duration
	}{
		{name: "created", status: 201, body: acceptedBody},
		{name: "replayed", status: 200, header: map[string]string{"Idempotent-Replayed": "true"}, body: acceptedBody, replayed: true},
		{name: "200 without replay header", status: 200, body: acceptedBody, wantErr: true, code: "unexpected_status"},
		{name: "201 without case", status: 201, body: `{"status":"accepted"}`, wantErr: true, code: "bad_response"},
		{name: "201 garbage", status: 201, body: `{"case_no":`, wantErr: true, code: "bad_response"},
		{name: "400", status: 400, body: `{"error":{"code":"idempotency_key_required","message":"x"}}`, wantErr: true, final: true, code: "idempotency_key_required"},
		{name: "401", status: 401, body: `{"error":{"code":"unauthorized","message":"x"}}`, wantErr: true, final: true, code: "unauthorized"},
		{name: "403", status: 403, body: `{"error":{"code":"forbidden","message":"x"}}`, wantErr: true, final: true, code: "forbidden"},
		{name: "409", status: 409, body: `{"error":{"code":"idempotency_conflict","message":"x"}}`, wantErr: true, final: true, code: "idempotency_conflict"},
		{name: "413 no body", status: 413, wantErr: true, final: true, code: "request_entity_too_large"},
		{name: "422", status: 422, body: `{"error":{"code":"validation_failed","message":"x","fields":[{"field":"fields.phone","code":"invalid","message":"手机号码应为11位"}]}}`, wantErr: true, final: true, code: "validation_failed"},
		{name: "408", status: 408, wantErr: true, code: "request_timeout"},
		{name: "429", status: 429, header: map[string]string{"Retry-After": "7"}, body: `{"error":{"code":"rate_limited","message":"slow down"}}`, wantErr: true, code: "rate_limited", retryAfter: 7 * time.Second},
		{name: "500", status: 500, body: `{"error":{"code":"internal","message":"boom"}}`, wantErr: true, code: "internal"},
		{name: "502 html", status: 502, body: `<html>bad gateway</html>`, wantErr: true, code: "bad_gateway"},
		{name: "503", status: 503, header: map[string]string{"Retry-After": "120"}, wantErr: true, code: "service_unavailable", retryAfter: 2 * time.Minute},
		{name: "404", status: 404, wantErr: true, code: "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sub := sampleSubmission()
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("Idempotency-Key") != sub.ID || r.Header.Get("Authorization") != "Bearer tok" ||
					r.Header.Get("X-Terminal-Id") != "PD-T01" || r.URL.Path != "/v1/submissions" || r.Method != http.MethodPost {
					t.Errorf("bad request: %s %s %v", r.Method, r.URL, r.Header)
				}
				var got kiosk.Submission
				if err := json.NewDecoder(r.Body).Decode(&got); err != nil || got.ID != sub.ID || got.TerminalID != "PD-T01" {
					t.Errorf("body: %+v %v", got, err)
				}
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				writeJSON(w, tt.status, tt.body)
			})
			acc, replayed, err := c.Submit(context.Background(), sub)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil {
				if acc.CaseNo != "PD20261127-000001" || replayed != tt.replayed {
					t.Errorf("acc = %+v replayed %v", acc, replayed)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err %T is not *Error", err)
			}
			if IsFinal(err) != tt.final || e.Final() != tt.final {
				t.Errorf("final = %v, want %v (%v)", IsFinal(err), tt.final, err)
			}
			if e.Code != tt.code {
				t.Errorf("code = %q, want %q", e.Code, tt.code)
			}
			if RetryAfter(err) != tt.retryAfter {
				t.Errorf("RetryAfter = %v, want %v", RetryAfter(err), tt.retryAfter)
			}
			if !strings.HasPrefix(err.Error(), "intake: submit: ") {
				t.Errorf("error %q lacks prefix", err)
			}
			if tt.status == 422 && (len(e.Fields) != 1 || e.Fields[0].Field != "fields.phone") {
				t.Errorf("fields = %+v", e.Fields)
			}
		})
	}
}

func TestTransportErrorsRetry(t *testing.T) {
	t.Parallel()
	t.Run("timeout", func(t *testing.T) {
		t.Parallel()
		release := make(chan struct{})
		c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			select {
			case <-r.Context().Done():
			case <-release:
			}
		}, func(c *Config) { c.Timeout = 100 * time.Millisecond })
		t.Cleanup(func() { close(release) })
		_, _, err := c.Submit(context.Background(), sampleSubmission())
		var e *Error
		if !errors.As(err, &e) || e.Code != "timeout" || IsFinal(err) || !errors.Is(err, ErrTransport) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("connection refused", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.NotFoundHandler())
		url := srv.URL
		srv.Close()
		c, err := New(Config{BaseURL: url, TerminalID: "T", Token: "x"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.UploadAudit(context.Background(), nil)
		if err == nil || IsFinal(err) || !errors.Is(err, ErrTransport) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("reset mid body", func(t *testing.T) {
		t.Parallel()
		c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "500")
			w.WriteHeader(201)
			io.WriteString(w, `{"case_no":"PD`)
			panic(http.ErrAbortHandler)
		})
		_, _, err := c.Submit(context.Background(), sampleSubmission())
		if err == nil || IsFinal(err) {
			t.Fatalf("err = %v", err)
		}
	})
}

// A request that never left the terminal says so (ErrNotSent): the
// outbox may send it again whatever its age, since the central system
// cannot know its key. One that reached the server, even without an
// answer, does not.
func TestNotSentOnlyWhenTheRequestNeverLeft(t *testing.T) {
	t.Parallel()
	submitTo := func(t *testing.T, url string, timeout time.Duration) error {
		t.Helper()
		c, err := New(Config{BaseURL: url, TerminalID: "T", Token: "x", Timeout: timeout})
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = c.Submit(context.Background(), sampleSubmission())
		return err
	}
	t.Run("connection refused", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.NotFoundHandler())
		url := srv.URL
		srv.Close()
		err := submitTo(t, url, time.Second)
		var e *Error
		if !errors.Is(err, ErrNotSent) || !errors.Is(err, ErrTransport) || IsFinal(err) || !errors.As(err, &e) || e.Code != "unreachable" {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("name not found", func(t *testing.T) {
		t.Parallel()
		if err := submitTo(t, "https://kiosk-no-such-host.invalid", 2*time.Second); !errors.Is(err, ErrNotSent) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("TLS handshake refused", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewTLSServer(http.NotFoundHandler()) // a certificate the client does not trust
		t.Cleanup(srv.Close)
		if err := submitTo(t, srv.URL, time.Second); !errors.Is(err, ErrNotSent) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("HTTP/2 request read, no answer in time", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ProtoMajor != 2 {
				t.Errorf("request over %s, want HTTP/2", r.Proto)
			}
			io.Copy(io.Discard, r.Body)
			<-r.Context().Done()
		}))
		srv.EnableHTTP2 = true
		srv.StartTLS()
		t.Cleanup(srv.Close)
		ca := filepath.Join(t.TempDir(), "ca.pem")
		if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := New(Config{BaseURL: srv.URL, TerminalID: "T", Token: "x", CAFile: ca, Timeout: 300 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.Submit(context.Background(), sampleSubmission()); err == nil || errors.Is(err, ErrNotSent) {
			t.Fatalf("err = %v, want an error that may have reached the server", err)
		}
	})
	t.Run("a transport of the caller's", func(t *testing.T) {
		t.Parallel()
		// It reports nothing of its connections: nothing counts as unsent.
		c, err := New(Config{BaseURL: "http://127.0.0.1:1", TerminalID: "T", Token: "x", Transport: roundTripFunc(func(*http.Request) (*http.Response, error) {
			return nil, errors.New("cut")
		})})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.Submit(context.Background(), sampleSubmission()); err == nil || errors.Is(err, ErrNotSent) {
			t.Fatalf("err = %v, want a transport error not counted as unsent", err)
		}
	})
	for name, h := range map[string]http.HandlerFunc{
		"hung up after the request": func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			panic(http.ErrAbortHandler)
		},
		"no answer in time": func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			<-r.Context().Done()
		},
		"server error": func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusServiceUnavailable)
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(h)
			t.Cleanup(srv.Close)
			err := submitTo(t, srv.URL, 200*time.Millisecond)
			if err == nil || errors.Is(err, ErrNotSent) {
				t.Fatalf("err = %v, want an error that may have reached the server", err)
			}
		})
	}
}

func TestSubmitRefusedLocally(t *testing.T) {
	t.Parallel()
	calls := 0
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) { calls++ })
	bad := sampleSubmission()
	bad.ID = "not-an-id"
	if _, _, err := c.Submit(context.Background(), bad); !IsFinal(err) || !errors.Is(err, ErrBadSubmission) {
		t.Errorf("bad id: %v", err)
	}
	big := sampleSubmission()
	big.Fields["note"] = strings.Repeat("长", MaxRequestBytes/3+10)
	if _, _, err := c.Submit(context.Background(), big); !IsFinal(err) || !errors.Is(err, ErrRequestTooLarge) {
		t.Errorf("big: %v", err)
	}
	if calls != 0 {
		t.Errorf("server called %d times", calls)
	}
}

func TestGzipAndLimits(t *testing.T) {
	t.Parallel()
	gz := func(s string) []byte {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write([]byte(s))
		zw.Close()
		return b.Bytes()
	}
	tests := []struct {
		name    string
		body    []byte
		enc     string
		wantErr error
	}{
		{"gzip", gz(`{"acked_through":12}`), "gzip", nil},
		{"plain", []byte(`{"acked_through":12}`), "", nil},
		{"bad gzip", []byte("not gzip at all"), "gzip", ErrBadResponse},
		{"br", []byte(`{"acked_through":12}`), "br", ErrBadResponse},
		{"gzip bomb", gz(`{"acked_through":12,"pad":"` + strings.Repeat("0", 3<<20) + `"}`), "gzip", ErrResponseTooBig},
		{"huge plain", []byte(`{"acked_through":12,"pad":"` + strings.Repeat("0", 2<<20) + `"}`), "", ErrResponseTooBig},
		{"no acked", []byte(`{}`), "", ErrBadResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("Accept-Encoding") != "gzip" {
					t.Errorf("Accept-Encoding = %q", r.Header.Get("Accept-Encoding"))
				}
				if tt.enc != "" {
					w.Header().Set("Content-Encoding", tt.enc)
				}
				w.Header().Set("Content-Type", "application/json")
				w.Write(tt.body)
			})
			n, err := c.UploadAudit(context.Background(), nil)
			if tt.wantErr == nil {
				if err != nil || n != 12 {
					t.Fatalf("got %d, %v", n, err)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) || IsFinal(err) {
				t.Fatalf("err = %v, want %v (retryable)", err, tt.wantErr)
			}
		})
	}
}

func TestCatalogETag(t *testing.T) {
	t.Parallel()
	good := `{"version":"v7","generated_at":"2026-11-01T08:00:00+08:00","items":[{"code":"MZ-0101","name":"敬老卡申领","name_en":"Senior card","department":"区民政局","category":"老龄","kind":"instant","self_service":true,"districtwide":true,"agent_allowed":true,"time_limit_days":0,"fee":"免费","notice":"n","legal_basis":"l","materials":[],"fields":[]}],"calendar":{"holidays":["2026-10-01"],"workdays":[]}}`
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.Header.Get("If-None-Match") {
		case `"v7"`:
			w.WriteHeader(http.StatusNotModified)
		case `"partial"`:
			w.Header().Set("ETag", `"v8"`)
			writeJSON(w, 200, strings.Replace(good, `"department":"区民政局",`, "", 1))
		case `"text"`:
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, good)
		default:
			w.Header().Set("ETag", `"v7"`)
			writeJSON(w, 200, good)
		}
	})
	ctx := context.Background()
	cat, etag, nm, err := c.Catalog(ctx, "")
	if err != nil || nm || etag != `"v7"` || cat.Version != "v7" || len(cat.Items) != 1 {
		t.Fatalf("first: %v %q %v %v", cat.Version, etag, nm, err)
	}
	_, etag, nm, err = c.Catalog(ctx, `"v7"`)
	if err != nil || !nm || etag != `"v7"` {
		t.Fatalf("304: %q %v %v", etag, nm, err)
	}
	_, _, _, err = c.Catalog(ctx, `"partial"`)
	if !errors.Is(err, kiosk.ErrInvalidCatalog) || !errors.Is(err, ErrBadResponse) {
		t.Fatalf("partial: %v", err)
	}
	if _, _, _, err = c.Catalog(ctx, `"text"`); !errors.Is(err, ErrBadResponse) {
		t.Fatalf("text/html: %v", err)
	}
}

func TestNoFullIDInErrors(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 422, `{"error":{"code":"validation_failed","message":"310115195003120020 invalid","fields":[{"field":"applicant.id_number","code":"checksum","message":"310115195003120020 USA110081020013"}]}}`)
	})
	_, _, err := c.Submit(context.Background(), sampleSubmission())
	if err == nil || strings.Contains(err.Error(), "310115195003120020") || !strings.Contains(err.Error(), "3101**********0020") {
		t.Fatalf("error %q", err)
	}
	var e *Error
	errors.As(err, &e)
	if strings.Contains(e.Fields[0].Message, "310115195003120020") || strings.Contains(e.Fields[0].Message, "USA110081020013") {
		t.Errorf("field message carries a full id")
	}
}

func TestHeartbeatAndCases(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/terminals/PD%2FT%2001/heartbeat", "/v1/terminals/PD/T 01/heartbeat":
			if r.URL.RawPath != "/v1/terminals/PD%2FT%2001/heartbeat" {
				t.Errorf("terminal id not escaped: %q", r.URL.RawPath)
			}
			writeJSON(w, 200, `{"server_time":"2026-11-27T09:00:00+08:00","commands":[{"id":"1","type":"refresh_catalog"},{"id":"2","type":"reboot"},{"id":"3","type":"upload_audit"}]}`)
		case "/v1/cases/query":
			var q map[string]string
			json.NewDecoder(r.Body).Decode(&q)
			if q["id_number"] != "310115195003120020" || q["name"] != "张秀英" || r.URL.RawQuery != "" {
				writeJSON(w, 200, `{"cases":[]}`)
				return
			}
			writeJSON(w, 200, `{"cases":[{"case_no":"PD20261001-000003","item_code":"MZ-0101","item_name":"敬老卡申领","department":"区民政局","status":"completed","submitted_at":"2026-10-01T09:00:00+08:00","due_date":"2026-10-08","channel":"counter","result":"已制卡","history":[{"at":"2026-10-01T09:00:00+08:00","status":"accepted","department":"区民政局","note":""}],"track_url":"https://t/1"}]}`)
		default:
			http.NotFound(w, r)
		}
	}, func(c *Config) { c.TerminalID = "PD/T 01" })
	rep, err := c.Heartbeat(context.Background(), Heartbeat{AppVersion: "1.0"})
	if err != nil || rep.ServerTime.IsZero() || len(rep.Commands) != 2 || rep.Commands[1].Type != CommandUploadAudit {
		t.Fatalf("heartbeat: %+v %v", rep, err)
	}
	cases, err := c.QueryCases(context.Background(), "310115195003120020", "张秀英")
	if err != nil || len(cases) != 1 || cases[0].Status != kiosk.StatusCompleted || len(cases[0].History) != 1 {
		t.Fatalf("cases: %+v %v", cases, err)
	}
	cases, err = c.QueryCases(context.Background(), "310115195003120020", "李四")
	if err != nil || cases == nil || len(cases) != 0 {
		t.Fatalf("mismatch: %+v %v", cases, err)
	}
}

func TestConfigAndTLS(t *testing.T) {
	t.Parallel()
	for _, cfg := range []Config{
		{BaseURL: "http://intake.example", TerminalID: "T", Token: "x"},
		{BaseURL: "ftp://127.0.0.1", TerminalID: "T", Token: "x"},
		{BaseURL: "https://intake.example", Token: "x"},
		{BaseURL: "https://intake.example", TerminalID: "T"},
		{BaseURL: "::", TerminalID: "T", Token: "x"},
		{BaseURL: "https://intake.example", TerminalID: "T", Token: "x", CAFile: filepath.Join(t.TempDir(), "none.pem")},
	} {
		if _, err := New(cfg); !errors.Is(err, ErrConfig) || !IsFinal(err) {
			t.Errorf("New(%+v) = %v", cfg, err)
		}
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"acked_through":3}`)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	srv.StartTLS()
	defer srv.Close()
	// Without the CA the certificate does not verify: no skipping.
	plain, err := New(Config{BaseURL: srv.URL, TerminalID: "T", Token: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plain.UploadAudit(context.Background(), nil); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("unverified TLS accepted: %v", err)
	}
	ca := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(ca, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	withCA, err := New(Config{BaseURL: srv.URL, TerminalID: "T", Token: "x", CAFile: ca})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := withCA.UploadAudit(context.Background(), nil); err != nil || n != 3 {
		t.Fatalf("with CA: %d %v", n, err)
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0}, {"5", 5 * time.Second}, {"-3", 0}, {"abc", 0}, {"999999999999", time.Hour},
		{now.Add(30 * time.Second).Format(http.TimeFormat), 30 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// roundTripFunc is an http.RoundTripper of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
