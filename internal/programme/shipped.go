package programme

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

// shipped holds the partnership's eight Vision projects and the six
// outcome claims quoted in public, as the programme starts.
//
//go:embed shipped/*.json
var shipped embed.FS

// Shipped returns the projects and claims shipped with civiclink.
func Shipped() ([]*Project, []*Claim, error) {
	var ps []*Project
	var cs []*Claim
	if err := decodeShipped("shipped/projects.json", &ps); err != nil {
		return nil, nil, err
	}
	if err := decodeShipped("shipped/claims.json", &cs); err != nil {
		return nil, nil, err
	}
	return ps, cs, nil
}

func decodeShipped(path string, v any) error {
	b, err := shipped.ReadFile(path)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fault.Errorf(fault.Internal, "shipped %s: %v", path, err)
	}
	return nil
}

// LoadShipped saves the shipped projects, then the claims, as programme
// manager u: each validated and audited like any edit.
func (s *Service) LoadShipped(ctx context.Context, u *govern.User) (projects, claims int, err error) {
	ps, cs, err := Shipped()
	if err != nil {
		return 0, 0, err
	}
	for _, p := range ps {
		if err := s.SaveProject(ctx, u, p); err != nil {
			return 0, 0, fmt.Errorf("project %s: %w", p.ID, err)
		}
	}
	for _, c := range cs {
		if err := s.SaveClaim(ctx, u, c); err != nil {
			return 0, 0, fmt.Errorf("claim %s: %w", c.ID, err)
		}
	}
	return len(ps), len(cs), nil
}
