package main

import (
	"strings"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/devices/devicetest"
	"github.com/pudong-community/kiosk/devices/serialport"
)

// While the terminal holds the reader's port, kiosk diag idcard does not
// read beside it: it says the port is in use by the terminal.
func TestDiagSaysPortInUseByTheTerminal(t *testing.T) {
	devicetest.NeedsPTY(t)
	p, err := devicetest.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	held, err := serialport.Open(p.SlavePath, 115200, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	for _, args := range [][]string{
		{"diag", "idcard", "--port", p.SlavePath, "--wait", "1s"},
		{"diag", "printer", "--port", p.SlavePath, "--baud", "115200"},
	} {
		code, out, errOut := runCapture(args...)
		if code == 0 || !strings.Contains(out+errOut, "in use by the terminal") {
			t.Errorf("%v: exit %d, %s %s", args[:2], code, out, errOut)
		}
	}
}
