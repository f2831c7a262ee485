package sammodule

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/devices/idcard"
)

// conv runs m on one end of a pipe and returns a function that sends a
// command and returns the decoded answer.
func conv(t *testing.T, m *Module) (func(raw []byte) idcard.Response, net.Conn) {
	t.Helper()
	host, dev := net.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); m.Serve(ctx, dev) }()
	t.Cleanup(func() { cancel(); host.Close(); dev.Close(); <-done })
	var buf []byte
	return func(raw []byte) idcard.Response {
		t.Helper()
		host.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := host.Write(raw); err != nil {
			t.Fatal(err)
		}
		tmp := make([]byte, 4096)
		for {
			body, n, err := idcard.Scan(buf)
			if err == nil {
				r, _ := idcard.ParseResponse(body)
				r.Data = bytes.Clone(r.Data)
				buf = buf[n:]
				return r
			}
			if !errors.Is(err, idcard.ErrIncomplete) {
				t.Fatalf("module sent a bad frame: %v", err)
			}
			buf = buf[n:]
			k, err := host.Read(tmp)
			if err != nil {
				t.Fatal(err)
			}
			buf = append(buf, tmp[:k]...)
		}
	}, host
}

func c(cmd idcard.Command) []byte { return idcard.AppendCommand(nil, cmd) }

func TestModuleCardLifecycle(t *testing.T) {
	t.Parallel()
	m := New(Options{})
	send, _ := conv(t, m)
	steps := []struct {
		name    string
		before  func()
		raw     []byte
		sw3     byte
		dataLen int
	}{
		{"status", nil, c(idcard.CmdSAMStatus), 0x90, 0},
		{"SAM ID", nil, c(idcard.CmdSAMID), 0x90, 16},
		{"find, no card", nil, c(idcard.CmdFindCard), 0x80, 0},
		{"select, no card", nil, c(idcard.CmdSelectCard), 0x81, 0},
		{"read, no card", nil, c(idcard.CmdReadBase), 0x41, 0},
		{"find", func() { m.Place("resident") }, c(idcard.CmdFindCard), 0x9F, 4},
		{"read before select", nil, c(idcard.CmdReadBase), 0x41, 0},
		{"select", nil, c(idcard.CmdSelectCard), 0x90, 8},
		{"read", nil, c(idcard.CmdReadBase), 0x90, 4 + 256 + 1024},
		{"appended", nil, c(idcard.CmdReadAppended), 0x90, 140},
		{"find after read", nil, c(idcard.CmdFindCard), 0x80, 0},
		{"appended while present", nil, c(idcard.CmdReadAppended), 0x90, 140},
		{"read with fingerprint", nil, c(idcard.CmdReadBaseFP), 0x90, 6 + 256 + 1024},
		{"appended after removal", func() { m.Remove() }, c(idcard.CmdReadAppended), 0x41, 0},
		{"no appended address", func() { m.Place("hmt") }, c(idcard.CmdFindCard), 0x9F, 4},
		{"select hmt", nil, c(idcard.CmdSelectCard), 0x90, 8},
		{"appended none", nil, c(idcard.CmdReadAppended), 0x91, 0},
		{"broken C USB frame", nil, h("AA AA AA 96 69 00 03 20 01 21"), 0x10, 0},
		{"unknown command", nil, c(idcard.Command{Cmd: 0x20, Para: 0x00}), 0x21, 0},
		{"set baud", nil, c(idcard.Command{Cmd: 0x60, Para: 0x04}), 0x90, 0},
		{"no SAM", func() { m.SetFault(FaultNoSAM, true) }, c(idcard.CmdSAMStatus), 0x60, 0},
		{"no SAM find", nil, c(idcard.CmdFindCard), 0x60, 0},
		{"SAM back", func() { m.SetFault(FaultNoSAM, false) }, c(idcard.CmdSAMStatus), 0x90, 0},
	}
	for _, s := range steps {
		if s.before != nil {
			s.before()
		}
		r := send(s.raw)
		if r.SW3 != s.sw3 || len(r.Data) != s.dataLen || r.SW1 != 0 || r.SW2 != 0 {
			t.Fatalf("%s: got %02X %02X %02X with %d bytes, want %02X with %d", s.name, r.SW1, r.SW2, r.SW3, len(r.Data), s.sw3, s.dataLen)
		}
	}
}

