package kiosk

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// The device health model, after CUSS's "required components" and CEN/XFS's
// state events: every device the terminal drives has a state, a detail in
// staff's words, the time it entered that state and whether the terminal's
// services depend on it. The drivers' events feed Health.Set; the resident
// screens subscribe and change within a second when a required device
// fails, and change back by themselves when it recovers.

// DeviceState is the state of one device.
type DeviceState string

// Device states. Degraded works (paper near its end, a slow line); offline
// does not answer; error answers but cannot do its work (paper out, cover
// open, SAM fault).
const (
	StateOK       DeviceState = "ok"
	StateDegraded DeviceState = "degraded"
	StateOffline  DeviceState = "offline"
	StateError    DeviceState = "error"
)

// Working reports whether a device in this state can do its work.
func (s DeviceState) Working() bool { return s == StateOK || s == StateDegraded }

// Valid reports whether s is one of the four states.
func (s DeviceState) Valid() bool {
	switch s {
	case StateOK, StateDegraded, StateOffline, StateError:
		return true
	}
	return false
}

// Device names used by the terminal.
const (
	DeviceIDCard  = "idcard"
	DevicePrinter = "printer"
)

// Service is something the resident screens offer.
type Service string

// The resident services.
const (
	ServiceGuide   Service = "guide"   // 办事指南, needs no device
	ServiceCases   Service = "cases"   // 我的办件, needs the card reader
	ServiceApply   Service = "apply"   // 自助申办, needs the card reader
	ServiceReceipt Service = "receipt" // a printed 回执
)

// Services lists every service in display order.
var Services = []Service{ServiceGuide, ServiceCases, ServiceApply, ServiceReceipt}

// DeviceReason says why a device is in its state, as a code: the resident
// screens choose their words by it, while Detail keeps staff's words.
type DeviceReason string

// Device reasons. ReasonNone is a device that works.
const (
	ReasonNone          DeviceReason = ""
	ReasonNotReported   DeviceReason = "not_reported"   // no report from its driver yet
	ReasonNotConfigured DeviceReason = "not_configured" // no port in the configuration
	ReasonOffline       DeviceReason = "offline"        // the port is missing, or the device does not answer
	ReasonPaperNearEnd  DeviceReason = "paper_near_end"
	ReasonPaperOut      DeviceReason = "paper_out"
	ReasonCoverOpen     DeviceReason = "cover_open"
	ReasonCutter        DeviceReason = "cutter"
	ReasonFault         DeviceReason = "fault" // answers but cannot work, for another reason
)

// DefaultReason is the reason of a state reported without one: none for a
// working device, offline or fault otherwise.
func DefaultReason(s DeviceState) DeviceReason {
	switch s {
	case StateOffline:
		return ReasonOffline
	case StateError:
		return ReasonFault
	}
	return ReasonNone
}

// DeviceHealth is what the terminal knows of one device.
type DeviceHealth struct {
	Device   string       `json:"device"`
	State    DeviceState  `json:"state"`
	Reason   DeviceReason `json:"reason,omitempty"` // why, as a code the screens turn into words
	Detail   string       `json:"detail"`           // staff's words: "paper out", "SAM 0x41"
	Since    time.Time    `json:"since"`            // when it entered State
	Required bool         `json:"required"`
}

// DevicePolicy says what a device is for: the services that need it, and
// whether it is required. A required device that is not working makes its
// services unavailable; a device that is not required lets them run
// without it (a printer that is not required: the receipt is shown as a QR
// code on the screen instead).
type DevicePolicy struct {
	Required bool
	Services []Service
}

// Policy maps device names to their policies.
type Policy map[string]DevicePolicy

// DefaultPolicy is the terminal's policy from the two config switches
// (idcard.required, printer.required): the card reader serves "my cases"
// and applications; the printer serves receipts, and applications too when
// it is required.
func DefaultPolicy(idcardRequired, printerRequired bool) Policy {
	p := Policy{
		DeviceIDCard:  {Required: idcardRequired, Services: []Service{ServiceCases, ServiceApply}},
		DevicePrinter: {Required: printerRequired, Services: []Service{ServiceReceipt}},
	}
	if printerRequired {
		p[DevicePrinter] = DevicePolicy{Required: true, Services: []Service{ServiceApply, ServiceReceipt}}
	}
	return p
}

// Unavailability says why a service is not offered.
type Unavailability struct {
	Service Service     `json:"service"`
	Device  string      `json:"device"` // the first failed required device it needs
	State   DeviceState `json:"state"`
	Detail  string      `json:"detail"`
}

// HealthSnapshot is the health of every device at one moment and what it
// means for the services.
type HealthSnapshot struct {
	Devices     []DeviceHealth   `json:"devices"` // sorted by device name
	Unavailable []Unavailability `json:"unavailable"`
	// ReceiptOnScreen: the printer is not working but not required either,
	// so receipts are shown as a QR code on the screen.
	ReceiptOnScreen bool `json:"receipt_on_screen"`
	// Version increases with every change.
	Version uint64 `json:"version"`
}

// Available reports whether s is offered.
func (s HealthSnapshot) Available(svc Service) bool {
	for _, u := range s.Unavailable {
		if u.Service == svc {
			return false
		}
	}
	return true
}

// Why returns the reason svc is unavailable, if it is.
func (s HealthSnapshot) Why(svc Service) (Unavailability, bool) {
	for _, u := range s.Unavailable {
		if u.Service == svc {
			return u, true
		}
	}
	return Unavailability{}, false
}

