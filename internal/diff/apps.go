package diff

import (
	"bufio"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/oktasync/oktasync/internal/directory"
)

// App assignment scopes as Okta reports them for an app's users.
const (
	AppScopeUser  = "USER"
	AppScopeGroup = "GROUP"
)

// AppState is one app whose assignments oktasync manages: what the
// configuration asks for, what Okta has, and what oktasync recorded.
type AppState struct {
	// ID and Label are the app's Okta id and label.
	ID, Label string
	// WantGroups holds the groups the app is assigned to, by GroupKey (as
	// the source names them), with the assignment's priority and profile.
	WantGroups map[string]AppGroupAssignment
	// WantUsers holds, when the app's users come from the source, the
	// users assigned to it directly, by LoginKey, with their app profile
	// (nil: none). Nil when the configuration names no user source.
	WantUsers map[string]directory.Profile
	// HaveGroups holds the app's group assignments read from Okta, by
	// group id.
	HaveGroups map[string]AppGroupAssignment
	// HaveUsers holds the app's users read from Okta, by user id, with
	// their scope (AppScopeUser for a direct assignment, AppScopeGroup
	// through a group). Nil when they were not read (the app has no user
	// source and no recorded user assignment).
	HaveUsers map[string]string
	// RecordedGroups and RecordedUsers hold the assignments oktasync made
	// or the configuration named before, by group or user id, with the
	// group's name or user's login as recorded. Only these are removed.
	RecordedGroups, RecordedUsers map[string]string
}

// AppGroupAssignment is a group's assignment to an app: its priority
// (nil: Okta's choice) and app profile (nil: none).
type AppGroupAssignment struct {
	Priority *int
	Profile  map[string]any
}

// reasonAppChanged is the Reason of a group assignment made again because
// its priority or profile differs.
const reasonAppChanged = "priority or profile differs"

// apps plans the app assignments of in.Apps: assignments the
// configuration asks for and Okta lacks, and removals of recorded ones it
// no longer asks for. Users who end the plan DEPROVISIONED get no
// assignment (Okta refuses; deactivation dropped theirs); a user
// reactivated by the plan gets its direct assignments again after the
// reactivation; a user deactivated by the plan loses them with it.
func (c *computer) apps() {
	reactivated, deactivated := c.loginsOf(ReactivateUser), c.loginsOf(DeactivateUser)
	var byID map[string]*directory.User
	for i := range c.in.Apps {
		a := &c.in.Apps[i]
		c.appGroups(a)
		for _, lk := range sortedKeys(a.WantUsers) {
			c.appUser(a, lk, reactivated)
		}
		if a.HaveUsers == nil {
			continue
		}
		for _, id := range sortedKeys(a.RecordedUsers) {
			if a.HaveUsers[id] != AppScopeUser {
				continue // gone already, or through a group only
			}
			if byID == nil {
				byID = c.usersByID()
			}
			cu := byID[id]
			lk := ""
			if cu != nil {
				lk = directory.LoginKey(cu.Login())
			}
			if _, wanted := a.WantUsers[lk]; (wanted && lk != "") || c.protected[lk] || deactivated[lk] {
				continue
			}
			op := Operation{Action: UnassignAppUser, App: a.Label, AppID: a.ID, Login: a.RecordedUsers[id], UserID: id}
			if cu != nil {
				op.Login = cu.Login()
			}
			c.add(a.ID+"\x00u\x00"+id, op)
		}
	}
}

// appGroups plans a's group assignments and removals.
func (c *computer) appGroups(a *AppState) {
	wantIDs := make(map[string]bool, len(a.WantGroups))
	for _, gk := range sortedKeys(a.WantGroups) {
		want := a.WantGroups[gk]
		op := Operation{Action: AssignAppGroup, App: a.Label, AppID: a.ID, Group: c.groupName(gk), Priority: want.Priority, Profile: want.Profile}
		if cg, ok := c.in.Current.Groups[gk]; ok {
			op.GroupID = cg.ID
			wantIDs[cg.ID] = true
			if have, ok := a.HaveGroups[cg.ID]; ok {
				op.Changes = appGroupChanges(want, have)
				if len(op.Changes) == 0 {
					continue
				}
				op.Reason = reasonAppChanged
			}
		}
		c.add(a.ID+"\x00g\x00"+gk, op)
	}
	byID := make(map[string]*directory.Group)
	for _, id := range sortedKeys(a.RecordedGroups) {
		if _, have := a.HaveGroups[id]; !have || wantIDs[id] {
			continue
		}
		if len(byID) == 0 {
			for _, g := range c.in.Current.Groups {
				byID[g.ID] = g
			}
		}
		name := a.RecordedGroups[id]
		if g := byID[id]; g != nil {
			name = g.Name
		}
		c.add(a.ID+"\x00g\x00"+id, Operation{Action: UnassignAppGroup, App: a.Label, AppID: a.ID, Group: name, GroupID: id})
	}
}

