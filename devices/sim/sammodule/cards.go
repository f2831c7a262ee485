// Package sammodule emulates an ID card reader's SAM_V module: it speaks the
// GA 467 serial protocol byte for byte on any stream or on a pseudo-terminal,
// with sample cards, fault modes and pacing at a real baud rate.
package sammodule

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/pudong-community/kiosk/devices/idcard"
)

//go:embed cards.json
var cardsJSON []byte

// Card is a sample card as written in the JSON fixtures.
type Card struct {
	Key               string   `json:"key"`
	Description       string   `json:"description"`
	Type              string   `json:"type"`
	Name              string   `json:"name"`
	NameEN            string   `json:"name_en,omitempty"`
	Gender            string   `json:"gender"`
	Nation            string   `json:"nation,omitempty"`
	Birth             string   `json:"birth"`
	Address           string   `json:"address,omitempty"`
	IDNumber          string   `json:"id_number"`
	Authority         string   `json:"authority,omitempty"`
	ValidFrom         string   `json:"valid_from"`
	ValidUntil        string   `json:"valid_until"`
	PassNumber        string   `json:"pass_number,omitempty"`
	IssueCount        string   `json:"issue_count,omitempty"`
	Nationality       string   `json:"nationality,omitempty"`
	CardVersion       string   `json:"card_version,omitempty"`
	AppendedAddresses []string `json:"appended_addresses,omitempty"`
}

// CardInfo describes a sample card for a picker; it holds no ID number.
type CardInfo struct {
	Key, Name, Description string
}

var (
	loadOnce sync.Once
	samples  []Card
	loadErr  error
)

func loadSamples() ([]Card, error) {
	loadOnce.Do(func() {
		loadErr = json.Unmarshal(cardsJSON, &samples)
	})
	return samples, loadErr
}

// Samples lists the embedded sample cards.
func Samples() []CardInfo {
	cs, _ := loadSamples()
	out := make([]CardInfo, len(cs))
	for i, c := range cs {
		out[i] = CardInfo{Key: c.Key, Name: c.Name, Description: c.Description}
	}
	return out
}

// Sample returns the embedded card with key.
func Sample(key string) (Card, bool) {
	cs, _ := loadSamples()
	for _, c := range cs {
		if c.Key == key {
			return c, true
		}
	}
	return Card{}, false
}

// Identity converts the fixture to the reader's view of the card.
func (c Card) Identity() (idcard.Identity, error) {
	date := func(s string) (time.Time, error) {
		t, err := time.Parse("20060102", s)
		if err != nil {
			return time.Time{}, fmt.Errorf("sammodule: card %s: bad date %q", c.Key, s)
		}
		return t, nil
	}
	id := idcard.Identity{
		CardType: idcard.CardType(c.Type), Name: c.Name, NameEN: c.NameEN, NationCode: c.Nation,
		Address: c.Address, IDNumber: c.IDNumber, Authority: c.Authority, PassNumber: c.PassNumber,
		IssueCount: c.IssueCount, Nationality: c.Nationality, CardVersion: c.CardVersion,
		AppendedAddresses: c.AppendedAddresses,
	}
	if len(c.Gender) != 1 {
		return id, fmt.Errorf("sammodule: card %s: bad gender %q", c.Key, c.Gender)
	}
	id.Gender = idcard.Gender(c.Gender[0])
	var err error
	if id.BirthDate, err = date(c.Birth); err != nil {
		return id, err
	}
	if id.ValidFrom, err = date(c.ValidFrom); err != nil {
		return id, err
	}
	if c.ValidUntil == "长期" {
		id.LongTerm = true
	} else if id.ValidUntil, err = date(c.ValidUntil); err != nil {
		return id, err
	}
	if c.Nation != "" {
		id.Nation, _ = idcard.NationName(c.Nation)
	}
	id.Photo = samplePhoto(c.Key)
	return id, nil
}

// samplePhoto makes a deterministic 1024-byte stand-in for the WLT photo
// (real WLT data is produced by the card issuer; it starts with "WLf").
func samplePhoto(key string) []byte {
	p := make([]byte, 1024)
	copy(p, "WLf")
	var x uint32 = 2166136261
	for _, c := range []byte(key) {
		x = (x ^ uint32(c)) * 16777619
	}
	for i := 3; i < len(p); i++ {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		p[i] = byte(x)
	}
	return p
}
