package intakesim

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
)

// The centre of version 1.1: its hours (every day of the week, evenings on
// Tuesday and Thursday, mornings at weekends), a holiday a few days after
// the server starts (so that every demo shows one) and the calendar's
// public holidays as closed days, counters per category, a queue that
// moves with the clock and appointment slots for the next 14 days.

// counterDef is one counter category of the sample centre.
type counterDef struct {
	Category string
	Name     string
	Letter   string // ticket numbers: A001 …
	Serve    int    // minutes between calls of the category's counters
	Capacity int    // bookings per 30-minute slot
	Weekdays bool   // open Monday to Friday only
}

var counterDefs = []counterDef{
	{kiosk.CounterGeneral, "综合窗口（1–3号）", "A", 2, 3, false}, // three windows: one called every 2 minutes
	{"老龄", "老龄服务窗口（4号）", "B", 6, 2, false},
	{"就业", "就业服务窗口（5号）", "C", 5, 2, false},
	{"社保", "社保窗口（6号）", "D", 5, 2, false},
	{"医保", "医保窗口（7号）", "E", 5, 2, false},
	{"计生", "计生窗口（8号）", "F", 7, 2, false},
	{"居住证", "居住证窗口（9号）", "G", 6, 2, false},
	{"社会救助", "社会救助窗口（10号）", "H", 9, 2, false},
	{"婚姻", "婚姻登记咨询窗口（11号）", "J", 8, 1, true},
	{"残疾人", "残疾人服务窗口（12号）", "K", 9, 1, true},
	{"退役军人", "退役军人服务窗口（13号）", "L", 9, 1, true},
}

func counterFor(category string) (counterDef, bool) {
	for _, c := range counterDefs {
		if c.Category == category {
			return c, true
		}
	}
	return counterDef{}, false
}

func counterByLetter(letter string) (counterDef, bool) {
	for _, c := range counterDefs {
		if c.Letter == letter {
			return c, true
		}
	}
	return counterDef{}, false
}

// weekHours are the regular hours: 09:00–17:00, to 20:00 on Tuesday and
// Thursday (错时服务), 09:00–12:00 on Saturday and Sunday (全年无休).
var weekHours = []kiosk.OpeningHours{
	{Weekday: 1, Open: "09:00", Close: "17:00"},
	{Weekday: 2, Open: "09:00", Close: "20:00"},
	{Weekday: 3, Open: "09:00", Close: "17:00"},
	{Weekday: 4, Open: "09:00", Close: "20:00"},
	{Weekday: 5, Open: "09:00", Close: "17:00"},
	{Weekday: 6, Open: "09:00", Close: "12:00"},
	{Weekday: 7, Open: "09:00", Close: "12:00"},
}

// HolidayOffset is how many days after the server's start its centre
// closes for a day (an exception of its hours).
const HolidayOffset = 5

// SlotDays is how far ahead appointments may be booked: today and the
// next 13 days.
const SlotDays = 14

// Center modes (Options.CenterMode, the admin handler's PUT /center).
const (
	ModeAuto   = "auto"   // by the hours
	ModeOpen   = "open"   // open now whatever the hours (demos at night)
	ModeClosed = "closed" // closed now
)

// Assistance modes (Options.Assistance, the admin handler's PUT /assistance).
const (
	AssistAuto     = "auto" // notified while the centre is open, no_staff_available when closed
	AssistNotified = "notified"
	AssistNoStaff  = "no_staff_available"
)

func dayOf(t time.Time) time.Time {
	t = t.In(shanghai)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, shanghai)
}

func (s *Server) buildCenter(start time.Time) kiosk.Center {
	today := dayOf(start)
	ex := map[string]kiosk.HoursException{}
	ex[today.AddDate(0, 0, HolidayOffset).Format(kiosk.DateLayout)] = kiosk.HoursException{
		Date: today.AddDate(0, 0, HolidayOffset).Format(kiosk.DateLayout), Closed: true}
	last := today.AddDate(0, 0, 31).Format(kiosk.DateLayout)
	for _, h := range s.Catalog().Calendar.Holidays {
		if h >= today.Format(kiosk.DateLayout) && h <= last {
			ex[h] = kiosk.HoursException{Date: h, Closed: true}
		}
	}
	exceptions := make([]kiosk.HoursException, 0, len(ex))
	for _, e := range ex {
		exceptions = append(exceptions, e)
	}
	sort.Slice(exceptions, func(i, j int) bool { return exceptions[i].Date < exceptions[j].Date })
	counters := make([]kiosk.Counter, 0, len(counterDefs))
	for _, c := range counterDefs {
		counters = append(counters, kiosk.Counter{Category: c.Category, Name: c.Name})
	}
	return kiosk.Center{ID: "PD-CC-HM", Name: "花木街道社区事务受理服务中心", Address: "上海市浦东新区花木路1号",
		Hotline: "021-58881234", Hours: append([]kiosk.OpeningHours(nil), weekHours...), Exceptions: exceptions, Counters: counters}
}

