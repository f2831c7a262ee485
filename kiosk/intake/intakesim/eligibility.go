package intakesim

import (
	"database/sql"
	"errors"
	"net/http"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
)

// Eligibility and duplicates (v1.1): an item's rule is checked again here;
// some items are held once for good (a card), so a completed case makes
// the person ineligible; and an open case of the same item refuses a second
// application, except for items asked for any number of times (statements
// printed on demand).

// onceOnly are the items a person holds once: a completed case means they
// already have it.
var onceOnly = map[string]string{
	"MZ-0101": "您已持有敬老卡，无需重复申领 / you already hold a senior citizen card",
	"TY-0601": "您已持有退役军人优待证，无需重复申领 / you already hold a veteran's preferential card",
}

// repeatable are the items a person may ask for again while an earlier
// request is open: statements printed on demand.
var repeatable = map[string]bool{"RS-0304": true, "YB-0402": true}

type rowQuerier interface {
	QueryRow(query string, args ...any) *sql.Row
}

// eligible checks the item's rule for p and whether p already holds what
// the item grants; a refusal is 422 not_eligible with the reason.
func (s *Server) eligible(tx rowQuerier, item kiosk.Item, p kiosk.Person, now time.Time) (*fail, error) {
	if p.BirthDate == "" {
		p.BirthDate = personFromID(p.IDNumber, p.Name).BirthDate
	}
	if e := item.Eligibility; e != nil && !e.Allows(p, now.In(shanghai)) {
		msg := "不符合申请条件 / not eligible"
		if e.Note != "" {
			msg = "本事项仅限" + e.Note + "申请 / only for " + e.NoteEn
		}
		return refuse(http.StatusUnprocessableEntity, "not_eligible", msg), nil
	}
	if why, ok := onceOnly[item.Code]; ok {
		var n int
		if err := tx.QueryRow("SELECT count(*) FROM cases WHERE id_number = ? AND item_code = ? AND status = 'completed'",
			p.IDNumber, item.Code).Scan(&n); err != nil {
			return nil, err
		}
		if n > 0 {
			return refuse(http.StatusUnprocessableEntity, "not_eligible", why), nil
		}
	}
	return nil, nil
}

// openCase returns the person's open case of the item, if any: one not
// completed or rejected, nor due to have completed by now on its plan.
func (s *Server) openCase(tx rowQuerier, idNumber string, item kiosk.Item, now time.Time) (string, bool, error) {
	if repeatable[item.Code] {
		return "", false, nil
	}
	var no, sub string
	var auto, limit int
	err := tx.QueryRow(`SELECT case_no, submitted_at, auto_advance, time_limit_days FROM cases
		WHERE id_number = ? AND item_code = ? AND status NOT IN ('completed', 'rejected')
		ORDER BY submitted_at DESC LIMIT 1`, idNumber, item.Code).Scan(&no, &sub, &auto, &limit)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	if auto == 1 {
		if at, err := time.Parse(time.RFC3339, sub); err == nil {
			if _, done := s.progress(at, limit); !now.Before(done) {
				return "", false, nil // completed on its plan; the next look-up records it
			}
		}
	}
	return no, true, nil
}

// itemCounter is the counter category that handles an item.
func itemCounter(it kiosk.Item) string {
	if it.CounterCategory == "" {
		return kiosk.CounterGeneral
	}
	return it.CounterCategory
}
