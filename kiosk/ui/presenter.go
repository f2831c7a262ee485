package ui

import (
	"context"
	"errors"
	"image"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/visit"
)

// visitPresenter is what the screens show of the visit: the visit machine
// and its last snapshot, what the screens hold of the visit beyond it (each
// service call as an explicit load), the goodbye of the visit that just
// ended, and the catalogue. It draws nothing: the screens read it, call its
// actions, and it asks the App to draw again (redraw) when an answer comes.
// Everything runs on the UI goroutine; service calls go through jobs.
type visitPresenter struct {
	opts   *Options
	cat    *Catalog // for the receipt's words in both languages
	jobs   runner
	status offer
	redraw func() // draws the screens again: App.render

	m      *visit.Machine
	clk    visit.Clock
	snap   visit.Snapshot
	cfgErr error // a bad Options.Visit (defaults were used instead)

	v     *visitData // dropped when the visit ends
	ended goodbye    // the visit that just ended, for its goodbye

	catalog load[*kiosk.Catalog]
}

// visitData is what the screens keep about the visit beyond the machine's
// snapshot. It is replaced whole when a visit ends, so nothing of one
// resident survives into the next visit.
type visitData struct {
	wantItem string         // item chosen in the guide, opened once identified
	card     cardState      // the card on the reader, as the screens show it
	expired  kiosk.CardType // the type of the last expired card read, for where it is renewed

	cases   load[caseList]         // the resident's cases (the list itself is in the snapshot)
	submit  load[kiosk.Outcome]    // the submission; at is when it was confirmed
	receipt receiptState           // the submission's receipt; new with each submission
	slip    load[int]              // case status slips; val counts those printed
	printed int                    // receipts and slips printed in this visit, for the goodbye
	qr      map[string]image.Image // QR pictures of this visit
	served  []kiosk.Rating         // services of this visit the resident may rate (好差评), see noteService

	// why: an item the person may not apply for, whose rule the apply list
	// explains; again: an earlier application of the item chosen, which the
	// list asks about before a second one.
	why    *kiosk.Item
	again  *earlier
	rated  map[int]bool // the indices of served rated (rating.go)
	rating ratingRun    // the services the rating screen asks about
	hand   handData     // tickets, bookings and appointments of this visit (handoff.go)
}

// receiptState is a submission's receipt: its picture on the outcome
// screen and its prints. A case slip printed before is not this receipt:
// the receipt still prints by itself when the outcome shows.
type receiptState struct {
	picture load[image.Image]
	print   load[int] // val counts the prints of this receipt
}

// caseList is what "my cases" learnt beside the cases: whether the central
// system answered, and what this terminal still holds unsent.
type caseList struct {
	online bool
	unsent []kiosk.SubmissionSummary
}

// cardPhase is where the card on the reader stands for the screens.
type cardPhase uint8

const (
	cardNone    cardPhase = iota // nothing to say
	cardReading                  // a card is on the reader and being read
	cardRefused                  // the last card was refused; msg says why
)

type cardState struct {
	phase cardPhase
	msg   string // i18n key of why the card was refused
}

// refused is the i18n key of a refused card's notice, "" when none shows.
func (c cardState) refused() string {
	if c.phase == cardRefused {
		return c.msg
	}
	return ""
}

// goodbye is what the ended screen says of the visit that just ended (the
// machine and visitData have forgotten it by then).
type goodbye struct {
	printed bool // a receipt or slip was printed: the resident is asked to take it
	// english, elder: the language and text size of the visit, which its
	// goodbye keeps (the machine has reset them).
	english, elder bool
	// taken, no: a submission the visit made (OutcomeNone if none),
	// accepted with its case number or saved with its local number. A visit
	// ended while its submission was in flight would otherwise never show
	// the resident the outcome.
	taken visit.OutcomeStatus
	no    string
	// cardTaken: the card lay on the reader after the visit ended and was
	// taken from the take-your-card screen: the goodbye does not ask for it.
	cardTaken bool
	// staff: on the take-your-card screen, a call for staff about the card
	// (kiosk.AssistCardLeft) was made; answered: it came back; notified:
	// someone confirmed it.
	staff, answered, notified bool
}

// rating reports a snapshot of the rating, or of the idle warning over it.
func rating(s visit.Snapshot) bool {
	return s.State == visit.StateRating || s.State == visit.StateIdleWarning && s.Prev == visit.StateRating
}

// over reports a state after the visit: the take-your-card screen and the
// goodbye.
func over(s visit.State) bool { return s == visit.StateEnded || s == visit.StateTakeCard }

