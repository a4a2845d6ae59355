package oktasim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"
	"time"
)

// Seed is an org's initial content. Its JSON form is the one Snapshot
// (GET /sim/state) has, so a snapshot of an org seeds a copy of it: the same
// ids, statuses, profiles, groups and memberships.
type Seed struct {
	Users  []SeedUser  `json:"users"`
	Groups []SeedGroup `json:"groups"`
	// CustomAttributes declare custom attributes of the default user
	// schema, as Options.CustomAttributes (name or name:type), before the
	// users are added.
	CustomAttributes []string `json:"customAttributes,omitempty"`
	// GroupCustomAttributes declare custom attributes of the group schema,
	// as Options.GroupCustomAttributes, before the groups are added.
	GroupCustomAttributes []string `json:"groupCustomAttributes,omitempty"`
	// LinkDefinitions are linked object definitions (manager/directReports)
	// and Links the links between the seed's (or existing) users.
	LinkDefinitions []LinkDefinition `json:"linkDefinitions,omitempty"`
	Links           []SeedLink       `json:"links,omitempty"`
	// Apps are application instances to create, with their assignments,
	// after the groups and users.
	Apps []SeedApp `json:"apps,omitempty"`
}

// SeedUser is one user to create. Its profile needs at least a login.
type SeedUser struct {
	// ID is the user id; empty means a new 00u… id.
	ID string `json:"id,omitempty"`
	// Status is any Okta user status; empty means ACTIVE.
	Status string `json:"status,omitempty"`
	// Profile holds the profile attributes.
	Profile map[string]any `json:"profile"`
	// Groups names the user's groups (by name, case-insensitive). A name
	// that no seed group carries creates an OKTA_GROUP of that name.
	Groups []string `json:"groups,omitempty"`
	// ProfileMaster, when set, names the system that masters the user's
	// profile (ACTIVE_DIRECTORY, LDAP, or an app such as Workday): profile
	// updates are then refused with 403 E0000023, while lifecycle calls
	// still work.
	ProfileMaster string `json:"profileMaster,omitempty"`
	// TransitioningToStatus, as a snapshot shows a lifecycle change in
	// flight, seeds the user in the status it was moving to.
	TransitioningToStatus string `json:"transitioningToStatus,omitempty"`
}

// SeedGroup is one group to create.
type SeedGroup struct {
	// ID is the group id; empty means a new 00g… id.
	ID string `json:"id,omitempty"`
	// Name is the group's profile.name, unique (case-insensitive).
	Name string `json:"name"`
	// Description is the group's profile.description.
	Description string `json:"description,omitempty"`
	// Type is OKTA_GROUP (the default) or APP_GROUP. BUILT_IN is reserved
	// for "Everyone", which always exists and holds every user: a BUILT_IN
	// seed group named Everyone, as a snapshot lists it, is skipped.
	Type string `json:"type,omitempty"`
	// Attributes are custom profile attributes, declared in the group
	// schema (GroupCustomAttributes), with JSON values.
	Attributes map[string]any `json:"attributes,omitempty"`
	// Members names the group's members by login, users of the seed or
	// already in the org, as a snapshot lists them. A user's Groups may
	// name the same memberships.
	Members []string `json:"members,omitempty"`
}

// builtIn reports whether g is the snapshot of the built-in Everyone group.
func (g SeedGroup) builtIn() bool {
	return g.Type == groupBuiltIn && strings.EqualFold(strings.TrimSpace(g.Name), everyoneName)
}

// LoadSeedFile reads a Seed from a JSON file.
func LoadSeedFile(path string) (Seed, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Seed{}, fmt.Errorf("read seed file: %w", err)
	}
	var seed Seed
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&seed); err != nil {
		return Seed{}, fmt.Errorf("parse seed file %s: %w", path, err)
	}
	return seed, nil
}