func h(s string) []byte {
	b := make([]byte, 0, len(s)/3+1)
	var v, n byte
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch >= '0' && ch <= '9':
			v, n = v<<4|(ch-'0'), n+1
		case ch >= 'A' && ch <= 'F':
			v, n = v<<4|(ch-'A'+10), n+1
		}
		if n == 2 {
			b, v, n = append(b, v), 0, 0
		}
	}
	return b
}

func TestModuleFaults(t *testing.T) {
	t.Parallel()
	t.Run("bad checksum", func(t *testing.T) {
		t.Parallel()
		m := New(Options{})
		m.SetFault(FaultBadChecksum, true)
		_, host := conv(t, m)
		host.Write(c(idcard.CmdSAMStatus))
		got := make([]byte, 11)
		io.ReadFull(host, got)
		if _, _, err := idcard.Scan(got); !errors.Is(err, idcard.ErrChecksum) {
			t.Errorf("answer % X: %v, want a bad checksum", got, err)
		}
	})
	t.Run("noise and split", func(t *testing.T) {
		t.Parallel()
		m := New(Options{Seed: 7})
		m.SetFault(FaultNoise, true)
		m.SetFault(FaultSplit, true)
		send, _ := conv(t, m)
		for i := 0; i < 20; i++ {
			if r := send(c(idcard.CmdSAMID)); r.SW3 != 0x90 || len(r.Data) != 16 {
				t.Fatalf("answer %+v", r)
			}
		}
	})
	t.Run("unplug: no answer", func(t *testing.T) {
		t.Parallel()
		m := New(Options{})
		m.SetFault(FaultUnplug, true)
		_, host := conv(t, m)
		host.Write(c(idcard.CmdSAMStatus))
		host.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		if n, err := host.Read(make([]byte, 16)); n != 0 || err == nil {
			t.Errorf("unplugged module answered %d bytes", n)
		}
	})
	t.Run("unknown fault and card", func(t *testing.T) {
		t.Parallel()
		m := New(Options{})
		if err := m.SetFault("fire", true); !errors.Is(err, ErrUnknownFault) {
			t.Errorf("SetFault: %v", err)
		}
		if err := m.Place("nobody"); !errors.Is(err, ErrUnknownCard) {
			t.Errorf("Place: %v", err)
		}
	})
}

// TestPacing: at 1200 baud, a status exchange (10 + 11 bytes) cannot take
// less than 175 ms of line time. Only a lower bound: a busy machine is slower.
func TestPacing(t *testing.T) {
	t.Parallel()
	m := New(Options{Baud: 1200, ProcessingTime: 20 * time.Millisecond})
	send, _ := conv(t, m)
	t0 := time.Now()
	send(c(idcard.CmdSAMStatus))
	if d, min := time.Since(t0), 21*10*time.Second/1200+20*time.Millisecond; d < min {
		t.Errorf("exchange took %v, line time and processing are %v", d, min)
	}
	in, out := m.Traffic()
	if in != 10 || out != 11 {
		t.Errorf("traffic %d in, %d out; want 10, 11", in, out)
	}
}

func TestSamples(t *testing.T) {
	t.Parallel()
	types := map[idcard.CardType]bool{}
	flags := map[byte]bool{}
	var longTerm, yan, expired, elder, pua bool
	now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	for _, s := range Samples() {
		if s.Key == "" || s.Name == "" || s.Description == "" {
			t.Errorf("incomplete sample %+v", s)
		}
		card, _ := Sample(s.Key)
		id, err := card.Identity()
		if err != nil {
			t.Fatal(err)
		}
		text, err := idcard.EncodeText(id)
		if err != nil {
			t.Fatalf("%s: %v", s.Key, err)
		}
		got, err := idcard.ParseText(text)
		if err != nil {
			t.Fatalf("%s: the reader rejects the sample: %v", s.Key, err)
		}
		types[got.CardType], flags[got.CardFlag] = true, true
		longTerm = longTerm || got.LongTerm
		yan = yan || bytes.Contains([]byte(got.Name), []byte("䶮"))
		expired = expired || got.Expired(now)
		elder = elder || got.Age(now) >= 60
		pua = pua || len(got.PrivateUse) > 0
	}
	if len(types) != 3 || len(flags) != 4 || !longTerm || !yan || !expired || !elder || !pua {
		t.Errorf("samples miss a case: types %v flags %v long-term %v 䶮 %v expired %v elder %v pua %v",
			types, flags, longTerm, yan, expired, elder, pua)
	}
}
