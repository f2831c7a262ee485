package intake

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
)

// The v1.1 client against hand-written answers: the error mapping, the
// idempotency keys, personal data only in bodies, and the bad input of
// issue 19 (negative waits, slots in the past or twice, a 20-character
// ticket number, malformed hours).

var fixedNow = time.Date(2026, 11, 27, 10, 0, 0, 0, kiosk.Zone())

func withNow(c *Config) { c.Now = func() time.Time { return fixedNow } }

func TestCenterDropsMalformedHours(t *testing.T) {
	t.Parallel()
	body := `{"center_id":"C1","name":"花木街道社区事务受理服务中心","address":"花木路1号","hotline":"021-1",
	"hours":[{"weekday":1,"open":"09:00","close":"17:00"},{"weekday":8,"open":"09:00","close":"17:00"},
	{"weekday":0,"open":"09:00","close":"17:00"},{"weekday":2,"open":"9:00","close":"17:00"},{"weekday":3,"open":"09:00","close":"25:00"},
	{"weekday":4,"open":"18:00","close":"09:00"},{"weekday":5,"open":"09:60","close":"17:00"},{"weekday":6,"open":"09:00","close":"12:00"}],
	"exceptions":[{"date":"2026-12-02","closed":true},{"date":"2026-13-01","closed":true},{"date":"2026-12-03","open":"x","close":"y"},
	{"date":"2026-12-04","open":"10:00","close":"15:00"}],"counters":[{"category":"general","name":"综合窗口"}]}`
	var conditional atomic.Bool
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/center" || r.Method != http.MethodGet {
			t.Errorf("%s %s", r.Method, r.URL.Path)
		}
		w.Header().Set("ETag", `"v1"`)
		if r.Header.Get("If-None-Match") == `"v1"` {
			conditional.Store(true)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		writeJSON(w, 200, body)
	})
	ce, etag, nm, err := c.Center(context.Background(), "")
	if err != nil || nm || etag != `"v1"` {
		t.Fatalf("center: %v %v %q", err, nm, etag)
	}
	if len(ce.Hours) != 2 || ce.Hours[0].Weekday != 1 || ce.Hours[1].Weekday != 6 {
		t.Errorf("hours kept %+v, want Monday and Saturday only", ce.Hours)
	}
	if len(ce.Exceptions) != 2 || ce.Exceptions[0].Date != "2026-12-02" || ce.Exceptions[1].Date != "2026-12-04" {
		t.Errorf("exceptions kept %+v", ce.Exceptions)
	}
	if _, _, nm, err := c.Center(context.Background(), `"v1"`); err != nil || !nm || !conditional.Load() {
		t.Errorf("conditional: %v %v", nm, err)
	}
	// A centre with no hours at all is still a centre (closed all week).
	c = newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"center_id":"C1","name":"中心","address":"","hotline":"","hours":null,"exceptions":[],"counters":[]}`)
	})
	if ce, _, _, err := c.Center(context.Background(), ""); err != nil || ce.Hours == nil || len(ce.Hours) != 0 {
		t.Errorf("no hours: %+v %v", ce, err)
	}
	// No name: not a centre.
	c = newTestClient(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{"hours":[]}`) })
	if _, _, _, err := c.Center(context.Background(), ""); !errors.Is(err, ErrBadResponse) {
		t.Errorf("nameless: %v", err)
	}
}

func TestQueueClampsNegativeWaits(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"as_of":"2026-11-27T10:00:00+08:00","open":true,"categories":[
		{"category":"老龄","waiting":-3,"est_wait_minutes":-20,"serving":"B012"},
		{"category":"天文","waiting":4,"est_wait_minutes":12,"serving":null}]}`)
	})
	q, err := c.Queue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Categories) != 2 || q.Categories[0].Waiting != 0 || q.Categories[0].EstWaitMinutes != 0 || q.Categories[0].Serving != "B012" {
		t.Errorf("clamped %+v", q.Categories)
	}
	if q.Categories[1].Category != "天文" || q.Categories[1].Waiting != 4 || q.Categories[1].Serving != "" {
		t.Errorf("unknown category not kept as it is: %+v", q.Categories[1])
	}
	// A queue answer that never ends is cut at the bound.
	c = newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"categories":[`+strings.Repeat(`{"category":"x"},`, 100000)+`{}]}`)
	}, func(c *Config) { c.MaxResponseBytes = 64 << 10 })
	if _, err := c.Queue(context.Background()); !errors.Is(err, ErrResponseTooBig) {
		t.Errorf("huge answer: %v", err)
	}
	// 503 with Retry-After: retryable, the pause reported.
	c = newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "9")
		writeJSON(w, 503, `{"error":{"code":"unavailable","message":"x"}}`)
	})
	if _, err := c.Queue(context.Background()); IsFinal(err) || RetryAfter(err) != 9*time.Second {
		t.Errorf("503: %v", err)
	}
}

