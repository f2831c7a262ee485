package kiosktest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
)

func TestSampleDataIsValid(t *testing.T) {
	t.Parallel()
	if err := SampleCatalog().Validate(); err != nil {
		t.Fatalf("sample catalogue: %v", err)
	}
	for _, p := range []kiosk.Person{Resident, Elder, Expired, AgentPerson, RareName} {
		if !kiosk.ValidIDNumber(p.IDNumber) || !p.CardType.Valid() || p.Name == "" {
			t.Errorf("sample person %s is not valid", kiosk.MaskID(p.IDNumber))
		}
	}
	for code := range SampleInitials {
		if _, ok := SampleCatalog().Item(code); !ok {
			t.Errorf("initials for unknown item %s", code)
		}
	}
}

func TestCatalogSearch(t *testing.T) {
	t.Parallel()
	c := NewCatalog(SampleCatalog(), SampleInitials)
	for _, tc := range []struct {
		q     string
		first string
		n     int
	}{
		{"MZ-JLK", "MZ-JLK", 1},
		{"老年", "MZ-LNJT", 1},
		{"登记", "JS-SYDJ", 5},
		{"ln", "MZ-LNJT", 1},
		{"LN", "MZ-LNJT", 1},
		{"dj", "JS-SYDJ", 5},
		{"allowance", "MZ-LNJT", 3},
		{"zzz", "", 0},
		{"  ", "", 0},
	} {
		t.Run(tc.q, func(t *testing.T) {
			got, err := c.Search(context.Background(), tc.q, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tc.n || tc.n > 0 && got[0].Code != tc.first {
				var codes []string
				for _, it := range got {
					codes = append(codes, it.Code)
				}
				t.Errorf("Search(%q) = %v, want %d starting with %s", tc.q, codes, tc.n, tc.first)
			}
		})
	}
	if got, _ := c.Search(context.Background(), "登记", 2); len(got) != 2 {
		t.Errorf("limit 2 gave %d", len(got))
	}
	c.SetError(ErrInjected)
	if _, err := c.Catalog(context.Background()); !errors.Is(err, ErrInjected) {
		t.Errorf("injected error: %v", err)
	}
}

func TestSubmitter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 9, 30, 10, 0, 0, 0, time.UTC) // before the October holidays
	s := NewSubmitter(SampleCatalog().Calendar, func() time.Time { return now })
	sub := kiosk.Submission{ID: kiosk.NewSubmissionID(), ItemCode: "MZ-JLK", Applicant: Resident}
	out, err := s.Submit(context.Background(), sub)
	if err != nil || out.Accepted == nil || out.Queued || out.LocalNo == "" {
		t.Fatalf("online submit: %+v, %v", out, err)
	}
	if out.Accepted.DueDate != "2026-10-13" {
		t.Errorf("due date %s skips the holidays wrongly, want 2026-10-13", out.Accepted.DueDate)
	}
	again, _ := s.Submit(context.Background(), sub)
	if again.Accepted == nil || again.Accepted.CaseNo != out.Accepted.CaseNo || len(s.Stored()) != 1 {
		t.Errorf("a repeat of the same id made a new case: %+v", again)
	}

	s.SetOnline(false)
	q, err := s.Submit(context.Background(), kiosk.Submission{ID: kiosk.NewSubmissionID(), ItemCode: "MZ-JLK", Applicant: Resident})
	if err != nil || !q.Queued || q.Accepted != nil {
		t.Errorf("offline submit: %+v, %v", q, err)
	}
	s.SetFull(true)
	if _, err := s.Submit(context.Background(), kiosk.Submission{ID: kiosk.NewSubmissionID(), ItemCode: "MZ-JLK", Applicant: Resident}); !errors.Is(err, kiosk.ErrStorageFull) {
		t.Errorf("full disk: %v", err)
	}
	s.SetFull(false)
	s.SetReject(&kiosk.RejectedError{Code: "card_expired"})
	_, err = s.Submit(context.Background(), kiosk.Submission{ID: kiosk.NewSubmissionID(), ItemCode: "MZ-JLK", Applicant: Resident})
	var rej *kiosk.RejectedError
	if !errors.As(err, &rej) || rej.Code != "card_expired" || !errors.Is(err, kiosk.ErrRejected) {
		t.Errorf("rejection: %v", err)
	}
	if strings.Contains(fmt.Sprint(err), Resident.IDNumber) {
		t.Error("an error names the full ID number")
	}
}

func TestReceiptsAndCases(t *testing.T) {
	t.Parallel()
	r := NewReceipts(nil)
	d := kiosk.ReceiptData{LocalNo: "T01-1", ApplicantID: Resident.IDNumber}
	if _, err := r.Render(d); !errors.Is(err, ErrNoRenderer) {
		t.Errorf("render without renderer: %v", err)
	}
	r.SetError(kiosk.ErrPaperOut)
	if err := r.Print(context.Background(), d); !errors.Is(err, kiosk.ErrPaperOut) || len(r.Printed()) != 0 || r.Attempts() != 1 {
		t.Errorf("paper out: %v", err)
	}
	r.SetError(nil)
	if err := r.Print(context.Background(), d); err != nil || len(r.Printed()) != 1 {
		t.Errorf("print: %v", err)
	}

	c := NewCases()
	c.Put(Resident.IDNumber, SampleCases(time.Now())...)
	got, online, err := c.Cases(context.Background(), Resident)
	if err != nil || !online || len(got) != 3 {
		t.Errorf("cases: %d %v %v", len(got), online, err)
	}
	c.SetOnline(false)
	if got, online, _ := c.Cases(context.Background(), Resident); online || len(got) != 0 {
		t.Errorf("offline cases: %d %v", len(got), online)
	}
	if got, _, _ := c.Cases(context.Background(), Elder); len(got) != 0 {
		t.Error("another resident sees cases")
	}
}

// Readings parses a table once and reads from it.
func TestReadingsParsesOnce(t *testing.T) {
	data := []byte("zhang 张长\nchang 长\n=chang 长\n")
	a, b := Readings(data), Readings(data)
	if a != b {
		t.Error("the same table parsed twice")
	}
	if got, ok := a.Reading('长'); !ok || got != "chang" {
		t.Errorf("Reading(长) = %q, %v", got, ok)
	}
	defer func() {
		if recover() == nil {
			t.Error("a broken table did not panic")
		}
	}()
	Readings([]byte("zhang abc\n"))
}
