package terminal

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/pudong-community/kiosk/devices/idcard"
	"github.com/pudong-community/kiosk/devices/sim/sammodule"
	"github.com/pudong-community/kiosk/devices/sim/thermal"
	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/config"
	"github.com/pudong-community/kiosk/kiosk/intake/intakesim"
	"github.com/pudong-community/kiosk/kiosk/logfile"
	"github.com/pudong-community/kiosk/kiosk/outbox/e2e"
	"github.com/pudong-community/kiosk/kiosk/visit"
)

// leakRig is one running terminal of FuzzVisitLeaksNothing's, shared by
// every input a process runs: the development intake server (its
// heartbeats captured), the card reader and printer emulators (not with
// -short: they talk over pseudo-terminals), the log written by the
// production constructor (logfile.New) into the file the bundle takes.
type leakRig struct {
	term    *Terminal
	sim     *intakesim.Server
	module  *sammodule.Module // nil with -short
	printer *thermal.Printer  // nil with -short
	cards   chan kiosk.Event  // CardPresented, CardFailed
	logPath string
	hbMu    sync.Mutex
	hbs     []string
	// baseline is everything the fixed visit (defaultLeakData) left in the
	// log, the bundle, the heartbeats and the trail: text that occurs there
	// with any personal data. A fuzzed value found in it is not evidence of
	// a leak (a name "上海", an address "中心") and is not looked for.
	baseline string
}

// leakData is the personal data of one scripted visit.
type leakData struct {
	resident, agent kiosk.Person
	foreign         bool // the resident's card is an old foreign permanent card (15 characters)
	authRef         string
	phone           string
	field           string // a free-text form value
	damage          []byte // written over the resident's card text at damageAt: a card the reader cannot decode
	damageAt        int
	idForm          string // the resident's number as typed into an ID field: spaced, dashed or full-width
}

// Fuzz inputs: names, digits for the numbers, an address, a form value.
type leakInput struct {
	resName, agentName, resDigits, agentDigits           string
	foreign                                              bool
	nationality, address, phoneDigits, authDigits, field string
	form                                                 uint8
	damage                                               []byte
	damageAt                                             uint8
}

// FuzzVisitLeaksNothing feeds fuzzed personal data through every logging
// path of a scripted visit and fails if any of it appears unmasked in the
// log, the diagnostics bundle, a heartbeat or an audit event: the cards
// read by the reader (and a damaged one it refuses), an agent with an
// authorisation reference, "my cases", a submission sent and one refused
// (422), parked and discarded with a reason that holds the number as
// typed, a ticket with its holder, a booking with a phone number and its
// cancellation, a rating, a call for staff, a receipt printed. With -short
// the emulators are left out (no pseudo-terminals): the cards go to the
// visit machine as read and the printer is missing, so its error path is
// logged instead.
//
// Each input runs a whole visit (a few a second); the terminal's
// background loops make coverage vary from run to run, so most inputs
// count as new. The seeds take about a second.
func FuzzVisitLeaksNothing(f *testing.F) {
	// The bypasses: names under other keys, inside messages, rare
	// characters; numbers with spaces, dashes, full-width digits; []byte
	// values (the card's raw fields); old foreign numbers.
	f.Add("王建国", "李明辉", "11519850312453", "10419520817002", false, "", "上海市浦东新区世纪大道100号", "13800138000", "310101199001011234", "申请说明", uint8(0), []byte("a\x00b\x00"), uint8(36))
	f.Add("刘䶮", "Anna Maria", "99999999999999999", "00000000000000000", false, "", "Room 5, 88 Zhangyang Road", "13912345678", "000000000000000001", "请联系 张三丰 电话 139 1234 5678", uint8(1), []byte{0xff, 0xfe, 0x00, 0xd8}, uint8(0))
	f.Add("史密斯", "MUELLER-SCHMIDT", "123456789012", "5555", true, "USA", "上海市黄浦区南京东路300弄8号", "15000000000", "123456789012345678", "ＩＤ　３１０１１５１９８５０３１２４５３１", uint8(2), []byte("\x00\x00"), uint8(122))
	f.Add("阿依古丽·买买提", "欧阳娜娜娜", "31011520000229", "31011519991231", false, "", "新疆乌鲁木齐市天山区解放南路1号", "18612345678", "441900200001010000", "身份证 310115-19850312-4531", uint8(3), []byte("X"), uint8(32))
	f.Add("Zhang Wei", "O'Brien", "81000019900704", "1", true, "DEU", "10 Downing Street", "17700001111", "98765432109876543", "x", uint8(1), []byte(nil), uint8(0))
	rig := newLeakRig(f)
	f.Fuzz(func(t *testing.T, resName, agentName, resDigits, agentDigits string, foreign bool, nationality, address, phoneDigits, authDigits, field string, form uint8, damage []byte, damageAt uint8) {
		d := makeLeakData(leakInput{resName, agentName, resDigits, agentDigits, foreign, nationality, address, phoneDigits, authDigits, field, form, damage, damageAt})
		text, where := rig.visit(t, d)
		rig.check(t, d, text, where)
	})
}

