package idcard_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/devices/devicetest"
	"github.com/pudong-community/kiosk/devices/idcard"
	"github.com/pudong-community/kiosk/devices/sim/sammodule"
)

var h = devicetest.MustHex

func cmd(c idcard.Command) []byte { return idcard.AppendCommand(nil, c) }

func resp(sw3 byte, data []byte) []byte { return idcard.AppendResponse(nil, 0, 0, sw3, data) }

// sampleRead returns the read-base answer data and appended data of a sample card.
func sampleRead(t *testing.T, key string) (idcard.Identity, []byte, []byte) {
	t.Helper()
	c, ok := sammodule.Sample(key)
	if !ok {
		t.Fatalf("no sample %s", key)
	}
	id, err := c.Identity()
	if err != nil {
		t.Fatal(err)
	}
	text, err := idcard.EncodeText(id)
	if err != nil {
		t.Fatal(err)
	}
	app, err := idcard.EncodeAppended(id.AppendedAddresses)
	if err != nil {
		t.Fatal(err)
	}
	return id, idcard.EncodeReadBase(text, id.Photo), app
}

var samID = h("05 00 01 00 15 CD 5B 07 9A 02 00 00 3F 42 0F 00")

func startSteps() []devicetest.Step {
	return []devicetest.Step{
		{Expect: cmd(idcard.CmdSAMStatus), Reply: resp(0x90, nil)},
		{Expect: cmd(idcard.CmdSAMID), Reply: resp(0x90, samID)},
	}
}

// collect runs r until it returns and gathers its events.
func collect(t *testing.T, r *idcard.Reader) ([]idcard.Event, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- r.Run(ctx) }()
	var evs []idcard.Event
	for e := range r.Events() {
		evs = append(evs, e)
	}
	return evs, <-errc
}

func kinds(evs []idcard.Event) []idcard.EventKind {
	var k []idcard.EventKind
	for _, e := range evs {
		k = append(k, e.Kind)
	}
	return k
}

