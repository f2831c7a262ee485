package config

import (
	"strings"
	"testing"
)

func TestVoiceErrorsNameTheField(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, toml, want string }{
		{"loud", "[voice]\nvolume = 101\n", "voice.volume"},
		{"negative", "[voice]\nvolume = -1\n", "voice.volume"},
		{"fast", "[voice]\nrate = 900\n", "voice.rate"},
		{"elder faster", "[voice]\nrate = 120\nelder_rate = 140\n", "voice.elder_rate"},
		{"half quiet", "[voice]\nquiet_from = \"22:00\"\n", "voice.quiet_to"},
		{"bad time", "[voice]\nquiet_from = \"10pm\"\nquiet_to = \"07:00\"\n", "voice.quiet_from"},
		{"relative recordings", "[voice]\nrecordings = \"voice\"\n", "voice.recordings"},
		{"no device", "[voice]\ndevice = \"\"\n", "voice.device"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.toml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want one naming %s", err, tc.want)
			}
		})
	}
	c, err := Parse([]byte("[voice]\nvolume = 0\nquiet_from = \"22:00\"\nquiet_to = \"07:30\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := Minutes(c.Voice.QuietTo); m != 7*60+30 || c.Voice.Volume != 0 {
		t.Errorf("quiet_to %d minutes, volume %d", m, c.Voice.Volume)
	}
}
