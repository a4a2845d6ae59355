package apply

import (
	"context"
	"time"

	"github.com/oktasync/oktasync/internal/directory"
	"github.com/oktasync/oktasync/internal/state"
)

// Okta is the part of the Okta API that apply needs; Client adapts an
// *okta.Client to it. Apply makes one call per operation and does not
// retry it (the okta client itself retries only GET, PUT and DELETE): a
// failed call fails its operation, and the next run, which reads Okta
// afresh, plans what is still to do. A call repeated so, after
// its first answer was lost, does no harm: a user whose create went
// through is found by the next read and not created again (a create of an
// existing login fails with an error satisfying IsConflict), updates
// post only the managed attributes, and membership calls are PUT and
// DELETE.
type Okta interface {
	// CreateUser creates a user, a member of the groups groupIDs (at most
	// diff.MaxCreateGroups) from the start, and returns its id. A login
	// that already exists is an error satisfying IsConflict.
	CreateUser(ctx context.Context, profile directory.Profile, password string, activate bool, groupIDs []string) (id string, err error)
	// UpdateUser partially updates a user's profile (a nil value clears
	// an attribute).
	UpdateUser(ctx context.Context, id string, profile directory.Profile) error
	// Lifecycle runs one lifecycle operation: "activate", "deactivate",
	// "reactivate", "suspend" or "unsuspend". sendEmail applies to activate.
	Lifecycle(ctx context.Context, id, op string, sendEmail bool) error
	// DeleteUser deletes a DEPROVISIONED user.
	DeleteUser(ctx context.Context, id string) error
	CreateGroup(ctx context.Context, name, description string) (id string, err error)
	UpdateGroup(ctx context.Context, id, name, description string) error
	DeleteGroup(ctx context.Context, id string) error
	AddMember(ctx context.Context, groupID, userID string) error
	RemoveMember(ctx context.Context, groupID, userID string) error
}

// Checkpoints receives operation outcomes and ownership as they happen;
// state.Store satisfies it. Ownership of a user is recorded before its create
// is sent (with an empty OktaID), so a run killed between the create and its
// checkpoint still knows oktasync created the user.
type Checkpoints interface {
	RecordOperations(ctx context.Context, recs []state.OpRecord) error
	AddOwned(ctx context.Context, org string, users []state.OwnedUser) error
	MarkDeactivated(ctx context.Context, org, login string, at time.Time) error
	RemoveOwned(ctx context.Context, org, login string) error
}

var _ Checkpoints = (state.Store)(nil)
