package intakesim

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// This file checks every exchange of the tests against ../openapi.yaml:
// each response's status, required headers and JSON body, and each
// successful request's body. The checker covers the subset of JSON Schema
// the document uses, and in strict mode also refuses undocumented members.

type exchange struct {
	method, path string
	reqHeader    http.Header
	reqBody      []byte
	status       int
	respHeader   http.Header
	respBody     []byte
}

// recorder is an http.RoundTripper that keeps every exchange.
type recorder struct {
	next http.RoundTripper
}

var recorded struct {
	sync.Mutex
	list []exchange
}

func (rec *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil {
		reqBody, _ = io.ReadAll(req.Body)
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	resp, err := rec.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	if err != nil {
		return resp, nil // a dropped body: the client sees the short read
	}
	body := raw
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err == nil {
			body, _ = io.ReadAll(zr)
		}
	}
	recorded.Lock()
	recorded.list = append(recorded.list, exchange{method: req.Method, path: req.URL.EscapedPath(), reqHeader: req.Header.Clone(),
		reqBody: reqBody, status: resp.StatusCode, respHeader: resp.Header.Clone(), respBody: body})
	recorded.Unlock()
	return resp, nil
}

func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		doc, err := loadSpec("../openapi.yaml")
		if err != nil {
			fmt.Fprintln(os.Stderr, "conformance:", err)
			os.Exit(1)
		}
		recorded.Lock()
		list := recorded.list
		recorded.Unlock()
		bad := 0
		statuses := map[string]bool{}
		for _, ex := range list {
			if !strings.HasPrefix(ex.path, "/v1/") {
				continue // the track page is not part of the API
			}
			for _, p := range doc.checkExchange(ex) {
				bad++
				fmt.Fprintf(os.Stderr, "conformance: %s %s -> %d: %s\n", ex.method, ex.path, ex.status, p)
			}
			statuses[fmt.Sprintf("%s %d", ex.method, ex.status)] = true
		}
		if bad > 0 {
			os.Exit(1)
		}
	}
	os.Exit(code)
}

type spec struct {
	root map[string]any
}

func loadSpec(path string) (*spec, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var root map[string]any
	if err := yaml.Unmarshal(b, &root); err != nil {
		return nil, err
	}
	return &spec{root: root}, nil
}

func m(v any) map[string]any { x, _ := v.(map[string]any); return x }

// resolve follows a local $ref.
func (s *spec) resolve(node map[string]any) map[string]any {
	for i := 0; i < 10 && node != nil; i++ {
		ref, ok := node["$ref"].(string)
		if !ok {
			return node
		}
		cur := any(s.root)
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			cur = m(cur)[part]
		}
		node = m(cur)
	}
	return node
}

// operation finds the operation for a method and a concrete path.
func (s *spec) operation(method, path string) map[string]any {
	for tmpl, item := range m(s.root["paths"]) {
		re := "^" + regexp.MustCompile(`\\\{[^}]+\\\}`).ReplaceAllString(regexp.QuoteMeta(tmpl), `[^/]+`) + "$"
		if regexp.MustCompile(re).MatchString(path) {
			return m(m(item)[strings.ToLower(method)])
		}
	}
	return nil
}

