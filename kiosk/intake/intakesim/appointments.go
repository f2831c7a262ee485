package intakesim

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
)

// Appointment slots: 30 minutes each within the centre's hours, today and
// the next 13 days, the closed days excluded, for each counter category
// (Monday to Friday only for the weekday counters). A slot takes the
// category's Capacity bookings; some are taken by bookings made elsewhere
// (deterministic from the slot), and the third day from the server's start
// is booked out, so that the calendar shows a full day.

const slotLen = 30 * time.Minute

// slotID is "<letter>-<yyyymmdd>-<hhmm>".
func slotID(c counterDef, start time.Time) string {
	return c.Letter + "-" + start.In(shanghai).Format("20060102-1504")
}

func (s *Server) parseSlot(id string) (counterDef, time.Time, bool) {
	letter, rest, ok := strings.Cut(id, "-")
	if !ok {
		return counterDef{}, time.Time{}, false
	}
	c, ok := counterByLetter(letter)
	if !ok {
		return counterDef{}, time.Time{}, false
	}
	start, err := time.ParseInLocation("20060102-1504", rest, shanghai)
	if err != nil || slotID(c, start) != id {
		return counterDef{}, time.Time{}, false
	}
	o, cl, open := s.span(start)
	if !open || start.Before(o) || start.Add(slotLen).After(cl) || start.Sub(o)%slotLen != 0 || (c.Weekdays && weekend(start)) {
		return counterDef{}, time.Time{}, false
	}
	return c, start, true
}

// elsewhere is how many of a slot's places were booked by other channels.
func (s *Server) elsewhere(c counterDef, start time.Time) int {
	if dayOf(start).Equal(dayOf(s.started).AddDate(0, 0, 2)) {
		return c.Capacity
	}
	if unit(slotID(c, start), "elsewhere") < 0.3 {
		return c.Capacity - 1
	}
	return 0
}

func (s *Server) remaining(q interface {
	QueryRow(string, ...any) *sql.Row
}, c counterDef, start time.Time) (int, error) {
	var n int
	if err := q.QueryRow("SELECT count(*) FROM appointments WHERE slot_id = ? AND status = 'booked'", slotID(c, start)).Scan(&n); err != nil {
		return 0, err
	}
	return max(c.Capacity-s.elsewhere(c, start)-n, 0), nil
}

// slots lists the category's slots that start after now on days from..to
// (inside the booking window), with their remaining places.
func (s *Server) slots(tx *sql.Tx, c counterDef, from, to, now time.Time) ([]kiosk.Slot, error) {
	first, last := dayOf(now), dayOf(now).AddDate(0, 0, SlotDays-1)
	if from.After(first) {
		first = dayOf(from)
	}
	if to.Before(last) {
		last = dayOf(to)
	}
	out := []kiosk.Slot{}
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		o, cl, ok := s.span(d)
		if !ok || (c.Weekdays && weekend(d)) {
			continue
		}
		for st := o; !st.Add(slotLen).After(cl); st = st.Add(slotLen) {
			if !st.After(now) {
				continue
			}
			n, err := s.remaining(tx, c, st)
			if err != nil {
				return nil, err
			}
			out = append(out, kiosk.Slot{ID: slotID(c, st), Start: st, End: st.Add(slotLen), Remaining: n})
		}
	}
	return out, nil
}

func (s *Server) handleSlots(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.authenticate(w, r); !ok {
		return
	}
	q := r.URL.Query()
	var fe []intakeFieldError
	c, known := counterFor(q.Get("category"))
	if !known {
		fe = append(fe, intakeFieldError{Field: "category", Code: "unknown_category", Message: "没有这个窗口类别 / no such counter category"})
	}
	from, err1 := time.ParseInLocation(kiosk.DateLayout, q.Get("from"), shanghai)
	to, err2 := time.ParseInLocation(kiosk.DateLayout, q.Get("to"), shanghai)
	switch {
	case err1 != nil:
		fe = append(fe, intakeFieldError{Field: "from", Code: "invalid_date", Message: "日期格式应为 YYYY-MM-DD / date must be YYYY-MM-DD"})
	case err2 != nil:
		fe = append(fe, intakeFieldError{Field: "to", Code: "invalid_date", Message: "日期格式应为 YYYY-MM-DD / date must be YYYY-MM-DD"})
	case to.Before(from) || to.Sub(from) >= 31*24*time.Hour:
		fe = append(fe, intakeFieldError{Field: "to", Code: "out_of_range", Message: "查询范围须在31天以内 / at most 31 days, from before to"})
	}
	if len(fe) > 0 {
		s.stats.rejected.Add(1)
		writeError(w, r, http.StatusUnprocessableEntity, "validation_failed", "查询条件有误 / bad query", fe)
		return
	}
	now := s.now().In(shanghai)
	var out []kiosk.Slot
	err := s.tx(r.Context(), func(tx *sql.Tx) (err error) {
		out, err = s.slots(tx, c, from, to, now)
		return err
	})
	if err != nil {
		s.internal(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"slots": out})
}

