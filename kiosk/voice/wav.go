package voice

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// Rate is the sample rate every clip is played at: espeak-ng's own, so a
// synthesised prompt needs no conversion. Recorded files at other rates
// are resampled to it, stereo ones mixed down to mono.
const Rate = 22050

// Limits on a prompt: a file of more than MaxFileBytes or a clip longer
// than MaxDuration is refused (a 10-minute recording is a mistake, not a
// prompt), as is one shorter than MinDuration.
const (
	MaxDuration  = 20 * time.Second
	MinDuration  = 100 * time.Millisecond
	MaxFileBytes = 16 << 20
)

// Clip is a prompt ready to play: mono signed 16-bit samples at Rate.
type Clip struct {
	Rate    int
	Samples []int16
}

// Duration is how long the clip plays.
func (c Clip) Duration() time.Duration {
	if c.Rate <= 0 {
		return 0
	}
	return time.Duration(len(c.Samples)) * time.Second / time.Duration(c.Rate)
}

// Peak is the largest absolute sample.
func (c Clip) Peak() int {
	peak := 0
	for _, s := range c.Samples {
		v := int(s)
		if v < 0 {
			v = -v
		}
		if v > peak {
			peak = v
		}
	}
	return peak
}

// Errors of DecodeWAV.
var (
	ErrNotWAV      = errors.New("voice: not a RIFF/WAVE file")
	ErrNotPCM      = errors.New("voice: not uncompressed PCM")
	ErrEmpty       = errors.New("voice: no samples")
	ErrTooLong     = errors.New("voice: longer than a prompt may be")
	ErrTooShort    = errors.New("voice: shorter than a prompt may be")
	ErrUnsupported = errors.New("voice: unsupported sample format")
)

// DecodeWAV reads a RIFF/WAVE file of uncompressed PCM (8, 16, 24 or 32
// bits, 1 to 8 channels, 8 to 96 kHz) and returns it as a Clip at Rate,
// mixed down to mono. A data chunk that claims more than the file holds (a
// streamed WAV, as espeak-ng --stdout writes) is read to the file's end.
func DecodeWAV(b []byte) (Clip, error) {
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return Clip{}, ErrNotWAV
	}
	var (
		haveFmt              bool
		format, channels     uint16
		rate                 uint32
		blockAlign, bitDepth uint16
	)
	p := 12
	for p+8 <= len(b) {
		id := string(b[p : p+4])
		size := int(binary.LittleEndian.Uint32(b[p+4 : p+8]))
		body := p + 8
		if size < 0 || size > len(b)-body {
			size = len(b) - body
		}
		switch id {
		case "fmt ":
			if size < 16 {
				return Clip{}, fmt.Errorf("%w: short fmt chunk", ErrNotWAV)
			}
			f := b[body:]
			format = binary.LittleEndian.Uint16(f[0:2])
			channels = binary.LittleEndian.Uint16(f[2:4])
			rate = binary.LittleEndian.Uint32(f[4:8])
			blockAlign = binary.LittleEndian.Uint16(f[12:14])
			bitDepth = binary.LittleEndian.Uint16(f[14:16])
			if format == 0xFFFE && size >= 26 {
				format = binary.LittleEndian.Uint16(f[24:26]) // WAVE_FORMAT_EXTENSIBLE: the sub-format
			}
			haveFmt = true
		case "data":
			if !haveFmt {
				return Clip{}, fmt.Errorf("%w: data before fmt", ErrNotWAV)
			}
			return decodePCM(b[body:body+size], format, channels, rate, blockAlign, bitDepth)
		}
		p = body + size + size&1
	}
	if !haveFmt {
		return Clip{}, fmt.Errorf("%w: no fmt chunk", ErrNotWAV)
	}
	return Clip{}, ErrEmpty
}

func decodePCM(data []byte, format, channels uint16, rate uint32, blockAlign, bits uint16) (Clip, error) {
	if format != 1 {
		return Clip{}, fmt.Errorf("%w: format tag %d", ErrNotPCM, format)
	}
	width := int(bits+7) / 8
	if channels < 1 || channels > 8 || rate < 8000 || rate > 96000 || width < 1 || width > 4 || int(blockAlign) != width*int(channels) {
		return Clip{}, fmt.Errorf("%w: %d channels, %d Hz, %d bits, block %d", ErrUnsupported, channels, rate, bits, blockAlign)
	}
	frames := len(data) / int(blockAlign)
	if frames == 0 {
		return Clip{}, ErrEmpty
	}
	d := time.Duration(frames) * time.Second / time.Duration(rate)
	if d > MaxDuration {
		return Clip{}, fmt.Errorf("%w: %s, at most %s", ErrTooLong, d.Round(time.Second), MaxDuration)
	}
	if d < MinDuration {
		return Clip{}, fmt.Errorf("%w: %s, at least %s", ErrTooShort, d, MinDuration)
	}
	mono := make([]int16, frames)
	for i := range mono {
		sum := 0
		for c := 0; c < int(channels); c++ {
			off := i*int(blockAlign) + c*width
			sum += sample(data[off:off+width], width)
		}
		mono[i] = int16(sum / int(channels))
	}
	return Clip{Rate: Rate, Samples: resample(mono, int(rate), Rate)}, nil
}

// sample is one little-endian PCM sample as 16 bits (8-bit WAV is
// unsigned, the wider ones signed).
func sample(b []byte, width int) int {
	switch width {
	case 1:
		return (int(b[0]) - 128) << 8
	case 2:
		return int(int16(binary.LittleEndian.Uint16(b)))
	case 3:
		return int(int32(uint32(b[0])<<8|uint32(b[1])<<16|uint32(b[2])<<24) >> 16)
	default:
		return int(int32(binary.LittleEndian.Uint32(b)) >> 16)
	}
}

// resample converts by linear interpolation; good enough for speech.
func resample(in []int16, from, to int) []int16 {
	if from == to || len(in) == 0 {
		return in
	}
	n := int(int64(len(in)) * int64(to) / int64(from))
	if n < 1 {
		n = 1
	}
	out := make([]int16, n)
	for i := range out {
		pos := float64(i) * float64(from) / float64(to)
		j := int(pos)
		if j >= len(in)-1 {
			out[i] = in[len(in)-1]
			continue
		}
		f := pos - float64(j)
		out[i] = int16(float64(in[j])*(1-f) + float64(in[j+1])*f)
	}
	return out
}

// EncodeWAV writes c as a 16-bit mono PCM WAV file.
func EncodeWAV(c Clip) []byte {
	data := len(c.Samples) * 2
	b := make([]byte, 44+data)
	copy(b[0:], "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+data))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], 1)
	binary.LittleEndian.PutUint16(b[22:], 1)
	binary.LittleEndian.PutUint32(b[24:], uint32(c.Rate))
	binary.LittleEndian.PutUint32(b[28:], uint32(c.Rate*2))
	binary.LittleEndian.PutUint16(b[32:], 2)
	binary.LittleEndian.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(data))
	for i, s := range c.Samples {
		binary.LittleEndian.PutUint16(b[44+2*i:], uint16(s))
	}
	return b
}

// pcm is the clip as little-endian bytes at volume (0-100), for a player.
func pcm(c Clip, volume int) []byte {
	b := make([]byte, 2*len(c.Samples))
	for i, s := range c.Samples {
		v := int(s) * volume / 100
		binary.LittleEndian.PutUint16(b[2*i:], uint16(int16(v)))
	}
	return b
}
