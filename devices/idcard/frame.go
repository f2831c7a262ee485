package idcard

import (
	"bytes"
	"fmt"
)

// Frame layout (GA 467 business-terminal interface):
//
//	AA AA AA 96 69 | Len1 Len2 (big-endian) | body | CHK
//
// Len counts the body and the checksum; CHK is the XOR of Len1 through the
// last body byte. A command body is CMD Para Data; a response body is SW1 SW2
// SW3 Data.
const (
	// HeaderLen is the preamble plus the length field.
	HeaderLen = 7
	// MaxFrameLen bounds every frame, in bytes. The largest standard frame
	// is the read-with-fingerprint response, 2321 bytes; longer length
	// fields are rejected before anything is allocated for them.
	MaxFrameLen = 2400
	maxLenField = MaxFrameLen - HeaderLen
	// minLenField is a body of two bytes (CMD Para) plus the checksum.
	minLenField = 3
)

var preamble = []byte{0xAA, 0xAA, 0xAA, 0x96, 0x69}

// Command is a host-to-module request.
type Command struct {
	Cmd, Para byte
	Data      []byte
}

// The commands of the protocol used by this package.
var (
	CmdResetSAM     = Command{Cmd: 0x10, Para: 0xFF}
	CmdSAMStatus    = Command{Cmd: 0x11, Para: 0xFF}
	CmdSAMID        = Command{Cmd: 0x12, Para: 0xFF}
	CmdFindCard     = Command{Cmd: 0x20, Para: 0x01}
	CmdSelectCard   = Command{Cmd: 0x20, Para: 0x02}
	CmdReadBase     = Command{Cmd: 0x30, Para: 0x01}
	CmdReadAppended = Command{Cmd: 0x30, Para: 0x03}
	CmdReadBaseFP   = Command{Cmd: 0x30, Para: 0x10}
)

// Name is a short English name of the command, for errors and logs.
func (c Command) Name() string {
	switch [2]byte{c.Cmd, c.Para} {
	case [2]byte{0x10, 0xFF}:
		return "reset SAM"
	case [2]byte{0x11, 0xFF}:
		return "SAM status"
	case [2]byte{0x12, 0xFF}:
		return "read SAM ID"
	case [2]byte{0x20, 0x01}:
		return "find card"
	case [2]byte{0x20, 0x02}:
		return "select card"
	case [2]byte{0x30, 0x01}:
		return "read card"
	case [2]byte{0x30, 0x03}:
		return "read appended address"
	case [2]byte{0x30, 0x10}:
		return "read card with fingerprint"
	}
	if c.Cmd == 0x60 {
		return "set baud"
	}
	if c.Cmd == 0x61 {
		return "set RF frame size"
	}
	return fmt.Sprintf("command %02X %02X", c.Cmd, c.Para)
}

// AppendFrame appends a complete frame around body to dst.
func AppendFrame(dst, body []byte) []byte {
	n := len(body) + 1
	dst = append(dst, preamble...)
	dst = append(dst, byte(n>>8), byte(n))
	dst = append(dst, body...)
	return append(dst, xor(dst[len(dst)-len(body)-2:]))
}

// AppendCommand appends the frame of c to dst.
func AppendCommand(dst []byte, c Command) []byte {
	body := make([]byte, 0, 2+len(c.Data))
	body = append(body, c.Cmd, c.Para)
	body = append(body, c.Data...)
	return AppendFrame(dst, body)
}

// AppendResponse appends a module response frame to dst.
func AppendResponse(dst []byte, sw1, sw2, sw3 byte, data []byte) []byte {
	body := make([]byte, 0, 3+len(data))
	body = append(body, sw1, sw2, sw3)
	body = append(body, data...)
	return AppendFrame(dst, body)
}

func xor(b []byte) byte {
	var x byte
	for _, c := range b {
		x ^= c
	}
	return x
}

