package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/visit"
)

// The satisfaction rating (好差评, "一次一评"): when the resident's part of
// the visit ends (完成, 结束办理, or the card taken away) after services
// they may rate (a submission, a case look-up, a ticket, an appointment:
// noteService), the visit machine's rating state wipes what is personal and
// the rating screen asks about each service, newest first, at most
// maxRatings of them, before the goodbye. Five levels as big buttons with
// stars and words; the two poor ones ask for one or more reasons from the
// fixed list; 跳过 ends the visit at once; the idle timeout runs as on any
// screen of the visit and ends it unrated. Each service is rated at most
// once, and a rating is handed to Options.Ratings, which keeps it durably
// and sends it later.

// maxRatings is how many services one goodbye asks about.
const maxRatings = 3

// ratingGuard is how long a rating screen ignores the level buttons after
// it shows: the finger that tapped 完成, or a level of the service before,
// may tap again where a level of this one now is.
const ratingGuard = 400 * time.Millisecond

// ratingLevels are the national five levels, best first, with the stars
// that say them besides the words (never colour alone).
var ratingLevels = []struct {
	level int
	key   string
	stars string
}{
	{5, "rating.level5", "★★★★★"},
	{4, "rating.level4", "★★★★☆"},
	{3, "rating.level3", "★★★☆☆"},
	{2, "rating.level2", "★★☆☆☆"},
	{1, "rating.level1", "★☆☆☆☆"},
}

// ratingRun is the rating of a visit's services: queue holds indices into
// the visit's served, newest first; pos is the one asked about now.
type ratingRun struct {
	queue []int
	pos   int
}

// ratingScreen asks for the rating of one service of the visit (the run's
// current one), then, for a poor level, its reasons.
type ratingScreen struct {
	shown time.Time // when it showed, for ratingGuard
	level int       // a poor level chosen, waiting for its reasons; 0 before
	picks map[string]bool
	done  bool // rated or skipped: its buttons do nothing more

	levels map[int]*button
	submit *button
}

func (s *ratingScreen) Name() string {
	if s.level > 0 {
		return "rating.reasons"
	}
	return "rating"
}

func (s *ratingScreen) Title() string { return "screen.rating" }

// back from the reasons goes to the levels; the levels have no back (the
// resident's part of the visit is over: 跳过 goes on to the goodbye).
func (s *ratingScreen) back(a *App) bool {
	if s.level > 0 && !s.done {
		s.level, s.picks = 0, nil
		a.render()
	}
	return true
}

func (s *ratingScreen) Build(a *App) fyne.CanvasObject {
	if s.shown.IsZero() {
		s.shown = a.visit.clk.Now()
	}
	run, served := a.visit.v.rating, a.visit.v.served
	if run.pos >= len(run.queue) || run.queue[run.pos] >= len(served) {
		return notice(a.T("apply.gone"))
	}
	r := served[run.queue[run.pos]]
	head := []fyne.CanvasObject{
		centered(a.T("rating.question"), theme.SizeNameHeadingText),
		centered(a.ratedService(r), theme.SizeNameSubHeadingText),
	}
	if len(run.queue) > 1 {
		head = append(head, centered(a.T("rating.count", run.pos+1, len(run.queue)), theme.SizeNameText))
	}
	skip := a.newButton("rating.skip", a.T("rating.skip"), a.T("rating.skip.sub"), styleSecondary, func() { s.onSkip(a) })
	if s.level > 0 {
		return s.buildReasons(a, head, skip)
	}
	s.levels = map[int]*button{}
	var rows []fyne.CanvasObject
	for _, l := range ratingLevels {
		l := l
		title, shape := l.stars+"  "+a.T(l.key), pageShape{1, len(ratingLevels)}
		if a.landscape() {
			// Side by side, the stars over the words.
			title, shape = l.stars+"\n"+a.T(l.key), pageShape{len(ratingLevels), 1}
		}
		b := a.newButton("rating:"+string(rune('0'+l.level)), title, "", styleSecondary, func() { s.onLevel(a, l.level) })
		b.huge = true // the stars as large as the question
		s.levels[l.level] = b
		rows = append(rows, b)
		if len(rows) == len(ratingLevels) {
			grid := container.New(&pageGrid{shape: shape, gap: 2 * a.theme.Size(theme.SizeNamePadding)}, rows...)
			return container.NewBorder(container.NewVBox(head...), skip, nil, nil, grid)
		}
	}
	return notice(a.T("apply.gone"))
}