// runner runs a service call off the UI goroutine and hands its result back
// on it (jobs).
type runner interface {
	run(f func(ctx context.Context) func())
}

// offer is what the devices leave on offer (status).
type offer interface {
	printerDown() bool
	applyDown() (down bool, why string)
}

func newVisitPresenter(opts *Options, cat *Catalog, j runner, st offer, redraw func()) *visitPresenter {
	return &visitPresenter{opts: opts, cat: cat, jobs: j, status: st, redraw: redraw, v: &visitData{}}
}

// start makes the visit machine from cfg; a bad cfg runs the defaults and
// is kept for VisitConfigErr.
func (p *visitPresenter) start(cfg visit.Config) {
	m, err := visit.New(cfg)
	if err != nil {
		p.cfgErr = err
		def := visit.Config{Clock: cfg.Clock, NewID: cfg.NewID, OnChange: cfg.OnChange}
		m, _ = visit.New(def)
	}
	p.m = m
	p.clk = cfg.Clock
	if p.clk == nil {
		p.clk = visit.SystemClock{}
	}
	p.snap = m.Snapshot()
}

// take makes s the snapshot shown and returns the one before it; false for
// a snapshot older than the one shown. A visit that ends leaves its
// goodbye; a visit that ends or changes drops what the screens held.
func (p *visitPresenter) take(s visit.Snapshot) (prev visit.Snapshot, ok bool) {
	if s.Seq < p.snap.Seq {
		return prev, false
	}
	prev = p.snap
	p.snap = s
	// The goodbye is what the resident's part of the visit left: taken as
	// it ends, or as the rating (which wipes it) begins.
	entered := func(st visit.State) bool { return s.State == st && prev.State != st }
	if (entered(visit.StateRating) || over(s.State) && !over(prev.State)) && !rating(prev) {
		g := goodbye{printed: p.v.printed > 0, english: prev.English, elder: prev.Elder}
		switch prev.Outcome.Status {
		case visit.OutcomeSent:
			g.taken, g.no = visit.OutcomeSent, prev.Outcome.CaseNo
		case visit.OutcomeQueued:
			g.taken, g.no = visit.OutcomeQueued, p.v.submit.val.LocalNo
			if g.no == "" {
				g.no = prev.SubmissionID
			}
		}
		p.ended = g
	} else if over(s.State) && !over(prev.State) {
		// After the rating: in the language and size it ended in.
		p.ended.english, p.ended.elder = prev.English, prev.Elder
	}
	if s.State == visit.StateEnded && prev.State == visit.StateTakeCard {
		p.ended.cardTaken = true
	}
	if over(s.State) || s.State == visit.StateHome && prev.Resident != nil || s.Visit != prev.Visit {
		p.v = &visitData{} // forget everything the screens held
	}
	return prev, true
}

// look is the language and text size to show: the visit's, or on the
// goodbye those of the visit that ended.
func (p *visitPresenter) look() (english, elder bool) {
	if over(p.snap.State) {
		return p.ended.english, p.ended.elder
	}
	return p.snap.English, p.snap.Elder
}

// afterTake starts the service calls a new state needs.
func (p *visitPresenter) afterTake(prev, s visit.Snapshot) {
	if s.State == visit.StateIdentified && p.v.cases.idle() && (s.Purpose == visit.PurposeCases || p.ownApplication(s)) {
		p.loadCases(s)
	}
	if s.State == visit.StateIdentified && prev.State != visit.StateIdentified && p.v.wantItem != "" {
		p.startWanted()
	}
	p.autoPrint(prev, s)
	if (s.State == visit.StateBrowsing || s.State == visit.StateIdentified) && prev.State != s.State {
		p.loadCatalog(false)
	}
}

// --- the card ---

// touched: the screen was touched; a refused card's notice outside the
// identify screen has been seen.
func (p *visitPresenter) touched(onIdentify bool) {
	if !onIdentify && p.v.card.phase == cardRefused {
		p.v.card = cardState{}
	}
}

func (p *visitPresenter) cardReading() { p.v.card = cardState{phase: cardReading} }