type bookBody struct {
	ID         string `json:"appointment_id"`
	TerminalID string `json:"terminal_id"`
	SlotID     string `json:"slot_id"`
	ItemCode   string `json:"item_code"`
	Applicant  struct {
		IDNumber string `json:"id_number"`
		Name     string `json:"name"`
		Phone    string `json:"phone"`
	} `json:"applicant"`
	Agent *kiosk.Agent `json:"agent"`
}

type appointmentJSON struct {
	No   string `json:"appointment_no"`
	Slot struct {
		Start time.Time `json:"start"`
		End   time.Time `json:"end"`
	} `json:"slot"`
	Category string `json:"category"`
	ItemCode string `json:"item_code"`
	Center   struct {
		Name    string `json:"name"`
		Address string `json:"address"`
	} `json:"center"`
	Status    string `json:"status"`
	StatusURL string `json:"status_url"`
}

func (s *Server) appointmentJSON(no, category, item, status string, start, end time.Time) appointmentJSON {
	var a appointmentJSON
	a.No, a.Category, a.ItemCode, a.Status = no, category, item, status
	a.Slot.Start, a.Slot.End = start.In(shanghai), end.In(shanghai)
	c := s.Center()
	a.Center.Name, a.Center.Address = c.Name, c.Address
	a.StatusURL = s.opts.TrackBaseURL + no
	return a
}

// personFromID is what the central system knows of a card holder from the
// number alone: the card type and, on an 18-character number, the birth
// date.
func personFromID(id, name string) kiosk.Person {
	p := kiosk.Person{IDNumber: id, Name: name, CardType: kiosk.CardResident}
	switch {
	case len(id) == 15:
		p.CardType = kiosk.CardForeignPermanent
	case strings.HasPrefix(id, "9"):
		p.CardType = kiosk.CardForeignPermanent
	case strings.HasPrefix(id, "81") || strings.HasPrefix(id, "82") || strings.HasPrefix(id, "83"):
		p.CardType = kiosk.CardHMTResidence
	}
	if len(id) == 18 {
		if t, err := time.Parse("20060102", id[6:14]); err == nil {
			p.BirthDate = t.Format(kiosk.DateLayout)
		}
	}
	return p
}

