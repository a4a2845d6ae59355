package diff

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/oktasync/oktasync/internal/directory"
)

// LinkInput is what a plan needs to keep users' managers (Okta's Linked
// Objects) as the source's manager cells (directory.Directory.Managers)
// say.
type LinkInput struct {
	// Relationship is the definition's primary name, such as "manager".
	Relationship string
	// By is what the manager cells hold: "login", or the name of a
	// profile attribute that identifies a user (employeeNumber).
	By string
	// Others are Okta users outside Current that manager cells name,
	// looked up by login or By, by LoginKey.
	Others map[string]*directory.User
	// Read holds, by user id, the manager id read from Okta in this run
	// ("" for none), for the users whose link was read. A user whose link
	// was checked only against its wanted manager's reports, and found to
	// differ, is not in it (and gets a set).
	Read map[string]string
	// Known holds, by user id, the manager id oktasync last set or read
	// (the state store's record). A user with a record and no read is
	// taken to have that manager.
	Known map[string]string
}

// ManagerTarget is the manager a source user's cell resolves to.
type ManagerTarget struct {
	// Key is the manager's LoginKey and Login its login.
	Key, Login string
	// ID is the manager's Okta id; "" when the plan creates the manager.
	ID string
}

// Managers is the source's manager cells resolved against the source and
// Okta.
type Managers struct {
	// Targets holds, by user LoginKey, the manager of each user whose cell
	// resolves to one user that exists (or is created) and is in no cycle.
	Targets map[string]ManagerTarget
	// Unresolved lists the cells that name no user in the source or
	// Okta as read (their values), for a caller to look up in Okta.
	Unresolved []string
	// problems are the messages about cells not written, with sort keys.
	problems []keyed[string]
}

// Problems returns the messages about manager cells that are not written
// (dangling, ambiguous, cycles), sorted, each naming the rows.
func (m *Managers) Problems() []string {
	slices.SortStableFunc(m.problems, func(a, b keyed[string]) int { return strings.Compare(a.key, b.key) })
	out := make([]string, len(m.problems))
	for i, p := range m.problems {
		out[i] = p.v
	}
	return out
}

func (m *Managers) problem(key, format string, args ...any) {
	m.problems = append(m.problems, keyed[string]{warnLinks + key, fmt.Sprintf(format, args...)})
}

// warnLinks sorts link problems after the other warnings.
const warnLinks = "4"

// ResolveManagers resolves desired's manager cells: by login, or by the
// profile attribute by, first among the source's users, then among Okta's
// (current, then others). A cell that names no user, or by an attribute
// more than one, and the users of a cycle of managers (a user managing
// themself included) get no target and a problem.
func ResolveManagers(desired, current *directory.Directory, others map[string]*directory.User, by string) *Managers {
	m := &Managers{Targets: make(map[string]ManagerTarget, len(desired.Managers))}
	if len(desired.Managers) == 0 {
		return m
	}
	find := newManagerIndex(desired, current, others, by)
	for lk, ref := range desired.Managers {
		if _, ok := desired.Users[lk]; !ok {
			continue
		}
		t, problem := find(ref.Value)
		switch {
		case problem == "" && t.Key != "":
			m.Targets[lk] = t
			continue
		case problem == "":
			m.Unresolved = append(m.Unresolved, ref.Value)
			problem = strconv.Quote(ref.Value) + " is in neither the source nor Okta"
			if by != "" && by != "login" {
				problem = fmt.Sprintf("no user in the source or Okta has %s %q", by, ref.Value)
			}
		}
		m.problem(lk, "manager of %q (%s): %s; the link is not written", desired.Users[lk].Login(), ref.Origin, problem)
	}
	slices.Sort(m.Unresolved)
	m.Unresolved = slices.Compact(m.Unresolved)
	m.dropCycles(desired)
	return m
}

// newManagerIndex returns the look-up of a manager cell's value.
func newManagerIndex(desired, current *directory.Directory, others map[string]*directory.User, by string) func(string) (ManagerTarget, string) {
	target := func(lk string) (ManagerTarget, bool) {
		if cu, ok := current.Users[lk]; ok {
			return ManagerTarget{Key: lk, Login: cu.Login(), ID: cu.ID}, true
		}
		if du, ok := desired.Users[lk]; ok {
			if strings.EqualFold(strings.TrimSpace(du.Status), statusDeprovisioned) {
				return ManagerTarget{}, false // never created
			}
			return ManagerTarget{Key: lk, Login: du.Login()}, true
		}
		if ou, ok := others[lk]; ok {
			return ManagerTarget{Key: lk, Login: ou.Login(), ID: ou.ID}, true
		}
		return ManagerTarget{}, false
	}
	if by == "" || by == "login" {
		return func(v string) (ManagerTarget, string) {
			t, _ := target(directory.LoginKey(v))
			return t, ""
		}
	}
	// By attribute: the source's users first, then Okta's.
	index := func(users map[string]*directory.User, into map[string][]string) {
		for lk, u := range users {
			if v := u.Profile.Value(by); v != nil {
				s := strings.TrimSpace(fmt.Sprint(v))
				into[s] = append(into[s], lk)
			}
		}
	}
	src, okta := make(map[string][]string), make(map[string][]string)
	index(desired.Users, src)
	index(current.Users, okta)
	index(others, okta)
	return func(v string) (ManagerTarget, string) {
		keys := src[v]
		if len(keys) == 0 {
			keys = okta[v]
		}
		slices.Sort(keys)
		keys = slices.Compact(keys)
		switch len(keys) {
		case 0:
			return ManagerTarget{}, ""
		case 1:
			t, _ := target(keys[0])
			return t, ""
		}
		return ManagerTarget{}, fmt.Sprintf("%s %q matches more than one user (%s)", by, v, strings.Join(keys, ", "))
	}
}

