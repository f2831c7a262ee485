package config

import (
	"fmt"
	"path/filepath"
	"time"
)

// Voice is the spoken prompts (语音播报).
type Voice struct {
	Enabled bool `toml:"enabled"`
	Volume  int  `toml:"volume"` // 0-100
	// Rate is the speed of synthesised speech in words per minute;
	// ElderRate the same in elder mode (长辈模式), no faster than Rate.
	Rate      int `toml:"rate"`
	ElderRate int `toml:"elder_rate"`
	// QuietFrom and QuietTo ("22:00", "07:00") are the quiet hours, when
	// nothing is said; both empty for none.
	QuietFrom string `toml:"quiet_from"`
	QuietTo   string `toml:"quiet_to"`
	// Recordings is a directory of recorded prompts, <prompt-id>.<lang>.wav,
	// that replace the synthesised ones; a missing directory is none.
	Recordings string `toml:"recordings"`
	Device     string `toml:"device"` // the ALSA device aplay plays on
}

// Voice speeds the synthesiser takes, in words per minute.
const (
	MinVoiceRate = 80
	MaxVoiceRate = 400
)

func defaultVoice() Voice {
	return Voice{Enabled: true, Volume: 80, Rate: 175, ElderRate: 140, Recordings: "/etc/kiosk/voice", Device: "default"}
}

// Minutes parses a time of day "HH:MM" into minutes after midnight.
func Minutes(hhmm string) (int, error) {
	t, err := time.Parse("15:04", hhmm)
	if err != nil {
		return 0, fmt.Errorf("must be a time of day like \"22:00\", got %q", hhmm)
	}
	return t.Hour()*60 + t.Minute(), nil
}

func (v Voice) validate(bad func(field, format string, args ...any)) {
	if v.Volume < 0 || v.Volume > 100 {
		bad("voice.volume", "must be between 0 and 100, got %d", v.Volume)
	}
	if v.Rate < MinVoiceRate || v.Rate > MaxVoiceRate {
		bad("voice.rate", "must be between %d and %d words per minute, got %d", MinVoiceRate, MaxVoiceRate, v.Rate)
	}
	if v.ElderRate < MinVoiceRate || v.ElderRate > MaxVoiceRate {
		bad("voice.elder_rate", "must be between %d and %d words per minute, got %d", MinVoiceRate, MaxVoiceRate, v.ElderRate)
	} else if v.ElderRate > v.Rate {
		bad("voice.elder_rate", "must not be faster than voice.rate (%d), got %d", v.Rate, v.ElderRate)
	}
	if (v.QuietFrom == "") != (v.QuietTo == "") {
		bad("voice.quiet_to", "set both voice.quiet_from and voice.quiet_to, or neither")
	}
	for field, s := range map[string]string{"voice.quiet_from": v.QuietFrom, "voice.quiet_to": v.QuietTo} {
		if s == "" {
			continue
		}
		if _, err := Minutes(s); err != nil {
			bad(field, "%v", err)
		}
	}
	if v.Recordings != "" && !filepath.IsAbs(v.Recordings) {
		bad("voice.recordings", "must be an absolute path, got %q", v.Recordings)
	}
	if v.Device == "" {
		bad("voice.device", "must not be empty (\"default\" is the system's default device)")
	}
}
