package govern

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/fault"
)

// AuditRecorder records governance events in the platform's audit log.
type AuditRecorder struct{ Log audit.Log }

var _ Recorder = AuditRecorder{}

// Record appends e to the log; the log stamps the time.
func (a AuditRecorder) Record(ctx context.Context, e Event) error {
	ae, err := AuditEvent(e)
	if err != nil {
		return err
	}
	_, err = a.Log.Append(ctx, ae)
	return err
}

// AuditEvent converts a governance event to the audit log's form; Details
// become a JSON object (wrapped as {"value": …} when they are not one).
func AuditEvent(e Event) (audit.Event, error) {
	ae := audit.Event{Time: e.At, User: e.User, Partner: e.Partner, Action: e.Action, Purpose: e.Purpose,
		Target: e.Target, Agreement: e.Agreement, Outcome: e.Outcome, Reason: e.Reason}
	for _, d := range e.Datasets {
		owner := d.Owner
		if owner == "" {
			owner = "unknown"
		}
		ae.Datasets = append(ae.Datasets, audit.Dataset{ID: d.ID, Owner: owner})
	}
	if e.Details == nil {
		return ae, nil
	}
	b, err := json.Marshal(e.Details)
	if err != nil {
		return ae, fault.Wrap(err, fault.Internal, "cannot encode the details of audit event %s", e.Action)
	}
	if t := bytes.TrimSpace(b); len(t) == 0 || t[0] != '{' {
		if b, err = json.Marshal(map[string]json.RawMessage{"value": b}); err != nil {
			return ae, err
		}
	}
	ae.Details = b
	return ae, nil
}
