package govern

import (
	"context"
	"time"

	"github.com/civiclink/civiclink/internal/catalog"
)

// Store keeps governance state. The store package implements it; methods
// return fault errors: NotFound for a missing thing, Conflict for a
// duplicate or a lost race.
type Store interface {
	Partner(ctx context.Context, id string) (*catalog.Partner, error)
	Datasets(ctx context.Context) ([]*catalog.Dataset, error)
	Versions(ctx context.Context, datasetID string) ([]*catalog.Version, error)

	// BootstrapUser creates u only if there are no users at all, atomically.
	BootstrapUser(ctx context.Context, u *User) error
	CreateUser(ctx context.Context, u *User) error
	User(ctx context.Context, id string) (*User, error)
	Users(ctx context.Context) ([]*User, error)
	// UpdateUser saves u's name, roles, disabled flag and password hash.
	UpdateUser(ctx context.Context, u *User) error

	CreateToken(ctx context.Context, t *Token) error
	Token(ctx context.Context, id string) (*Token, error)
	Tokens(ctx context.Context, userID string) ([]*Token, error)
	RevokeToken(ctx context.Context, id, by string, at time.Time) error

	CreatePurpose(ctx context.Context, p *Purpose) error
	// Purposes returns the purposes added to the register (not the standard ones).
	Purposes(ctx context.Context) ([]Purpose, error)

	// DecisionState loads what [Decide] needs in one round trip: dataset
	// owners, every agreement (History may be left empty) and the purposes
	// added to the register.
	DecisionState(ctx context.Context) (Owners, []*Agreement, []Purpose, error)

	CreateAgreement(ctx context.Context, a *Agreement) error
	Agreement(ctx context.Context, id string) (*Agreement, error)
	Agreements(ctx context.Context) ([]*Agreement, error)
	// SaveAgreement saves a's status and approvals and appends the history
	// entries not yet stored. It fails with Conflict if a.Revision is not the
	// stored revision (someone else changed it first), else increments it.
	SaveAgreement(ctx context.Context, a *Agreement) error

	// AddOptOuts stores the markers, ignoring ones already present, and
	// returns how many were new.
	AddOptOuts(ctx context.Context, o *OptOuts, by string, at time.Time) (int, error)
	// OptedOut returns the record ids of dataset excluded from purpose.
	OptedOut(ctx context.Context, datasetID, purpose string) ([]string, error)

	// PurgeVersion drops a version's rows and removes it from the
	// catalogue, keeping a record of the purge.
	PurgeVersion(ctx context.Context, v *catalog.Version, by string, at time.Time) error
}
