package ui

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/kiosktest"
	"github.com/pudong-community/kiosk/kiosk/visit"
)

// assistCalls is a kiosk.Assistance that records the calls for staff.
type assistCalls struct {
	mu       sync.Mutex
	calls    []string // "screen reason"
	notified bool
}

func (f *assistCalls) CallStaff(ctx context.Context, screen, reason string) kiosk.AssistanceResult {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, screen+" "+reason)
	return kiosk.AssistanceResult{Notified: f.notified, Centre: "notified"}
}

func (f *assistCalls) got() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// Every way a visit ends with the card on the reader (完成, 结束办理, the
// idle warning's 结束 and its countdown) shows the take-your-card screen,
// wiped of the visit, until the card is removed; then the goodbye and home.
func TestTakeCardEachWayAVisitEnds(t *testing.T) {
	for _, tc := range []struct {
		name string
		end  func(r *rig)
	}{
		{"完成 on the outcome", func(r *rig) {
			r.toNotice(kiosktest.Resident, "RS-SBZM")
			r.tap("apply.start")
			r.tap("review.confirm")
			r.want("outcome")
			r.tap("outcome.done")
		}},
		{"结束办理", func(r *rig) {
			r.tap("cases")
			r.card(kiosktest.Resident)
			r.want("cases")
			r.tap("nav.finish")
		}},
		{"idle warning's end", func(r *rig) {
			r.tap("cases")
			r.card(kiosktest.Resident)
			r.clk.Advance(visit.DefaultIdle)
			r.settle()
			r.tap("idle.end")
		}},
		{"idle timeout", func(r *rig) {
			r.tap("cases")
			r.card(kiosktest.Resident)
			r.clk.Advance(visit.DefaultIdle)
			r.clk.Advance(visit.DefaultWarning)
			r.settle()
		}},
		{"the menu's 结束办理", func(r *rig) {
			r.tap("cases")
			r.card(kiosktest.Resident)
			r.want("cases")
			r.tap("nav.back")
			r.want("menu")
			r.tap("menu.finish")
		}},
		{"the rating skipped", func(r *rig) {
			r.rating()
			r.tap("cases")
			r.card(kiosktest.Resident)
			r.want("cases")
			r.tap("nav.finish")
			r.want("rating")
			r.pastGuard()
			r.tap("rating.skip")
		}},
		{"the agent's 完成 with the agent's card there", func(r *rig) {
			// The principal's card was read and taken away; the agent's
			// lies on the reader as the agent finishes.
			r.toItemsAsAgent(kiosktest.Elder)
			r.a.CardRemoved()
			r.card(kiosktest.AgentPerson)
			r.tap("item:MZ-JLK")
			r.tap("apply.start")
			r.tap("review.confirm")
			r.want("outcome")
			r.tap("outcome.done")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, portrait)
			h := listening(r)
			tc.end(r)
			r.want("takecard")
			r.wantText("请取走您的身份证", "如果这不是您的身份证，请交给工作人员")
			if left := personalLeft(r, kiosktest.Resident.Name, kiosktest.Resident.IDNumber, kiosk.MaskID(kiosktest.Resident.IDNumber)); len(left) > 0 {
				t.Errorf("the take-your-card screen keeps %q", left)
			}
			if r.find("nav.back") != nil || r.find("nav.home") != nil || r.find("nav.finish") != nil {
				t.Error("the take-your-card screen offers a way past it")
			}
			said := h.ids()
			if len(said) == 0 || said[len(said)-1] != kiosk.PromptTakeCard {
				t.Errorf("said %v, want the take-card prompt last", said)
			}
			checkTargets(t, r)
			// It stays: taps, a long wait (short of two minutes).
			r.a.Home()
			r.a.Back()
			r.a.visit.m.Touch()
			r.clk.Advance(visit.DefaultCardLeft - time.Second)
			r.settle()
			r.want("takecard")
			r.a.CardRemoved()
			r.settle()
			r.want("ended")
			r.wantNoText("请取走您的身份证") // it is taken
			r.clk.Advance(visit.DefaultLinger)
			r.settle()
			r.want("home")
			checkNoMissingKeys(t)
		})
	}
}

