package diff

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oktasync/oktasync/internal/directory"
)

// world is one random case: an Input, with the facts the checks need.
type world struct {
	in Input
	// deact and removals are the safety limits of in.Policy, as the
	// oracle reads them.
	deact, removals limitSpec
}

// limitSpec is a safety limit as the docs state it, kept apart from
// Limit so the oracle does not use the code it checks: off, or a count
// and a percentage in tenths of a percent (125 is 12.5%), the larger
// winning.
type limitSpec struct {
	off    bool
	count  int
	tenths int
}

// policyLimit turns s into the Limit that Policy holds.
func (s limitSpec) policyLimit() Limit {
	if s.off {
		return Limit{Count: -1}
	}
	return Limit{Count: s.count, Percent: float64(s.tenths) / 10}
}

// randomLimit returns off, a count, a percentage, or both.
func randomLimit(r *rand.Rand) limitSpec {
	tenths := []int{100, 125, 200, 250, 333, 500}
	switch r.IntN(4) {
	case 0:
		return limitSpec{off: true}
	case 1:
		return limitSpec{count: r.IntN(6)}
	case 2:
		return limitSpec{tenths: tenths[r.IntN(len(tenths))]}
	}
	return limitSpec{count: 1 + r.IntN(5), tenths: tenths[r.IntN(len(tenths))]}
}

// valuePool holds values of every shape a profile may hold, several of
// them equal after normalisation.
var valuePool = []any{
	nil, "", "x", "X", "y", 1, int64(1), 1.0, float32(1), 2.5, true, false,
	[]string{"a", "b"}, []any{"a", "b"}, []string{}, []any{"b", "a"},
}

var allStatuses = []string{"STAGED", "PROVISIONED", "ACTIVE", "RECOVERY", "PASSWORD_EXPIRED", "LOCKED_OUT", "SUSPENDED", "DEPROVISIONED"}

