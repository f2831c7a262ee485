package kiosk

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// The submission's parties print and log masked, whatever the verb or the
// handler (without any redactor).
func TestPersonalTypesLogMasked(t *testing.T) {
	t.Parallel()
	p := Person{IDNumber: "310115195001011235", Name: "王秀英", CardType: CardResident, BirthDate: "1950-01-01", Address: "上海市浦东新区张杨路100号"}
	ag := Agent{Person: Person{IDNumber: "11010519491231002X", Name: "李建国", CardType: CardResident}, Relation: "child", AuthorizationRef: "WT-2026-77"}
	sub := Submission{ID: "01JD0000000000000000000000", ItemCode: "MZ-0103", Applicant: p, Agent: &ag, Fields: map[string]string{"phone": "13800138000"}}
	var buf bytes.Buffer
	for _, h := range []slog.Handler{slog.NewJSONHandler(&buf, nil), slog.NewTextHandler(&buf, nil)} {
		slog.New(h).Info("x", "p", p, "pp", &p, "a", ag, "s", sub, "sp", &sub)
	}
	out := buf.String() + fmt.Sprintf("%v %+v %#v %s %v %+v %#v %v %#v", p, p, p, p, ag, ag, ag, sub, sub)
	for _, secret := range []string{"310115195001011235", "19500101", "1950-01-01", "秀英", "张杨路", "11010519491231002X", "建国", "WT-2026-77", "13800138000"} {
		if strings.Contains(out, secret) {
			t.Errorf("%q in %s", secret, out)
		}
	}
	for _, want := range []string{"3101**********1235", "王**", "1101**********002X", "MZ-0103"} {
		if !strings.Contains(out, want) {
			t.Errorf("%q missing from %s", want, out)
		}
	}
}
