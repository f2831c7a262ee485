package ui

import (
	"image/color"
	"math"
	"sync/atomic"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"github.com/pudong-community/kiosk/assets"
)

// Palette of the terminal: light and high contrast for a bright public hall.
// Every text colour is checked against its background in theme_test.go.
var (
	colBackground = color.NRGBA{0xFF, 0xFF, 0xFF, 0xFF} // page
	colSurface    = color.NRGBA{0xF1, 0xF4, 0xF8, 0xFF} // panels, cards
	colText       = color.NRGBA{0x14, 0x14, 0x14, 0xFF} // body text: 18.6:1 on white
	colMuted      = color.NRGBA{0x3D, 0x3D, 0x3D, 0xFF} // secondary text: 11:1 on white
	colPrimary    = color.NRGBA{0x0A, 0x4A, 0x94, 0xFF} // government blue: 9:1 with white text
	colOnPrimary  = color.NRGBA{0xFF, 0xFF, 0xFF, 0xFF}
	colAccent     = color.NRGBA{0x9E, 0x1B, 0x1B, 0xFF} // call staff, errors: 8:1 with white
	colWarning    = color.NRGBA{0x5C, 0x38, 0x00, 0xFF} // banner text on colWarnBg
	colWarnBg     = color.NRGBA{0xFF, 0xF1, 0xC7, 0xFF}
	colSuccess    = color.NRGBA{0x0F, 0x5C, 0x2E, 0xFF}
	colBorder     = color.NRGBA{0x5A, 0x66, 0x75, 0xFF}
	colDisabled   = color.NRGBA{0x6B, 0x6B, 0x6B, 0xFF} // 5.3:1: disabled text stays readable
	colHover      = color.NRGBA{0x0A, 0x4A, 0x94, 0x22}
	colPressed    = color.NRGBA{0x0A, 0x4A, 0x94, 0x44}
	colSelection  = color.NRGBA{0x0A, 0x4A, 0x94, 0x33}
	colShadow     = color.NRGBA{0x00, 0x00, 0x00, 0x33}

	// Elder mode's higher contrast (product.md): secondary text as dark as
	// body text, disabled text and borders near black.
	colDisabledElder = color.NRGBA{0x47, 0x47, 0x47, 0xFF} // 9.3:1 on white
	colBorderElder   = color.NRGBA{0x2E, 0x36, 0x40, 0xFF} // 12:1 on white
)

// muted is the colour of secondary text: dark grey, body-text black in
// elder mode.
func (t *Theme) muted() color.Color {
	if t.elder {
		return colText
	}
	return colMuted
}

// border is the colour of the lines around buttons and panels.
func (t *Theme) border() color.Color {
	if t.elder {
		return colBorderElder
	}
	return colBorder
}

// disabled is the colour of a disabled button's text and outline.
func (t *Theme) disabled() color.Color {
	if t.elder {
		return colDisabledElder
	}
	return colDisabled
}

// stroke is an outline's width: one unit more in elder mode.
func (t *Theme) stroke(w float32) float32 {
	if t.elder {
		return w + 1
	}
	return w
}

// currentTheme is the terminal's theme as the app has it now, for the
// helpers that make objects without an App at hand (panel); the standard
// theme when the app has another.
func currentTheme() *Theme {
	if t, ok := theme.Current().(*Theme); ok {
		return t
	}
	return NewTheme(false)
}

// Sizes in Fyne's device-independent units (dp). The kiosk runs at scale 1
// on a 1080×1920 (or 1920×1080) panel, where 24 dp body text reads like
// 18 pt print at arm's length; elder mode is larger again.
type sizes struct {
	text, heading, subheading, caption float32
	padding, innerPadding              float32
	target                             float32 // smallest touch target, square
	tile                               float32 // home tile height
	lineSpacing                        float32
}

var (
	normalSizes = sizes{text: 24, heading: 40, subheading: 30, caption: 20, padding: 8, innerPadding: 14, target: 64, tile: 200, lineSpacing: 8}
	elderSizes  = sizes{text: 32, heading: 50, subheading: 38, caption: 26, padding: 10, innerPadding: 18, target: 96, tile: 240, lineSpacing: 11}
)

// Minimum numbers from kiosk-practice.md (MIIT 适老化, WCAG): targets of
// 44×44 dp (60×60 in elder mode), elder body text of at least 18 pt.
const (
	MinTarget      = 44
	MinTargetElder = 60
	MinElderTextPt = 18
)

// Theme is the terminal's Fyne theme: the default theme with the bundled
// CJK font, the kiosk palette, and larger sizes (largest in elder mode).
type Theme struct {
	elder   bool
	regular fyne.Resource
	bold    fyne.Resource
	full    fyne.Resource
	// fullAsked records that Fyne asked for the full face, so that it has
	// parsed it and holds it until its font cache is cleared.
	fullAsked atomic.Bool
}

var (
	// The regular face keeps Fyne's Noto Sans behind it: it draws the
	// Cyrillic, Greek and other letters no bundled face has (є, ά, ə), and
	// text with one of those is drawn regular (textStyle).
	fontRegular = fyne.NewStaticResource(assets.FontRegularName, assets.FontRegular())
	fontBold    = adoptDefault(theme.DefaultTextBoldFont(), assets.FontBoldName, assets.FontBold())
	fontFull    = adoptDefault(theme.DefaultTextItalicFont(), assets.FontFullName, assets.FontFull())
)

