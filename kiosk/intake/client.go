// Package intake is the HTTP client of the district's central intake API
// (contract: openapi.yaml in this directory). It classifies every failure as
// final or worth retrying; it does not retry by itself, the outbox does.
package intake

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
)

// Limits of the contract and of this client.
const (
	MaxRequestBytes         = 1 << 20  // the server answers 413 above this
	DefaultMaxResponseBytes = 1 << 20  // any answer but the catalogue
	DefaultMaxCatalogBytes  = 16 << 20 // the catalogue, after gunzip
	DefaultTimeout          = 15 * time.Second
	DefaultMaxConns         = 8
)

// Config configures a Client.
type Config struct {
	// BaseURL of the API, e.g. https://intake.pudong.example/. Plain http is
	// accepted only for a loopback host (the in-process development server).
	BaseURL    string
	TerminalID string
	Token      string
	// CAFile is a PEM bundle of the CAs trusted for the server; empty means
	// the system roots. Certificates are always verified.
	CAFile string
	// Timeout bounds each request including reading the body (default 15 s).
	Timeout time.Duration
	// MaxConns bounds the connections to the server (default 8); idle ones
	// are kept alive for reuse.
	MaxConns int
	// MaxResponseBytes and MaxCatalogBytes bound decoded response bodies.
	MaxResponseBytes int64
	MaxCatalogBytes  int64
	// UserAgent is sent as User-Agent (default "kiosk-intake/1").
	UserAgent string
	// Now is the clock the client judges slots by (default time.Now).
	Now func() time.Time
	// Transport replaces the built-in transport (tests, instrumentation);
	// CAFile and MaxConns are then the caller's business.
	Transport http.RoundTripper
}

// Client talks to the central intake API. It is safe for concurrent use.
type Client struct {
	cfg  Config
	base *url.URL
	hc   *http.Client
	tr   *http.Transport // nil when the caller gave a Transport
}

// New checks cfg and builds a client.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(cfg.BaseURL))
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("%w: base URL %q", ErrConfig, cfg.BaseURL)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !loopback(u.Hostname()) {
			return nil, fmt.Errorf("%w: plain http only to a loopback host, not %q", ErrConfig, u.Host)
		}
	default:
		return nil, fmt.Errorf("%w: base URL scheme %q", ErrConfig, u.Scheme)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	if cfg.TerminalID == "" {
		return nil, fmt.Errorf("%w: terminal id missing", ErrConfig)
	}
	if cfg.Token == "" {
		return nil, fmt.Errorf("%w: token missing", ErrConfig)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = DefaultMaxConns
	}
	if cfg.MaxResponseBytes <= 0 {
		cfg.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if cfg.MaxCatalogBytes <= 0 {
		cfg.MaxCatalogBytes = DefaultMaxCatalogBytes
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "kiosk-intake/1"
	}
	c := &Client{cfg: cfg, base: u}
	rt := cfg.Transport
	if rt == nil {
		tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
		if cfg.CAFile != "" {
			pem, err := os.ReadFile(cfg.CAFile)
			if err != nil {
				return nil, fmt.Errorf("%w: CA file: %v", ErrConfig, err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("%w: CA file %s holds no PEM certificate", ErrConfig, cfg.CAFile)
			}
			tlsCfg.RootCAs = pool
		}
		c.tr = &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSClientConfig:       tlsCfg,
			TLSHandshakeTimeout:   10 * time.Second,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          cfg.MaxConns,
			MaxIdleConnsPerHost:   cfg.MaxConns,
			MaxConnsPerHost:       cfg.MaxConns,
			IdleConnTimeout:       90 * time.Second,
			ExpectContinueTimeout: time.Second,
			DisableCompression:    true, // gzip is asked for and bounded here
		}
		rt = c.tr
	}
	c.hc = &http.Client{
		Transport: rt,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // a redirect would drop the bearer token or replay a POST
		},
	}
	return c, nil
}

// Close releases idle connections.
func (c *Client) Close() error {
	if c.tr != nil {
		c.tr.CloseIdleConnections()
	}
	return nil
}