// appUser plans the direct assignment of a to the user with login key lk
// when Okta lacks it.
func (c *computer) appUser(a *AppState, lk string, reactivated map[string]bool) {
	du := c.in.Desired.Users[lk]
	if du == nil || !c.existsAfter(lk) {
		return
	}
	op := Operation{Action: AssignAppUser, App: a.Label, AppID: a.ID, Login: du.Login(), Profile: a.WantUsers[lk]}
	if cu, ok := c.in.Current.Users[lk]; ok {
		op.Login, op.UserID = cu.Login(), cu.ID
		if a.HaveUsers[cu.ID] == AppScopeUser {
			return
		}
		if strings.EqualFold(cu.Status, statusDeprovisioned) && !reactivated[lk] {
			c.warn(warnUser+lk, "user %q is DEPROVISIONED in Okta and stays so: app %q is not assigned to it", du.Login(), a.Label)
			return
		}
		if reactivated[lk] {
			op.Reason = "reactivated: deactivation dropped its assignments"
		}
	}
	c.add(a.ID+"\x00u\x00"+lk, op)
}

// appGroupChanges lists how have differs from what want sets: its
// priority, when want sets one, and each profile attribute want sets.
func appGroupChanges(want, have AppGroupAssignment) []Change {
	var ch []Change
	if want.Priority != nil && (have.Priority == nil || *have.Priority != *want.Priority) {
		var before any
		if have.Priority != nil {
			before = *have.Priority
		}
		ch = append(ch, Change{Attr: "priority", Before: before, After: *want.Priority})
	}
	for _, k := range sortedKeys(want.Profile) {
		if !sameValue(have.Profile[k], want.Profile[k]) {
			ch = append(ch, Change{Attr: "profile." + k, Before: have.Profile[k], After: want.Profile[k]})
		}
	}
	return ch
}

// sameValue compares app profile values as their JSON would: numbers by
// value, whatever their Go type.
func sameValue(a, b any) bool {
	return reflect.DeepEqual(a, b) || fmt.Sprint(a) == fmt.Sprint(b)
}

// loginsOf returns the login keys of the operations planned so far with
// action a.
func (c *computer) loginsOf(a Action) map[string]bool {
	out := make(map[string]bool, len(c.ops[a]))
	for _, k := range c.ops[a] {
		out[directory.LoginKey(k.v.Login)] = true
	}
	return out
}

// usersByID indexes Okta's users by id.
func (c *computer) usersByID() map[string]*directory.User {
	out := make(map[string]*directory.User, len(c.in.Current.Users))
	for _, u := range c.in.Current.Users {
		out[u.ID] = u
	}
	return out
}

// appAssignmentsNow counts the managed apps' assignments in Okta: their
// groups, and their users assigned directly.
func (c *computer) appAssignmentsNow() int {
	n := 0
	for _, a := range c.in.Apps {
		n += len(a.HaveGroups)
		for _, scope := range a.HaveUsers {
			if scope == AppScopeUser {
				n++
			}
		}
	}
	return n
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

// appLine returns the plan line of an app assignment operation:
// `assign app "Slack" to group "Engineering"`, `unassign app "Slack" from
// user ann@example.com`, or for a group assignment whose priority or
// profile changes, `update app "Slack" assignment of group "Engineering"`.
func appLine(op *Operation) (string, bool) {
	app := strconv.Quote(op.App)
	switch op.Action {
	case AssignAppGroup:
		if len(op.Changes) > 0 {
			return fmt.Sprintf("update app %s assignment of group %s", app, strconv.Quote(op.Group)), true
		}
		return fmt.Sprintf("assign app %s to group %s", app, strconv.Quote(op.Group)), true
	case AssignAppUser:
		return fmt.Sprintf("assign app %s to user %s", app, op.Login), true
	case UnassignAppGroup:
		return fmt.Sprintf("unassign app %s from group %s", app, strconv.Quote(op.Group)), true
	case UnassignAppUser:
		return fmt.Sprintf("unassign app %s from user %s", app, op.Login), true
	}
	return "", false
}

// renderAppAssignment writes the priority and app profile an assignment
// sets, or, for one that changes, its changes.
func renderAppAssignment(w *bufio.Writer, op *Operation) {
	if len(op.Changes) > 0 {
		for _, ch := range op.Changes {
			fmt.Fprintf(w, "    %s: %s → %s\n", ch.Attr, FormatValue(ch.Before), FormatValue(ch.After))
		}
		return
	}
	if op.Priority != nil {
		fmt.Fprintf(w, "    priority: %d\n", *op.Priority)
	}
	for _, k := range sortedKeys(op.Profile) {
		fmt.Fprintf(w, "    profile.%s: %s\n", k, FormatValue(op.Profile[k]))
	}
}
