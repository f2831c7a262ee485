package voice

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/pudong-community/kiosk/kiosk"
)

// Source says where a clip came from.
type Source string

// Sources of a clip.
const (
	Synthesised Source = "synthesised"
	Recorded    Source = "recorded"
)

// Library holds the prompts ready to play: recorded files where staff
// dropped them (<prompt-id>.<lang>.wav in the recordings directory), the
// rest synthesised once per language and rate and kept.
type Library struct {
	engine Engine
	texts  map[kiosk.PromptID]map[string]string

	recorded map[clipKey]Clip // read once, at NewLibrary
	problems []string         // recordings refused, in staff's words

	mu    sync.Mutex
	cache map[clipKey]Clip // without a cache directory
	dir   string           // the cache directory: rendered prompts as WAV files
}

type clipKey struct {
	id   kiosk.PromptID
	lang string
	rate int // 0 for a recording: it plays at its own pace
}

// NewLibrary reads the recordings in dir ("" for none) and synthesises the
// rest with engine (nil: recordings only). A recording that is not a
// usable WAV is refused and named in Problems; its prompt is synthesised.
func NewLibrary(engine Engine, dir string) (*Library, error) {
	texts, err := Texts()
	if err != nil {
		return nil, err
	}
	l := &Library{engine: engine, texts: texts, recorded: map[clipKey]Clip{}, cache: map[clipKey]Clip{}}
	if dir != "" {
		l.readRecordings(dir)
	}
	return l, nil
}

func (l *Library) readRecordings(dir string) {
	names, err := filepath.Glob(filepath.Join(dir, "*.wav"))
	if err != nil {
		l.problems = append(l.problems, fmt.Sprintf("recordings %s: %v", dir, err))
		return
	}
	if _, err := os.Stat(dir); err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			l.problems = append(l.problems, fmt.Sprintf("recordings %s: %v", dir, err))
		}
		return
	}
	sort.Strings(names)
	for _, name := range names {
		base := filepath.Base(name)
		parts := strings.Split(strings.TrimSuffix(base, ".wav"), ".")
		if len(parts) != 2 || !Known(kiosk.PromptID(parts[0])) || parts[1] != LangZH && parts[1] != LangEN {
			l.problems = append(l.problems, fmt.Sprintf("%s: not <prompt-id>.<zh|en>.wav of a known prompt; ignored", base))
			continue
		}
		c, err := readClip(name)
		if err != nil {
			l.problems = append(l.problems, fmt.Sprintf("%s: %v; the synthesised prompt plays instead", base, err))
			continue
		}
		l.recorded[clipKey{id: kiosk.PromptID(parts[0]), lang: parts[1]}] = c
	}
}

func readClip(name string) (Clip, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return Clip{}, err
	}
	if fi.Size() > MaxFileBytes {
		return Clip{}, fmt.Errorf("%w: %d bytes, at most %d", ErrTooLong, fi.Size(), MaxFileBytes)
	}
	if fi.Size() == 0 {
		return Clip{}, ErrEmpty
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return Clip{}, err
	}
	return DecodeWAV(b)
}

// Problems are the recordings that were refused, and why.
func (l *Library) Problems() []string { return append([]string(nil), l.problems...) }

// Recorded reports whether a recording replaces the prompt in lang.
func (l *Library) Recorded(id kiosk.PromptID, lang string) bool {
	_, ok := l.recorded[clipKey{id: id, lang: lang}]
	return ok
}

// Text is the prompt's words in lang.
func (l *Library) Text(id kiosk.PromptID, lang string) (string, bool) {
	t, ok := l.texts[id][lang]
	return t, ok
}

// CacheIn keeps rendered prompts as WAV files in dir (made if missing)
// instead of in memory: they survive a restart, and the terminal's
// resident memory does not grow by a few megabytes of samples. A file is
// named by a hash of the words, language and rate, so new words render
// anew. Call it before the first Clip.
func (l *Library) CacheIn(dir string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	l.dir = dir
	return nil
}

func (l *Library) cacheFile(text, lang string, rate int) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("espeak-ng\x00%s\x00%d\x00%s", lang, rate, text)))
	return filepath.Join(l.dir, hex.EncodeToString(sum[:8])+".wav")
}

// Clip is the prompt in lang ready to play: its recording, or its speech
// at rate words per minute, synthesised on first use and kept (in the
// cache directory, or in memory).
func (l *Library) Clip(ctx context.Context, id kiosk.PromptID, lang string, rate int) (Clip, Source, error) {
	if c, ok := l.recorded[clipKey{id: id, lang: lang}]; ok {
		return c, Recorded, nil
	}
	text, ok := l.Text(id, lang)
	if !ok {
		return Clip{}, "", fmt.Errorf("voice: no prompt %q in %q", id, lang)
	}
	k := clipKey{id: id, lang: lang, rate: rate}
	l.mu.Lock()
	c, ok := l.cache[k]
	l.mu.Unlock()
	if ok {
		return c, Synthesised, nil
	}
	var file string
	if l.dir != "" {
		file = l.cacheFile(text, lang, rate)
		if b, err := os.ReadFile(file); err == nil {
			if c, err := DecodeWAV(b); err == nil {
				return c, Synthesised, nil
			}
		}
	}
	if l.engine == nil {
		return Clip{}, "", ErrNoEngine
	}
	wav, err := l.engine.Synthesize(ctx, text, lang, rate)
	if err != nil {
		return Clip{}, "", err
	}
	c, err = DecodeWAV(wav)
	if err != nil {
		return Clip{}, "", fmt.Errorf("voice: %s (%s) from the synthesiser: %w", id, lang, err)
	}
	c = trimLead(c)
	if file != "" {
		// Written whole, then renamed: a reader never sees half a file.
		tmp := file + ".part"
		if err := os.WriteFile(tmp, EncodeWAV(c), 0o640); err == nil && os.Rename(tmp, file) == nil {
			return c, Synthesised, nil
		}
		os.Remove(tmp)
	}
	l.mu.Lock()
	l.cache[k] = c
	l.mu.Unlock()
	return c, Synthesised, nil
}

// Warm renders every prompt in both languages at each rate, so that the
// first time a prompt is asked for it is already cached. It stops at the
// first error (no synthesiser).
func (l *Library) Warm(ctx context.Context, rates ...int) error {
	for _, rate := range rates {
		for _, id := range kiosk.Prompts {
			for _, lang := range []string{LangZH, LangEN} {
				if _, _, err := l.Clip(ctx, id, lang, rate); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// trimLead drops the synthesiser's leading silence but for 10 ms: the
// first sound comes that much sooner.
func trimLead(c Clip) Clip {
	const quiet = 300 // of 32767
	keep := c.Rate / 100
	for i, v := range c.Samples {
		if v > quiet || v < -quiet {
			if i > keep {
				c.Samples = c.Samples[i-keep:]
			}
			break
		}
	}
	return c
}
