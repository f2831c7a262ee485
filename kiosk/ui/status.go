package ui

// status is what the terminal knows of its network and devices: the
// banners above every screen, and what the screens may offer without a
// device. It changes from other goroutines only through post.
type status struct {
	online   bool
	problems []DeviceProblem
}

// readerDown and printerDown say whether a device is out of order.
func (s *status) readerDown() bool  { return s.deviceDown(DeviceCardReader) }
func (s *status) printerDown() bool { return s.deviceDown(DevicePrinter) }

// applyDown says whether self-service application is not offered, and the
// key of the words that say why: without the card reader nobody can be
// identified; without a printer the terminal is configured to require
// (printer.required), no application is taken, as no receipt could be
// printed for it. "My cases" and the guide still work in that case.
func (s *status) applyDown() (bool, string) {
	if s.readerDown() {
		return true, "outofservice.reader"
	}
	for _, p := range s.problems {
		if p.DeviceKey == DevicePrinter && p.Required {
			return true, "outofservice.printer.apply"
		}
	}
	return false, ""
}

func (s *status) deviceDown(key string) bool {
	for _, p := range s.problems {
		if p.DeviceKey == key {
			return true
		}
	}
	return false
}
