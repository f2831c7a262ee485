package idcard

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/pudong-community/kiosk/devices/serialport"
)

// Probe asks whatever is on p whether it is a SAM module: SAM status, then
// SAM ID. It returns the 16-byte SAM ID, or an error wrapping ErrNoAnswer
// (nothing sensible came back), ErrNoSAM (a module answered but its SAM is
// not ready) or ErrPortGone. It does not close p.
func Probe(ctx context.Context, p serialport.Port, timeout time.Duration) ([]byte, error) {
	r := NewReader(p, Options{Timeouts: Timeouts{SAM: timeout},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	r.dirty = true // whatever waits on the line is not ours
	if _, err := r.command(ctx, CmdSAMStatus, timeout, StatusOK); err != nil {
		return nil, samErr(err)
	}
	resp, err := r.command(ctx, CmdSAMID, timeout, StatusOK)
	if err != nil {
		return nil, samErr(err)
	}
	if len(resp.Data) < 16 {
		return nil, fmt.Errorf("%w: SAM ID of %d bytes, want 16", ErrResponse, len(resp.Data))
	}
	return append([]byte(nil), resp.Data[:16]...), nil
}
