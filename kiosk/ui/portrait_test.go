package ui

import (
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/kiosktest"
)

// A portrait screen's lists use its height (issue 18): more rows a page
// than on a wide screen, rows at least one and a half targets tall, titles
// in the subheading size, and the rows of a page reaching past the middle
// of the screen; elder mode keeps fewer, larger rows.
func TestPortraitListsUseTheHeight(t *testing.T) {
	for _, elder := range []bool{false, true} {
		t.Run(fmt.Sprintf("elder=%v", elder), func(t *testing.T) {
			r := newRig(t, portrait)
			std := [2]pageShape{r.a.rowShape(), r.a.caseShape()}
			r.a.SetElder(elder)
			r.w.Resize(landscape)
			l := r.a.rowShape()
			r.w.Resize(portrait)
			if p := r.a.rowShape(); p.rows <= l.rows || p.per() <= l.per()-l.rows {
				t.Errorf("portrait page %+v, landscape %+v: portrait shows no more rows", p, l)
			}
			if elder && (r.a.rowShape().per() >= std[0].per() || r.a.caseShape().per() >= std[1].per()) {
				t.Errorf("elder mode pages %+v %+v, standard %+v %+v: not fewer", r.a.rowShape(), r.a.caseShape(), std[0], std[1])
			}
			h := portrait.Height
			check := func(what string, rows []*button, minBottom float32) {
				t.Helper()
				if len(rows) == 0 {
					t.Fatalf("%s: no rows", what)
				}
				var bottom float32
				for _, b := range rows {
					if s := b.Size(); s.Height < 1.5*r.a.theme.TargetSize() {
						t.Errorf("%s: row %q is %v tall, under 1.5 targets", what, b.title, s.Height)
					}
					if p := fyne.CurrentApp().Driver().AbsolutePositionForObject(b); p.Y+b.Size().Height > bottom {
						bottom = p.Y + b.Size().Height
					}
					if sz := titleSize(b); sz < r.a.theme.Size(theme.SizeNameSubHeadingText)-0.5 && !b.row {
						continue
					} else if sz < r.a.theme.Size(theme.SizeNameSubHeadingText)-0.5 {
						t.Errorf("%s: row %q title at %.0f dp, under the subheading size", what, b.title, sz)
					}
				}
				if bottom < minBottom*h {
					t.Errorf("%s: the rows end at %.0f of %.0f dp", what, bottom, h)
				}
			}
			r.tap("guide")
			g := r.a.Current().(*guideScreen)
			check("guide", g.rows, 0.5)
			for _, b := range g.rows {
				if b.icon == nil {
					t.Errorf("category %q has no icon", b.title)
				}
			}
			r.tap("nav.home")
			r.tap("apply")
			r.tap("apply.self")
			r.card(kiosktest.Resident)
			r.want("apply.items")
			check("apply list", r.a.Current().(*applyListScreen).rows, 0.6)
			r.a.Show(&casesScreen{})
			r.settle()
			check("my cases", r.a.Current().(*casesScreen).rows, 0.5)
			checkTargets(t, r)
			if ms := r.w.Content().MinSize(); ms.Height > h {
				t.Errorf("my cases needs %v, more than the screen", ms)
			}
		})
	}
}

// titleSize is the size of a button's title text.
func titleSize(b *button) float32 {
	var size float32
	walkObjects(b, func(o fyne.CanvasObject) {
		if rt, ok := o.(*widget.RichText); ok && size == 0 && rt.String() == b.title {
			if seg, ok := rt.Segments[0].(*widget.TextSegment); ok {
				size = b.th.Size(seg.Style.SizeName)
			}
		}
	})
	return size
}

