package apply

import "github.com/oktasync/oktasync/internal/diff"

// The lanes, one per Okta rate-limit bucket that a plan's calls fall in.
const (
	// LaneUsers is POST /api/v1/users: user creates.
	LaneUsers = "users"
	// LaneUser is /api/v1/users/{id}: partial updates, lifecycle, delete.
	LaneUser = "user"
	// LaneGroups is POST /api/v1/groups: group creates.
	LaneGroups = "groups"
	// LaneGroup is /api/v1/groups/{id} and below: group updates and
	// deletes, membership adds and removes.
	LaneGroup = "group"
)

// Lanes lists every lane Lane can return.
var Lanes = []string{LaneUsers, LaneUser, LaneGroups, LaneGroup}

// Lane returns the lane (the Okta rate-limit bucket) an action's call falls
// in; "" for an unknown action.
func Lane(a diff.Action) string {
	switch a {
	case diff.CreateUser:
		return LaneUsers
	case diff.UpdateUser, diff.ActivateUser, diff.ReactivateUser, diff.UnsuspendUser,
		diff.SuspendUser, diff.DeactivateUser, diff.DeleteUser:
		return LaneUser
	case diff.CreateGroup:
		return LaneGroups
	case diff.UpdateGroup, diff.DeleteGroup, diff.AddMember, diff.RemoveMember:
		return LaneGroup
	}
	return ""
}
