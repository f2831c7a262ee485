package intakesim

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/internal/clock/clocktest"
	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/intake"
)

type fixture struct {
	srv      *Server
	api      string
	admin    string
	clock    *clocktest.Clock
	client   *intake.Client
	recorder *recorder
}

func start(t *testing.T, edit ...func(*Options)) *fixture {
	t.Helper()
	clk := clocktest.New(time.Date(2026, 11, 27, 10, 0, 0, 0, shanghai))
	opts := Options{DataDir: t.TempDir(), Terminals: map[string]string{"PD-T01": "tok-1", "PD-T02": "tok-2"},
		Now: clk.Now, Seed: 7}
	for _, e := range edit {
		e(&opts)
	}
	srv, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	api, admin, err := srv.Start("127.0.0.1:0", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	f := &fixture{srv: srv, api: api, admin: admin, clock: clk, recorder: &recorder{next: http.DefaultTransport}}
	f.client = f.newClient(t, "PD-T01", "tok-1", 3*time.Second)
	return f
}

func (f *fixture) newClient(t *testing.T, id, tok string, timeout time.Duration) *intake.Client {
	t.Helper()
	c, err := intake.New(intake.Config{BaseURL: f.api, TerminalID: id, Token: tok, Timeout: timeout, Transport: f.recorder, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// raw sends a request by hand and returns status, headers and the body.
func (f *fixture) raw(t *testing.T, method, path string, hdr map[string]string, body []byte) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, f.api+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer tok-1")
	req.Header.Set("X-Terminal-Id", "PD-T01")
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := f.recorder.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

var elders atomic.Int64

// elder is a resident born in the 1950s (old enough for every item of the
// seeded catalogue but the nutrition subsidy at 90), another one at each
// call, so that no test meets another's open case (duplicate_application).
func elder() kiosk.Person {
	n := int(elders.Add(1))
	birth := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n/900)
	first17 := "310115" + birth.Format("20060102") + fmt.Sprintf("%03d", 100+n%900)
	return kiosk.Person{IDNumber: first17 + string(kiosk.IDCheckChar(first17)), Name: "张秀英", CardType: kiosk.CardResident,
		Gender: "女", Nation: "汉", BirthDate: birth.Format(kiosk.DateLayout), Address: "上海市浦东新区张杨路1号", ValidUntil: "2036-01-01"}
}

func sampleSub(itemCode string) kiosk.Submission {
	return kiosk.Submission{ID: kiosk.NewSubmissionID(), TerminalID: "PD-T01", ItemCode: itemCode, CatalogVersion: "2026.11.1",
		CreatedAt: time.Date(2026, 11, 27, 9, 59, 0, 0, shanghai),
		Fields:    map[string]string{"phone": "13800138000", "pickup": "社区事务受理服务中心自取"},
		Applicant: elder()}
}

func TestSeededCatalog(t *testing.T) {
	t.Parallel()
	f := start(t)
	cat, etag, nm, err := f.client.Catalog(context.Background(), "")
	if err != nil || nm || etag == "" {
		t.Fatalf("catalog: %v %q %v", err, etag, nm)
	}
	if err := cat.Validate(); err != nil {
		t.Fatal(err)
	}
	selfService, forwarded, agents := 0, 0, 0
	types := map[kiosk.FieldType]bool{}
	for _, it := range cat.Items {
		if it.SelfService {
			selfService++
			if it.AgentAllowed {
				agents++
			}
		}
		if it.Kind == kiosk.KindForwarded {
			forwarded++
		}
		if it.Notice == "" || it.LegalBasis == "" || len(it.Materials) == 0 || it.NameEn == "" {
			t.Errorf("item %s lacks notice, legal basis, materials or English name", it.Code)
		}
		if it.SelfService && len(it.Fields) == 0 {
			t.Errorf("self-service item %s has no form", it.Code)
		}
		for _, fl := range it.Fields {
			types[fl.Type] = true
			if fl.Type == kiosk.FieldText && fl.Required {
				t.Errorf("item %s requires free text %s", it.Code, fl.Key)
			}
		}
	}
	if len(cat.Items) < 30 || selfService < 8 || forwarded < 4 || agents < 3 || len(types) != 6 {
		t.Errorf("items %d, self-service %d, forwarded %d, agent %d, field types %d", len(cat.Items), selfService, forwarded, agents, len(types))
	}
	years := map[string]int{}
	for _, d := range cat.Calendar.Holidays {
		years[d[:4]]++
	}
	if years["2026"] < 20 || years["2027"] < 20 || len(cat.Calendar.Workdays) < 8 {
		t.Errorf("calendar: %v, %d workdays", years, len(cat.Calendar.Workdays))
	}
	_, etag2, nm, err := f.client.Catalog(context.Background(), etag)
	if err != nil || !nm || etag2 != etag {
		t.Fatalf("304: %v %v", nm, err)
	}
	// A new version gets a new ETag.
	if _, err := f.srv.BumpCatalog(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, etag3, nm, err := f.client.Catalog(context.Background(), etag)
	if err != nil || nm || etag3 == etag {
		t.Fatalf("after bump: %q %v %v", etag3, nm, err)
	}
	// gzip when asked, plain otherwise.
	status, hdr, body := f.raw(t, "GET", "/v1/catalog", map[string]string{"Accept-Encoding": "gzip"}, nil)
	if status != 200 || hdr.Get("Content-Encoding") != "gzip" {
		t.Fatalf("gzip: %d %v", status, hdr)
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if !json.Valid(plain) {
		t.Error("gunzipped catalogue is not JSON")
	}
	status, hdr, _ = f.raw(t, "GET", "/v1/catalog", map[string]string{"Accept-Encoding": "identity"}, nil)
	if status != 200 || hdr.Get("Content-Encoding") != "" {
		t.Errorf("identity: %d %v", status, hdr)
	}
}

func TestAuth(t *testing.T) {
	t.Parallel()
	f := start(t)
	tests := []struct {
		name   string
		method string
		path   string
		hdr    map[string]string
		want   int
		code   string
	}{
		{"no token", "GET", "/v1/catalog", map[string]string{"Authorization": ""}, 401, "unauthorized"},
		{"wrong token", "GET", "/v1/catalog", map[string]string{"Authorization": "Bearer nope"}, 401, "unauthorized"},
		{"basic auth", "GET", "/v1/catalog", map[string]string{"Authorization": "Basic dG9rLTE="}, 401, "unauthorized"},
		{"other terminal", "GET", "/v1/catalog", map[string]string{"X-Terminal-Id": "PD-T02"}, 403, "forbidden"},
		{"no terminal id", "POST", "/v1/audit", map[string]string{"X-Terminal-Id": ""}, 403, "forbidden"},
		{"heartbeat of another terminal", "POST", "/v1/terminals/PD-T02/heartbeat", nil, 403, "forbidden"},
		{"unknown path", "GET", "/v1/nothing", nil, 404, "not_found"},
		{"wrong method", "GET", "/v1/submissions", nil, 405, "method_not_allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, _, body := f.raw(t, tt.method, tt.path, tt.hdr, []byte(`{"events":[]}`))
			var eb errorBody
			if status != tt.want || json.Unmarshal(body, &eb) != nil || eb.Error.Code != tt.code {
				t.Errorf("got %d %s, want %d %s", status, body, tt.want, tt.code)
			}
		})
	}
	c := f.newClient(t, "PD-T01", "tok-2", time.Second)
	if _, err := c.QueryCases(context.Background(), "310115195003120020", "张秀英"); !intake.IsFinal(err) {
		t.Errorf("403 not final: %v", err)
	}
}

var caseNoRe = regexp.MustCompile(`^PD20261127-\d{6}$`)

func TestSubmitIdempotency(t *testing.T) {
	t.Parallel()
	f := start(t)
	ctx := context.Background()
	sub := sampleSub("MZ-0101")
	acc, replayed, err := f.client.Submit(ctx, sub)
	if err != nil || replayed {
		t.Fatalf("first: %v %v", replayed, err)
	}
	if !caseNoRe.MatchString(acc.CaseNo) || acc.Status != kiosk.StatusAccepted || acc.DueDate != "2026-11-27" ||
		!strings.HasSuffix(acc.TrackURL, acc.CaseNo) {
		t.Errorf("accepted = %+v", acc)
	}
	if _, off := acc.AcceptedAt.Zone(); off != 8*3600 {
		t.Errorf("accepted_at not in +08:00: %v", acc.AcceptedAt)
	}
	// The IETF draft's quoted form of the key is the same key.
	raw, _ := json.Marshal(sub)
	if status, hdr, _ := f.raw(t, "POST", "/v1/submissions", map[string]string{"Idempotency-Key": `"` + sub.ID + `"`}, raw); status != 200 || hdr.Get("Idempotent-Replayed") != "true" {
		t.Errorf("quoted key: %d %v", status, hdr)
	}
	again, replayed, err := f.client.Submit(ctx, sub)
	if err != nil || !replayed || again != acc {
		t.Fatalf("replay: %+v %v %v", again, replayed, err)
	}
	changed := sub
	changed.Fields = map[string]string{"phone": "13900139000", "pickup": "社区事务受理服务中心自取"}
	_, _, err = f.client.Submit(ctx, changed)
	var e *intake.Error
	if !errors.As(err, &e) || e.Status != 409 || e.Code != "idempotency_conflict" || !e.Final() {
		t.Fatalf("conflict: %v", err)
	}
	// Another item with a 5-working-day limit from a Friday.
	sub2 := sampleSub("MZ-0102")
	sub2.Fields = map[string]string{"phone": "13800138000", "bank_card": "6222000011112222"}
	acc2, _, err := f.client.Submit(ctx, sub2)
	if err != nil || acc2.DueDate != "2026-12-04" || acc2.CaseNo == acc.CaseNo {
		t.Fatalf("second: %+v %v", acc2, err)
	}
	n, err := f.srv.CountSubmissions(ctx)
	if err != nil || n != 2 {
		t.Errorf("count = %d, %v", n, err)
	}
	// Keys are kept 30 days, then a reuse is a new submission.
	f.clock.Add(29 * 24 * time.Hour)
	if _, replayed, err := f.client.Submit(ctx, sub); err != nil || !replayed {
		t.Errorf("after 29 days: replayed %v %v", replayed, err)
	}
	// Past the retention the key is gone, but the case is not: still a
	// replay of the same case, never a second case.
	f.clock.Add(2 * 24 * time.Hour)
	if again, replayed, err := f.client.Submit(ctx, sub); err != nil || !replayed || again.CaseNo != acc.CaseNo {
		t.Errorf("after 31 days: %+v replayed %v %v", again, replayed, err)
	}
	if n, _ := f.srv.CountSubmissions(ctx); n != 2 {
		t.Errorf("count after expiry = %d", n)
	}
	var keys int
	if err := f.srv.db.QueryRow("SELECT count(*) FROM idempotency").Scan(&keys); err != nil || keys != 0 {
		t.Errorf("expired keys kept: %d %v", keys, err)
	}
	st := f.srv.Stats()
	if st.Submissions != 2 || st.Replays != 4 || st.Conflicts != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestSubmitBadRequests(t *testing.T) {
	t.Parallel()
	f := start(t)
	sub := sampleSub("MZ-0101")
	body, _ := json.Marshal(sub)
	tests := []struct {
		name string
		hdr  map[string]string
		body []byte
		want int
		code string
	}{
		{"no key", nil, body, 400, "idempotency_key_required"},
		{"other key", map[string]string{"Idempotency-Key": kiosk.NewSubmissionID()}, body, 400, "idempotency_key_required"},
		{"bad key", map[string]string{"Idempotency-Key": "x"}, []byte(`{"submission_id":"x"}`), 400, "idempotency_key_required"},
		{"text body", map[string]string{"Idempotency-Key": sub.ID, "Content-Type": "text/plain"}, body, 400, "unsupported_content_type"},
		{"garbage", map[string]string{"Idempotency-Key": sub.ID}, []byte(`{"submission_id":`), 400, "bad_json"},
		{"array", map[string]string{"Idempotency-Key": sub.ID}, []byte(`[1,2]`), 400, "idempotency_key_required"},
		{"over 1 MiB", map[string]string{"Idempotency-Key": sub.ID}, append(append([]byte(`{"submission_id":"`+sub.ID+`","pad":"`), bytes.Repeat([]byte("a"), 1<<20)...), `"}`...), 413, "payload_too_large"},
		{"wrong types", map[string]string{"Idempotency-Key": sub.ID}, []byte(`{"submission_id":"` + sub.ID + `","fields":[1]}`), 422, "validation_failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, _, b := f.raw(t, "POST", "/v1/submissions", tt.hdr, tt.body)
			var eb errorBody
			if status != tt.want || json.Unmarshal(b, &eb) != nil || eb.Error.Code != tt.code {
				t.Errorf("got %d %.200s, want %d %s", status, b, tt.want, tt.code)
			}
		})
	}
}

func TestSubmitValidation(t *testing.T) {
	t.Parallel()
	f := start(t)
	tests := []struct {
		name  string
		edit  func(*kiosk.Submission)
		code  string
		field string
	}{
		{"bad check digit", func(s *kiosk.Submission) { s.Applicant.IDNumber = "310115195003120021" }, "validation_failed", "applicant.id_number"},
		{"unknown item", func(s *kiosk.Submission) { s.ItemCode = "XX-9999" }, "unknown_item", "item_code"},
		{"forwarded item", func(s *kiosk.Submission) { s.ItemCode = "MZ-0201"; s.Fields = nil }, "not_self_service", "item_code"},
		{"counter-only instant", func(s *kiosk.Submission) { s.ItemCode = "MZ-0105"; s.Fields = nil }, "not_self_service", "item_code"},
		{"missing phone", func(s *kiosk.Submission) { delete(s.Fields, "phone") }, "validation_failed", "fields.phone"},
		{"bad phone", func(s *kiosk.Submission) { s.Fields["phone"] = "1234" }, "validation_failed", "fields.phone"},
		{"bad choice", func(s *kiosk.Submission) { s.Fields["pickup"] = "飞过去" }, "validation_failed", "fields.pickup"},
		{"unknown field", func(s *kiosk.Submission) { s.Fields["colour"] = "red" }, "validation_failed", "fields.colour"},
		{"too long", func(s *kiosk.Submission) { s.Fields["note"] = strings.Repeat("长", 201) }, "validation_failed", "fields.note"},
		{"expired card", func(s *kiosk.Submission) { s.Applicant.ValidUntil = "2026-11-26" }, "card_expired", "applicant.valid_until"},
		{"no name", func(s *kiosk.Submission) { s.Applicant.Name = "" }, "validation_failed", "applicant.name"},
		{"bad card type", func(s *kiosk.Submission) { s.Applicant.CardType = "passport" }, "validation_failed", "applicant.card_type"},
		{"terminal mismatch", func(s *kiosk.Submission) { s.TerminalID = "PD-T02" }, "validation_failed", "terminal_id"},
		{"agent not allowed", func(s *kiosk.Submission) {
			s.ItemCode = "RS-0303"
			s.Fields = map[string]string{"phone": "13800138000", "work_type": "其他", "start_date": "2026-11-01"}
			s.Agent = &kiosk.Agent{Person: kiosk.Person{IDNumber: "310115198507200036", Name: "陈志强", CardType: kiosk.CardResident}, Relation: "社工", AuthorizationRef: "WT-1"}
		}, "validation_failed", "agent"},
		{"agent without authorisation", func(s *kiosk.Submission) {
			s.Agent = &kiosk.Agent{Person: kiosk.Person{IDNumber: "310115198507200036", Name: "陈志强", CardType: kiosk.CardResident}, Relation: "社工"}
		}, "validation_failed", "agent.authorization_ref"},
		{"bad date field", func(s *kiosk.Submission) {
			s.ItemCode = "RS-0303"
			s.Fields = map[string]string{"phone": "13800138000", "work_type": "其他", "start_date": "2026-02-30"}
		}, "validation_failed", "fields.start_date"},
		{"bad id field", func(s *kiosk.Submission) {
			s.ItemCode = "MZ-0103"
			s.Fields = map[string]string{"phone": "13800138000", "carer_id": "310115198507200037"}
		}, "validation_failed", "fields.carer_id"},
		{"bad digits", func(s *kiosk.Submission) {
			s.ItemCode = "MZ-0102"
			s.Fields = map[string]string{"phone": "13800138000", "bank_card": "6222-0000"}
		}, "validation_failed", "fields.bank_card"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sub := sampleSub("MZ-0101")
			tt.edit(&sub)
			_, _, err := f.client.Submit(context.Background(), sub)
			var e *intake.Error
			if !errors.As(err, &e) || e.Status != 422 || !intake.IsFinal(err) {
				t.Fatalf("err = %v, want a final 422", err)
			}
			if e.Code != tt.code {
				t.Errorf("code %q, want %q", e.Code, tt.code)
			}
			found := false
			for _, fe := range e.Fields {
				found = found || fe.Field == tt.field
			}
			if !found {
				t.Errorf("fields %+v lack %s", e.Fields, tt.field)
			}
			if strings.Contains(err.Error(), sub.Applicant.IDNumber) {
				t.Errorf("error carries a full ID number: %v", err)
			}
			// Nothing stored: the same key may now carry a good body.
			if _, found, _ := f.srv.LookupSubmission(context.Background(), sub.ID); found {
				t.Error("a rejected submission was stored")
			}
		})
	}
	// Every sample card but the expired one may submit (an item open to
	// anyone: a statement); the expired one is refused.
	for _, r := range SampleResidents() {
		sub := sampleSub("YB-0402")
		sub.Fields = map[string]string{"year": "2026"}
		sub.Applicant = kiosk.Person{IDNumber: r.IDNumber, Name: r.Name, CardType: r.CardType, Gender: r.Gender,
			BirthDate: r.BirthDate, ValidUntil: r.ValidUntil}
		_, _, err := f.client.Submit(context.Background(), sub)
		var e *intake.Error
		expired := r.ValidUntil != "" && r.ValidUntil < "2026-11-27"
		if expired && (!errors.As(err, &e) || e.Code != "card_expired") {
			t.Errorf("%s: expired card: %v", kiosk.MaskID(r.IDNumber), err)
		}
		if !expired && err != nil {
			t.Errorf("%s: %v", kiosk.MaskID(r.IDNumber), err)
		}
	}
	// An agent where allowed is accepted.
	sub := sampleSub("MZ-0101")
	sub.Agent = &kiosk.Agent{Person: kiosk.Person{IDNumber: "310115198507200036", Name: "陈志强", CardType: kiosk.CardResident},
		Relation: "社区社工", AuthorizationRef: "WT-2026-0001"}
	if _, _, err := f.client.Submit(context.Background(), sub); err != nil {
		t.Fatalf("agent submission: %v", err)
	}
}

func TestCasesAdvanceAndPrivacy(t *testing.T) {
	t.Parallel()
	f := start(t, func(o *Options) { o.TimeScale = 60 })
	ctx := context.Background()
	res := SampleResidents()
	cases, err := f.client.QueryCases(ctx, res[0].IDNumber, res[0].Name)
	if err != nil || len(cases) != 3 {
		t.Fatalf("seeded cases: %d %v", len(cases), err)
	}
	for i := 1; i < len(cases); i++ {
		if cases[i].SubmittedAt.After(cases[i-1].SubmittedAt) {
			t.Error("cases not newest first")
		}
	}
	statuses := map[kiosk.CaseStatus]bool{}
	for _, r := range res {
		cs, err := f.client.QueryCases(ctx, r.IDNumber, r.Name)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			statuses[c.Status] = true
			if len(c.History) == 0 || c.TrackURL == "" || c.DueDate == "" {
				t.Errorf("case %+v incomplete", c)
			}
		}
	}
	if len(statuses) < 5 {
		t.Errorf("seeded statuses %v", statuses)
	}
	// Name and number must match.
	for _, q := range [][2]string{{res[0].IDNumber, res[1].Name}, {res[1].IDNumber, res[0].Name}, {res[0].IDNumber, "张秀"}} {
		cs, err := f.client.QueryCases(ctx, q[0], q[1])
		if err != nil || len(cs) != 0 {
			t.Errorf("mismatch %s returned %d cases (%v)", q[1], len(cs), err)
		}
	}
	// A new submission shows, then advances with (scaled) time.
	sub := sampleSub("MZ-0101")
	acc, _, err := f.client.Submit(ctx, sub)
	if err != nil {
		t.Fatal(err)
	}
	statusOf := func() kiosk.Case {
		cs, err := f.client.QueryCases(ctx, sub.Applicant.IDNumber, sub.Applicant.Name)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			if c.CaseNo == acc.CaseNo {
				return c
			}
		}
		t.Fatalf("case %s not listed", acc.CaseNo)
		return kiosk.Case{}
	}
	if c := statusOf(); c.Status != kiosk.StatusAccepted || c.Channel != kiosk.ChannelTerminal || len(c.History) != 1 {
		t.Fatalf("fresh case %+v", c)
	}
	f.clock.Add(31 * time.Second) // 30 min / 60
	if c := statusOf(); c.Status != kiosk.StatusProcessing || len(c.History) != 2 {
		t.Fatalf("after 31 s: %+v", c)
	}
	f.clock.Add(90 * time.Second) // 2 h / 60
	c := statusOf()
	if c.Status != kiosk.StatusCompleted || len(c.History) != 3 || c.Result == "" {
		t.Fatalf("after 2 min: %+v", c)
	}
	if !c.History[2].At.After(c.History[1].At) {
		t.Error("history out of order")
	}
	// The track page shows the case, its history and no full name or ID.
	status, hdr, page := f.raw(t, "GET", "/track/"+acc.CaseNo, nil, nil)
	if status != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") || !strings.Contains(string(page), "已办结") ||
		!strings.Contains(string(page), kiosk.MaskName(sub.Applicant.Name)) || strings.Contains(string(page), sub.Applicant.Name) || strings.Contains(string(page), sub.Applicant.IDNumber) {
		t.Errorf("track page %d: %s", status, page)
	}
	if status, _, _ := f.raw(t, "GET", "/track/PD20000101-000001", nil, nil); status != 404 {
		t.Errorf("unknown case page: %d", status)
	}
	// Missing fields are a 422.
	if _, err := f.client.QueryCases(ctx, "", "x"); !intake.IsFinal(err) {
		t.Errorf("empty id: %v", err)
	}
}

func TestHeartbeatCommands(t *testing.T) {
	t.Parallel()
	f := start(t)
	ctx := context.Background()
	hb := intake.Heartbeat{AppVersion: "1.0.0", StartedAt: f.clock.Now(),
		Devices: map[string]intake.DeviceState{"printer": {State: "degraded", Detail: "纸将尽", Since: f.clock.Now(), Paper: "near_end"}}}
	rep, err := f.client.Heartbeat(ctx, hb)
	if err != nil || !rep.ServerTime.Equal(f.clock.Now()) || len(rep.Commands) != 0 {
		t.Fatalf("first: %+v %v", rep, err)
	}
	if _, off := rep.ServerTime.Zone(); off != 8*3600 {
		t.Errorf("server_time zone offset %d", off)
	}
	for _, typ := range []string{"refresh_catalog", "reboot", "upload_audit"} {
		if _, err := f.srv.QueueCommand(ctx, "PD-T01", typ); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.srv.QueueCommand(ctx, "PD-T02", "refresh_catalog"); err != nil {
		t.Fatal(err)
	}
	rep, err = f.client.Heartbeat(ctx, hb)
	if err != nil || len(rep.Commands) != 2 || rep.Commands[0].Type != "refresh_catalog" || rep.Commands[1].Type != "upload_audit" {
		t.Fatalf("commands: %+v %v", rep, err)
	}
	rep, err = f.client.Heartbeat(ctx, hb)
	if err != nil || len(rep.Commands) != 0 {
		t.Fatalf("commands delivered twice: %+v %v", rep, err)
	}
	bad := hb
	bad.Devices = map[string]intake.DeviceState{"idcard": {State: "melted"}}
	if _, err := f.client.Heartbeat(ctx, bad); !intake.IsFinal(err) {
		t.Errorf("bad state: %v", err)
	}
}

func chain(n int, from int64, prev string) []kiosk.AuditEvent {
	var out []kiosk.AuditEvent
	for i := 0; i < n; i++ {
		e := kiosk.AuditEvent{Seq: from + int64(i), At: time.Date(2026, 11, 27, 9, 0, i, 0, shanghai), Kind: "submission.queued",
			Subject: kiosk.MaskID("310115195003120020"), Detail: fmt.Sprintf("事项 MZ-0101 第%d步", i), PrevHash: prev}.Seal()
		prev = e.Hash
		out = append(out, e)
	}
	return out
}

func TestAuditChain(t *testing.T) {
	t.Parallel()
	f := start(t)
	ctx := context.Background()
	if n, err := f.client.UploadAudit(ctx, nil); err != nil || n != 0 {
		t.Fatalf("empty: %d %v", n, err)
	}
	evs := chain(5, 1, "")
	if n, err := f.client.UploadAudit(ctx, evs[:3]); err != nil || n != 3 {
		t.Fatalf("first batch: %d %v", n, err)
	}
	// Re-sent after a lost answer, overlapping: accepted.
	if n, err := f.client.UploadAudit(ctx, evs[2:]); err != nil || n != 5 {
		t.Fatalf("overlap: %d %v", n, err)
	}
	next := chain(2, 6, evs[4].Hash)
	tampered := next[0]
	tampered.Detail = "改过"
	wrongPrev := chain(1, 6, "00")
	forged := next[0]
	forged.Kind = "x"
	forged = forged.Seal()
	forged.Subject = "3101**********9999"
	tests := []struct {
		name string
		evs  []kiosk.AuditEvent
	}{
		{"gap", next[1:]},
		{"tampered", []kiosk.AuditEvent{tampered}},
		{"wrong prev", wrongPrev},
		{"forged after seal", []kiosk.AuditEvent{forged}},
		{"changed history", []kiosk.AuditEvent{chain(1, 1, "")[0], next[0]}},
	}
	for _, tt := range tests {
		if tt.name == "changed history" {
			tt.evs[0].Detail = "other"
			tt.evs[0] = tt.evs[0].Seal()
		}
		_, err := f.client.UploadAudit(ctx, tt.evs)
		var e *intake.Error
		if !errors.As(err, &e) || e.Status != 409 || e.Code != "chain_broken" {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	if n, err := f.client.UploadAudit(ctx, next); err != nil || n != 7 {
		t.Fatalf("good continuation: %d %v", n, err)
	}
	leaky := chain(1, 8, next[1].Hash)
	leaky[0].Subject = "310115195003120020"
	leaky[0] = leaky[0].Seal()
	_, err := f.client.UploadAudit(ctx, leaky)
	if !intake.IsFinal(err) || strings.Contains(err.Error(), "310115195003120020") {
		t.Errorf("full id in subject: %v", err)
	}
	// Chains are per terminal.
	other := f.newClient(t, "PD-T02", "tok-2", time.Second)
	if n, err := other.UploadAudit(ctx, chain(2, 1, "")); err != nil || n != 2 {
		t.Errorf("second terminal: %d %v", n, err)
	}
}

// TestConcurrentSameKey sends one submission ten times at once: exactly one
// case, one 201 and nine replays of it.
func TestConcurrentSameKey(t *testing.T) {
	t.Parallel()
	f := start(t)
	sub := sampleSub("MZ-0101")
	type result struct {
		acc      kiosk.Accepted
		replayed bool
		err      error
	}
	results := make(chan result, 10)
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			acc, replayed, err := f.client.Submit(context.Background(), sub)
			results <- result{acc, replayed, err}
		}()
	}
	wg.Wait()
	close(results)
	created, caseNos := 0, map[string]bool{}
	for r := range results {
		if r.err != nil {
			t.Fatal(r.err)
		}
		if !r.replayed {
			created++
		}
		caseNos[r.acc.CaseNo] = true
	}
	if created != 1 || len(caseNos) != 1 {
		t.Errorf("%d created, case numbers %v", created, caseNos)
	}
	if n, _ := f.srv.CountSubmissions(context.Background()); n != 1 {
		t.Errorf("%d cases", n)
	}
}
