package cleanlocale

import (
	"os"
	"testing"
)

func TestApply(t *testing.T) {
	for _, tc := range []struct {
		name                    string
		lcAll, lcMessages, lang string
		language, wantLanguage  string
	}{
		{"C.UTF-8", "", "", "C.UTF-8", "", "en"},
		{"POSIX with a codeset", "", "", "POSIX.UTF-8", "", "en"},
		{"LC_ALL wins", "C.UTF-8", "", "zh_CN.UTF-8", "", "en"},
		{"LC_ALL wins the other way", "zh_CN.UTF-8", "", "C.UTF-8", "", ""},
		{"LC_MESSAGES before LANG", "", "C.UTF-8", "zh_CN.UTF-8", "", "en"},
		{"plain C is left alone", "", "", "C", "", ""},
		{"a real locale is left alone", "", "", "zh_CN.UTF-8", "", ""},
		{"unset", "", "", "", "", ""},
		{"LANGUAGE already set", "", "", "C.UTF-8", "zh_CN", "zh_CN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("LC_ALL", tc.lcAll)
			t.Setenv("LC_MESSAGES", tc.lcMessages)
			t.Setenv("LANG", tc.lang)
			t.Setenv("LANGUAGE", tc.language)
			Apply()
			if got := os.Getenv("LANGUAGE"); got != tc.wantLanguage {
				t.Errorf("LANGUAGE = %q, want %q", got, tc.wantLanguage)
			}
		})
	}
}
