package serialport_test

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/devices/devicetest"
	"github.com/pudong-community/kiosk/devices/serialport"
)

func openPTY(t *testing.T) (*devicetest.PTY, serialport.Port) {
	t.Helper()
	devicetest.NeedsPTY(t)
	p, err := devicetest.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	port, err := serialport.Open(p.SlavePath, 115200, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { port.Close() })
	return p, port
}

func TestOpenExchangesBytesOverPTY(t *testing.T) {
	t.Parallel()
	p, port := openPTY(t)
	if port.Name() != p.SlavePath {
		t.Errorf("Name() = %q, want %q", port.Name(), p.SlavePath)
	}
	// Every byte value must pass unchanged, including CR, LF, XON/XOFF, ^C.
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	tests := []struct {
		name string
		data []byte
	}{
		{"frame", []byte{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x11, 0xFF, 0xED}},
		{"all byte values", all},
		{"newlines", []byte("\r\n\n\r")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// host -> device
			if _, err := port.Write(tt.data); err != nil {
				t.Fatal(err)
			}
			got := make([]byte, len(tt.data))
			if _, err := io.ReadFull(p.Master, got); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.data) {
				t.Errorf("device got % X, want % X", got, tt.data)
			}
			// device -> host
			if _, err := p.Master.Write(tt.data); err != nil {
				t.Fatal(err)
			}
			got = got[:0]
			buf := make([]byte, 64)
			for len(got) < len(tt.data) {
				n, err := port.Read(buf)
				if err != nil {
					t.Fatalf("after %d bytes: %v", len(got), err)
				}
				got = append(got, buf[:n]...)
			}
			if !bytes.Equal(got, tt.data) {
				t.Errorf("host got % X, want % X", got, tt.data)
			}
		})
	}
}

func TestReadTimeoutIsErrTimeout(t *testing.T) {
	t.Parallel()
	_, port := openPTY(t)
	buf := make([]byte, 8)
	for i := 0; i < 2; i++ {
		n, err := port.Read(buf)
		if n != 0 || !errors.Is(err, serialport.ErrTimeout) {
			t.Fatalf("Read with nothing sent = %d, %v; want 0, ErrTimeout", n, err)
		}
	}
}

func TestClosedPort(t *testing.T) {
	t.Parallel()
	_, port := openPTY(t)
	if err := port.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := port.Read(make([]byte, 1)); !errors.Is(err, serialport.ErrClosed) {
		t.Errorf("Read after Close: %v, want ErrClosed", err)
	}
	if _, err := port.Write([]byte{1}); !errors.Is(err, serialport.ErrClosed) {
		t.Errorf("Write after Close: %v, want ErrClosed", err)
	}
	if err := port.Close(); !errors.Is(err, serialport.ErrClosed) {
		t.Errorf("second Close: %v, want ErrClosed", err)
	}
}

func TestUnpluggedPTYFailsWrites(t *testing.T) {
	t.Parallel()
	p, port := openPTY(t)
	p.Close()
	// A hung-up tty reads as end of file (a timeout to us) but refuses
	// writes, which is how drivers learn the line is gone.
	deadline := time.Now().Add(2 * time.Second)
	for {
		_, err := port.Write([]byte{0x11})
		if err != nil {
			if errors.Is(err, serialport.ErrTimeout) || errors.Is(err, serialport.ErrClosed) {
				t.Fatalf("write on unplugged line: %v, want an I/O error", err)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("writes on an unplugged line kept succeeding")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		path string
		baud int
		want error
	}{
		{"bad baud", "/dev/null", 12345, serialport.ErrBadBaud},
		{"missing device", "/nonexistent/ttyS99", 115200, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := serialport.Open(tt.path, tt.baud, time.Second)
			if err == nil {
				p.Close()
				t.Fatal("Open succeeded")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
			if len(err.Error()) < 11 || err.Error()[:11] != "serialport:" {
				t.Errorf("error %q does not start with the package name", err)
			}
		})
	}
}
