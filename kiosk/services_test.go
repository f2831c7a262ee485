package kiosk

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestReceiptDataNeverPrintsFullIDs(t *testing.T) {
	t.Parallel()
	d := ReceiptData{LocalNo: "T01-1", ItemCode: "MZ-JLK", ApplicantID: "310115198803120417", AgentID: "31010119900101123X"}
	for _, s := range []string{fmt.Sprint(d), fmt.Sprintf("%v", d), fmt.Sprintf("%+v", d), fmt.Sprintf("%#v", d), d.String()} {
		if strings.Contains(s, d.ApplicantID) || strings.Contains(s, d.AgentID) {
			t.Errorf("formatted receipt data shows a full ID: %s", s)
		}
		if !strings.Contains(s, "3101**********0417") {
			t.Errorf("formatted receipt data lacks the masked ID: %s", s)
		}
	}
}

func TestRejectedError(t *testing.T) {
	t.Parallel()
	err := fmt.Errorf("intake: %w", &RejectedError{Code: "validation_failed", Message: "bad form", Fields: []FieldProblem{{"phone", "not a number"}}})
	var rej *RejectedError
	if !errors.Is(err, ErrRejected) || !errors.As(err, &rej) || rej.Fields[0].Field != "phone" {
		t.Fatalf("errors.Is/As: %v", err)
	}
	if got := err.Error(); !strings.Contains(got, "kiosk: submission refused: validation_failed: bad form; phone: not a number") {
		t.Errorf("message %q", got)
	}
}