// randomCase builds a random desired and current state over a small
// universe of logins, attributes and groups, so that they overlap a lot.
func randomCase(r *rand.Rand) world {
	const nUsers, nGroups = 16, 5
	attrs := []string{"a0", "a1", "a2", "a3"}
	desired, current := directory.New(), directory.New()
	pol := DefaultPolicy()
	pol.CreateActive = r.IntN(3) > 0
	pol.Reactivate = r.IntN(3) > 0
	pol.SendActivationEmail = r.IntN(2) == 0
	pol.EditDeactivatedProfiles = r.IntN(3) == 0
	if r.IntN(2) == 0 {
		pol.DeleteAfter = 24 * time.Hour
	}
	pol.DeleteUnlistedGroups = r.IntN(2) == 0
	pol.Leavers = []string{"", LeaversDeactivate, LeaversSuspend, LeaversReport}[r.IntN(4)]
	if r.IntN(2) == 0 {
		pol.GroupPrefix = "G"
	}
	w := world{deact: randomLimit(r), removals: randomLimit(r)}
	pol.Safety = Safety{
		MaxDeactivations:      w.deact.policyLimit(),
		MaxMembershipRemovals: w.removals.policyLimit(),
		MinSourceUsers:        r.IntN(14),
		AllowDeactivations:    r.IntN(6),
		AllowRemovals:         r.IntN(6),
	}
	in := Input{
		Desired:       desired,
		Current:       current,
		MembersRead:   map[string]bool{},
		Managed:       map[string]bool{},
		DeactivatedAt: map[string]time.Time{},
		ScopedGroups:  map[string]bool{},
		Now:           now,
	}
	randomProfile := func(login string) directory.Profile {
		p := directory.Profile{directory.AttrLogin: login, directory.AttrEmail: login, directory.AttrFirstName: "F", directory.AttrLastName: "L"}
		if r.IntN(3) == 0 {
			p[directory.AttrEmail] = strings.ToUpper(login)
		}
		for _, a := range attrs {
			if r.IntN(3) > 0 {
				p[a] = valuePool[r.IntN(len(valuePool))]
			}
		}
		return p
	}
	// One case in twenty has an empty source, which safety must block.
	emptySource := r.IntN(20) == 0
	for i := range nUsers {
		key := fmt.Sprintf("u%d@x.com", i)
		inDesired, inCurrent := r.IntN(4) > 0 && !emptySource, r.IntN(4) > 0
		if inCurrent {
			login := key
			if r.IntN(4) == 0 {
				login = strings.ToUpper(key[:1]) + key[1:]
			}
			status := allStatuses[r.IntN(len(allStatuses))]
			if err := current.AddUser(&directory.User{ID: "00u" + key, Status: status, Profile: randomProfile(login).Pack()}); err != nil {
				panic(err)
			}
			if r.IntN(4) > 0 {
				in.Managed[key] = true
			}
			if status == "DEPROVISIONED" && r.IntN(2) == 0 {
				in.DeactivatedAt[key] = now.Add(-time.Duration(r.IntN(48)) * time.Hour)
			}
		}
		if inDesired {
			statuses := []string{"", "", "ACTIVE", "SUSPENDED", "DEPROVISIONED"}
			if !inCurrent {
				// A user created suspended needs a second run (see
				// createUser); leave that case to the unit tests.
				statuses = []string{"", "", "ACTIVE", "DEPROVISIONED"}
			}
			u := &directory.User{Status: statuses[r.IntN(len(statuses))], Profile: randomProfile(key).Pack()}
			if r.IntN(3) == 0 {
				desired.SetPassword(key, "pw-"+key)
			}
			if err := desired.AddUser(u); err != nil {
				panic(err)
			}
		}
		if r.IntN(8) == 0 {
			pol.ProtectLogins = append(pol.ProtectLogins, strings.ToUpper(key))
		}
	}
	for i := range nGroups {
		name := fmt.Sprintf("G%d", i)
		if i == nGroups-1 {
			name = "Other"
		}
		gk := directory.GroupKey(name)
		if r.IntN(4) > 0 {
			if err := current.AddGroup(&directory.Group{ID: "00g" + name, Name: name, Type: "OKTA_GROUP", Description: valuePool[2+r.IntN(3)].(string)}); err != nil {
				panic(err)
			}
			in.MembersRead[gk] = true
			for _, lk := range current.UserKeys() {
				if r.IntN(3) == 0 {
					current.AddMember(name, lk)
				}
			}
			if r.IntN(3) == 0 {
				in.ScopedGroups[gk] = true
			}
		}
		if r.IntN(3) > 0 {
			g := desired.EnsureGroup(name, "random")
			if r.IntN(2) == 0 {
				g.Description, g.HasDescription = valuePool[2+r.IntN(3)].(string), true
			}
			for _, lk := range desired.UserKeys() {
				if r.IntN(3) == 0 {
					desired.AddMember(name, lk)
				}
			}
		} else if r.IntN(3) == 0 {
			pol.ProtectGroups = append(pol.ProtectGroups, name)
		}
	}
	in.Policy = pol
	w.in = in
	return w
}

