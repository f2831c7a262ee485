package ui

import (
	"image/color"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

func TestContrastRatioKnownValues(t *testing.T) {
	t.Parallel()
	black, white := color.Black, color.White
	if got := ContrastRatio(black, white); got < 20.9 || got > 21.01 {
		t.Errorf("black on white = %.2f, want 21", got)
	}
	if got := ContrastRatio(white, white); got != 1 {
		t.Errorf("white on white = %.2f, want 1", got)
	}
	// #767676 on white is the classic 4.54:1.
	if got := ContrastRatio(color.NRGBA{0x76, 0x76, 0x76, 0xFF}, white); got < 4.5 || got > 4.6 {
		t.Errorf("#767676 on white = %.2f, want 4.54", got)
	}
}

func TestThemeContrast(t *testing.T) {
	t.Parallel()
	for _, elder := range []bool{false, true} {
		th := NewTheme(elder)
		pairs := []struct {
			name   string
			fg, bg fyne.ThemeColorName
			min    float64
		}{
			{"body text", theme.ColorNameForeground, theme.ColorNameBackground, 7},
			{"text on buttons", theme.ColorNameForeground, theme.ColorNameButton, 7},
			{"text on primary", theme.ColorNameForegroundOnPrimary, theme.ColorNamePrimary, 7},
			{"text on error", theme.ColorNameForegroundOnError, theme.ColorNameError, 7},
			{"input text", theme.ColorNameForeground, theme.ColorNameInputBackground, 7},
			{"disabled text", theme.ColorNameDisabled, theme.ColorNameBackground, 4.5},
			{"placeholder", theme.ColorNamePlaceHolder, theme.ColorNameInputBackground, 4.5},
		}
		for _, p := range pairs {
			for _, v := range []fyne.ThemeVariant{theme.VariantLight, theme.VariantDark} {
				got := ContrastRatio(th.Color(p.fg, v), th.Color(p.bg, v))
				if got < p.min {
					t.Errorf("elder=%v variant=%v %s: contrast %.2f, want at least %.1f", elder, v, p.name, got, p.min)
				}
			}
		}
	}
	for _, c := range []struct {
		name   string
		fg, bg color.Color
	}{
		{"muted text", colMuted, colBackground},
		{"muted text on surface", colMuted, colSurface},
		{"banner", colWarning, colWarnBg},
		{"call staff", colOnPrimary, colAccent},
		{"success", colOnPrimary, colSuccess},
		// The case status labels (statusBadge) and the 需补正 row and box.
		{"status: in progress", colOnPrimary, colPrimary},
		{"status: rejected", colOnPrimary, colMuted},
		{"needs-more row text", colText, colWarnBg},
		{"needs-more note", colAccent, colWarnBg},
	} {
		if got := ContrastRatio(c.fg, c.bg); got < 7 {
			t.Errorf("%s: contrast %.2f, want at least 7", c.name, got)
		}
	}
}

// Elder mode has higher contrast (product.md): what the standard theme
// draws in greys (secondary text, disabled text, placeholders, borders) is
// darker, and outlines are thicker.
func TestElderThemeHasHigherContrast(t *testing.T) {
	t.Parallel()
	std, elder := NewTheme(false), NewTheme(true)
	v := theme.VariantLight
	for _, p := range []struct {
		name     string
		std, eld color.Color
		bg       color.Color
		elderMin float64
		standMin float64
	}{
		{"secondary text", std.muted(), elder.muted(), colBackground, 15, 7},
		{"secondary text on surface", std.muted(), elder.muted(), colSurface, 15, 7},
		{"disabled text", std.Color(theme.ColorNameDisabled, v), elder.Color(theme.ColorNameDisabled, v), colSurface, 7, 4.5},
		{"placeholder", std.Color(theme.ColorNamePlaceHolder, v), elder.Color(theme.ColorNamePlaceHolder, v), colBackground, 7, 4.5},
		{"borders", std.border(), elder.border(), colBackground, 10, 3},
		{"borders on surface", std.Color(theme.ColorNameSeparator, v), elder.Color(theme.ColorNameSeparator, v), colSurface, 10, 3},
	} {
		s, e := ContrastRatio(p.std, p.bg), ContrastRatio(p.eld, p.bg)
		if s < p.standMin {
			t.Errorf("%s: standard contrast %.2f, want at least %.1f", p.name, s, p.standMin)
		}
		if e < p.elderMin || e <= s {
			t.Errorf("%s: elder contrast %.2f (standard %.2f), want at least %.1f and higher than standard", p.name, e, s, p.elderMin)
		}
	}
	if std.stroke(2) >= elder.stroke(2) {
		t.Errorf("outline %v in elder mode, %v in standard: want thicker", elder.stroke(2), std.stroke(2))
	}
}

func TestThemeSizes(t *testing.T) {
	t.Parallel()
	n, e := NewTheme(false), NewTheme(true)
	if n.TargetSize() < MinTarget {
		t.Errorf("standard target %v < %d dp", n.TargetSize(), MinTarget)
	}
	if e.TargetSize() < MinTargetElder {
		t.Errorf("elder target %v < %d dp", e.TargetSize(), MinTargetElder)
	}
	// 18 pt at 96 dpi is 24 px; Fyne's dp is a px at scale 1 on this
	// panel, so elder body text must be at least 24 dp.
	if pt := e.Size(theme.SizeNameText) * 72 / 96; pt < MinElderTextPt {
		t.Errorf("elder body text is %.1f pt, want at least %d", pt, MinElderTextPt)
	}
	if e.Size(theme.SizeNameText) <= n.Size(theme.SizeNameText) || e.Size(theme.SizeNameHeadingText) <= n.Size(theme.SizeNameHeadingText) {
		t.Error("elder sizes are not larger")
	}
	// Line spacing at least 1.3× per MIIT: text + lineSpacing >= 1.3 text.
	for _, th := range []*Theme{n, e} {
		if ls := th.Size(theme.SizeNameLineSpacing); (th.Size(theme.SizeNameText)+ls)/th.Size(theme.SizeNameText) < 1.3 {
			t.Errorf("elder=%v: line spacing %v too tight", th.Elder(), ls)
		}
	}
}

func TestThemeUsesBundledFontForEveryStyle(t *testing.T) {
	t.Parallel()
	th := NewTheme(false)
	for _, s := range []fyne.TextStyle{{}, {Bold: true}, {Italic: true}, {Monospace: true}, {Bold: true, Italic: true}} {
		r := th.Font(s)
		if r == nil {
			t.Errorf("style %+v has no font", s)
		} else if r.Name() != fontRegular.Name() && r.Name() != fontBold.Name() && r.Name() != fontFull.Name() {
			t.Errorf("style %+v uses font %s, want a bundled CJK face", s, r.Name())
		}
	}
}