func (s *spec) checkExchange(ex exchange) []string {
	op := s.operation(ex.method, ex.path)
	if op == nil {
		if ex.status == 404 || ex.status == 405 {
			return s.checkErrorBody(ex) // documented in the description
		}
		return []string{"no such operation in the document"}
	}
	var problems []string
	resp := s.resolve(m(m(op["responses"])[strconv.Itoa(ex.status)]))
	if resp == nil {
		return []string{"status not documented"}
	}
	for name, h := range m(resp["headers"]) {
		h = s.resolve(m(h))
		if req, _ := m(h)["required"].(bool); req && ex.respHeader.Get(name) == "" {
			problems = append(problems, "missing header "+name)
		}
		if v := ex.respHeader.Get(name); v != "" {
			var hv any = v
			for _, p := range s.check(s.resolve(m(m(h)["schema"])), hv, name, false) {
				problems = append(problems, p)
			}
		}
	}
	content := m(resp["content"])
	if content == nil {
		if len(bytes.TrimSpace(ex.respBody)) > 0 && ex.status != 408 {
			problems = append(problems, "undocumented body")
		}
	} else {
		media := m(content["application/json"])
		if !strings.HasPrefix(ex.respHeader.Get("Content-Type"), "application/json") {
			problems = append(problems, "content type "+ex.respHeader.Get("Content-Type"))
		}
		var v any
		if err := json.Unmarshal(ex.respBody, &v); err != nil {
			problems = append(problems, "body is not JSON: "+err.Error())
		} else {
			problems = append(problems, s.check(s.resolve(m(media["schema"])), v, "$", true)...)
		}
	}
	if ex.status < 300 && len(ex.reqBody) > 0 {
		rb := s.resolve(m(op["requestBody"]))
		media := m(m(rb["content"])["application/json"])
		var v any
		if err := json.Unmarshal(ex.reqBody, &v); err != nil {
			problems = append(problems, "request body is not JSON")
		} else {
			for _, p := range s.check(s.resolve(m(media["schema"])), v, "request", true) {
				problems = append(problems, p)
			}
		}
	}
	return problems
}

func (s *spec) checkErrorBody(ex exchange) []string {
	var v any
	if err := json.Unmarshal(ex.respBody, &v); err != nil {
		return []string{"error body is not JSON"}
	}
	schema := s.resolve(m(m(m(s.root["components"])["schemas"])["ErrorBody"]))
	return s.check(schema, v, "$", true)
}

var dateRe = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// check validates v against schema; strict refuses undocumented members.
func (s *spec) check(schema map[string]any, v any, at string, strict bool) []string {
	schema = s.resolve(schema)
	if schema == nil {
		return []string{at + ": no schema"}
	}
	var out []string
	bad := func(format string, a ...any) { out = append(out, at+": "+fmt.Sprintf(format, a...)) }
	if t, ok := schema["type"]; ok {
		var types []string
		switch x := t.(type) {
		case string:
			types = []string{x}
		case []any:
			for _, e := range x {
				types = append(types, fmt.Sprint(e))
			}
		}
		okType := false
		for _, ty := range types {
			okType = okType || typeIs(ty, v)
		}
		if !okType {
			bad("type %T, want %v", v, types)
			return out
		}
	}
	if c, ok := schema["const"]; ok && fmt.Sprint(c) != fmt.Sprint(v) {
		bad("%v is not %v", v, c)
	}
	if e, ok := schema["enum"].([]any); ok {
		found := false
		for _, x := range e {
			found = found || fmt.Sprint(x) == fmt.Sprint(v)
		}
		if !found {
			bad("%v not in %v", v, e)
		}
	}
	switch x := v.(type) {
	case string:
		if p, ok := schema["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(x) {
			bad("%q does not match %s", x, p)
		}
		if n, ok := schema["minLength"].(int); ok && len([]rune(x)) < n {
			bad("shorter than %d", n)
		}
		if n, ok := schema["maxLength"].(int); ok && len([]rune(x)) > n {
			bad("longer than %d", n)
		}
		switch schema["format"] {
		case "date-time":
			if _, err := time.Parse(time.RFC3339, x); err != nil {
				bad("not RFC 3339: %q", x)
			}
		case "date":
			if _, err := time.Parse("2006-01-02", x); err != nil || !dateRe.MatchString(x) {
				bad("not a date: %q", x)
			}
		case "uri":
			if u, err := url.Parse(x); err != nil || u.Scheme == "" || u.Host == "" {
				bad("not an absolute URI: %q", x)
			}
		}
	case float64:
		if n, ok := schema["minimum"].(int); ok && x < float64(n) {
			bad("%v below minimum %d", x, n)
		}
		if schema["type"] == "integer" && x != float64(int64(x)) {
			bad("%v is not an integer", x)
		}
	case []any:
		if n, ok := schema["minItems"].(int); ok && len(x) < n {
			bad("fewer than %d items", n)
		}
		if n, ok := schema["maxItems"].(int); ok && len(x) > n {
			bad("more than %d items", n)
		}
		if items := m(schema["items"]); items != nil {
			for i, e := range x {
				out = append(out, s.check(items, e, fmt.Sprintf("%s[%d]", at, i), strict)...)
			}
		}
	case map[string]any:
		props := m(schema["properties"])
		if req, ok := schema["required"].([]any); ok {
			for _, r := range req {
				if _, ok := x[fmt.Sprint(r)]; !ok {
					bad("missing %v", r)
				}
			}
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if p, ok := props[k]; ok {
				out = append(out, s.check(m(p), x[k], at+"."+k, strict)...)
			} else if ap := m(schema["additionalProperties"]); ap != nil {
				out = append(out, s.check(ap, x[k], at+"."+k, strict)...)
			} else if strict {
				bad("undocumented member %q", k)
			}
		}
	}
	return out
}

