package idcard

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckDigit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string
		err  error
	}{
		{"11010519491231002X", "11010519491231002X", nil},
		{"11010519491231002x", "11010519491231002X", nil},
		{"440524188001010014", "440524188001010014", nil},
		{"932682198501010017", "932682198501010017", nil},
		{"911124198108030024", "911124198108030024", nil},
		{"513101198201130014", "513101198201130014", nil},
		{"370101190102039973", "370101190102039973", nil},
		{"110105194912310021", "", ErrCheckDigit},
		{"440524188001010015", "", ErrCheckDigit},
		{"44052418800101001", "", ErrIDNumber},
		{"44052418800101001A", "", ErrCheckDigit},
		{"4405241880010100x4", "", ErrIDNumber},
		{"", "", ErrIDNumber},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := NormalizeIDNumber(tt.in)
			if !errors.Is(err, tt.err) || got != tt.want {
				t.Fatalf("NormalizeIDNumber = %q, %v; want %q, %v", got, err, tt.want, tt.err)
			}
			if err != nil && len(tt.in) == 18 && strings.Contains(err.Error(), tt.in[:17]) {
				t.Errorf("error %q reveals the number", err)
			}
		})
	}
}

func TestMaskID(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"310101199001011234": "3101**********1234",
		"USA110081020013":    "USA1*******0013",
		"1234":               "***4",
		"":                   "",
	} {
		if got := MaskID(in); got != want {
			t.Errorf("MaskID(%q) = %q, want %q", in, got, want)
		}
	}
}
