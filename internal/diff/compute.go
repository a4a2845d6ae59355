package diff

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/oktasync/oktasync/internal/directory"
)

// Okta user statuses and group types the plan reasons about.
const (
	statusStaged        = "STAGED"
	statusActive        = "ACTIVE"
	statusProvisioned   = "PROVISIONED"
	statusSuspended     = "SUSPENDED"
	statusDeprovisioned = "DEPROVISIONED"

	groupTypeOkta = "OKTA_GROUP"
)

// Input is everything Compute needs. Compute does not change it.
type Input struct {
	// Desired is the state the source asks for.
	Desired *directory.Directory
	// Current is Okta's state: all users including DEPROVISIONED ones
	// (with ID, Status and full Profile); the OKTA_GROUPs plus any group
	// whose name the source uses (with Type); Members filled only for the
	// groups listed in MembersRead.
	Current *directory.Directory
	// MembersRead holds the GroupKeys whose member lists were read from
	// Okta.
	MembersRead map[string]bool
	// Managed holds the LoginKeys of the users oktasync manages: those
	// matching scope.users, and those oktasync created.
	Managed map[string]bool
	// DeactivatedAt holds, by LoginKey, when oktasync deactivated a user
	// (for Policy.DeleteAfter).
	DeactivatedAt map[string]time.Time
	// SuspendedAt holds, by LoginKey, when oktasync suspended a leaver
	// (for Policy.LeaverGrace, and to unsuspend one that returns).
	SuspendedAt map[string]time.Time
	// ScopedGroups holds the GroupKeys of groups matching
	// scope.groups.search, for Policy.DeleteUnlistedGroups.
	ScopedGroups map[string]bool
	// LeftSource holds the GroupKeys (as in Current) of groups oktasync
	// managed before that the source no longer names: they left it, or
	// were renamed there. Their members are removed (Members must be read
	// for them, MembersRead set), and with Policy.DeleteUnlistedGroups they
	// are deleted. Keys the source names are ignored.
	LeftSource map[string]bool
	// Apps are the apps whose assignments oktasync manages, in the order
	// the plan lists them (see AppState).
	Apps []AppState
	// Frozen holds the LoginKeys of users an incremental run knows to be
	// unchanged since they were last applied: they are in Desired and
	// Current (with the Okta id and login) only for the memberships of the
	// groups planned, and get no user-level operation.
	Frozen map[string]bool
	// Base, when set, replaces the counts the safety rules measure
	// against (the source's users, the managed users in Okta, the current
	// memberships of the managed groups): an incremental run's Desired and
	// Current hold only what changed.
	Base *Base
	// Now is the time the plan is made at.
	Now time.Time
	// Policy says what the plan may do.
	Policy Policy
	// Links, when set, has the plan keep users' managers as
	// Desired.Managers says; nil leaves links alone.
	Links *LinkInput
}

// Base is what the safety rules measure against, when Input.Base sets it.
type Base struct {
	SourceUsers, ManagedUsers, Memberships int
}

// Compute returns the plan that makes in.Current match in.Desired within
// the managed scope. An error means no plan can be made safely (a managed
// group that is not an OKTA_GROUP, a membership naming an unknown login, a
// managed group whose members were not read); a plan that is merely too
// large is returned Blocked, not as an error.
func Compute(in Input) (*Plan, error) {
	if in.Desired == nil || in.Current == nil {
		return nil, errors.New("compute plan: desired and current state are both required")
	}
	c := newComputer(in)
	c.checkMemberships()
	c.groups()
	c.users()
	c.absentUsers()
	c.memberships()
	c.managers()
	c.apps()
	c.leftGroups()
	c.unlistedGroups()
	c.holdDeactivations()
	if len(c.errs) > 0 {
		return nil, fmt.Errorf("compute plan: %w", errors.Join(c.errs...))
	}
	p := c.assemble()
	c.safety(p)
	return p, nil
}

// computer holds the state of one Compute call.
type computer struct {
	in  Input
	pol Policy

	// ops holds the operations by action, each with its sort key.
	ops [lastAction + 1][]keyed[Operation]
	// managedGroups are the GroupKeys the source names, sorted.
	managedGroups []string
	// protected holds protected LoginKeys (listed, or members of a
	// protected group).
	protected map[string]bool
	// unchanged counts managed desired users with no user-level operation.
	unchanged int
	// outOfScope holds the logins of source users that exist in Okta
	// outside the scope: left alone, and summarised in one warning.
	outOfScope []string
	// held holds the operations held back, in the order they are listed.
	held     []keyed[Held]
	warnings []keyed[string]
	errs     []error
}

// keyed is a value with the key it sorts by. Compute walks maps in no
// particular order and sorts what it found by key at the end, which costs
// far less than walking every key in sorted order.
type keyed[T any] struct {
	key string
	v   T
}