// Seed adds the seed's groups, then its users, then their memberships. It
// checks the whole seed first and changes nothing when any part is invalid.
func (s *Server) Seed(seed Seed) error {
	now := s.now()
	s.lock()
	defer s.mu.Unlock()
	groupAttrs := maps.Clone(s.groupAttr)
	if err := declareGroupAttrs(groupAttrs, seed.GroupCustomAttributes); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	saved := s.groupAttr
	s.groupAttr = groupAttrs
	declared, err := s.checkSeed(seed)
	if err != nil {
		s.groupAttr = saved
		return err
	}
	if err := s.checkSeedLinks(seed); err != nil {
		return err
	}
	if err := s.checkSeedApps(seed); err != nil {
		return err
	}
	maps.Copy(s.customAttr, declared)
	for _, sg := range seed.Groups {
		if !sg.builtIn() {
			s.seedGroup(sg, now)
		}
	}
	for _, su := range seed.Users {
		s.seedUser(su, now)
	}
	for _, sg := range seed.Groups {
		if sg.builtIn() {
			continue
		}
		g := s.groups[s.groupNames[strings.ToLower(strings.TrimSpace(sg.Name))]]
		for _, login := range sg.Members {
			s.addMember(nil, g, s.users[s.logins[strings.ToLower(login)]], now)
		}
	}
	for _, sa := range seed.Apps {
		s.seedApp(sa, now)
	}
	return s.seedLinks(seed.LinkDefinitions, seed.Links)
}

// checkSeed validates a seed against itself and the org, and returns the
// custom attributes it declares. Call with s.mu held.
func (s *Server) checkSeed(seed Seed) (map[string]string, error) {
	declared := make(map[string]string, len(seed.CustomAttributes))
	for _, a := range seed.CustomAttributes {
		name, typ, err := parseCustomAttr(a)
		if err != nil {
			return nil, fmt.Errorf("seed custom attribute: %w", err)
		}
		if !baseAttrSet[name] {
			declared[name] = typ
		}
	}
	groupIDs := map[string]bool{}
	names := map[string]bool{}
	for i, g := range seed.Groups {
		name := strings.ToLower(strings.TrimSpace(g.Name))
		if g.builtIn() {
			continue
		}
		switch {
		case name == "":
			return nil, fmt.Errorf("seed group %d: name is empty", i)
		case names[name] || s.groupNames[name] != "":
			return nil, fmt.Errorf("seed group %q: name already taken", g.Name)
		case g.Type != "" && g.Type != groupOkta && g.Type != groupApp:
			return nil, fmt.Errorf("seed group %q: type %q is not OKTA_GROUP or APP_GROUP (BUILT_IN only for Everyone)", g.Name, g.Type)
		}
		if _, causes := s.checkGroupProfile(jsonValues(g.Attributes)); len(causes) > 0 {
			return nil, fmt.Errorf("seed group %q: %s; declare its attributes in the seed's groupCustomAttributes", g.Name, strings.Join(causes, "; "))
		}
		if g.ID != "" {
			if groupIDs[g.ID] || s.groups[g.ID] != nil {
				return nil, fmt.Errorf("seed group %q: id %s already taken", g.Name, g.ID)
			}
			groupIDs[g.ID] = true
		}
		names[name] = true
	}
	userIDs := map[string]bool{}
	logins := map[string]bool{}
	for i, u := range seed.Users {
		login, _ := u.Profile["login"].(string)
		key := strings.ToLower(login)
		switch {
		case strings.TrimSpace(login) == "":
			return nil, fmt.Errorf("seed user %d: profile.login is missing", i)
		case logins[key] || s.logins[key] != "":
			return nil, fmt.Errorf("seed user %q: login already taken", login)
		case u.Status != "" && !validStatuses[u.Status]:
			return nil, fmt.Errorf("seed user %q: unknown status %q", login, u.Status)
		case u.TransitioningToStatus != "" && !validStatuses[u.TransitioningToStatus]:
			return nil, fmt.Errorf("seed user %q: unknown transitioningToStatus %q", login, u.TransitioningToStatus)
		}
		if u.ID != "" {
			if userIDs[u.ID] || s.users[u.ID] != nil {
				return nil, fmt.Errorf("seed user %q: id %s already taken", login, u.ID)
			}
			userIDs[u.ID] = true
		}
		for _, k := range slices.Sorted(maps.Keys(u.Profile)) {
			if _, ok := declared[k]; !ok && !baseAttrSet[k] && s.customAttr[k] == "" {
				return nil, fmt.Errorf("seed user %q: attribute %q is not in the user schema; declare it in the seed's customAttributes or Options.CustomAttributes", login, k)
			}
		}
		logins[key] = true
	}
	if err := s.checkSeedMembers(seed, logins); err != nil {
		return nil, err
	}
	return declared, nil
}

