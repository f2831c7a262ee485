package logfile

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Redacted replaces the value of an attribute that holds personal data.
const Redacted = "[redacted]"

// personalKeys are attribute names whose values are personal data whatever
// they look like (compared lower-cased, '-' and ' ' as '_'). Besides
// these, any key holding "name" is personal unless it names a thing
// (nameThings).
var personalKeys = map[string]bool{
	"name": true, "id_number": true, "idnumber": true, "id_no": true, "idno": true, "phone": true, "mobile": true,
	"tel": true, "telephone": true, "address": true, "addr": true, "birth_date": true, "birthdate": true, "birth": true,
	"dob": true, "pass_number": true, "passnumber": true, "previous_number": true,
	// Parties: a group under them (a LogValuer's masked fields) is
	// walked; a plain value is redacted.
	"applicant": true, "agent": true, "principal": true, "holder": true, "person": true, "resident": true,
}

// nameThings are words that make a key holding "name" name a thing, not a
// person: item_name, center_name, hostname, file_name ...
var nameThings = []string{"item", "center", "centre", "host", "file", "device", "service", "port", "screen", "kind", "font", "key", "table", "chain", "test", "func", "event", "type"}

// personalKey reports whether an attribute named k holds personal data.
func personalKey(k string) bool {
	k = strings.NewReplacer("-", "_", " ", "_").Replace(strings.ToLower(norm.NFKC.String(k)))
	if personalKeys[k] {
		return true
	}
	if !strings.Contains(k, "name") {
		return false
	}
	for _, w := range nameThings {
		if strings.Contains(k, w) {
			return false
		}
	}
	return true
}

// Redact wraps h: every message, key, group name and string-like value is
// scrubbed of full ID numbers (18 characters, the last a digit or X; 15
// digits; an old foreign card's 3 letters and 12 digits) and mainland
// mobile numbers, also when written with spaces or dashes between the
// digits or with full-width or other Unicode digits (matched after NFKC);
// a value that is a Chinese name on its own (2 to 4 Han characters, or a
// minority name joined by '·'), under whatever key, is masked, as is such
// a run inside a message; attributes named like personal data (name,
// id_number, phone, applicant ...) lose their values, unless already
// masked; []byte values are read as text.
func Redact(h slog.Handler) slog.Handler { return &redactor{h: h} }

type redactor struct{ h slog.Handler }

func (r *redactor) Enabled(ctx context.Context, l slog.Level) bool { return r.h.Enabled(ctx, l) }

func (r *redactor) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, scrubNames(Scrub(rec.Message)), rec.PC)
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
	return &redactor{h: r.h.WithGroup(scrubKey(name))}
}

// scrubKey scrubs a key or group name: numbers masked, a name masked.
func scrubKey(k string) string { return scrubNames(Scrub(k)) }

// scrubValue scrubs a string value: numbers masked; the whole value masked
// when it is a name on its own.
func scrubValue(s string) string {
	if isName(strings.TrimSpace(s)) {
		return maskName(strings.TrimSpace(s))
	}
	return scrubNames(Scrub(s))
}

// personalValue is what a personal key's string value becomes: kept when
// it is masked already (a first character then '*'s, or a masked number),
// Redacted otherwise.
func personalValue(s string) string {
	if masked(s) {
		return s
	}
	return Redacted
}

// masked reports whether s is the output of a mask: at most four leading
// and four trailing characters around a run of at least one '*', and no
// other characters.
func masked(s string) bool {
	r := []rune(s)
	stars := 0
	for _, c := range r {
		if c == '*' {
			stars++
		}
	}
	if stars == 0 || len(r)-stars > 8 {
		return false
	}
	first := strings.IndexRune(s, '*')
	last := strings.LastIndex(s, "*")
	return strings.Count(s[first:last+1], "*") == last-first+1
}

func redactAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	key := scrubKey(a.Key)
	personal := personalKey(a.Key)
	switch v.Kind() {
	case slog.KindString:
		if personal {
			return slog.String(key, personalValue(v.String()))
		}
		return slog.String(key, scrubValue(v.String()))
	case slog.KindInt64, slog.KindUint64:
		if personal {
			return slog.String(key, Redacted)
		}
		// An 18-digit ID number without X fits in an int64.
		if sc := Scrub(v.String()); sc != v.String() {
			return slog.String(key, sc)
		}
	case slog.KindGroup:
		gs := v.Group()
		red := make([]any, len(gs))
		for i, g := range gs {
			red[i] = redactAttr(g)
		}
		return slog.Group(key, red...)
	case slog.KindAny:
		x := v.Any()
		var s string
		switch y := x.(type) {
		case []byte:
			s = string(y)
		case error, fmt.Stringer, string:
			s = fmt.Sprint(y)
		default:
			// Structs, maps and slices: go through their JSON form so
			// that fields named like personal data (a kiosk.Person's
			// "name", "id_number", "address") lose their values, and
			// keys and the rest are scrubbed.
			raw, err := json.Marshal(x)
			if err != nil {
				return slog.String(key, fmt.Sprintf("[unloggable %T]", x))
			}
			var tree any
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.UseNumber()
			if err := dec.Decode(&tree); err != nil {
				return slog.String(key, fmt.Sprintf("[unloggable %T]", x))
			}
			if personal {
				if _, ok := tree.(map[string]any); !ok {
					return slog.String(key, Redacted)
				}
			}
			return slog.Any(key, scrubTree(tree))
		}
		if personal {
			return slog.String(key, personalValue(s))
		}
		return slog.String(key, scrubValue(s))
	default:
		if personal {
			return slog.String(key, Redacted)
		}
	}
	return slog.Attr{Key: key, Value: v}
}