func TestTicketErrorsAndKey(t *testing.T) {
	t.Parallel()
	holder := kiosk.Person{IDNumber: "310115195003120020", Name: "张秀英"}
	var answer atomic.Value
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		var in map[string]any
		json.NewDecoder(r.Body).Decode(&in)
		if r.Header.Get("Idempotency-Key") != in["ticket_id"] || in["terminal_id"] != "PD-T01" {
			t.Errorf("key %q, body %v", r.Header.Get("Idempotency-Key"), in)
		}
		if strings.Contains(r.URL.String(), holder.IDNumber) {
			t.Error("ID number in the URL")
		}
		a := answer.Load().([2]string)
		status := 201
		if a[0] != "" {
			status = map[string]int{"409": 409, "422": 422, "200": 200, "429": 429}[a[0]]
		}
		if a[0] == "429" {
			w.Header().Set("Retry-After", "3")
		}
		if a[0] == "200" {
			w.Header().Set("Idempotent-Replayed", "true")
		}
		writeJSON(w, status, a[1])
	})
	ok := `{"ticket_no":"B023","category":"老龄","waiting_ahead":4,"est_wait_minutes":24,"issued_at":"2026-11-27T10:00:00+08:00","valid_until":"2026-11-27T17:00:00+08:00","status_url":"https://q.example/B023"}`
	take := func() (kiosk.Ticket, error) {
		return c.TakeTicket(context.Background(), kiosk.NewSubmissionID(), kiosk.TicketRequest{Category: "老龄", Reason: kiosk.TicketResidentChoice, Holder: &holder})
	}
	answer.Store([2]string{"", ok})
	if tk, err := take(); err != nil || tk.TicketNo != "B023" || tk.WaitingAhead != 4 {
		t.Fatalf("ticket %+v %v", tk, err)
	}
	answer.Store([2]string{"200", ok})
	if tk, err := take(); err != nil || tk.TicketNo != "B023" {
		t.Fatalf("replayed ticket %+v %v", tk, err)
	}
	answer.Store([2]string{"", strings.Replace(ok, "B023", "B0230000000000000000", 1)})
	if _, err := take(); !errors.Is(err, ErrBadTicket) || !IsFinal(err) || !strings.Contains(err.Error(), "20 characters") {
		t.Errorf("20-character ticket: %v", err)
	}
	answer.Store([2]string{"409", `{"error":{"code":"center_closed","message":"下次开放时间：周六 09:00 / opens Sat 09:00","next_open":"2026-11-28T09:00:00+08:00"}}`})
	_, err := take()
	var closed *kiosk.CenterClosedError
	if !errors.As(err, &closed) || !closed.Next.Equal(time.Date(2026, 11, 28, 9, 0, 0, 0, kiosk.Zone())) || !strings.Contains(closed.Message, "周六") || !IsFinal(err) {
		t.Errorf("closed: %v", err)
	}
	answer.Store([2]string{"409", `{"error":{"code":"category_closed","message":"x"}}`})
	if _, err := take(); !errors.Is(err, kiosk.ErrCategoryClosed) || !IsFinal(err) {
		t.Errorf("category closed: %v", err)
	}
	answer.Store([2]string{"422", `{"error":{"code":"validation_failed","message":"bad","fields":[{"field":"category","code":"unknown_category","message":"no"}]}}`})
	var rej *kiosk.RejectedError
	if _, err := take(); !errors.As(err, &rej) || rej.Fields[0].Field != "category" || !IsFinal(err) {
		t.Errorf("422: %v", err)
	}
	answer.Store([2]string{"429", `{"error":{"code":"rate_limited","message":"x"}}`})
	if _, err := take(); IsFinal(err) || RetryAfter(err) != 3*time.Second {
		t.Errorf("429: %v", err)
	}
	if _, err := c.TakeTicket(context.Background(), "not-an-id", kiosk.TicketRequest{}); !IsFinal(err) {
		t.Errorf("bad id: %v", err)
	}
}

