// Package diff computes oktasync's plan: the ordered list of Okta
// operations that would make the current state (read from Okta) match the
// desired state (read from a source), within the scope oktasync manages,
// and the safety verdict on it. It is the only place that decides what
// should change; apply carries a plan out without deciding anything.
//
// Compute is pure: no I/O, no clock (the time comes in Input.Now), no
// randomness, and the same Input always gives the same Plan.
//
// # Scope
//
// A user is managed when Input.Managed holds its login key (it matches
// scope.users, or oktasync created it). Only managed users are updated,
// activated, suspended, deactivated or deleted. A source user that exists
// in Okta but is not managed is left alone, with a plan warning; its
// memberships in managed groups are still synced, since the group is
// managed. Users on Policy.ProtectLogins, and current members of the
// groups on Policy.ProtectGroups, are never updated, suspended,
// deactivated, deleted or removed from a group; they may be created and
// added to groups, which changes nothing that exists. The members of every
// protected group that exists must have been read, or Compute refuses to
// plan.
//
// Every group the source names is managed: created when missing, its
// description kept when the source gives one, and its members made equal
// to the source's. A managed group must be an OKTA_GROUP (a group Type left
// empty counts as one); the members of every managed group that exists must
// have been read (Input.MembersRead), or Compute refuses to plan rather
// than take an unread list for an empty one. Groups the source does not
// name are left alone, except that with Policy.DeleteUnlistedGroups the
// OKTA_GROUPs in the group scope (name starting with Policy.GroupPrefix,
// or listed in Input.ScopedGroups) are deleted; with no group scope set,
// only the groups oktasync managed that left the source
// (Input.LeftSource) are.
//
// # Values
//
// Profile values are compared with directory.EqualValues: empty values
// (nil, "", empty arrays) are equal, numbers by value whatever their Go
// type, arrays element by element, login and email case-insensitively.
// Attributes the source does not have are left alone; a nil desired value
// clears an attribute that has one.
//
// # Lifecycle
//
// A desired user missing from Okta is created (active when
// Policy.CreateActive or when the source asks for ACTIVE or SUSPENDED),
// unless the source asks for DEPROVISIONED. Okta emails every user created
// active without a password, so unless Policy.SendActivationEmail such a
// user is created STAGED and then activated with sendEmail=false;
// activations and reactivations send an email only with
// Policy.SendActivationEmail, and Summary.Emails counts the users Okta will
// email. A managed user absent from the
// source is deactivated (Policy.Leavers: or suspended, or held back); one
// that oktasync deactivated at least Policy.DeleteAfter ago is deleted.
// With Policy.LeaverGrace an ACTIVE leaver is suspended first
// (Operation.Leaver) and deactivated once Input.SuspendedAt is that long
// ago; a leaver oktasync suspended that is back in the source is
// unsuspended. The source's optional status asks for:
//
//	""             any live status: DEPROVISIONED is reactivated (Policy.Reactivate),
//	               STAGED activated when Policy.CreateActive
//	ACTIVE         as "", and STAGED activated, SUSPENDED unsuspended
//	SUSPENDED      ACTIVE suspended; STAGED activated and DEPROVISIONED
//	               reactivated, to be suspended by a later run once ACTIVE
//	               (activated without a password, a user is PROVISIONED,
//	               which Okta does not suspend); other statuses get a warning
//	DEPROVISIONED  deactivated
//
// A user who is DEPROVISIONED and is not reactivated gets no profile
// update, which Okta refuses, unless Policy.EditDeactivatedProfiles. A user
// whose status Okta is still changing (directory.User.Transition) gets no
// operation at all, and a warning when it would; a later run plans it.
//
// # Memberships of new users
//
// A user the plan creates takes its first MaxCreateGroups groups, by group
// key, along with its create: their AddMember operations have WithCreate
// set, and apply sends the groups' ids with the create (Okta's groupIds)
// instead of one call per membership; this holds for groups the plan
// creates too, whose creates come first. Its further groups are ordinary
// adds. Summary.Memberships.Add counts every add, and WithCreate those
// that cost no call of their own.
//
// # Order
//
// Operations come in Action order (group creates and updates, user
// creates, activations, reactivations, updates, unsuspensions,
// suspensions, membership adds, membership removals, app assignments of
// groups and of users, app unassignments of groups and of users,
// deactivations, deletions, group deletions), each action sorted by login key or group
// key (memberships by group key, then login key), numbered from 1.
//
// # Safety
//
// A plan is Blocked, with one Block per broken rule, when the source has
// no users; when it has fewer than Safety.MinSourceUsers; when its user
// deactivations and deletions exceed Safety.MaxDeactivations of the
// managed users present in Okta (unless Safety.AllowDeactivations covers
// them); or when its membership removals exceed
// Safety.MaxMembershipRemovals of the current memberships of the managed
// groups (unless Safety.AllowRemovals covers them); or when its app
// unassignments exceed Safety.MaxAppUnassignments of the managed apps'
// current assignments (unless Safety.AllowAppUnassignments covers them).
//
// # Apps
//
// Input.Apps lists the apps whose assignments are managed (apps.go): each
// group or user the configuration assigns an app to and Okta lacks gets an
// assignment, and only the assignments oktasync recorded (made, or named
// by the configuration before) that it no longer asks for are removed.
package diff