// TerminalID returns the configured terminal id.
func (c *Client) TerminalID() string { return c.cfg.TerminalID }

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// response is a finished exchange with its body read and decoded.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends one request. A non-nil error is always an *Error.
func (c *Client) do(ctx context.Context, op, method, path string, in any, hdr http.Header, limit int64) (*response, error) {
	fail := func(code string, cause error) error {
		return &Error{Op: op, Code: code, Err: cause}
	}
	var body io.Reader
	var payload []byte
	if in != nil {
		var err error
		payload, err = json.Marshal(in)
		if err != nil {
			return nil, fail("bad_request", fmt.Errorf("%w: %v", ErrBadSubmission, err))
		}
		if len(payload) > MaxRequestBytes {
			return nil, fail("request_too_large", ErrRequestTooLarge)
		}
		body = bytes.NewReader(payload)
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	// Whether any byte of the request may have gone out: the built-in
	// transport reports each connection it gets for the request, HTTP/1 or
	// HTTP/2, before it writes anything on it (and after the TLS
	// handshake), including for its own retries on a new one. Without one,
	// nothing was sent. A transport of the caller's may not report it, so
	// then nothing counts as unsent.
	var gotConn atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { gotConn.Store(true) },
	})
	req, err := http.NewRequestWithContext(ctx, method, c.base.String()+path, body)
	if err != nil {
		return nil, fail("bad_request", fmt.Errorf("%w: %v", ErrConfig, err))
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	req.Header.Set("Authorization", "Bearer "+c.cfg.Token)
	req.Header.Set("X-Terminal-Id", c.cfg.TerminalID)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Accept-Encoding", "gzip")
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(payload)), nil }
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		if c.tr != nil && !gotConn.Load() {
			code := "unreachable"
			if ctx.Err() != nil {
				code = "timeout"
			}
			return nil, fail(code, fmt.Errorf("%w: %w: %v", ErrTransport, ErrNotSent, err))
		}
		if ctx.Err() != nil && errors.Is(err, context.DeadlineExceeded) {
			return nil, fail("timeout", fmt.Errorf("%w: %v", ErrTransport, err))
		}
		return nil, fail("transport", fmt.Errorf("%w: %v", ErrTransport, err))
	}
	defer resp.Body.Close()
	r := &response{status: resp.StatusCode, header: resp.Header}
	if resp.StatusCode >= 300 {
		limit = 64 << 10 // error bodies are small; a huge one is not read
	}
	r.body, err = readBody(resp, limit)
	if err != nil {
		if errors.Is(err, ErrResponseTooBig) && resp.StatusCode < 300 {
			return nil, &Error{Op: op, Status: resp.StatusCode, Code: "response_too_large", Err: err}
		}
		if errors.Is(err, ErrBadResponse) && resp.StatusCode < 300 {
			return nil, &Error{Op: op, Status: resp.StatusCode, Code: "bad_response", Message: err.Error(), Err: err}
		}
		if !errors.Is(err, ErrResponseTooBig) && resp.StatusCode < 300 {
			if ctx.Err() != nil {
				return nil, fail("timeout", fmt.Errorf("%w: %v", ErrTransport, err))
			}
			return nil, fail("transport", fmt.Errorf("%w: %v", ErrTransport, err))
		}
		r.body = nil // an unreadable error body: classify by status alone
	}
	if resp.StatusCode >= 400 {
		return r, c.statusError(op, r)
	}
	return r, nil
}

func readBody(resp *http.Response, limit int64) ([]byte, error) {
	var rd io.Reader = resp.Body
	switch strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding"))) {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(io.LimitReader(resp.Body, limit+1))
		if err != nil {
			if err == io.EOF {
				return nil, nil
			}
			return nil, fmt.Errorf("%w: gzip: %v", ErrBadResponse, err)
		}
		defer zr.Close()
		rd = zr
	default:
		return nil, fmt.Errorf("%w: content encoding %q", ErrBadResponse, resp.Header.Get("Content-Encoding"))
	}
	b, err := io.ReadAll(io.LimitReader(rd, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w (%d bytes)", ErrResponseTooBig, limit)
	}
	return b, nil
}

