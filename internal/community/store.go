package community

import (
	"context"
	"time"
)

// Status is where a submission is in moderation.
type Status string

// The moderation states: every submission starts pending and is published
// or rejected (with a reason) by a community editor.
const (
	Pending   Status = "pending"
	Published Status = "published"
	Rejected  Status = "rejected"
)

// Submission is a proposed entry or correction waiting in (or decided
// by) moderation.
type Submission struct {
	ID      int64   `json:"id"`
	Service Service `json:"service"`
	// Correction is set when the submission changes a published service.
	Correction bool   `json:"correction"`
	Note       string `json:"note,omitempty"`
	// SubmittedBy is the user id, or "public" for the public form.
	SubmittedBy string    `json:"submitted_by"`
	SubmittedAt time.Time `json:"submitted_at"`
	Status      Status    `json:"status"`
	Reason      string    `json:"reason,omitempty"`
	DecidedBy   string    `json:"decided_by,omitempty"`
	DecidedAt   time.Time `json:"decided_at,omitzero"`
	// Version is the published version it became.
	Version int `json:"version,omitempty"`
	// Owner is the partner a publishing editor acts for: a new service
	// becomes that partner's own entry; a service already published keeps
	// the owner of its first version.
	Owner string `json:"owner,omitempty"`
}

// Version is one published version of a service.
type Version struct {
	Service     Service   `json:"service"`
	Version     int       `json:"version"`
	Submission  int64     `json:"submission"`
	PublishedBy string    `json:"published_by"`
	PublishedAt time.Time `json:"published_at"`
	// Owner is the partner whose community editors edit the service: the
	// partner of the editor who first published it ("" for one published
	// before entries had owners: the next editor to publish it takes it).
	Owner string `json:"owner,omitempty"`
}

// Latest is a service's latest published version and its owner.
type Latest struct {
	Version int
	Owner   string
}

// AssignVersions gives each published submission in subs its service's
// next version, after latest (which it moves on), and the service's
// owner: the first version's, or sub.Owner for a new service. Both store
// backends number versions with it, under their own lock.
func AssignVersions(subs []*Submission, latest map[string]Latest) {
	for _, sub := range subs {
		if sub.Status != Published {
			continue
		}
		l := latest[sub.Service.ID]
		l.Version++
		if l.Owner == "" {
			l.Owner = sub.Owner
		}
		latest[sub.Service.ID] = l
		sub.Version, sub.Owner = l.Version, l.Owner
	}
}

// Store keeps the directory: submissions and published versions. The
// store package implements it; every method is atomic.
type Store interface {
	// AddCommunitySubmissions stores submissions, giving each its ID: a
	// pending one waits in the queue; a published one (an editor's
	// import) gets the next version of its service at once, owned by its
	// service's owner (sub.Owner for a new one). All or none.
	AddCommunitySubmissions(ctx context.Context, subs []*Submission) error
	// DecideCommunitySubmission publishes or rejects a pending submission
	// (sub carries the decision); publishing adds the service's next
	// version, owned as in AddCommunitySubmissions, and sets sub.Version. A submission no longer pending is a
	// fault.Conflict.
	DecideCommunitySubmission(ctx context.Context, sub *Submission) error
	// CommunitySubmission returns a submission by id.
	CommunitySubmission(ctx context.Context, id int64) (*Submission, error)
	// CommunitySubmissions lists submissions in a state ("" all), oldest first.
	CommunitySubmissions(ctx context.Context, status Status) ([]Submission, error)
	// CommunityCurrent returns the latest published version of every service.
	CommunityCurrent(ctx context.Context) ([]Version, error)
	// CommunityVersions returns a service's published versions, oldest first.
	CommunityVersions(ctx context.Context, serviceID string) ([]Version, error)

	// PutCommunityZone adds a community action zone, or replaces the zone
	// with its id.
	PutCommunityZone(ctx context.Context, z *Zone) error
	// CommunityZones returns every community action zone.
	CommunityZones(ctx context.Context) ([]Zone, error)
	// AddCommunityOpportunity stores a new volunteering opportunity,
	// giving it its ID.
	AddCommunityOpportunity(ctx context.Context, o *Opportunity) error
	// CloseCommunityOpportunity records an open opportunity's closing (o
	// carries it); one no longer open is a fault.Conflict.
	CloseCommunityOpportunity(ctx context.Context, o *Opportunity) error
	// CommunityOpportunities returns every opportunity, oldest first.
	CommunityOpportunities(ctx context.Context) ([]Opportunity, error)
}
