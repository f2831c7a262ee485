package terminal

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/audit"
	"github.com/pudong-community/kiosk/kiosk/intake"
)

// Calling staff (呼叫工作人员), honestly: the centre is told (POST
// /v1/assistance, never queued: a call for help that arrives late helps
// nobody) and the local hook rung, in parallel, each within a short
// timeout. The screens promise help only when one of them confirmed.

// AssistAPI is the central call for staff; *intake.Client has it (v1.1).
type AssistAPI interface {
	Assist(ctx context.Context, requestID, screen, reason string, at time.Time) (status, message string, err error)
}

// DefaultAssistTimeout bounds each of the two calls.
const DefaultAssistTimeout = 3 * time.Second

const (
	assistStatusUnknown  = "unreachable" // the centre did not answer, as the audit says it
	maxScreenNameRunes   = 64
	screenNameWhenUnsure = "unknown"
)

// Assistance is kiosk.Assistance: the centre's call and the local hook.
type Assistance struct {
	// API makes the centre's call; nil: none (offline terminal, or an
	// API client without it).
	API AssistAPI
	// Offline, when set, says the terminal knows it is offline: the
	// centre is then not called (the hook still rings).
	Offline func() bool
	// HookURL is POSTed to; Command run by /bin/sh; either may be empty.
	HookURL, Command string
	TerminalID       string
	// Timeout bounds each call (DefaultAssistTimeout).
	Timeout time.Duration
	// Health gets the hook's state (kiosk.DeviceCallStaffHook); optional.
	Health *kiosk.Health
	// Record writes the audit event staff_called; optional.
	Record func(kind audit.Kind, subject, detail string)
	Logger *slog.Logger
	// HTTP posts to the hook (a client without its own timeout is fine:
	// Timeout bounds each call).
	HTTP *http.Client

	once sync.Once
}

var _ kiosk.Assistance = (*Assistance)(nil)

func (a *Assistance) log() *slog.Logger {
	if a.Logger != nil {
		return a.Logger
	}
	return slog.Default()
}

func (a *Assistance) hooked() bool { return a.HookURL != "" || a.Command != "" }

// hookTarget names the hook for staff without what may be secret (user
// info, query).
func (a *Assistance) hookTarget() string {
	var parts []string
	if a.HookURL != "" {
		if u, err := url.Parse(a.HookURL); err == nil {
			parts = append(parts, u.Scheme+"://"+u.Host+u.Path)
		} else {
			parts = append(parts, "hook_url (unreadable)")
		}
	}
	if a.Command != "" {
		parts = append(parts, "command")
	}
	return strings.Join(parts, " and ")
}

// TrackHealth enters the hook into the devices' health: ok when one is
// configured, degraded (not configured) when none is. It returns a.
func (a *Assistance) TrackHealth() *Assistance {
	a.once.Do(func() {
		if a.Health == nil {
			return
		}
		d := kiosk.DeviceHealth{Device: kiosk.DeviceCallStaffHook, State: kiosk.StateOK, Detail: "call-staff hook " + a.hookTarget() + ": not rung since start"}
		if !a.hooked() {
			d.State, d.Reason, d.Detail = kiosk.StateDegraded, kiosk.ReasonNotConfigured,
				"no call-staff hook configured (call_staff.hook_url, call_staff.command): calls for staff reach the centre only"
		}
		a.Health.AddDevice(d)
	})
	return a
}

// CallStaff calls the centre and rings the hook in parallel and says who
// confirmed. It returns within about Timeout whatever either does.
func (a *Assistance) CallStaff(ctx context.Context, screen, reason string) kiosk.AssistanceResult {
	a.TrackHealth()
	timeout := a.Timeout
	if timeout <= 0 {
		timeout = DefaultAssistTimeout
	}
	screen = cleanScreen(screen)
	switch reason {
	case kiosk.AssistResident, kiosk.AssistDeviceFault, kiosk.AssistIdleHelp, kiosk.AssistCardLeft:
	default:
		reason = kiosk.AssistResident
	}
	var (
		wg      sync.WaitGroup
		res     kiosk.AssistanceResult
		hookErr error
		centErr error
	)
	if a.API != nil && (a.Offline == nil || !a.Offline()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			status, msg, err := a.callCentre(cctx, screen, reason)
			res.Centre, res.Message, centErr = status, msg, err
		}()
	} else if a.API != nil {
		centErr = fmt.Errorf("the terminal is offline: the centre was not called")
	}
	if a.hooked() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			hookErr = a.ring(hctx, screen, reason)
			res.Hook = hookErr == nil
		}()
	}
	wg.Wait()
	res.Notified = res.Centre == intake.AssistNotified || res.Hook

	if centErr != nil {
		a.log().Warn("call for staff: the centre was not reached", "screen", screen, "err", centErr)
	}
	if a.hooked() {
		a.hookHealth(hookErr)
	}
	centre := res.Centre
	switch {
	case a.API == nil:
		centre = "not available"
	case centre == "":
		centre = assistStatusUnknown
	}
	hook := "none configured"
	if a.hooked() {
		hook = "confirmed"
		if hookErr != nil {
			hook = "failed"
		}
	}
	level := slog.LevelInfo
	if !res.Notified {
		level = slog.LevelWarn
	}
	a.log().Log(ctx, level, "staff called", "screen", screen, "reason", reason, "centre", centre, "hook", hook, "notified", res.Notified)
	if a.Record != nil {
		a.Record(audit.StaffCalled, screen, fmt.Sprintf("reason %s; centre %s; hook %s; notified %v", reason, centre, hook, res.Notified))
	}
	return res
}