// interpret applies p to a copy of in.Current the way Okta would, checking
// that each operation is valid in Okta's current state, and returns the
// next run's Input (current state, ownership and deactivation times
// updated as apply records them) and how many emails Okta sent. Users
// that exist are taken to have a password: their activation makes them
// ACTIVE.
func interpret(t *testing.T, in Input, p *Plan) (Input, int) {
	t.Helper()
	cur := cloneDirectory(in.Current)
	next := in
	next.Current = cur
	next.MembersRead = maps.Clone(in.MembersRead)
	next.Managed = maps.Clone(in.Managed)
	next.DeactivatedAt = maps.Clone(in.DeactivatedAt)
	user := func(op Operation) *directory.User {
		u := cur.Users[directory.LoginKey(op.Login)]
		if u == nil {
			t.Fatalf("op %d %s: no user %q", op.Seq, op.Action, op.Login)
		}
		if op.UserID != "" && op.UserID != u.ID {
			t.Fatalf("op %d %s: user id %q, Okta has %q", op.Seq, op.Action, op.UserID, u.ID)
		}
		return u
	}
	transition := func(op Operation, from []string, to string) {
		u := user(op)
		if !slices.Contains(from, u.Status) {
			t.Fatalf("op %d %s %s: Okta refuses it from status %s", op.Seq, op.Action, op.Login, u.Status)
		}
		u.Status = to
	}
	noPassword := map[string]bool{} // users created without a password
	emails := 0
	for _, op := range p.Operations {
		lk, gk := directory.LoginKey(op.Login), directory.GroupKey(op.Group)
		switch op.Action {
		case CreateGroup:
			if _, ok := cur.Groups[gk]; ok {
				t.Fatalf("op %d: group %q exists", op.Seq, op.Group)
			}
			cur.Groups[gk] = &directory.Group{ID: "new-" + gk, Name: op.Group, Description: op.Description, Type: "OKTA_GROUP"}
			next.MembersRead[gk] = true
		case UpdateGroup:
			cur.Groups[gk].Description = op.Description
		case DeleteGroup:
			delete(cur.Groups, gk)
			delete(cur.Members, gk)
		case CreateUser:
			if _, ok := cur.Users[lk]; ok {
				t.Fatalf("op %d: user %q exists", op.Seq, op.Login)
			}
			status := "STAGED"
			switch {
			case op.Activate && op.Password == "":
				// Okta emails the activation link; create has no sendEmail.
				status = "PROVISIONED"
				emails++
			case op.Activate:
				status = "ACTIVE"
			}
			noPassword[lk] = op.Password == ""
			cur.Users[lk] = &directory.User{ID: "new-" + lk, Status: status, Profile: op.Profile.Pack()}
			next.Managed[lk] = true
		case UpdateUser:
			u := user(op)
			if u.Status == "DEPROVISIONED" && !in.Policy.EditDeactivatedProfiles {
				t.Fatalf("op %d: update %s, DEPROVISIONED: Okta refuses it", op.Seq, op.Login)
			}
			prof := u.Profile.Map()
			for k, v := range op.Profile {
				if v == nil {
					delete(prof, k)
				} else {
					prof[k] = directory.CloneValue(v)
				}
			}
			u.Profile = prof.Pack()
		case ActivateUser, ReactivateUser:
			to := "ACTIVE"
			if noPassword[lk] {
				to = "PROVISIONED"
			}
			transition(op, []string{"STAGED", "DEPROVISIONED"}, to)
			delete(next.DeactivatedAt, lk)
			if op.SendEmail {
				emails++
			}
		case UnsuspendUser:
			transition(op, []string{"SUSPENDED"}, "ACTIVE")
		case SuspendUser:
			transition(op, []string{"ACTIVE"}, "SUSPENDED")
		case DeactivateUser:
			u := user(op)
			if u.Status == "DEPROVISIONED" {
				t.Fatalf("op %d: deactivate %s, already DEPROVISIONED", op.Seq, op.Login)
			}
			u.Status = "DEPROVISIONED"
			next.DeactivatedAt[lk] = in.Now
		case DeleteUser:
			if u := user(op); u.Status != "DEPROVISIONED" {
				t.Fatalf("op %d: delete %s in status %s", op.Seq, op.Login, u.Status)
			}
			delete(cur.Users, lk)
			for gk := range cur.Members {
				removeMember(cur, gk, lk)
			}
			delete(next.Managed, lk)
			delete(next.DeactivatedAt, lk)
		case AddMember, RemoveMember:
			g := cur.Groups[gk]
			if g == nil || (op.GroupID != "" && op.GroupID != g.ID) {
				t.Fatalf("op %d %s: no group %q (id %q)", op.Seq, op.Action, op.Group, op.GroupID)
			}
			user(op)
			if op.Action == AddMember {
				cur.AddMember(op.Group, op.Login)
			} else {
				removeMember(cur, gk, lk)
			}
		default:
			t.Fatalf("op %d: unknown action %v", op.Seq, op.Action)
		}
	}
	return next, emails
}

func cloneDirectory(d *directory.Directory) *directory.Directory {
	c := directory.New()
	for k, u := range d.Users {
		cu := *u // the packed profile is immutable
		c.Users[k] = &cu
	}
	for k, g := range d.Groups {
		cg := *g
		c.Groups[k] = &cg
	}
	for k, set := range d.Members {
		c.Members[k] = new(directory.MemberSet)
		for lk := range set.All() {
			c.Members[k].Add(lk)
		}
	}
	return c
}