type errorBody struct {
	Error struct {
		Code    string       `json:"code"`
		Message string       `json:"message"`
		Fields  []FieldError `json:"fields"`
		CaseNo  string       `json:"case_no"`
	} `json:"error"`
}

func (c *Client) statusError(op string, r *response) *Error {
	e := &Error{Op: op, Status: r.status, Code: http.StatusText(r.status)}
	if r.status == http.StatusTooManyRequests || r.status == http.StatusServiceUnavailable {
		e.RetryAfter = parseRetryAfter(r.header.Get("Retry-After"), time.Now())
	}
	var eb errorBody
	if json.Unmarshal(r.body, &eb) == nil && eb.Error.Code != "" {
		e.Code = scrub(eb.Error.Code)
		e.Message = scrub(eb.Error.Message)
		e.CaseNo = scrub(eb.Error.CaseNo)
		for _, f := range eb.Error.Fields {
			e.Fields = append(e.Fields, FieldError{Field: scrub(f.Field), Code: scrub(f.Code), Message: scrub(f.Message)})
		}
	} else {
		e.Code = strings.ReplaceAll(strings.ToLower(e.Code), " ", "_")
		if e.Code == "" {
			e.Code = "http_error"
		}
	}
	return e
}

func decode(op string, r *response, v any) error {
	if ct := r.header.Get("Content-Type"); ct != "" && !strings.HasPrefix(strings.ToLower(ct), "application/json") {
		return &Error{Op: op, Status: r.status, Code: "bad_response", Message: "content type " + scrub(ct), Err: ErrBadResponse}
	}
	if err := json.Unmarshal(r.body, v); err != nil {
		return &Error{Op: op, Status: r.status, Code: "bad_response", Message: scrub(err.Error()), Err: ErrBadResponse}
	}
	return nil
}

// Catalog fetches the catalogue. With the ETag of the cached one it may
// answer notModified (304) and no catalogue. A catalogue that fails
// kiosk.Catalog.Validate is returned as an error wrapping both ErrBadResponse
// and kiosk.ErrInvalidCatalog, never as a catalogue.
func (c *Client) Catalog(ctx context.Context, etag string) (cat kiosk.Catalog, newETag string, notModified bool, err error) {
	hdr := http.Header{}
	if etag != "" {
		hdr.Set("If-None-Match", etag)
	}
	r, err := c.do(ctx, "catalog", http.MethodGet, "/v1/catalog", nil, hdr, c.cfg.MaxCatalogBytes)
	if err != nil {
		return kiosk.Catalog{}, "", false, err
	}
	switch r.status {
	case http.StatusNotModified:
		return kiosk.Catalog{}, etag, true, nil
	case http.StatusOK:
	default:
		return kiosk.Catalog{}, "", false, &Error{Op: "catalog", Status: r.status, Code: "unexpected_status", Err: ErrBadResponse}
	}
	if err := decode("catalog", r, &cat); err != nil {
		return kiosk.Catalog{}, "", false, err
	}
	if err := cat.Validate(); err != nil {
		return kiosk.Catalog{}, "", false, &Error{Op: "catalog", Status: r.status, Code: "invalid_catalog",
			Message: err.Error(), Err: errors.Join(ErrBadResponse, err)}
	}
	return cat, r.header.Get("ETag"), false, nil
}

