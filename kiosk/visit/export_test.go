package visit

import "reflect"

// Personal returns, for tests, the value holding everything personal the
// machine keeps (the struct End wipes).
func (m *Machine) Personal() reflect.Value {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.p // a copy taken under the lock
	return reflect.ValueOf(&p).Elem()
}

// Value returns the machine itself for reflection in tests. Only read it
// while nothing else uses the machine.
func (m *Machine) Value() reflect.Value { return reflect.ValueOf(m).Elem() }
