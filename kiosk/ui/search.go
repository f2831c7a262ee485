package ui

import (
	"context"
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"

	"github.com/pudong-community/kiosk/kiosk"
)

// Shortcuts of the search keyboard: characters and words that begin many
// item names, for residents who do not know pinyin.
var searchShortcuts = []string{"老", "医", "保", "证", "登记", "就业", "残", "生育", "居住", "救助"}

// maxQuery bounds what the search keyboard accepts.
const maxQuery = 16

// searchScreen searches the catalogue as the resident types pinyin
// initials (A–Z) or taps character shortcuts.
type searchScreen struct {
	query string
	found load[[]kiosk.Item] // the answer to the query (a failure shows until the next answer)
	seq   int
	pg    pager
	keys  map[string]*button // for tests
	rows  []*button

	// The handwriting pad: handOn shows it instead of the letters; in
	// elder mode it is shown first (started: the first build decided).
	hand    *handPad
	handOn  bool
	started bool
	// handLost: the pad was shown when the recogniser failed for good;
	// the letters say so.
	handLost bool
	// runes are the characters of the catalogue's item names (of runesOf),
	// ranked ahead among the pad's candidates.
	runes   map[string]bool
	runesOf *kiosk.Catalog
}

func (s *searchScreen) Name() string  { return "search" }
func (s *searchScreen) Title() string { return "screen.search" }

// setQuery changes the query and searches at once; an answer to an older
// query is dropped.
func (s *searchScreen) setQuery(a *App, q string) {
	s.query = q
	s.pg.page = 0
	s.seq++
	seq := s.seq
	if strings.TrimSpace(q) == "" || a.opts.Catalog == nil {
		s.found = load[[]kiosk.Item]{}
		a.render()
		return
	}
	src := a.opts.Catalog
	s.found.start()
	a.render()
	a.jobs.run(func(ctx context.Context) func() {
		items, err := src.Search(ctx, q, 50)
		return func() {
			if seq != s.seq {
				return
			}
			s.found.done(items, err, a.visit.clk.Now())
			if a.Current() == Screen(s) {
				a.render()
			}
		}
	})
}

