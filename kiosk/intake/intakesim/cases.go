package intakesim

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
)

// Resident is a sample card holder known to the simulator: the cards of the
// ID card emulator (devices/sim/sammodule), so that `kiosk demo` shows their
// cases. The numbers pass the GB 11643 check digit (the 2004 foreign card's
// 15-character number has none).
type Resident struct {
	IDNumber  string
	Name      string
	CardType  kiosk.CardType
	Gender    string
	BirthDate string
	// ValidUntil is the card's expiry (YYYY-MM-DD), empty for 长期.
	ValidUntil string
}

// SampleResidents returns the residents with seeded case histories; the
// last one's card has expired and has no cases.
func SampleResidents() []Resident {
	return []Resident{
		{"310115198503124531", "张伟", kiosk.CardResident, "男", "1985-03-12", "2036-05-20"},
		{"310104195208170022", "李秀英", kiosk.CardResident, "女", "1952-08-17", ""},
		{"310115199001017773", "刘䶮", kiosk.CardResident, "男", "1990-01-01", "2038-03-15"},
		{"310101198812011233", "王\ue83a", kiosk.CardResident, "男", "1988-12-01", "2039-06-10"},
		{"810000199007040024", "陈家明", kiosk.CardHMTResidence, "女", "1990-07-04", "2027-01-01"},
		{"USA110081020013", "史密斯", kiosk.CardForeignPermanent, "男", "1981-08-02", "2028-01-01"},
		{"932682198501010017", "安娜", kiosk.CardForeignPermanent, "女", "1985-01-01", "2033-06-01"},
		{"310115199306158884", "赵敏", kiosk.CardResident, "女", "1993-06-15", "2021-03-01"},
	}
}

type seedStep struct {
	daysAfter float64
	status    kiosk.CaseStatus
	dept      string
	note      string
}

type seedCase struct {
	resident  int
	item      string
	channel   kiosk.Channel
	daysAgo   int
	result    string
	auto      bool
	steps     []seedStep
	statusNow kiosk.CaseStatus
}

