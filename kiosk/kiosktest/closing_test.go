package kiosktest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
)

func TestRatingsRefuseWhatTheServerWould(t *testing.T) {
	r := NewRatings()
	ctx := context.Background()
	good := kiosk.Rating{ID: "r1", Service: kiosk.RateCaseQuery, Level: 5}
	if err := r.Rate(ctx, good); err != nil {
		t.Fatal(err)
	}
	var rej *kiosk.RejectedError
	for _, bad := range []kiosk.Rating{
		{ID: "r2", Service: kiosk.RateCaseQuery, Level: 5, Reasons: []string{"attitude"}}, // reasons with a good level
		{ID: "r3", Service: kiosk.RateCaseQuery, Level: 2},                                // a poor level without one
		{ID: "r4", Service: "lunch", Level: 4},
	} {
		if err := r.Rate(ctx, bad); !errors.As(err, &rej) {
			t.Errorf("%+v: %v, want a refusal", bad, err)
		}
	}
	r.SetError(kiosk.ErrStorageFull)
	if err := r.Rate(ctx, good); !errors.Is(err, kiosk.ErrStorageFull) {
		t.Errorf("with an error set: %v", err)
	}
	if got := r.Got(); len(got) != 1 || got[0].ID != "r1" || r.Calls() != 5 {
		t.Errorf("kept %+v after %d calls", got, r.Calls())
	}
}

func TestAssistAnswersOrHangs(t *testing.T) {
	a := NewAssist(kiosk.AssistanceResult{Notified: true, Centre: "notified"})
	if res := a.CallStaff(context.Background(), "home", kiosk.AssistResident); !res.Notified {
		t.Errorf("answer %+v", res)
	}
	a.Hang(true)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if res := a.CallStaff(ctx, "cases", kiosk.AssistIdleHelp); res.Notified {
		t.Errorf("a call that timed out answered %+v", res)
	}
	if c := a.Calls(); len(c) != 2 || c[1] != (AssistCall{"cases", kiosk.AssistIdleHelp}) {
		t.Errorf("calls %+v", c)
	}
}
