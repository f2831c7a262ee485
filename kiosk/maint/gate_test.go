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

var testCardKey = StaffCardKey([]byte("0123456789abcdef0123456789abcdef"))

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
	g, err := NewGate(GateConfig{PINHash: h, StaffCards: []string{StaffCardHash(testCardKey, staffID)}, CardKey: testCardKey, Audit: tr, Now: clk.Now})
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
	if _, err := g.EnterCard(ctx, "310115199001011234", false); !errors.Is(err, ErrNotStaff) {
		t.Errorf("resident card: %v", err)
	}
	if _, err := g.EnterCard(ctx, "", false); !errors.Is(err, ErrNotStaff) {
		t.Errorf("empty card: %v", err)
	}
	if g.CardWaiting() {
		t.Fatal("a resident's card waits for a PIN")
	}
	// The card alone opens nothing: it waits for the PIN.
	s, err := g.EnterCard(ctx, strings.ToLower(staffID), false)
	if s != nil || !errors.Is(err, ErrNeedPIN) || g.Open() || !g.CardWaiting() {
		t.Fatalf("staff card alone: %+v, %v, open %v", s, err, g.Open())
	}
	if len(mem.Rows()) != 0 {
		t.Fatalf("a card without its PIN was recorded as an entry: %q", kinds(mem))
	}
	// A wrong PIN after the card counts and names the card (masked).
	if _, err := g.EnterPIN(ctx, "000000"); !errors.Is(err, ErrWrongPIN) {
		t.Fatalf("wrong PIN after the card: %v", err)
	}
	if g.CardWaiting() {
		t.Error("the card still waits after a wrong PIN")
	}
	g.EnterCard(ctx, staffID, false)
	s, err = g.EnterPIN(ctx, "135790")
	if err != nil || s == nil || s.Method != MethodStaffCard || s.Subject != kiosk.MaskID(staffID) {
		t.Fatalf("staff card and PIN: %+v, %v", s, err)
	}
	rows := mem.Rows()
	if len(rows) != 2 || rows[0].Subject != kiosk.MaskID(staffID) || rows[1].Kind != string(audit.MaintenanceEntry) || rows[1].Subject != kiosk.MaskID(staffID) || rows[1].Detail != MethodStaffCard {
		t.Fatalf("audit rows %+v, want a failure and an entry with the masked card", rows)
	}
	for _, r := range rows {
		if strings.Contains(r.Subject+r.Detail, staffID[:10]) {
			t.Error("full ID number in the audit trail")
		}
	}
}

// A staff card past its validity is refused and recorded, and leaves no
// card waiting for a PIN.
func TestGateExpiredStaffCard(t *testing.T) {
	t.Parallel()
	g, mem, _ := newGate(t)
	ctx := context.Background()
	if _, err := g.EnterCard(ctx, staffID, true); !errors.Is(err, ErrCardExpired) {
		t.Fatalf("expired staff card: %v", err)
	}
	if g.CardWaiting() {
		t.Error("an expired card waits for a PIN")
	}
	if got := kinds(mem); got != "card_refused:expired staff card" {
		t.Errorf("audit = %q", got)
	}
	// The PIN then opens a PIN session, not a staff card one.
	if s, err := g.EnterPIN(ctx, "135790"); err != nil || s.Method != MethodPIN {
		t.Errorf("PIN after an expired card: %+v, %v", s, err)
	}
}

// A card waits for its PIN CardPINWait at most.
func TestGateCardWaitEnds(t *testing.T) {
	t.Parallel()
	g, _, clk := newGate(t)
	ctx := context.Background()
	g.EnterCard(ctx, staffID, false)
	clk.Add(CardPINWait + time.Second)
	if s, err := g.EnterPIN(ctx, "135790"); err != nil || s.Method != MethodPIN {
		t.Errorf("PIN long after the card: %+v, %v", s, err)
	}
}