// Warning sort keys: global ones first, then by group, user, membership.
const (
	warnGlobal     = "0"
	warnGroup      = "1"
	warnUser       = "2"
	warnMembership = "3"
)

func newComputer(in Input) *computer {
	c := &computer{
		in:        in,
		pol:       in.Policy,
		protected: make(map[string]bool),
	}
	for _, l := range in.Policy.ProtectLogins {
		c.protected[directory.LoginKey(l)] = true
	}
	pgs := make([]string, 0, len(in.Policy.ProtectGroups))
	for _, g := range in.Policy.ProtectGroups {
		pgs = append(pgs, directory.GroupKey(g))
	}
	sort.Strings(pgs)
	for _, gk := range pgs {
		g, ok := in.Current.Groups[gk]
		switch {
		case !ok:
			c.warn(warnGroup+gk, "protect.groups: there is no OKTA_GROUP %q in Okta as read, so it protects no one", gk)
		case !in.MembersRead[gk]:
			c.fail("protect.groups: the members of group %q were not read from Okta, so they cannot be recognised as protected", g.Name)
		}
		for lk := range in.Current.Members[gk].All() {
			c.protected[lk] = true
		}
	}
	seen := make(map[string]bool, len(in.Desired.Groups)+len(in.Desired.Members))
	for gk := range in.Desired.Groups {
		seen[gk] = true
	}
	for gk := range in.Desired.Members {
		seen[gk] = true
	}
	c.managedGroups = make([]string, 0, len(seen))
	for gk := range seen {
		c.managedGroups = append(c.managedGroups, gk)
	}
	sort.Strings(c.managedGroups)
	return c
}

// warn records a warning that sorts by key.
func (c *computer) warn(key, format string, args ...any) {
	c.warnings = append(c.warnings, keyed[string]{key, fmt.Sprintf(format, args...)})
}

func (c *computer) fail(format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf(format, args...))
}

// hold records an operation held back by rule, sorting by rule, action
// and key.
func (c *computer) hold(rule, key string, op Operation) {
	k := fmt.Sprintf("%s\x00%02d\x00%s", rule, op.Action, key)
	c.held = append(c.held, keyed[Held]{k, Held{Rule: rule, Operation: op}})
}

// addLeaverRemoval plans the removal of lk from a group, held back when lk
// is a leaver and users.leavers is report.
func (c *computer) addLeaverRemoval(key, lk string, op Operation) {
	if _, stays := c.in.Desired.Users[lk]; !stays && c.in.Managed[lk] && c.pol.Leavers == LeaversReport {
		c.hold(RuleLeavers, key, op)
		return
	}
	c.add(key, op)
}

// add records an operation that sorts by key within its action.
func (c *computer) add(key string, op Operation) {
	c.ops[op.Action] = append(c.ops[op.Action], keyed[Operation]{key, op})
}

// existsAfter reports whether the user with login key lk exists, or will,
// once the plan is applied.
func (c *computer) existsAfter(lk string) bool {
	if _, ok := c.in.Current.Users[lk]; ok {
		return true
	}
	du, ok := c.in.Desired.Users[lk]
	return ok && !strings.EqualFold(strings.TrimSpace(du.Status), statusDeprovisioned)
}

// groupName returns the name to show for a managed group key.
// Okta's own spelling wins over the source's, which may differ in case.
func (c *computer) groupName(gk string) string {
	if g, ok := c.in.Current.Groups[gk]; ok && g.Name != "" {
		return g.Name
	}
	if g, ok := c.in.Desired.Groups[gk]; ok && g.Name != "" {
		return g.Name
	}
	return gk
}

// checkMemberships refuses desired memberships that name unknown logins.
func (c *computer) checkMemberships() {
	for _, gk := range c.managedGroups {
		var unknown []string
		for lk := range c.in.Desired.Members[gk].All() {
			if _, ok := c.in.Desired.Users[lk]; !ok {
				unknown = append(unknown, lk)
			}
		}
		sort.Strings(unknown)
		for _, lk := range unknown {
			c.fail("group %q: member %q is not among the source's users", c.groupName(gk), lk)
		}
	}
}