// makeLeakData turns fuzz input into valid personal data: GB 11643 numbers
// built from the fuzzed digits, names and an address of printable BMP
// characters (what a card holds), a mainland mobile number.
func makeLeakData(in leakInput) leakData {
	idOf := func(s, fill string) string {
		ds := digits(s, 17, fill)
		return ds + string(kiosk.IDCheckChar(ds))
	}
	d := leakData{
		resident: kiosk.Person{IDNumber: idOf(in.resDigits, "31011519850312453"), Name: cardText(in.resName, 15, "王小明"), CardType: kiosk.CardResident,
			Address: cardText(in.address, 35, "上海市浦东新区世纪大道100号")},
		agent:   kiosk.Person{IDNumber: idOf(in.agentDigits, "31010419520817002"), Name: cardText(in.agentName, 15, "李四"), CardType: kiosk.CardResident},
		authRef: digits(in.authDigits, 18, "310101199001011234"),
		phone:   "1" + string(rune('3'+digitAt(in.phoneDigits, 0)%7)) + digits(in.phoneDigits, 9, "800138000"),
		field:   cardText(in.field, 20, "申请说明"),
		damage:  in.damage, damageAt: int(in.damageAt),
	}
	if in.foreign {
		nat := []byte("USA")
		for i := 0; i < 3 && i < len(in.nationality); i++ {
			nat[i] = 'A' + in.nationality[i]%26
		}
		d.foreign = true
		d.resident.CardType = kiosk.CardForeignPermanent
		d.resident.IDNumber = string(nat) + digits(in.resDigits, 12, "110081020013")
		d.resident.Address = ""
	}
	id := d.resident.IDNumber
	switch in.form % 4 {
	case 0:
		d.idForm = id
	case 1:
		d.idForm = strings.Join(strings.Split(id, ""), " ")
	case 2:
		d.idForm = id[:6] + "-" + id[6:14] + "-" + id[14:]
	default:
		d.idForm = fullWidth(id)
	}
	return d
}

// digits are n decimal digits from the bytes of s, the rest from fill.
func digits(s string, n int, fill string) string {
	b := []byte(fill[:n])
	for i := 0; i < n && i < len(s); i++ {
		b[i] = '0' + s[i]%10
	}
	return string(b)
}

func digitAt(s string, i int) int {
	if i < len(s) {
		return int(s[i] % 10)
	}
	return 5
}

// cardText is s cut to max printable characters of the Basic Multilingual
// Plane (a card's UCS-2 fields hold no others), spaces folded, or def when
// nothing is left.
func cardText(s string, max int, def string) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == max {
			break
		}
		if r == utf8.RuneError || r > 0xFFFF || !unicode.IsPrint(r) || (r >= 0xE000 && r <= 0xF8FF) {
			continue
		}
		b.WriteRune(r)
		n++
	}
	out := strings.Join(strings.Fields(b.String()), " ")
	if out == "" {
		return def
	}
	return out
}

