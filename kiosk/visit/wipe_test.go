package visit_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/visit"
)

// secrets are the personal values the scenarios give the machine; none may
// be found anywhere in it after the visit ends.
var secrets = []string{residentID, agentID, keyedID, "张秀英", "李建国", "王阿婆", "峨山路", "张杨路", "13800138000", "WT-2026-0042", "PD20261127"}

// TestEndWipesEverything runs visits that fill every personal field of the
// machine, ends them each way a visit can end, and then finds every such
// field zero and none of the personal values anywhere in the machine. A
// field that no scenario fills fails the test, so a new per-visit field
// cannot go unchecked.
func TestEndWipesEverything(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	observe := func(r *rig) {
		v := r.m.Personal()
		for i := 0; i < v.NumField(); i++ {
			if !v.Field(i).IsZero() {
				seen[v.Type().Field(i).Name] = true
			}
		}
	}
	scenarios := []struct {
		name   string
		run    func(r *rig)
		reason visit.EndReason
	}{
		{"self-service, finish", func(r *rig) {
			r.identified()
			r.must(r.m.SetCases(r.m.Snapshot().Visit, []kiosk.Case{{CaseNo: "PD20261127-000001", ItemName: "敬老卡申领"}}))
			r.must(r.m.StartApplication(item()))
			r.must(r.m.SetField("phone", "13800138000"))
			r.must(r.m.Review())
			sub, err := r.m.Confirm()
			r.must(err)
			observe(r)
			r.must(r.m.SubmitFinished(sub.ID, visit.Outcome{Status: visit.OutcomeSent, CaseNo: "PD20261127-000123", TrackURL: "https://example.org/c/PD20261127-000123"}))
			r.must(r.m.BeginPrint())
			observe(r)
			r.must(r.m.PrintFinished(errors.New("printer: paper out")))
			observe(r)
			r.must(r.m.Finish())
		}, visit.EndFinished},
		{"card pulled while submitting", func(r *rig) {
			r.identified()
			r.must(r.m.StartApplication(item()))
			r.must(r.m.SetField("phone", "13800138000"))
			r.must(r.m.Review())
			sub, err := r.m.Confirm()
			r.must(err)
			r.m.CardRemoved()
			r.must(r.m.SubmitFinished(sub.ID, visit.Outcome{Status: visit.OutcomeQueued}))
			observe(r) // the end waits for the receipt
			r.must(r.m.BeginPrint())
			r.must(r.m.PrintFinished(nil))
		}, visit.EndCardRemoved},
		{"card pulled mid-form", func(r *rig) {
			r.identified()
			r.must(r.m.StartApplication(item()))
			r.must(r.m.SetField("phone", "13800138000"))
			observe(r)
			r.m.CardRemoved()
		}, visit.EndCardRemoved},
		{"agent keyed resident, timeout", func(r *rig) {
			r.must(r.m.StartAgent())
			r.must(r.m.CardRead(young()))
			r.must(r.m.KeyResident(keyedID, "王阿婆"))
			r.must(r.m.SetAuthorisation("WT-2026-0042", "社工"))
			r.must(r.m.StartApplication(item()))
			r.must(r.m.SetField("phone", "13800138000"))
			observe(r)
			r.clock.Advance(visit.DefaultIdle)
			r.clock.Advance(visit.DefaultWarning)
		}, visit.EndTimeout},
		{"failed reads, timeout", func(r *rig) {
			r.must(r.m.Identify(visit.PurposeCases))
			r.must(r.m.CardFailed(visit.FailUnreadable))
			observe(r)
			r.clock.Advance(visit.DefaultIdle + visit.DefaultWarning)
		}, visit.EndTimeout},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			r := newRig(t, visit.Config{})
			sc.run(r)
			wiped := func() {
				t.Helper()
				v := r.m.Personal()
				for i := 0; i < v.NumField(); i++ {
					if !v.Field(i).IsZero() {
						t.Errorf("after the end (%s), personal field %s is not zero", r.m.Snapshot().State, v.Type().Field(i).Name)
					}
				}
				for _, where := range []struct {
					name string
					v    reflect.Value
				}{{"machine", r.m.Value()}, {"snapshot", reflect.ValueOf(r.m.Snapshot())}} {
					if path, found := findSecret(where.v, where.name, map[uintptr]bool{}); found != "" {
						t.Errorf("after the end (%s), %s holds %s", r.m.Snapshot().State, path, kiosk.MaskID(found))
					}
				}
			}
			if s := r.m.Snapshot(); s.State == visit.StateTakeCard {
				// The card lies on the reader: the visit is wiped already,
				// only the fact of a card survives; then it is taken.
				if sc.reason == visit.EndCardRemoved || !s.CardOn {
					t.Fatalf("take-your-card after %s, card on %v", sc.reason, s.CardOn)
				}
				wiped()
				r.clock.Advance(time.Hour)
				r.want(visit.StateTakeCard)
				r.m.CardRemoved()
			}
			s := r.want(visit.StateEnded)
			if s.EndReason != sc.reason {
				t.Fatalf("end reason %s, want %s", s.EndReason, sc.reason)
			}
			wiped()
			r.clock.Advance(time.Hour)
			r.want(visit.StateHome)
		})
	}
	typ := reflect.TypeOf(r0Personal(t))
	for i := 0; i < typ.NumField(); i++ {
		if name := typ.Field(i).Name; !seen[name] {
			t.Errorf("no scenario fills personal field %s: extend the test", name)
		}
	}
}

func r0Personal(t *testing.T) any {
	m, err := visit.New(visit.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return m.Personal().Interface()
}

// findSecret walks v (unexported fields included) and returns the path and
// value of the first string that contains one of the secrets.
func findSecret(v reflect.Value, path string, visited map[uintptr]bool) (string, string) {
	switch v.Kind() {
	case reflect.String:
		for _, s := range secrets {
			if strings.Contains(v.String(), s) {
				return path, s
			}
		}
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return "", ""
		}
		if v.Kind() == reflect.Pointer {
			if visited[v.Pointer()] {
				return "", ""
			}
			visited[v.Pointer()] = true
		}
		return findSecret(v.Elem(), path, visited)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if p, s := findSecret(v.Field(i), path+"."+v.Type().Field(i).Name, visited); s != "" {
				return p, s
			}
		}
	case reflect.Slice, reflect.Array:
		n := v.Len()
		if v.Kind() == reflect.Slice {
			n = v.Cap() // what the backing array still holds counts too
			v = v.Slice(0, n)
		}
		for i := 0; i < n; i++ {
			if p, s := findSecret(v.Index(i), path+"[]", visited); s != "" {
				return p, s
			}
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			if p, s := findSecret(iter.Key(), path+"{key}", visited); s != "" {
				return p, s
			}
			if p, s := findSecret(iter.Value(), path+"{}", visited); s != "" {
				return p, s
			}
		}
	}
	return "", ""
}
