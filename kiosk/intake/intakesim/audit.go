package intakesim

import (
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

// handleAudit stores a batch of audit events after verifying the chain.
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
	var in struct {
		Events []json.RawMessage `json:"events"`
	}
	if err := json.Unmarshal(body, &in); err != nil || in.Events == nil {
		s.stats.rejected.Add(1)
		writeError(w, r, http.StatusUnprocessableEntity, "validation_failed", "须提供 events 列表 / events list required",
			[]intakeFieldError{{Field: "events", Code: "required", Message: "必填 / required"}})
		return
	}
	events := make([]kiosk.AuditEvent, len(in.Events))
	hashes := make([]string, len(in.Events))
	var fields []intakeFieldError
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
		var lastHash string
		err := tx.QueryRow("SELECT seq, hash FROM audit WHERE terminal_id = ? ORDER BY seq DESC LIMIT 1", terminal).Scan(&acked, &lastHash)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		for i, e := range events {
			if e.Seq <= acked {
				var stored string
				err := tx.QueryRow("SELECT hash FROM audit WHERE terminal_id = ? AND seq = ?", terminal, e.Seq).Scan(&stored)
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
			if _, err := tx.Exec("INSERT INTO audit (terminal_id, seq, hash, event, received_at) VALUES (?, ?, ?, ?, ?)",
				terminal, e.Seq, e.Hash, []byte(in.Events[i]), now.Format(time.RFC3339Nano)); err != nil {
				return err
			}
			acked, lastHash = e.Seq, e.Hash
		}
		return nil
	})
	var ce *errChain
	switch {
	case errors.As(err, &ce):
		s.stats.rejected.Add(1)
		writeError(w, r, http.StatusConflict, "chain_broken", "审计链断裂 / audit chain broken: "+ce.msg, nil)
	case err != nil:
		s.internal(w, r, err)
	default:
		writeJSON(w, r, http.StatusOK, map[string]int64{"acked_through": acked})
	}
}