func TestReaderScripted(t *testing.T) {
	t.Parallel()
	want, readData, appData := sampleRead(t, "resident")
	find, sel, read, app := cmd(idcard.CmdFindCard), cmd(idcard.CmdSelectCard), cmd(idcard.CmdReadBase), cmd(idcard.CmdReadAppended)
	okRead := resp(0x90, readData)
	tests := []struct {
		name  string
		steps []devicetest.Step
		want  []idcard.EventKind
		check func(t *testing.T, evs []idcard.Event)
	}{
		{"read then removal seen by the cheap command", []devicetest.Step{
			{Expect: find, Reply: resp(0x80, nil)},
			{Expect: find, Reply: resp(0x9F, make([]byte, 4))},
			{Expect: sel, Reply: resp(0x90, make([]byte, 8))},
			{Expect: read, Reply: okRead},
			{Expect: app, Reply: resp(0x90, appData)},
			// A just-read card does not answer find: that is not removal.
			{Expect: find, Reply: resp(0x80, nil)},
			{Expect: app, Reply: resp(0x90, appData)},
			{Expect: find, Reply: resp(0x80, nil)},
			{Expect: app, Reply: resp(0x41, nil)},
			{Unplug: true},
		}, []idcard.EventKind{idcard.ReaderBack, idcard.CardPresent, idcard.CardRemoved, idcard.ReaderError},
			func(t *testing.T, evs []idcard.Event) {
				got := evs[1].Identity
				if got.IDNumber != want.IDNumber || got.Name != want.Name || len(got.AppendedAddresses) != 2 || len(got.Photo) != 1024 {
					t.Errorf("identity %+v", got)
				}
				if !errors.Is(evs[3].Err, idcard.ErrPortGone) {
					t.Errorf("last error %v, want ErrPortGone", evs[3].Err)
				}
				if evs[2].Lost {
					t.Error("a removal the reader saw is marked lost")
				}
			}},
		{"noise, split answer and a bad checksum retried", []devicetest.Step{
			{Expect: find, Chunks: [][]byte{h("00 13 55"), resp(0x9F, make([]byte, 4))[:6], resp(0x9F, make([]byte, 4))[6:]}},
			{Expect: sel, Reply: h("AA AA AA 96 69 00 0C 00 00 90 00 00 00 00 00 00 00 00 9D")},
			{Expect: sel, Reply: resp(0x90, make([]byte, 8))},
			{Expect: read, Chunks: [][]byte{okRead[:100], okRead[100:1000], okRead[1000:]}},
			{Expect: app, Reply: resp(0x91, nil)},
			{Unplug: true},
		}, []idcard.EventKind{idcard.ReaderBack, idcard.CardPresent, idcard.CardRemoved, idcard.ReaderError}, nil},
		{"bad card: check digit, reported once, then next card", []devicetest.Step{
			{Expect: find, Reply: resp(0x9F, make([]byte, 4))},
			{Expect: sel, Reply: resp(0x90, make([]byte, 8))},
			{Expect: read, Reply: resp(0x90, badCheckDigit(t, readData))},
			{Expect: find, Reply: resp(0x80, nil)},
			{Expect: app, Reply: resp(0x90, nil)},
			{Expect: find, Reply: resp(0x9F, make([]byte, 4))},
			{Expect: sel, Reply: resp(0x90, make([]byte, 8))},
			{Expect: read, Reply: resp(0x90, badCheckDigit(t, readData))},
			{Expect: find, Reply: resp(0x80, nil)},
			{Expect: app, Reply: resp(0x41, nil)},
			{Expect: find, Reply: resp(0x9F, make([]byte, 4))},
			{Expect: sel, Reply: resp(0x90, make([]byte, 8))},
			{Expect: read, Reply: okRead},
			{Expect: app, Reply: resp(0x91, nil)},
			{Unplug: true},
		}, []idcard.EventKind{idcard.ReaderBack, idcard.CardError, idcard.CardPresent, idcard.CardRemoved, idcard.ReaderError},
			func(t *testing.T, evs []idcard.Event) {
				if !errors.Is(evs[1].Err, idcard.ErrCheckDigit) {
					t.Errorf("card error %v, want ErrCheckDigit", evs[1].Err)
				}
			}},
		{"select fails with a status code", []devicetest.Step{
			{Expect: find, Reply: resp(0x9F, make([]byte, 4))},
			{Expect: sel, Reply: resp(0x81, nil)},
			{Unplug: true},
		}, []idcard.EventKind{idcard.ReaderBack, idcard.CardError, idcard.ReaderError},
			func(t *testing.T, evs []idcard.Event) {
				var se *idcard.StatusError
				if !errors.As(evs[1].Err, &se) || se.SW3 != 0x81 {
					t.Errorf("card error %v, want status 81", evs[1].Err)
				}
			}},
		{"module stops answering with a card on it", []devicetest.Step{
			{Expect: find, Reply: resp(0x9F, make([]byte, 4))},
			{Expect: sel, Reply: resp(0x90, make([]byte, 8))},
			{Expect: read, Reply: okRead},
			{Expect: app, Reply: resp(0x91, nil)},
			// No answer while checking the card is still there, three times.
			{Expect: find, Reply: resp(0x80, nil)}, {Expect: app},
			{Expect: find, Reply: resp(0x80, nil)}, {Expect: app},
			{Expect: find, Reply: resp(0x80, nil)}, {Expect: app},
			{Expect: cmd(idcard.CmdSAMStatus)},
			{Unplug: true},
		}, []idcard.EventKind{idcard.ReaderBack, idcard.CardPresent, idcard.CardRemoved, idcard.ReaderError},
			func(t *testing.T, evs []idcard.Event) {
				// Nobody saw the card go: the removal is marked lost.
				if !evs[2].Lost {
					t.Error("the removal sent for a reader that failed with the card on it is not marked lost")
				}
			}},
		{"unknown status code", []devicetest.Step{
			{Expect: find, Reply: resp(0x9F, make([]byte, 4))},
			{Expect: sel, Reply: resp(0x77, nil)},
			{Unplug: true},
		}, []idcard.EventKind{idcard.ReaderBack, idcard.CardError, idcard.ReaderError},
			func(t *testing.T, evs []idcard.Event) {
				if !strings.Contains(evs[1].Err.Error(), "unknown status code 77") {
					t.Errorf("card error %q", evs[1].Err)
				}
			}},
		{"module stops answering", []devicetest.Step{
			{Expect: find, Reply: resp(0x80, nil)},
			{Expect: find}, {Expect: find}, {Expect: find},
			{Expect: cmd(idcard.CmdSAMStatus)}, // after ReconnectInterval, start-up again
			{Unplug: true},
		}, []idcard.EventKind{idcard.ReaderBack, idcard.ReaderError}, func(t *testing.T, evs []idcard.Event) {
			if !errors.Is(evs[1].Err, idcard.ErrNoAnswer) {
				t.Errorf("error %v, want ErrNoAnswer", evs[1].Err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			steps := append(startSteps(), tt.steps...)
			p := devicetest.NewPlayback(t, 5*time.Millisecond, steps...)
			r := idcard.NewReader(p, idcard.Options{PollInterval: time.Millisecond,
				Timeouts: idcard.Timeouts{Find: 30 * time.Millisecond}, ReconnectInterval: time.Millisecond})
			evs, err := collect(t, r)
			if !errors.Is(err, idcard.ErrPortGone) {
				t.Errorf("Run = %v, want ErrPortGone", err)
			}
			if got := kinds(evs); !equalKinds(got, tt.want) {
				t.Fatalf("events %v, want %v", got, tt.want)
			}
			if tt.check != nil {
				tt.check(t, evs)
			}
			st := r.Status()
			if st.SAMID != "05000100"+"15cd5b079a0200003f420f00" || len(st.Frames) == 0 || len(st.Frames) > 50 {
				t.Errorf("status SAM %q, %d frames", st.SAMID, len(st.Frames))
			}
			for _, f := range st.Frames {
				if len(f.Hex) > 100 && f.Note == "" {
					t.Errorf("frame ring keeps a long frame in full: %s", f.Hex[:40])
				}
			}
		})
	}
}

func equalKinds(a, b []idcard.EventKind) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// badCheckDigit changes the last digit of the ID number in a read answer.
func badCheckDigit(t *testing.T, data []byte) []byte {
	b := append([]byte(nil), data...)
	off := 4 + 122 + 17*2
	if b[off] == '0' {
		b[off] = '1'
	} else {
		b[off] = '0'
	}
	return b
}

func TestReaderNoSAM(t *testing.T) {
	t.Parallel()
	p := devicetest.NewPlayback(t, 5*time.Millisecond,
		devicetest.Step{Expect: cmd(idcard.CmdSAMStatus), Reply: resp(0x60, nil)},
		devicetest.Step{Expect: cmd(idcard.CmdSAMStatus), Reply: resp(0x60, nil)},
		devicetest.Step{Unplug: true})
	r := idcard.NewReader(p, idcard.Options{ReconnectInterval: time.Millisecond})
	evs, err := collect(t, r)
	if !errors.Is(err, idcard.ErrPortGone) || len(evs) != 1 || !errors.Is(evs[0].Err, idcard.ErrNoSAM) {
		t.Fatalf("Run = %v, events %v (%v)", err, kinds(evs), evs)
	}
	if r.Status().State != idcard.StateDown {
		t.Errorf("state %s", r.Status().State)
	}
}