// cardPresent hands the machine a card just read; expired is the reader's
// verdict (the machine also checks the card's validity date).
func (p *visitPresenter) cardPresent(person kiosk.Person, expired bool) {
	p.v.card = cardState{}
	var err error
	if expired {
		err = p.m.CardFailed(visit.FailExpired)
	} else {
		err = p.m.CardRead(person)
	}
	msg := ""
	switch {
	case err == nil && expired:
		msg = "identify.expired"
	case err == nil:
	case errors.Is(err, visit.ErrCardExpired):
		msg = "identify.expired"
	case errors.Is(err, visit.ErrCardUnsupported):
		msg = "identify.unsupported"
	case errors.Is(err, visit.ErrSamePerson):
		msg = "identify.same"
	case errors.Is(err, visit.ErrUnexpectedCard), errors.Is(err, visit.ErrWrongState):
		msg = "identify.notnow"
	}
	if msg != "" {
		p.v.card = cardState{phase: cardRefused, msg: msg}
	}
	if msg == "identify.expired" {
		p.v.expired = person.CardType
		// Where to renew it comes from the catalogue, which a card laid
		// on the home screen finds not yet loaded.
		p.loadCatalog(false)
	}
}

// cardGone: the card left the reader. A refused card's notice goes with it
// but on the identify screen, which says why itself. It reports whether a
// notice went.
func (p *visitPresenter) cardGone(onIdentify bool) bool {
	if p.v.card.phase == cardReading {
		p.v.card = cardState{}
	}
	if !onIdentify && p.v.card.phase == cardRefused {
		p.v.card = cardState{}
		return true
	}
	return false
}

// cardUnreadable: a read failed.
func (p *visitPresenter) cardUnreadable() {
	if p.v.card.phase == cardReading {
		p.v.card = cardState{}
	}
	if err := p.m.CardFailed(visit.FailUnreadable); err == nil {
		p.v.card = cardState{phase: cardRefused, msg: "identify.unreadable"}
	}
}

// --- the catalogue ---

// catalogFresh is how long a catalogue is used before it is asked for
// again.
const catalogFresh = 5 * time.Minute

// loadCatalog fetches the catalogue unless a fresh one is held.
func (p *visitPresenter) loadCatalog(force bool) {
	src := p.opts.Catalog
	c := &p.catalog
	if src == nil || c.loading() || !force && c.val != nil && p.clk.Now().Sub(c.at) < catalogFresh {
		return
	}
	c.start()
	p.jobs.run(func(ctx context.Context) func() {
		got, err := src.Catalog(ctx)
		if err == nil && (got == nil || len(got.Items) == 0) {
			err = errEmptyCatalog
		}
		return func() {
			c.done(got, err, p.clk.Now())
			p.redraw()
		}
	})
}

var errEmptyCatalog = errors.New("ui: the catalogue is empty")

// --- my cases ---

// loadCases asks for the resident's cases and what the terminal holds
// unsent for them. A late answer for another visit is dropped.
func (p *visitPresenter) loadCases(s visit.Snapshot) {
	src := p.opts.Cases
	if src == nil || s.Resident == nil {
		p.v.cases.done(caseList{}, errNoService, p.clk.Now())
		return
	}
	person := *s.Resident
	v := p.v
	v.cases.start()
	p.jobs.run(func(ctx context.Context) func() {
		cases, online, err := src.Cases(ctx, person)
		var unsent []kiosk.SubmissionSummary
		var uerr error
		if !online || err != nil {
			unsent, uerr = src.Unsent(ctx, person.IDNumber)
		}
		return func() {
			if p.v != v {
				return // the visit ended meanwhile
			}
			got := caseList{online: online && err == nil}
			if uerr == nil {
				got.unsent = unsent
			}
			if serr := p.m.SetCases(s.Visit, cases); serr != nil && !errors.Is(serr, visit.ErrStale) {
				err = serr
			}
			// A failure keeps what was learnt: offline, the list of what
			// is held unsent still shows.
			v.cases.val = got
			v.cases.done(got, err, p.clk.Now())
			p.redraw()
		}
	})
}

var errNoService = errors.New("ui: service not configured")

// ownApplication is whether s is a resident's own application (not an
// agent's): their cases are looked up as soon as they are identified, so
// that an item they already applied for is named before they fill its
// form again (checkEarlier). An agent does not see the principal's cases.
func (p *visitPresenter) ownApplication(s visit.Snapshot) bool {
	return s.Purpose == visit.PurposeApply && s.Agent == nil && !s.ResidentKeyed
}

// --- applying ---

// applicable is whether the identified visitor may submit it here.
func (p *visitPresenter) applicable(it kiosk.Item) bool {
	if it.Kind != kiosk.KindInstant || !it.SelfService {
		return false
	}
	return p.snap.Agent == nil || it.AgentAllowed
}

// wantApply opens the item chosen in the guide once the resident is
// identified.
func (p *visitPresenter) wantApply(code string) {
	p.v.wantItem = code
	if err := p.m.Identify(visit.PurposeApply); err != nil {
		p.v.wantItem = ""
	}
}

