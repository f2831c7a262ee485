package idcard

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/devices/serialport"
)

// scriptPort answers each command written to it with the next of its
// answers, and reads as a quiet line once they are read.
type scriptPort struct {
	answers [][]byte
	out     bytes.Buffer
	writes  int
}

func (p *scriptPort) Write(b []byte) (int, error) {
	if p.writes < len(p.answers) {
		p.out.Write(p.answers[p.writes])
	}
	p.writes++
	return len(b), nil
}

func (p *scriptPort) Read(b []byte) (int, error) {
	if p.out.Len() == 0 {
		return 0, serialport.ErrTimeout
	}
	return p.out.Read(b)
}

func (p *scriptPort) Close() error { return nil }
func (p *scriptPort) Name() string { return "script" }

// A failure the command itself gives leaves the line in step: the next
// command goes out at once. Before, every failed presence check (a card
// lifted away answers read appended with 41) made the next command wait
// for a second of quiet line, so the next card took 1.2 s to read instead
// of 0.14 s. An answer only another command gives still makes the reader
// wait for quiet before its next command.
func TestReaderResyncsOnlyOnAnotherCommandsAnswer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const timeout = time.Second
	for _, tc := range []struct {
		name   string
		cmd    Command
		sw3    byte
		resync bool
	}{
		{"lifted card: read appended 41", CmdReadAppended, StatusReadFailed, false},
		{"no card: find 80", CmdFindCard, StatusFindFailed, false},
		{"select 81", CmdSelectCard, StatusSelectFailed, false},
		{"read base 41", CmdReadBase, StatusReadFailed, false},
		{"SAM 60", CmdSAMStatus, StatusSAMSelfTest, false},
		{"find answered 90 (a select's answer)", CmdFindCard, StatusOK, true},
		{"select answered 9F (a find's answer)", CmdSelectCard, StatusFound, true},
		{"read base answered 91 (read appended's)", CmdReadBase, StatusNoContent, true},
		{"read appended answered 80 (a find's)", CmdReadAppended, StatusFindFailed, true},
		{"find answered 41 (a read's failure)", CmdFindCard, StatusReadFailed, true},
		{"find answered 81 (a select's failure)", CmdFindCard, StatusSelectFailed, true},
		{"select answered 60 (the SAM's)", CmdSelectCard, StatusSAMSelfTest, true},
		{"SAM status answered 41 (a read's)", CmdSAMStatus, StatusReadFailed, true},
		{"select 32 (authentication)", CmdSelectCard, StatusSAMAuthCard, false},
		{"find 23 (the module refuses)", CmdFindCard, StatusNotPermitted, false},
		{"read base 24", CmdReadBase, StatusUnrecognised, false},
		{"unknown command: anything", Command{Cmd: 0x60, Para: 0x00}, StatusReadFailed, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := NewReader(&scriptPort{answers: [][]byte{AppendResponse(nil, 0, 0, tc.sw3, nil)}}, Options{})
			ok := []byte{StatusOK}
			if tc.cmd.Cmd == CmdFindCard.Cmd && tc.cmd.Para == CmdFindCard.Para {
				ok = []byte{StatusFound, StatusFindFailed}
			}
			if tc.cmd.Cmd == CmdReadAppended.Cmd && tc.cmd.Para == CmdReadAppended.Para {
				ok = []byte{StatusOK, StatusNoContent}
			}
			_, err := r.command(ctx, tc.cmd, timeout, ok...)
			accepted := err == nil
			if got := r.dirty && r.quiet == timeout; got != tc.resync {
				t.Errorf("after status %02X to %s (accepted %v): waits for a quiet line %v, want %v", tc.sw3, tc.cmd.Name(), accepted, got, tc.resync)
			}
		})
	}
}