func (s *Server) handleBook(w http.ResponseWriter, r *http.Request) {
	s.createOnce(w, r, "appointments", "appointment_id", func(tx *sql.Tx, terminal string, body []byte, now time.Time) (any, *fail, error) {
		var b bookBody
		if f := strictMembers(body, &b); f != nil {
			return nil, f, nil
		}
		var fe []intakeFieldError
		add := func(field, code, msg string) {
			fe = append(fe, intakeFieldError{Field: field, Code: code, Message: msg})
		}
		if b.TerminalID != terminal {
			add("terminal_id", "mismatch", "终端号与请求头不符 / terminal_id does not match X-Terminal-Id")
		}
		item, found := s.Catalog().Item(b.ItemCode)
		if !found {
			add("item_code", "unknown_item", "没有这个事项 / no such item")
		}
		c, start, ok := s.parseSlot(b.SlotID)
		switch {
		case !ok:
			add("slot_id", "unknown_slot", "没有这个时段 / no such slot")
		case !start.After(now) || !start.Before(dayOf(now).AddDate(0, 0, SlotDays)):
			add("slot_id", "slot_unavailable", "该时段不可预约 / this slot cannot be booked now")
		case found && itemCounter(item) != c.Category:
			add("slot_id", "wrong_category", "该时段不办理此事项 / this slot's counter does not handle the item")
		}
		if !kiosk.ValidDocumentNumber(kiosk.CardForeignPermanent, b.Applicant.IDNumber) {
			add("applicant.id_number", "invalid_id_number", "证件号码校验位不符 / the ID number fails its check digit (GB 11643)")
		}
		if strings.TrimSpace(b.Applicant.Name) == "" {
			add("applicant.name", "required", "必填 / required")
		}
		if !phoneRe.MatchString(b.Applicant.Phone) {
			add("applicant.phone", "invalid_phone", "手机号码应为11位 / a mainland mobile number has 11 digits")
		}
		if b.Agent != nil {
			if found && !item.AgentAllowed {
				add("agent", "not_allowed", "该事项不可委托代理 / this item may not be booked by an agent")
			}
			checkPerson("agent", b.Agent.Person, now, add)
			if strings.TrimSpace(b.Agent.Relation) == "" {
				add("agent.relation", "required", "须填写与申请人的关系 / relation required")
			}
			if strings.TrimSpace(b.Agent.AuthorizationRef) == "" {
				add("agent.authorization_ref", "required", "须填写委托书编号 / authorisation reference required")
			}
		}
		if f := invalid(fe); f != nil {
			if !found {
				f.detail.Code = "unknown_item"
			}
			return nil, f, nil
		}
		applicant := personFromID(b.Applicant.IDNumber, b.Applicant.Name)
		if f, err := s.eligible(tx, item, applicant, now); err != nil || f != nil {
			return nil, f, err
		}
		day := start.Format(kiosk.DateLayout)
		var held string
		err := tx.QueryRow("SELECT appointment_no FROM appointments WHERE id_number = ? AND item_code = ? AND day = ? AND status = 'booked'",
			b.Applicant.IDNumber, item.Code, day).Scan(&held)
		switch {
		case err == nil:
			f := refuse(http.StatusConflict, "already_booked", fmt.Sprintf("您已预约%s当天办理%s（%s）/ you already hold a booking for this item on that day (%s)", day, item.Name, held, held))
			return nil, f, nil
		case !errors.Is(err, sql.ErrNoRows):
			return nil, nil, err
		}
		left, err := s.remaining(tx, c, start)
		if err != nil {
			return nil, nil, err
		}
		if left <= 0 {
			all, err := s.slots(tx, c, now, now.AddDate(0, 0, SlotDays), now)
			if err != nil {
				return nil, nil, err
			}
			var alts []kiosk.Slot
			for _, sl := range all {
				if sl.Remaining > 0 {
					alts = append(alts, sl)
				}
			}
			dist := func(t time.Time) time.Duration { d := t.Sub(start); return max(d, -d) }
			sort.SliceStable(alts, func(i, j int) bool { return dist(alts[i].Start) < dist(alts[j].Start) })
			if len(alts) > 3 {
				alts = alts[:3]
			}
			sort.Slice(alts, func(i, j int) bool { return alts[i].Start.Before(alts[j].Start) })
			f := refuse(http.StatusConflict, "slot_full", "该时段已约满，请选择其他时段 / this slot is full; please choose another")
			f.detail.Alternatives = alts
			if alts == nil {
				f.detail.Alternatives = []kiosk.Slot{}
			}
			return nil, f, nil
		}
		var n int64
		if err := tx.QueryRow(`INSERT INTO appointment_seq (day, n) VALUES (?, 1)
			ON CONFLICT (day) DO UPDATE SET n = n + 1 RETURNING n`, now.Format("20060102")).Scan(&n); err != nil {
			return nil, nil, err
		}
		no := fmt.Sprintf("AP%s-%04d", now.Format("20060102"), n)
		var agent []byte
		if b.Agent != nil {
			agent, _ = json.Marshal(b.Agent)
		}
		if _, err := tx.Exec(`INSERT INTO appointments (appointment_no, appointment_id, terminal_id, slot_id, category, item_code,
			start, end, day, id_number, name, phone, agent, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'booked', ?)`,
			no, b.ID, terminal, b.SlotID, c.Category, item.Code, start.Format(time.RFC3339), start.Add(slotLen).Format(time.RFC3339), day,
			b.Applicant.IDNumber, b.Applicant.Name, b.Applicant.Phone, agent, now.Format(time.RFC3339Nano)); err != nil {
			return nil, nil, err
		}
		s.log.Info("intakesim: appointment booked", "terminal", terminal, "appointment_no", no)
		return s.appointmentJSON(no, c.Category, item.Code, "booked", start, start.Add(slotLen)), nil, nil
	})
}