func fullWidth(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '!' && r <= '~' {
			r += 0xFEE0
		}
		b.WriteRune(r)
	}
	return b.String()
}

func newLeakRig(f *testing.F) *leakRig {
	ctx, cancel := context.WithCancel(context.Background())
	f.Cleanup(cancel)
	dir := f.TempDir()
	rig := &leakRig{cards: make(chan kiosk.Event, 4), logPath: filepath.Join(dir, "log", "kiosk.log")}
	if err := os.MkdirAll(filepath.Dir(rig.logPath), 0o750); err != nil {
		f.Fatal(err)
	}
	sim, err := intakesim.New(intakesim.Options{DataDir: f.TempDir(), Terminals: map[string]string{maintTestTerminal: maintTestToken}})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { sim.Close() })
	if err := sim.SetCenterMode(intakesim.ModeOpen); err != nil {
		f.Fatal(err)
	}
	rig.sim = sim
	h := sim.Handler()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/heartbeat") {
			body, _ := io.ReadAll(r.Body)
			rig.hbMu.Lock()
			rig.hbs = append(rig.hbs, string(body))
			rig.hbMu.Unlock()
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		h.ServeHTTP(w, r)
	}))
	f.Cleanup(api.Close)

	cfg := config.Default()
	cfg.Terminal.ID, cfg.Terminal.DataDir = maintTestTerminal, dir
	cfg.API.BaseURL, cfg.API.Token = api.URL, maintTestToken
	cfg.Log.File, cfg.Log.Level = rig.logPath, "debug"
	cfg.IDCard.Port = filepath.Join(dir, "no-reader")
	cfg.Printer.Port = filepath.Join(dir, "no-printer")
	if !testing.Short() { // the emulators talk over pseudo-terminals
		rig.module = sammodule.New(sammodule.Options{})
		pty, err := rig.module.ServePTY(ctx, filepath.Join(dir, "kiosk-idcard"))
		if err != nil {
			f.Fatal(err)
		}
		f.Cleanup(func() { pty.Close() })
		cfg.IDCard.Port, cfg.IDCard.PollInterval = pty.Link(), config.Duration{Duration: 20 * time.Millisecond}
		rig.printer, err = thermal.New(thermal.Options{})
		if err != nil {
			f.Fatal(err)
		}
		pctx, pcancel := context.WithCancel(context.Background())
		path, done, err := rig.printer.ServePTY(pctx)
		if err != nil {
			f.Fatal(err)
		}
		f.Cleanup(func() { pcancel(); <-done })
		cfg.Printer.Port, cfg.Printer.Baud = path, 115200
	}
	// The production logger: what cmd/kiosk builds from cfg.Log.
	logger, closeLog, err := logfile.New(logfile.Options{File: cfg.Log.File, MaxSizeMB: 64, Level: cfg.Log.Level})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { closeLog() })
	term, err := Open(ctx, cfg, Deps{Logger: logger, Version: "test"})
	if err != nil {
		f.Fatal(err)
	}
	rig.term = term
	events := term.Events()
	ran := make(chan error, 1)
	go func() { ran <- term.Run(ctx) }()
	go func() {
		for ev := range events {
			switch ev.(type) {
			case kiosk.CardPresented, kiosk.CardFailed:
				rig.cards <- ev
			}
		}
	}()
	f.Cleanup(func() {
		cancel()
		if err := <-ran; err != nil {
			f.Errorf("Run: %v", err)
		}
		term.Close()
	})
	if rig.module != nil {
		waitFor(f, 30*time.Second, "both devices ok", func() bool {
			snap := term.health.Snapshot()
			for _, d := range []string{kiosk.DeviceIDCard, kiosk.DevicePrinter} {
				if h, ok := snap.Device(d); !ok || h.State != kiosk.StateOK {
					return false
				}
			}
			return true
		})
	}
	// The fixed visit: its own data must not leak either, and what it
	// leaves is the text any visit leaves.
	base := makeLeakData(leakInput{})
	text, where := rig.visit(f, base)
	rig.check(f, base, text, where)
	rig.baseline = strings.Join(append(text, readFrom(f, rig.logPath, 0)), "\n")
	return rig
}