// protectedKeys returns the protected logins of in, as Compute sees them.
func protectedKeys(in Input) map[string]bool {
	out := map[string]bool{}
	for _, l := range in.Policy.ProtectLogins {
		out[directory.LoginKey(l)] = true
	}
	for _, g := range in.Policy.ProtectGroups {
		for lk := range in.Current.Members[directory.GroupKey(g)].All() {
			out[lk] = true
		}
	}
	return out
}

// statusOK reports whether a user that was before and is now after is
// where a source status of want takes it under pol.
func statusOK(want, before, after string, pol Policy) bool {
	stuck := before == "DEPROVISIONED" && !pol.Reactivate
	switch want {
	case "":
		if stuck {
			return after == "DEPROVISIONED"
		}
		return after != "DEPROVISIONED" && (!pol.CreateActive || after != "STAGED")
	case "ACTIVE":
		if stuck {
			return after == "DEPROVISIONED"
		}
		return after != "DEPROVISIONED" && after != "STAGED" && after != "SUSPENDED"
	case "SUSPENDED":
		switch {
		case stuck:
			return after == "DEPROVISIONED"
		case before == "STAGED" || before == "DEPROVISIONED":
			// Activated now, suspended by the next run once ACTIVE.
			return after == "ACTIVE"
		case before == "ACTIVE" || before == "SUSPENDED":
			return after == "SUSPENDED"
		}
		return after == before
	case "DEPROVISIONED":
		return after == "DEPROVISIONED"
	}
	return false
}

