package backend

import (
	"errors"
	"sync"

	"github.com/pudong-community/kiosk/kiosk"
)

// ErrAgentCases is returned by Cases while the visit in progress is an
// agent's (委托代理): an agent submits for a resident but does not see the
// resident's cases. The screens offer no "my cases" in the agent flow; the
// back end refuses as well, whatever asks.
var ErrAgentCases = errors.New("backend: an agent may not see the resident's cases")

// agentVisit is the agent of the visit in progress, as the visit machine
// last reported it.
type agentVisit struct {
	mu    sync.Mutex
	agent string // the agent's ID number; "" when no agent is in the visit
}

// SetVisitAgent tells the back end whose agent flow is in progress: the
// agent once their card was read, nil when the visit has no agent or has
// ended. The terminal feeds it from the visit machine's snapshots.
func (b *Backend) SetVisitAgent(a *kiosk.Agent) {
	b.agentVisit.mu.Lock()
	defer b.agentVisit.mu.Unlock()
	b.agentVisit.agent = ""
	if a != nil {
		b.agentVisit.agent = a.IDNumber
	}
}

// agentRefuses reports whether an agent's visit is in progress and p is
// not the agent.
func (b *Backend) agentRefuses(p kiosk.Person) bool {
	b.agentVisit.mu.Lock()
	defer b.agentVisit.mu.Unlock()
	return b.agentVisit.agent != "" && p.IDNumber != b.agentVisit.agent
}
