package printer

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/devices/devicetest"
	"github.com/pudong-community/kiosk/devices/escpos"
	"github.com/pudong-community/kiosk/devices/serialport"
)

func TestProbe(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("a printer answers", func(t *testing.T) {
		t.Parallel()
		// Noise before the reply is skipped; 0x12 is a ready printer's DLE EOT 1.
		p := devicetest.NewPlayback(t, 5*time.Millisecond, devicetest.Step{Expect: eot(1), Reply: []byte{0xAA, 0x12}})
		st, err := Probe(ctx, p, 200*time.Millisecond)
		if err != nil || !st.Have[escpos.StatusPrinter] || StateOf(st) != StateReady {
			t.Errorf("status %+v (%s), %v; want a ready printer", st, StateOf(st), err)
		}
	})
	t.Run("nothing answers", func(t *testing.T) {
		t.Parallel()
		p := devicetest.NewPlayback(t, 5*time.Millisecond, devicetest.Step{Expect: eot(1)})
		_, err := Probe(ctx, p, 30*time.Millisecond)
		if !errors.Is(err, ErrNoAnswer) || !errors.Is(err, serialport.ErrTimeout) {
			t.Errorf("err %v, want ErrNoAnswer and serialport.ErrTimeout", err)
		}
	})
	t.Run("the line fails", func(t *testing.T) {
		t.Parallel()
		p := devicetest.NewPlayback(t, 5*time.Millisecond, devicetest.Step{Expect: eot(1), Unplug: true})
		_, err := Probe(ctx, p, 200*time.Millisecond)
		if err == nil || errors.Is(err, serialport.ErrTimeout) {
			t.Errorf("err %v, want the line's failure, not a timeout", err)
		}
	})
}