func scrubTree(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			nk := scrubKey(k)
			if _, taken := out[nk]; taken {
				nk = fmt.Sprintf("%s#%d", nk, len(out))
			}
			if personalKey(k) {
				switch y := e.(type) {
				case map[string]any:
					out[nk] = scrubTree(y)
				case string:
					out[nk] = personalValue(y)
				default:
					out[nk] = Redacted
				}
			} else {
				out[nk] = scrubTree(e)
			}
		}
		return out
	case []any:
		for i, e := range x {
			x[i] = scrubTree(e)
		}
		return x
	case string:
		return scrubValue(x)
	case json.Number:
		if sc := Scrub(string(x)); sc != string(x) {
			return sc
		}
	}
	return v
}

// Token kinds of Scrub's scan.
const (
	tkOther = iota
	tkDigit
	tkX      // 'X' or 'x': the check character of an ID number, or a letter
	tkLetter // an ASCII letter other than X
	tkSep    // a space, a dash or an invisible format character between digits
)

// token is one rune of the input: its byte span, its kind and, for a
// digit or X, its ASCII form after NFKC.
type token struct {
	start, end int
	kind       int
	c          byte
}

// fold classifies a rune after NFKC: full-width and other compatibility
// digits become ASCII digits, the ideographic space a space, the
// full-width hyphen a hyphen.
func fold(r rune) (kind int, c byte) {
	if r >= utf8.RuneSelf {
		if unicode.Is(unicode.Cf, r) || unicode.IsSpace(r) || unicode.Is(unicode.Pd, r) || r == '\u2212' {
			return tkSep, 0
		}
		f := norm.NFKC.String(string(r))
		if len(f) != 1 {
			return tkOther, 0
		}
		r = rune(f[0])
		if r == ' ' || r == '-' {
			return tkSep, 0
		}
	}
	switch {
	case r >= '0' && r <= '9':
		return tkDigit, byte(r)
	case r == 'X' || r == 'x':
		return tkX, byte(r)
	case r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z':
		return tkLetter, byte(r)
	case r == ' ' || r == '\t' || r == '-':
		return tkSep, 0
	}
	return tkOther, 0
}

// group is a maximal run of digit tokens [from, to) in the token list.
type group struct{ from, to int }

// maxSeps is the most separator characters allowed between two groups of
// digits of one number.
const maxSeps = 3