// A card left two minutes after its visit: staff are called once, with
// reason card_left, off the UI goroutine; the screen stays and says they
// were told only when the call was confirmed. Without Options.Assist the
// configured hook (Options.CallStaff) rings.
func TestTakeCardCallsStaffAfterTwoMinutes(t *testing.T) {
	for _, notified := range []bool{true, false} {
		r := newRig(t, portrait)
		as := &assistCalls{notified: notified}
		r.a.opts.Assist = as
		r.tap("cases")
		r.card(kiosktest.Resident)
		r.tap("nav.finish")
		r.want("takecard")
		r.clk.Advance(visit.DefaultCardLeft - time.Second)
		r.settle()
		if got := as.got(); len(got) != 0 {
			t.Fatalf("staff called early: %q", got)
		}
		r.clk.Advance(time.Second)
		r.settle()
		if got := as.got(); len(got) != 1 || got[0] != "takecard "+kiosk.AssistCardLeft {
			t.Fatalf("calls %q, want one about the card left", got)
		}
		r.want("takecard")
		if notified {
			r.wantText("已通知工作人员")
		} else {
			r.wantNoText("已通知工作人员")
			r.wantText("未能联系到工作人员")
		}
		r.clk.Advance(time.Hour)
		r.settle()
		r.want("takecard")
		if got := as.got(); len(got) != 1 {
			t.Fatalf("calls %q, want just one", got)
		}
		r.a.CardRemoved()
		r.settle()
		r.want("ended")
	}

	// The hook, when no assistance service is wired.
	r := newRig(t, portrait)
	rang := make(chan struct{}, 4)
	r.a.opts.CallStaff = func(ctx context.Context) error { rang <- struct{}{}; return nil }
	r.tap("cases")
	r.card(kiosktest.Resident)
	r.tap("nav.finish")
	r.clk.Advance(visit.DefaultCardLeft)
	r.settle()
	if len(rang) != 1 {
		t.Fatalf("the hook rang %d times, want once", len(rang))
	}
	r.want("takecard")
	r.wantText("已通知工作人员")
}

// 我的办件 tapped while a card lies on the reader that no visit holds (an
// expired card refused on the home screen): the screen says to take that
// card first, not "place your card", which would wait for ever. Once it
// is gone, the usual prompt; the next card identifies.
func TestMyCasesWithACardLyingThere(t *testing.T) {
	for _, english := range []bool{false, true} {
		r := newRig(t, portrait)
		if english {
			r.tap("bar.language")
		}
		r.a.CardReading()
		r.a.CardPresent(kiosktest.Expired, true, 0)
		r.settle()
		r.tap("cases")
		r.want("cases")
		if english {
			r.wantText("A card is still lying on the reader")
			r.wantNoText("Please place your ID card on the reader")
		} else {
			r.wantText("读卡区上还留有一张身份证")
			r.wantNoText("请将身份证放在读卡区")
		}
		r.a.CardRemoved()
		r.settle()
		if english {
			r.wantText("Please place your ID card on the reader")
		} else {
			r.wantText("请将身份证放在读卡区")
		}
		r.card(kiosktest.Resident)
		r.want("cases")
		r.wantText(kiosk.MaskID(kiosktest.Resident.IDNumber))
	}
}

// withRenewal gives the rig's catalogue an item for renewing a resident
// ID card, done at a police station (as the simulator's catalogue has).
func withRenewal(r *rig) {
	r.t.Helper()
	c := kiosktest.SampleCatalog()
	c.Items = append(c.Items, kiosk.Item{Code: "GA-SFZ", Name: "居民身份证换领", NameEn: "Resident ID card renewal", Department: "浦东公安分局",
		Category: "公安", Kind: kiosk.KindInstant, Notice: "请到户籍所在地或居住地公安派出所户籍窗口换领，本中心不受理。",
		Materials: []kiosk.Material{{Name: "原居民身份证", Required: true}}})
	r.cat = kiosktest.NewCatalog(c, kiosktest.SampleInitials)
	r.a.opts.Catalog = r.cat
	r.a.visit.loadCatalog(true)
	r.settle()
}

