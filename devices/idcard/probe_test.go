package idcard_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/devices/idcard"
	"github.com/pudong-community/kiosk/devices/serialport"
	"github.com/pudong-community/kiosk/devices/sim/sammodule"
)

// mutePort takes every write and never answers, as a SAM module at another
// baud.
type mutePort struct{}

func (mutePort) Read([]byte) (int, error) {
	time.Sleep(5 * time.Millisecond)
	return 0, serialport.ErrTimeout
}
func (mutePort) Write(b []byte) (int, error) { return len(b), nil }
func (mutePort) Close() error                { return nil }
func (mutePort) Name() string                { return "mute" }

// ProbeBauds tries each rate until a module answers, and says why when
// none does.
func TestProbeBauds(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m := sammodule.New(sammodule.Options{})
	link := filepath.Join(t.TempDir(), "kiosk-idcard")
	srv, err := m.ServePTY(ctx, link)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	var tried []int
	open := func(answerAt int) func(int) (serialport.Port, error) {
		tried = nil
		return func(b int) (serialport.Port, error) {
			tried = append(tried, b)
			if b != answerAt {
				return mutePort{}, nil
			}
			return serialport.Open(link, b, 100*time.Millisecond)
		}
	}

	res := idcard.ProbeBauds(ctx, open(57600), []int{115200, 57600, 9600}, 100*time.Millisecond)
	if res.Err != nil || res.Baud != 57600 || len(res.SAMID) != 16 || !slices.Equal(tried, []int{115200, 57600}) {
		t.Errorf("answering at 57600: %+v after %v", res, tried)
	}
	res = idcard.ProbeBauds(ctx, open(0), []int{115200, 9600}, 30*time.Millisecond)
	if !errors.Is(res.Err, idcard.ErrNoAnswer) || res.Baud != 0 || !slices.Equal(tried, []int{115200, 9600}) {
		t.Errorf("nothing answering: %+v after %v", res, tried)
	}
	gone := errors.New("no such file")
	res = idcard.ProbeBauds(ctx, func(int) (serialport.Port, error) { return nil, gone }, []int{115200, 9600}, 30*time.Millisecond)
	if !errors.Is(res.Err, gone) || res.Baud != 0 {
		t.Errorf("port missing: %+v", res)
	}
}