// 需补正 stands out in 我的办件 (issue 24 item 4): first in the list, in
// words with the accent colour and a warning sign, the row itself warm with
// an accent border and the latest note of what to bring in it; the counts
// by status above the list; the case page shows the note and where.
func TestNeedsMoreStandsOut(t *testing.T) {
	for _, lang := range []Lang{Chinese, English} {
		t.Run(string(lang), func(t *testing.T) {
			r := newRig(t, portrait)
			r.a.SetLanguage(lang)
			r.tap("cases")
			r.card(kiosktest.Resident)
			r.want("cases")
			rows := r.a.Current().(*casesScreen).rows
			if len(rows) != 3 || rows[0].name != "case:PD2026111400012" {
				t.Fatalf("rows %v: the case that needs more documents is not first", names(rows))
			}
			nm := rows[0]
			word := kiosk.StatusNeedsMore.Chinese()
			if lang == English {
				word = kiosk.StatusNeedsMore.English()
			}
			if nm.badge == nil || nm.badge.text != word || nm.badge.bg != colAccent || nm.badge.icon != theme.WarningIcon() {
				t.Errorf("needs-more badge %+v, want %q in the accent colour with the warning icon", nm.badge, word)
			}
			if !nm.warn || !strings.Contains(nm.note, "请补充出院小结") || !strings.Contains(nm.note, "民政科") {
				t.Errorf("needs-more row warn=%v note %q: the note of what to bring and where is not in the row", nm.warn, nm.note)
			}
			for _, b := range rows[1:] {
				if b.warn || b.note != "" || b.badge == nil || b.badge.bg == colAccent || b.badge.icon == nil {
					t.Errorf("row %q: warn=%v note=%q badge %+v", b.name, b.warn, b.note, b.badge)
				}
			}
			r.wantText(word, "请补充出院小结和医疗费用发票原件")
			// The smoke walk reads the row's status and note through Inspect.
			if tg := findTarget(Inspect(r.w), "case:PD2026111400012"); tg == nil || !strings.Contains(tg.Text, word) || !strings.Contains(tg.Text, "请补充出院小结") {
				t.Errorf("Inspect of the needs-more row: %+v", tg)
			}
			if lang == Chinese {
				r.wantText("共3件", "需补正 1件", "办理中 1件", "已办结 1件")
			} else {
				r.wantText("3 cases", word+": 1")
			}
			checkTargets(t, r)
			r.tap("case:PD2026111400012")
			r.want("case")
			if lang == Chinese {
				r.wantText("需要补正材料", "补正要求：请补充出院小结和医疗费用发票原件", "经办部门：民政科")
			} else {
				r.wantText("More documents are needed", "What is needed: 请补充出院小结和医疗费用发票原件", "Handled by: 民政科")
			}
			r.tap("nav.back")
			r.tap("case:PD2026111900007")
			r.wantNoText("需要补正材料", "More documents are needed")
		})
	}
}

func names(bs []*button) []string {
	var out []string
	for _, b := range bs {
		out = append(out, b.name)
	}
	return out
}

func TestNeedsMoreNote(t *testing.T) {
	t.Parallel()
	c := kiosk.Case{Department: "民政科", History: []kiosk.CaseEvent{
		{Status: kiosk.StatusNeedsMore, Department: "社保服务", Note: "旧的补正要求"},
		{Status: kiosk.StatusNeedsMore, Note: "请补充户口簿"},
		{Status: kiosk.StatusProcessing, Department: "民政科", Note: "审核中"},
	}}
	if note, where := needsMoreNote(c); note != "请补充户口簿" || where != "民政科" {
		t.Errorf("latest needs-more note: %q %q", note, where)
	}
	c.History = c.History[2:]
	if note, where := needsMoreNote(c); note != "审核中" || where != "民政科" {
		t.Errorf("fallback to the latest note: %q %q", note, where)
	}
	c.History = nil
	if note, where := needsMoreNote(c); note != "" || where != "民政科" {
		t.Errorf("no history: %q %q", note, where)
	}
}

// Every category the terminal has words for has an icon, and the
// categories of one catalogue (the sample's, the demo server's) each their
// own.
func TestCategoryIcons(t *testing.T) {
	t.Parallel()
	for _, cat := range [][]string{
		{"民政", "计生", "人社", "医保", "公安", "残联"},
		{"老龄", "计生", "就业", "社保", "医保", "居住证", "退役军人", "婚姻", "残疾人", "社会救助"},
	} {
		seen := map[string]string{}
		for _, c := range cat {
			ic := categoryIcon(c)
			if ic == theme.FolderIcon() {
				t.Errorf("category %s has the generic icon", c)
				continue
			}
			if o, ok := seen[ic.Name()]; ok {
				t.Errorf("categories %s and %s share the icon %s", o, c, ic.Name())
			}
			seen[ic.Name()] = c
		}
	}
	if categoryIcon("未知类别") != theme.FolderIcon() {
		t.Error("an unknown category does not get the generic icon")
	}
}