// checkSeedMembers checks that every member a seed group lists is a user of
// the seed (logins, lower-cased) or of the org. Call with s.mu held.
func (s *Server) checkSeedMembers(seed Seed, logins map[string]bool) error {
	for _, g := range seed.Groups {
		if g.builtIn() {
			continue
		}
		for _, login := range g.Members {
			if key := strings.ToLower(login); !logins[key] && s.logins[key] == "" {
				return fmt.Errorf("seed group %q: member %q is not a user of the seed or the org", g.Name, login)
			}
		}
	}
	return nil
}

// seedGroup adds one seed group. Call with s.mu held.
func (s *Server) seedGroup(sg SeedGroup, now time.Time) {
	g := &group{
		id: sg.ID, typ: sg.Type, name: sg.Name, description: sg.Description, attrs: dropNulls(jsonValues(sg.Attributes)),
		created: now, lastUpdated: now, lastMembershipUpdated: now,
		members: make(map[string]struct{}),
	}
	if g.id == "" {
		g.id = s.newGroupID()
	}
	if g.typ == "" {
		g.typ = groupOkta
	}
	s.insertGroup(g)
	s.emit(nil, "group.lifecycle.create", "Create Okta group", groupTarget(g))
}

// seedUser adds one seed user and its memberships, creating the groups it
// names that do not exist. Call with s.mu held.
func (s *Server) seedUser(su SeedUser, now time.Time) {
	u := &user{
		id: su.ID, status: su.Status, created: now, lastUpdated: now,
		profile: dropNulls(su.Profile), groups: make(map[string]struct{}),
		master: su.ProfileMaster,
	}
	if u.id == "" {
		u.id = s.newUserID()
	}
	if su.TransitioningToStatus != "" {
		u.status = su.TransitioningToStatus
	}
	if u.status == "" {
		u.status = statusActive
	}
	if u.status != statusStaged {
		u.statusChanged = now
	}
	if u.status != statusStaged && u.status != statusProvisioned {
		u.activated = now
		u.hasPassword = true
		u.passwordChanged = now
	}
	s.insertUser(u)
	s.emit(nil, "user.lifecycle.create", "Create okta user", userTarget(u))
	s.addMember(nil, s.groups[s.everyoneID], u, now)
	for _, name := range su.Groups {
		key := strings.ToLower(strings.TrimSpace(name))
		gid := s.groupNames[key]
		if gid == "" {
			g := &group{
				id: s.newGroupID(), typ: groupOkta, name: strings.TrimSpace(name),
				created: now, lastUpdated: now, lastMembershipUpdated: now,
				members: make(map[string]struct{}),
			}
			s.insertGroup(g)
			gid = g.id
		}
		s.addMember(nil, s.groups[gid], u, now)
	}
}

