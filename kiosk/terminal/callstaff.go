package terminal

import (
	"context"
	"net/http"
	"os/exec"
	"strings"
)

// CallStaff rings the configured call-staff hook: a local HTTP POST
// (call_staff.hook_url) and a command (call_staff.command).
func (t *Terminal) CallStaff(ctx context.Context) error {
	cfg := t.cfg
	t.log.Info("staff called", "terminal", cfg.Terminal.ID)
	if u := cfg.CallStaff.HookURL; u != "" {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(`{"terminal_id":"`+cfg.Terminal.ID+`","event":"call_staff"}`))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.log.Error("call-staff hook failed", "err", err)
			return err
		}
		resp.Body.Close()
	}
	if c := cfg.CallStaff.Command; c != "" {
		if err := exec.CommandContext(ctx, "/bin/sh", "-c", c).Run(); err != nil {
			t.log.Error("call-staff command failed", "err", err)
			return err
		}
	}
	return nil
}
