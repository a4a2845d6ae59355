// Package directory is oktasync's neutral model of an identity directory:
// users with profiles, groups, and group memberships. Both the desired state
// (read from a source) and the current state (read from Okta) are held in a
// Directory, so that diff can compare the two without knowing where either
// came from.
//
// A Directory may hold millions of users, so its shapes are chosen for
// memory: a user's profile is packed into one string (Attrs), a group's
// members are a sorted slice of login keys (MemberSet), and login keys share
// the packed login's storage. Profile, a plain map, is the form for building
// and changing a profile; Pack turns it into Attrs. A reader packing one
// profile after another uses a ProfileBuilder, which packs the same bytes
// without a map for each.
package directory

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
)

// Okta's four required profile attributes.
const (
	AttrLogin     = "login"
	AttrEmail     = "email"
	AttrFirstName = "firstName"
	AttrLastName  = "lastName"
)

// RequiredAttributes are the profile attributes Okta requires on every user.
var RequiredAttributes = []string{AttrLogin, AttrEmail, AttrFirstName, AttrLastName}

// Profile holds a user's profile attributes with Okta JSON types: string,
// float64 or int64 for numbers, bool, []string for string arrays, and nil for
// an attribute that is to be cleared. Users hold it packed (Attrs);
// operations and API requests use it as it is.
type Profile map[string]any

// User is one person, desired or current.
type User struct {
	// ID is the Okta user id (00u…); empty for a desired user.
	ID string
	// Status is the Okta status (ACTIVE, STAGED, DEPROVISIONED, …). For a
	// desired user it is the status the source asks for, or empty for "any
	// live status".
	Status string
	// Profile always holds "login".
	Profile Attrs
}

// A User holds no record of where it came from: a million users' origins
// would cost more than their ids. A source reader names rows in its own
// messages while it reads, and records in Directory.AttrOrigins where each
// attribute first appears.

// where names the user for messages.
func (u *User) where() string {
	if u.ID != "" {
		return "Okta user " + u.ID
	}
	return fmt.Sprintf("user %q", u.Login())
}

// Login returns the user's login as written.
func (u *User) Login() string {
	return u.Profile.Str(AttrLogin)
}

// transitionSep separates, in the Status of a user read from Okta, its
// status from the status Okta is moving it to.
const transitionSep = "->"

// StatusInTransition returns the Status of a user that Okta shows with
// status and transitioningToStatus to: status alone when to is empty,
// otherwise "STATUS->TO" (such as "STAGED->ACTIVE"). The rare user with a
// lifecycle change in flight carries it in its one Status string, so that
// the many others cost nothing more.
func StatusInTransition(status, to string) string {
	if to == "" {
		return status
	}
	return status + transitionSep + to
}

// Transition returns, for a user read from Okta whose status Okta is still
// changing (StatusInTransition), its status and the status it is moving
// to; ok is false for a user with no change in flight.
func (u *User) Transition() (from, to string, ok bool) {
	return strings.Cut(u.Status, transitionSep)
}

// Group is one group, desired or current.
type Group struct {
	// ID is the Okta group id (00g…); empty for a desired group.
	ID string
	// Name is the group's profile.name.
	Name string
	// Description is profile.description.
	Description string
	// HasDescription is true when the source gives a description, so that
	// diff manages it; a group named only by a user's groups column leaves
	// the description alone.
	HasDescription bool
	// Attrs holds the group's custom profile attributes (those of the
	// org's group schema beyond name and description): for a desired
	// group, the ones the source gives; for a current group, all of them.
	Attrs Profile
	// Type is OKTA_GROUP, APP_GROUP or BUILT_IN (current only).
	Type string
	// Origin says where the record came from, for messages.
	Origin string
}

// Directory is a set of users, groups and memberships, each keyed by its
// normalised name (LoginKey, GroupKey).
type Directory struct {
	Users   map[string]*User
	Groups  map[string]*Group
	Members map[string]*MemberSet // by GroupKey
	// AttrOrigins names, for each profile attribute of a desired
	// directory, the source row where it first appears ("users.csv line
	// 2"), for messages about the attribute.
	AttrOrigins map[string]string
	// Passwords holds initial passwords from the source, by LoginKey
	// (desired only; few sources have them). They are never logged,
	// rendered in a plan or stored.
	Passwords map[string]string
	// Hashes holds imported password hashes from the source, by LoginKey
	// (desired only), kept as Passwords are: never logged, rendered in a
	// plan or stored.
	Hashes map[string]*PasswordHash
	// GroupAttrOrigins names, for each custom group attribute of a
	// desired directory, the source row where it first appears.
	GroupAttrOrigins map[string]string
	// Managers holds, by LoginKey, the manager each user's source row
	// names (desired only; set when mapping.manager is).
	Managers map[string]ManagerRef
	// AppLists holds, for each source column an app's users are read from
	// (config apps[].users.from), the apps each user's cell lists, by
	// column and then LoginKey (desired only).
	AppLists map[string]map[string][]string
}

