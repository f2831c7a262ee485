package backend

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/audit"
	"github.com/pudong-community/kiosk/kiosk/store"
)

// RatingService is kiosk.RatingService: a rating is stored in the
// terminal's queue (durable first) and the relay sends it once, as it does
// submissions. It needs no network.
type RatingService struct {
	b *Backend
	q *store.Ratings
}

// RatingService makes the rating service over the queue q.
func (b *Backend) RatingService(q *store.Ratings) *RatingService {
	return &RatingService{b: b, q: q}
}

var _ kiosk.RatingService = (*RatingService)(nil)

// ErrPersonalRating: a rating whose fields carry what looks like an ID
// number; ratings never hold one.
var ErrPersonalRating = errors.New("backend: a rating must not carry an ID number")

// Rate checks the rating (kiosk.Rating.Validate, and no ID number in any
// of its fields), gives it an id and a time when it has none, stores it
// and wakes the relay. A nil error means it is on disk and will be sent
// exactly once; storing the same rating id again is no error (it is kept
// once).
func (s *RatingService) Rate(ctx context.Context, r kiosk.Rating) error {
	if r.ID == "" {
		r.ID = kiosk.NewSubmissionID()
	}
	if r.At.IsZero() {
		r.At = s.b.now()
	}
	if err := r.Validate(); err != nil {
		return err
	}
	for _, f := range []string{r.CaseNo, r.TicketNo, r.AppointmentNo, r.ItemCode} {
		if err := audit.CheckText(f, 200); err != nil {
			return fmt.Errorf("%w: %v", ErrPersonalRating, err)
		}
	}
	err := s.q.Enqueue(ctx, r)
	if errors.Is(err, store.ErrDuplicate) {
		return nil // stored already: sent once
	}
	if err != nil {
		if errors.Is(err, store.ErrStorageFull) {
			return fmt.Errorf("%w: %v", kiosk.ErrStorageFull, err)
		}
		return err
	}
	if s.b.Relay != nil {
		s.b.Relay.Notify()
	}
	s.b.record(audit.RatingRecorded, "", ratingDetail(r))
	return nil
}

// ratingDetail is the audit detail of a rating: id, service, level, the
// rated number; never anything personal.
func ratingDetail(r kiosk.Rating) string {
	var b strings.Builder
	fmt.Fprintf(&b, "rating %s service %s level %d", r.ID, r.Service, r.Level)
	for _, kv := range [][2]string{{"case", r.CaseNo}, {"ticket", r.TicketNo}, {"appointment", r.AppointmentNo}, {"item", r.ItemCode}} {
		if kv[1] != "" {
			fmt.Fprintf(&b, " %s %s", kv[0], kv[1])
		}
	}
	if len(r.Reasons) > 0 {
		b.WriteString(" reasons " + strings.Join(r.Reasons, ","))
	}
	return b.String()
}
