package kiosk

import (
	"fmt"
	"log/slog"
)

// Personal data in logs: Person, Agent and Submission log themselves masked
// (slog.LogValuer) and print masked (String, GoString), so that a careless
// slog.Any("applicant", p) or fmt.Sprint(p) shows no name, full number,
// address or birth date. The log's redactor (kiosk/logfile) is the second
// net, not the first.

// LogValue is the person masked: the card type, the masked number and name.
func (p Person) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("card_type", string(p.CardType)),
		slog.String("id", MaskID(p.IDNumber)),
		slog.String("name", MaskName(p.Name)),
	)
}

// String masks the number and the name.
func (p Person) String() string {
	return fmt.Sprintf("%s %s (%s)", MaskName(p.Name), MaskID(p.IDNumber), p.CardType)
}

// GoString masks too (%#v).
func (p Person) GoString() string {
	return fmt.Sprintf("kiosk.Person{%q, %q, %q}", MaskName(p.Name), MaskID(p.IDNumber), p.CardType)
}

// LogValue is the agent masked, with the relation; the authorisation
// reference is left out.
func (a Agent) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("card_type", string(a.CardType)),
		slog.String("id", MaskID(a.IDNumber)),
		slog.String("name", MaskName(a.Name)),
		slog.String("relation", a.Relation),
	)
}

// String masks the agent.
func (a Agent) String() string { return a.Person.String() + " agent (" + a.Relation + ")" }

// GoString masks too (%#v).
func (a Agent) GoString() string {
	return fmt.Sprintf("kiosk.Agent{%#v, %q}", a.Person, a.Relation)
}

// LogValue is the submission without its personal data: the ids, the item,
// the parties masked and the names of the fields (never their values).
func (s Submission) LogValue() slog.Value {
	attrs := []slog.Attr{
		slog.String("submission_id", s.ID),
		slog.String("item_code", s.ItemCode),
		slog.String("catalog_version", s.CatalogVersion),
		slog.Any("applicant", s.Applicant),
		slog.Int("fields", len(s.Fields)),
	}
	if s.Agent != nil {
		attrs = append(attrs, slog.Any("agent", *s.Agent))
	}
	return slog.GroupValue(attrs...)
}

// String names the submission and masks its parties.
func (s Submission) String() string {
	str := fmt.Sprintf("submission %s of %s by %s", s.ID, s.ItemCode, s.Applicant)
	if s.Agent != nil {
		str += " via " + s.Agent.String()
	}
	return str
}

// GoString is String (%#v).
func (s Submission) GoString() string { return s.String() }
