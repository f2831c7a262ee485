package intakesim

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pudong-community/kiosk/kiosk"
)

// Ratings (好差评, "一次一评") and calls for staff.

type ratingBody struct {
	ID            string     `json:"rating_id"`
	TerminalID    string     `json:"terminal_id"`
	At            *time.Time `json:"at"`
	Service       string     `json:"service"`
	CaseNo        string     `json:"case_no"`
	TicketNo      string     `json:"ticket_no"`
	AppointmentNo string     `json:"appointment_no"`
	ItemCode      string     `json:"item_code"`
	Level         int        `json:"level"`
	Reasons       []string   `json:"reasons"`
}

// personal are members a rating must never carry.
var personal = []string{"id_number", "name", "applicant", "holder", "phone"}

func (s *Server) handleRating(w http.ResponseWriter, r *http.Request) {
	s.createOnce(w, r, "ratings", "rating_id", func(tx *sql.Tx, terminal string, body []byte, now time.Time) (any, *fail, error) {
		var b ratingBody
		if f := strictMembers(body, &b); f != nil {
			return nil, f, nil
		}
		var raw map[string]json.RawMessage
		_ = json.Unmarshal(body, &raw)
		var fe []intakeFieldError
		add := func(field, code, msg string) {
			fe = append(fe, intakeFieldError{Field: field, Code: code, Message: msg})
		}
		for _, k := range personal {
			if _, ok := raw[k]; ok {
				add(k, "personal_data", "评价不得含个人信息 / a rating carries no personal data")
			}
		}
		if b.TerminalID != terminal {
			add("terminal_id", "mismatch", "终端号与请求头不符 / terminal_id does not match X-Terminal-Id")
		}
		if b.At == nil {
			add("at", "required", "必填 / required")
		}
		switch b.Service {
		case kiosk.RateSubmission, kiosk.RateCaseQuery, kiosk.RateTicket, kiosk.RateAppointment, kiosk.RateGuide:
		default:
			add("service", "invalid", "未知的服务类型 / unknown service")
		}
		if b.Level < 1 || b.Level > 5 {
			add("level", "out_of_range", "评价等级应为1至5 / level must be 1 to 5")
		}
		switch {
		case b.Level >= 1 && b.Level <= 2 && len(b.Reasons) == 0:
			add("reasons", "required", "不满意须选择原因 / a poor rating needs a reason")
		case b.Level > 2 && len(b.Reasons) > 0:
			add("reasons", "not_allowed", "满意评价不带原因 / only a poor rating carries reasons")
		}
		for i, c := range b.Reasons {
			known := false
			for _, k := range kiosk.RatingReasons {
				known = known || c == k
			}
			if !known {
				add("reasons["+itoa(i)+"]", "unknown_reason", "未知的原因代码 / unknown reason code")
			}
		}
		if b.ItemCode != "" {
			if _, ok := s.Catalog().Item(b.ItemCode); !ok {
				add("item_code", "unknown_item", "没有这个事项 / no such item")
			}
		}
		if f := invalid(fe); f != nil {
			return nil, f, nil
		}
		item := b.ItemCode
		if item == "" && b.CaseNo != "" { // 实名: the case names the item (and its person)
			_ = tx.QueryRow("SELECT item_code FROM cases WHERE case_no = ?", b.CaseNo).Scan(&item)
		}
		if item == "" && b.AppointmentNo != "" {
			_ = tx.QueryRow("SELECT item_code FROM appointments WHERE appointment_no = ?", b.AppointmentNo).Scan(&item)
		}
		reasons, _ := json.Marshal(append([]string{}, b.Reasons...))
		if _, err := tx.Exec(`INSERT INTO ratings (terminal_id, rating_id, at, service, case_no, ticket_no, appointment_no, item_code,
			level, reasons, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, terminal, b.ID, b.At.Format(time.RFC3339Nano),
			b.Service, b.CaseNo, b.TicketNo, b.AppointmentNo, item, b.Level, string(reasons), now.Format(time.RFC3339Nano)); err != nil {
			return nil, nil, err
		}
		return map[string]string{"rating_id": b.ID, "status": "recorded"}, nil, nil
	})
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// RatingsReport is what GET /ratings on the admin handler shows: the
// ratings per item and level (an item of "" is a rating about no item).
type RatingsReport struct {
	Total   int                 `json:"total"`
	ByLevel map[string]int      `json:"by_level"`
	Items   []RatingsReportItem `json:"items"`
	Reasons map[string]int      `json:"reasons"`
}

// RatingsReportItem is one item's ratings.
type RatingsReportItem struct {
	ItemCode string         `json:"item_code"`
	Total    int            `json:"total"`
	Levels   map[string]int `json:"levels"` // "1" … "5"
}

// Ratings reports the stored ratings.
func (s *Server) Ratings(ctx context.Context) (RatingsReport, error) {
	rep := RatingsReport{ByLevel: map[string]int{}, Items: []RatingsReportItem{}, Reasons: map[string]int{}}
	rows, err := s.db.QueryContext(ctx, "SELECT item_code, level, reasons FROM ratings ORDER BY item_code, level")
	if err != nil {
		return rep, err
	}
	defer rows.Close()
	idx := map[string]int{}
	for rows.Next() {
		var item, reasons string
		var level int
		if err := rows.Scan(&item, &level, &reasons); err != nil {
			return rep, err
		}
		i, ok := idx[item]
		if !ok {
			i = len(rep.Items)
			idx[item] = i
			rep.Items = append(rep.Items, RatingsReportItem{ItemCode: item, Levels: map[string]int{}})
		}
		lv := itoa(level)
		rep.Items[i].Total++
		rep.Items[i].Levels[lv]++
		rep.ByLevel[lv]++
		rep.Total++
		var rs []string
		_ = json.Unmarshal([]byte(reasons), &rs)
		for _, c := range rs {
			rep.Reasons[c]++
		}
	}
	return rep, rows.Err()
}

var idLikeRe = regexp.MustCompile(`[0-9]{15,}`)

func (s *Server) handleAssistance(w http.ResponseWriter, r *http.Request) {
	s.createOnce(w, r, "assistance", "request_id", func(tx *sql.Tx, terminal string, body []byte, now time.Time) (any, *fail, error) {
		var b struct {
			ID         string     `json:"request_id"`
			TerminalID string     `json:"terminal_id"`
			At         *time.Time `json:"at"`
			Screen     string     `json:"screen"`
			Reason     string     `json:"reason"`
		}
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
		if b.At == nil {
			add("at", "required", "必填 / required")
		}
		switch {
		case strings.TrimSpace(b.Screen) == "":
			add("screen", "required", "必填 / required")
		case utf8.RuneCountInString(b.Screen) > 64 || idLikeRe.MatchString(b.Screen):
			add("screen", "invalid", "界面名称过长或含个人信息 / screen name too long or personal")
		}
		switch b.Reason {
		case kiosk.AssistResident, kiosk.AssistDeviceFault, kiosk.AssistIdleHelp, kiosk.AssistCardLeft:
		default:
			add("reason", "invalid", "未知的求助原因 / unknown reason")
		}
		if f := invalid(fe); f != nil {
			return nil, f, nil
		}
		_, mode := s.modes()
		status := mode
		if mode == AssistAuto {
			status = AssistNoStaff
			if _, _, open := s.openSpan(now); open {
				status = AssistNotified
			}
		}
		msg := "已通知值班工作人员，请在终端旁稍候 / staff on duty have been told; please wait by the terminal"
		if status == AssistNoStaff {
			c := s.Center()
			msg = "现在没有工作人员值守，请拨打热线 " + c.Hotline + " / no staff are on duty now; please call the hotline " + c.Hotline
		}
		if _, err := tx.Exec(`INSERT INTO assistance (terminal_id, request_id, at, screen, reason, status, received_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, terminal, b.ID, b.At.Format(time.RFC3339Nano), b.Screen, b.Reason, status,
			now.Format(time.RFC3339Nano)); err != nil {
			return nil, nil, err
		}
		s.log.Info("intakesim: call for staff", "terminal", terminal, "screen", b.Screen, "status", status)
		return map[string]string{"request_id": b.ID, "status": status, "message": msg}, nil, nil
	})
}
