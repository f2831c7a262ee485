package intake

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
)

// bytesTransport answers every request with the same canned response.
type bytesTransport struct {
	status int
	header http.Header
	body   []byte
}

func (b bytesTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: b.status, Header: b.header.Clone(), Body: io.NopCloser(bytes.NewReader(b.body)),
		Request: req, ContentLength: -1}, nil
}

var fuzzStatuses = []int{200, 201, 304, 400, 401, 403, 408, 409, 413, 422, 429, 500, 503, 302, 404}

// FuzzResponses feeds arbitrary answers to every client method: no panic,
// an error is always an *Error, and a success is always well formed.
func FuzzResponses(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for i, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(i), uint8(0), false, b)
		f.Add(uint8(i), uint8(1), true, b)
	}
	f.Fuzz(func(t *testing.T, statusIdx, replayGzip uint8, replayed bool, body []byte) {
		hdr := http.Header{"Content-Type": {"application/json"}, "Retry-After": {string(body[:min(len(body), 4)])}}
		if replayed {
			hdr.Set("Idempotent-Replayed", "true")
		}
		if replayGzip%3 == 2 {
			hdr.Set("Content-Encoding", "gzip")
		}
		status := fuzzStatuses[int(statusIdx)%len(fuzzStatuses)]
		c, err := New(Config{BaseURL: "https://intake.example", TerminalID: "T", Token: "x", Timeout: time.Second,
			MaxCatalogBytes: 1 << 20, Transport: bytesTransport{status, hdr, body}})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		isErr := func(err error) {
			var e *Error
			if err != nil && !errors.As(err, &e) {
				t.Fatalf("error %T is not *Error: %v", err, err)
			}
			if RetryAfter(err) < 0 || RetryAfter(err) > time.Hour {
				t.Fatalf("RetryAfter %v", RetryAfter(err))
			}
		}
		cat, _, nm, err := c.Catalog(ctx, `"e"`)
		isErr(err)
		if err == nil && !nm {
			if verr := cat.Validate(); verr != nil {
				t.Fatalf("invalid catalogue returned: %v", verr)
			}
		}
		acc, _, err := c.Submit(ctx, kiosk.Submission{ID: kiosk.NewSubmissionID()})
		isErr(err)
		if err == nil && (acc.CaseNo == "" || (status != 201 && status != 200)) {
			t.Fatalf("success on %d with %+v", status, acc)
		}
		cases, err := c.QueryCases(ctx, "310101199001011234", "王伟")
		isErr(err)
		if err == nil && cases == nil {
			t.Fatal("nil cases on success")
		}
		rep, err := c.Heartbeat(ctx, Heartbeat{})
		isErr(err)
		if err == nil && rep.ServerTime.IsZero() {
			t.Fatal("zero server time on success")
		}
		n, err := c.UploadAudit(ctx, nil)
		isErr(err)
		if err == nil && n < 0 {
			t.Fatal("negative acked_through")
		}
	})
}