// The resident's menu says how many cases they have and how many need more
// documents; an agent's menu neither shows nor looks up the principal's.
func TestMenuCountsCases(t *testing.T) {
	r := newRig(t, portrait)
	r.tap("cases")
	r.card(kiosktest.Resident)
	r.a.Show(&menuScreen{})
	r.settle()
	r.want("menu")
	r.wantText("共3件，其中1件需补正")
	checkTargets(t, r)

	r2 := newRig(t, portrait)
	r2.tap("apply")
	r2.tap("apply.self")
	r2.card(kiosktest.Resident)
	r2.a.Show(&menuScreen{})
	r2.settle()
	r2.wantText("共3件，其中1件需补正") // looked up from the menu itself
}

// The list screens fit the window without scrolling in both orientations,
// standard and elder, Chinese and English: a wide screen's pages keep their
// fit with the larger rows, icons and status labels.
func TestListScreensFitTheWindow(t *testing.T) {
	for _, size := range []fyne.Size{portrait, landscape} {
		for _, elder := range []bool{false, true} {
			for _, lang := range []Lang{Chinese, English} {
				tag := fmt.Sprintf("%v elder=%v %s", size, elder, lang)
				r := newRig(t, size)
				r.a.SetElder(elder)
				r.a.SetLanguage(lang)
				fits := func() {
					t.Helper()
					if ms := r.w.Content().MinSize(); ms.Width > size.Width || ms.Height > size.Height {
						t.Errorf("%s: screen %s needs %v", tag, r.a.Current().Name(), ms)
					}
					walkObjects(r.w.Content(), func(o fyne.CanvasObject) {
						if _, ok := o.(*container.Scroll); ok {
							t.Errorf("%s: screen %s scrolls", tag, r.a.Current().Name())
						}
					})
				}
				r.tap("guide")
				fits()
				r.tap("guide.category")
				fits()
				r.tap("nav.home")
				r.tap("cases")
				r.card(kiosktest.Resident)
				r.want("cases")
				fits()
				r.a.Show(&menuScreen{})
				r.settle()
				fits()
				r.tap("menu.apply")
				r.want("apply.items")
				fits()
			}
		}
	}
}

// The demo server's ten categories: one page of tiles in portrait (eight,
// larger, in elder mode), each with its own icon, and the guide fits the
// window in both orientations and languages.
func TestGuideOfTenCategories(t *testing.T) {
	cats := []string{"老龄", "计生", "就业", "社保", "医保", "居住证", "退役军人", "婚姻", "残疾人", "社会救助"}
	for _, size := range []fyne.Size{portrait, landscape} {
		for _, elder := range []bool{false, true} {
			for _, lang := range []Lang{Chinese, English} {
				tag := fmt.Sprintf("%v elder=%v %s", size, elder, lang)
				r := newRig(t, size)
				r.a.SetElder(elder)
				r.a.SetLanguage(lang)
				c := *r.a.visit.catalog.val
				c.Items = nil
				for i, cat := range cats {
					c.Items = append(c.Items, kiosk.Item{Code: fmt.Sprintf("X-%d", i), Name: cat + "事项", Category: cat, Kind: kiosk.KindInstant})
				}
				r.a.visit.catalog.val = &c
				r.tap("guide")
				g := r.a.Current().(*guideScreen)
				if want := min(len(cats), r.a.categoryShape().per()); len(g.rows) != want {
					t.Errorf("%s: %d category tiles on the first page, want %d", tag, len(g.rows), want)
				}
				if size != landscape && !elder && len(g.rows) != len(cats) {
					t.Errorf("%s: the ten categories take more than one page", tag)
				}
				if ms := r.w.Content().MinSize(); ms.Width > size.Width || ms.Height > size.Height {
					t.Errorf("%s: the guide needs %v", tag, ms)
				}
				walkObjects(r.w.Content(), func(o fyne.CanvasObject) {
					if _, ok := o.(*container.Scroll); ok {
						t.Errorf("%s: the guide scrolls", tag)
					}
				})
				checkTargets(t, r)
			}
		}
	}
}

// One thing is "1 item" in English, not "1 items".
func TestCountsInTheSingular(t *testing.T) {
	r := newRig(t, portrait)
	r.a.SetLanguage(English)
	r.tap("guide")
	r.wantText("4 items", "1 item")
	for _, x := range texts(r.w) {
		if x == "1 items" {
			t.Error(`the guide shows "1 items"`)
		}
	}
	r.a.SetLanguage(Chinese)
	r.wantText("共4项", "共1项")
}
