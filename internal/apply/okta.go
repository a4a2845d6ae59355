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
	// CreateUser creates a user, with a password or an imported password
	// hash when given, a member of the groups groupIDs (at most
	// diff.MaxCreateGroups) from the start, and returns its id. A login
	// that already exists is an error satisfying IsConflict.
	CreateUser(ctx context.Context, profile directory.Profile, password string, hash *directory.PasswordHash, activate bool, groupIDs []string) (id string, err error)
	// UpdateUser partially updates a user's profile (a nil value clears
	// an attribute).
	UpdateUser(ctx context.Context, id string, profile directory.Profile) error
	// Lifecycle runs one lifecycle operation: "activate", "deactivate",
	// "reactivate", "suspend" or "unsuspend". sendEmail applies to activate.
	Lifecycle(ctx context.Context, id, op string, sendEmail bool) error
	// DeleteUser deletes a DEPROVISIONED user.
	DeleteUser(ctx context.Context, id string) error
	// CreateGroup creates an OKTA_GROUP with a description and custom
	// attributes (either may be empty).
	CreateGroup(ctx context.Context, name, description string, attrs directory.Profile) (id string, err error)
	// UpdateGroup sets a group's name, its description (unless "") and the
	// custom attributes given (a nil value clears one), keeping the rest
	// of its profile: Okta replaces a group's profile whole, so the
	// current one is read and merged.
	UpdateGroup(ctx context.Context, id, name, description string, attrs directory.Profile) error
	DeleteGroup(ctx context.Context, id string) error
	AddMember(ctx context.Context, groupID, userID string) error
	RemoveMember(ctx context.Context, groupID, userID string) error
	// SetManager makes managerID the primary of userID in the Linked
	// Objects relationship rel (such as manager); ClearManager removes
	// it. Both are idempotent.
	SetManager(ctx context.Context, userID, rel, managerID string) error
	ClearManager(ctx context.Context, userID, rel string) error
	// AssignApp assigns an app to a group (kind "group", with a priority
	// and app profile, either nil) or directly to a user (kind "user",
	// with an app profile); UnassignApp removes such an assignment.
	AssignApp(ctx context.Context, appID, kind, targetID string, priority *int, profile map[string]any) error
	UnassignApp(ctx context.Context, appID, kind, targetID string) error
}

// LinkRecorder, when the checkpoints implement it, records each manager
// link apply sets or clears (state.Store does), so that the next run
// needs not read it from Okta.
type LinkRecorder interface {
	RecordManagerLinks(ctx context.Context, org string, links []state.ManagerLink) error
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