// loadCenter builds the centre from the clock and keeps it in the database.
func (s *Server) loadCenter(ctx context.Context) error {
	c := s.buildCenter(s.now())
	doc, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("intakesim: centre: %w", err)
	}
	sum := sha256.Sum256(doc)
	etag := `"c` + hex.EncodeToString(sum[:10]) + `"`
	if _, err := s.db.ExecContext(ctx, `INSERT INTO center (id, doc, etag) VALUES (1, ?, ?)
		ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, etag = excluded.etag`, doc, etag); err != nil {
		return fmt.Errorf("intakesim: centre: %w", err)
	}
	s.catMu.Lock()
	s.center, s.centerDoc, s.centerETag = c, doc, etag
	s.catMu.Unlock()
	return nil
}

// Center returns the centre being served.
func (s *Server) Center() kiosk.Center {
	s.catMu.RLock()
	defer s.catMu.RUnlock()
	return s.center
}

// SetCenterMode forces the centre open or closed now, or back to its hours.
func (s *Server) SetCenterMode(mode string) error {
	switch mode {
	case "", ModeAuto, ModeOpen, ModeClosed:
	default:
		return fmt.Errorf("%w: centre mode %q (auto, open, closed)", ErrOptions, mode)
	}
	if mode == "" {
		mode = ModeAuto
	}
	s.mu.Lock()
	s.centerMode = mode
	s.mu.Unlock()
	return nil
}

// SetAssistance forces the answer to calls for staff, or back to auto.
func (s *Server) SetAssistance(mode string) error {
	switch mode {
	case "", AssistAuto, AssistNotified, AssistNoStaff:
	default:
		return fmt.Errorf("%w: assistance mode %q (auto, notified, no_staff_available)", ErrOptions, mode)
	}
	if mode == "" {
		mode = AssistAuto
	}
	s.mu.Lock()
	s.assistMode = mode
	s.mu.Unlock()
	return nil
}

func (s *Server) modes() (center, assist string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.centerMode, s.assistMode
}

func parseClock(day time.Time, hhmm string) time.Time {
	var h, m int
	fmt.Sscanf(hhmm, "%d:%d", &h, &m)
	return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
}

// span is the centre's opening on day (its regular hours or the day's
// exception, as kiosk.Center.Status reads them: the terminal's reading);
// ok is false when it is closed all day.
func (s *Server) span(day time.Time) (open, close time.Time, ok bool) {
	c := s.Center()
	st := c.Status(dayOf(day))
	if len(st.Today) == 0 {
		return time.Time{}, time.Time{}, false
	}
	return st.Today[0].Open, st.Today[0].Close, true
}

// openSpan is the span the centre is open in at now, by its hours or its
// forced mode.
func (s *Server) openSpan(now time.Time) (open, close time.Time, ok bool) {
	mode, _ := s.modes()
	switch mode {
	case ModeClosed:
		return time.Time{}, time.Time{}, false
	case ModeOpen:
		day := dayOf(now)
		o, c, ok := s.span(day)
		if !ok || now.Before(o) {
			o = day
		}
		if !ok || !now.Before(c) {
			c = day.AddDate(0, 0, 1)
		}
		return o, c, true
	}
	o, c, ok := s.span(now)
	if !ok || now.Before(o) || !now.Before(c) {
		return time.Time{}, time.Time{}, false
	}
	return o, c, true
}

// nextOpening is the next time the centre opens after now (by its hours);
// forced closed within its hours, the opening after the present span.
func (s *Server) nextOpening(now time.Time) (time.Time, bool) {
	c := s.Center()
	st := c.Status(now)
	if st.Open {
		st = c.Status(st.ClosesAt)
	}
	return st.NextOpen, !st.NextOpen.IsZero()
}

var weekdayZh = []string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}

