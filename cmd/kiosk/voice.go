package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/config"
	"github.com/pudong-community/kiosk/kiosk/voice"
)

// warmDelay is how long after the start the prompts are rendered ahead.
const warmDelay = 5 * time.Second

// voiceCacheDir is where the rendered prompts are kept.
func voiceCacheDir(cfg config.Config) string {
	return filepath.Join(cfg.Terminal.DataDir, "voice-cache")
}

// voiceSettings are the speaker's settings from the configuration.
func voiceSettings(c config.Voice) voice.Settings {
	s := voice.Settings{Enabled: c.Enabled, Volume: c.Volume, Rate: c.Rate, ElderRate: c.ElderRate}
	// Validate checked both times.
	s.QuietFrom, _ = config.Minutes(c.QuietFrom)
	s.QuietTo, _ = config.Minutes(c.QuietTo)
	if c.QuietFrom == "" {
		s.QuietFrom, s.QuietTo = 0, 0
	}
	return s
}

// newSpeaker is the terminal's voice: espeak-ng, the recordings, aplay on
// the configured device. What is missing (the synthesiser, the player, a
// sound device) is silence with the health entry "speaker" degraded,
// reported once to health and the log.
// The rendered prompts are kept in cacheDir ("" : in memory).
func newSpeaker(c config.Voice, cacheDir string, health *kiosk.Health, log *slog.Logger) (*voice.Speaker, *voice.Library, error) {
	engine := voice.Espeak{}
	lib, err := voice.NewLibrary(engine, c.Recordings)
	if err != nil {
		return nil, nil, err
	}
	if cacheDir != "" {
		if err := lib.CacheIn(cacheDir); err != nil {
			log.Warn("voice: prompts cached in memory", "err", err)
		}
	}
	for _, p := range lib.Problems() {
		log.Warn("voice: recording refused", "problem", p)
	}
	sink := voice.APlay(c.Device)
	sp := voice.NewSpeaker(lib, sink, voiceSettings(c))
	var last kiosk.DeviceHealth // what the log said last: it says each change of state once
	report := func(h kiosk.DeviceHealth) {
		if health != nil {
			if _, err := health.Report(h.Device, h.State, h.Reason, h.Detail); err != nil {
				log.Warn("voice: health", "err", err)
			}
		}
		if h.State == last.State && h.Reason == last.Reason {
			return
		}
		last = h
		if h.State == kiosk.StateOK {
			log.Info("speaker working")
		} else {
			log.Warn("speaker degraded", "reason", string(h.Reason), "detail", h.Detail)
		}
	}
	last = sp.Health()
	if health != nil {
		health.AddDevice(last)
	}
	sp.OnHealth(report)
	sp.OnPlay(func(p kiosk.Prompt, src voice.Source, err error) {
		if err != nil && err != context.Canceled {
			log.Debug("voice: prompt not played", "prompt", string(p.ID), "err", err)
		}
	})
	if c.Enabled {
		if err := engine.Available(); err != nil {
			sp.Degrade(err.Error())
		} else if err := sink.Available(); err != nil {
			sp.Degrade("aplay (alsa-utils) is not installed: no sound")
		} else if !voice.SoundCards() {
			sp.Degrade("no sound device: the prompts are silent")
		}
	}
	return sp, lib, nil
}

// startVoice runs the speaker until ctx ends and renders every prompt
// once in the background, so that the first time one is asked for it is
// already cached. Disabled, the speaker says nothing to residents (Say
// does nothing) but staff can still test it, and it is not in the
// devices' health. It returns nil when the voice cannot be made.
func startVoice(ctx context.Context, c config.Voice, cacheDir string, health *kiosk.Health, log *slog.Logger) *voice.Speaker {
	if !c.Enabled {
		health = nil
	}
	sp, lib, err := newSpeaker(c, cacheDir, health, log)
	if err != nil {
		log.Warn("voice: off", "err", err)
		return nil
	}
	go func() { _ = sp.Run(ctx) }()
	if !c.Enabled {
		return sp
	}
	go func() {
		// Out of the way of the start (two cores): a prompt asked for
		// before is rendered when asked.
		select {
		case <-ctx.Done():
			return
		case <-time.After(warmDelay):
		}
		if err := lib.Warm(ctx, c.Rate, c.ElderRate); err != nil && ctx.Err() == nil {
			log.Warn("voice: prompts not rendered ahead", "err", err)
		}
	}()
	return sp
}
