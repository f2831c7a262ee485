package ui

import (
	"image/color"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"

	"github.com/pudong-community/kiosk/kiosk"
)

// padKind is what a keypad takes.
type padKind int

const (
	padDigits padKind = iota // 0–9
	padPhone                 // 11 digits, mainland mobile prefixes
	padID                    // 0–9 and X, GB 11643 check digit verified as typed
	padCode                  // 0–9, A–Z and '-' (authorisation references)
)

// keypad is an on-screen keypad with the value it holds and a live check.
// The value lives only in the screen that owns the keypad, which is
// dropped when the visit ends.
type keypad struct {
	kind   padKind
	value  string
	maxLen int
	keys   map[string]*button // for tests
	// maxW bounds the code pad's width when it stands in a column of
	// the screen rather than across it; 0: the screen's width.
	maxW float32
}

func newKeypad(kind padKind, maxLen int) *keypad {
	switch kind {
	case padPhone:
		maxLen = 11
	case padID:
		maxLen = 18
	}
	if maxLen <= 0 || maxLen > 64 {
		maxLen = 64
	}
	return &keypad{kind: kind, maxLen: maxLen}
}

// press applies one key.
func (k *keypad) press(key string) {
	switch key {
	case "delete":
		if k.value != "" {
			k.value = k.value[:len(k.value)-1]
		}
		return
	case "clear":
		k.value = ""
		return
	}
	if len(k.value) >= k.maxLen || !k.accepts(key) {
		return
	}
	if k.kind == padID && key == "X" && len(k.value) != 17 {
		return // X is only ever the last character
	}
	k.value += key
}

// accepts reports whether key is one of this keypad's character keys.
func (k *keypad) accepts(key string) bool {
	if len(key) != 1 {
		return false
	}
	c := key[0]
	switch {
	case c >= '0' && c <= '9':
		return true
	case k.kind == padID:
		return c == 'X'
	case k.kind == padCode:
		return c >= 'A' && c <= 'Z' || c == '-'
	}
	return false
}

// check says what is wrong with the value so far, as an i18n key, and
// whether it is complete and right.
func (k *keypad) check() (msgKey string, ok bool) {
	v := k.value
	switch k.kind {
	case padPhone:
		switch {
		case v == "":
			return "pad.phone.hint", false
		case v[0] != '1' || len(v) > 1 && v[1] < '3':
			return "pad.phone.prefix", false
		case len(v) < 11:
			return "pad.phone.short", false
		}
		return "pad.ok", true
	case padID:
		switch {
		case v == "":
			return "pad.id.hint", false
		case len(v) < 17:
			return "pad.id.short", false
		case len(v) == 17:
			return "pad.id.last", false
		case !kiosk.ValidIDNumber(v):
			return "pad.id.bad", false
		}
		return "pad.ok", true
	}
	if v == "" {
		if k.kind == padCode {
			return "pad.code.empty", false // letters too, not only digits
		}
		return "pad.empty", false
	}
	return "pad.ok", true
}

// display groups the value for reading back: an ID as 6-8-4, a phone as
// 3-4-4.
func (k *keypad) display() string {
	v := k.value
	group := func(sizes ...int) string {
		var parts []string
		for _, n := range sizes {
			if len(v) <= n {
				if v != "" {
					parts = append(parts, v)
				}
				v = ""
				break
			}
			parts = append(parts, v[:n])
			v = v[n:]
		}
		if v != "" {
			parts = append(parts, v)
		}
		return strings.Join(parts, " ")
	}
	switch k.kind {
	case padID:
		return group(6, 8, 4)
	case padPhone:
		return group(3, 4, 4)
	}
	return v
}

