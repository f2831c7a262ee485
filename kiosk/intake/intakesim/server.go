// Package intakesim is a development server of the central intake API (the
// contract is kiosk/intake/openapi.yaml): its own SQLite database, a seeded
// catalogue of Shanghai community items and a 2026–2027 calendar, sample
// residents with case histories, idempotent submissions, cases that advance
// over (scaled) time, heartbeat commands, audit hash chains per terminal
// (each verified on its own; the admin handler's GET /audit shows them with
// their restarts and gaps), and fault injection (by Options and at run time
// through the admin handler).
//
// It is importable so that `kiosk demo` and end-to-end tests can start it in
// process on loopback; cmd/intake-sim is its thin command.
package intakesim

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
)

// Limits and retention of the contract.
const (
	MaxBodyBytes   = 1 << 20
	KeyRetention   = 30 * 24 * time.Hour
	maxCasesPerAsk = 50
)

// shanghai is the zone the central system writes its times in, the
// terminal's own (kiosk.Zone).
var shanghai = kiosk.Zone()

// Sentinel errors of the package.
var (
	ErrOptions = errors.New("intakesim: bad options")
	ErrClosed  = errors.New("intakesim: server closed")
)

// Options configure a Server.
type Options struct {
	// DataDir holds the SQLite database (created if missing). Required.
	DataDir string
	// Terminals maps terminal id to bearer token. Required, at least one.
	Terminals map[string]string
	// TimeScale speeds case progress: 1 is real time, 60 makes an hour a
	// minute. Default 1.
	TimeScale float64
	// TrackBaseURL prefixes case numbers to make track_url.
	TrackBaseURL string
	// GuideBaseURL prefixes item codes to make the seeded catalogue's
	// guide_url (two items in three have one).
	GuideBaseURL string
	// Faults to inject from the start; change them later with SetFaults or
	// the admin handler.
	Faults Faults
	// Seed makes the fault draws deterministic: the same sequence of
	// requests meets the same sequence of faults.
	Seed uint64
	// Now is the clock (default time.Now): case progress, the centre's
	// hours and holiday (computed from the clock at start), the queue, the
	// appointment slots.
	Now func() time.Time
	// CenterMode is ModeAuto (default: by the hours), ModeOpen or
	// ModeClosed (the centre forced open or closed now, for demos).
	CenterMode string
	// Assistance is AssistAuto (default: notified while the centre is
	// open, no_staff_available when it is closed), AssistNotified or
	// AssistNoStaff.
	Assistance string
	// Logger (default: discard). Never receives a full ID number.
	Logger *slog.Logger
}

// Stats count what the server did, for tests and the admin handler.
type Stats struct {
	Requests      int64 `json:"requests"`
	Submissions   int64 `json:"submissions"` // 201: new cases from submissions
	Replays       int64 `json:"replays"`     // 200 Idempotent-Replayed
	Conflicts     int64 `json:"conflicts"`   // 409 idempotency_conflict
	Rejected      int64 `json:"rejected"`    // 4xx other than the above
	FaultsApplied int64 `json:"faults_applied"`
	CommitDrops   int64 `json:"commit_drops"`
	Paused        int64 `json:"paused"` // 429 and 503 answered with Retry-After
}

// Server is the development intake server.
type Server struct {
	opts Options
	db   *sql.DB
	// stmts caches the submission path's prepared statements by query;
	// pending lists those met inside a transaction, to prepare afterwards.
	stmts, pending sync.Map
	now            func() time.Time
	log            *slog.Logger
	ready          atomic.Bool

	mu         sync.Mutex // guards faults, rng, centerMode, assistMode
	faults     Faults
	rng        *rand.Rand
	centerMode string
	assistMode string
	started    time.Time // the clock at New: the holiday and the booked-out day follow it

	catMu      sync.RWMutex // guards the catalogue and the centre
	catalog    kiosk.Catalog
	catDoc     []byte
	catGzip    []byte
	catETag    string
	center     kiosk.Center
	centerDoc  []byte
	centerETag string

	stats struct {
		requests, submissions, replays, conflicts, rejected, faults, drops, paused atomic.Int64
	}

	lastPrune   atomic.Int64 // Unix seconds of the last sweep of expired keys
	lastPrune11 atomic.Int64 // the same for the keys of v1.1

	closing chan struct{}
	closeMu sync.Mutex
	servers []*http.Server
	wg      sync.WaitGroup
}