// buildReasons is the second step of a poor rating: one or more reasons
// from the fixed list, then submit.
func (s *ratingScreen) buildReasons(a *App, head []fyne.CanvasObject, skip *button) fyne.CanvasObject {
	for _, l := range ratingLevels {
		if l.level == s.level {
			head = append(head, centered(a.T("rating.chosen", l.stars+" "+a.T(l.key)), theme.SizeNameText))
		}
	}
	head = append(head, centered(a.T("rating.reasons"), theme.SizeNameSubHeadingText))
	var opts []fyne.CanvasObject
	for _, code := range kiosk.RatingReasons {
		code := code
		title, st := a.T("rating.reason."+code), styleSecondary
		if s.picks[code] {
			title, st = markDone+" "+title, styleSelected // the mark, not the colour alone
		}
		b := a.newButton("reason:"+code, title, "", st, func() { s.onReason(a, code) })
		b.big = true
		opts = append(opts, b)
	}
	shape := pageShape{2, 3}
	if a.landscape() {
		shape = pageShape{3, 2}
	}
	s.submit = a.newButton("rating.submit", a.T("rating.submit"), "", stylePrimary, func() { s.onSubmit(a) })
	s.submit.big = true
	s.submit.disabled = len(s.picks) == 0
	foot := container.NewVBox(s.submit, skip)
	if a.landscape() {
		foot = container.NewGridWithColumns(2, s.submit, skip) // the height goes to the reasons
	}
	return container.NewBorder(container.NewVBox(head...), foot, nil, nil, container.New(&pageGrid{shape: shape, gap: a.theme.Size(theme.SizeNamePadding)}, opts...))
}

// ratedService says which service the question is about, in plain words
// and without anything personal: the item, the case, ticket or
// appointment number.
func (a *App) ratedService(r kiosk.Rating) string {
	name := ""
	if r.ItemCode != "" && a.visit.catalog.val != nil {
		if it, ok := a.visit.catalog.val.Item(r.ItemCode); ok {
			name = a.pick(it.Name, it.NameEn)
		}
	}
	var t string
	switch r.Service {
	case kiosk.RateSubmission:
		t = a.T("rating.of.submission", orDash(name))
		if r.CaseNo != "" {
			t += " · " + a.T("outcome.caseno", r.CaseNo)
		}
	case kiosk.RateCaseQuery:
		t = a.T("rating.of.cases")
	case kiosk.RateTicket:
		t = a.T("rating.of.ticket", r.TicketNo)
	case kiosk.RateAppointment:
		t = a.T("rating.of.appointment", r.AppointmentNo)
	default:
		t = a.T("rating.of.other")
	}
	return t
}

// onLevel takes a level: a good one is the rating; a poor one asks for
// its reasons. Taps within ratingGuard of the screen showing, and taps
// after the service was rated, do nothing.
func (s *ratingScreen) onLevel(a *App, level int) {
	if s.done || s.level > 0 || a.visit.clk.Now().Sub(s.shown) < ratingGuard || a.Current() != Screen(s) {
		return
	}
	if level <= 2 {
		s.level, s.picks = level, map[string]bool{}
		a.render()
		return
	}
	s.rate(a, level, nil)
}

// onReason picks or drops a reason.
func (s *ratingScreen) onReason(a *App, code string) {
	if s.done || s.level == 0 || a.Current() != Screen(s) {
		return
	}
	if s.picks[code] {
		delete(s.picks, code)
	} else {
		s.picks[code] = true
	}
	a.render()
}

