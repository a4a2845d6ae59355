package oktasim

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"
)

// SeedApp is one application instance to create, with its assignments.
type SeedApp struct {
	// ID is the app id; empty means a new 0oa… id.
	ID string `json:"id,omitempty"`
	// Label is the app's label, as the admin console shows it (required;
	// Okta does not make labels unique).
	Label string `json:"label"`
	// Name is the app's name (its kind, such as "bookmark"); empty means
	// the label, lower-cased, without spaces.
	Name string `json:"name,omitempty"`
	// Status is ACTIVE (the default) or INACTIVE.
	Status string `json:"status,omitempty"`
	// Groups names the groups assigned to the app (by name,
	// case-insensitive), in priority order.
	Groups []string `json:"groups,omitempty"`
	// Users lists the logins of the users assigned to the app directly.
	Users []string `json:"users,omitempty"`
}

// checkSeedApps validates a seed's apps against the seed and the org.
// Call with s.mu held.
func (s *Server) checkSeedApps(seed Seed) error {
	groups, logins := map[string]bool{}, map[string]bool{}
	for _, g := range seed.Groups {
		groups[strings.ToLower(strings.TrimSpace(g.Name))] = true
	}
	for _, u := range seed.Users {
		login, _ := u.Profile["login"].(string)
		logins[strings.ToLower(login)] = true
		for _, g := range u.Groups {
			groups[strings.ToLower(strings.TrimSpace(g))] = true
		}
	}
	ids := map[string]bool{}
	for i, a := range seed.Apps {
		switch {
		case strings.TrimSpace(a.Label) == "":
			return fmt.Errorf("seed app %d: label is empty", i)
		case a.Status != "" && a.Status != appActive && a.Status != appInactive:
			return fmt.Errorf("seed app %q: status %q is not ACTIVE or INACTIVE", a.Label, a.Status)
		case a.ID != "" && (ids[a.ID] || s.apps[a.ID] != nil):
			return fmt.Errorf("seed app %q: id %s already taken", a.Label, a.ID)
		}
		ids[a.ID] = a.ID != ""
		for _, g := range a.Groups {
			if k := strings.ToLower(strings.TrimSpace(g)); !groups[k] && s.groupNames[k] == "" {
				return fmt.Errorf("seed app %q: group %q is not in the org or the seed", a.Label, g)
			}
		}
		for _, l := range a.Users {
			if k := strings.ToLower(l); !logins[k] && s.logins[k] == "" {
				return fmt.Errorf("seed app %q: user %q is not in the org or the seed", a.Label, l)
			}
		}
	}
	return nil
}

// seedApp adds one seed app and its assignments. Call with s.mu held,
// after the seed's groups and users were added.
func (s *Server) seedApp(sa SeedApp, now time.Time) {
	a := &app{
		id: sa.ID, label: sa.Label, name: sa.Name, status: sa.Status, created: now, lastUpdated: now,
		groups: map[string]*appGroup{}, users: map[string]*appUser{},
	}
	if a.id == "" {
		for a.id == "" || s.apps[a.id] != nil {
			a.id = newID("0oa")
		}
	}
	if a.name == "" {
		a.name = strings.ToLower(strings.ReplaceAll(sa.Label, " ", ""))
	}
	if a.status == "" {
		a.status = appActive
	}
	for i, name := range sa.Groups {
		a.groups[s.groupNames[strings.ToLower(strings.TrimSpace(name))]] = &appGroup{priority: i, lastUpdated: now}
	}
	for _, l := range sa.Users {
		a.users[s.logins[strings.ToLower(l)]] = &appUser{created: now, lastUpdated: now}
	}
	s.insertApp(a)
}

// SnapshotApp is one app in a Snapshot.
type SnapshotApp struct {
	ID     string `json:"id"`
	Label  string `json:"label"`
	Status string `json:"status"`
	// Groups holds the names of the groups assigned to the app, sorted.
	Groups []string `json:"groups"`
	// Users holds the logins of the users assigned directly, sorted.
	Users []string `json:"users"`
}

// snapshotApps returns the org's apps sorted by label, then id. Call with
// s.mu held.
func (s *Server) snapshotApps() []SnapshotApp {
	out := make([]SnapshotApp, 0, len(s.apps))
	for _, a := range s.apps {
		sa := SnapshotApp{ID: a.id, Label: a.label, Status: a.status, Groups: []string{}, Users: []string{}}
		for _, gid := range slices.Sorted(maps.Keys(a.groups)) {
			if g := s.groups[gid]; g != nil {
				sa.Groups = append(sa.Groups, g.name)
			}
		}
		for uid := range a.users {
			if u := s.users[uid]; u != nil {
				sa.Users = append(sa.Users, u.login())
			}
		}
		sort.Strings(sa.Groups)
		sort.Strings(sa.Users)
		out = append(out, sa)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Label != out[j].Label {
			return out[i].Label < out[j].Label
		}
		return out[i].ID < out[j].ID
	})
	return out
}