func (s *searchScreen) Build(a *App) fyne.CanvasObject {
	s.keys = map[string]*button{}
	key := func(label, name string, f func()) *button {
		b := a.newButton(name, label, "", styleSecondary, f)
		b.big = true
		s.keys[name] = b
		return b
	}
	var letters []fyne.CanvasObject
	for c := 'A'; c <= 'Z'; c++ {
		l := string(c)
		letters = append(letters, key(l, "key:"+l, func() {
			if utf8.RuneCountInString(s.query) < maxQuery {
				s.setQuery(a, s.query+strings.ToLower(l))
			}
		}))
	}
	del := key(a.T("key.delete"), "key:delete", func() {
		if r := []rune(s.query); len(r) > 0 {
			s.setQuery(a, string(r[:len(r)-1]))
		}
	})
	clr := key(a.T("key.clear"), "key:clear", func() { s.setQuery(a, "") })
	letters = append(letters, del, clr)
	if !s.started {
		s.started = true
		s.handOn = a.elder && a.handAvailable()
	}
	if s.handOn && !a.handAvailable() {
		s.handOn, s.handLost = false, true
	}
	if s.hand == nil {
		s.hand = &handPad{rank: s.rankHand}
	}
	if a.handAvailable() {
		hk := a.handKey("key:hand", func() { s.hand.reset(); s.handOn = true; a.render() })
		s.keys["key:hand"] = hk
		letters = append(letters, hk)
	}
	cols := 7
	if a.elder && !a.landscape() {
		cols = 6
	}
	var shorts []fyne.CanvasObject
	for _, w := range searchShortcuts {
		w := w
		shorts = append(shorts, key(w, "key:"+w, func() {
			if utf8.RuneCountInString(s.query)+utf8.RuneCountInString(w) <= maxQuery {
				s.setQuery(a, s.query+w)
			}
		}))
	}
	shortCols := 5
	q := s.query
	if q == "" {
		q = a.T("search.placeholder")
		if s.handOn {
			q = a.T("hand.placeholder")
		}
	}
	box := panel(textBlock(strings.ToUpper(q), theme.ColorNameForeground, theme.SizeNameHeadingText, true, fyne.TextAlignLeading))
	var keyboard fyne.CanvasObject = container.NewVBox(
		container.NewGridWithColumns(cols, letters...),
		body(a.T("search.shortcuts")),
		container.NewGridWithColumns(shortCols, shorts...),
	)
	if s.handLost {
		keyboard = container.NewVBox(notice(a.T("hand.unavailable")), keyboard)
	}
	if s.handOn {
		w := a.win.Canvas().Size().Width
		if a.landscape() {
			w *= 0.55
		}
		pinyin := key(a.T("hand.pinyin"), "key:pinyin", func() { s.hand.reset(); s.handOn = false; a.render() })
		hdel := key(a.T("key.delete"), "key:delete", func() {
			if r := []rune(s.query); len(r) > 0 {
				s.setQuery(a, string(r[:len(r)-1]))
			}
		})
		keyboard = s.hand.build(a, min(w*0.48, 620), false, func(c string) {
			if utf8.RuneCountInString(s.query)+utf8.RuneCountInString(c) <= maxQuery {
				s.setQuery(a, s.query+c)
			}
		}, pinyin, hdel)
	}
	var res fyne.CanvasObject
	switch {
	case a.opts.Catalog == nil:
		res = notice(a.T("guide.unavailable"))
	case s.found.err != nil:
		res = notice(a.T("search.error"))
	case strings.TrimSpace(s.query) == "" && s.handOn:
		res = body(a.T("hand.searchhint"))
	case strings.TrimSpace(s.query) == "":
		res = body(a.T("search.hint"))
	case len(s.found.val) == 0:
		res = body(a.T("search.none"))
	default:
		results := s.found.val
		s.rows = s.rows[:0]
		per := a.perPage() - 3
		if a.landscape() {
			per = a.perPage() / 2
		}
		if per < 2 {
			per = 2
		}
		from := s.pg.page * per
		if from >= len(results) {
			s.pg.page, from = 0, 0
		}
		to := min(from+per, len(results))
		var rows []fyne.CanvasObject
		rows = append(rows, body(a.T("search.count", len(results))))
		for _, it := range results[from:to] {
			b := a.itemRow(it, func(it kiosk.Item) { s.onItem(a, it) })
			s.rows = append(s.rows, b)
			rows = append(rows, b)
		}
		if len(results) > per {
			more := a.newButton("search.more", a.T("search.more", from+1, to, len(results)), "", styleSecondary, func() {
				s.pg.page++
				if s.pg.page*per >= len(results) {
					s.pg.page = 0
				}
				a.render()
			})
			rows = append(rows, more)
		}
		res = container.NewVBox(rows...)
	}
	if a.landscape() {
		// Keyboard on the right, results on the left.
		kw := a.win.Canvas().Size().Width * 0.55
		right := container.NewGridWrap(fyne.NewSize(kw, keyboard.MinSize().Height), keyboard)
		return container.NewBorder(nil, nil, nil, right, container.NewBorder(box, nil, nil, nil, res))
	}
	return container.NewBorder(box, keyboard, nil, nil, res)
}

// rankHand puts the characters that occur in the catalogue's item names
// ahead of the others among the recogniser's candidates, each group in the
// recogniser's order: writing 低 finds 最低生活保障 even where the model
// ranks 低 third.
func (s *searchScreen) rankHand(a *App, got []kiosk.HandwritingCandidate) []string {
	if c := a.visit.catalog.val; c != nil && c != s.runesOf {
		s.runesOf, s.runes = c, map[string]bool{}
		for _, it := range c.Items {
			for _, r := range it.Name {
				s.runes[string(r)] = true
			}
		}
	}
	var known, rest []string
	for _, c := range got {
		if s.runes[c.Char] {
			known = append(known, c.Char)
		} else {
			rest = append(rest, c.Char)
		}
	}
	return append(known, rest...)
}

// onItem opens the item's page.
func (s *searchScreen) onItem(a *App, it kiosk.Item) { a.Show(&itemScreen{item: it}) }