// Staff cards are kept as keyed hashes: a plain number in the
// configuration is refused, and a hash under another key matches nothing.
func TestGateStaffCardHashes(t *testing.T) {
	t.Parallel()
	// A plain number left from an older configuration opens nothing (the
	// terminal still starts; check-config names it).
	plain, err := NewGate(GateConfig{StaffCards: []string{staffID}, CardKey: testCardKey})
	if err != nil {
		t.Fatalf("a plain staff card stops the gate: %v", err)
	}
	if _, err := plain.EnterCard(context.Background(), staffID, false); err == nil {
		t.Error("a staff card listed in plain opens maintenance")
	}
	h := StaffCardHash(testCardKey, staffID)
	if strings.Contains(h, staffID) || strings.Contains(h, staffID[6:14]) || h != StaffCardHash(testCardKey, " "+strings.ToLower(staffID)) {
		t.Errorf("StaffCardHash = %q", h)
	}
	other := StaffCardKey([]byte("another sealing key of 32 bytes!"))
	pin, _ := HashPIN("135790", cheap)
	g, err := NewGate(GateConfig{PINHash: pin, StaffCards: []string{h}, CardKey: other})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.EnterCard(context.Background(), staffID, false); !errors.Is(err, ErrNotStaff) {
		t.Errorf("a hash under another key matched: %v", err)
	}
	g, _ = NewGate(GateConfig{PINHash: pin, StaffCards: []string{strings.ToUpper(h)}})
	if _, err := g.EnterCard(context.Background(), staffID, false); !errors.Is(err, ErrNotStaff) {
		t.Errorf("no card key, yet a card matched: %v", err)
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
	if v, _ := set.Setting(context.Background(), PINLockKey); !strings.HasPrefix(v, "1 0 0 ") || !strings.HasSuffix(v, " 1") {
		t.Errorf("stored %q, want \"1 0 0 <day> 1\"", v)
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

func TestLockDuration(t *testing.T) {
	t.Parallel()
	want := []time.Duration{5 * time.Minute, 10 * time.Minute, 20 * time.Minute, 40 * time.Minute, 80 * time.Minute,
		160 * time.Minute, 320 * time.Minute, 640 * time.Minute, 1280 * time.Minute, 24 * time.Hour, 24 * time.Hour}
	for i, w := range want {
		if got := LockDuration(i + 1); got != w {
			t.Errorf("LockDuration(%d) = %v, want %v", i+1, got, w)
		}
	}
	if got := LockDuration(1000); got != MaxLockFor {
		t.Errorf("LockDuration(1000) = %v", got)
	}
}

// Each run of wrong PINs locks twice as long as the one before; a restart
// keeps the count of locks; a right PIN starts it again.
func TestGateLockDoubles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := clocktest.New(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	mem := &audittest.Memory{}
	tr, _ := audit.New(mem, clk.Now)
	h, _ := HashPIN("135790", cheap)
	set := &memSettings{}
	open := func() *Gate {
		g, err := NewGate(GateConfig{PINHash: h, Now: clk.Now, Settings: set, Audit: tr})
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	g := open()
	for run := 1; run <= 4; run++ {
		var err error
		for range MaxTries {
			_, err = g.EnterPIN(ctx, "000000")
		}
		var le *LockedError
		if !errors.As(err, &le) || !le.Until.Equal(clk.Now().Add(LockDuration(run))) {
			t.Fatalf("run %d: %v, want locked for %v", run, err, LockDuration(run))
		}
		if st := g.Status(); st.FailuresToday != run*MaxTries || !st.LockedUntil.Equal(le.Until) {
			t.Errorf("run %d: status %+v", run, st)
		}
		if st := ReadLockStatus(ctx, set, clk.Now()); st.FailuresToday != run*MaxTries || !st.LockedUntil.Equal(le.Until) {
			t.Errorf("run %d: status in the settings %+v", run, st)
		}
		g = open() // a restart in the middle keeps the lock and its count
		clk.Add(LockDuration(run))
	}
	if got := kinds(mem); !strings.Contains(got, "pin_lockout:40m0s (lock 4 in a row)") {
		t.Errorf("audit %q lacks the fourth lock", got)
	}
	if _, err := g.EnterPIN(ctx, "135790"); err != nil {
		t.Fatal(err)
	}
	g = open()
	var err error
	for range MaxTries {
		_, err = g.EnterPIN(ctx, "000000")
	}
	var le *LockedError
	if !errors.As(err, &le) || !le.Until.Equal(clk.Now().Add(LockFor)) {
		t.Fatalf("after a right PIN: %v, want the first lock again", err)
	}
	// The day's count starts again the next day.
	clk.Add(24 * time.Hour)
	if st := ReadLockStatus(ctx, set, clk.Now()); st.FailuresToday != 0 || !st.LockedUntil.IsZero() {
		t.Errorf("next day: %+v", st)
	}
}

// Bad input from the issue: a PIN guessed with 10,000 scripted taps. The
// guesser taps without pause, each wrong PIN as soon as entry allows; the
// test counts the most guesses the lock lets through in any 24 hours.
// Goal: at most 50 a day.
func TestGateTenThousandGuesses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	start := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	clk := clocktest.New(start)
	// The guesses are checked against a PIN none of them is, with the
	// cheapest argon2 parameters so the test is quick.
	h, _ := HashPIN("999999", Params{Time: 1, Memory: 8, Threads: 1, KeyLen: 16, SaltLen: 8})
	g, err := NewGate(GateConfig{PINHash: h, Now: clk.Now, Settings: &memSettings{}})
	if err != nil {
		t.Fatal(err)
	}
	var at []time.Time // when each guess was checked
	for tap := 0; tap < 10000; tap++ {
		_, err := g.EnterPIN(ctx, fmt.Sprintf("%06d", len(at)))
		var le *LockedError
		if errors.As(err, &le) && !errors.Is(err, ErrWrongPIN) {
			// Locked, the PIN not even checked: the script taps on
			// until the lock ends.
			clk.Set(le.Until)
			continue
		}
		if !errors.Is(err, ErrWrongPIN) {
			t.Fatalf("guess %d: %v", len(at), err)
		}
		at = append(at, clk.Now())
		clk.Add(time.Second)
	}
	worst, j := 0, 0
	for i := range at { // the most guesses in any 24 hours
		for at[i].Sub(at[j]) >= 24*time.Hour {
			j++
		}
		worst = max(worst, i-j+1)
	}
	days := clk.Now().Sub(start).Hours() / 24
	t.Logf("10,000 taps: %d PINs checked over %.0f days; at most %d in any 24 hours", len(at), days, worst)
	if worst > 50 {
		t.Errorf("the lock let %d guesses through in 24 hours, want at most 50", worst)
	}
	if len(at) == 0 || len(at) == 10000 {
		t.Errorf("%d guesses checked: the script did not meet the lock", len(at))
	}
}