// adoptDefault makes Fyne's default font resource def hold the terminal's
// face, and returns it for the theme to answer with.
//
// Behind the face a theme gives it for a text style, Fyne always parses its
// own default face for that style (Noto Sans, Latin, Greek and Cyrillic) as
// a fallback for characters the theme's face lacks, unless the two are the
// same resource. Text with a character no bundled face has is drawn regular,
// with Fyne's regular face behind it; the bold and full faces never need
// theirs (about 1.5 MB of memory each once parsed).
// Fyne's defaults are plain static resources with exported fields: pointing
// them at the terminal's faces, once at start-up before anything draws, makes
// the theme's face and its fallback one resource, parsed once. Should a Fyne
// version serve its defaults otherwise, the terminal keeps a resource of its
// own and Fyne its fallback, as before.
func adoptDefault(def fyne.Resource, name string, face []byte) fyne.Resource {
	if r, ok := def.(*fyne.StaticResource); ok {
		r.StaticName, r.StaticContent = name, face
		return r
	}
	return fyne.NewStaticResource(name, face)
}

// NewTheme returns the theme, in elder mode or not.
func NewTheme(elder bool) *Theme {
	return &Theme{elder: elder, regular: fontRegular, bold: fontBold, full: fontFull}
}

// Elder reports whether this is the elder-mode variant.
func (t *Theme) Elder() bool { return t.elder }

func (t *Theme) sizes() sizes {
	if t.elder {
		return elderSizes
	}
	return normalSizes
}

// Color always answers with the light variant: the hall is bright and the
// contrast numbers were checked for these colours.
func (t *Theme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	switch n {
	case theme.ColorNameBackground:
		return colBackground
	case theme.ColorNameForeground:
		return colText
	case theme.ColorNamePrimary, theme.ColorNameFocus, theme.ColorNameHyperlink:
		return colPrimary
	case theme.ColorNameForegroundOnPrimary, theme.ColorNameForegroundOnError, theme.ColorNameForegroundOnSuccess:
		return colOnPrimary
	case theme.ColorNameForegroundOnWarning:
		return colText
	case theme.ColorNameButton, theme.ColorNameHeaderBackground, theme.ColorNameMenuBackground:
		return colSurface
	case theme.ColorNameInputBackground, theme.ColorNameOverlayBackground:
		return colBackground
	case theme.ColorNameInputBorder, theme.ColorNameSeparator:
		return t.border()
	case theme.ColorNameDisabled, theme.ColorNamePlaceHolder:
		return t.disabled()
	case theme.ColorNameDisabledButton:
		return colSurface
	case theme.ColorNameError:
		return colAccent
	case theme.ColorNameWarning:
		return colWarning
	case theme.ColorNameSuccess:
		return colSuccess
	case theme.ColorNameHover:
		return colHover
	case theme.ColorNamePressed:
		return colPressed
	case theme.ColorNameSelection:
		return colSelection
	case theme.ColorNameShadow:
		return colShadow
	case theme.ColorNameScrollBar:
		return color.NRGBA{0x5A, 0x66, 0x75, 0xAA}
	}
	return theme.DefaultTheme().Color(n, theme.VariantLight)
}

// Font returns the bundled CJK faces for every style, so no glyph depends on
// the fonts of the machine: the common bold face for bold, the full face for
// italic (fullStyle: text the common faces cannot draw, drawn upright), and
// the common regular face otherwise. Monospace text (ID numbers in the
// maintenance screens) uses the regular face: its digits are tabular.
func (t *Theme) Font(s fyne.TextStyle) fyne.Resource {
	switch {
	case s.Symbol:
		return theme.DefaultTheme().Font(s)
	case s.Italic:
		t.fullAsked.Store(true)
		return t.full
	case s.Bold:
		return t.bold
	}
	return t.regular
}

// Icon is the default theme's.
func (t *Theme) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }

// Size answers the kiosk sizes.
func (t *Theme) Size(n fyne.ThemeSizeName) float32 {
	s := t.sizes()
	switch n {
	case theme.SizeNameText:
		return s.text
	case theme.SizeNameHeadingText:
		return s.heading
	case theme.SizeNameSubHeadingText:
		return s.subheading
	case theme.SizeNameCaptionText:
		return s.caption
	case theme.SizeNamePadding:
		return s.padding
	case theme.SizeNameInnerPadding:
		return s.innerPadding
	case theme.SizeNameLineSpacing:
		return s.lineSpacing
	case theme.SizeNameInlineIcon:
		return s.text
	case theme.SizeNameScrollBar:
		return 24
	case theme.SizeNameScrollBarSmall:
		return 8
	case theme.SizeNameInputBorder:
		return 2
	case theme.SizeNameInputRadius, theme.SizeNameSelectionRadius:
		return 8
	case theme.SizeNameSeparatorThickness:
		return 2
	}
	return theme.DefaultTheme().Size(n)
}

// TargetSize is the smallest touch target of this variant, in dp.
func (t *Theme) TargetSize() float32 { return t.sizes().target }

// TileHeight is the height of a home-screen tile.
func (t *Theme) TileHeight() float32 { return t.sizes().tile }

// ContrastRatio is the WCAG 2 contrast ratio of two colours (1 to 21).
func ContrastRatio(a, b color.Color) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func luminance(c color.Color) float64 {
	r, g, b, _ := color.NRGBAModel.Convert(c).RGBA()
	lin := func(v uint32) float64 {
		s := float64(v>>8) / 255
		if s <= 0.03928 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}
