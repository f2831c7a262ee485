package terminal

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/pudong-community/kiosk/kiosk/audit"
	"github.com/pudong-community/kiosk/kiosk/config"
	"github.com/pudong-community/kiosk/kiosk/store"
)

// ConfigFingerprintSetting is the store setting that keeps the
// configuration the terminal last started with, as a JSON object from each
// dotted TOML key ("api.base_url") to a keyed hash of its value: enough to
// tell which keys changed, nothing of what they held.
const ConfigFingerprintSetting = "audit.config_fingerprint"

// noteConfig compares the configuration with the one the terminal last
// started with and records config_changed when keys changed: their names
// only, never a value (so no secret, the API token, the PIN hash, the staff
// cards, the key file's path, can reach the trail). The first start that
// keeps a fingerprint (a new terminal, a database started afresh after a
// recovery, an upgrade from a version without it) records config_changed
// once with the detail "initial", so that the trail shows from which start
// on changes are tracked. An unchanged configuration records nothing.
//
// The fingerprint is saved only once the event is on record: a start whose
// record failed reports the same change at the next start.
func (t *Terminal) noteConfig(ctx context.Context) {
	key, err := store.LoadKey(t.cfg.KeyFilePath())
	if err != nil {
		t.log.Warn("configuration changes not tracked: no sealing key", "err", err)
		return
	}
	now := configFingerprint(t.cfg, key)
	var detail string
	switch old, err := t.st.Setting(ctx, ConfigFingerprintSetting); {
	case errors.Is(err, store.ErrNotFound):
		detail = fmt.Sprintf("initial (%d keys)", len(now))
	case err != nil:
		t.log.Warn("configuration changes not tracked: fingerprint not read", "err", err)
		return
	default:
		var prev map[string]string
		if err := json.Unmarshal([]byte(old), &prev); err != nil {
			t.log.Warn("configuration fingerprint unreadable: taken as a first start", "err", err)
			detail = fmt.Sprintf("initial (%d keys; the last fingerprint was unreadable)", len(now))
			break
		}
		detail = configChanges(prev, now)
		if detail == "" {
			return
		}
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if _, err := t.trail.Record(rctx, audit.ConfigChanged, "", detail); err != nil {
		t.log.Error("audit record failed: the configuration change is reported again at the next start", "kind", string(audit.ConfigChanged), "err", err)
		return
	}
	b, _ := json.Marshal(now)
	if err := t.st.SetSetting(rctx, ConfigFingerprintSetting, string(b)); err != nil {
		t.log.Warn("configuration fingerprint not saved: the change is reported again at the next start", "err", err)
	}
	t.log.Info("configuration changed since the last start", "keys", detail)
}

// configChanges names the keys whose hash differs, and those added and
// removed, sorted; "" when nothing changed.
func configChanges(prev, now map[string]string) string {
	var changed, added, removed []string
	for k, h := range now {
		switch p, ok := prev[k]; {
		case !ok:
			added = append(added, k)
		case p != h:
			changed = append(changed, k)
		}
	}
	for k := range prev {
		if _, ok := now[k]; !ok {
			removed = append(removed, k)
		}
	}
	var parts []string
	for _, g := range []struct {
		name string
		keys []string
	}{{"changed", changed}, {"added", added}, {"removed", removed}} {
		if len(g.keys) > 0 {
			slices.Sort(g.keys)
			parts = append(parts, g.name+": "+strings.Join(g.keys, ", "))
		}
	}
	return strings.Join(parts, "; ")
}

// configFingerprint is, for each dotted TOML key of cfg, the hex HMAC-SHA256
// of the key and its value (JSON) under a key derived from the sealing key,
// so that a copy of the database tells nothing of a value, not even by
// guessing. A token read from api.token_file counts as api.token.
func configFingerprint(cfg config.Config, sealKey []byte) map[string]string {
	vals := map[string]string{}
	flattenConfig("", reflect.ValueOf(cfg), vals)
	if cfg.API.TokenFile != "" {
		if tok, err := cfg.APIToken(); err == nil {
			b, _ := json.Marshal(tok)
			vals["api.token"] = string(b)
		}
	}
	m := hmac.New(sha256.New, sealKey)
	m.Write([]byte("kiosk config fingerprint v1"))
	hkey := m.Sum(nil)
	out := make(map[string]string, len(vals))
	for k, v := range vals {
		h := hmac.New(sha256.New, hkey)
		h.Write([]byte(k))
		h.Write([]byte{0})
		h.Write([]byte(v))
		out[k] = hex.EncodeToString(h.Sum(nil))
	}
	return out
}

var textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()

// flattenConfig puts every leaf of the struct v under its dotted TOML key
// into out, its value as JSON.
func flattenConfig(prefix string, v reflect.Value, out map[string]string) {
	typ := v.Type()
	for i := range typ.NumField() {
		f := typ.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if prefix != "" {
			name = prefix + "." + name
		}
		fv := v.Field(i)
		if fv.Kind() == reflect.Struct && !fv.Type().Implements(textMarshaler) {
			flattenConfig(name, fv, out)
			continue
		}
		b, err := json.Marshal(fv.Interface())
		if err != nil {
			b = []byte(fmt.Sprintf("%#v", fv.Interface()))
		}
		out[name] = string(b)
	}
}
