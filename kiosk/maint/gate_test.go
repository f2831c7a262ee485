package maint

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/internal/clock/clocktest"
	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/audit"
	"github.com/pudong-community/kiosk/kiosk/audit/audittest"
)

const staffID = "31011519800101001X"

func newGate(t *testing.T) (*Gate, *audittest.Memory, *clocktest.Clock) {
	t.Helper()
	clk := clocktest.New(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	mem := &audittest.Memory{}
	tr, err := audit.New(mem, clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	h, err := HashPIN("135790", cheap)
	if err != nil {
		t.Fatal(err)
	}
	g, err := NewGate(GateConfig{PINHash: h, StaffCards: []string{staffID}, Audit: tr, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return g, mem, clk
}

func kinds(m *audittest.Memory) string {
	var ks []string
	for _, ev := range m.Rows() {
		ks = append(ks, ev.Kind+":"+ev.Detail)
	}
	return strings.Join(ks, " | ")
}

func TestGateRightPIN(t *testing.T) {
	t.Parallel()
	g, mem, _ := newGate(t)
	ctx := context.Background()
	s, err := g.EnterPIN(ctx, "135790")
	if err != nil || s == nil || s.Method != MethodPIN || !g.Open() {
		t.Fatalf("EnterPIN = %+v, %v", s, err)
	}
	if err := g.Leave(ctx); err != nil {
		t.Fatal(err)
	}
	if g.Open() {
		t.Error("session open after Leave")
	}
	if err := g.Leave(ctx); !errors.Is(err, ErrNoSession) {
		t.Errorf("second Leave: %v", err)
	}
	if got, want := kinds(mem), "maintenance_entry:pin | maintenance_exit:left"; got != want {
		t.Errorf("audit = %q, want %q", got, want)
	}
}

func TestGateLockout(t *testing.T) {
	t.Parallel()
	g, mem, clk := newGate(t)
	ctx := context.Background()
	// Two wrong, then right: the count starts again.
	for range 2 {
		if _, err := g.EnterPIN(ctx, "000000"); !errors.Is(err, ErrWrongPIN) {
			t.Fatalf("wrong PIN: %v", err)
		}
	}
	if _, err := g.EnterPIN(ctx, "135790"); err != nil {
		t.Fatal(err)
	}
	g.Leave(ctx)
	if g.Tries() != MaxTries {
		t.Errorf("tries after a right PIN = %d, want %d", g.Tries(), MaxTries)
	}
	for i := 1; i < MaxTries; i++ {
		_, err := g.EnterPIN(ctx, "111111")
		if !errors.Is(err, ErrWrongPIN) || errors.Is(err, ErrLocked) {
			t.Fatalf("try %d: %v", i, err)
		}
		if g.Tries() != MaxTries-i {
			t.Errorf("after %d wrong: %d tries left", i, g.Tries())
		}
	}
	_, err := g.EnterPIN(ctx, "111111")
	var le *LockedError
	if !errors.As(err, &le) || !le.Until.Equal(clk.Now().Add(LockFor)) {
		t.Fatalf("fifth wrong PIN: %v, want locked for %s", err, LockFor)
	}
	// While locked even the right PIN is refused, and not recorded.
	before := len(mem.Rows())
	clk.Add(LockFor - time.Second)
	if _, err := g.EnterPIN(ctx, "135790"); !errors.Is(err, ErrLocked) {
		t.Fatalf("right PIN while locked: %v", err)
	}
	if len(mem.Rows()) != before {
		t.Error("a try while locked was recorded as a PIN failure")
	}
	if locked, _ := g.Locked(); !locked {
		t.Error("Locked() = false during the lock")
	}
	clk.Add(time.Second)
	if locked, _ := g.Locked(); locked {
		t.Error("still locked after LockFor")
	}
	if _, err := g.EnterPIN(ctx, "135790"); err != nil {
		t.Fatalf("right PIN after the lock: %v", err)
	}
	got := kinds(mem)
	for _, want := range []string{"pin_failure:attempt 1 of 5", "pin_failure:attempt 5 of 5", "pin_lockout:5m0s"} {
		if !strings.Contains(got, want) {
			t.Errorf("audit %q lacks %q", got, want)
		}
	}
	if n := strings.Count(got, "pin_failure"); n != 7 {
		t.Errorf("%d pin_failure events, want 7", n)
	}
	tr, err := audit.New(mem, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Verify(ctx); err != nil {
		t.Errorf("audit chain: %v", err)
	}
}

func TestGateStaffCard(t *testing.T) {
	t.Parallel()
	g, mem, _ := newGate(t)
	ctx := context.Background()
	if _, err := g.EnterCard(ctx, "310115199001011234"); !errors.Is(err, ErrNotStaff) {
		t.Errorf("resident card: %v", err)
	}
	if _, err := g.EnterCard(ctx, ""); !errors.Is(err, ErrNotStaff) {
		t.Errorf("empty card: %v", err)
	}
	s, err := g.EnterCard(ctx, strings.ToLower(staffID))
	if err != nil || s.Method != MethodStaffCard {
		t.Fatalf("staff card: %+v, %v", s, err)
	}
	rows := mem.Rows()
	if len(rows) != 1 || rows[0].Subject != kiosk.MaskID(staffID) {
		t.Fatalf("audit rows %+v, want one entry with the masked card", rows)
	}
	if strings.Contains(rows[0].Subject+rows[0].Detail, staffID[:10]) {
		t.Error("full ID number in the audit trail")
	}
}

func TestGateIdle(t *testing.T) {
	t.Parallel()
	g, mem, clk := newGate(t)
	ctx := context.Background()
	if _, err := g.EnterPIN(ctx, "135790"); err != nil {
		t.Fatal(err)
	}
	clk.Add(IdleTimeout - time.Second)
	if ended, _ := g.CheckIdle(ctx); ended {
		t.Fatal("ended before the idle limit")
	}
	g.Touch()
	clk.Add(IdleTimeout - time.Second)
	if ended, _ := g.CheckIdle(ctx); ended {
		t.Fatal("a touch did not restart the idle limit")
	}
	if left := g.IdleLeft(); left != time.Second {
		t.Errorf("IdleLeft = %s, want 1s", left)
	}
	clk.Add(time.Second)
	if ended, err := g.CheckIdle(ctx); !ended || err != nil {
		t.Fatalf("CheckIdle at the limit = %v, %v", ended, err)
	}
	if g.Open() {
		t.Error("session still open")
	}
	if !strings.HasSuffix(kinds(mem), "maintenance_exit:idle") {
		t.Errorf("audit = %q", kinds(mem))
	}
}

func TestGateAuditFailureDoesNotLockStaffOut(t *testing.T) {
	t.Parallel()
	g, mem, _ := newGate(t)
	mem.Err = errors.New("disk full")
	s, err := g.EnterPIN(context.Background(), "135790")
	if s == nil || !g.Open() {
		t.Fatal("an audit failure kept staff out")
	}
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("the audit failure was not reported: %v", err)
	}
}

func TestGateConfig(t *testing.T) {
	t.Parallel()
	if _, err := NewGate(GateConfig{PINHash: "1234"}); !errors.Is(err, ErrBadHash) {
		t.Errorf("plain PIN in config: %v", err)
	}
	g, err := NewGate(GateConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.EnterPIN(context.Background(), "1234"); !errors.Is(err, ErrNoPIN) {
		t.Errorf("no PIN configured: %v", err)
	}
}

func TestGateConcurrentWrongPINs(t *testing.T) {
	t.Parallel()
	g, _, _ := newGate(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g.EnterPIN(ctx, "999999")
		}()
	}
	wg.Wait()
	if locked, _ := g.Locked(); !locked {
		t.Error("12 concurrent wrong PINs did not lock entry")
	}
}

// memSettings is a Settings in memory that can be told to fail.
type memSettings struct {
	mu   sync.Mutex
	m    map[string]string
	fail error
}

func (s *memSettings) Setting(_ context.Context, key string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[key]
	if !ok {
		return "", errors.New("not set")
	}
	return v, nil
}

func (s *memSettings) SetSetting(_ context.Context, key, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	if s.m == nil {
		s.m = map[string]string{}
	}
	s.m[key] = value
	return nil
}

// A restart (power cut, crash, watchdog) does not give another MaxTries:
// the wrong PINs in a row and the lock are kept in the settings.
func TestGatePINLockSurvivesARestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := clocktest.New(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	h, err := HashPIN("135790", cheap)
	if err != nil {
		t.Fatal(err)
	}
	set := &memSettings{}
	restart := func() *Gate {
		g, err := NewGate(GateConfig{PINHash: h, Now: clk.Now, Settings: set})
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	g := restart()
	for range 3 {
		if _, err := g.EnterPIN(ctx, "000000"); !errors.Is(err, ErrWrongPIN) {
			t.Fatalf("wrong PIN: %v", err)
		}
	}
	g = restart()
	if got := g.Tries(); got != MaxTries-3 {
		t.Errorf("after 3 wrong and a restart: %d tries left, want %d", got, MaxTries-3)
	}
	for range 2 {
		g.EnterPIN(ctx, "000000")
	}
	want := clk.Now().Add(LockFor)
	g = restart()
	if locked, until := g.Locked(); !locked || !until.Equal(want) {
		t.Fatalf("after the lock and a restart: locked %v until %v, want until %v", locked, until, want)
	}
	if _, err := g.EnterPIN(ctx, "135790"); !errors.Is(err, ErrLocked) {
		t.Fatalf("right PIN while locked, after a restart: %v", err)
	}
	clk.Add(LockFor)
	g = restart()
	if locked, _ := g.Locked(); locked || g.Tries() != MaxTries {
		t.Errorf("after the lock ended: locked %v, %d tries", locked, g.Tries())
	}
	// A right PIN clears the count for the next run too.
	g.EnterPIN(ctx, "000000")
	if _, err := g.EnterPIN(ctx, "135790"); err != nil {
		t.Fatal(err)
	}
	if g = restart(); g.Tries() != MaxTries {
		t.Errorf("after a right PIN and a restart: %d tries, want %d", g.Tries(), MaxTries)
	}
	// The clock set back: the lock ends LockFor from now at the latest.
	set.SetSetting(ctx, PINLockKey, fmt.Sprintf("%d %d", MaxTries, clk.Now().Add(24*time.Hour).UnixMilli()))
	if _, until := restart().Locked(); !until.Equal(clk.Now().Add(LockFor)) {
		t.Errorf("a lock a day ahead ends %v, want %v", until, clk.Now().Add(LockFor))
	}
	// An unreadable value locks nobody out.
	for _, bad := range []string{"", "x y", "-3 0", "5"} {
		set.SetSetting(ctx, PINLockKey, bad)
		if g := restart(); g.Tries() != MaxTries {
			t.Errorf("value %q: %d tries, want %d", bad, g.Tries(), MaxTries)
		}
	}
	// A setting that cannot be written is reported, and entry still works.
	set.SetSetting(ctx, PINLockKey, "0 0")
	g = restart()
	set.fail = errors.New("disk full")
	if _, err := g.EnterPIN(ctx, "000000"); !errors.Is(err, ErrWrongPIN) || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("wrong PIN with a failing setting: %v", err)
	}
	if s, err := g.EnterPIN(ctx, "135790"); s == nil || !strings.Contains(fmt.Sprint(err), "disk full") {
		t.Errorf("right PIN with a failing setting: %v, %v", s, err)
	}
}

// blockingSettings holds every write until released.
type blockingSettings struct {
	memSettings
	entered chan struct{}
	release chan struct{}
}

func (s *blockingSettings) SetSetting(ctx context.Context, key, value string) error {
	s.entered <- struct{}{}
	<-s.release
	return s.memSettings.SetSetting(ctx, key, value)
}

// The lock state is written outside the gate's mutex: a write waiting on
// the disk does not hold up the screen asking whether entry is locked.
func TestGateWritesTheLockOutsideItsMutex(t *testing.T) {
	t.Parallel()
	h, err := HashPIN("135790", cheap)
	if err != nil {
		t.Fatal(err)
	}
	set := &blockingSettings{entered: make(chan struct{}), release: make(chan struct{})}
	g, err := NewGate(GateConfig{PINHash: h, Settings: set})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := g.EnterPIN(context.Background(), "000000")
		done <- err
	}()
	<-set.entered // the write has started and waits
	asked := make(chan bool, 1)
	go func() {
		locked, _ := g.Locked()
		g.Tries()
		asked <- locked
	}()
	select {
	case <-asked:
	case <-time.After(10 * time.Second):
		t.Fatal("Locked waited for the settings write")
	}
	close(set.release)
	if err := <-done; !errors.Is(err, ErrWrongPIN) {
		t.Fatalf("EnterPIN: %v", err)
	}
	if v, _ := set.Setting(context.Background(), PINLockKey); v != "1 0" {
		t.Errorf("stored %q, want \"1 0\"", v)
	}
}

// A lock taken up at start runs on the monotonic clock for at most
// LockFor: a wall clock set back later does not stretch it.
func TestGateLoadedLockRunsOnTheMonotonicClock(t *testing.T) {
	t.Parallel()
	h, err := HashPIN("135790", cheap)
	if err != nil {
		t.Fatal(err)
	}
	for _, left := range []time.Duration{3 * time.Minute, time.Hour} {
		set := &memSettings{}
		set.SetSetting(context.Background(), PINLockKey, fmt.Sprintf("%d %d", MaxTries, time.Now().Add(left).UnixMilli()))
		before := time.Now()
		g, err := NewGate(GateConfig{PINHash: h, Settings: set})
		if err != nil {
			t.Fatal(err)
		}
		want := min(left, LockFor)
		locked, until := g.Locked()
		if !locked || until.After(time.Now().Add(want)) || until.Before(before.Add(want-time.Second)) {
			t.Errorf("%v left: locked %v until %v; want about %v from now", left, locked, until, want)
		}
		if !strings.Contains(until.String(), "m=") {
			t.Errorf("%v left: the lock's end %v has no monotonic reading, so a step of the wall clock would move it", left, until)
		}
	}
}