func closedMessage(next time.Time, ok bool) string {
	if !ok {
		return "中心现在不开放 / the centre is closed now"
	}
	next = next.In(shanghai)
	return fmt.Sprintf("中心现在不开放，下次开放时间：%d月%d日（%s）%s / the centre is closed now; it opens next on %s",
		int(next.Month()), next.Day(), weekdayZh[next.Weekday()], next.Format("15:04"), next.Format("Mon 2 Jan 15:04"))
}

// unit is a deterministic number in [0, 1) for a key.
func unit(parts ...string) float64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	x := h.Sum64() // FNV's close inputs give close sums: mix (splitmix64's finaliser)
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return float64(x>>11) / float64(1<<53)
}

// queueState simulates one category's queue on now's day from the opening
// to now, a minute at a time: walk-in arrivals drawn from the day, the
// category and the minute (busier in the first two hours), the terminal's
// tickets from the database (after the minute's call: a ticket is never
// called before it was issued), and one ticket called every Serve minutes
// while anyone waits. issued counts every ticket so far, called those
// called (first in, first out: the called-th is being served).
func (s *Server) queueState(q sqlQuerier, c counterDef, now time.Time, open time.Time) (issued, called int, err error) {
	day := dayOf(now).Format(kiosk.DateLayout)
	rows, err := q.Query("SELECT issued_at FROM tickets WHERE day = ? AND category = ?", day, c.Category)
	if err != nil {
		return 0, 0, err
	}
	perMinute := map[int]int{}
	for rows.Next() {
		var at string
		if err := rows.Scan(&at); err != nil {
			rows.Close()
			return 0, 0, err
		}
		t, _ := time.Parse(time.RFC3339Nano, at)
		perMinute[max(int(t.Sub(open)/time.Minute), 0)]++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, err
	}
	minutes := int(now.Sub(open) / time.Minute)
	issued = 1 + int(unit(day, c.Category, "base")*4) // waiting at the opening
	for m := 0; m <= minutes; m++ {
		rate := 0.6
		if m < 120 {
			rate = 1.0
		}
		if unit(day, c.Category, fmt.Sprint(m)) < rate/float64(c.Serve) {
			issued++ // a walk-in, at the start of the minute
		}
		if m%c.Serve == 0 && issued > called {
			called++ // a call, at the start of the minute
		}
		issued += perMinute[m] // the terminal's tickets, later in the minute
	}
	return min(issued, 999), min(called, 999), nil
}

type sqlQuerier interface {
	Query(query string, args ...any) (*sql.Rows, error)
}

func ticketNo(c counterDef, n int) string { return fmt.Sprintf("%s%03d", c.Letter, n) }

func (s *Server) handleCenter(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.authenticate(w, r); !ok {
		return
	}
	s.catMu.RLock()
	doc, etag := s.centerDoc, s.centerETag
	s.catMu.RUnlock()
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "no-cache")
	if etagMatch(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	writeRaw(w, r, http.StatusOK, doc, nil)
}

type queueCategoryJSON struct {
	Category       string  `json:"category"`
	Waiting        int     `json:"waiting"`
	EstWaitMinutes int     `json:"est_wait_minutes"`
	Serving        *string `json:"serving"`
}

