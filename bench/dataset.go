package main

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/oktasync/oktasync/internal/oktasim"
)

// Spec describes one generated dataset: a directory source and the org it
// is synced into. The same Spec always gives the same data.
type Spec struct {
	// Users is the number of users in the org (or, for an empty org, in
	// the source).
	Users int `json:"users"`
	// Groups is the number of groups the source names.
	Groups int `json:"groups"`
	// PerUser is the number of groups each user belongs to (at most
	// Groups).
	PerUser int `json:"perUser"`
	// EmptyOrg means the org starts with no users and no groups: an
	// initial load.
	EmptyOrg bool `json:"emptyOrg"`
	// DriftPercent is the share of users, in percent, in each kind of
	// drift: a changed profile attribute, a leaver (in the org, absent
	// from the source) and a membership moved to another group. 0 means
	// the org already matches the source.
	DriftPercent float64 `json:"driftPercent"`
	// SearchCap is where the simulator stops a search listing of users
	// (Okta's is 50,000); 0 means no cap.
	SearchCap int `json:"searchCap,omitempty"`
	// Apps is the number of apps the org has and the config assigns,
	// each to every group the source names (apps[].groups); none is
	// assigned yet.
	Apps int `json:"apps,omitempty"`
	// SourceMoves moves the memberships of the membership drift in the
	// source rather than in the org (the incremental scenarios, whose org
	// first matches the source).
	SourceMoves bool `json:"sourceMoves,omitempty"`
	// Passwords gives each source user an initial password, so that a
	// user created active is ACTIVE from its create, with no email and no
	// activation call.
	Passwords bool `json:"passwords,omitempty"`
}

// maxCreateGroups is how many groups Okta takes on a user's create
// (groupIds); oktasync sends a new user's first ones so.
const maxCreateGroups = 20

// Okta's page sizes, used to derive the fewest read calls a sync needs.
const (
	userPageSize   = 200
	groupPageSize  = 200
	memberPageSize = 1000
	appPageSize    = 200
)

// Minimum is the fewest API calls per rate-limit bucket (okta's table, by
// the short names of shortNames) a sync of a dataset can make: the list
// pages it must read plus one call per real change.
type Minimum map[string]int

// Total sums the minimum over every bucket.
func (m Minimum) Total() int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// Changes counts the real differences between a source and its org.
type Changes struct {
	UserCreates, UserUpdates, Deactivations int
	// UserActivations are the activations of created users: the source
	// has no passwords, and users.sendActivationEmail is off, so each is
	// created STAGED and then activated without an email.
	UserActivations           int
	GroupCreates              int
	MemberAdds, MemberRemoves int
	// AppAssigns are the group assignments of apps to make (Spec.Apps).
	AppAssigns int
	// MemberAddsWithCreate are memberships of created users that travel
	// with the create (groupIds): operations of the plan, but no call.
	MemberAddsWithCreate int
}

// Total is the number of operations the changes need; all but
// MemberAddsWithCreate are a call each.
func (c Changes) Total() int {
	return c.Calls() + c.MemberAddsWithCreate
}

// Calls is the number of write calls the changes need.
func (c Changes) Calls() int {
	return c.UserCreates + c.UserActivations + c.UserUpdates + c.Deactivations + c.GroupCreates + c.MemberAdds + c.MemberRemoves + c.AppAssigns
}

func groupName(g int) string { return fmt.Sprintf("Group %04d", g) }

func loginOf(i int) string { return fmt.Sprintf("user%07d@example.com", i) }

// groupsOf returns user i's groups in the source: PerUser groups spread
// evenly over all groups, starting at a pseudo-random one.
func (s Spec) groupsOf(i int) []int {
	if s.Groups == 0 || s.PerUser == 0 {
		return nil
	}
	k := min(s.PerUser, s.Groups)
	start := int(mix(uint64(i)) % uint64(s.Groups))
	step := s.Groups / k
	out := make([]int, k)
	for j := range k {
		out[j] = (start + j*step) % s.Groups
	}
	return out
}

// mix is a fixed 64-bit hash (splitmix64's finaliser), so that datasets do
// not depend on a random number generator's stream.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// drift says which kind of drift, if any, user i has.
type drift int

const (
	noDrift drift = iota
	driftProfile
	driftLeaver
	driftMembership
)

func (s Spec) driftOf(i int) drift {
	if s.DriftPercent <= 0 || s.EmptyOrg {
		return noDrift
	}
	period := max(1, int(100/s.DriftPercent+0.5))
	switch i % period {
	case 1 % period:
		return driftProfile
	case 2 % period:
		return driftLeaver
	case 3 % period:
		return driftMembership
	}
	return noDrift
}

