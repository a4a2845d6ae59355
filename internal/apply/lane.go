package apply

import (
	"github.com/oktasync/oktasync/internal/diff"
	"github.com/oktasync/oktasync/internal/okta"
)

// The lanes, one per Okta rate-limit bucket that a plan's calls fall in.
// Their names are the okta package's bucket names.
const (
	// LaneUsers is the /api/v1/users bucket: user creates and lifecycle
	// calls (activate, suspend, deactivate, …).
	LaneUsers = okta.BucketUsers
	// LaneUser is the bucket of POST, PUT and DELETE on
	// /api/v1/users/{id} only: partial updates and deletes.
	LaneUser = okta.BucketUserWrite
	// LaneGroups is the /api/v1/groups bucket: group creates, membership
	// adds and removes.
	LaneGroups = okta.BucketGroups
	// LaneGroup is the bucket of /api/v1/groups/{id} only: group updates
	// and deletes.
	LaneGroup = okta.BucketGroup
	// LaneApps is the /api/v1/apps bucket: app assignments of groups and
	// users.
	LaneApps = okta.BucketApps
)

// Lanes lists every lane Lane can return.
var Lanes = []string{LaneUsers, LaneUser, LaneGroups, LaneGroup, LaneApps}

// actionCall is the Okta call an action makes: its method and path, with
// placeholders for ids.
type actionCall struct{ method, path string }

// actionCalls lists the call each action makes (see perform). A create
// that then activates (no activation email) stays in the users bucket.
var actionCalls = map[diff.Action]actionCall{
	diff.CreateUser:     {"POST", "/api/v1/users"},
	diff.UpdateUser:     {"POST", "/api/v1/users/{id}"},
	diff.ActivateUser:   {"POST", "/api/v1/users/{id}/lifecycle/activate"},
	diff.ReactivateUser: {"POST", "/api/v1/users/{id}/lifecycle/activate"},
	diff.UnsuspendUser:  {"POST", "/api/v1/users/{id}/lifecycle/unsuspend"},
	diff.SuspendUser:    {"POST", "/api/v1/users/{id}/lifecycle/suspend"},
	diff.DeactivateUser: {"POST", "/api/v1/users/{id}/lifecycle/deactivate"},
	diff.DeleteUser:     {"DELETE", "/api/v1/users/{id}"},
	diff.CreateGroup:    {"POST", "/api/v1/groups"},
	diff.UpdateGroup:    {"PUT", "/api/v1/groups/{id}"},
	diff.DeleteGroup:    {"DELETE", "/api/v1/groups/{id}"},
	diff.AddMember:      {"PUT", "/api/v1/groups/{id}/users/{userId}"},
	diff.RemoveMember:   {"DELETE", "/api/v1/groups/{id}/users/{userId}"},
	diff.SetManager:     {"PUT", "/api/v1/users/{id}/linkedObjects/{name}/{managerId}"},
	diff.ClearManager:   {"DELETE", "/api/v1/users/{id}/linkedObjects/{name}"},

	diff.AssignAppGroup:   {"PUT", "/api/v1/apps/{id}/groups/{groupId}"},
	diff.UnassignAppGroup: {"DELETE", "/api/v1/apps/{id}/groups/{groupId}"},
	diff.AssignAppUser:    {"POST", "/api/v1/apps/{id}/users"},
	diff.UnassignAppUser:  {"DELETE", "/api/v1/apps/{id}/users/{userId}"},
}

// Lane returns the lane (the Okta rate-limit bucket, as okta.BucketFor
// reads Okta's table) an action's call falls in; "" for an unknown action.
func Lane(a diff.Action) string {
	c, ok := actionCalls[a]
	if !ok {
		return ""
	}
	return okta.BucketFor(c.method, c.path)
}
