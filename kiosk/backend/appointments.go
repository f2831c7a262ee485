package backend

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/audit"
)

// AppointmentAPI is the part of the central API appointments need;
// *intake.Client has it (v1.1).
type AppointmentAPI interface {
	Slots(ctx context.Context, category string, from, to time.Time) ([]kiosk.Slot, error)
	Book(ctx context.Context, r kiosk.AppointmentRequest) (kiosk.Appointment, bool, error)
	Appointments(ctx context.Context, idNumber, name string) ([]kiosk.Appointment, error)
	CancelAppointment(ctx context.Context, appointmentNo, idNumber, name string) error
}

// bookingKeyTTL: a booking whose answer was lost is retried under the same
// appointment id for this long (the central system keeps keys 30 days).
const bookingKeyTTL = 24 * time.Hour

// AppointmentService is kiosk.AppointmentService over the central API.
// Every call needs the network: when the terminal knows it is offline it
// fails at once with kiosk.ErrOffline.
type AppointmentService struct {
	b    *Backend
	api  AppointmentAPI
	keys *pendingKeys
}

// AppointmentService makes the appointment service over api.
func (b *Backend) AppointmentService(api AppointmentAPI) *AppointmentService {
	return &AppointmentService{b: b, api: api, keys: newPendingKeys(bookingKeyTTL)}
}

var _ kiosk.AppointmentService = (*AppointmentService)(nil)

// Slots lists the bookable slots of a counter category between from and
// to, in order, without those that have begun or cannot be (ending before
// they start) and without repeats.
func (s *AppointmentService) Slots(ctx context.Context, category string, from, to time.Time) ([]kiosk.Slot, error) {
	if s.b.offline() {
		return nil, errOfflineNow
	}
	got, err := s.api.Slots(ctx, category, from, to)
	if err != nil {
		return nil, netErr(ctx, err)
	}
	now := s.b.now()
	seen := map[string]bool{}
	out := make([]kiosk.Slot, 0, len(got))
	dropped := 0
	for _, sl := range got {
		if sl.ID == "" || seen[sl.ID] || !sl.End.After(sl.Start) || !sl.Start.After(now) {
			dropped++
			continue
		}
		seen[sl.ID] = true
		sl.Remaining = max(sl.Remaining, 0)
		out = append(out, sl)
	}
	if dropped > 0 {
		s.b.log().Warn("slots dropped: past, repeated or malformed", "category", category, "count", dropped)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out, nil
}

// Book books a slot. With r.ID empty the booking's id is made here and
// kept, for this applicant, slot and item, until an answer arrives: a
// retry after a lost answer goes under the same id, so the booking is
// never made twice. An error wrapping kiosk.ErrOffline means no answer
// came (the booking may or may not exist: tapping again finds out).
func (s *AppointmentService) Book(ctx context.Context, r kiosk.AppointmentRequest) (kiosk.Appointment, error) {
	if s.b.offline() {
		return kiosk.Appointment{}, errOfflineNow
	}
	parts := []string{r.Applicant.IDNumber, r.SlotID, r.ItemCode}
	kept := r.ID == ""
	if kept {
		r.ID = s.keys.get(s.b.now(), parts...)
	}
	a, replayed, err := s.api.Book(ctx, r)
	if err == nil && a.No == "" {
		err = errors.New("backend: booking answered without an appointment number")
	}
	if err != nil {
		err = netErr(ctx, err)
		if kept && !errors.Is(err, kiosk.ErrOffline) && ctx.Err() == nil {
			s.keys.done(parts...) // a final answer: the next try is a new booking
		}
		s.b.log().Warn("not booked", "slot", r.SlotID, "item", r.ItemCode, "err", err)
		return kiosk.Appointment{}, err
	}
	if kept {
		s.keys.done(parts...)
	}
	if a.ItemCode == "" {
		a.ItemCode = r.ItemCode
	}
	a.StatusURL = s.b.statusURL("appointment "+a.No, a.StatusURL)
	detail := fmt.Sprintf("appointment %s item %s slot %s", a.No, a.ItemCode, a.Start.In(kiosk.Zone()).Format("2006-01-02 15:04"))
	if replayed {
		detail += " (answer of an earlier request)"
	}
	if r.Agent != nil {
		detail += " by agent " + kiosk.MaskID(r.Agent.Person.IDNumber)
	}
	s.b.record(audit.AppointmentBooked, kiosk.MaskID(r.Applicant.IDNumber), detail)
	return a, nil
}

// Appointments lists the person's bookings from today on.
func (s *AppointmentService) Appointments(ctx context.Context, p kiosk.Person) ([]kiosk.Appointment, error) {
	if s.b.offline() {
		return nil, errOfflineNow
	}
	as, err := s.api.Appointments(ctx, p.IDNumber, p.Name)
	if err != nil {
		return nil, netErr(ctx, err)
	}
	sort.SliceStable(as, func(i, j int) bool { return as[i].Start.Before(as[j].Start) })
	for i := range as {
		as[i].StatusURL = s.b.statusURL("appointment "+as[i].No, as[i].StatusURL)
	}
	return as, nil
}

// Cancel cancels one of the person's bookings (cancelling twice is no
// error); kiosk.ErrNoSuchAppointment when it is not theirs.
func (s *AppointmentService) Cancel(ctx context.Context, appointmentNo string, p kiosk.Person) error {
	if s.b.offline() {
		return errOfflineNow
	}
	if err := s.api.CancelAppointment(ctx, appointmentNo, p.IDNumber, p.Name); err != nil {
		return netErr(ctx, err)
	}
	s.b.record(audit.AppointmentCancelled, kiosk.MaskID(p.IDNumber), "appointment "+appointmentNo)
	return nil
}