// person reads {id_number, name} (and more) from a body; both required.
func (s *Server) personQuery(w http.ResponseWriter, r *http.Request, v any, id, name func() string) bool {
	if _, ok := s.authenticate(w, r); !ok {
		return false
	}
	body, ok := s.readJSON(w, r)
	if !ok {
		return false
	}
	if f := strictMembers(body, v); f != nil {
		s.stats.rejected.Add(1)
		writeJSON(w, r, f.status, errorBody{f.detail})
		return false
	}
	var fe []intakeFieldError
	if id() == "" {
		fe = append(fe, intakeFieldError{Field: "id_number", Code: "required", Message: "必填 / required"})
	}
	if name() == "" {
		fe = append(fe, intakeFieldError{Field: "name", Code: "required", Message: "必填 / required"})
	}
	if len(fe) > 0 {
		s.stats.rejected.Add(1)
		writeError(w, r, http.StatusUnprocessableEntity, "validation_failed", "须提供证件号码和姓名 / id_number and name required", fe)
		return false
	}
	return true
}

func (s *Server) handleAppointmentsQuery(w http.ResponseWriter, r *http.Request) {
	var q struct {
		IDNumber string `json:"id_number"`
		Name     string `json:"name"`
	}
	if !s.personQuery(w, r, &q, func() string { return q.IDNumber }, func() string { return q.Name }) {
		return
	}
	now := s.now().In(shanghai)
	out := []appointmentJSON{}
	err := s.tx(r.Context(), func(tx *sql.Tx) error {
		rows, err := tx.Query(`SELECT appointment_no, category, item_code, status, start, end FROM appointments
			WHERE id_number = ? AND name = ? AND day >= ? AND status = 'booked' ORDER BY start, appointment_no`,
			q.IDNumber, q.Name, dayOf(now).Format(kiosk.DateLayout))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var no, cat, item, st, start, end string
			if err := rows.Scan(&no, &cat, &item, &st, &start, &end); err != nil {
				return err
			}
			a, _ := time.Parse(time.RFC3339, start)
			b, _ := time.Parse(time.RFC3339, end)
			out = append(out, s.appointmentJSON(no, cat, item, st, a, b))
		}
		return rows.Err()
	})
	if err != nil {
		s.internal(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"appointments": out})
}

func (s *Server) handleAppointmentsCancel(w http.ResponseWriter, r *http.Request) {
	var q struct {
		No       string `json:"appointment_no"`
		IDNumber string `json:"id_number"`
		Name     string `json:"name"`
	}
	if !s.personQuery(w, r, &q, func() string { return q.IDNumber }, func() string { return q.Name }) {
		return
	}
	now := s.now().In(shanghai)
	found := false
	err := s.tx(r.Context(), func(tx *sql.Tx) error {
		var st string
		err := tx.QueryRow("SELECT status FROM appointments WHERE appointment_no = ? AND id_number = ? AND name = ?",
			q.No, q.IDNumber, q.Name).Scan(&st)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		found = true
		if st == "booked" {
			_, err = tx.Exec("UPDATE appointments SET status = 'cancelled', cancelled_at = ? WHERE appointment_no = ?",
				now.Format(time.RFC3339Nano), q.No)
		}
		return err
	})
	switch {
	case err != nil:
		s.internal(w, r, err)
	case !found:
		s.stats.rejected.Add(1)
		writeError(w, r, http.StatusNotFound, "appointment_not_found", "没有此人的这个预约 / no such booking of this person", nil)
	default:
		writeJSON(w, r, http.StatusOK, map[string]string{"status": "cancelled"})
	}
}