// build draws the value, the check message and the keys. changed runs
// after every key.
func (k *keypad) build(a *App, changed func()) fyne.CanvasObject {
	k.keys = map[string]*button{}
	key := func(label, name string) *button {
		b := a.newButton("key:"+name, label, "", styleSecondary, func() {
			k.press(name)
			if changed != nil {
				changed()
			}
			a.render()
		})
		b.big = true
		k.keys[name] = b
		return b
	}
	var rows []fyne.CanvasObject
	var pad fyne.CanvasObject
	cols := 3
	switch k.kind {
	case padCode:
		var grid []fyne.CanvasObject
		for _, d := range []string{"1", "2", "3", "4", "5", "6", "7", "8", "9"} {
			grid = append(grid, key(d, d))
		}
		for c := 'A'; c <= 'Z'; c++ {
			grid = append(grid, key(string(c), string(c)))
		}
		grid = append(grid, key("-", "-"))
		// The character keys above, then the number pads' bottom row:
		// clear, 0 and delete, a third of the pad wide each, clear left,
		// 0 in the middle, delete right. Among the character keys clear
		// and delete were too narrow for their words ("Dele/te" in
		// English).
		cols = 8
		switch {
		case a.elder:
			cols = 7
		case k.maxW > 0:
			// Beside the form on a wide screen: the 36 keys in four
			// full rows, so that the pad fits the screen's height.
			cols = 9
		}
		pad = container.NewVBox(container.NewGridWithColumns(cols, grid...),
			container.NewGridWithColumns(3, key(a.T("key.clear"), "clear"), key("0", "0"), key(a.T("key.delete"), "delete")))
	case padID:
		x := key("X", "X")
		x.disabled = len(k.value) != 17
		pad = numberPad(key, a.T("key.clear"), a.T("key.delete"), x)
	default:
		pad = numberPad(key, a.T("key.clear"), a.T("key.delete"), nil)
	}
	shown := k.display()
	if shown == "" {
		shown = " "
	}
	box := panel(textBlock(shown, theme.ColorNameForeground, theme.SizeNameHeadingText, true, fyne.TextAlignCenter))
	msgKey, ok := k.check()
	var msg fyne.CanvasObject
	switch {
	case ok:
		msg = textBlock(markDone+" "+a.T(msgKey), theme.ColorNameSuccess, theme.SizeNameText, true, fyne.TextAlignCenter)
	case msgKey == "pad.id.bad" || msgKey == "pad.phone.prefix":
		msg = textBlock(markFailed+" "+a.T(msgKey), theme.ColorNameError, theme.SizeNameText, true, fyne.TextAlignCenter)
	default:
		msg = centered(a.T(msgKey), theme.SizeNameText)
	}
	rows = append(rows, box, msg)
	width := a.padWidth()
	if k.kind == padCode {
		width = min(a.theme.TargetSize()*1.6*float32(cols), a.padAvail())
		if k.maxW > 0 {
			width = min(width, k.maxW)
		}
	}
	rows = append(rows, container.NewCenter(container.NewGridWrap(fyne.NewSize(width, pad.MinSize().Height), pad)))
	return container.NewVBox(rows...)
}

// numberPad is the one layout of every number keypad, the residents'
// (digits, phone, ID number) and the staff's PIN pad: 1 to 9 in three
// rows, then clear, 0 and delete, always in these places (the
// authorisation reference pad ends in the same row). The ID pad's X
// has a row of its own under the 0, so that no other key moves for it.
// The confirm key is never among them: each screen puts it at the bottom
// of its content, full width, in the same green (styleSuccess).
// key makes a key of a label and its name (the digit, "clear", "delete").
func numberPad(key func(label, name string) *button, clear, del string, x *button) fyne.CanvasObject {
	var grid []fyne.CanvasObject
	for _, d := range []string{"1", "2", "3", "4", "5", "6", "7", "8", "9"} {
		grid = append(grid, key(d, d))
	}
	grid = append(grid, key(clear, "clear"), key("0", "0"), key(del, "delete"))
	pad := container.NewGridWithColumns(3, grid...)
	if x == nil {
		return pad
	}
	return container.NewVBox(pad, container.NewGridWithColumns(3, layout.NewSpacer(), x, layout.NewSpacer()))
}

// padWidth is the width of a number pad: wide keys for a finger, within
// the screen.
func (a *App) padWidth() float32 {
	return min(a.theme.TargetSize()*2.6*3, a.padAvail())
}

// padAvail is the width a pad may take.
func (a *App) padAvail() float32 {
	avail := a.win.Canvas().Size().Width - 8*a.theme.Size(theme.SizeNamePadding)
	if avail <= 0 {
		return a.theme.TargetSize() * 2.6 * 8
	}
	return avail
}

// nameKeyboard keys a Chinese name by pinyin: letters make a syllable, a
// tap on a candidate adds the character. "·" joins the parts of a
// minority or foreign name.
type nameKeyboard struct {
	src    kiosk.CharacterSource
	pinyin string
	page   int // of the syllable's candidates, candPage at a time
	name   []rune
	keys   map[string]*button
	// The handwriting pad, shown instead of the letters while handOn.
	hand     *handPad
	handOn   bool
	handLost bool // the pad was shown when the recogniser failed for good
}

// candPage is how many candidates show at once; the rest are a page turn
// away (a rare character of a name may be the 200th of its syllable).
const candPage = 8

const maxNameRunes = 50

