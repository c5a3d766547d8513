package app

import (
	"context"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/programme"
	"github.com/civiclink/civiclink/internal/release"
)

var _ programme.Outputs = (*release.Service)(nil)

// Programme returns the programme room over the backend (projects,
// updates, claims, assessments and the catalogue in PostgreSQL when
// serving from it): its figures come from the insight engine (so through
// governance and disclosure control) and its changes are recorded in the
// audit log.
func (s *Services) Programme(ctx context.Context) (*programme.Service, error) {
	e, err := s.Insight(ctx)
	if err != nil {
		return nil, err
	}
	var log audit.Log = s.Audit
	if r, ok := s.Gov.Audit.(govern.AuditRecorder); ok { // the log RecordTo set, e.g. counted by metrics
		log = r.Log
	}
	outs, err := s.Outputs(ctx)
	if err != nil {
		return nil, err
	}
	return &programme.Service{Store: s.Backend, Catalog: s.Backend, Figures: e, Audit: log, Clock: s.Clock, Areas: s.county.LADCodes(), Outputs: outs}, nil
}
