package kiosk

import "time"

// CaseStatus is the state of a case at the central system.
type CaseStatus string

// Case states of the contract.
const (
	StatusReceived   CaseStatus = "received"
	StatusAccepted   CaseStatus = "accepted"
	StatusProcessing CaseStatus = "processing"
	StatusForwarded  CaseStatus = "forwarded"
	StatusNeedsMore  CaseStatus = "needs_more" // 补正材料
	StatusCompleted  CaseStatus = "completed"
	StatusRejected   CaseStatus = "rejected"
)

var statusWords = map[CaseStatus][2]string{
	StatusReceived:   {"已接收", "Received"},
	StatusAccepted:   {"已受理", "Accepted"},
	StatusProcessing: {"办理中", "In progress"},
	StatusForwarded:  {"已流转", "Forwarded"},
	StatusNeedsMore:  {"需补正", "More documents needed"},
	StatusCompleted:  {"已办结", "Completed"},
	StatusRejected:   {"不予受理", "Rejected"},
}

// Valid reports whether s is one of the contract's states.
func (s CaseStatus) Valid() bool { _, ok := statusWords[s]; return ok }

// Chinese returns the word residents see, e.g. 已受理; the raw code if unknown.
func (s CaseStatus) Chinese() string {
	if w, ok := statusWords[s]; ok {
		return w[0]
	}
	return string(s)
}

// English returns the English word, e.g. "Accepted"; the raw code if unknown.
func (s CaseStatus) English() string {
	if w, ok := statusWords[s]; ok {
		return w[1]
	}
	return string(s)
}

// Final reports whether no further change is expected.
func (s CaseStatus) Final() bool { return s == StatusCompleted || s == StatusRejected }

// Channel is where a case was submitted.
type Channel string

// Channels of the contract.
const (
	ChannelTerminal Channel = "terminal"
	ChannelCounter  Channel = "counter"
	ChannelOnline   Channel = "online"
	ChannelPhone    Channel = "phone"
)

// Case is one of a resident's cases, as returned by POST /v1/cases/query.
type Case struct {
	CaseNo      string      `json:"case_no"`
	ItemCode    string      `json:"item_code"`
	ItemName    string      `json:"item_name"`
	Department  string      `json:"department"`
	Status      CaseStatus  `json:"status"`
	SubmittedAt time.Time   `json:"submitted_at"`
	DueDate     string      `json:"due_date"` // YYYY-MM-DD
	Channel     Channel     `json:"channel"`
	Result      string      `json:"result,omitempty"`
	History     []CaseEvent `json:"history"`
	TrackURL    string      `json:"track_url"`
}

// CaseEvent is one step of a case's history.
type CaseEvent struct {
	At         time.Time  `json:"at"`
	Status     CaseStatus `json:"status"`
	Department string     `json:"department"`
	Note       string     `json:"note"`
}