// checkConverged checks that after (the state once the plan of in is
// applied) matches the source within scope, and that nothing out of scope
// changed.
func checkConverged(t *testing.T, in Input, after *directory.Directory) {
	t.Helper()
	protected := protectedKeys(in)
	before := in.Current
	for lk, du := range in.Desired.Users {
		bu, existed := before.Users[lk]
		au, exists := after.Users[lk]
		if !existed {
			if du.Status == "DEPROVISIONED" {
				if exists {
					t.Errorf("user %s: created although the source asks for DEPROVISIONED", lk)
				}
				continue
			}
			if !exists {
				t.Errorf("user %s: in the source but not created", lk)
				continue
			}
			for a, v := range du.Profile.All() {
				if got := au.Profile.Value(a); !directory.EqualValues(a, v, got) {
					t.Errorf("created user %s: %s = %#v, want %#v", lk, a, got, v)
				}
			}
			continue
		}
		if !exists {
			t.Errorf("user %s: in the source and in Okta, but gone after the plan", lk)
			continue
		}
		if !in.Managed[lk] || protected[lk] {
			if diff := cmp.Diff(bu, au); diff != "" {
				t.Errorf("user %s is out of scope or protected but changed (-before +after):\n%s", lk, diff)
			}
			continue
		}
		if bu.Status == "DEPROVISIONED" && au.Status == "DEPROVISIONED" && !in.Policy.EditDeactivatedProfiles {
			// Okta refuses to update a deactivated profile.
			if !bu.Profile.Equal(au.Profile) {
				t.Errorf("user %s stays DEPROVISIONED but its profile changed", lk)
			}
			if !statusOK(du.Status, bu.Status, au.Status, in.Policy) {
				t.Errorf("user %s: source status %q, Okta %s before, %s after", lk, du.Status, bu.Status, au.Status)
			}
			continue
		}
		for a, v := range au.Profile.All() {
			if !hasAttr(du.Profile, a) && !directory.EqualValues(a, v, bu.Profile.Value(a)) {
				t.Errorf("user %s: attribute %s, not in the source, changed from %#v to %#v", lk, a, bu.Profile.Value(a), v)
			}
		}
		for a, v := range du.Profile.All() {
			if got := au.Profile.Value(a); !directory.EqualValues(a, v, got) {
				t.Errorf("user %s: %s = %#v, want %#v", lk, a, got, v)
			}
		}
		if !statusOK(du.Status, bu.Status, au.Status, in.Policy) {
			t.Errorf("user %s: source status %q, Okta %s before, %s after", lk, du.Status, bu.Status, au.Status)
		}
	}
	for lk, bu := range before.Users {
		if _, ok := in.Desired.Users[lk]; ok {
			continue
		}
		au, exists := after.Users[lk]
		if !in.Managed[lk] || protected[lk] {
			if diff := cmp.Diff(bu, au); diff != "" {
				t.Errorf("user %s is out of scope or protected but changed (-before +after):\n%s", lk, diff)
			}
			continue
		}
		switch in.Policy.Leavers {
		case LeaversReport:
			if !exists || au.Status != bu.Status {
				t.Errorf("managed user %s is absent from the source and users.leavers is report, but it went from %s to %v", lk, bu.Status, au)
			}
		case LeaversSuspend:
			want := bu.Status
			if want == "ACTIVE" {
				want = "SUSPENDED"
			}
			if exists && au.Status != want {
				t.Errorf("managed user %s is absent from the source and users.leavers is suspend: %s before, %s after, want %s", lk, bu.Status, au.Status, want)
			}
		default:
			if exists && au.Status != "DEPROVISIONED" {
				t.Errorf("managed user %s is absent from the source but %s", lk, au.Status)
			}
		}
		if exists && !bu.Profile.Equal(au.Profile) {
			t.Errorf("managed user %s absent from the source had its profile changed", lk)
		}
	}
	named := map[string]bool{}
	for gk := range in.Desired.Groups {
		named[gk] = true
	}
	for gk, bg := range before.Groups {
		if named[gk] {
			continue
		}
		ag, exists := after.Groups[gk]
		pol := in.Policy
		inScope := strings.HasPrefix(gk, directory.GroupKey(pol.GroupPrefix)) && pol.GroupPrefix != "" || in.ScopedGroups[gk]
		deletable := pol.DeleteUnlistedGroups && inScope && !slices.Contains(pol.ProtectGroups, bg.Name)
		if exists == deletable {
			t.Errorf("group %s is not named by the source: exists %v after the plan, deletable %v", gk, exists, deletable)
		}
		if !exists {
			continue
		}
		if diff := cmp.Diff(bg, ag); diff != "" {
			t.Errorf("group %s is not named by the source but changed:\n%s", gk, diff)
		}
		for lk := range before.Members[gk].All() {
			if _, still := after.Users[lk]; still && !after.IsMember(gk, lk) {
				t.Errorf("group %s is not named by the source but lost member %s", gk, lk)
			}
		}
		for lk := range after.Members[gk].All() {
			if !before.IsMember(gk, lk) {
				t.Errorf("group %s is not named by the source but gained member %s", gk, lk)
			}
		}
	}
	for gk, dg := range in.Desired.Groups {
		ag, ok := after.Groups[gk]
		if !ok {
			t.Errorf("group %s is named by the source but missing", gk)
			continue
		}
		if dg.HasDescription && ag.Description != dg.Description {
			t.Errorf("group %s: description %q, want %q", gk, ag.Description, dg.Description)
		}
		want := map[string]struct{}{}
		for lk := range in.Desired.Members[gk].All() {
			if _, ok := after.Users[lk]; ok {
				want[lk] = struct{}{}
			}
		}
		for lk := range before.Members[gk].All() {
			_, stays := in.Desired.Users[lk]
			if protected[lk] || (!stays && in.Managed[lk] && in.Policy.Leavers == LeaversReport) {
				want[lk] = struct{}{}
			}
		}
		if diff := cmp.Diff(sortedSet(want), after.Members[gk].Keys(), cmpEmpty); diff != "" {
			t.Errorf("group %s members (-want +got):\n%s", gk, diff)
		}
	}
}

