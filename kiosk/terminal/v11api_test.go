package terminal

import (
	"reflect"
	"testing"

	"github.com/pudong-community/kiosk/kiosk/backend"
	"github.com/pudong-community/kiosk/kiosk/intake"
	"github.com/pudong-community/kiosk/kiosk/outbox"
)

// The terminal finds the v1.1 calls on its API client by their interfaces
// (backend.CenterAPI, backend.AppointmentAPI, outbox.RatingAPI, AssistAPI):
// a client whose method of such a name has another signature would leave
// the service out with no more than a log line. This test fails then. A
// client with none of an interface's methods (before kiosk/intake's v1.1)
// is skipped for that interface.
func TestClientHasTheV11Calls(t *testing.T) {
	client := reflect.TypeOf((*intake.Client)(nil))
	for name, iface := range map[string]reflect.Type{
		"backend.CenterAPI":      reflect.TypeOf((*backend.CenterAPI)(nil)).Elem(),
		"backend.AppointmentAPI": reflect.TypeOf((*backend.AppointmentAPI)(nil)).Elem(),
		"outbox.RatingAPI":       reflect.TypeOf((*outbox.RatingAPI)(nil)).Elem(),
		"AssistAPI":              reflect.TypeOf((*AssistAPI)(nil)).Elem(),
	} {
		has := 0
		for i := 0; i < iface.NumMethod(); i++ {
			if _, ok := client.MethodByName(iface.Method(i).Name); ok {
				has++
			}
		}
		switch {
		case has == 0:
			t.Logf("%s: the client has none of its calls yet", name)
		case !client.Implements(iface):
			t.Errorf("%s: *intake.Client has %d of its %d methods but does not implement it (a signature differs)", name, has, iface.NumMethod())
		}
	}
}