// New opens (or creates and seeds) the database and returns a server that
// is not yet listening: use Handler, Start or Run.
func New(opts Options) (*Server, error) {
	if opts.DataDir == "" {
		return nil, fmt.Errorf("%w: data dir missing", ErrOptions)
	}
	if len(opts.Terminals) == 0 {
		return nil, fmt.Errorf("%w: no terminal id:token", ErrOptions)
	}
	for id, tok := range opts.Terminals {
		if id == "" || tok == "" {
			return nil, fmt.Errorf("%w: empty terminal id or token", ErrOptions)
		}
	}
	if opts.TimeScale <= 0 {
		opts.TimeScale = 1
	}
	if opts.TrackBaseURL == "" {
		opts.TrackBaseURL = "https://ywtb.pudong.example/track/"
	}
	if opts.GuideBaseURL == "" {
		opts.GuideBaseURL = DefaultGuideBaseURL
	}
	if err := opts.Faults.validate(); err != nil {
		return nil, err
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	db, err := openDB(context.Background(), opts.DataDir)
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, db: db, now: opts.Now, log: opts.Logger, faults: opts.Faults,
		rng: rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15)), closing: make(chan struct{}), started: opts.Now()}
	if err := s.SetCenterMode(opts.CenterMode); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.SetAssistance(opts.Assistance); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.seed(context.Background()); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.loadCatalog(context.Background()); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.loadCenter(context.Background()); err != nil {
		db.Close()
		return nil, err
	}
	s.ready.Store(true)
	return s, nil
}

func (s *Server) seed(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("intakesim: seed: %w", err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM catalog").Scan(&n); err != nil {
		return fmt.Errorf("intakesim: seed: %w", err)
	}
	if n > 0 {
		return nil
	}
	cat := seedCatalog(s.now(), s.opts.GuideBaseURL)
	if err := cat.Validate(); err != nil {
		return fmt.Errorf("intakesim: seed catalogue: %w", err)
	}
	doc, err := json.Marshal(cat)
	if err != nil {
		return fmt.Errorf("intakesim: seed: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO catalog (id, version, doc) VALUES (1, ?, ?)", cat.Version, doc); err != nil {
		return fmt.Errorf("intakesim: seed: %w", err)
	}
	if err := seedCases(ctx, tx, cat, s.now(), s.opts.TrackBaseURL); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("intakesim: seed: %w", err)
	}
	return nil
}

func (s *Server) loadCatalog(ctx context.Context) error {
	var doc []byte
	if err := s.db.QueryRowContext(ctx, "SELECT doc FROM catalog WHERE id = 1").Scan(&doc); err != nil {
		return fmt.Errorf("intakesim: load catalogue: %w", err)
	}
	var cat kiosk.Catalog
	if err := json.Unmarshal(doc, &cat); err != nil {
		return fmt.Errorf("intakesim: load catalogue: %w", err)
	}
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	zw.Write(doc)
	zw.Close()
	sum := sha256.Sum256(doc)
	s.catMu.Lock()
	s.catalog, s.catDoc, s.catGzip = cat, doc, zb.Bytes()
	s.catETag = `"` + hex.EncodeToString(sum[:12]) + `"`
	s.catMu.Unlock()
	return nil
}

