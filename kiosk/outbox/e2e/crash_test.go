package e2e

import (
	"bufio"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/kiosk/intake/intakesim"
)

// buildKid builds the crashkid command from the same packages.
func buildKid(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "crashkid")
	cmd := exec.Command("go", "build", "-o", bin, "./crashkid")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build crashkid: %v\n%s", err, out)
	}
	return bin
}

// TestCrashSafety starts a real child process that enqueues and syncs,
// kills it with SIGKILL at a random moment, restarts it, many times; then
// every submission it confirmed must be at the server exactly once.
func TestCrashSafety(t *testing.T) {
	rounds := size("CRASH_ROUNDS", 15, 100)
	tg := newTarget(t, nil)
	bin := buildKid(t)
	dir := t.TempDir()
	catFile := filepath.Join(dir, "catalog.json")
	b, _ := json.Marshal(tg.catalog)
	if err := os.WriteFile(catFile, b, 0o600); err != nil {
		t.Fatal(err)
	}
	args := func(n, first int) []string {
		return []string{"-data", dir, "-url", tg.url,
			"-token", tg.token, "-terminal", tg.terminal, "-catalog", catFile, "-n", strconv.Itoa(n), "-first", strconv.Itoa(first)}
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 42))
	var confirmed []string
	kills := 0
	for round := 0; round < rounds; round++ {
		cmd := exec.Command(bin, args(40, round*1000)...)
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
				if id, ok := strings.CutPrefix(line, "confirmed "); ok {
					mu.Lock()
					got = append(got, id)
					mu.Unlock()
				}
			}
			once.Do(func() { close(ready) })
		}()
		// Kill at a random moment: sometimes before it is ready (while it
		// opens the database), mostly while it enqueues and sends.
		var delay time.Duration
		if rng.IntN(5) == 0 {
			delay = time.Duration(rng.IntN(40)) * time.Millisecond
		} else {
			select {
			case <-ready:
			case <-time.After(30 * time.Second):
			}
			delay = time.Duration(rng.IntN(250)) * time.Millisecond
		}
		time.Sleep(delay)
		if err := cmd.Process.Signal(syscall.SIGKILL); err == nil {
			kills++
		}
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
		t.Fatal("no submission was confirmed in any round: the test proves nothing")
	}
	// The rows the last kill left in flight: their sends' fate is unknown,
	// so taking them again must count them as possibly arrived.
	inflight := inflightRows(t, filepath.Join(dir, "kiosk.db"))
	// A last, unkilled run drains what is left, in process against a busy
	// server that also asks for pauses: a slow drain is not a failure, a
	// stalled one is.
	if tg.sim != nil {
		if err := tg.sim.SetFaults(pausingFaults); err != nil {
			t.Fatal(err)
		}
	}
	finalDrain(t, bin, append(args(0, 0), "-deadline", "0"))
	if tg.sim != nil {
		t.Logf("server during the drain: %+v", tg.sim.Stats())
		if err := tg.sim.SetFaults(intakesim.Faults{}); err != nil {
			t.Fatal(err)
		}
	}
	tm := openTerminal(t, dir, tg.terminal)
	verifyExactlyOnce(t, tg, tm, confirmed)
	for _, id := range inflight {
		var arrived bool
		if err := tm.st.DB().QueryRow(`SELECT may_have_arrived FROM outbox WHERE submission_id = ?`, id).Scan(&arrived); err != nil {
			t.Fatalf("row %s left in flight by the kill: %v", id, err)
		}
		if !arrived {
			t.Errorf("row %s was in flight when the process was killed, but does not count as possibly arrived", id)
		}
	}
	t.Logf("%d rounds, %d kills, %d rows left in flight by the last", rounds, kills, len(inflight))
}

// finalDrain runs the crash child in drain mode to the end. It has no
// deadline: it fails when the child's progress lines show no row settled
// for the stall limit (then the child is killed), or when the child ends
// without draining everything. It reports the throughput.
func finalDrain(t *testing.T, bin string, args []string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	p := newProgress("rows settled")
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var last, result string
	fail := func(format string, a ...any) {
		t.Helper()
		cmd.Process.Kill()
		for range lines {
		}
		cmd.Wait()
		t.Fatalf("final drain: "+format+"\nlast progress: %s\nstderr: %s", append(a, last, stderr.String())...)
	}
	for done := false; !done; {
		select {
		case line, ok := <-lines:
			if !ok {
				done = true
				break
			}
			if rest, ok := strings.CutPrefix(line, "progress "); ok {
				last = line
				var pending, parked int
				if _, err := fmt.Sscanf(rest, "pending=%d parked=%d", &pending, &parked); err != nil {
					fail("bad progress line %q: %v", line, err)
				}
				if err := p.observe(pending); err != nil {
					fail("%v", err)
				}
			} else if strings.HasPrefix(line, "drained ") {
				result = line
			}
		case <-tick.C:
			if !p.seen {
				if el := time.Since(p.start); el > p.limit {
					fail("no progress reported in %v (stall limit, KIOSK_E2E_STALL_SECONDS)", el.Round(time.Millisecond))
				}
			} else if err := p.observe(p.best); err != nil {
				fail("%v", err)
			}
		}
	}
	if err := cmd.Wait(); err != nil || result != "drained parked=0" {
		t.Fatalf("final drain ended with %v, %q\nlast progress: %s\nstderr: %s", err, result, last, stderr.String())
	}
	p.observe(0)
	t.Logf("final drain: %s", p.summary())
}

// inflightRows are the ids of the outbox rows in flight in the database at
// path, read without writing to it.
func inflightRows(t *testing.T, path string) []string {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT submission_id FROM outbox WHERE state = 'inflight'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return ids
}