// callCentre sends the centre's call under a request id made for it.
func (a *Assistance) callCentre(ctx context.Context, screen, reason string) (string, string, error) {
	status, msg, err := a.API.Assist(ctx, kiosk.NewSubmissionID(), screen, reason, time.Now())
	if err != nil {
		return "", "", err
	}
	switch status {
	case intake.AssistNotified, intake.AssistNoStaffAvailable:
	default:
		return "", msg, fmt.Errorf("the centre answered an unknown status %q", status)
	}
	return status, msg, nil
}

// ring rings the hook: the URL (2xx confirms) and the command (exit 0
// confirms), in parallel when both are configured; nil when one of them
// confirmed.
func (a *Assistance) ring(ctx context.Context, screen, reason string) error {
	var (
		wg         sync.WaitGroup
		urlErr     error
		cmdErr     error
		okURL, okC bool
	)
	if a.HookURL != "" {
		wg.Add(1)
		go func() {
			defer wg.Done()
			urlErr = a.post(ctx, screen, reason)
			okURL = urlErr == nil
		}()
	}
	if a.Command != "" {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.CommandContext(ctx, "/bin/sh", "-c", a.Command)
			cmd.Env = append(os.Environ(), "KIOSK_TERMINAL_ID="+a.TerminalID, "KIOSK_SCREEN="+screen, "KIOSK_REASON="+reason)
			cmd.WaitDelay = 500 * time.Millisecond
			if err := cmd.Run(); err != nil {
				cmdErr = fmt.Errorf("command: %w", err)
			}
			okC = cmdErr == nil
		}()
	}
	wg.Wait()
	if okURL || okC {
		// One confirmation is enough for the resident; a failure of the
		// other is still staff's to fix.
		if urlErr != nil || cmdErr != nil {
			a.log().Warn("call-staff hook: one of its parts failed", "url_err", urlErr, "command_err", cmdErr)
		}
		return nil
	}
	if urlErr != nil && cmdErr != nil {
		return fmt.Errorf("%v; %v", urlErr, cmdErr)
	}
	if urlErr != nil {
		return urlErr
	}
	return cmdErr
}

func (a *Assistance) post(ctx context.Context, screen, reason string) error {
	body, _ := json.Marshal(map[string]string{"terminal_id": a.TerminalID, "event": "call_staff", "screen": screen, "reason": reason})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.HookURL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("hook_url: %v", scrubErr(err, a.HookURL))
	}
	req.Header.Set("Content-Type", "application/json")
	c := a.HTTP
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("hook_url: %v", scrubErr(err, a.HookURL))
	}
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("hook_url answered %d", resp.StatusCode)
	}
	return nil
}

// scrubErr keeps the hook's user info and query (a key, perhaps) out of an
// error that quotes the URL.
func scrubErr(err error, raw string) string {
	s := err.Error()
	if u, perr := url.Parse(raw); perr == nil {
		s = strings.ReplaceAll(s, raw, u.Scheme+"://"+u.Host+u.Path)
	}
	return s
}

// hookHealth reports the hook's last ring to the devices' health.
func (a *Assistance) hookHealth(err error) {
	if err != nil {
		a.log().Error("call-staff hook failed: nobody was rung here", "hook", a.hookTarget(), "err", err)
	}
	if a.Health == nil {
		return
	}
	at := time.Now().In(kiosk.Zone()).Format("01-02 15:04")
	if err != nil {
		a.Health.Report(kiosk.DeviceCallStaffHook, kiosk.StateError, kiosk.ReasonFault,
			fmt.Sprintf("call-staff hook %s failed at %s: %v", a.hookTarget(), at, err))
		return
	}
	a.Health.Report(kiosk.DeviceCallStaffHook, kiosk.StateOK, kiosk.ReasonNone,
		fmt.Sprintf("call-staff hook %s confirmed at %s", a.hookTarget(), at))
}

// cleanScreen keeps a screen name a short code: anything else (too long,
// or text that looks personal) becomes "unknown".
func cleanScreen(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || len([]rune(s)) > maxScreenNameRunes || audit.CheckText(s, 4*maxScreenNameRunes) != nil {
		return screenNameWhenUnsure
	}
	for _, r := range s {
		if !(r == '.' || r == '_' || r == '-' || r == ':' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return screenNameWhenUnsure
		}
	}
	return s
}

// CallStaff calls staff for the screens (kiosk.Assistance): the centre and
// the local hook; see Assistance.
func (t *Terminal) CallStaff(ctx context.Context, screen, reason string) kiosk.AssistanceResult {
	return t.assist.CallStaff(ctx, screen, reason)
}

// Assistance is the terminal's kiosk.Assistance.
func (t *Terminal) Assistance() kiosk.Assistance { return t.assist }
