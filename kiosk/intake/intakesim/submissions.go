package intakesim

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pudong-community/kiosk/kiosk"
)

var phoneRe = regexp.MustCompile(`^1[3-9][0-9]{9}$`)

const maxTextRunes = 500 // a text field without max_len

func (s *Server) handleSubmit(w http.ResponseWriter, r *http.Request) {
	terminal, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	body, ok := s.readJSON(w, r)
	if !ok {
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if len(key) >= 2 && key[0] == '"' && key[len(key)-1] == '"' {
		key = key[1 : len(key)-1] // the IETF draft's structured-field string form
	}
	var head struct {
		ID any `json:"submission_id"`
	}
	_ = json.Unmarshal(body, &head) // body is valid JSON; a non-object leaves ID nil
	if key == "" || !kiosk.ValidSubmissionID(key) || head.ID != key {
		s.stats.rejected.Add(1)
		writeError(w, r, http.StatusBadRequest, "idempotency_key_required",
			"须带 Idempotency-Key 请求头（ULID 或 UUID），且与 submission_id 相同 / Idempotency-Key header (ULID or UUID) required, equal to submission_id", nil)
		return
	}
	canon, err := kiosk.CanonicalJSON(body)
	if err != nil {
		s.stats.rejected.Add(1)
		writeError(w, r, http.StatusBadRequest, "bad_json", "请求体不是合法的 JSON / body is not valid JSON", nil)
		return
	}
	sum := sha256.Sum256(canon)
	bodyHash := hex.EncodeToString(sum[:])
	now := s.now().In(shanghai)

	var (
		status   int
		response []byte
		replayed bool
		conflict bool
		invalid  *errorDetail
		refusal  *fail
	)
	err = s.tx(r.Context(), func(rawTx *sql.Tx) error {
		tx := s.cached(r.Context(), rawTx)
		if last := s.lastPrune.Load(); now.Unix()-last >= 60 && s.lastPrune.CompareAndSwap(last, now.Unix()) {
			if _, err := tx.Exec("DELETE FROM idempotency WHERE expires_at < ?", now.UTC().Format(time.RFC3339Nano)); err != nil {
				return err
			}
		}
		var expired bool
		if err := tx.QueryRow("SELECT EXISTS (SELECT 1 FROM idempotency WHERE terminal_id = ? AND key = ? AND expires_at < ?)",
			terminal, key, now.UTC().Format(time.RFC3339Nano)).Scan(&expired); err != nil {
			return err
		}
		if expired {
			if _, err := tx.Exec("DELETE FROM idempotency WHERE terminal_id = ? AND key = ?", terminal, key); err != nil {
				return err
			}
		}
		var storedHash string
		err := tx.QueryRow("SELECT body_hash, status, response FROM idempotency WHERE terminal_id = ? AND key = ?", terminal, key).
			Scan(&storedHash, &status, &response)
		switch {
		case err == nil && storedHash == bodyHash:
			replayed = true
			return nil
		case err == nil:
			conflict = true
			return nil
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		// The key has expired (or was never seen), but the submission id
		// made a case before: answer from the case rather than make a second
		// one. The body cannot be compared any more.
		if acc, found, err := acceptedFromCase(tx, terminal, key); err != nil {
			return err
		} else if found {
			replayed = true
			response, err = json.Marshal(acc)
			return err
		}
		var sub kiosk.Submission
		if err := json.Unmarshal(body, &sub); err != nil {
			invalid = typeError(err)
			return nil
		}
		item, detail := s.validate(terminal, sub, now)
		if detail != nil {
			invalid = detail
			return nil
		}
		// Eligibility, then duplicates (v1.1): both final, both after the
		// replay above, so a replay is never refused as a duplicate.
		f, err := s.eligible(tx, item, sub.Applicant, now)
		if err != nil {
			return err
		}
		if f != nil {
			refusal = f
			return nil
		}
		if no, open, err := s.openCase(tx, sub.Applicant.IDNumber, item, now); err != nil {
			return err
		} else if open {
			refusal = refuse(http.StatusConflict, "duplicate_application",
				"您已申请过"+item.Name+"，办件编号 "+no+"，正在办理中 / you already applied for this item; case "+no+" is open")
			refusal.detail.CaseNo = no
			return nil
		}
		acc, err := s.createCase(tx, terminal, sub, item, now)
		if err != nil {
			return err
		}
		status = http.StatusCreated
		if response, err = json.Marshal(acc); err != nil {
			return err
		}
		_, err = tx.Exec(`INSERT INTO idempotency (terminal_id, key, body_hash, status, response, case_no, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, terminal, key, bodyHash, status, response, acc.CaseNo,
			now.UTC().Format(time.RFC3339Nano), now.Add(KeyRetention).UTC().Format(time.RFC3339Nano))
		return err
	})
	s.preparePending(r.Context())
	switch {
	case err != nil:
		s.internal(w, r, err)
	case conflict:
		s.stats.conflicts.Add(1)
		writeError(w, r, http.StatusConflict, "idempotency_conflict",
			"该幂等键已用于不同的申请内容 / this Idempotency-Key was used with a different body", nil)
	case replayed:
		s.stats.replays.Add(1)
		w.Header().Set("Idempotent-Replayed", "true")
		writeRaw(w, r, http.StatusOK, response, nil)
	case invalid != nil:
		s.stats.rejected.Add(1)
		writeJSON(w, r, http.StatusUnprocessableEntity, errorBody{*invalid})
	case refusal != nil:
		s.stats.rejected.Add(1)
		writeJSON(w, r, refusal.status, errorBody{refusal.detail})
	default:
		s.stats.submissions.Add(1)
		s.log.Info("intakesim: case accepted", "terminal", terminal, "case_no", caseNoOf(response))
		writeRaw(w, r, status, response, nil)
	}
}

func caseNoOf(resp []byte) string {
	var a kiosk.Accepted
	_ = json.Unmarshal(resp, &a)
	return a.CaseNo
}

func typeError(err error) *errorDetail {
	field := "body"
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		field = te.Field
	}
	var pe *time.ParseError
	if errors.As(err, &pe) {
		field = "created_at"
	}
	return &errorDetail{Code: "validation_failed", Message: "字段类型错误 / a field has the wrong type",
		Fields: []intakeFieldError{{Field: field, Code: "invalid_type", Message: "类型错误 / wrong type"}}}
}

// validate checks a submission against the catalogue. It never echoes an ID
// number in a message.
func (s *Server) validate(terminal string, sub kiosk.Submission, now time.Time) (kiosk.Item, *errorDetail) {
	var fe []intakeFieldError
	add := func(field, code, msg string) {
		fe = append(fe, intakeFieldError{Field: field, Code: code, Message: msg})
	}
	top := "validation_failed"
	if sub.TerminalID != terminal {
		add("terminal_id", "mismatch", "终端号与请求头不符 / terminal_id does not match X-Terminal-Id")
	}
	if sub.CatalogVersion == "" {
		add("catalog_version", "required", "必填 / required")
	}
	if sub.CreatedAt.IsZero() {
		add("created_at", "required", "必填 / required")
	}
	cat := s.Catalog()
	item, found := cat.Item(sub.ItemCode)
	switch {
	case !found:
		top = "unknown_item"
		add("item_code", "unknown_item", "没有这个事项 / no such item")
	case !item.SelfService || item.Kind != kiosk.KindInstant:
		top = "not_self_service"
		add("item_code", "not_self_service", "该事项须到窗口办理 / this item is handled at the counter only")
	}
	expired := checkPerson("applicant", sub.Applicant, now, add)
	if sub.Agent != nil {
		if found && !item.AgentAllowed {
			add("agent", "not_allowed", "该事项不可委托代理 / this item may not be submitted by an agent")
		}
		if checkPerson("agent", sub.Agent.Person, now, add) {
			expired = true
		}
		if strings.TrimSpace(sub.Agent.Relation) == "" {
			add("agent.relation", "required", "须填写与申请人的关系 / relation required")
		}
		if strings.TrimSpace(sub.Agent.AuthorizationRef) == "" {
			add("agent.authorization_ref", "required", "须填写委托书编号 / authorisation reference required")
		}
		if sub.Agent.IDNumber != "" && sub.Agent.IDNumber == sub.Applicant.IDNumber {
			add("agent.id_number", "same_as_applicant", "代理人不能是申请人本人 / the agent cannot be the applicant")
		}
	}
	if found {
		known := make(map[string]bool, len(item.Fields))
		for _, f := range item.Fields {
			known[f.Key] = true
			checkField(f, sub.Fields[f.Key], add)
		}
		for k := range sub.Fields {
			if !known[k] {
				add("fields."+k, "unknown_field", "该事项没有此项 / the item has no such field")
			}
		}
	}
	if len(fe) == 0 {
		return item, nil
	}
	if expired && top == "validation_failed" {
		top = "card_expired"
	}
	return item, &errorDetail{Code: top, Message: "申请内容有误，请核对 / the submission has errors", Fields: fe}
}

// checkPerson validates a card holder; it reports whether the card expired.
func checkPerson(prefix string, p kiosk.Person, now time.Time, add func(string, string, string)) bool {
	if !kiosk.ValidDocumentNumber(p.CardType, p.IDNumber) {
		add(prefix+".id_number", "invalid_id_number", "证件号码校验位不符 / the ID number fails its check digit (GB 11643)")
	}
	if strings.TrimSpace(p.Name) == "" {
		add(prefix+".name", "required", "必填 / required")
	} else if utf8.RuneCountInString(p.Name) > 64 {
		add(prefix+".name", "too_long", "过长 / too long")
	}
	if !p.CardType.Valid() {
		add(prefix+".card_type", "invalid", "证件类型应为 resident、foreign_permanent 或 hmt_residence / unknown card type")
	}
	if p.BirthDate != "" {
		if _, err := time.Parse(kiosk.DateLayout, p.BirthDate); err != nil {
			add(prefix+".birth_date", "invalid_date", "日期格式应为 YYYY-MM-DD / date must be YYYY-MM-DD")
		}
	}
	if p.ValidUntil != "" {
		until, err := time.ParseInLocation(kiosk.DateLayout, p.ValidUntil, shanghai)
		switch {
		case err != nil:
			add(prefix+".valid_until", "invalid_date", "日期格式应为 YYYY-MM-DD / date must be YYYY-MM-DD")
		case until.Before(time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, shanghai)):
			add(prefix+".valid_until", "card_expired", "证件已过有效期 / the card has expired")
			return true
		}
	}
	return false
}

func checkField(f kiosk.Field, v string, add func(string, string, string)) {
	name := "fields." + f.Key
	if strings.TrimSpace(v) == "" {
		if f.Required {
			add(name, "required", f.Label+"为必填项 / "+f.LabelEn+" is required")
		}
		return
	}
	limit := f.MaxLen
	if limit == 0 && f.Type == kiosk.FieldText {
		limit = maxTextRunes
	}
	if limit > 0 && utf8.RuneCountInString(v) > limit {
		add(name, "too_long", fmt.Sprintf("%s最多%d个字 / %s: at most %d characters", f.Label, limit, f.LabelEn, limit))
		return
	}
	switch f.Type {
	case kiosk.FieldDigits:
		if strings.Trim(v, "0123456789") != "" {
			add(name, "not_digits", f.Label+"只能填数字 / "+f.LabelEn+": digits only")
		}
	case kiosk.FieldPhone:
		if !phoneRe.MatchString(v) {
			add(name, "invalid_phone", "手机号码应为11位 / a mainland mobile number has 11 digits")
		}
	case kiosk.FieldDate:
		if _, err := time.Parse(kiosk.DateLayout, v); err != nil {
			add(name, "invalid_date", "日期格式应为 YYYY-MM-DD / date must be YYYY-MM-DD")
		}
	case kiosk.FieldChoice:
		ok := false
		for _, c := range f.Choices {
			ok = ok || c == v
		}
		if !ok {
			add(name, "invalid_choice", f.Label+"须从选项中选择 / "+f.LabelEn+": pick one of the choices")
		}
	case kiosk.FieldIDNumber:
		if !kiosk.ValidDocumentNumber(kiosk.CardForeignPermanent, v) { // any card's number
			add(name, "invalid_id_number", "证件号码校验位不符 / the ID number fails its check digit (GB 11643)")
		}
	}
}

// nextCaseNo returns PD<yyyymmdd>-<6 digits>, numbered per day (Shanghai).
func nextCaseNo(tx sqlTx, day time.Time) (string, error) {
	d := day.In(shanghai).Format("20060102")
	var n int64
	err := tx.QueryRow(`INSERT INTO case_seq (day, n) VALUES (?, 1)
		ON CONFLICT (day) DO UPDATE SET n = n + 1 RETURNING n`, d).Scan(&n)
	if err != nil {
		return "", err
	}
	if n > 999999 {
		return "", fmt.Errorf("intakesim: case numbers of %s exhausted", d)
	}
	return fmt.Sprintf("PD%s-%06d", d, n), nil
}

func (s *Server) createCase(tx sqlTx, terminal string, sub kiosk.Submission, item kiosk.Item, now time.Time) (kiosk.Accepted, error) {
	caseNo, err := nextCaseNo(tx, now)
	if err != nil {
		return kiosk.Accepted{}, err
	}
	due := s.Catalog().Calendar.DueDate(now, item.TimeLimitDays).Format(kiosk.DateLayout)
	acc := kiosk.Accepted{CaseNo: caseNo, Status: kiosk.StatusAccepted, AcceptedAt: now.Truncate(time.Second),
		DueDate: due, TrackURL: s.opts.TrackBaseURL + caseNo}
	_, err = tx.Exec(`INSERT INTO cases (case_no, submission_id, terminal_id, id_number, name, item_code, item_name,
		department, kind, channel, status, submitted_at, due_date, track_url, auto_advance, time_limit_days)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'terminal', 'accepted', ?, ?, ?, 1, ?)`,
		caseNo, sub.ID, terminal, sub.Applicant.IDNumber, sub.Applicant.Name, item.Code, item.Name, item.Department,
		string(item.Kind), acc.AcceptedAt.Format(time.RFC3339), due, acc.TrackURL, item.TimeLimitDays)
	if err != nil {
		return kiosk.Accepted{}, err
	}
	note := "自助终端受理 / accepted at self-service terminal " + terminal
	if sub.Agent != nil {
		note += "（委托代理 / by an agent, " + kiosk.MaskName(sub.Agent.Name) + "）"
	}
	if err := addEvent(tx, caseNo, 1, acc.AcceptedAt, kiosk.StatusAccepted, item.Department, note); err != nil {
		return kiosk.Accepted{}, err
	}
	return acc, nil
}

func addEvent(tx sqlTx, caseNo string, n int, at time.Time, st kiosk.CaseStatus, dept, note string) error {
	_, err := tx.Exec("INSERT INTO case_events (case_no, n, at, status, department, note) VALUES (?, ?, ?, ?, ?, ?)",
		caseNo, n, at.In(shanghai).Format(time.RFC3339), string(st), dept, note)
	return err
}

func acceptedFromCase(tx sqlTx, terminal, submissionID string) (kiosk.Accepted, bool, error) {
	var acc kiosk.Accepted
	var at string
	err := tx.QueryRow("SELECT case_no, submitted_at, due_date, track_url FROM cases WHERE submission_id = ? AND terminal_id = ?",
		submissionID, terminal).Scan(&acc.CaseNo, &at, &acc.DueDate, &acc.TrackURL)
	if errors.Is(err, sql.ErrNoRows) {
		return kiosk.Accepted{}, false, nil
	}
	if err != nil {
		return kiosk.Accepted{}, false, err
	}
	acc.Status = kiosk.StatusAccepted
	if acc.AcceptedAt, err = time.Parse(time.RFC3339, at); err != nil {
		return kiosk.Accepted{}, false, err
	}
	return acc, true, nil
}

// LookupSubmission returns the case made from a submission id, if any.
func (s *Server) LookupSubmission(ctx context.Context, submissionID string) (caseNo string, found bool, err error) {
	err = s.db.QueryRowContext(ctx, "SELECT case_no FROM cases WHERE submission_id = ?", submissionID).Scan(&caseNo)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("intakesim: lookup: %w", err)
	}
	return caseNo, true, nil
}

// CountSubmissions returns how many cases came from submissions (one per
// submission id: the table refuses a second).
func (s *Server) CountSubmissions(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM cases WHERE submission_id IS NOT NULL").Scan(&n); err != nil {
		return 0, fmt.Errorf("intakesim: count: %w", err)
	}
	return n, nil
}

// sqlTx is what the submission path asks of a transaction: *sql.Tx, or a
// cachedTx that reuses prepared statements (the development server's
// single connection would otherwise prepare every statement of every
// submission again).
type sqlTx interface {
	Exec(query string, args ...any) (sql.Result, error)
	QueryRow(query string, args ...any) *sql.Row
}

type cachedTx struct {
	ctx context.Context
	tx  *sql.Tx
	s   *Server
}

func (s *Server) cached(ctx context.Context, tx *sql.Tx) cachedTx {
	return cachedTx{ctx: ctx, tx: tx, s: s}
}

func (c cachedTx) stmt(query string) (*sql.Stmt, error) {
	if st, ok := c.s.stmts.Load(query); ok {
		return c.tx.StmtContext(c.ctx, st.(*sql.Stmt)), nil
	}
	// The transaction holds the only connection: prepare on it for now and
	// cache the statement once the connection is free (preparePending).
	c.s.pending.Store(query, struct{}{})
	return c.tx.PrepareContext(c.ctx, query)
}

// preparePending prepares, outside any transaction, the statements the
// submission path met for the first time.
func (s *Server) preparePending(ctx context.Context) {
	s.pending.Range(func(k, _ any) bool {
		q := k.(string)
		s.pending.Delete(q)
		if _, ok := s.stmts.Load(q); ok {
			return true
		}
		if st, err := s.db.PrepareContext(ctx, q); err == nil {
			if _, loaded := s.stmts.LoadOrStore(q, st); loaded {
				st.Close()
			}
		}
		return true
	})
}

func (c cachedTx) Exec(query string, args ...any) (sql.Result, error) {
	st, err := c.stmt(query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(c.ctx, args...)
}

func (c cachedTx) QueryRow(query string, args ...any) *sql.Row {
	st, err := c.stmt(query)
	if err != nil {
		return c.tx.QueryRowContext(c.ctx, query, args...) // reports the same error
	}
	return st.QueryRowContext(c.ctx, args...)
}