// BumpCatalog publishes a new catalogue version (same items, new version and
// generated_at), so that terminals see a new ETag. It returns the version.
func (s *Server) BumpCatalog(ctx context.Context) (string, error) {
	s.catMu.RLock()
	cat := s.catalog
	s.catMu.RUnlock()
	now := s.now().In(shanghai).Truncate(time.Second)
	cat.Version = now.Format("2006.01.02-150405")
	cat.GeneratedAt = now
	doc, err := json.Marshal(cat)
	if err != nil {
		return "", fmt.Errorf("intakesim: bump catalogue: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, "UPDATE catalog SET version = ?, doc = ? WHERE id = 1", cat.Version, doc); err != nil {
		return "", fmt.Errorf("intakesim: bump catalogue: %w", err)
	}
	return cat.Version, s.loadCatalog(ctx)
}

// Catalog returns the catalogue being served.
func (s *Server) Catalog() kiosk.Catalog {
	s.catMu.RLock()
	defer s.catMu.RUnlock()
	return s.catalog
}

// Stats returns the counters.
func (s *Server) Stats() Stats {
	return Stats{Requests: s.stats.requests.Load(), Submissions: s.stats.submissions.Load(),
		Replays: s.stats.replays.Load(), Conflicts: s.stats.conflicts.Load(), Rejected: s.stats.rejected.Load(),
		FaultsApplied: s.stats.faults.Load(), CommitDrops: s.stats.drops.Load(), Paused: s.stats.paused.Load()}
}

// Handler returns the API handler (the /v1 routes, faults included).
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/catalog", s.handleCatalog)
	mux.HandleFunc("POST /v1/submissions", s.handleSubmit)
	mux.HandleFunc("POST /v1/cases/query", s.handleCases)
	mux.HandleFunc("POST /v1/terminals/{terminal_id}/heartbeat", s.handleHeartbeat)
	mux.HandleFunc("POST /v1/audit", s.handleAudit)
	mux.HandleFunc("GET /v1/center", s.handleCenter)
	mux.HandleFunc("GET /v1/queue", s.handleQueue)
	mux.HandleFunc("POST /v1/tickets", s.handleTicket)
	mux.HandleFunc("GET /v1/appointments/slots", s.handleSlots)
	mux.HandleFunc("POST /v1/appointments", s.handleBook)
	mux.HandleFunc("POST /v1/appointments/query", s.handleAppointmentsQuery)
	mux.HandleFunc("POST /v1/appointments/cancel", s.handleAppointmentsCancel)
	mux.HandleFunc("POST /v1/ratings", s.handleRating)
	mux.HandleFunc("POST /v1/assistance", s.handleAssistance)
	mux.HandleFunc("GET /track/{case_no}", s.handleTrack)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v1/") {
			for _, p := range []string{"/v1/catalog", "/v1/submissions", "/v1/cases/query", "/v1/audit", "/v1/center", "/v1/queue",
				"/v1/tickets", "/v1/appointments", "/v1/appointments/slots", "/v1/appointments/query", "/v1/appointments/cancel",
				"/v1/ratings", "/v1/assistance"} {
				if r.URL.Path == p {
					writeError(w, r, http.StatusMethodNotAllowed, "method_not_allowed", "方法不允许 / method not allowed", nil)
					return
				}
			}
		}
		writeError(w, r, http.StatusNotFound, "not_found", "没有这个接口 / no such endpoint", nil)
	})
	return s.withFaults(mux)
}

// Start listens on the API address and, if admin is not empty, on the admin
// address, serving in the background until Close. It returns the base URLs
// (http://host:port). Use "127.0.0.1:0" for a free port.
func (s *Server) Start(listen, admin string) (apiURL, adminURL string, err error) {
	select {
	case <-s.closing:
		return "", "", ErrClosed
	default:
	}
	apiLn, err := net.Listen("tcp", listen)
	if err != nil {
		return "", "", fmt.Errorf("intakesim: listen: %w", err)
	}
	var adminLn net.Listener
	if admin != "" {
		if adminLn, err = net.Listen("tcp", admin); err != nil {
			apiLn.Close()
			return "", "", fmt.Errorf("intakesim: listen admin: %w", err)
		}
		adminURL = "http://" + adminLn.Addr().String()
	}
	s.serve(apiLn, s.Handler())
	if adminLn != nil {
		s.serve(adminLn, s.AdminHandler())
	}
	return "http://" + apiLn.Addr().String(), adminURL, nil
}

func (s *Server) serve(ln net.Listener, h http.Handler) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelDebug)}
	s.closeMu.Lock()
	s.servers = append(s.servers, srv)
	s.closeMu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("intakesim: serve", "err", err)
		}
	}()
}

// Run serves like Start until ctx is done, then shuts down and closes.
func (s *Server) Run(ctx context.Context, listen, admin string) error {
	api, adm, err := s.Start(listen, admin)
	if err != nil {
		return err
	}
	s.log.Info("intakesim: serving", "api", api, "admin", adm)
	<-ctx.Done()
	return s.Close()
}

// Close stops the listeners (held requests are released) and closes the
// database.
func (s *Server) Close() error {
	s.closeMu.Lock()
	select {
	case <-s.closing:
		s.closeMu.Unlock()
		return nil
	default:
	}
	close(s.closing)
	servers := s.servers
	s.closeMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, srv := range servers {
		if err := srv.Shutdown(ctx); err != nil {
			srv.Close()
		}
	}
	s.wg.Wait()
	s.ready.Store(false)
	s.stmts.Range(func(_, st any) bool { st.(*sql.Stmt).Close(); return true })
	return s.db.Close()
}