// Device returns the health of one device.
func (s HealthSnapshot) Device(name string) (DeviceHealth, bool) {
	for _, d := range s.Devices {
		if d.Device == name {
			return d, true
		}
	}
	return DeviceHealth{}, false
}

// Failed lists the devices that are not working, required ones first.
func (s HealthSnapshot) Failed() []DeviceHealth {
	var out []DeviceHealth
	for _, d := range s.Devices {
		if !d.State.Working() {
			out = append(out, d)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Required && !out[j].Required })
	return out
}

// OutOfService reports whether no card service is offered at all (only the
// service guide remains).
func (s HealthSnapshot) OutOfService() bool {
	return !s.Available(ServiceCases) && !s.Available(ServiceApply)
}

// Errors of the health model.
var (
	ErrUnknownDevice = errors.New("kiosk: unknown device")
	ErrBadState      = errors.New("kiosk: bad device state")
)

// MaxDetail bounds a device detail; longer ones are cut.
const MaxDetail = 200

// Health holds the state of every device of a policy. It is safe for
// concurrent use: drivers' event loops call Set, screens and the relay
// subscribe.
type Health struct {
	policy Policy
	now    func() time.Time

	mu      sync.Mutex
	devs    map[string]*DeviceHealth
	version uint64
	subs    map[int]chan HealthSnapshot
	nextSub int
}

// NewHealth returns the health of the policy's devices, each offline with
// the detail "no report yet" until its driver reports. now is the clock
// (nil: time.Now).
func NewHealth(p Policy, now func() time.Time) *Health {
	if now == nil {
		now = time.Now
	}
	h := &Health{policy: Policy{}, now: now, devs: map[string]*DeviceHealth{}, subs: map[int]chan HealthSnapshot{}}
	t := now()
	for name, dp := range p {
		h.policy[name] = DevicePolicy{Required: dp.Required, Services: append([]Service(nil), dp.Services...)}
		h.devs[name] = &DeviceHealth{Device: name, State: StateOffline, Reason: ReasonNotReported, Detail: "no report yet", Since: t, Required: dp.Required}
	}
	return h
}

// Set records a device's state and detail, with the state's default reason
// (DefaultReason). It returns whether anything changed; Since moves only
// when the state changes. Subscribers hear of every change at once.
func (h *Health) Set(device string, state DeviceState, detail string) (bool, error) {
	return h.Report(device, state, DefaultReason(state), detail)
}

// Report is Set with the reason the driver gives.
func (h *Health) Report(device string, state DeviceState, reason DeviceReason, detail string) (bool, error) {
	if !state.Valid() {
		return false, fmt.Errorf("%w: %q", ErrBadState, string(state))
	}
	detail = strings.TrimSpace(detail)
	if r := []rune(detail); len(r) > MaxDetail {
		detail = string(r[:MaxDetail])
	}
	h.mu.Lock()
	d, ok := h.devs[device]
	if !ok {
		h.mu.Unlock()
		return false, fmt.Errorf("%w: %q", ErrUnknownDevice, device)
	}
	if d.State == state && d.Reason == reason && d.Detail == detail {
		h.mu.Unlock()
		return false, nil
	}
	if d.State != state {
		d.Since = h.now()
	}
	d.State, d.Reason, d.Detail = state, reason, detail
	h.version++
	snap := h.snapshotLocked()
	for _, ch := range h.subs {
		offer(ch, snap)
	}
	h.mu.Unlock()
	return true, nil
}

// offer puts snap in ch, replacing an unread older snapshot: a slow
// subscriber sees the newest state, never a stale queue.
func offer(ch chan HealthSnapshot, snap HealthSnapshot) {
	for {
		select {
		case ch <- snap:
			return
		default:
		}
		select {
		case <-ch:
		default:
		}
	}
}

// Snapshot returns the current health.
func (h *Health) Snapshot() HealthSnapshot {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.snapshotLocked()
}

func (h *Health) snapshotLocked() HealthSnapshot {
	s := HealthSnapshot{Version: h.version}
	names := make([]string, 0, len(h.devs))
	for n := range h.devs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		s.Devices = append(s.Devices, *h.devs[n])
	}
	for _, svc := range Services {
		for _, n := range names {
			d, dp := h.devs[n], h.policy[n]
			if d.State.Working() || !dp.Required || !needs(dp, svc) {
				continue
			}
			s.Unavailable = append(s.Unavailable, Unavailability{Service: svc, Device: n, State: d.State, Detail: d.Detail})
			break
		}
	}
	if p, ok := h.devs[DevicePrinter]; ok && !p.State.Working() && !h.policy[DevicePrinter].Required {
		s.ReceiptOnScreen = true
	}
	return s
}

func needs(dp DevicePolicy, svc Service) bool {
	for _, s := range dp.Services {
		if s == svc {
			return true
		}
	}
	return false
}

// Subscribe returns a channel that receives the current snapshot at once
// and then a snapshot after every change (only the newest is kept for a
// slow reader), and a function that ends the subscription and closes the
// channel.
func (h *Health) Subscribe() (<-chan HealthSnapshot, func()) {
	ch := make(chan HealthSnapshot, 1)
	h.mu.Lock()
	id := h.nextSub
	h.nextSub++
	h.subs[id] = ch
	ch <- h.snapshotLocked()
	h.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			h.mu.Lock()
			delete(h.subs, id)
			close(ch)
			h.mu.Unlock()
		})
	}
}
