package diff

import (
	"time"

	"github.com/oktasync/oktasync/internal/limit"
)

// Policy is what the configuration says about what a plan may do.
type Policy struct {
	// CreateActive creates users active (activate=true); otherwise they
	// are created STAGED. It also asks for STAGED managed users to be
	// activated. Config users.createStatus; default true (active).
	CreateActive bool
	// SendActivationEmail lets Okta email users their activation link.
	// When false, no email goes out: a user without a password is created
	// STAGED and then activated with sendEmail=false (Okta emails every
	// user created active without a password, and its create call has no
	// sendEmail parameter), and activations and reactivations pass
	// sendEmail=false. Config users.sendActivationEmail; default false.
	SendActivationEmail bool
	// EditDeactivatedProfiles plans profile updates of users who are, and
	// stay, DEPROVISIONED. Okta refuses those unless the org has turned on
	// "edit deactivated user profiles", which is off by default. Config
	// users.editDeactivatedProfiles; default false.
	EditDeactivatedProfiles bool
	// Reactivate activates a managed DEPROVISIONED user who is back in
	// the source. Config users.reactivate; default true.
	Reactivate bool
	// DeleteAfter deletes a user that oktasync deactivated and that has
	// stayed absent from the source at least this long; 0 never deletes.
	// Config users.deleteAfter; default 0.
	DeleteAfter time.Duration
	// Leavers says what happens to a managed user absent from the source:
	// LeaversDeactivate ("" too) deactivates it; LeaversSuspend suspends it
	// when ACTIVE (Okta suspends no other status); LeaversReport lists its
	// deactivation, deletion and membership removals in Plan.Held and
	// applies none of them. Config users.leavers; default deactivate.
	Leavers string
	// LeaverGrace, with LeaversDeactivate, suspends an ACTIVE leaver first
	// and deactivates it once it has been suspended (by oktasync, as
	// Input.SuspendedAt records) this long and is still absent; a leaver
	// that returns within it is unsuspended. 0 deactivates at once.
	LeaverGrace time.Duration
	// ProtectLogins and ProtectGroups name users, and groups whose members,
	// are never updated, suspended, deactivated, deleted or removed from a
	// group. Config protect.logins, protect.groups.
	ProtectLogins []string
	ProtectGroups []string
	// DeleteUnlistedGroups deletes OKTA_GROUPs in the group scope
	// (GroupPrefix, or Input.ScopedGroups) that the source does not name.
	// Config groups.deleteUnlisted; default false.
	DeleteUnlistedGroups bool
	// GroupPrefix puts every OKTA_GROUP whose name starts with it
	// (case-insensitively) in the group scope. Config scope.groups.prefix.
	GroupPrefix string
	// Safety holds the limits that block a plan.
	Safety Safety
}

// Safety holds the rules that block a plan that does too much.
type Safety struct {
	// MaxDeactivations limits deactivations plus deletions of users, as a
	// count or a percentage of the managed users in Okta. Config
	// safety.maxDeactivations; default "10% or 5".
	MaxDeactivations Limit
	// MaxMembershipRemovals limits membership removals, as a count or a
	// percentage of the current memberships of the managed groups. Config
	// safety.maxMembershipRemovals; default "10% or 20".
	MaxMembershipRemovals Limit
	// MinSourceUsers blocks a plan whose source has fewer users (0: no
	// minimum). An empty source is always blocked. Config
	// safety.minSourceUsers; default 0.
	MinSourceUsers int
	// AllowDeactivations and AllowRemovals are one-off permissions from
	// the command line (--allow-deactivations N, --allow-removals N): a
	// plan with at most that many is not blocked by the matching limit.
	AllowDeactivations int
	AllowRemovals      int
	// MaxAppUnassignments limits app unassignments (of groups and users),
	// as a count or a percentage of the managed apps' current
	// assignments. Config safety.maxAppUnassignments; default "10% or
	// 10". AllowAppUnassignments is its one-off permission
	// (--allow-app-unassignments N).
	MaxAppUnassignments   Limit
	AllowAppUnassignments int
}

// The values of Policy.Leavers (config users.leavers).
const (
	LeaversDeactivate = "deactivate"
	LeaversSuspend    = "suspend"
	LeaversReport     = "report"
)

// DefaultPolicy returns the policy of an empty configuration.
func DefaultPolicy() Policy {
	return Policy{
		CreateActive: true,
		Reactivate:   true,
		Safety: Safety{
			MaxDeactivations:      Limit{Count: 5, Percent: 10},
			MaxMembershipRemovals: Limit{Count: 20, Percent: 10},
			MaxAppUnassignments:   Limit{Count: 10, Percent: 10},
		},
	}
}

// Limit is a safety limit: a count, a percentage of a base, or both (the
// larger wins). It is limit.Limit, whose package holds the grammar that
// config validation checks too.
type Limit = limit.Limit

// ParseLimit reads a limit as limit.Parse does: "25" (a count), "10%" (a
// percentage), "10% or 5" (whichever is larger), or "off" (no limit).
func ParseLimit(s string) (Limit, error) { return limit.Parse(s) }
