package printer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pudong-community/kiosk/devices/escpos"
	"github.com/pudong-community/kiosk/devices/serialport"
)

// Probe asks whatever is on p whether it is a receipt printer: it sends
// DLE EOT 1 and decodes the one-byte reply, waiting at most timeout. When
// nothing sensible comes back the error wraps both ErrNoAnswer and
// serialport.ErrTimeout; any other error means the line failed. The query
// is harmless to a SAM module on the line. It does not close p.
func Probe(ctx context.Context, p serialport.Port, timeout time.Duration) (escpos.Status, error) {
	if _, err := p.Write(escpos.AppendStatusQuery(nil, escpos.StatusPrinter)); err != nil {
		return escpos.Status{}, err
	}
	deadline := time.Now().Add(timeout)
	buf := make([]byte, 64)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		n, err := p.Read(buf)
		for _, b := range buf[:n] {
			if escpos.IsStatusReply(b) {
				return escpos.DecodeStatus(escpos.StatusPrinter, b)
			}
		}
		if err != nil && !errors.Is(err, serialport.ErrTimeout) {
			return escpos.Status{}, err
		}
	}
	return escpos.Status{}, fmt.Errorf("%w: no status reply: %w", ErrNoAnswer, serialport.ErrTimeout)
}