// authenticate checks the bearer token and terminal id; it writes 401/403
// and returns false on failure.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (string, bool) {
	auth := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok || tok == "" {
		s.stats.rejected.Add(1)
		w.Header().Set("WWW-Authenticate", `Bearer realm="intake"`)
		writeError(w, r, http.StatusUnauthorized, "unauthorized", "缺少或错误的令牌 / missing or wrong token", nil)
		return "", false
	}
	owner := ""
	for id, want := range s.opts.Terminals {
		if subtle.ConstantTimeCompare([]byte(tok), []byte(want)) == 1 {
			owner = id
		}
	}
	if owner == "" {
		s.stats.rejected.Add(1)
		w.Header().Set("WWW-Authenticate", `Bearer realm="intake", error="invalid_token"`)
		writeError(w, r, http.StatusUnauthorized, "unauthorized", "缺少或错误的令牌 / missing or wrong token", nil)
		return "", false
	}
	if r.Header.Get("X-Terminal-Id") != owner {
		s.stats.rejected.Add(1)
		writeError(w, r, http.StatusForbidden, "forbidden", "令牌不属于该终端 / token belongs to another terminal", nil)
		return "", false
	}
	return owner, true
}

// readJSON reads a JSON body of at most MaxBodyBytes; on failure it writes
// 400 or 413 and returns false.
func (s *Server) readJSON(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	ct := strings.ToLower(strings.TrimSpace(strings.Split(r.Header.Get("Content-Type"), ";")[0]))
	if ct != "application/json" {
		s.stats.rejected.Add(1)
		writeError(w, r, http.StatusBadRequest, "unsupported_content_type", "请求体须为 application/json / body must be application/json", nil)
		return nil, false
	}
	if r.ContentLength > MaxBodyBytes {
		s.stats.rejected.Add(1)
		writeError(w, r, http.StatusRequestEntityTooLarge, "payload_too_large", "请求体超过 1 MiB / body over 1 MiB", nil)
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		s.stats.rejected.Add(1)
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, r, http.StatusRequestEntityTooLarge, "payload_too_large", "请求体超过 1 MiB / body over 1 MiB", nil)
		} else {
			writeError(w, r, http.StatusBadRequest, "bad_body", "请求体读取失败 / body could not be read", nil)
		}
		return nil, false
	}
	if !json.Valid(body) {
		s.stats.rejected.Add(1)
		writeError(w, r, http.StatusBadRequest, "bad_json", "请求体不是合法的 JSON / body is not valid JSON", nil)
		return nil, false
	}
	return body, true
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string             `json:"code"`
	Message string             `json:"message"`
	Fields  []intakeFieldError `json:"fields,omitempty"`
	// v1.1: the open case of a duplicate_application, the next opening of
	// center_closed, the other slots of slot_full.
	CaseNo       string       `json:"case_no,omitempty"`
	NextOpen     *time.Time   `json:"next_open,omitempty"`
	Alternatives []kiosk.Slot `json:"alternatives,omitempty"`
}

type intakeFieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func writeError(w http.ResponseWriter, r *http.Request, status int, code, msg string, fields []intakeFieldError) {
	writeJSON(w, r, status, errorBody{errorDetail{Code: code, Message: msg, Fields: fields}})
}

// writeJSON writes v, gzip-compressed when the client asks for it.
func writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":{"code":"internal","message":"encoding failed"}}`)
	}
	writeRaw(w, r, status, b, nil)
}

func writeRaw(w http.ResponseWriter, r *http.Request, status int, b, gz []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Add("Vary", "Accept-Encoding")
	if acceptsGzip(r) && len(b) > 256 {
		if gz == nil {
			var zb bytes.Buffer
			zw := gzip.NewWriter(&zb)
			zw.Write(b)
			zw.Close()
			gz = zb.Bytes()
		}
		h.Set("Content-Encoding", "gzip")
		b = gz
	}
	h.Set("Content-Length", fmt.Sprint(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") && strings.ReplaceAll(strings.TrimSpace(q), " ", "") != "q=0" {
			return true
		}
	}
	return false
}

func (s *Server) handleCatalog(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.authenticate(w, r); !ok {
		return
	}
	s.catMu.RLock()
	doc, gz, etag := s.catDoc, s.catGzip, s.catETag
	s.catMu.RUnlock()
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "no-cache")
	if etagMatch(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	writeRaw(w, r, http.StatusOK, doc, gz)
}

func etagMatch(header, etag string) bool {
	for _, part := range strings.Split(header, ",") {
		p := strings.TrimPrefix(strings.TrimSpace(part), "W/")
		if p == "*" || p == etag {
			return true
		}
	}
	return false
}