func TestComputeProperties(t *testing.T) {
	t.Parallel()
	const cases = 1000
	seen := map[string]int{} // how often each verdict came up
	for seed := range uint64(cases) {
		r := rand.New(rand.NewPCG(seed, 0x0c7a))
		w := randomCase(r)
		p, err := Compute(w.in)
		if err != nil {
			t.Fatalf("seed %d: Compute: %v", seed, err)
		}
		want := oracleBlocks(w, p)
		if diff := cmp.Diff(want, verdicts(p), cmpEmpty); diff != "" {
			t.Fatalf("seed %d: blocks (-oracle +Compute):\n%s", seed, diff)
		}
		for _, v := range want {
			seen[v.Rule]++
		}
		if w.deact.overBy(countOps(p, DeactivateUser, DeleteUser), managedCount(w.in)) && want.allowed(RuleMaxDeactivations) {
			seen["allowed "+RuleMaxDeactivations]++
		}
		if w.removals.overBy(countOps(p, RemoveMember), membershipCount(w.in)) && want.allowed(RuleMaxMembershipRemovals) {
			seen["allowed "+RuleMaxMembershipRemovals]++
		}
		if len(p.Held) > 0 {
			seen["held "+p.Held[0].Rule]++
			w, p = checkHeld(t, seed, w, p)
		}
		if w.deact.zero() && countOps(p, DeactivateUser, DeleteUser) > w.in.Policy.Safety.AllowDeactivations {
			t.Fatalf("seed %d: safety.maxDeactivations is 0 but the plan holds nothing back", seed)
		}
		if p.Blocked != (len(p.Blocks) > 0) {
			t.Fatalf("seed %d: Blocked = %v with %d blocks", seed, p.Blocked, len(p.Blocks))
		}
		again, err := Compute(w.in)
		if err != nil || !cmp.Equal(p, again) {
			t.Fatalf("seed %d: Compute is not deterministic: %v\n%s", seed, err, cmp.Diff(p, again))
		}
		var counted Summary
		for _, op := range p.Operations {
			if f := summaryField(&counted, op.Action); f != nil {
				*f++
			}
			if op.SendEmail {
				counted.Emails++
			}
			if op.WithCreate {
				counted.Memberships.WithCreate++
			}
		}
		checkWithCreate(t, seed, p)
		counted.Users.Unchanged = p.Summary.Users.Unchanged
		counted.Users.OutOfScope = len(p.OutOfScope)
		if diff := cmp.Diff(counted, p.Summary); diff != "" {
			t.Fatalf("seed %d: summary (-counted from the operations +Compute's):\n%s", seed, diff)
		}
		for i, op := range p.Operations {
			if op.Seq != i+1 {
				t.Fatalf("seed %d: operation %d has Seq %d", seed, i, op.Seq)
			}
			if i > 0 && op.Action < p.Operations[i-1].Action {
				t.Fatalf("seed %d: operation %d (%v) after %v", seed, op.Seq, op.Action, p.Operations[i-1].Action)
			}
		}
		next, emails := interpret(t, w.in, p)
		if emails != p.Summary.Emails || (!w.in.Policy.SendActivationEmail && emails > 0) {
			t.Fatalf("seed %d: Okta sends %d emails, the summary says %d, users.sendActivationEmail is %v",
				seed, emails, p.Summary.Emails, w.in.Policy.SendActivationEmail)
		}
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			checkConverged(t, w.in, next.Current)
			second, err := Compute(next)
			if err != nil {
				t.Fatalf("second Compute: %v", err)
			}
			// A user activated so that it can be suspended is suspended
			// by the second run, once it is ACTIVE; nothing else is left.
			for _, op := range second.Operations {
				lk := directory.LoginKey(op.Login)
				was := w.in.Current.Users[lk]
				if op.Action != SuspendUser || was == nil || (was.Status != "STAGED" && was.Status != "DEPROVISIONED") {
					t.Fatalf("a second plan, after applying the first, is not empty:\n%s", strings.Join(brief(second), "\n"))
				}
			}
			third, _ := interpret(t, next, second)
			if last, err := Compute(third); err != nil || len(last.Operations) > 0 {
				t.Errorf("a third plan is not empty (%v):\n%s", err, strings.Join(brief(last), "\n"))
			}
		})
		if t.Failed() {
			t.Fatalf("seed %d failed; first plan:\n%s", seed, strings.Join(brief(p), "\n"))
		}
	}
	// The comparison means something only if the random cases reach
	// every verdict: each rule broken, and each limit exceeded but
	// allowed once.
	for _, v := range []string{RuleEmptySource, RuleMinSourceUsers, RuleMaxDeactivations, RuleMaxMembershipRemovals,
		"allowed " + RuleMaxDeactivations, "allowed " + RuleMaxMembershipRemovals,
		"held " + RuleMaxDeactivations, "held " + RuleLeavers} {
		if seen[v] == 0 {
			t.Errorf("no case out of %d came to the verdict %q; the generator needs widening (seen %v)", cases, v, seen)
		}
	}
}

