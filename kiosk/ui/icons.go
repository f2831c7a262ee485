package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"github.com/pudong-community/kiosk/kiosk"
)

// Icons of the guide's categories: simple filled shapes on a 24×24 grid,
// drawn in the colour of the text beside them (theme.NewColoredResource).
// An icon is never the only sign: the category's name is always beside it.
func svgIcon(name, body string) fyne.Resource {
	return fyne.NewStaticResource(name+".svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24">`+body+`</svg>`))
}

var (
	// An older person with a walking stick.
	iconElderly = svgIcon("cat-elderly", `<circle cx="10" cy="4" r="2.3"/><rect x="7.4" y="7.2" width="5.2" height="8" rx="2"/>`+
		`<rect x="7.4" y="14" width="2.1" height="8"/><rect x="10.5" y="14" width="2.1" height="8"/>`+
		`<rect x="12" y="9.8" width="4.6" height="1.7"/><rect x="15.6" y="9.8" width="1.7" height="12.2"/>`)
	// A briefcase.
	iconWork = svgIcon("cat-work", `<path d="M8 7V5a2 2 0 0 1 2-2h4a2 2 0 0 1 2 2v2h-2V5h-4v2z"/>`+
		`<rect x="2" y="7" width="20" height="13" rx="2"/>`)
	// An umbrella: insurance.
	iconInsurance = svgIcon("cat-insurance", `<path d="M12 2C6.5 2 2 6 2 11.5h9V19a1 1 0 0 1-2 0v-1H7v1a3 3 0 0 0 6 0v-7.5h9C22 6 17.5 2 12 2z"/>`)
	// A medical cross on a square.
	iconMedical = svgIcon("cat-medical", `<path fill-rule="evenodd" d="M4 3h16a1 1 0 0 1 1 1v16a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V4a1 1 0 0 1 1-1zm6 4v3H7v4h3v3h4v-3h3v-4h-3V7z"/>`)
	// An identity card: photo and lines cut out.
	iconCard = svgIcon("cat-card", `<path fill-rule="evenodd" d="M2 5h20v14H2zM4.5 8v8h6V8zM13 9h6.5v1.8H13zM13 12.5h6.5v1.8H13z"/>`)
	// A heart.
	iconHeart = svgIcon("cat-heart", `<path d="M12 21l-1.5-1.3C5.4 15.1 2 12.1 2 8.4 2 5.4 4.4 3 7.4 3c1.7 0 3.4.8 4.6 2.1C13.2 3.8 14.9 3 16.6 3 19.6 3 22 5.4 22 8.4c0 3.7-3.4 6.7-8.5 11.3z"/>`)
	// A wheelchair user.
	iconWheelchair = svgIcon("cat-wheelchair", `<circle cx="9.5" cy="3.8" r="2.2"/><rect x="8.2" y="7" width="2.6" height="7.2" rx="1"/>`+
		`<rect x="8.2" y="12" width="7.3" height="2.2"/><rect x="13.4" y="12" width="2.1" height="7"/><rect x="13.4" y="17.6" width="4.6" height="1.9"/>`+
		`<path fill-rule="evenodd" d="M9 9.6a6.2 6.2 0 1 0 .01 0zm0 1.9a4.3 4.3 0 1 1-.01 0z"/>`)
	// A star.
	iconStar = svgIcon("cat-star", `<polygon points="12,2 14.9,8.6 22,9.3 16.6,14 18.2,21 12,17.3 5.8,21 7.4,14 2,9.3 9.1,8.6"/>`)
	// A lifebuoy: help in need.
	iconLifebuoy = svgIcon("cat-lifebuoy", `<path fill-rule="evenodd" d="M12 2a10 10 0 1 0 .01 0zm0 5a5 5 0 1 1-.01 0z"/>`+
		`<rect x="10.6" y="2" width="2.8" height="5.3"/><rect x="10.6" y="16.7" width="2.8" height="5.3"/>`+
		`<rect x="2" y="10.6" width="5.3" height="2.8"/><rect x="16.7" y="10.6" width="5.3" height="2.8"/>`)
	// A family: two adults and a child.
	iconFamily = svgIcon("cat-family", `<circle cx="6.5" cy="4.5" r="2.3"/><circle cx="17.5" cy="4.5" r="2.3"/><circle cx="12" cy="11" r="1.9"/>`+
		`<rect x="4.2" y="7.8" width="4.6" height="14" rx="1.6"/><rect x="15.2" y="7.8" width="4.6" height="14" rx="1.6"/><rect x="10.3" y="13.6" width="3.4" height="8.2" rx="1.2"/>`)
	// A house.
	iconHouse = svgIcon("cat-house", `<path d="M12 3L2 12h3v9h5v-6h4v6h5v-9h3z"/>`)
	// A shield.
	iconShield = svgIcon("cat-shield", `<path d="M12 2L4 5v6c0 5 3.4 9.7 8 11 4.6-1.3 8-6 8-11V5z"/>`)
)

// categoryIcons picks a category's icon by the words in its name, in this
// order (社会救助 before 社保, which it does not contain, and 残 before 人).
var categoryIcons = []struct {
	words []string
	icon  fyne.Resource
}{
	{[]string{"老"}, iconElderly},
	{[]string{"救助", "低保"}, iconLifebuoy},
	{[]string{"残"}, iconWheelchair},
	{[]string{"军"}, iconStar},
	{[]string{"婚"}, iconHeart},
	{[]string{"医"}, iconMedical},
	{[]string{"居住", "户籍", "证照"}, iconCard},
	{[]string{"公安"}, iconShield},
	{[]string{"计生", "生育", "卫健"}, iconFamily},
	{[]string{"就业", "人社", "劳动"}, iconWork},
	{[]string{"社保", "保险"}, iconInsurance},
	{[]string{"民政"}, iconHouse},
}

// categoryIcon is the icon of category c (its Chinese name); a folder for
// a category it does not know.
func categoryIcon(c string) fyne.Resource {
	for _, ci := range categoryIcons {
		for _, w := range ci.words {
			if strings.Contains(c, w) {
				return ci.icon
			}
		}
	}
	return theme.FolderIcon()
}

// statusBadge is a case's status as a resident sees it: the words, a colour
// and an icon. 需补正 asks something of the resident and stands out: the
// accent colour and a warning sign.
func (a *App) statusBadge(s kiosk.CaseStatus) *badge {
	b := &badge{text: a.statusWord(s)}
	switch s {
	case kiosk.StatusNeedsMore:
		b.icon, b.bg = theme.WarningIcon(), colAccent
	case kiosk.StatusCompleted:
		b.icon, b.bg = theme.ConfirmIcon(), colSuccess
	case kiosk.StatusRejected:
		b.icon, b.bg = theme.CancelIcon(), colMuted
	default:
		b.icon, b.bg = theme.HistoryIcon(), colPrimary
	}
	return b
}