// sourceUser is one row of the generated users.csv.
type sourceUser struct {
	login, first, last, dept, title string
	groups                          []int
}

func (s Spec) sourceUser(i int) sourceUser {
	h := mix(uint64(i) ^ 0x5eed)
	u := sourceUser{
		login:  loginOf(i),
		first:  "First" + strconv.Itoa(i),
		last:   "Last" + strconv.Itoa(i%9973),
		dept:   fmt.Sprintf("Department %02d", h%40),
		title:  fmt.Sprintf("Title %03d", (h>>8)%300),
		groups: s.groupsOf(i),
	}
	if s.driftOf(i) == driftProfile {
		u.title = "Promoted " + u.title
	}
	if s.SourceMoves {
		u.groups = s.movedGroups(i)
	}
	return u
}

// movedGroups returns user i's groups with the membership drift applied:
// the next group instead of the first.
func (s Spec) movedGroups(i int) []int {
	gs := s.groupsOf(i)
	if s.driftOf(i) == driftMembership && len(gs) > 0 && s.Groups/len(gs) >= 2 {
		// The next group is never one of the user's other groups (groups
		// are at least one step apart).
		gs = append([]int{(gs[0] + 1) % s.Groups}, gs[1:]...)
	}
	return gs
}

// inSource reports whether user i is in the source.
func (s Spec) inSource(i int) bool { return s.driftOf(i) != driftLeaver }

// orgGroups returns user i's groups in the org.
func (s Spec) orgGroups(i int) []int {
	if s.SourceMoves {
		return s.groupsOf(i)
	}
	return s.movedGroups(i)
}

