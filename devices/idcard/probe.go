package idcard

import (
	"context"
	"errors"
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

// BaudProbe is what ProbeBauds found on a port.
type BaudProbe struct {
	// Baud is the rate a SAM module answered at; 0 when none did.
	Baud int
	// SAMID is the module's SAM ID; nil when its SAM is not ready.
	SAMID []byte
	// Err is nil when the SAM answered; it wraps ErrNoSAM when a module
	// answered but its SAM is not ready, and otherwise says why nothing
	// answered (the port cannot be opened, the line failed, ErrNoAnswer).
	Err error
}

// ProbeBauds asks the port open gives at each rate in turn whether a SAM
// module is on it (Probe), and stops at the first that answers, or when
// the port cannot be opened or fails.
func ProbeBauds(ctx context.Context, open func(baud int) (serialport.Port, error), bauds []int, timeout time.Duration) BaudProbe {
	res := BaudProbe{Err: fmt.Errorf("%w at any of %v baud", ErrNoAnswer, bauds)}
	for _, b := range bauds {
		p, err := open(b)
		if err != nil {
			res.Err = fmt.Errorf("cannot open: %w", err)
			return res
		}
		pctx, cancel := context.WithTimeout(ctx, 5*timeout)
		id, err := Probe(pctx, p, timeout)
		cancel()
		p.Close()
		switch {
		case err == nil:
			return BaudProbe{Baud: b, SAMID: id}
		case errors.Is(err, ErrNoSAM):
			return BaudProbe{Baud: b, Err: err}
		case errors.Is(err, ErrPortGone):
			res.Err = err
			return res
		}
		if ctx.Err() != nil {
			res.Err = ctx.Err()
			return res
		}
	}
	return res
}