// groups plans creates and updates of the managed groups.
func (c *computer) groups() {
	for _, gk := range c.managedGroups {
		dg := c.in.Desired.Groups[gk]
		cg, exists := c.in.Current.Groups[gk]
		if !exists {
			op := Operation{Action: CreateGroup, Group: c.groupName(gk)}
			if dg != nil {
				if dg.HasDescription {
					op.Description = dg.Description
				}
				if len(dg.Attrs) > 0 {
					op.Attributes = dg.Attrs
				}
			}
			c.add(gk, op)
			continue
		}
		if cg.Type != "" && cg.Type != groupTypeOkta {
			c.fail("group %q is of type %s in Okta, not OKTA_GROUP: oktasync cannot change its members; rename the group in the source or remove it", cg.Name, cg.Type)
			continue
		}
		if !c.in.MembersRead[gk] {
			c.fail("group %q: its members were not read from Okta, so its memberships cannot be planned", cg.Name)
			continue
		}
		if op := groupUpdate(dg, cg); op != nil {
			c.add(gk, *op)
		}
	}
}

// groupUpdate returns the UpdateGroup operation for the description and
// custom attributes of dg that differ from cg, or nil. Attributes the
// source does not give are left alone.
func groupUpdate(dg, cg *directory.Group) *Operation {
	if dg == nil {
		return nil
	}
	op := &Operation{Action: UpdateGroup, Group: cg.Name, GroupID: cg.ID}
	if dg.HasDescription && dg.Description != cg.Description {
		op.Description = dg.Description
		op.Changes = append(op.Changes, Change{Attr: "description", Before: cg.Description, After: dg.Description})
	}
	for _, a := range slices.Sorted(maps.Keys(dg.Attrs)) {
		dv, cv := dg.Attrs[a], cg.Attrs[a]
		if directory.EqualValues(a, dv, cv) {
			continue
		}
		if op.Attributes == nil {
			op.Attributes = directory.Profile{}
		}
		op.Attributes[a] = dv
		op.Changes = append(op.Changes, Change{Attr: a, Before: cv, After: dv})
	}
	if len(op.Changes) == 0 {
		return nil
	}
	return op
}

// MaxCreateGroups is how many groups Okta takes on a user's create
// (groupIds); a new user's further memberships are ordinary adds.
const MaxCreateGroups = 20

// memberships plans adds and removals in the managed groups. A user the
// plan creates takes its first MaxCreateGroups groups (by group key) along
// with its create (Operation.WithCreate), whether they exist or the plan
// creates them too.
func (c *computer) memberships() {
	withCreate := make(map[string]int)
	for _, gk := range c.managedGroups {
		name := c.groupName(gk)
		cg := c.in.Current.Groups[gk]
		var groupID string
		if cg != nil {
			groupID = cg.ID
			if (cg.Type != "" && cg.Type != groupTypeOkta) || !c.in.MembersRead[gk] {
				continue // already an error
			}
		}
		want := c.in.Desired.Members[gk]
		have := c.in.Current.Members[gk]
		if cg == nil {
			have = nil
		}
		toAdd, toRemove := directory.Difference(want, have)
		for _, lk := range toAdd {
			du := c.in.Desired.Users[lk]
			if du == nil {
				continue // already an error
			}
			key := gk + "\x00" + lk
			if !c.existsAfter(lk) {
				c.warn(warnMembership+key, "user %q is not in Okta and not created (source status DEPROVISIONED); not added to %q", du.Login(), name)
				continue
			}
			op := Operation{Action: AddMember, Login: du.Login(), Group: name, GroupID: groupID}
			if cu, ok := c.in.Current.Users[lk]; ok {
				op.Login, op.UserID = cu.Login(), cu.ID
			} else if withCreate[lk] < MaxCreateGroups {
				withCreate[lk]++
				op.WithCreate = true
			}
			c.add(key, op)
		}
		for _, lk := range toRemove {
			if c.protected[lk] {
				continue
			}
			cu, ok := c.in.Current.Users[lk]
			if !ok {
				c.warn(warnMembership+gk+"\x00"+lk, "group %q lists member %q, which is not among Okta's users as read; not removed", name, lk)
				continue
			}
			c.addLeaverRemoval(gk+"\x00"+lk, lk, Operation{Action: RemoveMember, Login: cu.Login(), UserID: cu.ID, Group: name, GroupID: groupID})
		}
	}
}

// unlistedGroups plans deletion of OKTA_GROUPs in the group scope that the
// source does not name.
func (c *computer) unlistedGroups() {
	if !c.pol.DeleteUnlistedGroups {
		return
	}
	prefix := directory.GroupKey(c.pol.GroupPrefix)
	if prefix == "" && len(c.in.ScopedGroups) == 0 {
		c.warn(warnGlobal, "groups.deleteUnlisted is on but no group scope (scope.groups.prefix or scope.groups.search) is set: only the groups oktasync managed that left the source are deleted")
		return
	}
	named := make(map[string]bool, len(c.managedGroups))
	for _, gk := range c.managedGroups {
		named[gk] = true
	}
	protected := make(map[string]bool, len(c.pol.ProtectGroups))
	for _, g := range c.pol.ProtectGroups {
		protected[directory.GroupKey(g)] = true
	}
	for gk, cg := range c.in.Current.Groups {
		if named[gk] || protected[gk] || c.in.LeftSource[gk] || (cg.Type != "" && cg.Type != groupTypeOkta) {
			continue // a group that left the source is deleted by leftGroups
		}
		if !(prefix != "" && strings.HasPrefix(gk, prefix)) && !c.in.ScopedGroups[gk] {
			continue
		}
		c.add(gk, Operation{Action: DeleteGroup, Group: cg.Name, GroupID: cg.ID, Reason: "not named by the source"})
	}
}