// SetPassword records the initial password of the user with login key lk.
func (d *Directory) SetPassword(lk, password string) {
	if d.Passwords == nil {
		d.Passwords = make(map[string]string)
	}
	d.Passwords[lk] = password
}

// SetAppList records the apps that column col lists for the user with
// login key lk.
func (d *Directory) SetAppList(col, lk string, apps []string) {
	if d.AppLists == nil {
		d.AppLists = make(map[string]map[string][]string)
	}
	if d.AppLists[col] == nil {
		d.AppLists[col] = make(map[string][]string)
	}
	d.AppLists[col][lk] = apps
}

// Password returns the initial password of the user with login key lk, or
// "".
func (d *Directory) Password(lk string) string { return d.Passwords[lk] }

// New returns an empty Directory.
func New() *Directory {
	return &Directory{
		Users:   make(map[string]*User),
		Groups:  make(map[string]*Group),
		Members: make(map[string]*MemberSet),
	}
}

// LoginKey normalises a login for comparison. Okta treats logins
// case-insensitively.
func LoginKey(login string) string { return strings.ToLower(strings.TrimSpace(login)) }

// GroupKey normalises a group name for comparison.
func GroupKey(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// DuplicateError reports a second record for a login or group name.
type DuplicateError struct {
	Kind   string // "login" or "group"
	Name   string
	First  string // origin of the first record
	Second string // origin of the second record
}

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("%s: duplicate %s %q (first at %s)", e.Second, e.Kind, e.Name, e.First)
}

// AddUser adds u, keyed by its login. A second user with the same login
// (case-insensitively) is a *DuplicateError, which a reader may fill with
// the rows' origins.
func (d *Directory) AddUser(u *User) error {
	return d.AddUserKey(LoginKey(u.Login()), u)
}

// AddUserKey is AddUser for a reader that has computed k, the LoginKey of
// u's login, already.
func (d *Directory) AddUserKey(k string, u *User) error {
	if k == "" {
		return fmt.Errorf("%s: empty login", u.where())
	}
	if prev, ok := d.Users[k]; ok {
		return &DuplicateError{Kind: "login", Name: u.Login(), First: prev.where(), Second: u.where()}
	}
	d.Users[k] = u
	return nil
}

// AddGroup adds g, keyed by its name. A second group with the same name is a
// *DuplicateError.
func (d *Directory) AddGroup(g *Group) error {
	k := GroupKey(g.Name)
	if k == "" {
		return fmt.Errorf("%s: empty group name", g.Origin)
	}
	if prev, ok := d.Groups[k]; ok {
		return &DuplicateError{Kind: "group", Name: g.Name, First: prev.Origin, Second: g.Origin}
	}
	d.Groups[k] = g
	return nil
}

// EnsureGroup returns the group named name, adding it (with origin) when it
// is not yet in d.
func (d *Directory) EnsureGroup(name, origin string) *Group {
	k := GroupKey(name)
	if g, ok := d.Groups[k]; ok {
		return g
	}
	g := &Group{Name: strings.TrimSpace(name), Origin: origin}
	d.Groups[k] = g
	return g
}

// AddMember records login as a member of the group named group. It does not
// require either to be in d yet.
func (d *Directory) AddMember(group, login string) {
	d.AddMemberKey(GroupKey(group), LoginKey(login))
}

// AddMemberKey is AddMember for a group key and login key already
// normalised (GroupKey, LoginKey).
func (d *Directory) AddMemberKey(groupKey, loginKey string) {
	set, ok := d.Members[groupKey]
	if !ok {
		set = new(MemberSet)
		d.Members[groupKey] = set
	}
	set.Add(loginKey)
}

// IsMember reports whether login is a member of group.
func (d *Directory) IsMember(group, login string) bool {
	return d.Members[GroupKey(group)].Has(LoginKey(login))
}

// Compact settles every group's member set (see MemberSet.Compact). A
// reader calls it when it has added everything.
func (d *Directory) Compact() {
	for _, s := range d.Members {
		s.Compact()
	}
}

// UserKeys returns the users' keys in sorted order.
func (d *Directory) UserKeys() []string { return sortedKeys(d.Users) }

// GroupKeys returns the groups' keys in sorted order.
func (d *Directory) GroupKeys() []string { return sortedKeys(d.Groups) }

// MemberKeys returns the login keys of group's members in sorted order.
func (d *Directory) MemberKeys(group string) []string {
	return d.Members[GroupKey(group)].Keys()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// AttrNames returns, sorted, the names of the profile attributes the users
// hold. A source reader records in AttrOrigins where each attribute of each
// user it adds first appears, so its keys are the answer without a walk
// over every profile; a directory without AttrOrigins (Okta's side, or one
// built by hand) is walked.
func (d *Directory) AttrNames() []string {
	if d.AttrOrigins != nil {
		return slices.Sorted(maps.Keys(d.AttrOrigins))
	}
	seen := make(map[string]bool)
	for _, u := range d.Users {
		for a := range u.Profile.Names() {
			seen[a] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}
