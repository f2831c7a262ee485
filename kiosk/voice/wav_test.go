package voice

import (
	"encoding/binary"
	"errors"
	"math"
	"testing"
	"time"
)

// tone is a WAV file of a 440 Hz tone.
func tone(rate, channels, bits int, d time.Duration) []byte {
	frames := int(d * time.Duration(rate) / time.Second)
	width := bits / 8
	data := make([]byte, frames*channels*width)
	for i := 0; i < frames; i++ {
		v := math.Sin(2 * math.Pi * 440 * float64(i) / float64(rate))
		for c := 0; c < channels; c++ {
			off := (i*channels + c) * width
			switch width {
			case 1:
				data[off] = byte(128 + int(v*100))
			case 2:
				binary.LittleEndian.PutUint16(data[off:], uint16(int16(v*20000)))
			}
		}
	}
	b := make([]byte, 44, 44+len(data))
	copy(b, "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+len(data)))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], 1)
	binary.LittleEndian.PutUint16(b[22:], uint16(channels))
	binary.LittleEndian.PutUint32(b[24:], uint32(rate))
	binary.LittleEndian.PutUint32(b[28:], uint32(rate*channels*width))
	binary.LittleEndian.PutUint16(b[32:], uint16(channels*width))
	binary.LittleEndian.PutUint16(b[34:], uint16(bits))
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(len(data)))
	return append(b, data...)
}

func TestDecodeConvertsToMonoAtRate(t *testing.T) {
	for _, tc := range []struct {
		name                string
		rate, channels, bit int
	}{
		{"espeak's own", Rate, 1, 16},
		{"stereo 48 kHz", 48000, 2, 16},
		{"8-bit 8 kHz", 8000, 1, 8},
		{"stereo 44.1 kHz", 44100, 2, 16},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := DecodeWAV(tone(tc.rate, tc.channels, tc.bit, 2*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			if c.Rate != Rate {
				t.Errorf("rate %d, want %d", c.Rate, Rate)
			}
			if d := c.Duration(); d < 1990*time.Millisecond || d > 2010*time.Millisecond {
				t.Errorf("lasts %s, want 2s", d)
			}
			if p := c.Peak(); p < 10000 {
				t.Errorf("peak %d: the tone was lost", p)
			}
		})
	}
}

func TestDecodeRefusesWhatIsNoPrompt(t *testing.T) {
	long := tone(8000, 1, 8, 10*time.Minute)
	empty := tone(Rate, 1, 16, 0)
	mp3 := []byte("ID3\x03\x00\x00\x00\x00\x00\x00 not a wave at all, an mp3 perhaps")
	float := tone(Rate, 1, 16, time.Second)
	binary.LittleEndian.PutUint16(float[20:], 3) // IEEE float
	for _, tc := range []struct {
		name string
		b    []byte
		want error
	}{
		{"empty file", nil, ErrNotWAV},
		{"not a WAV", mp3, ErrNotWAV},
		{"no samples", empty, ErrEmpty},
		{"ten minutes", long, ErrTooLong},
		{"a click", tone(Rate, 1, 16, 20*time.Millisecond), ErrTooShort},
		{"float samples", float, ErrNotPCM},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := DecodeWAV(tc.b); !errors.Is(err, tc.want) {
				t.Errorf("err %v, want %v", err, tc.want)
			}
		})
	}
}

// A streamed WAV (espeak-ng --stdout) claims more data than it holds: it
// is read to its end.
func TestDecodeStreamedWAV(t *testing.T) {
	b := tone(Rate, 1, 16, time.Second)
	binary.LittleEndian.PutUint32(b[4:], 0x7ffff024)
	binary.LittleEndian.PutUint32(b[40:], 0x7ffff000)
	c, err := DecodeWAV(b)
	if err != nil {
		t.Fatal(err)
	}
	if c.Duration() != time.Second {
		t.Errorf("lasts %s", c.Duration())
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	c, err := DecodeWAV(tone(Rate, 1, 16, time.Second))
	if err != nil {
		t.Fatal(err)
	}
	back, err := DecodeWAV(EncodeWAV(c))
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Samples) != len(c.Samples) || back.Peak() != c.Peak() {
		t.Errorf("round trip changed the clip: %d/%d samples, peak %d/%d", len(back.Samples), len(c.Samples), back.Peak(), c.Peak())
	}
}

func FuzzDecodeWAV(f *testing.F) {
	f.Add(tone(Rate, 1, 16, 200*time.Millisecond))
	f.Add(tone(48000, 2, 16, 150*time.Millisecond))
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVEdata\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := DecodeWAV(b)
		if err == nil && (c.Rate != Rate || c.Duration() > MaxDuration || c.Duration() < MinDuration-time.Millisecond) {
			t.Errorf("accepted a clip of %s at %d Hz", c.Duration(), c.Rate)
		}
	})
}
