package ui

import (
	"context"
	"strings"

	"github.com/pudong-community/kiosk/kiosk"
)

// Eligibility (v1.1): an item's rule of who may apply, checked here for
// the identified person before the form (the central system checks it
// again), and the terminal's own record of what the person already applied
// for, checked before a second application of the same item.

// eligible reports whether the identified person may apply for it by its
// rule: for an agent, the principal (the resident) decides. Nobody
// identified: the rule cannot be checked, so nothing is greyed.
func (p *visitPresenter) eligible(it kiosk.Item) bool {
	r := p.snap.Resident
	if r == nil || it.Eligibility == nil {
		return true
	}
	return it.Eligibility.Allows(*r, p.clk.Now().In(kiosk.Zone()))
}

// ruleText is an item's rule of who may apply in the resident's words:
// the catalogue's note in the screen's language, or made from the ages
// and card types.
func (a *App) ruleText(e *kiosk.Eligibility) string {
	if e == nil {
		return ""
	}
	if a.lang == English && e.NoteEn != "" {
		return e.NoteEn
	}
	if a.lang == Chinese && e.Note != "" {
		return e.Note
	}
	var parts []string
	switch {
	case e.MinAge > 0 && e.MaxAge > 0:
		parts = append(parts, a.T("rule.ages", e.MinAge, e.MaxAge))
	case e.MinAge > 0:
		parts = append(parts, a.T("rule.minage", e.MinAge))
	case e.MaxAge > 0:
		parts = append(parts, a.T("rule.maxage", e.MaxAge))
	}
	if len(e.CardTypes) > 0 {
		var cards []string
		for _, c := range e.CardTypes {
			cards = append(cards, a.T("rule.card."+string(c)))
		}
		sep := "、"
		if a.lang == English {
			sep = ", "
		}
		parts = append(parts, a.T("rule.cards", strings.Join(cards, sep)))
	}
	if len(parts) == 0 {
		return e.Note // a rule in words only (the Chinese note in English too)
	}
	if a.lang == English {
		return strings.Join(parts, "; ")
	}
	return strings.Join(parts, "；")
}

// earlier is an application of the same item the person already made:
// held unsent on this terminal, or an open case the central system named
// (the cases looked up in this visit).
type earlier struct {
	item   kiosk.Item
	unsent *kiosk.SubmissionSummary
	caseNo string
}

// openCase is an open case of item code among the cases looked up in this
// visit, "" when none.
func (p *visitPresenter) openCase(code string) string {
	for _, c := range p.snap.Cases {
		if c.ItemCode == code && !c.Status.Final() {
			return c.CaseNo
		}
	}
	return ""
}

// checkEarlier looks for an earlier application of it by the identified
// person (the principal for an agent) and hands it to found, nil when
// there is none, on the UI goroutine. A late answer for another visit is
// dropped.
func (p *visitPresenter) checkEarlier(it kiosk.Item, found func(*earlier)) {
	src := p.opts.Cases
	r := p.snap.Resident
	if r == nil {
		return
	}
	if no := p.openCase(it.Code); no != "" {
		found(&earlier{item: it, caseNo: no})
		return
	}
	if src == nil {
		found(nil)
		return
	}
	id := r.IDNumber
	v := p.v
	p.jobs.run(func(ctx context.Context) func() {
		unsent, err := src.Unsent(ctx, id)
		return func() {
			if p.v != v {
				return // the visit ended meanwhile
			}
			if err == nil {
				for i := range unsent {
					if unsent[i].ItemCode == it.Code {
						found(&earlier{item: it, unsent: &unsent[i]})
						return
					}
				}
			}
			// The check failed: the resident is not held back by it (the
			// central system refuses a duplicate itself).
			found(nil)
		}
	})
}