// startWanted opens the item chosen in the guide once the resident is
// identified.
func (p *visitPresenter) startWanted() {
	code := p.v.wantItem
	p.v.wantItem = ""
	if code == "" || p.catalog.val == nil {
		return
	}
	if down, _ := p.status.applyDown(); down {
		// The printer went out of order (printer.required) while the card
		// was awaited: the resident's menu says applications are paused.
		return
	}
	it, ok := p.catalog.val.Item(code)
	if !ok || !p.applicable(it) {
		return
	}
	if !p.eligible(it) {
		p.v.why = &it // the apply list says why
		return
	}
	v := p.v
	p.checkEarlier(it, func(e *earlier) {
		if e != nil {
			v.again = e // the apply list asks first
			p.redraw()
			return
		}
		_ = p.m.StartApplication(it)
	})
}

// confirm confirms once and submits off the UI goroutine: stored first,
// then sent; the outcome goes back to the visit machine.
func (p *visitPresenter) confirm() {
	sub, err := p.m.Confirm()
	if err != nil {
		return // a double tap, or a tap during a transition
	}
	sub.TerminalID = p.opts.TerminalID
	if p.catalog.val != nil {
		sub.CatalogVersion = p.catalog.val.Version
	}
	v := p.v
	v.submit = load[kiosk.Outcome]{state: loadLoading, at: p.clk.Now()}
	v.receipt = receiptState{}
	src := p.opts.Submit
	p.jobs.run(func(ctx context.Context) func() {
		var out kiosk.Outcome
		err := errNoService
		if src != nil {
			out, err = src.Submit(ctx, sub)
		}
		return func() {
			vo := visit.Outcome{}
			switch {
			case err != nil:
				vo.Status = visit.OutcomeFailed
				vo.Message = submitErrCode(err)
			case out.Accepted != nil:
				vo.Status = visit.OutcomeSent
				vo.CaseNo, vo.DueDate, vo.TrackURL = out.Accepted.CaseNo, out.Accepted.DueDate, out.Accepted.TrackURL
			case out.Queued:
				vo.Status = visit.OutcomeQueued
			default:
				vo.Status = visit.OutcomeFailed
				vo.Message = "no_answer"
				err = errBadOutcome
			}
			if p.v == v {
				at := v.submit.at
				v.submit.done(out, err, p.clk.Now())
				v.submit.val, v.submit.at = out, at // the numbers it gave, even with a failure
				if vo.Status == visit.OutcomeSent || vo.Status == visit.OutcomeQueued {
					// A service the resident may rate: the item, and the
					// case number once the central system gave one.
					p.note(kiosk.Rating{Service: kiosk.RateSubmission, CaseNo: vo.CaseNo, ItemCode: sub.ItemCode})
				}
			}
			_ = p.m.SubmitFinished(sub.ID, vo)
		}
	})
}

var errBadOutcome = errors.New("ui: the submitter answered neither sent nor queued")

func submitErrCode(err error) string {
	var rej *kiosk.RejectedError
	switch {
	case errors.Is(err, kiosk.ErrStorageFull):
		return "storage_full"
	case errors.As(err, &rej):
		return "rejected:" + rej.Code
	}
	return "failed"
}

// --- receipts ---

// receiptData is the receipt of the current outcome.
func (p *visitPresenter) receiptData() (kiosk.ReceiptData, bool) {
	snap := p.snap
	if snap.Resident == nil || snap.Item == nil {
		return kiosk.ReceiptData{}, false
	}
	d := kiosk.ReceiptData{
		Center: p.opts.CenterName, TerminalID: p.opts.TerminalID,
		ItemCode: snap.Item.Code, ItemName: snap.Item.Name,
		Applicant: snap.Resident.Name, ApplicantID: snap.Resident.IDNumber,
		LocalNo: p.v.submit.val.LocalNo, ConfirmedAt: p.v.submit.at,
		HowToFollow:  p.cat.T(Chinese, "receipt.follow") + " " + p.cat.T(English, "receipt.follow"),
		ReprintCount: p.v.receipt.print.val,
	}
	if d.LocalNo == "" {
		d.LocalNo = snap.SubmissionID
	}
	if ag := snap.Agent; ag != nil {
		d.Agent, d.AgentID, d.AuthRef = ag.Name, ag.IDNumber, ag.AuthorizationRef
	}
	switch snap.Outcome.Status {
	case visit.OutcomeSent:
		d.CaseNo, d.DueDate, d.QRPayload = snap.Outcome.CaseNo, snap.Outcome.DueDate, snap.Outcome.TrackURL
		if d.QRPayload == "" { // no allowed track_url: the case number
			d.QRPayload = d.CaseNo
		}
		if acc := p.v.submit.val.Accepted; acc != nil {
			d.AcceptedAt = acc.AcceptedAt
		}
	default:
		d.Queued = true
		d.QRPayload = d.LocalNo
	}
	if d.DueDate == "" && !d.Queued && p.catalog.val != nil {
		// A sent case without a due date from the central system: the
		// catalogue's time limit. A queued one has no promise yet.
		from := d.ConfirmedAt
		if from.IsZero() {
			from = p.clk.Now()
		}
		d.DueDate = p.catalog.val.Calendar.DueDate(from, snap.Item.TimeLimitDays).Format(kiosk.DateLayout)
	}
	if d.QRPayload == "" {
		d.QRPayload = d.LocalNo
	}
	return d, true
}

