package diff

import (
	"fmt"

	"github.com/oktasync/oktasync/internal/directory"
)

// Action is what one operation does.
type Action int

// The actions, in the order a plan lists them within one object: a user is
// activated (or reactivated) before its profile is updated, since Okta
// refuses profile updates of a DEPROVISIONED user.
const (
	CreateGroup Action = iota + 1
	UpdateGroup
	CreateUser
	ActivateUser
	ReactivateUser
	UpdateUser
	UnsuspendUser
	SuspendUser
	AddMember
	RemoveMember
	AssignAppGroup
	AssignAppUser
	UnassignAppGroup
	UnassignAppUser
	DeactivateUser
	DeleteUser
	DeleteGroup
	// SetManager and ClearManager set and clear a user's manager (Okta
	// Linked Objects); they come last, once both users exist.
	SetManager
	ClearManager
)

// lastAction is the highest Action.
const lastAction = ClearManager

var actionNames = map[Action]string{
	CreateGroup:    "create-group",
	UpdateGroup:    "update-group",
	DeleteGroup:    "delete-group",
	CreateUser:     "create-user",
	UpdateUser:     "update-user",
	ActivateUser:   "activate-user",
	ReactivateUser: "reactivate-user",
	UnsuspendUser:  "unsuspend-user",
	SuspendUser:    "suspend-user",
	DeactivateUser: "deactivate-user",
	DeleteUser:     "delete-user",
	AddMember:      "add-member",
	RemoveMember:   "remove-member",
	SetManager:     "set-manager",
	ClearManager:   "clear-manager",

	AssignAppGroup:   "assign-app-group",
	AssignAppUser:    "assign-app-user",
	UnassignAppGroup: "unassign-app-group",
	UnassignAppUser:  "unassign-app-user",
}

// String returns the action's stable name, as used in JSON plans and the
// state store ("create-user", "add-member", …).
func (a Action) String() string {
	if s, ok := actionNames[a]; ok {
		return s
	}
	return "unknown"
}

// ParseAction is the inverse of Action.String.
func ParseAction(s string) (Action, bool) {
	for a, n := range actionNames {
		if n == s {
			return a, true
		}
	}
	return 0, false
}

// MarshalText renders the action by name.
func (a Action) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText parses an action name.
func (a *Action) UnmarshalText(b []byte) error {
	v, ok := ParseAction(string(b))
	if !ok {
		return fmt.Errorf("unknown action %q", b)
	}
	*a = v
	return nil
}

// Change is one attribute's before and after value in an update.
type Change struct {
	Attr   string `json:"attr"`
	Before any    `json:"before"`
	After  any    `json:"after"`
}

// Operation is one API-level change. Operations are plain data: apply
// carries them out without deciding anything.
type Operation struct {
	// Seq is the operation's position in the plan, from 1; stable for a
	// given input, and the key of its checkpoint.
	Seq    int    `json:"seq"`
	Action Action `json:"action"`

	// Login is the user's login for user operations and memberships.
	Login string `json:"login,omitempty"`
	// UserID is the user's Okta id when the user exists; empty when the
	// user is created by this plan (apply resolves it then).
	UserID string `json:"userId,omitempty"`
	// Group is the group name for group operations and memberships.
	Group string `json:"group,omitempty"`
	// GroupID is the group's Okta id when it exists.
	GroupID string `json:"groupId,omitempty"`

	// Profile is, for CreateUser, the whole profile to create; for
	// UpdateUser, only the attributes to change (a nil value clears one).
	Profile directory.Profile `json:"profile,omitempty"`
	// Activate applies to CreateUser: create the user activated (ACTIVE
	// with a password, PROVISIONED without one) rather than STAGED.
	Activate bool `json:"activate,omitempty"`
	// SendEmail says that Okta emails the user: for ActivateUser and
	// ReactivateUser it is Okta's sendEmail parameter; for CreateUser,
	// which has no such parameter, it records that Okta will email the
	// activation link of a user created active without a password.
	SendEmail bool `json:"sendEmail,omitempty"`
	// Password is the initial password for CreateUser. Never rendered,
	// logged or stored.
	Password string `json:"-"`
	// Description is the group description for CreateGroup/UpdateGroup
	// ("" in an update: unchanged).
	Description string `json:"description,omitempty"`
	// Attributes are, for CreateGroup, the group's custom profile
	// attributes; for UpdateGroup, those to change. Apply merges them into
	// the group's current profile, since Okta replaces a group's profile
	// whole.
	Attributes directory.Profile `json:"attributes,omitempty"`
	// PasswordHash is the imported password hash for CreateUser. Never
	// rendered, logged or stored: a saved plan records ImportedPassword and
	// reads the hash from the source again when applied.
	PasswordHash *directory.PasswordHash `json:"-"`
	// ImportedPassword says that CreateUser sends an imported password
	// hash.
	ImportedPassword bool `json:"importedPassword,omitempty"`

	// Manager is, for SetManager, the manager's login, and ManagerID its
	// Okta id when it exists (apply resolves it when the plan creates
	// the manager). Link is the relationship's primary name (manager).
	Manager   string `json:"manager,omitempty"`
	ManagerID string `json:"managerId,omitempty"`
	Link      string `json:"link,omitempty"`
	// App and AppID are the app's label and Okta id for app assignments;
	// their Profile is the assignment's app profile, and Priority a group
	// assignment's priority (nil: Okta's choice).
	App      string `json:"app,omitempty"`
	AppID    string `json:"appId,omitempty"`
	Priority *int   `json:"priority,omitempty"`
	// WithCreate, for AddMember, says that the membership travels with
	// the CreateUser of its user in the same plan (Okta's groupIds on
	// create, at most MaxCreateGroups a user): apply sends the group's id
	// in the create and records the membership done when the create
	// succeeds, with no call of its own. A plan without it (an older
	// saved plan) adds every membership with its own call.
	WithCreate bool `json:"withCreate,omitempty"`

	// Changes lists before/after values for people to review.
	Changes []Change `json:"changes,omitempty"`
	// Reason says why, in a few words ("absent from source", …).
	Reason string `json:"reason,omitempty"`
	// Leaver marks the suspension of a user absent from the source
	// (users.leavers suspend, users.leaverGrace), which a run records so
	// that a later one knows since when.
	Leaver bool `json:"leaver,omitempty"`
}

