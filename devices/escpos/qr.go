package escpos

import "fmt"

// QRLevel is the QR error-correction level of GS ( k fn 69.
type QRLevel byte

// Error-correction levels (the byte values of GS ( k fn 69).
const (
	QRLevelL QRLevel = 48
	QRLevelM QRLevel = 49
	QRLevelQ QRLevel = 50
	QRLevelH QRLevel = 51
)

// MaxQRData is the largest fn 80 payload of any printer found (pL+pH*256 <=
// 7092); QR version 40-L itself holds at most 2953 bytes, so the encoder
// refuses more than that.
const MaxQRData = 2953

// QROptions are the native QR parameters. Zero values mean model 2,
// module 6 dots, level M.
type QROptions struct {
	Module int // dots per module, 1..16
	Level  QRLevel
}

// AppendQR appends the five GS ( k commands that select model 2, set module
// size and error correction, store the payload and print it. The stored
// length counts UTF-8 bytes (not characters), so any payload gets correct
// pL/pH. The quiet zone is the caller's business (feed and alignment).
func AppendQR(b []byte, payload []byte, o QROptions) ([]byte, error) {
	if len(payload) == 0 || len(payload) > MaxQRData {
		return b, fmt.Errorf("%w: %d bytes (1..%d)", ErrQRPayload, len(payload), MaxQRData)
	}
	mod := o.Module
	if mod == 0 {
		mod = 6
	}
	lvl := o.Level
	if lvl == 0 {
		lvl = QRLevelM
	}
	if mod < 1 || mod > 16 {
		return b, fmt.Errorf("%w: module %d dots (1..16)", ErrQRParam, mod)
	}
	if lvl < QRLevelL || lvl > QRLevelH {
		return b, fmt.Errorf("%w: level %d (48..51)", ErrQRParam, lvl)
	}
	b = append(b, GS, '(', 'k', 4, 0, 49, 65, 50, 0)
	b = append(b, GS, '(', 'k', 3, 0, 49, 67, byte(mod))
	b = append(b, GS, '(', 'k', 3, 0, 49, 69, byte(lvl))
	n := len(payload) + 3
	b = append(b, GS, '(', 'k', byte(n), byte(n>>8), 49, 80, 48)
	b = append(b, payload...)
	b = append(b, GS, '(', 'k', 3, 0, 49, 81, 48)
	return b, nil
}
