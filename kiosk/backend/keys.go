package backend

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
)

// pendingKeys keeps the idempotency key of a request whose answer has not
// arrived (a timeout, no network), so that the same request made again is
// sent under the same key and the central system answers it with what it
// did the first time instead of doing it twice. A request is known by a
// keyed hash of its parts (an ID number among them), never the parts
// themselves: nothing personal outlives the visit here. A key is forgotten
// when an answer arrives or after ttl.
type pendingKeys struct {
	ttl  time.Duration
	salt [32]byte

	mu   sync.Mutex
	keys map[string]pendingKey
}

type pendingKey struct {
	id   string
	made time.Time
}

func newPendingKeys(ttl time.Duration) *pendingKeys {
	p := &pendingKeys{ttl: ttl, keys: map[string]pendingKey{}}
	rand.Read(p.salt[:])
	return p
}

func (p *pendingKeys) hash(parts ...string) string {
	m := hmac.New(sha256.New, p.salt[:])
	m.Write([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(m.Sum(nil))
}

// get returns the pending key of the request made of parts, or makes and
// remembers a new one.
func (p *pendingKeys) get(now time.Time, parts ...string) string {
	h := p.hash(parts...)
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, v := range p.keys {
		if now.Sub(v.made) > p.ttl || now.Before(v.made.Add(-time.Hour)) {
			delete(p.keys, k)
		}
	}
	if v, ok := p.keys[h]; ok {
		return v.id
	}
	id := kiosk.NewSubmissionID()
	p.keys[h] = pendingKey{id: id, made: now}
	return id
}

// done forgets the key of the request made of parts: its answer arrived.
func (p *pendingKeys) done(parts ...string) {
	h := p.hash(parts...)
	p.mu.Lock()
	delete(p.keys, h)
	p.mu.Unlock()
}

// len is how many keys wait for an answer.
func (p *pendingKeys) len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.keys)
}
