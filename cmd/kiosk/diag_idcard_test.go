package main

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/pudong-community/kiosk/devices/devicetest"
	"strings"
	"testing"

	"github.com/pudong-community/kiosk/devices/sim/sammodule"
)

// samOnPTY runs the SAM module emulator on a pseudo-terminal.
func samOnPTY(t *testing.T, card string, faults ...sammodule.Fault) string {
	t.Helper()
	devicetest.NeedsPTY(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	m := sammodule.New(sammodule.Options{Baud: 115200})
	if card != "" {
		if err := m.Place(card); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range faults {
		m.SetFault(f, true)
	}
	srv, err := m.ServePTY(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv.SlavePath()
}

func TestDiagIDCard(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		card     string
		faults   []sammodule.Fault
		args     []string
		code     int
		check    func(t *testing.T, res map[string]any)
		noPort   bool
		stdoutIs string
	}{
		{name: "resident card, masked", card: "resident", args: []string{"--json"}, code: 0,
			check: func(t *testing.T, r map[string]any) {
				want := map[string]any{"card_type": "resident", "name": "张*", "gender": "男", "nation": "汉",
					"birth_date": "1985", "id_number": "3101**********4531", "valid_until": "2036-05-20",
					"authority": "上海市公安局浦东分局", "address": "上海市浦东新***…", "valid_from": "2016-05-20"}
				for k, v := range want {
					if r[k] != v {
						t.Errorf("%s = %v, want %v", k, r[k], v)
					}
				}
				if a, _ := r["appended_addresses"].([]any); len(a) != 2 || !strings.HasSuffix(a[0].(string), "***…") {
					t.Errorf("appended_addresses = %v", r["appended_addresses"])
				}
				if r["sam_id"] == "" || r["sam_id"] == nil {
					t.Error("no sam_id")
				}
				tm, _ := r["timings_ms"].(map[string]any)
				for _, k := range []string{"open", "sam", "find", "select", "read", "appended"} {
					if _, ok := tm[k]; !ok {
						t.Errorf("timings_ms has no %s: %v", k, tm)
					}
				}
			}},
		{name: "long-term, revealed", card: "elder-longterm", args: []string{"--json", "--reveal"}, code: 0,
			check: func(t *testing.T, r map[string]any) {
				if r["valid_until"] != "long-term" || r["id_number"] != "310104195208170022" {
					t.Errorf("valid_until %v id_number %v", r["valid_until"], r["id_number"])
				}
				if n, _ := r["name"].(string); strings.Contains(n, "*") || len(r["birth_date"].(string)) != 10 || strings.Contains(r["address"].(string), "*") {
					t.Errorf("revealed: name %v birth %v address %v", r["name"], r["birth_date"], r["address"])
				}
			}},
		{name: "foreign 2023", card: "foreign-2023", args: []string{"--json"}, code: 0,
			check: func(t *testing.T, r map[string]any) {
				if r["card_type"] != "foreign_permanent" || r["nationality"] != "DEU" || r["card_flag"] != "Y" {
					t.Errorf("got %v", r)
				}
			}},
		{name: "hmt, text output", card: "hmt", args: nil, code: 0, stdoutIs: "hmt_residence"},
		{name: "no card in time", args: []string{"--json", "--wait", "400ms"}, code: 3},
		{name: "reader not answering", faults: []sammodule.Fault{sammodule.FaultUnplug}, args: []string{"--json", "--wait", "3s"}, code: 4},
		{name: "no SAM", faults: []sammodule.Fault{sammodule.FaultNoSAM}, args: []string{"--wait", "3s"}, code: 4},
		{name: "missing port", noPort: true, args: []string{"--port", "/nonexistent/tty"}, code: 4},
		{name: "bad flag", noPort: true, args: []string{"--bogus"}, code: 2},
		{name: "bad baud", noPort: true, args: []string{"--port", "/dev/null", "--baud", "12345"}, code: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := []string{"diag", "idcard"}
			if !tt.noPort {
				args = append(args, "--port", samOnPTY(t, tt.card, tt.faults...))
			}
			args = append(args, tt.args...)
			var stdout, stderr bytes.Buffer
			code := run(args, &stdout, &stderr)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, stdout.String(), stderr.String())
			}
			if strings.Contains(stderr.String()+stdout.String(), "310115198503124531") {
				t.Error("the full ID number was printed without --reveal")
			}
			if tt.stdoutIs != "" && !strings.Contains(stdout.String(), tt.stdoutIs) {
				t.Errorf("stdout lacks %q:\n%s", tt.stdoutIs, stdout.String())
			}
			if tt.check != nil {
				var res map[string]any
				if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
					t.Fatalf("stdout is not one JSON object: %v\n%s", err, stdout.String())
				}
				tt.check(t, res)
			}
		})
	}
}

func TestDiagPorts(t *testing.T) {
	t.Parallel()
	good := samOnPTY(t, "")
	dead := samOnPTY(t, "", sammodule.FaultUnplug)
	var stdout, stderr bytes.Buffer
	code := run([]string{"diag", "ports", "--json", "--timeout", "200ms", good, dead}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, stdout.String(), stderr.String())
	}
	var res []portProbe
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatal(err, stdout.String())
	}
	if len(res) != 2 || !res[0].SAM || res[0].Baud != 115200 || res[0].SAMID == "" || res[1].SAM {
		t.Errorf("probe results %+v", res)
	}
	stdout.Reset()
	if code := run([]string{"diag", "ports", "--timeout", "100ms", dead}, &stdout, &stderr); code != 4 {
		t.Errorf("no module: exit %d, want 4", code)
	}
	if code := run([]string{"diag", "ports", "--skip", good, good}, &stdout, &stderr); code != 4 || !strings.Contains(stdout.String(), "skipped") {
		t.Errorf("skipped port: exit %d, %s", code, stdout.String())
	}
}
