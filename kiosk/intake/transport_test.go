package intake

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestConnectionBoundAndReuse checks the built-in transport: at most
// MaxConns connections at once, and keep-alive reuse for sequential calls.
func TestConnectionBoundAndReuse(t *testing.T) {
	t.Parallel()
	var open, maxOpen, created atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(20 * time.Millisecond)
		writeJSON(w, 200, `{"acked_through":1}`)
	}))
	srv.Config.ConnState = func(c net.Conn, st http.ConnState) {
		switch st {
		case http.StateNew:
			created.Add(1)
			n := open.Add(1)
			for {
				m := maxOpen.Load()
				if n <= m || maxOpen.CompareAndSwap(m, n) {
					break
				}
			}
		case http.StateClosed, http.StateHijacked:
			open.Add(-1)
		}
	}
	srv.Start()
	defer srv.Close()
	c, err := New(Config{BaseURL: srv.URL, TerminalID: "T", Token: "x", MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := 0; i < 5; i++ {
		if _, err := c.UploadAudit(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
	}
	if created.Load() != 1 {
		t.Errorf("sequential calls opened %d connections, want 1 (keep-alive)", created.Load())
	}
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.UploadAudit(context.Background(), nil); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if maxOpen.Load() > 2 {
		t.Errorf("%d connections open at once, want at most 2", maxOpen.Load())
	}
}
