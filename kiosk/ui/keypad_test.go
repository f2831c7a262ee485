package ui

import (
	"encoding/json"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"github.com/pudong-community/kiosk/assets"
	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/kiosktest"
)

func TestKeypadChecks(t *testing.T) {
	t.Parallel()
	good := kiosktest.Resident.IDNumber
	bad := good[:17] + map[bool]string{true: "0", false: "1"}[good[17] != '0']
	for _, tc := range []struct {
		name  string
		kind  padKind
		keys  string
		value string
		msg   string
		ok    bool
	}{
		{"id empty", padID, "", "", "pad.id.hint", false},
		{"id short", padID, "310115", "310115", "pad.id.short", false},
		{"id X early is ignored", padID, "3101X", "3101", "pad.id.short", false},
		{"id 17", padID, good[:17], good[:17], "pad.id.last", false},
		{"id good", padID, good, good, "pad.ok", true},
		{"id bad check", padID, bad, bad, "pad.id.bad", false},
		{"id stops at 18", padID, good + "1", good, "pad.ok", true},
		{"id with X", padID, kiosktest.ID("31010119900101123"), kiosktest.ID("31010119900101123"), "pad.ok", kiosk.ValidIDNumber(kiosktest.ID("31010119900101123"))},
		{"phone prefix", padPhone, "12", "12", "pad.phone.prefix", false},
		{"phone short", padPhone, "139", "139", "pad.phone.short", false},
		{"phone good", padPhone, "13912345678", "13912345678", "pad.ok", true},
		{"phone stops at 11", padPhone, "139123456789", "13912345678", "pad.ok", true},
		{"digits", padDigits, "42", "42", "pad.ok", true},
		{"digits empty", padDigits, "", "", "pad.empty", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := newKeypad(tc.kind, 3)
			for _, c := range tc.keys {
				k.press(string(c))
			}
			if tc.kind == padDigits && len(tc.keys) > 3 {
				t.Fatal("test keys too long")
			}
			msg, ok := k.check()
			if k.value != tc.value || msg != tc.msg || ok != tc.ok {
				t.Errorf("value %q msg %s ok %v, want %q %s %v", k.value, msg, ok, tc.value, tc.msg, tc.ok)
			}
		})
	}
	k := newKeypad(padID, 0)
	for _, c := range good {
		k.press(string(c))
	}
	if got := k.display(); got != good[:6]+" "+good[6:14]+" "+good[14:] {
		t.Errorf("display %q", got)
	}
	k.press("delete")
	k.press("clear")
	if k.value != "" {
		t.Errorf("clear left %q", k.value)
	}
}

// FuzzKeypad presses any sequence of keys on every kind of keypad: no
// panic, the value never exceeds its length, holds only keys of its kind,
// and "ok" only for a complete valid value.
func FuzzKeypad(f *testing.F) {
	f.Add(uint8(padID), "310115198803120417")
	f.Add(uint8(padID), "3101151988031204X<<X")
	f.Add(uint8(padPhone), "13912345678")
	f.Add(uint8(padCode), "WT-2026-815")
	f.Add(uint8(padDigits), "0<<<c12")
	f.Fuzz(func(t *testing.T, kind uint8, keys string) {
		kd := padKind(kind % 4)
		k := newKeypad(kd, 8)
		for _, c := range keys {
			switch c {
			case '<':
				k.press("delete")
			case 'c':
				k.press("clear")
			default:
				k.press(string(c))
			}
		}
		msg, ok := k.check()
		if msg == "" {
			t.Fatal("no message")
		}
		for i := 0; i < len(k.value); i++ {
			if !k.accepts(k.value[i : i+1]) {
				t.Fatalf("value %q holds a key the %d pad does not have", k.value, kd)
			}
		}
		switch kd {
		case padID:
			if len(k.value) > 18 || strings.Contains(k.value[:max(len(k.value)-1, 0)], "X") || ok && !kiosk.ValidIDNumber(k.value) {
				t.Fatalf("id value %q ok %v", k.value, ok)
			}
		case padPhone:
			if len(k.value) > 11 || ok && (len(k.value) != 11 || k.value[0] != '1' || k.value[1] < '3') {
				t.Fatalf("phone value %q ok %v", k.value, ok)
			}
		default:
			if len(k.value) > 8 {
				t.Fatalf("value %q longer than 8", k.value)
			}
		}
	})
}

// Every message a number pad shows under the number fits on one line, in
// both languages and both themes, on the narrowest screen (portrait, 1080
// pixels): the English check-digit message wrapped in elder mode and left
// "digit." alone on a second line.
func TestPadMessagesFitOneLine(t *testing.T) {
	a := test.NewApp()
	defer test.NewApp()
	var tr map[string]map[string]string
	if err := json.Unmarshal(assets.Translations(), &tr); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, elder := range []bool{false, true} {
		th := NewTheme(elder)
		a.Settings().SetTheme(th)
		size := th.Size(theme.SizeNameText)
		avail := 0.95 * (1080 - 8*th.Size(theme.SizeNamePadding))
		for key, langs := range tr {
			if !strings.HasPrefix(key, "pad.") {
				continue
			}
			for lang, s := range langs {
				n++
				// The widest form: bold, after a mark.
				if w := fyne.MeasureText(markFailed+" "+s, size, fyne.TextStyle{Bold: true}).Width; w > avail {
					t.Errorf("elder %v: %s (%s) is %.0f pixels wide, more than the %.0f of one line: %q", elder, key, lang, w, avail, s)
				}
			}
		}
	}
	if n < 20 {
		t.Fatalf("only %d pad messages", n)
	}
}
