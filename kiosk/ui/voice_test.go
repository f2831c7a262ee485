package ui

import (
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/kiosktest"
	"github.com/pudong-community/kiosk/kiosk/visit"
)

// heard is a kiosk.Voice that keeps the prompts it is asked for.
type heard struct {
	mu   sync.Mutex
	said []kiosk.Prompt
}

func (h *heard) Say(p kiosk.Prompt) {
	h.mu.Lock()
	h.said = append(h.said, p)
	h.mu.Unlock()
}

func (h *heard) take() []kiosk.Prompt {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.said
	h.said = nil
	return s
}

func (h *heard) ids() []kiosk.PromptID {
	var ids []kiosk.PromptID
	for _, p := range h.take() {
		ids = append(ids, p.ID)
	}
	return ids
}

func listening(r *rig) *heard {
	h := &heard{}
	r.a.opts.Voice = h
	return h
}

// A scripted visit, place card → read → apply → print → take receipt →
// take card, speaks these prompts in this order, in the visit's language
// and text size.
func TestVoiceFollowsTheVisit(t *testing.T) {
	for _, english := range []bool{false, true} {
		for _, elder := range []bool{false, true} {
			t.Run(fmt.Sprintf("english=%v,elder=%v", english, elder), func(t *testing.T) {
				r := newRig(t, portrait)
				h := listening(r)
				if elder {
					r.tap("elder")
				}
				if english {
					r.tap("bar.language")
				}
				r.tap("apply")
				r.tap("apply.self")
				r.want("identify")
				r.card(kiosktest.Resident)
				r.want("apply.items")
				if r.find("item:RS-SBZM") == nil {
					r.tap("page.next") // elder mode: on the second page
				}
				r.tap("item:RS-SBZM")
				r.tap("apply.start")
				r.want("review")
				r.tap("review.confirm")
				r.want("outcome")
				if n := len(r.rec.Printed()); n != 1 {
					t.Fatalf("%d receipts printed", n)
				}
				r.tap("outcome.done")
				r.want("takecard")
				want := []kiosk.Prompt{
					{ID: kiosk.PromptPlaceCard},
					{ID: kiosk.PromptCardRead},
					{ID: kiosk.PromptAccepted},
					{ID: kiosk.PromptPrinting, After: true},
					{ID: kiosk.PromptTakeReceipt},
					{ID: kiosk.PromptTakeCard},
				}
				for i := range want {
					want[i].English, want[i].Elder = english, elder
				}
				if got := h.take(); !reflect.DeepEqual(got, want) {
					t.Errorf("said\n %+v\nwant\n %+v", got, want)
				}
			})
		}
	}
}

// Offline, the submission is saved; a card taken away is not asked for.
func TestVoiceSavedAndCardTaken(t *testing.T) {
	r := newRig(t, portrait)
	h := listening(r)
	r.sub.SetOnline(false)
	r.toNotice(kiosktest.Resident, "RS-SBZM")
	r.tap("apply.start")
	r.tap("review.confirm")
	r.want("outcome")
	r.a.CardRemoved()
	r.settle()
	r.want("ended")
	want := []kiosk.PromptID{kiosk.PromptPlaceCard, kiosk.PromptCardRead, kiosk.PromptSaved, kiosk.PromptPrinting, kiosk.PromptTakeReceipt}
	if got := h.ids(); !reflect.DeepEqual(got, want) {
		t.Errorf("said %v, want %v", got, want)
	}
}

func TestVoiceCardProblems(t *testing.T) {
	r := newRig(t, portrait)
	h := listening(r)
	r.tap("cases")
	r.a.CardReading()
	r.a.CardError("checksum")
	r.settle()
	expired := kiosktest.Resident
	r.a.CardPresent(expired, true, 0)
	r.settle()
	want := []kiosk.PromptID{kiosk.PromptPlaceCard, kiosk.PromptCardUnreadable, kiosk.PromptCardExpired}
	if got := h.ids(); !reflect.DeepEqual(got, want) {
		t.Errorf("said %v, want %v", got, want)
	}
}