// Snapshot is a deterministic copy of the whole org: users sorted by login,
// groups by name, both case-insensitively.
type Snapshot struct {
	Users  []SnapshotUser  `json:"users"`
	Groups []SnapshotGroup `json:"groups"`
	// LinkDefinitions and Links are the linked object definitions and
	// the links between users (a user's manager).
	LinkDefinitions []LinkDefinition `json:"linkDefinitions,omitempty"`
	Links           []SnapshotLink   `json:"links,omitempty"`
	// Apps holds the apps by label, with their assignments.
	Apps []SnapshotApp `json:"apps"`
	// CustomAttributes are the user schema's custom attributes as
	// name:type, sorted, as a Seed declares them.
	CustomAttributes []string `json:"customAttributes,omitempty"`
}

// SnapshotUser is one user in a Snapshot.
type SnapshotUser struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	// ImportedHash is "yes" for a user created with an imported password
	// hash; the hash itself is never kept.
	ImportedHash string `json:"importedHash,omitempty"`
	// TransitioningToStatus is the status a lifecycle change in flight
	// (Options.LifecycleDelay) moves the user to, as Okta's
	// transitioningToStatus shows it; empty when none is.
	TransitioningToStatus string         `json:"transitioningToStatus,omitempty"`
	Profile               map[string]any `json:"profile"`
	// Groups holds the names of the user's groups, sorted; it includes
	// "Everyone".
	Groups []string `json:"groups"`
}

// SnapshotGroup is one group in a Snapshot.
type SnapshotGroup struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Type        string `json:"type"`
	// Attributes are the custom profile attributes.
	Attributes map[string]any `json:"attributes,omitempty"`
	// Members holds the members' logins, sorted.
	Members []string `json:"members"`
}

// Snapshot returns a copy of the org's users, groups and memberships.
func (s *Server) Snapshot() Snapshot {
	s.lock()
	defer s.mu.Unlock()
	snap := Snapshot{Users: make([]SnapshotUser, 0, len(s.users)), Groups: make([]SnapshotGroup, 0, len(s.groups))}
	for _, u := range s.users {
		su := SnapshotUser{ID: u.id, Status: u.status, TransitioningToStatus: u.transitionTo, Profile: deepCopy(u.profile), Groups: []string{}}
		if u.importedHash {
			su.ImportedHash = "yes"
		}
		for gid := range u.groups {
			su.Groups = append(su.Groups, s.groups[gid].name)
		}
		sort.Strings(su.Groups)
		snap.Users = append(snap.Users, su)
	}
	sort.Slice(snap.Users, func(i, j int) bool {
		a, b := snap.Users[i], snap.Users[j]
		la, lb := strings.ToLower(valueString(a.Profile["login"])), strings.ToLower(valueString(b.Profile["login"]))
		if la != lb {
			return la < lb
		}
		return a.ID < b.ID
	})
	for _, g := range s.groups {
		sg := SnapshotGroup{ID: g.id, Name: g.name, Description: g.description, Type: g.typ, Members: []string{}}
		if len(g.attrs) > 0 {
			sg.Attributes = deepCopy(g.attrs)
		}
		for uid := range g.members {
			sg.Members = append(sg.Members, s.users[uid].login())
		}
		sort.Strings(sg.Members)
		snap.Groups = append(snap.Groups, sg)
	}
	sort.Slice(snap.Groups, func(i, j int) bool {
		a, b := strings.ToLower(snap.Groups[i].Name), strings.ToLower(snap.Groups[j].Name)
		if a != b {
			return a < b
		}
		return snap.Groups[i].ID < snap.Groups[j].ID
	})
	snap.LinkDefinitions, snap.Links = s.snapshotLinks()
	snap.Apps = s.snapshotApps()
	for _, name := range slices.Sorted(maps.Keys(s.customAttr)) {
		snap.CustomAttributes = append(snap.CustomAttributes, name+":"+s.customAttr[name])
	}
	return snap
}

func deepCopy(p map[string]any) map[string]any {
	out := maps.Clone(p)
	for k, v := range out {
		switch x := v.(type) {
		case []any:
			out[k] = slices.Clone(x)
		case []string:
			out[k] = slices.Clone(x)
		}
	}
	if out == nil {
		out = map[string]any{}
	}
	return out
}