// An expired card says where to renew it and asks for the card back: the
// catalogue's renewal item for the card, by name, department and notice;
// without one (or for a card the item is not for), the plain sentence
// naming the police station. So on the identify screen, over the home
// screen, and when the central system refuses the card.
func TestExpiredCardSaysWhereToRenew(t *testing.T) {
	hmt := kiosktest.Expired
	hmt.CardType = kiosk.CardHMTResidence
	for _, english := range []bool{false, true} {
		for _, renewal := range []bool{false, true} {
			for _, card := range []kiosk.Person{kiosktest.Expired, hmt} {
				r := newRig(t, portrait)
				if renewal {
					withRenewal(r)
				}
				if english {
					r.tap("bar.language")
				}
				r.tap("apply")
				r.tap("apply.self")
				r.want("identify")
				r.a.CardReading()
				r.a.CardPresent(card, true, 0)
				r.settle()
				named := renewal && card.CardType == kiosk.CardResident
				switch {
				case named && english:
					r.wantText("apply for “Resident ID", "card renewal” (浦东公安分局)", "Please take your card")
					r.wantNoText("户籍窗口换领") // the notice is Chinese only
				case named:
					r.wantText("换领新证请办理“居民身份证换领”（浦东公安分", "户籍窗口换领，本中心不受理", "请取走您的身份证")
					r.wantNoText("公安派出所的户籍窗口换")
				case english:
					r.wantText("police station", "Please take your card")
					r.wantNoText("apply for “Resident ID")
				default:
					r.wantText("请到户籍所在地或居住地公安派出所的户籍窗口换", "请取走您的身份证")
					r.wantNoText("换领新证请办理")
				}
			}
		}
	}

	// On the home screen, above it, the catalogue not yet loaded (the
	// card is the first thing of the day).
	r := newRig(t, portrait)
	withRenewal(r)
	r.a.visit.catalog = load[*kiosk.Catalog]{}
	r.a.CardReading()
	r.a.CardPresent(kiosktest.Expired, true, 0)
	r.settle()
	r.wantText("换领新证请办理“居民身份证换领”（浦东公安分", "请取走您的身份证")

	// The central system refuses the card as expired.
	r = newRig(t, portrait)
	withRenewal(r)
	r.sub.SetReject(&kiosk.RejectedError{Code: "card_expired"})
	r.toNotice(kiosktest.Resident, "MZ-JLK")
	r.tap("apply.start")
	r.tap("review.confirm")
	r.wantText("换领新证请办理“居民身份证换领”（浦东公安分")
	checkNoMissingKeys(t)
}

// The spoken prompt repeats while the card lies on the reader, and stops
// once it is taken.
func TestTakeCardPromptRepeats(t *testing.T) {
	r := newRig(t, portrait)
	h := listening(r)
	r.tap("cases")
	r.card(kiosktest.Resident)
	r.tap("nav.finish")
	r.want("takecard")
	h.take()
	for i := 0; i < 2*takeCardRepeat; i++ {
		r.a.tick()
	}
	said := h.take()
	if len(said) != 2 || said[0].ID != kiosk.PromptTakeCard || said[1].ID != kiosk.PromptTakeCard {
		t.Fatalf("in %d s said %+v, want the take-card prompt twice", 2*takeCardRepeat, said)
	}
	r.a.CardRemoved()
	r.settle()
	for i := 0; i < 2*takeCardRepeat; i++ {
		r.a.tick()
	}
	if said := h.take(); len(said) != 0 {
		t.Fatalf("said %+v after the card was taken", said)
	}
}

// A visit that ends with no card on the reader (the agent took theirs
// away to swap cards) goes straight to the goodbye, which does not ask for
// a card that is not there.
func TestNoCardLeftNoTakeCard(t *testing.T) {
	r := newRig(t, portrait)
	r.tap("apply")
	r.tap("apply.agent")
	r.card(kiosktest.AgentPerson)
	r.a.CardRemoved()
	r.settle()
	r.want("identify")
	r.tap("nav.finish")
	r.want("ended")
	r.wantNoText("请取走您的身份证", "请取走")
}

// The reader fails with a card left on it after its visit: nobody can
// vouch for the card, so the take-your-card screen gives way; when the
// reader is back and reads the same card, the screen asks for it again,
// and no visit starts with the card of someone who went away (not on the
// home screen, not from 我的办件).
func TestLostCardReadAgainIsStillLeft(t *testing.T) {
	r := newRig(t, portrait)
	r.tap("cases")
	r.card(kiosktest.Resident)
	r.want("cases")
	r.tap("nav.finish")
	r.want("takecard")
	applyEvent(r.a, kiosk.CardRemoved{Lost: true}) // the reader fails
	r.settle()
	r.want("ended")
	r.clk.Advance(visit.DefaultLinger)
	r.settle()
	r.want("home")
	r.tap("cases")
	if s := r.a.visit.snap.State; s != visit.StateIdentifying {
		t.Fatalf("state %s after 我的办件", s)
	}
	r.card(kiosktest.Resident) // the reader back, the card still there
	r.want("takecard")
	if s := r.a.visit.snap; s.Resident != nil || s.Visit != 0 {
		t.Fatalf("the left card started a visit: resident %v, visit %d", s.Resident != nil, s.Visit)
	}
	if left := personalLeft(r, kiosktest.Resident.Name, kiosk.MaskID(kiosktest.Resident.IDNumber)); len(left) > 0 {
		t.Errorf("the left card's holder shows: %q", left)
	}
	// Taken away at last (the reader sees it go): then it is any card.
	r.takeCard()
	r.clk.Advance(visit.DefaultLinger)
	r.settle()
	r.tap("cases")
	r.card(kiosktest.Resident)
	r.want("cases")
}
