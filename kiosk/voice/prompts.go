// Package voice speaks the terminal's fixed prompts (语音播报) offline: the
// words from assets/i18n ("voice.<id>"), synthesised on the terminal by
// espeak-ng or replaced by recorded files, rendered once and cached, and
// played through a Sink (aplay on ALSA in production, a WAV-writing sink in
// tests). A Speaker is the kiosk.Voice the screens talk to: Say never
// blocks, a newer prompt cuts the one playing, and a missing or busy sound
// device is silence with a health entry ("speaker", degraded). No Fyne.
package voice

import (
	"encoding/json"
	"fmt"

	"github.com/pudong-community/kiosk/assets"
	"github.com/pudong-community/kiosk/kiosk"
)

// Languages of the prompts, as in the translations and the file names of
// recordings.
const (
	LangZH = "zh"
	LangEN = "en"
)

// LangOf is the language of a prompt.
func LangOf(p kiosk.Prompt) string {
	if p.English {
		return LangEN
	}
	return LangZH
}

// Texts are the words of every prompt in both languages: id -> lang ->
// text, from the embedded translations.
func Texts() (map[kiosk.PromptID]map[string]string, error) {
	var all map[string]map[string]string
	if err := json.Unmarshal(assets.Translations(), &all); err != nil {
		return nil, fmt.Errorf("voice: translations: %w", err)
	}
	out := make(map[kiosk.PromptID]map[string]string, len(kiosk.Prompts))
	for _, id := range kiosk.Prompts {
		t, ok := all[id.Key()]
		if !ok || t[LangZH] == "" || t[LangEN] == "" {
			return nil, fmt.Errorf("voice: %s has no words in both languages", id.Key())
		}
		out[id] = t
	}
	return out, nil
}

// Known reports whether id is one of the prompts.
func Known(id kiosk.PromptID) bool {
	for _, p := range kiosk.Prompts {
		if p == id {
			return true
		}
	}
	return false
}