// Scrub masks every full ID number and mobile number in s: an ID number
// keeps its first four and last four characters (3101**********1234), a
// mobile number its first three and last four (138****0000). Numbers are
// found after folding each character by NFKC (full-width and other
// Unicode digits count as digits) and across up to three spaces, dashes
// or invisible characters between groups of digits ("310115 19900101
// 1234", "138-0013-8000"); a masked number is written in ASCII without
// its separators. An old foreign permanent residence card's number (three
// letters and twelve digits, also with separators between them) is masked
// like an ID number. Groups of digits
// are taken whatever surrounds them, so a number glued to letters is
// caught too; other counts of digits (times, counts, masked numbers, long
// codes) are left alone.
func Scrub(s string) string {
	ascii := true
	digits := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
		if s[i] >= '0' && s[i] <= '9' {
			digits++
		}
	}
	if ascii && digits < 11 {
		return s // fast path: too few digits for any number
	}
	toks := make([]token, 0, len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		k, c := fold(r)
		if r == utf8.RuneError && size <= 1 {
			k = tkOther // a byte that is not UTF-8
		}
		toks = append(toks, token{start: i, end: i + size, kind: k, c: c})
		i += size
	}
	var groups []group
	for i := 0; i < len(toks); {
		if toks[i].kind != tkDigit {
			i++
			continue
		}
		j := i
		for j < len(toks) && toks[j].kind == tkDigit {
			j++
		}
		groups = append(groups, group{i, j})
		i = j
	}
	// linked reports whether groups g and g+1 are one number's parts.
	linked := func(g int) bool {
		gap := groups[g+1].from - groups[g].to
		if gap < 1 || gap > maxSeps {
			return false
		}
		for t := groups[g].to; t < groups[g+1].from; t++ {
			if toks[t].kind != tkSep {
				return false
			}
		}
		return true
	}
	type span struct {
		from, to int // tokens
		keepHead int
		text     []byte // the folded characters of the number
	}
	var spans []span
	for a := 0; a < len(groups); {
		// b: the last group linked to a (an 18-digit number has at most
		// 18 groups).
		b := a
		for b+1 < len(groups) && b-a < 17 && linked(b) {
			b++
		}
		found := false
		for j := b; j >= a && !found; j-- {
			var num []byte
			for g := a; g <= j; g++ {
				for t := groups[g].from; t < groups[g].to; t++ {
					num = append(num, toks[t].c)
				}
			}
			end := groups[j].to
			n := len(num)
			startTok := groups[a].from
			keepHead := 4
			switch {
			case n == 17 && end < len(toks) && toks[end].kind == tkX:
				num = append(num, toks[end].c)
				end++
			case n == 18 || n == 15:
			case n == 11 && num[0] == '1' && num[1] >= '3' && num[1] <= '9':
				keepHead = 3
			case n == 12 && foreignHead(toks, startTok) >= 0:
				// An old foreign card: three letters and twelve digits,
				// also spaced or dashed ("U S A 1100 8102 0013").
				first := foreignHead(toks, startTok)
				var head []byte
				for t := first; t < startTok; t++ {
					if toks[t].kind != tkSep {
						head = append(head, toks[t].c)
					}
				}
				startTok = first
				num = append(head, num...)
			default:
				continue
			}
			spans = append(spans, span{from: startTok, to: end, keepHead: keepHead, text: num})
			a = j + 1
			found = true
		}
		if !found {
			a++
		}
	}
	if len(spans) == 0 {
		return s
	}
	var out strings.Builder
	out.Grow(len(s))
	prev := 0
	for _, sp := range spans {
		out.WriteString(s[prev:toks[sp.from].start])
		n := len(sp.text)
		out.Write(sp.text[:sp.keepHead])
		out.WriteString(strings.Repeat("*", n-sp.keepHead-4))
		out.Write(sp.text[n-4:])
		prev = toks[sp.to-1].end
	}
	out.WriteString(s[prev:])
	return out.String()
}

func isLetter(t token) bool { return t.kind == tkLetter || t.kind == tkX }

// foreignHead is the token of the first of three letters that end right
// before the digit token at start, each pair, and the last letter and the
// digits, apart by at most maxSeps separators (then upper-case, as a
// nationality code is written), and not preceded by another letter (so,
// not the tail of a word); -1 if there are no such letters.
func foreignHead(toks []token, start int) int {
	t, spaced, upper := start, false, true
	for range 3 {
		seps := 0
		for t > 0 && toks[t-1].kind == tkSep && seps < maxSeps {
			t--
			seps++
		}
		if t == 0 || !isLetter(toks[t-1]) {
			return -1
		}
		spaced = spaced || seps > 0
		upper = upper && toks[t-1].c >= 'A' && toks[t-1].c <= 'Z'
		t--
	}
	if spaced && !upper {
		return -1 // "the 123456789012": a word, not a nationality code
	}
	if t > 0 && isLetter(toks[t-1]) {
		return -1
	}
	return t
}

// isHan reports whether r is a Han character (CJK ideographs of every
// block, compatibility ones included).
func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// nameDot reports whether r joins the parts of a minority or foreign name
// written in Chinese (阿依古丽·买买提).
func nameDot(r rune) bool {
	return r == '·' || r == '•' || r == '・' || r == '．' || r == '\u2027'
}

// isName reports whether s on its own looks like a Chinese personal name:
// 2 to 4 Han characters, or Han parts joined by a name dot (up to 20).
func isName(s string) bool {
	r := []rune(s)
	if len(r) < 2 || len(r) > 20 {
		return false
	}
	dots := 0
	for i, c := range r {
		switch {
		case isHan(c):
		case nameDot(c) && i > 0 && i < len(r)-1 && !nameDot(r[i-1]):
			dots++
		default:
			return false
		}
	}
	return dots > 0 || len(r) <= 4
}

// scrubNames masks every run of 2 to 4 Han characters (or Han parts joined
// by a name dot) standing alone among non-Han text: in an English message
// or key, that is a name that slipped in.
func scrubNames(s string) string {
	if isASCII(s) {
		return s
	}
	r := []rune(s)
	changed := false
	for i := 0; i < len(r); {
		if !isHan(r[i]) {
			i++
			continue
		}
		j := i
		for j < len(r) && (isHan(r[j]) || nameDot(r[j]) && j+1 < len(r) && isHan(r[j+1]) && j > i) {
			j++
		}
		if isName(string(r[i:j])) {
			for k := i + 1; k < j; k++ {
				r[k] = '*'
			}
			changed = true
		}
		i = j
	}
	if !changed {
		return s
	}
	return string(r)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// maskName keeps a name's first character.
func maskName(s string) string {
	r := []rune(s)
	if len(r) == 0 {
		return ""
	}
	return string(r[0]) + strings.Repeat("*", len(r)-1)
}
