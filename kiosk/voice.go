package kiosk

// The spoken prompts (语音播报). The screens name a prompt by its id at the
// moments that matter; the words are fixed, reviewed texts in
// assets/i18n/strings.json under "voice.<id>" in Chinese and English, and
// never hold anything personal: no name, ID number, case number or
// address is ever spoken aloud.

// PromptID names one of the fixed prompts.
type PromptID string

// The prompts.
const (
	PromptPlaceCard      PromptID = "place_card"      // 请将身份证放在感应区
	PromptCardRead       PromptID = "card_read"       // 读卡成功
	PromptCardUnreadable PromptID = "card_unreadable" // the card could not be read
	PromptCardExpired    PromptID = "card_expired"    // the card has expired
	PromptCardRefused    PromptID = "card_refused"    // the card cannot be used here now
	PromptTakeCard       PromptID = "take_card"       // 请取走您的身份证
	PromptIdleWarning    PromptID = "idle_warning"    // 还要继续吗？请点继续
	PromptSaved          PromptID = "saved"           // the submission is saved, sent later
	PromptAccepted       PromptID = "accepted"        // the submission is accepted
	PromptPrinting       PromptID = "printing"        // the receipt or slip is printing
	PromptTakeReceipt    PromptID = "take_receipt"    // 请取走您的回执
	PromptCallStaff      PromptID = "call_staff"      // staff have been called
	PromptRating         PromptID = "rating"          // the rating question
)

// Prompts is every prompt, in a fixed order.
var Prompts = []PromptID{
	PromptPlaceCard, PromptCardRead, PromptCardUnreadable, PromptCardExpired, PromptCardRefused,
	PromptTakeCard, PromptIdleWarning, PromptSaved, PromptAccepted, PromptPrinting,
	PromptTakeReceipt, PromptCallStaff, PromptRating,
}

// Key is the prompt's key in the translations.
func (id PromptID) Key() string { return "voice." + string(id) }

// Prompt is one prompt as the screens ask for it: in the screen's
// language, slower in elder mode.
type Prompt struct {
	ID      PromptID
	English bool
	Elder   bool
	// After: wait for the prompt playing to end instead of cutting it
	// ("the receipt is printing" after "accepted").
	After bool
}

// Voice speaks prompts. Say returns at once, whatever the sound device
// does: a newer prompt cuts the one playing, and a burst of prompts plays
// at most the latest. A nil Voice in ui.Options is silence.
type Voice interface {
	Say(p Prompt)
}

// DeviceSpeaker is the speaker's name in the devices' health.
const DeviceSpeaker = "speaker"

// AddDevice tracks one more device beside those of the policy, required
// by no service (the speaker: a silent terminal still serves), in the
// state d gives. Adding a device already tracked changes nothing.
func (h *Health) AddDevice(d DeviceHealth) {
	h.mu.Lock()
	if _, ok := h.devs[d.Device]; ok {
		h.mu.Unlock()
		return
	}
	if !d.State.Valid() {
		d.State, d.Reason = StateOffline, ReasonNotReported
	}
	if d.Since.IsZero() {
		d.Since = h.now()
	}
	d.Required = false
	h.policy[d.Device] = DevicePolicy{}
	h.devs[d.Device] = &d
	h.version++
	snap := h.snapshotLocked()
	for _, ch := range h.subs {
		offer(ch, snap)
	}
	h.mu.Unlock()
}

// VoiceControl is what staff do with the voice on the maintenance screen:
// test any prompt (it plays even when the voice is off, in quiet hours or
// while maintenance is open), set the volume, see the speaker's health.
type VoiceControl interface {
	Test(p Prompt)
	Volume() int
	SetVolume(v int)
	Health() DeviceHealth
}