func TestSlotsCleaned(t *testing.T) {
	t.Parallel()
	var query atomic.Value
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		query.Store(r.URL.Query())
		writeJSON(w, 200, `{"slots":[
		{"slot_id":"B-3","start":"2026-11-28T10:00:00+08:00","end":"2026-11-28T10:30:00+08:00","remaining":-1},
		{"slot_id":"B-1","start":"2026-11-27T09:00:00+08:00","end":"2026-11-27T09:30:00+08:00","remaining":2},
		{"slot_id":"B-2","start":"2026-11-27T14:00:00+08:00","end":"2026-11-27T14:30:00+08:00","remaining":1},
		{"slot_id":"B-2","start":"2026-11-27T14:00:00+08:00","end":"2026-11-27T14:30:00+08:00","remaining":1},
		{"slot_id":"B-2","start":"2026-11-27T14:15:00+08:00","end":"2026-11-27T14:45:00+08:00","remaining":1},
		{"slot_id":"B-4","start":"2026-11-27T15:00:00+08:00","end":"2026-11-27T14:30:00+08:00","remaining":1},
		{"slot_id":"B-5","start":"2026-12-31T16:00:00+08:00","end":"2026-12-31T16:30:00+08:00","remaining":1}]}`)
	}, withNow)
	sl, err := c.Slots(context.Background(), "老龄", fixedNow, fixedNow.AddDate(0, 0, 13))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range sl {
		ids = append(ids, s.ID)
	}
	if strings.Join(ids, ",") != "B-2,B-3,B-5" || sl[1].Remaining != 0 {
		t.Errorf("slots %v (%+v): want the past, the duplicate, the overlap of the same id and the backwards one dropped, sorted", ids, sl)
	}
	q := query.Load().(url.Values)
	if q.Get("category") != "老龄" || q.Get("from") != "2026-11-27" || q.Get("to") != "2026-12-10" {
		t.Errorf("query %v", q)
	}
	if _, err := c.Slots(context.Background(), "老龄", fixedNow, fixedNow.AddDate(0, 0, 31)); !IsFinal(err) {
		t.Errorf("32 days asked: %v", err)
	}
	if _, err := c.Slots(context.Background(), "老龄", fixedNow, fixedNow.AddDate(0, 0, -1)); !IsFinal(err) {
		t.Errorf("backwards: %v", err)
	}
}

func TestBookErrorsAndReplay(t *testing.T) {
	t.Parallel()
	p := kiosk.Person{IDNumber: "310115195003120020", Name: "张秀英"}
	var answer atomic.Value
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			ID        string `json:"appointment_id"`
			Applicant struct {
				IDNumber string `json:"id_number"`
				Phone    string `json:"phone"`
			} `json:"applicant"`
		}
		json.NewDecoder(r.Body).Decode(&in)
		if r.Header.Get("Idempotency-Key") != in.ID || in.Applicant.Phone != "13912345678" || in.Applicant.IDNumber != p.IDNumber {
			t.Errorf("key %q, body %+v", r.Header.Get("Idempotency-Key"), in)
		}
		a := answer.Load().([3]string)
		if a[1] != "" {
			w.Header().Set("Idempotent-Replayed", a[1])
		}
		status := map[string]int{"201": 201, "200": 200, "409": 409, "422": 422}[a[0]]
		writeJSON(w, status, a[2])
	}, withNow)
	ok := `{"appointment_no":"AP20261127-0001","slot":{"start":"2026-11-30T09:00:00+08:00","end":"2026-11-30T09:30:00+08:00"},"category":"老龄","item_code":"MZ-0104","center":{"name":"中心","address":"花木路1号"},"status":"booked","status_url":"https://a.example/1"}`
	req := kiosk.AppointmentRequest{ID: kiosk.NewSubmissionID(), SlotID: "B-1", ItemCode: "MZ-0104", Applicant: p, Phone: "13912345678"}
	answer.Store([3]string{"201", "", ok})
	ap, replayed, err := c.Book(context.Background(), req)
	if err != nil || replayed || ap.No != "AP20261127-0001" || ap.CenterAddress != "花木路1号" || ap.End.Sub(ap.Start) != 30*time.Minute {
		t.Fatalf("book %+v %v %v", ap, replayed, err)
	}
	answer.Store([3]string{"200", "true", ok})
	if _, replayed, err := c.Book(context.Background(), req); err != nil || !replayed {
		t.Errorf("replay: %v %v", replayed, err)
	}
	answer.Store([3]string{"200", "", ok})
	if _, _, err := c.Book(context.Background(), req); !errors.Is(err, ErrNotReplayed) {
		t.Errorf("200 without the header: %v", err)
	}
	answer.Store([3]string{"409", "", `{"error":{"code":"slot_full","message":"满","alternatives":[
	{"slot_id":"B-9","start":"2026-11-30T10:00:00+08:00","end":"2026-11-30T10:30:00+08:00","remaining":1},
	{"slot_id":"B-0","start":"2026-11-26T10:00:00+08:00","end":"2026-11-26T10:30:00+08:00","remaining":1},
	{"slot_id":"B-8","start":"2026-11-30T09:30:00+08:00","end":"2026-11-30T10:00:00+08:00","remaining":2}]}}`})
	_, _, err = c.Book(context.Background(), req)
	var full *kiosk.SlotFullError
	if !errors.As(err, &full) || len(full.Alternatives) != 2 || full.Alternatives[0].ID != "B-8" || !IsFinal(err) {
		t.Errorf("full: %v %+v", err, full)
	}
	answer.Store([3]string{"409", "", `{"error":{"code":"already_booked","message":"x"}}`})
	if _, _, err := c.Book(context.Background(), req); !errors.Is(err, kiosk.ErrAlreadyBooked) || !IsFinal(err) {
		t.Errorf("already booked: %v", err)
	}
	answer.Store([3]string{"422", "", `{"error":{"code":"not_eligible","message":"年满60周岁"}}`})
	var rej *kiosk.RejectedError
	if _, _, err := c.Book(context.Background(), req); !errors.As(err, &rej) || rej.Code != "not_eligible" || !IsFinal(err) {
		t.Errorf("not eligible: %v", err)
	}
	answer.Store([3]string{"409", "", `{"error":{"code":"idempotency_conflict","message":"x"}}`})
	if _, _, err := c.Book(context.Background(), req); !IsFinal(err) || errors.As(err, &full) || errors.Is(err, kiosk.ErrAlreadyBooked) {
		t.Errorf("conflict: %v", err)
	}
}