// assemble numbers the operations and counts them.
func (c *computer) assemble() *Plan {
	n := 0
	for _, ops := range c.ops {
		n += len(ops)
	}
	p := &Plan{Operations: make([]Operation, 0, n)}
	for _, ops := range c.ops {
		slices.SortFunc(ops, func(a, b keyed[Operation]) int { return strings.Compare(a.key, b.key) })
		for _, k := range ops {
			p.Operations = append(p.Operations, k.v)
		}
	}
	c.warnOutOfScope(p)
	slices.SortStableFunc(c.warnings, func(a, b keyed[string]) int { return strings.Compare(a.key, b.key) })
	leftAlone := map[string]bool{}
	for _, w := range c.warnings {
		if strings.HasPrefix(w.key, warnUser) && w.key != warnUser {
			leftAlone[w.key] = true // a user's own warning
		}
		p.Warnings = append(p.Warnings, w.v)
	}
	slices.SortFunc(c.held, func(a, b keyed[Held]) int { return strings.Compare(a.key, b.key) })
	for _, h := range c.held {
		p.Held = append(p.Held, h.v)
	}
	s := &p.Summary
	for i := range p.Operations {
		op := &p.Operations[i]
		op.Seq = i + 1
		if op.SendEmail {
			s.Emails++
		}
		switch op.Action {
		case CreateGroup:
			s.Groups.Create++
		case UpdateGroup:
			s.Groups.Update++
		case DeleteGroup:
			s.Groups.Delete++
		case CreateUser:
			s.Users.Create++
		case UpdateUser:
			s.Users.Update++
		case ActivateUser:
			s.Users.Activate++
		case ReactivateUser:
			s.Users.Reactivate++
		case UnsuspendUser:
			s.Users.Unsuspend++
		case SuspendUser:
			s.Users.Suspend++
		case DeactivateUser:
			s.Users.Deactivate++
		case DeleteUser:
			s.Users.Delete++
		case AddMember:
			s.Memberships.Add++
			if op.WithCreate {
				s.Memberships.WithCreate++
			}
		case RemoveMember:
			s.Memberships.Remove++
		case SetManager:
			s.Managers.Set++
		case ClearManager:
			s.Managers.Clear++
		case AssignAppGroup, AssignAppUser:
			s.Apps.Assign++
		case UnassignAppGroup, UnassignAppUser:
			s.Apps.Unassign++
		}
	}
	s.Users.Unchanged = c.unchanged
	s.Users.OutOfScope = len(p.OutOfScope)
	p.LeftAlone = len(leftAlone) + len(p.OutOfScope)
	return p
}

// outOfScopeExamples is how many of the source users outside the scope the
// summary warning names.
const outOfScopeExamples = 3

// warnOutOfScope puts the source users that exist in Okta outside the
// scope in p.OutOfScope, sorted, and sums them up in one warning naming a
// few: a source of 50,000 users must not give 50,000 lines.
func (c *computer) warnOutOfScope(p *Plan) {
	n := len(c.outOfScope)
	if n == 0 {
		return
	}
	slices.Sort(c.outOfScope)
	p.OutOfScope = c.outOfScope
	if n == 1 {
		c.warn(warnUser, "user %q exists in Okta outside scope.users; left alone (its memberships in managed groups are still synced)", c.outOfScope[0])
		return
	}
	quoted := make([]string, 0, outOfScopeExamples)
	for _, l := range c.outOfScope[:min(n, outOfScopeExamples)] {
		quoted = append(quoted, strconv.Quote(l))
	}
	examples := strings.Join(quoted, ", ")
	if n > outOfScopeExamples {
		examples += fmt.Sprintf(" and %d more (all in --output json, outOfScope, and at --log-level debug)", n-outOfScopeExamples)
	}
	c.warn(warnUser, "%d source users exist in Okta outside scope.users and are left alone (their memberships in managed groups are still synced): %s", n, examples)
}

// formatDuration renders whole days as "30d", anything else as Go does.
func formatDuration(d time.Duration) string {
	const day = 24 * time.Hour
	if d >= day && d%day == 0 {
		return fmt.Sprintf("%dd", d/day)
	}
	return d.String()
}