func seedCases(ctx context.Context, tx *sql.Tx, cat kiosk.Catalog, now time.Time, trackBase string) error {
	res := SampleResidents()
	cases := []seedCase{
		{1, "MZ-0101", kiosk.ChannelCounter, 400, "敬老卡已制发，已领取 / card issued and collected", false, []seedStep{
			{0, kiosk.StatusAccepted, deptMZ, "窗口受理 / accepted at the counter"},
			{3, kiosk.StatusProcessing, "市民政局", "制卡中 / card being made"},
			{12, kiosk.StatusCompleted, deptMZ, "已办结 / completed"}}, kiosk.StatusCompleted},
		{1, "MZ-0102", kiosk.ChannelTerminal, 1, "", true, []seedStep{
			{0, kiosk.StatusAccepted, deptMZ, "自助终端受理 / accepted at a self-service terminal"}}, kiosk.StatusAccepted},
		{1, "MZ-0202", kiosk.ChannelCounter, 12, "", false, []seedStep{
			{0, kiosk.StatusReceived, "街道社区事务受理服务中心", "窗口收件 / received at the counter"},
			{1, kiosk.StatusForwarded, deptMZ, "流转至区民政局审核 / forwarded for review"},
			{5, kiosk.StatusNeedsMore, deptMZ, "请补充出院小结 / please add the discharge summary"}}, kiosk.StatusNeedsMore},
		{2, "MZ-0104", kiosk.ChannelPhone, 90, "补贴已核定，每月发放 / subsidy granted, paid monthly", false, []seedStep{
			{0, kiosk.StatusReceived, "街道社区事务受理服务中心", "电话预约收件 / received by phone"},
			{2, kiosk.StatusAccepted, deptMZ, "已受理 / accepted"},
			{9, kiosk.StatusCompleted, deptMZ, "已办结 / completed"}}, kiosk.StatusCompleted},
		{2, "CL-0702", kiosk.ChannelCounter, 20, "", false, []seedStep{
			{0, kiosk.StatusReceived, "街道社区事务受理服务中心", "窗口收件 / received at the counter"},
			{1, kiosk.StatusForwarded, deptCL, "流转至区残联 / forwarded to the disabled persons' federation"},
			{6, kiosk.StatusProcessing, deptCL, "入户调查 / home visit"}}, kiosk.StatusProcessing},
		{0, "RS-0301", kiosk.ChannelOnline, 200, "就业登记已生效 / registration in force", false, []seedStep{
			{0, kiosk.StatusAccepted, deptRS, "一网通办受理 / accepted online"},
			{0.2, kiosk.StatusCompleted, deptRS, "已办结 / completed"}}, kiosk.StatusCompleted},
		{0, "MZ-0201", kiosk.ChannelCounter, 60, "家庭财产超过规定标准，不予受理 / household assets above the limit", false, []seedStep{
			{0, kiosk.StatusReceived, "街道社区事务受理服务中心", "窗口收件 / received at the counter"},
			{1, kiosk.StatusForwarded, deptMZ, "流转至区民政局 / forwarded"},
			{15, kiosk.StatusRejected, deptMZ, "经济状况核对未通过 / means test not passed"}}, kiosk.StatusRejected},
		{0, "TY-0602", kiosk.ChannelCounter, 3, "", false, []seedStep{
			{0, kiosk.StatusReceived, "街道社区事务受理服务中心", "窗口收件 / received at the counter"},
			{1, kiosk.StatusForwarded, deptTY, "流转至区退役军人事务局 / forwarded to the veterans' bureau"}}, kiosk.StatusForwarded},
		{3, "RS-0303", kiosk.ChannelTerminal, 30, "登记成功 / registered", false, []seedStep{
			{0, kiosk.StatusAccepted, deptRS, "自助终端受理 / accepted at a self-service terminal"},
			{0.1, kiosk.StatusCompleted, deptRS, "已办结 / completed"}}, kiosk.StatusCompleted},
		{4, "GA-0501", kiosk.ChannelCounter, 45, "签注完成 / endorsed", false, []seedStep{
			{0, kiosk.StatusAccepted, deptGA, "窗口受理 / accepted at the counter"},
			{0.5, kiosk.StatusCompleted, deptGA, "已办结 / completed"}}, kiosk.StatusCompleted},
		{5, "GA-0501", kiosk.ChannelCounter, 100, "签注完成 / endorsed", false, []seedStep{
			{0, kiosk.StatusAccepted, deptGA, "窗口受理 / accepted at the counter"},
			{0.5, kiosk.StatusCompleted, deptGA, "已办结 / completed"}}, kiosk.StatusCompleted},
		{6, "YB-0401", kiosk.ChannelCounter, 70, "参保成功，次年1月1日起享受待遇 / enrolled from 1 January", false, []seedStep{
			{0, kiosk.StatusAccepted, deptYB, "窗口受理 / accepted at the counter"},
			{1, kiosk.StatusCompleted, deptYB, "已办结 / completed"}}, kiosk.StatusCompleted},
	}
	for _, c := range cases {
		item, ok := cat.Item(c.item)
		if !ok {
			return fmt.Errorf("intakesim: seed case: no item %s", c.item)
		}
		r := res[c.resident]
		at := now.In(shanghai).AddDate(0, 0, -c.daysAgo).Truncate(time.Minute)
		caseNo, err := nextCaseNo(tx, at)
		if err != nil {
			return fmt.Errorf("intakesim: seed case: %w", err)
		}
		due := cat.Calendar.DueDate(at, item.TimeLimitDays).Format(kiosk.DateLayout)
		auto := 0
		if c.auto {
			auto = 1
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO cases (case_no, id_number, name, item_code, item_name, department,
			kind, channel, status, submitted_at, due_date, result, track_url, auto_advance, time_limit_days)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			caseNo, r.IDNumber, r.Name, item.Code, item.Name, item.Department, string(item.Kind), string(c.channel),
			string(c.statusNow), at.Format(time.RFC3339), due, c.result, trackBase+caseNo, auto, item.TimeLimitDays); err != nil {
			return fmt.Errorf("intakesim: seed case: %w", err)
		}
		for i, st := range c.steps {
			stepAt := at.Add(time.Duration(st.daysAfter * float64(24*time.Hour)))
			if err := addEvent(tx, caseNo, i+1, stepAt, st.status, st.dept, st.note); err != nil {
				return fmt.Errorf("intakesim: seed case: %w", err)
			}
		}
	}
	return nil
}

// progress is the plan of a self-advancing case, in real time before scaling:
// processing half an hour after acceptance, completed two hours plus the
// promised working days (as calendar days) later.
func (s *Server) progress(submitted time.Time, limitDays int) (processing, completed time.Time) {
	scale := func(d time.Duration) time.Duration { return time.Duration(float64(d) / s.opts.TimeScale) }
	processing = submitted.Add(scale(30 * time.Minute))
	completed = submitted.Add(scale(2*time.Hour + time.Duration(limitDays)*24*time.Hour))
	return processing, completed
}

