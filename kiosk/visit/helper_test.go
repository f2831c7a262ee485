package visit_test

import (
	"sync"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/visit"
	"github.com/pudong-community/kiosk/kiosk/visit/visittest"
)

// t0 is a fixed afternoon in Shanghai.
var t0 = time.Date(2026, 11, 27, 14, 0, 0, 0, time.FixedZone("CST", 8*3600))

const (
	residentID = "11010519491231002X" // valid GB 11643 check digit
	agentID    = "310101199001011234"
	keyedID    = "310115195001010012"
)

func resident() kiosk.Person {
	return kiosk.Person{IDNumber: residentID, Name: "张秀英", CardType: kiosk.CardResident, Gender: "女",
		Nation: "汉", BirthDate: "1949-12-31", Address: "上海市浦东新区峨山路91弄", ValidUntil: "2036-01-01"}
}

func young() kiosk.Person {
	return kiosk.Person{IDNumber: agentID, Name: "李建国", CardType: kiosk.CardResident, Gender: "男",
		Nation: "汉", BirthDate: "1990-01-01", Address: "上海市浦东新区张杨路1号", ValidUntil: "2030-05-01"}
}

func item() kiosk.Item {
	return kiosk.Item{Code: "MZ-0201", Name: "敬老卡申领", Kind: kiosk.KindInstant, SelfService: true, AgentAllowed: true,
		Fields: []kiosk.Field{
			{Key: "phone", Label: "联系电话", Type: kiosk.FieldPhone, Required: true},
			{Key: "bank", Label: "银行", Type: kiosk.FieldChoice, Choices: []string{"农商银行", "工商银行"}},
			{Key: "note", Label: "备注", Type: kiosk.FieldText, MaxLen: 5},
			{Key: "rooms", Label: "人数", Type: kiosk.FieldDigits},
			{Key: "since", Label: "日期", Type: kiosk.FieldDate},
			{Key: "spouse", Label: "配偶身份证", Type: kiosk.FieldIDNumber},
		}}
}

type rig struct {
	t     *testing.T
	m     *visit.Machine
	clock *visittest.Clock

	mu    sync.Mutex
	snaps []visit.Snapshot
	ids   int
}

func newRig(t *testing.T, cfg visit.Config) *rig {
	t.Helper()
	r := &rig{t: t, clock: visittest.NewClock(t0)}
	cfg.Clock = r.clock
	cfg.OnChange = func(s visit.Snapshot) {
		r.mu.Lock()
		r.snaps = append(r.snaps, s)
		r.mu.Unlock()
	}
	cfg.NewID = func() string {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.ids++
		return "01JDSUB0000000000000000" + string(rune('A'+r.ids))
	}
	m, err := visit.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r.m = m
	return r
}

func (r *rig) must(err error) {
	r.t.Helper()
	if err != nil {
		r.t.Fatal(err)
	}
}

func (r *rig) want(s visit.State) visit.Snapshot {
	r.t.Helper()
	got := r.m.Snapshot()
	if got.State != s {
		r.t.Fatalf("state = %s, want %s", got.State, s)
	}
	return got
}

func (r *rig) last() visit.Snapshot {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.snaps) == 0 {
		return visit.Snapshot{}
	}
	return r.snaps[len(r.snaps)-1]
}

// identified walks from home to an identified resident (from the card).
func (r *rig) identified() {
	r.t.Helper()
	r.must(r.m.Identify(visit.PurposeApply))
	r.must(r.m.CardRead(resident()))
	r.want(visit.StateIdentified)
}

// reviewing walks on to the review page with the phone filled.
func (r *rig) reviewing() {
	r.t.Helper()
	r.identified()
	r.must(r.m.StartApplication(item()))
	r.must(r.m.SetField("phone", "13800138000"))
	r.must(r.m.Review())
	r.want(visit.StateReviewing)
}