// visit runs one scripted visit with d and returns every text a person's
// data could leak into: the log written meanwhile, each file of a
// diagnostics bundle exported after it, the heartbeats received meanwhile,
// the audit events recorded meanwhile (subject and detail); where names
// each.
func (rig *leakRig) visit(t testing.TB, d leakData) (text, where []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	term, be, m := rig.term, rig.term.Backend(), rig.term.maintService()
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	logStart := fileSize(rig.logPath)
	rig.hbMu.Lock()
	hbStart := len(rig.hbs)
	rig.hbMu.Unlock()
	trailStart, err := term.Trail().Latest(ctx, 1)
	must("trail", err)
	var lastSeq int64
	if len(trailStart) > 0 {
		lastSeq = trailStart[len(trailStart)-1].Seq
	}

	// The cards, read by the reader (its raw fields, the identity, the
	// screens' event), else handed to the visit machine as read.
	readCard := func(p kiosk.Person, foreign, damaged bool) kiosk.Person {
		if rig.module == nil {
			return p
		}
		key := "resident"
		if foreign {
			key = "foreign-old"
		}
		c, _ := sammodule.Sample(key)
		id, err := c.Identity()
		must("sample card", err)
		id.Name, id.IDNumber = p.Name, p.IDNumber
		if foreign {
			id.NameEN, id.Nationality = strings.ToUpper(p.Name), p.IDNumber[:3]
		} else {
			id.Address = p.Address
		}
		if damaged {
			text, err := idcard.EncodeText(id)
			must("encode card", err)
			copy(text[d.damageAt%len(text):], d.damage)
			rig.module.PlaceRaw(key, text, id.Photo, nil)
		} else {
			must("place card", rig.module.PlaceIdentity(key, id))
		}
		defer func() {
			rig.module.Remove()
			waitFor(t, 10*time.Second, "the card removed", func() bool { _, on := rig.module.Present(); return !on })
		}()
		select {
		case ev := <-rig.cards:
			if c, ok := ev.(kiosk.CardPresented); ok {
				return c.Person
			}
			if !damaged {
				t.Fatalf("the card of %s failed: %+v", idcard.MaskID(p.IDNumber), ev)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("the card of %s was not read", idcard.MaskID(p.IDNumber))
		}
		return p
	}
	if len(d.damage) > 0 {
		readCard(d.resident, d.foreign, true) // read or refused, logged either way
	}
	agent := readCard(d.agent, false, false)
	resident := readCard(d.resident, d.foreign, false)

	cat := rig.sim.Catalog()
	mach, err := visit.New(visit.Config{OnChange: term.VisitAudit()})
	must("machine", err)
	must("start agent", mach.StartAgent())
	must("agent's card", mach.CardRead(agent))
	must("resident's card", mach.CardRead(resident))
	must("authorisation", mach.SetAuthorisation(d.authRef, "子女"))
	be.Cases(ctx, resident) // refused: an agent
	_, _, err = be.Cases(ctx, agent)
	must("the agent's cases", err)
	var item kiosk.Item
	for _, it := range e2e.SelfService(cat) {
		if it.AgentAllowed && (!d.foreign || it.Eligibility == nil) {
			item = it
			break
		}
	}
	if item.Code == "" {
		t.Fatal("no self-service item an agent may apply for")
	}
	must("apply", mach.StartApplication(item))
	for _, fl := range item.Fields {
		v := e2e.MakeSubmission(maintTestTerminal, cat.Version, item, 1).Fields[fl.Key]
		switch fl.Type {
		case kiosk.FieldText:
			v = d.field
			if fl.MaxLen > 0 && utf8.RuneCountInString(v) > fl.MaxLen {
				v = string([]rune(v)[:fl.MaxLen])
			}
		case kiosk.FieldPhone:
			v = d.phone
		case kiosk.FieldIDNumber:
			v = d.idForm
		}
		if err := mach.SetField(fl.Key, v); err != nil { // logged nowhere; the typed form is refused
			must("field "+fl.Key, mach.SetField(fl.Key, e2e.MakeSubmission(maintTestTerminal, cat.Version, item, 1).Fields[fl.Key]))
		}
	}
	must("review", mach.Review())
	sub, err := mach.Confirm()
	must("confirm", err)
	sub.TerminalID, sub.CatalogVersion = maintTestTerminal, cat.Version
	out, err := be.Submit(ctx, sub)
	must("submit", err)
	if out.Accepted == nil {
		t.Fatalf("submission not accepted at once: %+v", out)
	}
	must("submit finished", mach.SubmitFinished(sub.ID, visit.Outcome{Status: visit.OutcomeSent, CaseNo: out.Accepted.CaseNo}))
	must("begin print", mach.BeginPrint())
	perr := term.Receipts().Print(ctx, kiosk.ReceiptData{Center: term.cfg.Terminal.CenterName, TerminalID: maintTestTerminal, ItemCode: item.Code, ItemName: item.Name,
		Applicant: resident.Name, ApplicantID: resident.IDNumber, Agent: agent.Name, AgentID: agent.IDNumber, AuthRef: d.authRef,
		LocalNo: out.LocalNo, CaseNo: out.Accepted.CaseNo, ConfirmedAt: time.Now(), AcceptedAt: out.Accepted.AcceptedAt, QRPayload: out.LocalNo})
	if rig.printer != nil {
		must("print", perr)
		select {
		case <-rig.printer.Receipts():
		case <-time.After(20 * time.Second):
			t.Fatal("no receipt at the printer")
		}
	}
	mach.PrintFinished(perr)
	mach.Finish()

	// One the central system refuses (422): parked.
	bad := sub
	bad.ID, bad.ItemCode = kiosk.NewSubmissionID(), "NO-SUCH-ITEM"
	bad.Fields = maps.Clone(sub.Fields)
	for _, fl := range item.Fields {
		if fl.Type == kiosk.FieldText { // unchecked on this path: the number as typed
			bad.Fields[fl.Key] = d.field + " " + d.idForm
		}
	}
	bad.Fields["remark"] = d.idForm + " " + d.phone
	_, err = term.Outbox().Enqueue(ctx, bad)
	must("enqueue", err)
	_, err = m.SendNow(ctx)
	must("send now", err)
	waitFor(t, 30*time.Second, "the refused submission parked", func() bool {
		ps, err := m.Parked(ctx)
		must("parked", err)
		return slices.ContainsFunc(ps, func(p kiosk.ParkedSubmission) bool { return p.ID == bad.ID })
	})

	// Staff discard it, with a reason that holds the number as typed.
	must("discard", m.DiscardParked(ctx, bad.ID, "居民撤回 "+d.idForm+" 电话 "+d.phone))

	// A ticket with its holder, a booking with a phone number and its
	// cancellation, a rating, a call for staff.
	counter := item.CounterCategory
	if counter == "" {
		counter = kiosk.CounterGeneral
	}
	tk, err := term.Center().TakeTicket(ctx, kiosk.TicketRequest{Category: counter, ItemCode: item.Code, Reason: kiosk.TicketForwardedItem, Holder: &resident})
	must("ticket", err)
	slots, err := term.Appointments().Slots(ctx, counter, time.Now(), time.Now().AddDate(0, 0, 13))
	must("slots", err)
	var slot kiosk.Slot
	for _, sl := range slots {
		if sl.Remaining > 0 {
			slot = sl
			break
		}
	}
	if slot.ID == "" {
		t.Fatalf("no free slot of %s in %d", counter, len(slots))
	}
	appt, err := term.Appointments().Book(ctx, kiosk.AppointmentRequest{SlotID: slot.ID, ItemCode: item.Code, Applicant: resident, Phone: d.phone})
	must("book", err)
	must("cancel", term.Appointments().Cancel(ctx, appt.No, resident))
	must("rate", term.Ratings().Rate(ctx, kiosk.Rating{Service: kiosk.RateTicket, TicketNo: tk.TicketNo, Level: 4}))
	term.Assistance().CallStaff(ctx, "home", kiosk.AssistResident)

	// A heartbeat now, after all of it.
	term.relay.DeviceChanged()
	waitFor(t, 30*time.Second, "a heartbeat", func() bool {
		rig.hbMu.Lock()
		defer rig.hbMu.Unlock()
		return len(rig.hbs) > hbStart
	})
	// The audit events of the visit, once written.
	var evs []kiosk.AuditEvent
	waitFor(t, 30*time.Second, "the visit's audit events", func() bool {
		all, err := term.Trail().Latest(ctx, 1<<12)
		must("trail", err)
		evs = evs[:0]
		for _, ev := range all {
			if ev.Seq > lastSeq {
				evs = append(evs, ev)
			}
		}
		return slices.ContainsFunc(evs, func(ev kiosk.AuditEvent) bool { return ev.Kind == "staff_called" })
	})

	dir := t.TempDir()
	path, err := m.ExportBundle(ctx, dir)
	must("bundle", err)
	for name, data := range readBundle(t, path) {
		text, where = append(text, data), append(where, "bundle "+name)
	}
	text, where = append(text, readFrom(t, rig.logPath, logStart)), append(where, "log")
	rig.hbMu.Lock()
	for i, hb := range rig.hbs[hbStart:] {
		text, where = append(text, hb), append(where, "heartbeat "+string(rune('0'+i%10)))
	}
	rig.hbMu.Unlock()
	for _, ev := range evs {
		text, where = append(text, ev.Subject+"\n"+ev.Detail), append(where, "audit "+ev.Kind)
	}
	return text, where
}

// check fails t if any of d's personal data is in one of the texts.
func (rig *leakRig) check(t testing.TB, d leakData, text, where []string) {
	t.Helper()
	// Numbers are looked for after NFKC, with spaces and dashes between
	// their characters dropped: in plain, spaced, dashed and full-width
	// forms alike.
	numbers := map[string]string{"resident's ID number": d.resident.IDNumber, "agent's ID number": d.agent.IDNumber,
		"authorisation reference": d.authRef, "phone number": d.phone}
	// Words are looked for as they are (and after NFKC), unless they are
	// too short to mean anything or occur in what the fixed visit left.
	words := map[string]string{"resident's name": d.resident.Name, "agent's name": d.agent.Name, "address": d.resident.Address, "form value": d.field}
	for i, s := range text {
		flat := squeeze(norm.NFKC.String(s))
		for what, n := range numbers {
			if strings.Contains(flat, n) {
				t.Errorf("%s %s in the %s: %q", what, kiosk.MaskID(n), where[i], around(flat, n))
			}
		}
		nfkc := norm.NFKC.String(s)
		for what, w := range words {
			if !rig.meaningful(w) {
				continue
			}
			for _, form := range []string{w, norm.NFKC.String(w)} {
				if strings.Contains(s, form) || strings.Contains(nfkc, form) {
					t.Errorf("%s %q in the %s: %q", what, w, where[i], around(nfkc, form))
					break
				}
			}
		}
	}
}

// meaningful reports whether a word's presence in a text shows a leak: at
// least two characters, one of them a letter, and not in the text any
// visit leaves (the baseline), nor in fixed words of the log format.
func (rig *leakRig) meaningful(w string) bool {
	w = strings.TrimSpace(w)
	if utf8.RuneCountInString(w) < 2 || !strings.ContainsFunc(w, unicode.IsLetter) {
		return false
	}
	if isASCII(w) && len(w) < 4 { // "id", "ok", "at" are everywhere
		return false
	}
	for _, form := range []string{w, norm.NFKC.String(w)} {
		if rig.baseline != "" && strings.Contains(rig.baseline, form) {
			return false
		}
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// squeeze drops spaces and dashes that stand between two digits or
// letters, so that "3101 1519-85" reads "3101151985".
func squeeze(s string) string {
	r := []rune(s)
	var b strings.Builder
	for i, c := range r {
		if (c == ' ' || c == '-' || c == '\u00a0') && i > 0 && i+1 < len(r) && isAlnum(r[i-1]) && isAlnum(r[i+1]) {
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

func isAlnum(r rune) bool { return r < 0x80 && (unicode.IsDigit(r) || unicode.IsLetter(r)) }

// around is the context of the first sub in s, for the failure message.
func around(s, sub string) string {
	i := strings.Index(s, sub)
	if i < 0 {
		return ""
	}
	from, to := max(0, i-80), min(len(s), i+len(sub)+80)
	for from > 0 && !utf8.RuneStart(s[from]) {
		from--
	}
	for to < len(s) && !utf8.RuneStart(s[to]) {
		to++
	}
	return s[from:to]
}

func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}

// readFrom is the file at path from offset on.
func readFrom(t testing.TB, path string, offset int64) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// readBundle is every file of the bundle at path, by name.
func readBundle(t testing.TB, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	out := map[string]string{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out[h.Name] = string(data)
	}
	if len(out) == 0 {
		t.Fatal("an empty bundle")
	}
	return out
}

// errRecorder records what check reports instead of failing.
type errRecorder struct {
	testing.TB
	errs []string
}

func (r *errRecorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// TestLeakOracle shows that FuzzVisitLeaksNothing's check can fail: each
// personal value, in each form it could take, is found; masked forms and
// a baseline word are not.
func TestLeakOracle(t *testing.T) {
	d := makeLeakData(leakInput{resName: "欧阳娜娜", agentName: "Anna Maria", address: "新疆乌鲁木齐市天山区解放南路1号", field: "请联系我", form: 1})
	id := d.resident.IDNumber
	leaks := map[string]string{
		"plain ID":        `{"msg":"read","note":"` + id + `"}`,
		"spaced ID":       "id " + strings.Join(strings.Split(id, ""), " "),
		"dashed ID":       "id " + id[:6] + "-" + id[6:14] + "-" + id[14:],
		"full-width ID":   "id " + fullWidth(id),
		"agent's ID":      "agent=" + d.agent.IDNumber,
		"auth reference":  "ref " + d.authRef,
		"phone":           "tel " + d.phone[:3] + "-" + d.phone[3:],
		"spaced phone":    strings.Join(strings.Split(d.phone, ""), " "),
		"resident's name": "applicant 欧阳娜娜 arrived",
		"agent's name":    "agent Anna Maria",
		"address":         "from 新疆乌鲁木齐市天山区解放南路1号",
		"form value":      "fields: 请联系我",
	}
	for what, text := range leaks {
		r := &errRecorder{TB: t}
		(&leakRig{}).check(r, d, []string{text}, []string{what})
		if len(r.errs) == 0 {
			t.Errorf("%s not found in %q", what, text)
		}
	}
	clean := []string{kiosk.MaskID(id) + " " + kiosk.MaskID(d.agent.IDNumber) + " " + kiosk.MaskID(d.authRef) + " 欧* A*** 138****8000", "2026-12-05T04:12:21Z"}
	r := &errRecorder{TB: t}
	(&leakRig{}).check(r, d, clean, []string{"clean", "clean"})
	if len(r.errs) != 0 {
		t.Errorf("masked forms reported: %v", r.errs)
	}
	// A name that every visit's text holds is not looked for.
	d.agent.Name = "outbox"
	r = &errRecorder{TB: t}
	(&leakRig{baseline: `"component":"outbox"`}).check(r, d, []string{`"component":"outbox"`}, []string{"log"})
	if len(r.errs) != 0 {
		t.Errorf("a baseline word reported: %v", r.errs)
	}
}
