package intakesim

import (
	"database/sql"
	"errors"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
)

// The track page stands in for the district's public case page that
// track_url points to (set Options.TrackBaseURL to "<api>/track/" to use
// it). It shows no personal data beyond a masked name.
var trackPage = template.Must(template.New("track").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>办件进度 Case {{.CaseNo}}</title></head><body>
<h1>办件进度 / Case progress</h1>
<p>{{.CaseNo}} · {{.ItemName}} · {{.Department}}</p>
<p>申请人 / Applicant: {{.Name}}</p>
<p>状态 / Status: <strong>{{.StatusZh}} / {{.StatusEn}}</strong> · 承诺办结 / Due: {{.DueDate}}</p>
{{if .Result}}<p>结果 / Result: {{.Result}}</p>{{end}}
<ol>{{range .History}}<li>{{.At}} · {{.Status}} · {{.Department}} · {{.Note}}</li>{{end}}</ol>
</body></html>
`))

type trackView struct {
	CaseNo, ItemName, Department, Name, StatusZh, StatusEn, DueDate, Result string
	History                                                                 []struct{ At, Status, Department, Note string }
}

// statusPage is the page a ticket's or an appointment's status_url shows:
// no personal data beyond a masked name.
var statusPage = template.Must(template.New("status").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{{.Title}}</title></head><body>
<h1>{{.Title}}</h1>
{{range .Lines}}<p>{{.}}</p>{{end}}
</body></html>
`))

type statusView struct {
	Title string
	Lines []string
}

// otherStatus shows a ticket (T<yyyymmdd>-<ticket_no>) or an appointment
// (AP…) at its status_url; found is false for neither.
func (s *Server) otherStatus(w http.ResponseWriter, r *http.Request, no string) (found bool) {
	now := s.now().In(shanghai)
	var v statusView
	switch {
	case strings.HasPrefix(no, "AP"):
		var cat, item, start, end, name, status string
		err := s.db.QueryRowContext(r.Context(), "SELECT category, item_code, start, end, name, status FROM appointments WHERE appointment_no = ?", no).
			Scan(&cat, &item, &start, &end, &name, &status)
		if err != nil {
			return false
		}
		a, _ := time.Parse(time.RFC3339, start)
		b, _ := time.Parse(time.RFC3339, end)
		st := "已预约 / booked"
		if status == "cancelled" {
			st = "已取消 / cancelled"
		}
		c := s.Center()
		v = statusView{Title: "预约 / Appointment " + no, Lines: []string{
			st, a.In(shanghai).Format("2006-01-02 15:04") + "–" + b.In(shanghai).Format("15:04"),
			c.Name + " · " + c.Address, "事项 / Item: " + item + " · " + cat, "预约人 / Booked by: " + kiosk.MaskName(name)}}
	case strings.HasPrefix(no, "T") && len(no) > 10:
		day, tno, ok := strings.Cut(no[1:], "-")
		if !ok {
			return false
		}
		d, err := time.ParseInLocation("20060102", day, shanghai)
		if err != nil {
			return false
		}
		var cat string
		if err := s.db.QueryRowContext(r.Context(), "SELECT category FROM tickets WHERE day = ? AND ticket_no = ?",
			d.Format(kiosk.DateLayout), tno).Scan(&cat); err != nil {
			return false
		}
		c, _ := counterFor(cat)
		st := "已过期 / expired"
		if dayOf(now).Equal(d) {
			if open, _, ok := s.openSpan(now); ok {
				_, called, err := s.queueState(s.db, c, now, open)
				if err == nil {
					switch n := ticketNumber(tno); {
					case called >= n:
						st = "已叫号，请到" + c.Name + " / called: please go to the counter"
					default:
						st = "等候中，前面还有 " + itoa(n-called-1) + " 人 / waiting, " + itoa(n-called-1) + " ahead"
					}
				}
			}
		}
		v = statusView{Title: "排队号 / Ticket " + tno, Lines: []string{st, c.Name, d.Format(kiosk.DateLayout)}}
	default:
		return false
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := statusPage.Execute(w, v); err != nil {
		s.log.Error("intakesim: status page", "err", err)
	}
	return true
}

func ticketNumber(no string) int {
	n := 0
	for _, c := range no {
		if c >= '0' && c <= '9' {
			n = n*10 + int(c-'0')
		}
	}
	return n
}

func (s *Server) handleTrack(w http.ResponseWriter, r *http.Request) {
	if no := r.PathValue("case_no"); !strings.HasPrefix(no, "PD") && s.otherStatus(w, r, no) {
		return
	}
	var v trackView
	var status, id string
	err := s.tx(r.Context(), func(tx *sql.Tx) error {
		err := tx.QueryRow("SELECT id_number FROM cases WHERE case_no = ?", r.PathValue("case_no")).Scan(&id)
		if err != nil {
			return err
		}
		if err := s.advance(tx, id, s.now().In(shanghai)); err != nil {
			return err
		}
		if err := tx.QueryRow(`SELECT case_no, item_name, department, name, status, due_date, result FROM cases WHERE case_no = ?`,
			r.PathValue("case_no")).Scan(&v.CaseNo, &v.ItemName, &v.Department, &v.Name, &status, &v.DueDate, &v.Result); err != nil {
			return err
		}
		rows, err := tx.Query("SELECT at, status, department, note FROM case_events WHERE case_no = ? ORDER BY n", v.CaseNo)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e struct{ At, Status, Department, Note string }
			if err := rows.Scan(&e.At, &e.Status, &e.Department, &e.Note); err != nil {
				return err
			}
			if t, err := time.Parse(time.RFC3339, e.At); err == nil {
				e.At = t.In(shanghai).Format("2006-01-02 15:04")
			}
			e.Status = kiosk.CaseStatus(e.Status).Chinese()
			v.History = append(v.History, e)
		}
		return rows.Err()
	})
	if errors.Is(err, sql.ErrNoRows) {
		http.Error(w, "没有这个办件 / no such case", http.StatusNotFound)
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	v.Name = kiosk.MaskName(v.Name)
	v.StatusZh, v.StatusEn = kiosk.CaseStatus(status).Chinese(), kiosk.CaseStatus(status).English()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := trackPage.Execute(w, v); err != nil {
		s.log.Error("intakesim: track page", "err", err)
	}
}
