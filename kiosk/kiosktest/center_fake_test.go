package kiosktest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
)

func TestCenterFake(t *testing.T) {
	now := time.Date(2026, 11, 27, 9, 30, 0, 0, kiosk.Zone())
	c := NewCenter(SampleCenter(), func() time.Time { return now })
	ctx := context.Background()
	t1, err := c.TakeTicket(ctx, kiosk.TicketRequest{Category: "civil"})
	if err != nil || t1.TicketNo != "B021" || t1.WaitingAhead != 3 {
		t.Fatalf("ticket %+v, %v", t1, err)
	}
	t2, _ := c.TakeTicket(ctx, kiosk.TicketRequest{Category: "civil"})
	if t2.TicketNo != "B022" || t2.WaitingAhead != 4 {
		t.Fatalf("second ticket %+v", t2)
	}
	if _, err := c.TakeTicket(ctx, kiosk.TicketRequest{Category: "nope"}); !errors.Is(err, kiosk.ErrCategoryClosed) {
		t.Fatalf("unknown category: %v", err)
	}
	c.SetErrors(nil, kiosk.ErrOffline, kiosk.ErrOffline)
	if _, err := c.Queue(ctx); !errors.Is(err, kiosk.ErrOffline) {
		t.Fatal(err)
	}
	if got := len(c.Issued()); got != 2 {
		t.Fatalf("issued %d", got)
	}
}

func TestAppointmentsFake(t *testing.T) {
	now := time.Date(2026, 12, 24, 9, 30, 0, 0, kiosk.Zone())
	f := NewAppointments(SampleCenter(), now)
	ctx := context.Background()
	all, err := f.Slots(ctx, "civil", now.AddDate(0, 0, -1), now.AddDate(0, 0, 14))
	if err != nil || len(all) == 0 {
		t.Fatal(err)
	}
	for _, s := range all {
		if !s.Start.After(now) {
			t.Fatalf("past slot %v", s.Start)
		}
		if s.Start.Format("2006-01-02") == "2027-01-01" {
			t.Fatal("a slot on the holiday")
		}
	}
	r := kiosk.AppointmentRequest{ID: "k1", SlotID: all[0].ID, ItemCode: "MZ-DB", Applicant: Resident}
	f.LoseAnswer = true
	if _, err := f.Book(ctx, r); !errors.Is(err, kiosk.ErrOffline) {
		t.Fatalf("lost answer: %v", err)
	}
	a1, err := f.Book(ctx, r)
	if err != nil || len(f.Booked()) != 1 {
		t.Fatalf("retry: %v, booked %d", err, len(f.Booked()))
	}
	r.ID, r.SlotID = "k2", all[1].ID
	if _, err := f.Book(ctx, r); !errors.Is(err, kiosk.ErrAlreadyBooked) {
		t.Fatalf("same item same day: %v", err)
	}
	f.Take(all[2].ID)
	r.ID, r.SlotID, r.ItemCode = "k3", all[2].ID, "MZ-JLK"
	var full *kiosk.SlotFullError
	if _, err := f.Book(ctx, r); !errors.As(err, &full) || len(full.Alternatives) == 0 {
		t.Fatalf("full slot: %v", err)
	}
	if err := f.Cancel(ctx, a1.No, Elder); !errors.Is(err, kiosk.ErrNoSuchAppointment) {
		t.Fatalf("someone else's cancel: %v", err)
	}
	if err := f.Cancel(ctx, a1.No, Resident); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.Appointments(ctx, Resident); len(got) != 0 {
		t.Fatalf("after cancel %+v", got)
	}
}