func typeIs(t string, v any) bool {
	switch t {
	case "string":
		_, ok := v.(string)
		return ok
	case "integer":
		f, ok := v.(float64)
		return ok && f == float64(int64(f))
	case "number":
		_, ok := v.(float64)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "null":
		return v == nil
	}
	return false
}

// TestConformanceCheckerCanFail proves the checker refuses responses that
// drift from the document.
func TestConformanceCheckerCanFail(t *testing.T) {
	t.Parallel()
	doc, err := loadSpec("../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	jsonHdr := http.Header{"Content-Type": {"application/json"}}
	good := `{"case_no":"PD20261127-000001","status":"accepted","accepted_at":"2026-11-27T10:00:00+08:00","due_date":"2026-11-27","track_url":"https://t.example/PD20261127-000001"}`
	tests := []struct {
		name   string
		ex     exchange
		wantOK bool
	}{
		{"good 201", exchange{method: "POST", path: "/v1/submissions", status: 201, respHeader: jsonHdr, respBody: []byte(good)}, true},
		{"200 without replay header", exchange{method: "POST", path: "/v1/submissions", status: 200, respHeader: jsonHdr, respBody: []byte(good)}, false},
		{"bad case no", exchange{method: "POST", path: "/v1/submissions", status: 201, respHeader: jsonHdr,
			respBody: []byte(strings.Replace(good, "PD20261127-000001\",\"status", "X1\",\"status", 1))}, false},
		{"missing due date", exchange{method: "POST", path: "/v1/submissions", status: 201, respHeader: jsonHdr,
			respBody: []byte(strings.Replace(good, `"due_date":"2026-11-27",`, "", 1))}, false},
		{"extra member", exchange{method: "POST", path: "/v1/submissions", status: 201, respHeader: jsonHdr,
			respBody: []byte(strings.Replace(good, `{`, `{"extra":1,`, 1))}, false},
		{"undocumented status", exchange{method: "POST", path: "/v1/submissions", status: 418, respHeader: jsonHdr, respBody: []byte(`{}`)}, false},
		{"error without code", exchange{method: "POST", path: "/v1/audit", status: 409, respHeader: jsonHdr, respBody: []byte(`{"error":{"message":"x"}}`)}, false},
		{"acked negative", exchange{method: "POST", path: "/v1/audit", status: 200, respHeader: jsonHdr, respBody: []byte(`{"acked_through":-1}`)}, false},
		{"heartbeat path", exchange{method: "POST", path: "/v1/terminals/PD-T01/heartbeat", status: 200, respHeader: jsonHdr,
			respBody: []byte(`{"server_time":"2026-11-27T10:00:00+08:00","commands":[{"id":"1","type":"refresh_catalog"}]}`)}, true},
		{"heartbeat bad time", exchange{method: "POST", path: "/v1/terminals/PD-T01/heartbeat", status: 200, respHeader: jsonHdr,
			respBody: []byte(`{"server_time":"yesterday","commands":[]}`)}, false},
		{"304 without etag", exchange{method: "GET", path: "/v1/catalog", status: 304, respHeader: http.Header{}}, false},
		{"bad request body", exchange{method: "POST", path: "/v1/audit", status: 200, respHeader: jsonHdr, respBody: []byte(`{"acked_through":0}`),
			reqBody: []byte(`{"events":[{"seq":0}]}`)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			problems := doc.checkExchange(tt.ex)
			if (len(problems) == 0) != tt.wantOK {
				t.Errorf("problems %v, want ok=%v", problems, tt.wantOK)
			}
		})
	}
}