type heartbeatBody struct {
	AppVersion     string          `json:"app_version"`
	StartedAt      *time.Time      `json:"started_at"`
	Devices        json.RawMessage `json:"devices"`
	Outbox         json.RawMessage `json:"outbox"`
	CatalogVersion string          `json:"catalog_version"`
	DiskFreeBytes  *int64          `json:"disk_free_bytes"`
	// Maintenance is optional: {pin_failures_today, locked_until}.
	Maintenance *struct {
		PINFailuresToday *int       `json:"pin_failures_today"`
		LockedUntil      *time.Time `json:"locked_until"`
	} `json:"maintenance"`
}

func (s *Server) handleHeartbeat(w http.ResponseWriter, r *http.Request) {
	terminal, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	if r.PathValue("terminal_id") != terminal {
		s.stats.rejected.Add(1)
		writeError(w, r, http.StatusForbidden, "forbidden", "路径中的终端号与令牌不符 / path terminal id does not match the token", nil)
		return
	}
	body, ok := s.readJSON(w, r)
	if !ok {
		return
	}
	var hb heartbeatBody
	var fields []intakeFieldError
	if err := json.Unmarshal(body, &hb); err != nil {
		fields = append(fields, intakeFieldError{Field: "body", Code: "invalid", Message: "字段类型错误 / wrong field types"})
	} else {
		if hb.AppVersion == "" {
			fields = append(fields, intakeFieldError{Field: "app_version", Code: "required", Message: "必填 / required"})
		}
		if hb.StartedAt == nil {
			fields = append(fields, intakeFieldError{Field: "started_at", Code: "required", Message: "必填 / required"})
		}
		var devices map[string]struct {
			State string `json:"state"`
		}
		if json.Unmarshal(hb.Devices, &devices) != nil || devices == nil {
			fields = append(fields, intakeFieldError{Field: "devices", Code: "required", Message: "须为对象 / must be an object"})
		}
		for name, d := range devices {
			switch d.State {
			case "ok", "degraded", "offline", "error":
			default:
				fields = append(fields, intakeFieldError{Field: "devices." + name + ".state", Code: "invalid", Message: "未知状态 / unknown state"})
			}
		}
		if len(hb.Outbox) == 0 || hb.Outbox[0] != '{' {
			fields = append(fields, intakeFieldError{Field: "outbox", Code: "required", Message: "须为对象 / must be an object"})
		}
		if m := hb.Maintenance; m != nil && (m.PINFailuresToday == nil || *m.PINFailuresToday < 0) {
			fields = append(fields, intakeFieldError{Field: "maintenance.pin_failures_today", Code: "invalid", Message: "须为非负整数 / must be a whole number, not negative"})
		}
	}
	if len(fields) > 0 {
		s.stats.rejected.Add(1)
		writeError(w, r, http.StatusUnprocessableEntity, "validation_failed", "心跳数据不完整 / heartbeat incomplete", fields)
		return
	}
	now := s.now().In(shanghai)
	type command struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	}
	cmds := []command{}
	err := s.tx(r.Context(), func(tx *sql.Tx) error {
		if _, err := tx.Exec(`INSERT INTO heartbeats (terminal_id, at, body) VALUES (?, ?, ?)
			ON CONFLICT (terminal_id) DO UPDATE SET at = excluded.at, body = excluded.body`, terminal, now.Format(time.RFC3339Nano), body); err != nil {
			return err
		}
		rows, err := tx.Query("SELECT id, type FROM commands WHERE terminal_id = ? AND delivered_at IS NULL ORDER BY id", terminal)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var c command
			if err := rows.Scan(&id, &c.Type); err != nil {
				return err
			}
			c.ID = fmt.Sprint(id)
			cmds = append(cmds, c)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		_, err = tx.Exec("UPDATE commands SET delivered_at = ? WHERE terminal_id = ? AND delivered_at IS NULL", now.Format(time.RFC3339Nano), terminal)
		return err
	})
	if err != nil {
		s.internal(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"server_time": now, "commands": cmds})
}

// QueueCommand queues a command for the terminal's next heartbeat.
func (s *Server) QueueCommand(ctx context.Context, terminal, typ string) (int64, error) {
	res, err := s.db.ExecContext(ctx, "INSERT INTO commands (terminal_id, type, created_at) VALUES (?, ?, ?)",
		terminal, typ, s.now().In(shanghai).Format(time.RFC3339Nano))
	if err != nil {
		return 0, fmt.Errorf("intakesim: queue command: %w", err)
	}
	return res.LastInsertId()
}

func (s *Server) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

func (s *Server) internal(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("intakesim: internal error", "path", r.URL.Path, "err", err)
	writeError(w, r, http.StatusInternalServerError, "internal", "服务器内部错误 / internal error", nil)
}
