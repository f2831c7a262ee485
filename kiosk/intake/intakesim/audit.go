package intakesim

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
)

var fullIDRe = regexp.MustCompile(`[0-9]{17}[0-9Xx]|[A-Z]{3}[0-9]{12}`)

// errChain carries the reason of a 409 chain_broken.
type errChain struct{ msg string }

func (e *errChain) Error() string { return e.msg }

// errClosed carries the reason of a 409 chain_closed.
type errClosed struct{ msg string }

func (e *errClosed) Error() string { return e.msg }

// chainRow is one of a terminal's audit chains.
type chainRow struct {
	pos     int64
	id      string // "": a first chain not yet named
	restart []byte // the restart block it came with (JSON), nil on the first
	created string
	closed  string // "": open
}

func loadChains(tx *sql.Tx, terminal string) ([]chainRow, error) {
	rows, err := tx.Query("SELECT pos, chain_id, restart, created_at, COALESCE(closed_at, '') FROM audit_chains WHERE terminal_id = ? ORDER BY pos", terminal)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []chainRow
	for rows.Next() {
		var c chainRow
		if err := rows.Scan(&c.pos, &c.id, &c.restart, &c.created, &c.closed); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// auditBody is a POST /v1/audit body.
type auditBody struct {
	ChainID *string             `json:"chain_id"`
	Restart *kiosk.AuditRestart `json:"restart"`
	Events  []json.RawMessage   `json:"events"`
}

// resolveChain finds the chain a batch belongs to, making it if the batch
// starts a chain: the terminal's first (no chain_id, or the first chain_id
// it names with no restart block), or a new one after a recovery (a
// restart block naming the previous chain, which it closes). It returns
// pos 0 when the batch only asks about a chain the server does not hold.
//
// Choices where the contract is silent: a restart block that comes with
// a chain already known is ignored (a first upload re-sent after a lost
// answer); an empty previous_chain_id names the terminal's open chain (a
// terminal that could not read back its old chain's id); a restart naming
// a chain the server does not hold is 409 chain_broken; one naming a chain
// already closed (a second restart from the same chain) is 409
// chain_closed.
func resolveChain(tx *sql.Tx, terminal string, in auditBody, now string) (int64, error) {
	chains, err := loadChains(tx, terminal)
	if err != nil {
		return 0, err
	}
	closed := func(c chainRow) error {
		if c.closed != "" {
			return &errClosed{fmt.Sprintf("chain %q was closed at %s by a later chain / 该审计链已由新链接替", c.id, c.closed)}
		}
		return nil
	}
	create := func(pos int64, id string, restart []byte) error {
		_, err := tx.Exec("INSERT INTO audit_chains (terminal_id, pos, chain_id, restart, created_at) VALUES (?, ?, ?, ?, ?)",
			terminal, pos, id, restart, now)
		return err
	}
	id := ""
	if in.ChainID != nil {
		id = *in.ChainID
	}
	for _, c := range chains {
		if (id != "" && c.id == id) || (id == "" && c.pos == 1) {
			return c.pos, closed(c)
		}
	}
	if len(in.Events) == 0 {
		return 0, nil // asking about a chain not held: nothing yet
	}
	first := len(chains) == 0 || len(chains) == 1 && chains[0].id == "" && chains[0].closed == ""
	if in.Restart == nil || id == "" {
		switch {
		case !first:
			return 0, &errChain{fmt.Sprintf("chain %q is new and has no restart block / 新审计链缺少 restart", id)}
		case len(chains) == 0:
			return 1, create(1, id, nil)
		}
		// The first chain_id the terminal names is its first chain.
		_, err := tx.Exec("UPDATE audit_chains SET chain_id = ? WHERE terminal_id = ? AND pos = 1", id, terminal)
		return 1, err
	}
	var prev *chainRow
	for i := range chains {
		c := &chains[i]
		if in.Restart.PreviousChainID != "" && c.id == in.Restart.PreviousChainID ||
			in.Restart.PreviousChainID == "" && c.closed == "" {
			prev = c
		}
	}
	if prev == nil && len(chains) > 0 {
		return 0, &errChain{fmt.Sprintf("restart names chain %q, which this terminal never uploaded / restart 所指的前一审计链不存在", in.Restart.PreviousChainID)}
	}
	if prev != nil {
		if err := closed(*prev); err != nil {
			return 0, err
		}
		if _, err := tx.Exec("UPDATE audit_chains SET closed_at = ? WHERE terminal_id = ? AND pos = ?", now, terminal, prev.pos); err != nil {
			return 0, err
		}
	}
	restart, _ := json.Marshal(in.Restart)
	pos := int64(len(chains)) + 1
	if len(chains) > 0 {
		pos = chains[len(chains)-1].pos + 1
	}
	return pos, create(pos, id, restart)
}

// handleAudit stores a batch of audit events of one chain after verifying
// it against what that chain holds.
//
// Choice where the contract is silent: events whose seq is already stored
// are accepted and skipped when their hash equals the stored one (a batch
// re-sent after a lost response), and break the chain otherwise. The batch
// is stored whole or not at all.
func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request) {
	terminal, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	body, ok := s.readJSON(w, r)
	if !ok {
		return
	}
	var in auditBody
	if err := json.Unmarshal(body, &in); err != nil || in.Events == nil {
		s.stats.rejected.Add(1)
		writeError(w, r, http.StatusUnprocessableEntity, "validation_failed", "须提供 events 列表 / events list required",
			[]intakeFieldError{{Field: "events", Code: "required", Message: "必填 / required"}})
		return
	}
	var fields []intakeFieldError
	if in.ChainID != nil && !kiosk.ValidSubmissionID(*in.ChainID) {
		fields = append(fields, intakeFieldError{Field: "chain_id", Code: "malformed", Message: "须为 ULID 或 UUID / must be a ULID or UUID"})
	}
	if in.Restart != nil {
		if in.Restart.Reason == "" {
			fields = append(fields, intakeFieldError{Field: "restart.reason", Code: "required", Message: "必填 / required"})
		}
		if in.Restart.PreviousLastSeq < 0 {
			fields = append(fields, intakeFieldError{Field: "restart.previous_last_seq", Code: "invalid", Message: "不得为负 / must not be negative"})
		}
		if in.ChainID == nil {
			fields = append(fields, intakeFieldError{Field: "chain_id", Code: "required", Message: "restart 须与 chain_id 同发 / a restart needs a chain_id"})
		}
	}
	events := make([]kiosk.AuditEvent, len(in.Events))
	hashes := make([]string, len(in.Events))
	for i, raw := range in.Events {
		name := fmt.Sprintf("events[%d]", i)
		var probe map[string]json.RawMessage
		if err := json.Unmarshal(raw, &probe); err != nil {
			fields = append(fields, intakeFieldError{Field: name, Code: "invalid_type", Message: "须为对象 / must be an object"})
			continue
		}
		for _, k := range []string{"seq", "at", "kind", "subject", "detail", "prev_hash", "hash"} {
			if _, ok := probe[k]; !ok {
				fields = append(fields, intakeFieldError{Field: name + "." + k, Code: "required", Message: "必填 / required"})
			}
		}
		if err := json.Unmarshal(raw, &events[i]); err != nil {
			fields = append(fields, intakeFieldError{Field: name, Code: "invalid_type", Message: "字段类型错误 / wrong field types"})
			continue
		}
		if fullIDRe.MatchString(events[i].Subject) || fullIDRe.MatchString(events[i].Detail) {
			fields = append(fields, intakeFieldError{Field: name + ".subject", Code: "full_id_number",
				Message: "审计记录不得含完整证件号码 / audit events must not carry a full ID number"})
		}
		h, err := kiosk.AuditHash(raw)
		if err != nil {
			fields = append(fields, intakeFieldError{Field: name, Code: "invalid", Message: "无法计算哈希 / cannot hash"})
			continue
		}
		hashes[i] = h
	}
	if len(fields) > 0 {
		s.stats.rejected.Add(1)
		writeError(w, r, http.StatusUnprocessableEntity, "validation_failed", "审计记录格式错误 / malformed audit events", fields)
		return
	}
	now := s.now().In(shanghai)
	var acked int64
	err := s.tx(r.Context(), func(tx *sql.Tx) error {
		pos, err := resolveChain(tx, terminal, in, now.Format(time.RFC3339Nano))
		if err != nil || pos == 0 {
			return err
		}
		var lastHash string
		err = tx.QueryRow("SELECT seq, hash FROM audit_events WHERE terminal_id = ? AND pos = ? ORDER BY seq DESC LIMIT 1", terminal, pos).Scan(&acked, &lastHash)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		for i, e := range events {
			if e.Seq <= acked {
				var stored string
				err := tx.QueryRow("SELECT hash FROM audit_events WHERE terminal_id = ? AND pos = ? AND seq = ?", terminal, pos, e.Seq).Scan(&stored)
				if err != nil && !errors.Is(err, sql.ErrNoRows) {
					return err
				}
				if stored == "" || stored != e.Hash || hashes[i] != e.Hash {
					return &errChain{fmt.Sprintf("seq %d differs from the stored event / 与已存记录不符", e.Seq)}
				}
				continue
			}
			switch {
			case e.Seq != acked+1:
				return &errChain{fmt.Sprintf("seq %d does not follow %d / 序号不连续", e.Seq, acked)}
			case e.PrevHash != lastHash:
				return &errChain{fmt.Sprintf("seq %d: prev_hash does not match the last stored hash / 前序哈希不符", e.Seq)}
			case hashes[i] != e.Hash:
				return &errChain{fmt.Sprintf("seq %d: hash does not verify / 哈希校验失败", e.Seq)}
			}
			if _, err := tx.Exec("INSERT INTO audit_events (terminal_id, pos, seq, hash, event, received_at) VALUES (?, ?, ?, ?, ?, ?)",
				terminal, pos, e.Seq, e.Hash, []byte(in.Events[i]), now.Format(time.RFC3339Nano)); err != nil {
				return err
			}
			acked, lastHash = e.Seq, e.Hash
		}
		return nil
	})
	var ce *errChain
	var cc *errClosed
	switch {
	case errors.As(err, &cc):
		s.stats.rejected.Add(1)
		writeError(w, r, http.StatusConflict, "chain_closed", "审计链已关闭 / audit chain closed: "+cc.msg, nil)
	case errors.As(err, &ce):
		s.stats.rejected.Add(1)
		writeError(w, r, http.StatusConflict, "chain_broken", "审计链断裂 / audit chain broken: "+ce.msg, nil)
	case err != nil:
		s.internal(w, r, err)
	default:
		writeJSON(w, r, http.StatusOK, map[string]int64{"acked_through": acked})
	}
}

// ChainView is one audit chain of a terminal as the admin view shows it:
// what the server holds of it, whether that verifies on its own (seq from 1,
// each prev_hash the previous hash, each hash its event's), and, for a
// chain that began after a recovery, the restart and its gap.
type ChainView struct {
	Pos      int64               `json:"pos"`
	ChainID  string              `json:"chain_id"` // "": the first chain, not yet named
	Events   int64               `json:"events"`
	LastSeq  int64               `json:"last_seq"`
	Verified bool                `json:"verified"`
	Problem  string              `json:"problem,omitempty"` // why it does not verify
	Created  string              `json:"created_at"`
	Closed   string              `json:"closed_at,omitempty"`
	Restart  *kiosk.AuditRestart `json:"restart,omitempty"`
	// For a restart: what the server holds of the previous chain and the
	// gap, previous_last_seq minus that: > 0, events the terminal held
	// that never arrived; < 0, events the server holds that the terminal
	// lost in its recovery (kept here, so nothing is missing).
	PreviousHeld int64 `json:"previous_held,omitempty"`
	Gap          int64 `json:"gap,omitempty"`
}

// AuditChains returns the terminal's audit chains, oldest first, each
// verified on its own.
func (s *Server) AuditChains(ctx context.Context, terminal string) ([]ChainView, error) {
	var out []ChainView
	err := s.tx(ctx, func(tx *sql.Tx) error {
		chains, err := loadChains(tx, terminal)
		if err != nil {
			return err
		}
		held := map[string]int64{}
		for _, c := range chains {
			v := ChainView{Pos: c.pos, ChainID: c.id, Created: c.created, Closed: c.closed, Verified: true}
			if c.restart != nil {
				v.Restart = &kiosk.AuditRestart{}
				_ = json.Unmarshal(c.restart, v.Restart)
			}
			rows, err := tx.Query("SELECT seq, hash, event FROM audit_events WHERE terminal_id = ? AND pos = ? ORDER BY seq", terminal, c.pos)
			if err != nil {
				return err
			}
			prev := ""
			for rows.Next() {
				var seq int64
				var hash string
				var raw []byte
				if err := rows.Scan(&seq, &hash, &raw); err != nil {
					rows.Close()
					return err
				}
				var ev kiosk.AuditEvent
				h, herr := kiosk.AuditHash(raw)
				switch {
				case !v.Verified:
				case json.Unmarshal(raw, &ev) != nil || herr != nil:
					v.Verified, v.Problem = false, fmt.Sprintf("seq %d does not decode", seq)
				case seq != v.LastSeq+1:
					v.Verified, v.Problem = false, fmt.Sprintf("seq %d follows %d", seq, v.LastSeq)
				case ev.PrevHash != prev:
					v.Verified, v.Problem = false, fmt.Sprintf("seq %d: prev_hash does not match", seq)
				case h != hash || ev.Hash != hash:
					v.Verified, v.Problem = false, fmt.Sprintf("seq %d: hash does not verify", seq)
				}
				v.Events++
				v.LastSeq, prev = seq, hash
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			held[c.id] = v.LastSeq
			if v.Restart != nil {
				p := v.Restart.PreviousChainID
				if p == "" && len(out) > 0 {
					p = out[len(out)-1].ChainID
				}
				v.PreviousHeld = held[p]
				v.Gap = v.Restart.PreviousLastSeq - v.PreviousHeld
			}
			out = append(out, v)
		}
		return nil
	})
	return out, err
}

// auditView answers the admin handler's GET /audit/{terminal}: the
// terminal's chains with their restarts and gaps.
func (s *Server) auditView(w http.ResponseWriter, r *http.Request) {
	chains, err := s.AuditChains(r.Context(), r.PathValue("terminal"))
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if chains == nil {
		chains = []ChainView{}
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"terminal_id": r.PathValue("terminal"), "chains": chains})
}

// auditFleet answers the admin handler's GET /audit: every terminal's
// chains, for the fleet view.
func (s *Server) auditFleet(w http.ResponseWriter, r *http.Request) {
	rows, err := s.db.QueryContext(r.Context(), "SELECT DISTINCT terminal_id FROM audit_chains ORDER BY terminal_id")
	if err != nil {
		s.internal(w, r, err)
		return
	}
	var terminals []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			s.internal(w, r, err)
			return
		}
		terminals = append(terminals, id)
	}
	rows.Close()
	out := map[string][]ChainView{}
	for _, id := range terminals {
		chains, err := s.AuditChains(r.Context(), id)
		if err != nil {
			s.internal(w, r, err)
			return
		}
		out[id] = chains
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"terminals": out})
}
