package kiosk

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// AuditEvent is one entry of the terminal's audit trail (电子监察), as sent
// to POST /v1/audit. Subject holds a masked ID number only (MaskID).
type AuditEvent struct {
	Seq      int64     `json:"seq"`
	At       time.Time `json:"at"`
	Kind     string    `json:"kind"`
	Subject  string    `json:"subject"`
	Detail   string    `json:"detail"`
	PrevHash string    `json:"prev_hash"`
	Hash     string    `json:"hash"`
}

// RestartDatabaseRecovered is the reason of a chain that a recovery
// started because it could not continue the previous one.
const RestartDatabaseRecovered = "database_recovered"

// AuditRestart is the restart block of a chain that began after a recovery
// cut the previous one (intake-api.md, "Audit chains that survive a
// recovery"): the previous chain and the last event of it the terminal
// still holds. PreviousChainID is empty when the terminal could not read it
// back; the server then takes the chain it holds open for the terminal.
type AuditRestart struct {
	Reason           string    `json:"reason"`
	PreviousChainID  string    `json:"previous_chain_id"`
	PreviousLastSeq  int64     `json:"previous_last_seq"`
	PreviousLastHash string    `json:"previous_last_hash"`
	At               time.Time `json:"at"`
}

// AuditChain is one chain of the terminal's audit trail: its id and, for a
// chain that began after a recovery, its restart block. Current marks the
// chain new events go to; for an earlier one, Acked is how far the server
// holds it and Done says nothing more of it is to be uploaded.
type AuditChain struct {
	ID      string
	Restart *AuditRestart
	Current bool
	Acked   int64
	Done    bool
}

// ComputeHash returns the event's hash: the lowercase hex SHA-256 of
// PrevHash followed by the event's canonical JSON (without "hash").
func (e AuditEvent) ComputeHash() string {
	raw, err := json.Marshal(e)
	if err != nil { // a time outside year 0..9999; hash it anyway, it will not verify
		raw = []byte(fmt.Sprintf(`{"seq":%d}`, e.Seq))
	}
	h, _ := AuditHash(raw)
	return h
}

// Seal sets Hash from the other fields and returns the event.
func (e AuditEvent) Seal() AuditEvent {
	e.Hash = e.ComputeHash()
	return e
}

// AuditHash computes the audit hash of an event given as raw JSON, as a
// server that never decodes into AuditEvent would: the "prev_hash" member
// (a string, may be empty) followed by the canonical JSON of the object
// without its "hash" member.
func AuditHash(raw []byte) (string, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return "", fmt.Errorf("%w: event is not an object", ErrCanonical)
	}
	var prev string
	if p, ok := obj["prev_hash"]; ok {
		if err := json.Unmarshal(p, &prev); err != nil {
			return "", fmt.Errorf("%w: prev_hash is not a string", ErrCanonical)
		}
	}
	delete(obj, "hash")
	without, _ := json.Marshal(obj)
	canon, err := CanonicalJSON(without)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(append([]byte(prev), canon...))
	return hex.EncodeToString(sum[:]), nil
}

// CanonicalJSON re-encodes a JSON document with object keys sorted
// (byte order), no insignificant spaces, non-ASCII characters unescaped and
// numbers kept as written.
func CanonicalJSON(raw []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCanonical, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data", ErrCanonical)
	}
	var buf bytes.Buffer
	if err := writeCanonical(&buf, v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeCanonical(buf *bytes.Buffer, v any) error {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeString(buf, k)
			buf.WriteByte(':')
			if err := writeCanonical(buf, x[k]); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case []any:
		buf.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeCanonical(buf, e); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case string:
		writeString(buf, x)
	case json.Number:
		buf.WriteString(x.String())
	case bool:
		if x {
			buf.WriteString("true")
		} else {
			buf.WriteString("false")
		}
	case nil:
		buf.WriteString("null")
	default:
		return fmt.Errorf("%w: unexpected %T", ErrCanonical, v)
	}
	return nil
}

func writeString(buf *bytes.Buffer, s string) {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)           // strings always encode
	buf.Truncate(buf.Len() - 1) // Encode appends a newline
}