// receiptPicture is the outcome's receipt as the printer draws it, made
// once per visit; nil when it cannot be drawn.
func (p *visitPresenter) receiptPicture(d kiosk.ReceiptData) image.Image {
	pic := &p.v.receipt.picture
	if pic.idle() {
		img, err := p.opts.Receipts.Render(d)
		pic.done(img, err, p.clk.Now())
	}
	return pic.val
}

// canPrint says whether receipts can be printed at all.
func (p *visitPresenter) canPrint() bool {
	return p.opts.Receipts != nil && !p.status.printerDown()
}

// startReceipt starts printing the outcome's receipt and reports whether
// it started.
func (p *visitPresenter) startReceipt() bool {
	d, ok := p.receiptData()
	if !ok || !p.canPrint() {
		return false
	}
	if err := p.m.BeginPrint(); err != nil {
		return false
	}
	p.print(d, &p.v.receipt.print)
	return true
}

// printCase prints a slip of one case.
func (p *visitPresenter) printCase(c kiosk.Case) {
	snap := p.snap
	if snap.Resident == nil || p.opts.Receipts == nil {
		return
	}
	if err := p.m.BeginPrint(); err != nil {
		return
	}
	d := kiosk.ReceiptData{
		Center: p.opts.CenterName, TerminalID: p.opts.TerminalID,
		ItemCode: c.ItemCode, ItemName: c.ItemName,
		Applicant: snap.Resident.Name, ApplicantID: snap.Resident.IDNumber,
		LocalNo: c.CaseNo, CaseNo: c.CaseNo, ConfirmedAt: c.SubmittedAt, DueDate: c.DueDate,
		HowToFollow: p.cat.T(Chinese, "receipt.follow") + " " + p.cat.T(English, "receipt.follow"),
		QRPayload:   c.TrackURL,
		// A status slip, not an acceptance receipt: the case's own status.
		CaseStatus: c.Status, CaseResult: c.Result, StatusAsOf: p.clk.Now(),
	}
	if d.QRPayload == "" { // no allowed track_url: the case number
		d.QRPayload = c.CaseNo
	}
	if c.Status == kiosk.StatusNeedsMore {
		// What to bring and where, on paper, as 我的办件 shows it.
		if note, dept := needsMoreNote(c); note != "" {
			d.CaseBring = note
			d.CaseWhere = p.cat.T(Chinese, "slip.where", p.opts.CenterName)
			if dept != "" {
				d.CaseWhere += "（" + dept + "）"
			}
			d.CaseWhere += " " + p.cat.T(English, "slip.where", "the centre")
		}
	}
	p.print(d, &p.v.slip)
}

// print sends d to the printer off the UI goroutine, keeps how it went in
// ld (its val counts the prints) and tells the visit machine when it is
// done.
func (p *visitPresenter) print(d kiosk.ReceiptData, ld *load[int]) {
	rs := p.opts.Receipts
	v := p.v
	ld.start()
	p.jobs.run(func(ctx context.Context) func() {
		err := rs.Print(ctx, d)
		return func() {
			ld.done(ld.val+1, err, p.clk.Now())
			if err == nil {
				v.printed++
			}
			_ = p.m.PrintFinished(err)
			p.redraw()
		}
	})
}

// autoPrint prints the receipt once when the outcome is first shown. When
// the visit was ended while the submission was in flight (the card taken
// away, 结束办理 tapped), the end waits for that receipt, or goes ahead at
// once if there is none to print.
func (p *visitPresenter) autoPrint(prev, s visit.Snapshot) {
	if s.State == visit.StateOutcome && prev.State == visit.StateSubmitting && p.v.receipt.print.idle() {
		if !p.startReceipt() && s.EndPending != visit.EndNone {
			p.m.SkipReceipt()
		}
	}
}
