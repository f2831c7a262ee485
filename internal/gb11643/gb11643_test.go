package gb11643

import "testing"

func TestCheckChar(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]byte{
		"11010519491231002": 'X',
		"44052418800101001": '4',
		"93268219850101001": '7',
	} {
		if c, bad := CheckChar(in); c != want || bad != 0 {
			t.Errorf("CheckChar(%q) = %q, %d; want %q", in, c, bad, want)
		}
	}
	if _, bad := CheckChar("4405241880010100x"); bad != 17 {
		t.Errorf("a letter at 17: bad = %d", bad)
	}
	if _, bad := CheckChar("123"); bad != -1 {
		t.Errorf("too short: bad = %d", bad)
	}
}

func TestValid(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]bool{
		"11010519491231002X":  true,
		"11010519491231002x":  true,
		"440524188001010014":  true,
		"440524188001010015":  false,
		"44052418800101001":   false,
		"4405241880010100140": false,
		"44052418800101001A":  false,
		"":                    false,
	} {
		if got := Valid(in); got != want {
			t.Errorf("Valid(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestOldForeign(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int{
		"USA110081020013":  0,
		"usa110081020013":  1,
		"USA11008102001X":  15,
		"USA11008102001":   -1,
		"USA1100810200133": -1,
	} {
		if got := OldForeignBadChar(in); got != want {
			t.Errorf("OldForeignBadChar(%q) = %d, want %d", in, got, want)
		}
		if ValidOldForeign(in) != (want == 0) {
			t.Errorf("ValidOldForeign(%q) disagrees", in)
		}
	}
}