// dropCycles removes the users of every cycle of managers from Targets
// and reports each cycle once, naming its users and rows.
func (m *Managers) dropCycles(desired *directory.Directory) {
	const (
		unseen = iota
		onPath
		done
	)
	mark := make(map[string]int, len(m.Targets))
	starts := make([]string, 0, len(m.Targets))
	for lk := range m.Targets {
		starts = append(starts, lk)
	}
	slices.Sort(starts)
	var cycles [][]string
	for _, start := range starts {
		var path []string
		lk := start
		for {
			if mark[lk] != unseen {
				break
			}
			t, ok := m.Targets[lk]
			if !ok {
				mark[lk] = done
				break
			}
			mark[lk] = onPath
			path = append(path, lk)
			lk = t.Key
		}
		if mark[lk] == onPath {
			i := slices.Index(path, lk)
			cycles = append(cycles, slices.Clone(path[i:]))
		}
		for _, p := range path {
			mark[p] = done
		}
	}
	for _, c := range cycles {
		name := func(lk string) string {
			return fmt.Sprintf("%q (%s)", desired.Users[lk].Login(), desired.Managers[lk].Origin)
		}
		for _, lk := range c {
			delete(m.Targets, lk)
		}
		if len(c) == 1 {
			m.problem(c[0], "%s is named as their own manager; the link is not written", name(c[0]))
			continue
		}
		parts := make([]string, 0, len(c)+1)
		for _, lk := range c {
			parts = append(parts, name(lk))
		}
		parts = append(parts, strconv.Quote(desired.Users[c[0]].Login()))
		m.problem(c[0], "managers form a cycle: %s is managed by %s; these links are not written",
			parts[0], strings.Join(parts[1:], ", managed by "))
	}
}

// managers plans the manager links: a set for each managed user whose
// resolved manager differs from the one Okta has (as read, or as last
// known), a clear for a user whose cell is empty and who has one.
func (c *computer) managers() {
	li := c.in.Links
	if li == nil {
		return
	}
	res := ResolveManagers(c.in.Desired, c.in.Current, li.Others, li.By)
	c.warnings = append(c.warnings, res.problems...)
	logins := c.managerLogins(li)
	for lk, du := range c.in.Desired.Users {
		cu, exists := c.in.Current.Users[lk]
		if (exists && !c.in.Managed[lk]) || !c.existsAfter(lk) || c.protected[lk] ||
			strings.EqualFold(strings.TrimSpace(du.Status), statusDeprovisioned) {
			continue
		}
		t, has := res.Targets[lk]
		if _, named := c.in.Desired.Managers[lk]; named && !has {
			continue // a problem, reported
		}
		op := Operation{Login: du.Login(), Link: li.Relationship}
		if !exists {
			if has {
				op.Action, op.Manager, op.ManagerID = SetManager, t.Login, t.ID
				c.add(lk, op)
			}
			continue
		}
		op.Login, op.UserID = cu.Login(), cu.ID
		now, read := li.Read[cu.ID]
		known := read
		if !read {
			now, known = li.Known[cu.ID]
		}
		switch {
		case has && !(known && t.ID != "" && now == t.ID):
			op.Action, op.Manager, op.ManagerID = SetManager, t.Login, t.ID
			if read && now != "" {
				op.Changes = []Change{{Attr: li.Relationship, Before: logins[now], After: t.Login}}
			}
			c.add(lk, op)
		case !has && known && now != "":
			op.Action = ClearManager
			op.Changes = []Change{{Attr: li.Relationship, Before: logins[now], After: nil}}
			c.add(lk, op)
		}
	}
}

// managerLogins returns the logins of the users Okta has as managers
// (read or known), by id; an id of no user read maps to itself.
func (c *computer) managerLogins(li *LinkInput) map[string]string {
	out := make(map[string]string)
	for _, m := range []map[string]string{li.Read, li.Known} {
		for _, id := range m {
			if id != "" {
				out[id] = id
			}
		}
	}
	if len(out) == 0 {
		return out
	}
	for _, users := range []map[string]*directory.User{c.in.Current.Users, li.Others} {
		for _, u := range users {
			if _, ok := out[u.ID]; ok {
				out[u.ID] = u.Login()
			}
		}
	}
	return out
}
