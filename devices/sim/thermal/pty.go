package thermal

import (
	"context"

	"github.com/pudong-community/kiosk/devices/devicetest"
)

// ServePTY puts the printer on a new pseudo-terminal and serves it until ctx
// ends. It returns the slave path a driver opens as its serial port, and a
// channel that yields Serve's result once (after which the terminal is
// closed).
func (p *Printer) ServePTY(ctx context.Context) (slavePath string, done <-chan error, err error) {
	pt, err := devicetest.OpenPTY()
	if err != nil {
		return "", nil, err
	}
	ch := make(chan error, 1)
	go func() {
		err := p.Serve(ctx, pt.Master)
		pt.Close()
		ch <- err
	}()
	return pt.SlavePath, ch, nil
}