// onSubmit rates the poor level with the reasons picked.
func (s *ratingScreen) onSubmit(a *App) {
	if s.done || s.level == 0 || len(s.picks) == 0 || a.Current() != Screen(s) {
		return
	}
	var reasons []string
	for _, code := range kiosk.RatingReasons { // the list's order
		if s.picks[code] {
			reasons = append(reasons, code)
		}
	}
	s.rate(a, s.level, reasons)
}

// onSkip ends the visit without rating what is left: one tap.
func (s *ratingScreen) onSkip(a *App) {
	if s.done || a.Current() != Screen(s) {
		return
	}
	s.done = true
	a.endVisit()
}

// rate hands the rating to the rating service and asks about the next
// service, or ends the visit.
func (s *ratingScreen) rate(a *App, level int, reasons []string) {
	s.done = true
	run := &a.visit.v.rating
	a.visit.rate(run.queue[run.pos], level, reasons)
	if run.pos+1 < len(run.queue) {
		run.pos++
		a.Replace(&ratingScreen{shown: a.visit.clk.Now()})
		return
	}
	a.endVisit()
}

// beginRating ends the resident's part of the visit (why: 完成 or 结束办理,
// or the card taken away) with the rating, when the visit has services not
// yet rated; it reports whether it did. The visit machine refuses while a
// submission or print is in flight and over the idle warning.
func (a *App) beginRating(why visit.EndReason) bool {
	if a.opts.Ratings == nil || a.visit.snap.State == visit.StateRating {
		return false
	}
	q := a.visit.toRate()
	if len(q) == 0 {
		return false
	}
	v := a.visit.v
	v.rating = ratingRun{queue: q}
	if err := a.visit.m.BeginRating(why); err != nil {
		v.rating = ratingRun{}
		return false
	}
	return true
}

// endVisit ends the visit now, without the rating.
func (a *App) endVisit() { _ = a.visit.m.Finish() }

// note keeps a service of the visit for rating, once: the same service
// (kind and number, or for a case look-up its kind alone) noted again is
// the same service.
func (p *visitPresenter) note(r kiosk.Rating) {
	v := p.v
	if v == nil {
		return
	}
	r.ID, r.At, r.Level, r.Reasons = "", time.Time{}, 0, nil
	for _, s := range v.served {
		if sameService(s, r) {
			return
		}
	}
	v.served = append(v.served, r)
}

func sameService(a, b kiosk.Rating) bool {
	return a.Service == b.Service && a.CaseNo == b.CaseNo && a.TicketNo == b.TicketNo &&
		a.AppointmentNo == b.AppointmentNo && a.ItemCode == b.ItemCode
}

// toRate is the services of the visit not yet rated, newest first, at most
// maxRatings.
func (p *visitPresenter) toRate() []int {
	var q []int
	for i := len(p.v.served) - 1; i >= 0 && len(q) < maxRatings; i-- {
		if !p.v.rated[i] && !seenBefore(p.v.served, i) {
			q = append(q, i)
		}
	}
	return q
}

// seenBefore: served[i] repeats a service noted before it (noted straight
// into served, not through note).
func seenBefore(served []kiosk.Rating, i int) bool {
	for j := 0; j < i; j++ {
		if sameService(served[j], served[i]) {
			return true
		}
	}
	return false
}

// rate marks served[i] rated and hands the rating to the rating service
// off the UI goroutine: stored durably there, sent later. A failure leaves
// nothing for the resident to do; the visit goes on to its goodbye.
func (p *visitPresenter) rate(i, level int, reasons []string) {
	v := p.v
	if i >= len(v.served) || v.rated[i] {
		return
	}
	if v.rated == nil {
		v.rated = map[int]bool{}
	}
	v.rated[i] = true
	r := v.served[i]
	r.ID = kiosk.NewSubmissionID()
	r.At = p.clk.Now()
	r.Level = level
	r.Reasons = reasons
	src := p.opts.Ratings
	if src == nil {
		return
	}
	p.jobs.run(func(ctx context.Context) func() {
		_ = src.Rate(ctx, r)
		return nil
	})
}