// Scan looks for the first frame in buf, which holds bytes as they came off
// the line. It never allocates: body aliases buf.
//
//   - A good frame: body (between the length field and the checksum), the
//     number of bytes consumed (leading noise included) and nil.
//   - Not enough bytes yet: nil, the number of leading noise bytes that can be
//     dropped, and ErrIncomplete.
//   - A frame with an impossible length or a bad checksum: nil, the bytes to
//     drop to resynchronise (the noise and that frame's preamble), and an
//     error wrapping ErrLength or ErrChecksum. Scanning again after dropping
//     finds the next preamble.
func Scan(buf []byte) (body []byte, n int, err error) {
	i := bytes.Index(buf, preamble)
	if i < 0 {
		// Keep a tail that may be the start of a preamble.
		keep := min(len(buf), len(preamble)-1)
		for keep > 0 && !bytes.HasPrefix(preamble, buf[len(buf)-keep:]) {
			keep--
		}
		return nil, len(buf) - keep, ErrIncomplete
	}
	f := buf[i:]
	if len(f) < HeaderLen {
		return nil, i, ErrIncomplete
	}
	l := int(f[5])<<8 | int(f[6])
	if l < minLenField || l > maxLenField {
		return nil, i + len(preamble), fmt.Errorf("%w: length field %d (allowed %d..%d)", ErrLength, l, minLenField, maxLenField)
	}
	if len(f) < HeaderLen+l {
		return nil, i, ErrIncomplete
	}
	want := xor(f[5 : HeaderLen+l-1])
	got := f[HeaderLen+l-1]
	if want != got {
		return nil, i + len(preamble), fmt.Errorf("%w: got %02X, computed %02X", ErrChecksum, got, want)
	}
	return f[HeaderLen : HeaderLen+l-1], i + HeaderLen + l, nil
}

// Response is a decoded module answer.
type Response struct {
	SW1, SW2, SW3 byte
	Data          []byte
}

// ParseResponse splits a frame body (from Scan) into status and data.
func ParseResponse(body []byte) (Response, error) {
	if len(body) < 3 {
		return Response{}, fmt.Errorf("%w: body of %d bytes, a response has at least 3", ErrResponse, len(body))
	}
	return Response{SW1: body[0], SW2: body[1], SW3: body[2], Data: body[3:]}, nil
}

// ParseCommand splits a frame body into a command, for module emulators.
func ParseCommand(body []byte) (Command, error) {
	if len(body) < 2 {
		return Command{}, fmt.Errorf("%w: body of %d bytes, a command has at least 2", ErrResponse, len(body))
	}
	return Command{Cmd: body[0], Para: body[1], Data: body[2:]}, nil
}

// Status codes (SW3).
const (
	StatusOK           byte = 0x90
	StatusNoContent    byte = 0x91
	StatusFound        byte = 0x9F
	StatusBadChecksum  byte = 0x10
	StatusBadLength    byte = 0x11
	StatusBadCommand   byte = 0x21
	StatusNotPermitted byte = 0x23
	StatusUnrecognised byte = 0x24
	StatusCardAuthSAM  byte = 0x31
	StatusSAMAuthCard  byte = 0x32
	StatusVerifyFailed byte = 0x33
	StatusUnknownCard  byte = 0x40
	StatusReadFailed   byte = 0x41
	StatusRandomFailed byte = 0x47
	StatusSAMSelfTest  byte = 0x60
	StatusSAMNoAuth    byte = 0x66
	StatusFindFailed   byte = 0x80
	StatusSelectFailed byte = 0x81
)

var statusTexts = map[byte]string{
	StatusOK:           "操作成功 success",
	StatusNoContent:    "证/卡中此项无内容 item absent on the card",
	StatusFound:        "寻找证/卡成功 card found",
	StatusBadChecksum:  "接收数据校验和错 module got a bad checksum",
	StatusBadLength:    "接收数据长度错 module got a bad length",
	StatusBadCommand:   "接收数据命令错 unknown command",
	StatusNotPermitted: "越权操作 operation not permitted",
	StatusUnrecognised: "无法识别的错误 unrecognised error",
	StatusCardAuthSAM:  "证/卡认证SAM失败 card failed to authenticate the SAM",
	StatusSAMAuthCard:  "SAM认证证/卡失败 SAM failed to authenticate the card",
	StatusVerifyFailed: "信息验证错误 information verification error",
	StatusUnknownCard:  "无法识别的卡类型 unknown card type",
	StatusReadFailed:   "读证/卡操作失败 card read failed",
	StatusRandomFailed: "取随机数失败 get-random-number failed",
	StatusSAMSelfTest:  "SAM自检失败 SAM self-test failed",
	StatusSAMNoAuth:    "SAM未经授权 SAM not authorised",
	StatusFindFailed:   "寻找证/卡失败 no card found",
	StatusSelectFailed: "选取证/卡失败 select card failed",
}

// StatusText describes an SW3 status code, Chinese then English.
func StatusText(sw3 byte) string {
	if s, ok := statusTexts[sw3]; ok {
		return s
	}
	return fmt.Sprintf("未知状态 unknown status code %02X", sw3)
}