func (s *Server) handleQueue(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.authenticate(w, r); !ok {
		return
	}
	now := s.now().In(shanghai)
	open, _, isOpen := s.openSpan(now)
	cats := []queueCategoryJSON{}
	err := s.tx(r.Context(), func(tx *sql.Tx) error {
		for _, c := range counterDefs {
			qc := queueCategoryJSON{Category: c.Category}
			if isOpen && !(c.Weekdays && weekend(now)) {
				issued, called, err := s.queueState(tx, c, now, open)
				if err != nil {
					return err
				}
				qc.Waiting = issued - called
				qc.EstWaitMinutes = qc.Waiting * c.Serve
				if called > 0 {
					no := ticketNo(c, called)
					qc.Serving = &no
				}
			}
			cats = append(cats, qc)
		}
		return nil
	})
	if err != nil {
		s.internal(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "max-age=15")
	writeJSON(w, r, http.StatusOK, map[string]any{"as_of": now.Truncate(time.Second), "open": isOpen, "categories": cats})
}

func weekend(t time.Time) bool {
	wd := t.In(shanghai).Weekday()
	return wd == time.Saturday || wd == time.Sunday
}

// fail is a refusal of a v1.1 request: status and error detail.
type fail struct {
	status int
	detail errorDetail
}

func refuse(status int, code, msg string, fields ...intakeFieldError) *fail {
	return &fail{status: status, detail: errorDetail{Code: code, Message: msg, Fields: fields}}
}

func invalid(fields []intakeFieldError) *fail {
	if len(fields) == 0 {
		return nil
	}
	return refuse(http.StatusUnprocessableEntity, "validation_failed", "请求内容有误 / the request has errors", fields...)
}

// createOnce runs a creating POST of v1.1 under its Idempotency-Key (equal
// to the body's idMember): a replay of the same body answers the stored
// 201 body with 200 and Idempotent-Replayed, another body with the key 409
// idempotency_conflict. create runs in the transaction that stores the key;
// a refusal stores nothing.
func (s *Server) createOnce(w http.ResponseWriter, r *http.Request, endpoint, idMember string,
	create func(tx *sql.Tx, terminal string, body []byte, now time.Time) (any, *fail, error)) {
	terminal, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	body, ok := s.readJSON(w, r)
	if !ok {
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if len(key) >= 2 && key[0] == '"' && key[len(key)-1] == '"' {
		key = key[1 : len(key)-1]
	}
	var head map[string]any
	_ = json.Unmarshal(body, &head)
	if key == "" || !kiosk.ValidSubmissionID(key) || head[idMember] != key {
		s.stats.rejected.Add(1)
		writeError(w, r, http.StatusBadRequest, "idempotency_key_required",
			"须带 Idempotency-Key 请求头（ULID 或 UUID），且与 "+idMember+" 相同 / Idempotency-Key header (ULID or UUID) required, equal to "+idMember, nil)
		return
	}
	canon, err := kiosk.CanonicalJSON(body)
	if err != nil {
		s.stats.rejected.Add(1)
		writeError(w, r, http.StatusBadRequest, "bad_json", "请求体不是合法的 JSON / body is not valid JSON", nil)
		return
	}
	sum := sha256.Sum256(canon)
	hash := hex.EncodeToString(sum[:])
	now := s.now().In(shanghai)
	var (
		response []byte
		replayed bool
		conflict bool
		refused  *fail
	)
	err = s.tx(r.Context(), func(tx *sql.Tx) error {
		if last := s.lastPrune11.Load(); now.Unix()-last >= 60 && s.lastPrune11.CompareAndSwap(last, now.Unix()) {
			if _, err := tx.Exec("DELETE FROM idem11 WHERE expires_at < ?", now.UTC().Format(time.RFC3339Nano)); err != nil {
				return err
			}
		}
		var stored string
		err := tx.QueryRow("SELECT body_hash, response FROM idem11 WHERE terminal_id = ? AND endpoint = ? AND key = ? AND expires_at >= ?",
			terminal, endpoint, key, now.UTC().Format(time.RFC3339Nano)).Scan(&stored, &response)
		switch {
		case err == nil && stored == hash:
			replayed = true
			return nil
		case err == nil:
			conflict = true
			return nil
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		out, f, err := create(tx, terminal, body, now)
		if err != nil || f != nil {
			refused = f
			return err
		}
		if response, err = json.Marshal(out); err != nil {
			return err
		}
		_, err = tx.Exec(`INSERT INTO idem11 (terminal_id, endpoint, key, body_hash, response, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (terminal_id, endpoint, key) DO UPDATE SET
			body_hash = excluded.body_hash, response = excluded.response, created_at = excluded.created_at, expires_at = excluded.expires_at`,
			terminal, endpoint, key, hash, response, now.UTC().Format(time.RFC3339Nano), now.Add(KeyRetention).UTC().Format(time.RFC3339Nano))
		return err
	})
	switch {
	case err != nil:
		s.internal(w, r, err)
	case conflict:
		s.stats.conflicts.Add(1)
		writeError(w, r, http.StatusConflict, "idempotency_conflict",
			"该幂等键已用于不同的请求内容 / this Idempotency-Key was used with a different body", nil)
	case replayed:
		s.stats.replays.Add(1)
		w.Header().Set("Idempotent-Replayed", "true")
		writeRaw(w, r, http.StatusOK, response, nil)
	case refused != nil:
		s.stats.rejected.Add(1)
		writeJSON(w, r, refused.status, errorBody{refused.detail})
	default:
		writeRaw(w, r, http.StatusCreated, response, nil)
	}
}

// strictMembers decodes body into v; a wrong type is a 422.
func strictMembers(body []byte, v any) *fail {
	if err := json.Unmarshal(body, v); err != nil {
		d := typeError(err)
		return &fail{status: http.StatusUnprocessableEntity, detail: *d}
	}
	return nil
}

type ticketBody struct {
	TicketID   string `json:"ticket_id"`
	TerminalID string `json:"terminal_id"`
	Category   string `json:"category"`
	ItemCode   string `json:"item_code"`
	Reason     string `json:"reason"`
	Holder     *struct {
		IDNumber string `json:"id_number"`
		Name     string `json:"name"`
	} `json:"holder"`
}

type ticketJSON struct {
	TicketNo       string    `json:"ticket_no"`
	Category       string    `json:"category"`
	WaitingAhead   int       `json:"waiting_ahead"`
	EstWaitMinutes int       `json:"est_wait_minutes"`
	IssuedAt       time.Time `json:"issued_at"`
	ValidUntil     time.Time `json:"valid_until"`
	StatusURL      string    `json:"status_url"`
}

func (s *Server) handleTicket(w http.ResponseWriter, r *http.Request) {
	s.createOnce(w, r, "tickets", "ticket_id", func(tx *sql.Tx, terminal string, body []byte, now time.Time) (any, *fail, error) {
		var b ticketBody
		if f := strictMembers(body, &b); f != nil {
			return nil, f, nil
		}
		var fe []intakeFieldError
		add := func(field, code, msg string) {
			fe = append(fe, intakeFieldError{Field: field, Code: code, Message: msg})
		}
		if b.TerminalID != terminal {
			add("terminal_id", "mismatch", "终端号与请求头不符 / terminal_id does not match X-Terminal-Id")
		}
		c, known := counterFor(b.Category)
		if !known {
			add("category", "unknown_category", "没有这个窗口类别 / no such counter category")
		}
		switch b.Reason {
		case kiosk.TicketForwardedItem, kiosk.TicketMaterialsCheck, kiosk.TicketCardProblem, kiosk.TicketResidentChoice:
		default:
			add("reason", "invalid", "未知的取号原因 / unknown reason")
		}
		if b.ItemCode != "" {
			if _, ok := s.Catalog().Item(b.ItemCode); !ok {
				add("item_code", "unknown_item", "没有这个事项 / no such item")
			}
		}
		if b.Holder != nil {
			if !kiosk.ValidDocumentNumber(kiosk.CardForeignPermanent, b.Holder.IDNumber) {
				add("holder.id_number", "invalid_id_number", "证件号码校验位不符 / the ID number fails its check digit (GB 11643)")
			}
			if strings.TrimSpace(b.Holder.Name) == "" {
				add("holder.name", "required", "必填 / required")
			}
		}
		if f := invalid(fe); f != nil {
			return nil, f, nil
		}
		open, closeAt, ok := s.openSpan(now)
		if !ok {
			next, found := s.nextOpening(now)
			f := refuse(http.StatusConflict, "center_closed", closedMessage(next, found))
			if found {
				f.detail.NextOpen = &next
			}
			return nil, f, nil
		}
		if c.Weekdays && weekend(now) {
			return nil, refuse(http.StatusConflict, "category_closed", c.Name+"周末不取号，请到综合窗口 / this counter takes no tickets at weekends; please use the general counters"), nil
		}
		issued, called, err := s.queueState(tx, c, now, open)
		if err != nil {
			return nil, nil, err
		}
		if issued >= 999 {
			return nil, refuse(http.StatusConflict, "category_closed", c.Name+"今日号已取完 / this counter's tickets for today are gone"), nil
		}
		day := dayOf(now).Format(kiosk.DateLayout)
		seq := issued + 1
		no := ticketNo(c, seq)
		var hid, hname string
		if b.Holder != nil {
			hid, hname = b.Holder.IDNumber, b.Holder.Name
		}
		if _, err := tx.Exec(`INSERT INTO tickets (day, category, seq, ticket_no, ticket_id, terminal_id, item_code, reason, holder_id, holder_name, issued_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, day, c.Category, seq, no, b.TicketID, terminal, b.ItemCode, b.Reason, hid, hname,
			now.Format(time.RFC3339Nano)); err != nil {
			return nil, nil, err
		}
		ahead := issued - called
		s.log.Info("intakesim: ticket issued", "terminal", terminal, "ticket_no", no)
		return ticketJSON{TicketNo: no, Category: c.Category, WaitingAhead: ahead, EstWaitMinutes: ahead * c.Serve,
			IssuedAt: now.Truncate(time.Second), ValidUntil: closeAt, StatusURL: s.opts.TrackBaseURL + "T" + strings.ReplaceAll(day, "-", "") + "-" + no}, nil, nil
	})
}
