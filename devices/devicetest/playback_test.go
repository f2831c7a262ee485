package devicetest

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/devices/serialport"
)

// recorder catches the failures a Playback reports, so the tests can check
// that a wrong conversation does fail.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}
func (r *recorder) Helper() {}

func TestPlaybackConversation(t *testing.T) {
	t.Parallel()
	p := NewPlayback(t, 0,
		Step{Reply: []byte("hello")}, // unsolicited
		Step{Expect: []byte{1, 2, 3}, Chunks: [][]byte{{9}, {8, 7}}},
		Step{Expect: []byte{4}, Reply: []byte{5}},
	)
	buf := make([]byte, 16)
	n, err := p.Read(buf)
	if err != nil || string(buf[:n]) != "hello" {
		t.Fatalf("first read = %q, %v", buf[:n], err)
	}
	if _, err := p.Read(buf); !errors.Is(err, serialport.ErrTimeout) {
		t.Fatalf("read before write: %v, want ErrTimeout", err)
	}
	// The expected write may come in pieces.
	p.Write([]byte{1})
	p.Write([]byte{2, 3})
	var got []byte
	for range 2 {
		n, err := p.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, buf[:n]...)
		if n != 1 && n != 2 {
			t.Errorf("chunk of %d bytes, want chunks of 1 and 2", n)
		}
	}
	if !bytes.Equal(got, []byte{9, 8, 7}) {
		t.Errorf("reply = % X", got)
	}
	if _, err := p.Write([]byte{4}); err != nil {
		t.Fatal(err)
	}
	if n, _ := p.Read(buf); n != 1 || buf[0] != 5 {
		t.Errorf("last reply = % X", buf[:n])
	}
	if !p.Done() {
		t.Error("Done() = false after the whole script")
	}
}

func TestPlaybackFails(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		steps  []Step
		writes [][]byte
		errs   int
	}{
		{"wrong byte", []Step{{Expect: []byte{1, 2}}}, [][]byte{{1, 3}}, 1},
		{"after end", []Step{{Expect: []byte{1}}}, [][]byte{{1}, {2}}, 1},
		{"unfinished script", []Step{{Expect: []byte{1}}, {Expect: []byte{2}}}, [][]byte{{1}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := &recorder{TB: t}
			var cleanups []func()
			rt := &cleanupTB{recorder: r, cleanups: &cleanups}
			p := NewPlayback(rt, time.Millisecond, tt.steps...)
			for _, w := range tt.writes {
				p.Write(w)
			}
			for _, c := range cleanups {
				c()
			}
			if len(r.errs) != tt.errs {
				t.Errorf("reported %d failures %q, want %d", len(r.errs), r.errs, tt.errs)
			}
		})
	}
}

type cleanupTB struct {
	*recorder
	cleanups *[]func()
}

func (c *cleanupTB) Cleanup(f func()) { *c.cleanups = append(*c.cleanups, f) }

func TestPlaybackUnplugAndClose(t *testing.T) {
	t.Parallel()
	p := NewPlayback(t, 0, Step{Expect: []byte{1}, Reply: []byte{2}, Unplug: true})
	p.Write([]byte{1})
	buf := make([]byte, 4)
	if n, err := p.Read(buf); n != 1 || err != nil {
		t.Fatalf("pending reply before unplug error: %d, %v", n, err)
	}
	if _, err := p.Read(buf); !errors.Is(err, ErrUnplugged) {
		t.Errorf("read after unplug: %v", err)
	}
	if _, err := p.Write([]byte{1}); !errors.Is(err, ErrUnplugged) {
		t.Errorf("write after unplug: %v", err)
	}
	p.Close()
	if _, err := p.Read(buf); !errors.Is(err, serialport.ErrClosed) {
		t.Errorf("read after close: %v", err)
	}
}

func TestPTYRawAndCloseWakesReader(t *testing.T) {
	NeedsPTY(t)
	t.Parallel()
	p, err := OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := p.Master.Read(make([]byte, 1))
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	p.Close()
	select {
	case err := <-done:
		if err == nil {
			t.Errorf("Read after Close returned %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not wake a blocked master Read")
	}
}
