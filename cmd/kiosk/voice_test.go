package main

import (
	"bytes"
	"encoding/binary"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/config"
	"github.com/pudong-community/kiosk/kiosk/voice"
)

// voiceConfig writes a configuration whose recordings are in dir.
func voiceConfig(t *testing.T, dir string) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), "kiosk.toml")
	if err := os.WriteFile(name, []byte("[voice]\nrecordings = \""+dir+"\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

// beep is a WAV of a 1.2 s tone, stereo at 48 kHz (converted on reading).
func beep() []byte {
	c := voice.Clip{Rate: 48000, Samples: make([]int16, 48000*12/10)}
	for i := range c.Samples {
		c.Samples[i] = int16(8000 * ((i/40)%2*2 - 1))
	}
	mono := voice.EncodeWAV(c)
	// Make it stereo: each sample twice.
	data := mono[44:]
	st := make([]byte, 44, 44+2*len(data))
	copy(st, mono[:44])
	binary.LittleEndian.PutUint16(st[22:], 2)
	binary.LittleEndian.PutUint32(st[28:], 48000*4)
	binary.LittleEndian.PutUint16(st[32:], 4)
	binary.LittleEndian.PutUint32(st[40:], uint32(2*len(data)))
	binary.LittleEndian.PutUint32(st[4:], uint32(36+2*len(data)))
	for i := 0; i < len(data); i += 2 {
		st = append(st, data[i], data[i+1], data[i], data[i+1])
	}
	return st
}

// `kiosk diag voice --say ID --out FILE` writes the prompt; a recording
// staff dropped is the one written.
func TestDiagVoiceWritesARecordedPrompt(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "take_card.en.wav"), beep(), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "p.wav")
	var stdout, stderr bytes.Buffer
	code := runDiagVoice([]string{"--config", voiceConfig(t, dir), "--say", "take_card", "--lang", "en", "--out", out}, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "recorded") {
		t.Errorf("output %q does not say the recording was used", stdout.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	c, err := voice.DecodeWAV(b)
	if err != nil {
		t.Fatal(err)
	}
	if d := c.Duration(); d != 1200*time.Millisecond || c.Peak() < 6000 {
		t.Errorf("wrote %s, peak %d; want the 1.2 s recording at volume 80", d, c.Peak())
	}
}

func TestDiagVoiceSynthesisedAndUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	cfg := voiceConfig(t, t.TempDir())
	if code := runDiagVoice([]string{"--config", cfg, "--say", "no_such"}, &stdout, &stderr); code != exitUsage {
		t.Errorf("unknown prompt: exit %d", code)
	}
	if code := runDiagVoice([]string{"--config", cfg}, &stdout, &stderr); code != exitUsage {
		t.Errorf("nothing asked: exit %d", code)
	}
	stdout.Reset()
	if code := runDiagVoice([]string{"--config", cfg, "--list"}, &stdout, &stderr); code != exitOK {
		t.Fatalf("--list: exit %d", code)
	}
	for _, id := range kiosk.Prompts {
		if !strings.Contains(stdout.String(), string(id)) {
			t.Errorf("--list lacks %s", id)
		}
	}
	if err := (voice.Espeak{}).Available(); err != nil {
		t.Skipf("espeak-ng is not installed (Debian package espeak-ng): %v", err)
	}
	out := filepath.Join(t.TempDir(), "p.wav")
	if code := runDiagVoice([]string{"--config", cfg, "--say", "place_card", "--elder", "--out", out}, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	b, _ := os.ReadFile(out)
	if c, err := voice.DecodeWAV(b); err != nil || c.Duration() < time.Second || c.Peak() < 3000 {
		t.Errorf("wrote %s, peak %d, %v", c.Duration(), c.Peak(), err)
	}
}

// Without a synthesiser or a player the speaker is in the terminal's
// health as degraded: the terminal goes on, silent.
func TestSpeakerWithoutSynthesiserIsDegraded(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	h := kiosk.NewHealth(kiosk.DefaultPolicy(true, false), nil)
	c := config.Default().Voice
	c.Recordings = ""
	sp, _, err := newSpeaker(c, "", h, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	d, ok := h.Snapshot().Device(kiosk.DeviceSpeaker)
	if !ok || d.State != kiosk.StateDegraded || !strings.Contains(d.Detail, "espeak-ng") {
		t.Errorf("speaker health %+v (tracked %v), want degraded naming espeak-ng", d, ok)
	}
	if sh := sp.Health(); sh.State != d.State || sh.Reason != d.Reason || sh.Detail != d.Detail {
		t.Errorf("the speaker says %+v, the terminal %+v", sh, d)
	}
	if len(h.Snapshot().Failed()) != 2 || !h.Snapshot().Available(kiosk.ServiceGuide) {
		t.Errorf("a silent speaker changed what the terminal offers: %+v", h.Snapshot())
	}
	off := config.Default().Voice
	off.Enabled, off.Recordings = false, ""
	h2 := kiosk.NewHealth(kiosk.DefaultPolicy(true, false), nil)
	v := startVoice(t.Context(), off, "", h2, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if v == nil || v.Settings().Enabled {
		t.Fatal("a disabled voice: no speaker for staff, or one that speaks to residents")
	}
	if _, ok := h2.Snapshot().Device(kiosk.DeviceSpeaker); ok {
		t.Error("a disabled speaker is in the devices' health")
	}
}
