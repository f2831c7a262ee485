package intakesim

import (
	"database/sql"
	"errors"
	"html/template"
	"net/http"
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

func (s *Server) handleTrack(w http.ResponseWriter, r *http.Request) {
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
