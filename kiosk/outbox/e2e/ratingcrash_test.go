package e2e

import (
	"bufio"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
)

// ratingDesk is the ratings endpoint (POST /v1/ratings) in front of the
// development server, as the contract has it: a rating is recorded once
// per Idempotency-Key (201), a repeat answers 200 with
// Idempotent-Replayed. It counts what it recorded.
type ratingDesk struct {
	mu       sync.Mutex
	recorded map[string]int // rating id -> times recorded (must stay 1)
	requests int
}

func (d *ratingDesk) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/ratings" {
			next.ServeHTTP(w, r)
			return
		}
		var rt kiosk.Rating
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&rt); err != nil || rt.ID == "" || rt.ID != r.Header.Get("Idempotency-Key") {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"error":{"code":"idempotency_key_required","message":"key"}}`))
			return
		}
		if err := rt.Validate(); err != nil {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnprocessableEntity)
			w.Write([]byte(`{"error":{"code":"validation_failed","message":"bad rating"}}`))
			return
		}
		d.mu.Lock()
		d.requests++
		_, seen := d.recorded[rt.ID]
		if !seen {
			d.recorded[rt.ID] = 1
		}
		d.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if seen {
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(http.StatusOK)
		} else {
			w.WriteHeader(http.StatusCreated)
		}
		json.NewEncoder(w).Encode(map[string]string{"rating_id": rt.ID, "status": "recorded"})
	})
}

// TestRatingCrashSafety: ratings go through the outbox as submissions do.
// A child rates through the terminal's rating service and is killed with
// SIGKILL at random moments, between a rating's storing and its sending
// among others; after a last drain every rating it confirmed is at the
// server, recorded once.
func TestRatingCrashSafety(t *testing.T) {
	rounds := size("RATING_CRASH_ROUNDS", 8, 40)
	desk := &ratingDesk{recorded: map[string]int{}}
	tg := newTarget(t, desk.wrap)
	bin := buildKid(t)
	dir := t.TempDir()
	catFile := filepath.Join(dir, "catalog.json")
	b, _ := json.Marshal(tg.catalog)
	if err := os.WriteFile(catFile, b, 0o600); err != nil {
		t.Fatal(err)
	}
	args := func(n, ratings, first int) []string {
		return []string{"-data", dir, "-url", tg.url, "-token", tg.token, "-terminal", tg.terminal, "-catalog", catFile,
			"-n", strconv.Itoa(n), "-ratings", strconv.Itoa(ratings), "-first", strconv.Itoa(first)}
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 43))
	var confirmed []string
	for round := 0; round < rounds; round++ {
		cmd := exec.Command(bin, args(1, 30, 50000+round*10)...)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		var got []string
		ready := make(chan struct{})
		readDone := make(chan struct{})
		go func() {
			defer close(readDone)
			sc := bufio.NewScanner(out)
			once := sync.Once{}
			for sc.Scan() {
				line := sc.Text()
				if line == "ready" {
					once.Do(func() { close(ready) })
				}
				if id, ok := strings.CutPrefix(line, "rated "); ok {
					mu.Lock()
					got = append(got, id)
					mu.Unlock()
				}
			}
			once.Do(func() { close(ready) })
		}()
		select {
		case <-ready:
		case <-time.After(30 * time.Second):
		}
		time.Sleep(time.Duration(rng.IntN(120)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		<-readDone
		err = cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !(ws.Signaled() || ws.Exited() && ws.ExitStatus() == 0) {
			t.Fatalf("round %d: child failed on its own: %v\n%s", round, err, stderr.String())
		}
		mu.Lock()
		confirmed = append(confirmed, got...)
		mu.Unlock()
	}
	if len(confirmed) == 0 {
		t.Fatal("no rating was confirmed in any round: the test proves nothing")
	}
	finalDrain(t, bin, append(args(0, 0, 0), "-deadline", "0"))

	desk.mu.Lock()
	defer desk.mu.Unlock()
	for _, id := range confirmed {
		if n := desk.recorded[id]; n != 1 {
			t.Errorf("rating %s confirmed to the resident, recorded %d times at the server", id, n)
		}
	}
	t.Logf("%d rounds, %d ratings confirmed, %d recorded, %d requests", rounds, len(confirmed), len(desk.recorded), desk.requests)
}
