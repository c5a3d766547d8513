package web

import (
	"context"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/ingest"
	"github.com/civiclink/civiclink/internal/publish"
)

// Governance is what the web app asks of the govern room: who is signing
// in or calling with a token, and may they read. *govern.Service is the
// real one; it records every login and access decision itself.
type Governance interface {
	govern.Authorizer
	// AuthorizeLoad decides whether a user may load into a dataset.
	AuthorizeLoad(ctx context.Context, u *govern.User, d *catalog.Dataset) error
	// Login checks a password and records the attempt.
	Login(ctx context.Context, id, password string) (*govern.User, error)
	// SignInWith signs in the user linked to an account a partner's
	// identity provider has proved, recording success or refusal.
	SignInWith(ctx context.Context, provider, partner, key string) (*govern.User, error)
	// TokenUser returns the user of a valid API token.
	TokenUser(ctx context.Context, text string) (*govern.User, error)
	// Actor returns an enabled user by id (a session's user).
	Actor(ctx context.Context, id string) (*govern.User, error)
	// MFAEnrolled, EnrolMFA, ConfirmMFA and CheckSecondFactor are the
	// second factor: whether a user has one, starting and confirming an
	// enrolment, and checking a sign-in's code (each recorded).
	MFAEnrolled(ctx context.Context, userID string) (bool, error)
	EnrolMFA(ctx context.Context, u *govern.User) (*govern.Enrolment, error)
	ConfirmMFA(ctx context.Context, u *govern.User, code string) error
	CheckSecondFactor(ctx context.Context, u *govern.User, code string) error
	// Excluded returns a dataset's record ids opted out of purpose.
	Excluded(ctx context.Context, datasetID, purpose string) (map[string]bool, error)
	// Register returns the purpose register.
	Register(ctx context.Context) (govern.Purposes, error)
	// ListAgreements and ViewAgreement return the agreements the actor may
	// see, and one of them, recording the view in the audit log.
	ListAgreements(ctx context.Context, actor *govern.User) ([]*govern.Agreement, error)
	ViewAgreement(ctx context.Context, actor *govern.User, id string) (*govern.Agreement, error)
	// CreateAgreement drafts an agreement; ChangeAgreement applies a
	// lifecycle action (approve, activate, suspend, end). Both check the
	// actor's roles and record the change in the audit log.
	CreateAgreement(ctx context.Context, actor *govern.User, a *govern.Agreement) error
	ChangeAgreement(ctx context.Context, actor *govern.User, id, action, note string) (*govern.Agreement, error)
}

var _ Governance = (*govern.Service)(nil)

// Indicators lists the figures that can be mapped and computes one for
// every district (package publish: [publish.NamedIndicators],
// [publish.DistrictCounts]). Districts asks the access gate (through
// insight) and returns only disclosure-controlled values.
type Indicators interface {
	Indicators(ctx context.Context) ([]publish.Indicator, error)
	Districts(ctx context.Context, u *govern.User, id, purpose string) (*publish.DistrictTable, error)
}

// AreaIndicators counts an indicator by the small areas of a district
// ([publish.AreaSource]).
type AreaIndicators interface {
	Areas(ctx context.Context, u *govern.User, id, purpose, district, level string) (*publish.AreaTable, error)
}

// Ingester checks a user's access to a dataset and loads files into it as
// new versions, recording both in the audit log ([ingest.Service]).
type Ingester interface {
	Check(ctx context.Context, u *govern.User, datasetID string) (*catalog.Dataset, error)
	Load(ctx context.Context, u *govern.User, req ingest.Request) (*ingest.Result, error)
}