func (n *nameKeyboard) build(a *App, changed func()) fyne.CanvasObject {
	n.keys = map[string]*button{}
	key := func(label, name string, f func()) *button {
		b := a.newButton(name, label, "", styleSecondary, func() { f(); changed(); a.render() })
		b.big = true
		n.keys[name] = b
		return b
	}
	var letters []fyne.CanvasObject
	for c := 'a'; c <= 'z'; c++ {
		l := string(c)
		letters = append(letters, key(strings.ToUpper(l), "key:"+l, func() {
			if len(n.pinyin) < 6 {
				n.pinyin += l
				n.page = 0
			}
		}))
	}
	letters = append(letters,
		key("·", "key:dot", func() {
			if len(n.name) > 0 && len(n.name) < maxNameRunes {
				n.name = append(n.name, '·')
			}
		}),
		key(a.T("key.delete"), "key:delete", func() {
			switch {
			case n.pinyin != "":
				n.pinyin = n.pinyin[:len(n.pinyin)-1]
				n.page = 0
			case len(n.name) > 0:
				n.name = n.name[:len(n.name)-1]
			}
		}))
	if n.handOn && !a.handAvailable() {
		n.handOn, n.handLost = false, true
	}
	if n.hand == nil {
		n.hand = &handPad{}
	}
	if a.handAvailable() {
		letters = append(letters, key(a.T("hand.switch"), "key:hand", func() {
			n.hand.reset()
			n.handOn, n.pinyin, n.page = true, "", 0
		}))
	}
	if n.handOn {
		box := panel(textBlock(string(n.name)+" ", theme.ColorNameForeground, theme.SizeNameHeadingText, true, fyne.TextAlignLeading))
		pinyin := key(a.T("hand.pinyin"), "key:pinyin", func() { n.hand.reset(); n.handOn = false })
		del := key(a.T("key.delete"), "key:delete", func() {
			if len(n.name) > 0 {
				n.name = n.name[:len(n.name)-1]
			}
		})
		dot := key("·", "key:dot", func() {
			if len(n.name) > 0 && len(n.name) < maxNameRunes {
				n.name = append(n.name, '·')
			}
		})
		cs := a.win.Canvas().Size()
		side := min(cs.Width*0.45, 560)
		if a.landscape() {
			side = min(side, cs.Height*0.42)
		}
		pad := n.hand.build(a, side, a.landscape(), func(c string) {
			if len(n.name) < maxNameRunes {
				n.name = append(n.name, []rune(c)...)
			}
			changed()
		}, pinyin, del, dot)
		for k, b := range n.hand.keys {
			n.keys[k] = b
		}
		return container.NewVBox(box, pad)
	}
	// In landscape the keys go wide, so the keyboard, its candidates and
	// the 确定 below them fit the screen's height without scrolling.
	cols, candCols := 7, 4
	switch {
	case a.landscape() && a.elder:
		cols, candCols = 8, 8
	case a.landscape():
		cols, candCols = 10, 8
	case a.elder:
		cols = 6
	}
	var cands []fyne.CanvasObject
	var all []string
	if n.pinyin != "" && n.src != nil {
		all = n.src.Candidates(n.pinyin, 0)
	}
	pages := (len(all) + candPage - 1) / candPage
	n.page = max(0, min(n.page, pages-1))
	if len(all) > 0 {
		for _, c := range all[n.page*candPage : min(len(all), (n.page+1)*candPage)] {
			c := c
			cands = append(cands, key(c, "cand:"+c, func() {
				if len(n.name) < maxNameRunes {
					n.name = append(n.name, []rune(c)...)
				}
				n.pinyin = ""
				n.page = 0
			}))
		}
	}
	candRow := fyne.CanvasObject(body(a.T("name.hint")))
	if n.handLost {
		candRow = body(a.T("hand.unavailable"))
	}
	if len(cands) > 0 {
		candRow = container.NewGridWithColumns(candCols, cands...)
		if pages > 1 {
			prev := key(a.T("name.prev"), "cand:prev", func() { n.page-- })
			prev.disabled = n.page == 0
			next := key(a.T("name.next", n.page+1, pages), "cand:next", func() { n.page++ })
			next.disabled = n.page == pages-1
			candRow = container.NewVBox(candRow, container.NewGridWithColumns(2, prev, next))
		}
	} else if n.pinyin != "" && n.src != nil && n.src.Continues(n.pinyin) {
		candRow = body(a.T("name.more")) // "y" on the way to "yan"
	} else if n.pinyin != "" {
		candRow = body(a.T("name.nocand"))
	}
	shown := string(n.name)
	if n.pinyin != "" {
		shown += " " + n.pinyin
	}
	box := panel(textBlock(shown+" ", theme.ColorNameForeground, theme.SizeNameHeadingText, true, fyne.TextAlignLeading))
	// The candidates' place keeps its height (two rows of characters and
	// the page keys) whether it shows characters or a hint, so the letter
	// keys never move under a finger as the candidates come and go.
	pad := a.theme.Size(theme.SizeNamePadding)
	keyH := letters[0].MinSize().Height
	hold := canvas.NewRectangle(color.Transparent)
	hold.SetMinSize(fyne.NewSize(0, 3*keyH+2*pad))
	area := container.NewStack(hold, container.NewVBox(candRow))
	return container.NewVBox(box, area, container.NewGridWithColumns(cols, letters...))
}