// advance moves the person's self-advancing cases along their plan.
func (s *Server) advance(tx *sql.Tx, idNumber string, now time.Time) error {
	rows, err := tx.Query(`SELECT case_no, status, submitted_at, department, time_limit_days,
		(SELECT max(n) FROM case_events e WHERE e.case_no = c.case_no)
		FROM cases c WHERE id_number = ? AND auto_advance = 1 AND status NOT IN ('completed', 'rejected')`, idNumber)
	if err != nil {
		return err
	}
	type pending struct {
		caseNo, status, dept string
		submitted            time.Time
		limit, n             int
	}
	var list []pending
	for rows.Next() {
		var p pending
		var sub string
		if err := rows.Scan(&p.caseNo, &p.status, &sub, &p.dept, &p.limit, &p.n); err != nil {
			rows.Close()
			return err
		}
		if p.submitted, err = time.Parse(time.RFC3339, sub); err != nil {
			rows.Close()
			return err
		}
		list = append(list, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, p := range list {
		proc, done := s.progress(p.submitted, p.limit)
		st := kiosk.CaseStatus(p.status)
		if st == kiosk.StatusAccepted && !now.Before(proc) {
			p.n++
			if err := addEvent(tx, p.caseNo, p.n, proc, kiosk.StatusProcessing, p.dept, "业务部门办理中 / being processed"); err != nil {
				return err
			}
			st = kiosk.StatusProcessing
		}
		result := ""
		if st == kiosk.StatusProcessing && !now.Before(done) {
			p.n++
			if err := addEvent(tx, p.caseNo, p.n, done, kiosk.StatusCompleted, p.dept, "已办结 / completed"); err != nil {
				return err
			}
			st = kiosk.StatusCompleted
			result = "已办结，可凭回执或扫码下载办理结果 / completed; download the result from the case page"
		}
		if string(st) != p.status {
			if _, err := tx.Exec("UPDATE cases SET status = ?, result = ? WHERE case_no = ?", string(st), result, p.caseNo); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *Server) handleCases(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.authenticate(w, r); !ok {
		return
	}
	body, ok := s.readJSON(w, r)
	if !ok {
		return
	}
	var q struct {
		IDNumber *string `json:"id_number"`
		Name     *string `json:"name"`
	}
	var fields []intakeFieldError
	if err := json.Unmarshal(body, &q); err != nil {
		fields = append(fields, intakeFieldError{Field: "body", Code: "invalid_type", Message: "类型错误 / wrong type"})
	} else {
		if q.IDNumber == nil || *q.IDNumber == "" {
			fields = append(fields, intakeFieldError{Field: "id_number", Code: "required", Message: "必填 / required"})
		}
		if q.Name == nil || *q.Name == "" {
			fields = append(fields, intakeFieldError{Field: "name", Code: "required", Message: "必填 / required"})
		}
	}
	if len(fields) > 0 {
		s.stats.rejected.Add(1)
		writeError(w, r, http.StatusUnprocessableEntity, "validation_failed", "须提供证件号码和姓名 / id_number and name required", fields)
		return
	}
	now := s.now().In(shanghai)
	out := []kiosk.Case{}
	err := s.tx(r.Context(), func(tx *sql.Tx) error {
		if err := s.advance(tx, *q.IDNumber, now); err != nil {
			return err
		}
		// Both must match: a name that does not belong to the number sees nothing.
		rows, err := tx.Query(`SELECT case_no, item_code, item_name, department, status, submitted_at, due_date,
			channel, result, track_url FROM cases WHERE id_number = ? AND name = ?
			ORDER BY submitted_at DESC, case_no DESC LIMIT ?`, *q.IDNumber, *q.Name, maxCasesPerAsk)
		if err != nil {
			return err
		}
		for rows.Next() {
			var c kiosk.Case
			var sub string
			if err := rows.Scan(&c.CaseNo, &c.ItemCode, &c.ItemName, &c.Department, &c.Status, &sub, &c.DueDate,
				&c.Channel, &c.Result, &c.TrackURL); err != nil {
				rows.Close()
				return err
			}
			c.SubmittedAt, _ = time.Parse(time.RFC3339, sub)
			out = append(out, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for i := range out {
			out[i].History = []kiosk.CaseEvent{}
			ev, err := tx.Query("SELECT at, status, department, note FROM case_events WHERE case_no = ? ORDER BY n", out[i].CaseNo)
			if err != nil {
				return err
			}
			for ev.Next() {
				var e kiosk.CaseEvent
				var at string
				if err := ev.Scan(&at, &e.Status, &e.Department, &e.Note); err != nil {
					ev.Close()
					return err
				}
				e.At, _ = time.Parse(time.RFC3339, at)
				out[i].History = append(out[i].History, e)
			}
			ev.Close()
			if err := ev.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.internal(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"cases": out})
}
