package diff

import (
	"strings"

	"github.com/oktasync/oktasync/internal/directory"
)

// AlreadyApplied reports whether Okta, as current shows it, already holds
// what every operation of saved makes: its users and groups created (or
// deleted), its attribute values and statuses set, its memberships made or
// removed. A saved plan applied once is, on a second apply, full of
// conflicts; this tells that case apart from one where Okta changed in
// other ways. A membership in a group whose members were not read
// (membersRead) cannot be checked and counts as not applied; so does an
// empty plan.
func AlreadyApplied(saved *SavedPlan, current *directory.Directory, membersRead map[string]bool) bool {
	if saved == nil || saved.Plan == nil || len(saved.Plan.Operations) == 0 {
		return false
	}
	for i := range saved.Plan.Operations {
		if !opDone(&saved.Plan.Operations[i], current, membersRead) {
			return false
		}
	}
	return true
}

// opDone reports whether current already holds what op makes.
func opDone(op *Operation, current *directory.Directory, membersRead map[string]bool) bool {
	cu, userExists := current.Users[directory.LoginKey(op.Login)]
	cg, groupExists := current.Groups[directory.GroupKey(op.Group)]
	status := ""
	if userExists {
		status = strings.ToUpper(cu.Status)
	}
	switch op.Action {
	case CreateGroup:
		return groupExists
	case UpdateGroup:
		return groupExists && cg.Description == op.Description
	case DeleteGroup:
		return !groupExists
	case CreateUser:
		return userExists
	case UpdateUser:
		if !userExists {
			return false
		}
		for a, v := range op.Profile {
			if !directory.EqualValues(a, v, cu.Profile.Value(a)) {
				return false
			}
		}
		return true
	case ActivateUser, ReactivateUser:
		// Activated without a password, a user is PROVISIONED until it
		// sets one.
		return status == statusActive || status == statusProvisioned
	case UnsuspendUser:
		return status == statusActive
	case SuspendUser:
		return status == statusSuspended
	case DeactivateUser:
		return status == statusDeprovisioned
	case DeleteUser:
		return !userExists
	case AddMember:
		return groupExists && membersRead[directory.GroupKey(op.Group)] && current.IsMember(op.Group, op.Login)
	case RemoveMember:
		return !groupExists || !userExists || (membersRead[directory.GroupKey(op.Group)] && !current.IsMember(op.Group, op.Login))
	}
	return false
}