// Submit delivers one submission with its ID as Idempotency-Key. It returns
// replayed=true when the server answered 200 with Idempotent-Replayed (the
// submission had already arrived). Only a nil error means delivered. A 422
// (not_eligible among others) and a 409 duplicate_application (its CaseNo
// naming the open case) are final *Errors that also wrap a
// *kiosk.RejectedError.
func (c *Client) Submit(ctx context.Context, s kiosk.Submission) (kiosk.Accepted, bool, error) {
	if !kiosk.ValidSubmissionID(s.ID) {
		return kiosk.Accepted{}, false, &Error{Op: "submit", Code: "bad_submission",
			Message: "submission id is not a ULID or UUID", Err: ErrBadSubmission}
	}
	if s.TerminalID == "" {
		s.TerminalID = c.cfg.TerminalID
	}
	if s.Fields == nil {
		s.Fields = map[string]string{}
	}
	hdr := http.Header{}
	hdr.Set("Idempotency-Key", s.ID)
	r, err := c.do(ctx, "submit", http.MethodPost, "/v1/submissions", s, hdr, c.cfg.MaxResponseBytes)
	if err != nil {
		// A refusal for good also wraps a *kiosk.RejectedError: 422 (e.g.
		// not_eligible) and 409 duplicate_application with its open case.
		var e *Error
		if errors.As(err, &e) && (e.Status == http.StatusUnprocessableEntity ||
			(e.Status == http.StatusConflict && e.Code == "duplicate_application")) {
			rejected(e)
		}
		return kiosk.Accepted{}, false, err
	}
	var replayed bool
	switch {
	case r.status == http.StatusCreated:
	case r.status == http.StatusOK && strings.EqualFold(r.header.Get("Idempotent-Replayed"), "true"):
		replayed = true
	default:
		return kiosk.Accepted{}, false, &Error{Op: "submit", Status: r.status, Code: "unexpected_status", Err: ErrNotReplayed}
	}
	var acc kiosk.Accepted
	if err := decode("submit", r, &acc); err != nil {
		return kiosk.Accepted{}, false, err
	}
	if acc.CaseNo == "" {
		return kiosk.Accepted{}, false, &Error{Op: "submit", Status: r.status, Code: "bad_response", Message: "no case_no", Err: ErrBadResponse}
	}
	return acc, replayed, nil
}

// QueryCases returns the cases of the card holder, newest first. The ID
// number and name go in the body, never in the URL.
func (c *Client) QueryCases(ctx context.Context, idNumber, name string) ([]kiosk.Case, error) {
	in := struct {
		IDNumber string `json:"id_number"`
		Name     string `json:"name"`
	}{idNumber, name}
	r, err := c.do(ctx, "cases", http.MethodPost, "/v1/cases/query", in, nil, c.cfg.MaxResponseBytes)
	if err != nil {
		return nil, err
	}
	if r.status != http.StatusOK {
		return nil, &Error{Op: "cases", Status: r.status, Code: "unexpected_status", Err: ErrBadResponse}
	}
	var out struct {
		Cases []kiosk.Case `json:"cases"`
	}
	if err := decode("cases", r, &out); err != nil {
		return nil, err
	}
	if out.Cases == nil {
		out.Cases = []kiosk.Case{}
	}
	return out.Cases, nil
}

// Device states and paper states of a heartbeat.
const (
	DeviceOK       = "ok"
	DeviceDegraded = "degraded"
	DeviceOffline  = "offline"
	DeviceError    = "error"

	PaperOK      = "ok"
	PaperNearEnd = "near_end"
	PaperOut     = "out"
)

// Command types a heartbeat reply may carry; unknown types are ignored.
const (
	CommandRefreshCatalog = "refresh_catalog"
	CommandUploadAudit    = "upload_audit"
	CommandRefreshCenter  = "refresh_center" // v1.1: fetch GET /v1/center again
)

// Heartbeat is the body of POST /v1/terminals/{id}/heartbeat.
type Heartbeat struct {
	AppVersion     string                 `json:"app_version"`
	StartedAt      time.Time              `json:"started_at"`
	Devices        map[string]DeviceState `json:"devices"` // by device name: "idcard", "printer"
	Outbox         OutboxState            `json:"outbox"`
	CatalogVersion string                 `json:"catalog_version"`
	DiskFreeBytes  int64                  `json:"disk_free_bytes"`
	// ClockSkewSeconds is the server's time minus the terminal's clock as
	// the terminal last knew it, sent when beyond kiosk.MaxClockSkew (an
	// extension of this project; servers ignore what they do not know).
	ClockSkewSeconds *int64 `json:"clock_skew_seconds,omitempty"`
	// Maintenance is the staff entry's PIN lock; nil leaves it out.
	Maintenance *MaintenanceState `json:"maintenance,omitempty"`
}

// MaintenanceState is the staff entry's PIN lock in a heartbeat.
type MaintenanceState struct {
	PINFailuresToday int        `json:"pin_failures_today"`
	LockedUntil      *time.Time `json:"locked_until"` // null when entry is not locked
}