// checkHeld checks a plan that holds operations back. users.leavers
// report holds exactly the deactivations, deletions and membership
// removals of managed users absent from the source. safety.maxDeactivations
// 0 holds the rest of the deactivations and deletions, when
// --allow-deactivations does not cover them, and none is planned; allowing
// them once plans exactly those, with the rest unchanged. It returns that
// world and plan, which the caller goes on checking.
func checkHeld(t *testing.T, seed uint64, w world, p *Plan) (world, *Plan) {
	t.Helper()
	var held, leavers []string
	for _, h := range p.Held {
		op := h.Operation
		line := op.Action.String() + " " + op.Login + " " + op.Group
		lk := directory.LoginKey(op.Login)
		_, stays := w.in.Desired.Users[lk]
		switch {
		case h.Rule == RuleLeavers && w.in.Policy.Leavers == LeaversReport && !stays && w.in.Managed[lk] &&
			slices.Contains([]Action{DeactivateUser, DeleteUser, RemoveMember}, op.Action):
			leavers = append(leavers, line)
		case h.Rule == RuleMaxDeactivations && (op.Action == DeactivateUser || op.Action == DeleteUser):
			held = append(held, line)
		default:
			t.Fatalf("seed %d: held back %+v (users.leavers %q)", seed, h, w.in.Policy.Leavers)
		}
	}
	if len(held) == 0 {
		return w, p
	}
	if !w.deact.zero() || len(held) <= w.in.Policy.Safety.AllowDeactivations {
		t.Fatalf("seed %d: %d operations held back under limit %+v, --allow-deactivations %d", seed, len(held), w.deact, w.in.Policy.Safety.AllowDeactivations)
	}
	if n := countOps(p, DeactivateUser, DeleteUser); n > 0 {
		t.Fatalf("seed %d: %d deactivations or deletions planned besides those held back", seed, n)
	}
	w.in.Policy.Safety.AllowDeactivations = len(held)
	allowed, err := Compute(w.in)
	if err != nil {
		t.Fatalf("seed %d: Compute with --allow-deactivations %d: %v", seed, len(held), err)
	}
	var rest, now, stillHeld []string
	for _, op := range allowed.Operations {
		line := op.Action.String() + " " + op.Login + " " + op.Group
		if op.Action == DeactivateUser || op.Action == DeleteUser {
			now = append(now, line)
		} else {
			rest = append(rest, line)
		}
	}
	var before []string
	for _, op := range p.Operations {
		before = append(before, op.Action.String()+" "+op.Login+" "+op.Group)
	}
	for _, h := range allowed.Held {
		stillHeld = append(stillHeld, h.Operation.Action.String()+" "+h.Operation.Login+" "+h.Operation.Group)
	}
	if diff := cmp.Diff(held, now, cmpEmpty); diff != "" {
		t.Fatalf("seed %d: allowed once, the plan deactivates and deletes (-held +planned):\n%s", seed, diff)
	}
	if diff := cmp.Diff(before, rest, cmpEmpty); diff != "" {
		t.Fatalf("seed %d: allowed once, the rest of the plan changes (-held plan +allowed):\n%s", seed, diff)
	}
	if diff := cmp.Diff(leavers, stillHeld, cmpEmpty); diff != "" {
		t.Fatalf("seed %d: allowed once, the plan holds back (-leavers +held):\n%s", seed, diff)
	}
	return w, allowed
}

// zero reports whether s is the limit 0, which holds deactivations back.
func (s limitSpec) zero() bool { return !s.off && s.count == 0 && s.tenths == 0 }

// hasAttr reports whether p has attribute name, even with a nil value.
func hasAttr(p directory.Attrs, name string) bool {
	_, ok := p.Get(name)
	return ok
}

func sortedSet(m map[string]struct{}) []string {
	return slices.Sorted(maps.Keys(m))
}

// verdict is a Block without its message.
type verdict struct {
	Rule         string
	Count, Limit int
}

// verdictList is a plan's safety verdict, in Plan.Blocks order.
type verdictList []verdict

// allowed reports whether rule is missing from l.
func (l verdictList) allowed(rule string) bool {
	return !slices.ContainsFunc(l, func(v verdict) bool { return v.Rule == rule })
}

