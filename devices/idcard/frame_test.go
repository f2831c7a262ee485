package idcard

import (
	"bytes"
	"errors"
	"testing"

	"github.com/pudong-community/kiosk/devices/devicetest"
)

var h = devicetest.MustHex

func TestAppendCommandVectors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cmd  Command
		want string
	}{
		{CmdResetSAM, "AA AA AA 96 69 00 03 10 FF EC"},
		{CmdSAMStatus, "AA AA AA 96 69 00 03 11 FF ED"},
		{CmdSAMID, "AA AA AA 96 69 00 03 12 FF EE"},
		{CmdFindCard, "AA AA AA 96 69 00 03 20 01 22"},
		{CmdSelectCard, "AA AA AA 96 69 00 03 20 02 21"},
		{CmdReadBase, "AA AA AA 96 69 00 03 30 01 32"},
		{CmdReadAppended, "AA AA AA 96 69 00 03 30 03 30"},
		{CmdReadBaseFP, "AA AA AA 96 69 00 03 30 10 23"},
		{Command{Cmd: 0x61, Para: 0xFF, Data: []byte{0x50}}, "AA AA AA 96 69 00 04 61 FF 50 CA"},
		{Command{Cmd: 0x60, Para: 0x00}, "AA AA AA 96 69 00 03 60 00 63"},
		{Command{Cmd: 0x60, Para: 0x01}, "AA AA AA 96 69 00 03 60 01 62"},
		{Command{Cmd: 0x60, Para: 0x02}, "AA AA AA 96 69 00 03 60 02 61"},
		{Command{Cmd: 0x60, Para: 0x03}, "AA AA AA 96 69 00 03 60 03 60"},
		{Command{Cmd: 0x60, Para: 0x04}, "AA AA AA 96 69 00 03 60 04 67"},
	}
	for _, tt := range tests {
		t.Run(tt.cmd.Name()+" "+tt.want[21:], func(t *testing.T) {
			t.Parallel()
			got := AppendCommand(nil, tt.cmd)
			if !bytes.Equal(got, h(tt.want)) {
				t.Errorf("got % X, want %s", got, tt.want)
			}
			body, n, err := Scan(got)
			if err != nil || n != len(got) {
				t.Fatalf("Scan: %v, n=%d", err, n)
			}
			c, err := ParseCommand(body)
			if err != nil || c.Cmd != tt.cmd.Cmd || c.Para != tt.cmd.Para || !bytes.Equal(c.Data, tt.cmd.Data) {
				t.Errorf("ParseCommand = %+v, %v", c, err)
			}
		})
	}
}

func TestScanResponseVectors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		in       string
		sw3      byte
		dataLen  int
		wantErr  error
		consumed int
	}{
		{"find OK", "AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97", StatusFound, 4, nil, 15},
		{"find failed", "AA AA AA 96 69 00 04 00 00 80 84", StatusFindFailed, 0, nil, 11},
		{"select OK", "AA AA AA 96 69 00 0C 00 00 90 00 00 00 00 00 00 00 00 9C", StatusOK, 8, nil, 19},
		{"select failed", "AA AA AA 96 69 00 04 00 00 81 85", StatusSelectFailed, 0, nil, 11},
		{"read failed", "AA AA AA 96 69 00 04 00 00 41 45", StatusReadFailed, 0, nil, 11},
		{"noise before", "00 13 AA 96 AA AA AA 96 69 00 04 00 00 80 84 55", StatusFindFailed, 0, nil, 15},
		{"broken C USB find", "AA AA AA 96 69 00 03 20 01 21", 0, 0, ErrChecksum, 5},
		{"broken C# find", "AA AA AA 96 69 00 03 20 00 22", 0, 0, ErrChecksum, 5},
		{"length too small", "AA AA AA 96 69 00 01 00", 0, 0, ErrLength, 5},
		{"length too large", "AA AA AA 96 69 FF FF", 0, 0, ErrLength, 5},
		{"truncated", "AA AA AA 96 69 00 08 00 00 9F", 0, 0, ErrIncomplete, 0},
		{"header only", "11 22 AA AA AA 96", 0, 0, ErrIncomplete, 2},
		{"noise only", "01 02 03 04 05 06 07", 0, 0, ErrIncomplete, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			body, n, err := Scan(h(tt.in))
			if n != tt.consumed {
				t.Errorf("consumed %d, want %d", n, tt.consumed)
			}
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			r, err := ParseResponse(body)
			if err != nil || r.SW3 != tt.sw3 || len(r.Data) != tt.dataLen || r.SW1 != 0 || r.SW2 != 0 {
				t.Errorf("ParseResponse = %+v, %v", r, err)
			}
		})
	}
}

func TestScanResynchronisesAfterBadFrame(t *testing.T) {
	t.Parallel()
	stream := append(h("AA AA AA 96 69 00 03 20 01 21 FF"), h("AA AA AA 96 69 00 04 00 00 80 84")...)
	var errs []error
	var got []Response
	for len(stream) > 0 {
		body, n, err := Scan(stream)
		stream = stream[n:]
		if errors.Is(err, ErrIncomplete) {
			break
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		r, _ := ParseResponse(body)
		got = append(got, r)
	}
	if len(errs) != 1 || !errors.Is(errs[0], ErrChecksum) {
		t.Errorf("errors %v, want one bad checksum", errs)
	}
	if len(got) != 1 || got[0].SW3 != StatusFindFailed {
		t.Errorf("frames %+v, want the find-failed answer", got)
	}
}

func TestReadBaseFrameSize(t *testing.T) {
	t.Parallel()
	data := EncodeReadBase(make([]byte, TextLen), make([]byte, 1024))
	f := AppendResponse(nil, 0, 0, StatusOK, data)
	if len(f) != 1295 || !bytes.HasPrefix(f, h("AA AA AA 96 69 05 08 00 00 90 01 00 04 00")) {
		t.Errorf("read-base frame: %d bytes, prefix % X", len(f), f[:14])
	}
}

func TestStatusErrorText(t *testing.T) {
	t.Parallel()
	e := &StatusError{Command: CmdReadBase, SW3: StatusReadFailed}
	if got, want := e.Error(), "idcard: read card: status 00 00 41: 读证/卡操作失败 card read failed"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if !errors.Is(e, ErrStatus) {
		t.Error("StatusError is not ErrStatus")
	}
	if s := StatusText(0x77); s != "未知状态 unknown status code 77" {
		t.Errorf("unknown status text %q", s)
	}
}