// DeviceState is the health of one device.
type DeviceState struct {
	State  string    `json:"state"`
	Detail string    `json:"detail"`
	Since  time.Time `json:"since"`
	Paper  string    `json:"paper,omitempty"` // printer only
}

// OutboxState summarises the terminal's outbox.
type OutboxState struct {
	Pending         int        `json:"pending"`
	Failed          int        `json:"failed"`
	OldestPendingAt *time.Time `json:"oldest_pending_at"` // null when nothing is pending
}

// HeartbeatReply is the server's answer to a heartbeat.
type HeartbeatReply struct {
	ServerTime time.Time `json:"server_time"`
	Commands   []Command `json:"commands"`
}

// Command is an instruction for the terminal.
type Command struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// Heartbeat reports the terminal's health. Commands of unknown type are
// dropped from the reply.
func (c *Client) Heartbeat(ctx context.Context, hb Heartbeat) (HeartbeatReply, error) {
	if hb.Devices == nil {
		hb.Devices = map[string]DeviceState{}
	}
	path := "/v1/terminals/" + url.PathEscape(c.cfg.TerminalID) + "/heartbeat"
	r, err := c.do(ctx, "heartbeat", http.MethodPost, path, hb, nil, c.cfg.MaxResponseBytes)
	if err != nil {
		return HeartbeatReply{}, err
	}
	if r.status != http.StatusOK {
		return HeartbeatReply{}, &Error{Op: "heartbeat", Status: r.status, Code: "unexpected_status", Err: ErrBadResponse}
	}
	var rep HeartbeatReply
	if err := decode("heartbeat", r, &rep); err != nil {
		return HeartbeatReply{}, err
	}
	if rep.ServerTime.IsZero() {
		return HeartbeatReply{}, &Error{Op: "heartbeat", Status: r.status, Code: "bad_response", Message: "no server_time", Err: ErrBadResponse}
	}
	known := rep.Commands[:0]
	for _, cmd := range rep.Commands {
		if cmd.Type == CommandRefreshCatalog || cmd.Type == CommandUploadAudit || cmd.Type == CommandRefreshCenter {
			known = append(known, cmd)
		}
	}
	rep.Commands = known
	return rep, nil
}

// UploadAudit sends audit events of the terminal's first chain, without a
// chain_id (as a terminal from before chains does); see UploadAuditChain.
func (c *Client) UploadAudit(ctx context.Context, events []kiosk.AuditEvent) (int64, error) {
	return c.UploadAuditChain(ctx, kiosk.AuditChain{}, events)
}

// UploadAuditChain sends audit events of one chain in order and returns
// the highest seq the server holds of that chain. An empty list asks for it
// without sending anything. The chain's restart block, if it has one, goes
// with every call: the server needs it with the chain's first events and
// ignores it once it knows the chain. A chain the server has closed is
// answered 409 chain_closed.
func (c *Client) UploadAuditChain(ctx context.Context, chain kiosk.AuditChain, events []kiosk.AuditEvent) (int64, error) {
	if events == nil {
		events = []kiosk.AuditEvent{}
	}
	in := struct {
		ChainID string              `json:"chain_id,omitempty"`
		Restart *kiosk.AuditRestart `json:"restart,omitempty"`
		Events  []kiosk.AuditEvent  `json:"events"`
	}{chain.ID, chain.Restart, events}
	r, err := c.do(ctx, "audit", http.MethodPost, "/v1/audit", in, nil, c.cfg.MaxResponseBytes)
	if err != nil {
		return 0, err
	}
	if r.status != http.StatusOK {
		return 0, &Error{Op: "audit", Status: r.status, Code: "unexpected_status", Err: ErrBadResponse}
	}
	var out struct {
		AckedThrough *int64 `json:"acked_through"`
	}
	if err := decode("audit", r, &out); err != nil {
		return 0, err
	}
	if out.AckedThrough == nil || *out.AckedThrough < 0 {
		return 0, &Error{Op: "audit", Status: r.status, Code: "bad_response", Message: "no acked_through", Err: ErrBadResponse}
	}
	return *out.AckedThrough, nil
}