func TestAppointmentsAndCancel(t *testing.T) {
	t.Parallel()
	p := kiosk.Person{IDNumber: "310115195003120020", Name: "张秀英"}
	var cancelAnswer atomic.Value
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if !strings.Contains(string(b), p.IDNumber) || strings.Contains(r.URL.String(), p.IDNumber) {
			t.Errorf("%s: the number belongs in the body: %s", r.URL, b)
		}
		switch r.URL.Path {
		case "/v1/appointments/query":
			writeJSON(w, 200, `{"appointments":[
			{"appointment_no":"AP2","slot":{"start":"2026-12-01T09:00:00+08:00","end":"2026-12-01T09:30:00+08:00"},"category":"老龄","center":{"name":"c","address":"a"},"status":"booked","status_url":"https://a.example/2"},
			{"appointment_no":"AP1","slot":{"start":"2026-11-30T09:00:00+08:00","end":"2026-11-30T09:30:00+08:00"},"category":"老龄","center":{"name":"c","address":"a"},"status":"booked","status_url":"https://a.example/1"}]}`)
		case "/v1/appointments/cancel":
			a := cancelAnswer.Load().([2]string)
			if a[0] == "404html" {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(404)
				io.WriteString(w, "<html>not found</html>")
				return
			}
			writeJSON(w, map[string]int{"200": 200, "404": 404}[a[0]], a[1])
		}
	})
	list, err := c.Appointments(context.Background(), p.IDNumber, p.Name)
	if err != nil || len(list) != 2 || list[0].No != "AP1" {
		t.Fatalf("appointments %+v %v", list, err)
	}
	cancelAnswer.Store([2]string{"200", `{"status":"cancelled"}`})
	if err := c.CancelAppointment(context.Background(), "AP1", p.IDNumber, p.Name); err != nil {
		t.Fatal(err)
	}
	cancelAnswer.Store([2]string{"404", `{"error":{"code":"appointment_not_found","message":"x"}}`})
	err = c.CancelAppointment(context.Background(), "AP1", p.IDNumber, p.Name)
	if !errors.Is(err, kiosk.ErrNoSuchAppointment) || !IsFinal(err) {
		t.Errorf("404: %v", err)
	}
	cancelAnswer.Store([2]string{"404html", ""})
	err = c.CancelAppointment(context.Background(), "AP1", p.IDNumber, p.Name)
	if errors.Is(err, kiosk.ErrNoSuchAppointment) || IsFinal(err) {
		t.Errorf("a proxy's 404 page taken as the server's answer: %v", err)
	}
	if strings.Contains(err.Error(), p.IDNumber) {
		t.Error("ID number in an error")
	}
}