// WriteCSV writes the source as a users.csv file.
func (s Spec) WriteCSV(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create source CSV: %w", err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	w := csv.NewWriter(bw)
	head := []string{"login", "email", "firstName", "lastName", "department", "title", "userType", "groups"}
	if s.Passwords {
		head = append(head, "password")
	}
	if err := w.Write(head); err != nil {
		f.Close()
		return fmt.Errorf("write source CSV %s: %w", path, err)
	}
	names := make([]string, 0, s.PerUser)
	for i := range s.Users {
		if !s.inSource(i) {
			continue
		}
		u := s.sourceUser(i)
		names = names[:0]
		for _, g := range u.groups {
			names = append(names, groupName(g))
		}
		row := []string{u.login, u.login, u.first, u.last, u.dept, u.title, "Employee", strings.Join(names, ";")}
		if s.Passwords {
			row = append(row, fmt.Sprintf("Bench-%07d-Pw!", i))
		}
		if err := w.Write(row); err != nil {
			f.Close()
			return fmt.Errorf("write source CSV %s: %w", path, err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return fmt.Errorf("write source CSV %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("write source CSV %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close source CSV %s: %w", path, err)
	}
	return nil
}

// Seed returns the org the source is synced into: nothing for an initial
// load; otherwise every user and group, with the spec's drift.
func (s Spec) Seed() oktasim.Seed {
	var seed oktasim.Seed
	for a := range s.Apps {
		seed.Apps = append(seed.Apps, oktasim.SeedApp{ID: fmt.Sprintf("0oab%016d", a), Label: appLabel(a)})
	}
	if s.EmptyOrg {
		return seed
	}
	seed.Groups = make([]oktasim.SeedGroup, s.Groups)
	for g := range s.Groups {
		seed.Groups[g] = oktasim.SeedGroup{ID: fmt.Sprintf("00gb%016d", g), Name: groupName(g), Description: "benchmark"}
	}
	seed.Users = make([]oktasim.SeedUser, s.Users)
	for i := range s.Users {
		u := s.sourceUser(i)
		if s.driftOf(i) == driftProfile {
			u.title = strings.TrimPrefix(u.title, "Promoted ")
		}
		og := s.orgGroups(i)
		names := make([]string, len(og))
		for j, g := range og {
			names[j] = groupName(g)
		}
		seed.Users[i] = oktasim.SeedUser{
			// Ascending ids: the simulator keeps its users sorted by id,
			// and appending is much cheaper than inserting at random
			// places when seeding a million.
			ID: fmt.Sprintf("00ub%016d", i),
			Profile: map[string]any{
				"login": u.login, "email": u.login, "firstName": u.first, "lastName": u.last,
				"department": u.dept, "title": u.title, "userType": "Employee",
			},
			Groups: names,
		}
	}
	return seed
}

// Analyse derives, from the dataset alone, the real changes a sync must
// make and the fewest calls per bucket it needs. Only groups the source
// names are managed, so only their memberships count.
func (s Spec) Analyse() (Changes, Minimum) {
	var c Changes
	named := make([]bool, s.Groups)
	for i := range s.Users {
		if s.inSource(i) {
			for _, g := range s.groupsOf(i) {
				named[g] = true
			}
		}
	}
	countIn := func(gs []int) int {
		n := 0
		for _, g := range gs {
			if named[g] {
				n++
			}
		}
		return n
	}
	orgMembers := make([]int, s.Groups)
	orgUsers := 0
	for i := range s.Users {
		inOrg := !s.EmptyOrg
		d := s.driftOf(i)
		switch {
		case !inOrg:
			c.UserCreates++
			if !s.Passwords {
				c.UserActivations++
			}
			n := len(s.groupsOf(i))
			c.MemberAddsWithCreate += min(n, maxCreateGroups)
			c.MemberAdds += n - min(n, maxCreateGroups)
			continue
		case d == driftLeaver:
			c.Deactivations++
			c.MemberRemoves += countIn(s.orgGroups(i))
		case d == driftProfile:
			c.UserUpdates++
		case d == driftMembership:
			want := map[int]bool{}
			for _, g := range s.groupsOf(i) {
				want[g] = true
			}
			have := map[int]bool{}
			for _, g := range s.orgGroups(i) {
				have[g] = true
			}
			for g := range want {
				if !have[g] {
					c.MemberAdds++
				}
			}
			for g := range have {
				if !want[g] && named[g] {
					c.MemberRemoves++
				}
			}
		}
		orgUsers++
		for _, g := range s.orgGroups(i) {
			orgMembers[g]++
		}
	}
	orgGroupCount := 1 // Everyone
	if s.EmptyOrg {
		c.GroupCreates = countIn(seq(s.Groups))
	} else {
		orgGroupCount += s.Groups
	}
	m := Minimum{}
	// Users in scope are every user in the org: one search, paged.
	m.add(callUserPage, max(1, ceilDiv(orgUsers, userPageSize)))
	m.add(callGroupPage, max(1, ceilDiv(orgGroupCount, groupPageSize)))
	if !s.EmptyOrg {
		for g, n := range orgMembers {
			if named[g] {
				m.add(callMemberPage, max(1, ceilDiv(n, memberPageSize)))
			}
		}
	}
	if s.Apps > 0 {
		// One page of the active apps (200 a page), one (empty) page of
		// each app's groups, and one PUT per assignment: all in apps.
		c.AppAssigns = s.Apps * countIn(seq(s.Groups))
		m.add(callAppPage, ceilDiv(s.Apps, appPageSize))
		m.add(callAppGroupPage, s.Apps)
	}
	m.addWrites(c, 1)
	return c, m
}

func appLabel(a int) string { return fmt.Sprintf("App %03d", a) }

// AppsConfig is the config's apps section: each app assigned to every
// group the source names, one line per app.
func (s Spec) AppsConfig() string {
	if s.Apps == 0 {
		return ""
	}
	named := make([]bool, s.Groups)
	for i := range s.Users {
		if s.inSource(i) {
			for _, g := range s.groupsOf(i) {
				named[g] = true
			}
		}
	}
	var groups []string
	for g, ok := range named {
		if ok {
			groups = append(groups, strconv.Quote(groupName(g)))
		}
	}
	var b strings.Builder
	b.WriteString("apps:\n")
	for a := range s.Apps {
		fmt.Fprintf(&b, "  - {app: %q, groups: [%s]}\n", appLabel(a), strings.Join(groups, ", "))
	}
	return b.String()
}

// add counts n calls of kind c in c's bucket (okta's table).
func (m Minimum) add(c call, n int) { m[c.bucket()] += n }

// addWrites counts sign × one call per real change in c: 1 adds the
// writes, -1 takes them out again (a plan writes nothing).
func (m Minimum) addWrites(c Changes, sign int) {
	m.add(callUserCreate, sign*c.UserCreates)
	m.add(callActivate, sign*c.UserActivations)
	m.add(callUserUpdate, sign*c.UserUpdates)
	m.add(callDeactivate, sign*c.Deactivations)
	m.add(callGroupCreate, sign*c.GroupCreates)
	m.add(callMemberAdd, sign*c.MemberAdds)
	m.add(callMemberRemove, sign*c.MemberRemoves)
	m.add(callAppAssign, sign*c.AppAssigns)
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}