func verdicts(p *Plan) verdictList {
	var out verdictList
	for _, b := range p.Blocks {
		out = append(out, verdict{b.Rule, b.Count, b.Limit})
	}
	return out
}

// overBy reports whether n is over the limit s sets out of base: more
// than the count and more than the percentage of base (the larger of the
// two is the limit), in whole numbers: n > tenths*base/1000 exactly when
// 1000n > tenths*base.
func (s limitSpec) overBy(n, base int) bool {
	return !s.off && n > s.count && 1000*n > s.tenths*base
}

// allowedOf returns the largest number s lets through out of base (s not
// off): the count, or the percentage of base rounded down, whichever is
// larger.
func (s limitSpec) allowedOf(base int) int {
	return max(s.count, s.tenths*base/1000)
}

func countOps(p *Plan, actions ...Action) int {
	n := 0
	for _, op := range p.Operations {
		if slices.Contains(actions, op.Action) {
			n++
		}
	}
	return n
}

// managedCount is the base of safety.maxDeactivations: the managed users
// that exist in Okta.
func managedCount(in Input) int {
	n := 0
	for lk := range in.Current.Users {
		if in.Managed[lk] {
			n++
		}
	}
	return n
}

// membershipCount is the base of safety.maxMembershipRemovals: the
// current memberships of the groups the source names (in these cases
// every group in Okta is an OKTA_GROUP whose members were read).
func membershipCount(in Input) int {
	named := map[string]bool{}
	for gk := range in.Desired.Groups {
		named[gk] = true
	}
	for gk := range in.Desired.Members {
		named[gk] = true
	}
	n := 0
	for gk := range named {
		n += in.Current.Members[gk].Len()
	}
	return n
}

// oracleBlocks is the safety verdict on p, written from the rules as the
// README and config.example.yaml state them, without the code in
// safety.go: an empty source is always blocked (and then the minimum is
// not reported too); a source with fewer users than safety.minSourceUsers
// (when above 0) is blocked; deactivations plus deletions over
// safety.maxDeactivations of the managed users in Okta are blocked unless
// --allow-deactivations covers them all; membership removals over
// safety.maxMembershipRemovals of the named groups' current memberships
// are blocked unless --allow-removals covers them all.
func oracleBlocks(w world, p *Plan) verdictList {
	s := w.in.Policy.Safety
	var out verdictList
	switch n := len(w.in.Desired.Users); {
	case n == 0:
		out = append(out, verdict{RuleEmptySource, 0, 1})
	case s.MinSourceUsers > 0 && n < s.MinSourceUsers:
		out = append(out, verdict{RuleMinSourceUsers, n, s.MinSourceUsers})
	}
	deact, managed := countOps(p, DeactivateUser, DeleteUser), managedCount(w.in)
	if w.deact.overBy(deact, managed) && deact > s.AllowDeactivations {
		out = append(out, verdict{RuleMaxDeactivations, deact, w.deact.allowedOf(managed)})
	}
	removals, memberships := countOps(p, RemoveMember), membershipCount(w.in)
	if w.removals.overBy(removals, memberships) && removals > s.AllowRemovals {
		out = append(out, verdict{RuleMaxMembershipRemovals, removals, w.removals.allowedOf(memberships)})
	}
	return out
}

// checkWithCreate fails unless every membership that travels with a create
// is an add of a user the plan creates, at most MaxCreateGroups a user.
func checkWithCreate(t *testing.T, seed uint64, p *Plan) {
	t.Helper()
	created := map[string]bool{}
	carried := map[string]int{}
	for _, op := range p.Operations {
		if op.Action == CreateUser {
			created[directory.LoginKey(op.Login)] = true
		}
	}
	for _, op := range p.Operations {
		if !op.WithCreate {
			continue
		}
		lk := directory.LoginKey(op.Login)
		carried[lk]++
		if op.Action != AddMember || !created[lk] || op.UserID != "" || carried[lk] > MaxCreateGroups {
			t.Fatalf("seed %d: operation %d (%v %s/%s) travels with a create it cannot", seed, op.Seq, op.Action, op.Group, op.Login)
		}
	}
}