// The idle warning is spoken (it is easy to miss when only shown), and so
// is a call for staff.
func TestVoiceIdleWarningAndCallStaff(t *testing.T) {
	r := newRig(t, portrait)
	h := listening(r)
	assist := kiosktest.NewAssist(kiosk.AssistanceResult{Notified: true, Centre: "notified"})
	r.a.opts.Assist = assist
	r.tap("cases")
	r.card(kiosktest.Resident)
	r.clk.Advance(visit.DefaultIdle)
	r.tap("idle.callstaff")
	r.want("callstaff")
	want := []kiosk.PromptID{kiosk.PromptPlaceCard, kiosk.PromptCardRead, kiosk.PromptIdleWarning, kiosk.PromptCallStaff}
	if got := h.ids(); !reflect.DeepEqual(got, want) {
		t.Errorf("said %v, want %v", got, want)
	}
	if c := assist.Calls(); len(c) != 1 || c[0].Reason != kiosk.AssistIdleHelp {
		t.Errorf("calls %+v, want one for idle help", c)
	}
}

// Nothing is said while the staff screens are open.
func TestVoiceSilentInMaintenance(t *testing.T) {
	r := newRig(t, portrait)
	h := listening(r)
	r.a.Show(&maintEntryScreen{})
	r.a.CardReading()
	r.a.CardError("checksum")
	r.settle()
	if got := h.ids(); len(got) != 0 {
		t.Errorf("said %v at the maintenance entry", got)
	}
}

// A speaker or a handwriting model out of order is no device problem on
// the resident screens: neither is mistaken for the card reader.
func TestSpeakerIsNoResidentProblem(t *testing.T) {
	for _, dev := range []string{kiosk.DeviceSpeaker, kiosk.DeviceHandwriting} {
		h := kiosk.NewHealth(kiosk.DefaultPolicy(true, false), nil)
		h.AddDevice(kiosk.DeviceHealth{Device: dev, State: kiosk.StateOK})
		_, _ = h.Set(kiosk.DeviceIDCard, kiosk.StateOK, "")
		_, _ = h.Set(kiosk.DevicePrinter, kiosk.StateOK, "")
		_, _ = h.Set(dev, kiosk.StateError, "gone")
		if ps := DeviceProblems(h.Snapshot()); len(ps) != 0 {
			t.Errorf("problems %+v from the %s", ps, dev)
		}
	}
}

// staffVoice is a kiosk.VoiceControl that keeps what staff did.
type staffVoice struct {
	heard
	volume int
}

func (s *staffVoice) Test(p kiosk.Prompt) { s.Say(p) }
func (s *staffVoice) Volume() int         { return s.volume }
func (s *staffVoice) SetVolume(v int)     { s.volume = max(0, min(100, v)) }
func (s *staffVoice) Health() kiosk.DeviceHealth {
	return kiosk.DeviceHealth{State: kiosk.StateDegraded, Detail: "no sound device"}
}

// Staff hear every prompt in both languages and set the volume; the
// resident prompts stay silent meanwhile.
func TestMaintVoiceScreen(t *testing.T) {
	r := newMaintRig(t)
	sv := &staffVoice{volume: 80}
	r.a.staff.opts.Voice = sv
	resident := &heard{}
	r.a.opts.Voice = resident
	r.enter()
	r.tap("maint.voice")
	r.want("maint.voice")
	r.wantText("音量：80", "扬声器：degraded no sound device")
	r.tap("maint.voice.louder")
	r.tap("maint.voice.louder")
	r.wantText("音量：100")
	for _, id := range kiosk.Prompts {
		r.tap("maint.voice.play:" + string(id) + ":zh")
		r.tap("maint.voice.play:" + string(id) + ":en")
	}
	said := sv.take()
	if len(said) != 2+2*len(kiosk.Prompts) {
		t.Fatalf("staff heard %d prompts", len(said))
	}
	for i, id := range kiosk.Prompts {
		zh, en := said[2+2*i], said[3+2*i]
		if zh != (kiosk.Prompt{ID: id}) || en != (kiosk.Prompt{ID: id, English: true}) {
			t.Errorf("%s played as %+v and %+v", id, zh, en)
		}
	}
	r.a.CardError("checksum")
	r.settle()
	if got := resident.take(); len(got) != 0 {
		t.Errorf("resident prompts during maintenance: %+v", got)
	}
	checkNoMissingKeys(t)
}
