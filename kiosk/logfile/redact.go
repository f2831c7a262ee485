package logfile

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
)

// Redacted replaces the value of an attribute that holds personal data.
const Redacted = "[redacted]"

// personalKeys are attribute names whose values are personal data whatever
// they look like.
var personalKeys = map[string]bool{
	"name": true, "id_number": true, "idnumber": true, "phone": true, "mobile": true,
	"address": true, "applicant_name": true, "agent_name": true, "birth_date": true,
}

// Redact wraps h: every message and string-like attribute value is
// scrubbed of full ID numbers (18 characters, the last a digit or X; or 15
// digits) and mainland mobile numbers (11 digits 1[3-9]...), which are
// masked, and attributes named like personal data (name, id_number,
// phone, ...) lose their values.
func Redact(h slog.Handler) slog.Handler { return &redactor{h: h} }

type redactor struct{ h slog.Handler }

func (r *redactor) Enabled(ctx context.Context, l slog.Level) bool { return r.h.Enabled(ctx, l) }

func (r *redactor) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, Scrub(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redactAttr(a))
		return true
	})
	return r.h.Handle(ctx, out)
}

func (r *redactor) WithAttrs(as []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(as))
	for i, a := range as {
		red[i] = redactAttr(a)
	}
	return &redactor{h: r.h.WithAttrs(red)}
}

func (r *redactor) WithGroup(name string) slog.Handler {
	return &redactor{h: r.h.WithGroup(name)}
}

func redactAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	if personalKeys[strings.ToLower(a.Key)] && v.Kind() != slog.KindGroup {
		return slog.String(a.Key, Redacted)
	}
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, Scrub(v.String()))
	case slog.KindInt64, slog.KindUint64:
		// An 18-digit ID number without X fits in an int64.
		if sc := Scrub(v.String()); sc != v.String() {
			return slog.String(a.Key, sc)
		}
	case slog.KindGroup:
		gs := v.Group()
		red := make([]any, len(gs))
		for i, g := range gs {
			red[i] = redactAttr(g)
		}
		return slog.Group(a.Key, red...)
	case slog.KindAny:
		x := v.Any()
		switch x.(type) {
		case error, fmt.Stringer, []byte, string:
			return slog.String(a.Key, Scrub(fmt.Sprint(x)))
		}
		// Structs, maps and slices: go through their JSON form so that
		// fields named like personal data (a kiosk.Person's "name",
		// "id_number", "address") lose their values and the rest is
		// scrubbed.
		raw, err := json.Marshal(x)
		if err != nil {
			return slog.String(a.Key, fmt.Sprintf("[unloggable %T]", x))
		}
		var tree any
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&tree); err != nil {
			return slog.String(a.Key, fmt.Sprintf("[unloggable %T]", x))
		}
		return slog.Any(a.Key, scrubTree(tree))
	}
	return slog.Attr{Key: a.Key, Value: v}
}

func scrubTree(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if personalKeys[strings.ToLower(k)] {
				x[k] = Redacted
			} else {
				x[k] = scrubTree(e)
			}
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = scrubTree(e)
		}
		return x
	case string:
		return Scrub(x)
	case json.Number:
		if sc := Scrub(string(x)); sc != string(x) {
			return sc
		}
	}
	return v
}

// Scrub masks every full ID number and mobile number in s: an ID number
// keeps its first four and last four characters (3101**********1234), a
// mobile number its first three and last four (138****0000). A run is a
// maximal run of ASCII digits, whatever surrounds it, so a number glued to
// letters is caught too; runs of other lengths (times, counts, masked
// numbers, long codes) are left alone.
func Scrub(s string) string {
	var b strings.Builder
	changed := false
	i := 0
	for i < len(s) {
		c := s[i]
		if c < '0' || c > '9' {
			b.WriteByte(c)
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		n := j - i
		end := j
		if n == 17 && j < len(s) && (s[j] == 'X' || s[j] == 'x') {
			end = j + 1
			n = 18
		}
		run := s[i:end]
		switch {
		case n == 18 || n == 15:
			b.WriteString(run[:4] + strings.Repeat("*", n-8) + run[n-4:])
			changed = true
		case n == 11 && run[0] == '1' && run[1] >= '3' && run[1] <= '9':
			b.WriteString(run[:3] + "****" + run[7:])
			changed = true
		default:
			b.WriteString(run)
		}
		i = end
	}
	if !changed {
		return s
	}
	return b.String()
}