// ActionCounts counts operations by verb.
type ActionCounts struct {
	Create     int `json:"create"`
	Update     int `json:"update"`
	Deactivate int `json:"deactivate"`
	Reactivate int `json:"reactivate"`
	Activate   int `json:"activate"`
	Suspend    int `json:"suspend"`
	Unsuspend  int `json:"unsuspend"`
	Delete     int `json:"delete"`
	Unchanged  int `json:"unchanged"`
	// OutOfScope counts the source users that exist in Okta outside
	// scope.users: left alone (Plan.OutOfScope lists them).
	OutOfScope int `json:"outOfScope"`
}

// GroupCounts counts group operations.
type GroupCounts struct {
	Create int `json:"create"`
	Update int `json:"update"`
	Delete int `json:"delete"`
}

// MembershipCounts counts membership operations.
type MembershipCounts struct {
	// Add counts every membership the plan adds, WithCreate among them.
	Add    int `json:"add"`
	Remove int `json:"remove"`
	// WithCreate counts the adds that travel with their user's create
	// (Operation.WithCreate) and cost no call of their own.
	WithCreate int `json:"withCreate,omitempty"`
}

// ManagerCounts counts manager link operations.
type ManagerCounts struct {
	Set   int `json:"set"`
	Clear int `json:"clear"`
}

// AppCounts counts app assignment operations, of groups and users.
type AppCounts struct {
	Assign   int `json:"assign"`
	Unassign int `json:"unassign"`
}

// Summary counts a plan's operations.
type Summary struct {
	Users       ActionCounts     `json:"users"`
	Groups      GroupCounts      `json:"groups"`
	Memberships MembershipCounts `json:"memberships"`
	Managers    ManagerCounts    `json:"managers,omitzero"`
	Apps        AppCounts        `json:"apps,omitzero"`
	// Emails counts the users Okta will email when the plan is applied:
	// the operations with SendEmail set. It is 0 when
	// users.sendActivationEmail is off.
	Emails int `json:"emails"`
}

// Plan is the full, ordered list of changes that would make current match
// desired, with the safety verdict.
type Plan struct {
	Operations []Operation `json:"operations"`
	Summary    Summary     `json:"summary"`
	// Blocked is true when a safety rule refuses the plan; Blocks says
	// which rules and how to allow the plan once.
	Blocked bool    `json:"blocked"`
	Blocks  []Block `json:"blocks,omitempty"`
	// Held lists operations the plan leaves undone on purpose, each with
	// the setting that holds it back (safety.maxDeactivations at 0). They
	// are not in Operations or Summary and are never applied.
	Held []Held `json:"held,omitempty"`
	// Warnings are things the plan leaves alone that a person should know
	// of (a source user that exists in Okta outside the scope, …).
	Warnings []string `json:"warnings,omitempty"`
	// OutOfScope lists the logins of the source users that exist in Okta
	// outside scope.users, sorted; the warnings name only a few.
	OutOfScope []string `json:"outOfScope,omitempty"`
	// LeftAlone counts the source users the plan leaves alone or whose
	// changes it leaves undone (outside the scope, protected, changing
	// status, …; the warnings say which): with any, a plan without
	// changes does not mean Okta matches the source.
	LeftAlone int `json:"leftAlone,omitempty"`
}

// Held is an operation a setting holds back: listed, never applied.
type Held struct {
	// Rule is the setting that holds it back, e.g.
	// "safety.maxDeactivations".
	Rule      string    `json:"rule"`
	Operation Operation `json:"operation"`
}

// Block is one safety rule that refuses a plan.
type Block struct {
	Rule    string `json:"rule"`    // e.g. "safety.maxDeactivations"
	Count   int    `json:"count"`   // how many the plan would do
	Limit   int    `json:"limit"`   // what the rule allows
	Message string `json:"message"` // the whole explanation, with how to allow it
}

// HasChanges reports whether the plan has any operation.
func (p *Plan) HasChanges() bool { return len(p.Operations) > 0 }
