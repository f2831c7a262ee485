package voice

import (
	"reflect"
	"strings"
	"testing"
	"unicode"

	"github.com/pudong-community/kiosk/kiosk"
)

// No prompt template can hold a name, an ID number, a case number or an
// address: the words are fixed (no format verbs, no placeholders, no
// digits), and nothing that speaks takes a value to put in them.
func TestPromptsCannotHoldAnythingPersonal(t *testing.T) {
	texts, err := Texts()
	if err != nil {
		t.Fatal(err)
	}
	if len(texts) != len(kiosk.Prompts) || len(kiosk.Prompts) < 12 {
		t.Fatalf("%d texts for %d prompts", len(texts), len(kiosk.Prompts))
	}
	for id, langs := range texts {
		for _, lang := range []string{LangZH, LangEN} {
			s := langs[lang]
			if lang == LangZH && !strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
				t.Errorf("%s.%s is not Chinese: %q", id.Key(), lang, s)
			}
			for _, bad := range []string{"%", "{", "}", "$", "<", ">", "\\"} {
				if strings.Contains(s, bad) {
					t.Errorf("%s.%s holds %q, a place for a value: %q", id.Key(), lang, bad, s)
				}
			}
			if strings.ContainsFunc(s, func(r rune) bool { return unicode.IsDigit(r) || unicode.Is(unicode.Nl, r) }) {
				t.Errorf("%s.%s holds a digit: %q", id.Key(), lang, s)
			}
			// The resident's personal words in the prompts' own terms.
			for _, word := range []string{"姓名", "号码", "编号", "地址", "住址", "name", "number", "address"} {
				if strings.Contains(strings.ToLower(s), word) {
					t.Errorf("%s.%s speaks of %q: %q", id.Key(), lang, word, s)
				}
			}
			if n := len([]rune(s)); n < 3 || n > 80 {
				t.Errorf("%s.%s is %d characters long: %q", id.Key(), lang, n, s)
			}
		}
	}
	// Nothing that speaks takes a value: Say takes a Prompt, whose
	// fields are the id, the language, elder mode and After.
	want := []string{"ID", "English", "Elder", "After"}
	var got []string
	for _, f := range reflect.VisibleFields(reflect.TypeOf(kiosk.Prompt{})) {
		got = append(got, f.Name)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("kiosk.Prompt has fields %v; a prompt carries nothing but %v", got, want)
	}
}

func TestEveryPromptKnownOnce(t *testing.T) {
	seen := map[kiosk.PromptID]bool{}
	for _, id := range kiosk.Prompts {
		if seen[id] || !Known(id) {
			t.Errorf("%s twice or unknown", id)
		}
		seen[id] = true
	}
	if Known("no_such_prompt") {
		t.Error("an unknown id is known")
	}
}