func TestRateAndAssist(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	var assistStatus atomic.Value
	assistStatus.Store("notified")
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		var in map[string]any
		json.NewDecoder(r.Body).Decode(&in)
		switch r.URL.Path {
		case "/v1/ratings":
			if r.Header.Get("Idempotency-Key") != in["rating_id"] || in["reasons"] == nil || in["terminal_id"] != "PD-T01" {
				t.Errorf("rating %v", in)
			}
			if _, ok := in["id_number"]; ok {
				t.Error("rating with an ID number")
			}
			writeJSON(w, 201, `{"rating_id":"x","status":"recorded"}`)
		case "/v1/assistance":
			if r.Header.Get("Idempotency-Key") != in["request_id"] || in["screen"] != "ticket" {
				t.Errorf("assistance %v", in)
			}
			writeJSON(w, 201, `{"request_id":"x","status":"`+assistStatus.Load().(string)+`","message":"请稍候"}`)
		}
	})
	good := kiosk.Rating{ID: kiosk.NewSubmissionID(), At: fixedNow, Service: kiosk.RateTicket, TicketNo: "A1", Level: 4}
	if replayed, err := c.Rate(context.Background(), good); err != nil || replayed {
		t.Fatalf("rate: %v %v", replayed, err)
	}
	bad := good
	bad.ID, bad.Reasons = kiosk.NewSubmissionID(), []string{"attitude"}
	before := hits.Load()
	if _, err := c.Rate(context.Background(), bad); !IsFinal(err) || hits.Load() != before {
		t.Errorf("a good level with reasons was sent or not final: %v", err)
	}
	st, msg, err := c.Assist(context.Background(), kiosk.NewSubmissionID(), "ticket", kiosk.AssistResident, fixedNow)
	if err != nil || st != AssistNotified || msg != "请稍候" {
		t.Errorf("assist: %q %q %v", st, msg, err)
	}
	assistStatus.Store("maybe")
	if _, _, err := c.Assist(context.Background(), kiosk.NewSubmissionID(), "ticket", kiosk.AssistResident, fixedNow); !errors.Is(err, ErrBadResponse) {
		t.Errorf("unknown status: %v", err)
	}
}

func TestSubmitRefusalsWrapRejected(t *testing.T) {
	t.Parallel()
	var answer atomic.Value
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		a := answer.Load().([2]string)
		writeJSON(w, map[string]int{"409": 409, "422": 422}[a[0]], a[1])
	})
	answer.Store([2]string{"409", `{"error":{"code":"duplicate_application","message":"您已申请过","case_no":"PD20261127-000007"}}`})
	_, _, err := c.Submit(context.Background(), sampleSubmission())
	var rej *kiosk.RejectedError
	var e *Error
	if !errors.As(err, &rej) || rej.Code != "duplicate_application" || rej.CaseNo != "PD20261127-000007" ||
		!errors.As(err, &e) || e.CaseNo != "PD20261127-000007" || !IsFinal(err) || !errors.Is(err, kiosk.ErrRejected) {
		t.Errorf("duplicate: %v", err)
	}
	answer.Store([2]string{"422", `{"error":{"code":"not_eligible","message":"您已持有敬老卡"}}`})
	_, _, err = c.Submit(context.Background(), sampleSubmission())
	if !errors.As(err, &rej) || rej.Code != "not_eligible" || rej.Message != "您已持有敬老卡" || !IsFinal(err) {
		t.Errorf("not eligible: %v", err)
	}
	answer.Store([2]string{"409", `{"error":{"code":"idempotency_conflict","message":"x"}}`})
	if _, _, err = c.Submit(context.Background(), sampleSubmission()); errors.As(err, &rej) || !IsFinal(err) {
		t.Errorf("conflict is not a refusal of the application: %v", err)
	}
}

func TestHeartbeatKeepsRefreshCenter(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"server_time":"2026-11-27T10:00:00+08:00","commands":[{"id":"1","type":"refresh_center"},{"id":"2","type":"reboot"}]}`)
	})
	rep, err := c.Heartbeat(context.Background(), Heartbeat{AppVersion: "1", StartedAt: fixedNow})
	if err != nil || len(rep.Commands) != 1 || rep.Commands[0].Type != CommandRefreshCenter {
		t.Errorf("commands %+v %v", rep.Commands, err)
	}
}
