package oktasim

import (
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
)

// User statuses.
const (
	statusStaged        = "STAGED"
	statusProvisioned   = "PROVISIONED"
	statusActive        = "ACTIVE"
	statusRecovery      = "RECOVERY"
	statusPassExpired   = "PASSWORD_EXPIRED"
	statusLockedOut     = "LOCKED_OUT"
	statusSuspended     = "SUSPENDED"
	statusDeprovisioned = "DEPROVISIONED"
)

var validStatuses = map[string]bool{
	statusStaged: true, statusProvisioned: true, statusActive: true, statusRecovery: true,
	statusPassExpired: true, statusLockedOut: true, statusSuspended: true, statusDeprovisioned: true,
}

// requiredUserAttrs are the profile attributes every user must have.
var requiredUserAttrs = []string{"login", "email", "firstName", "lastName"}

// maxGroupIDs is the most groupIds a create may name.
const maxGroupIDs = 20

// user is one user of the org. Its profile map is never changed in place:
// an update stores a new map, so a rendered user may share it safely.
type user struct {
	id              string
	status          string
	created         time.Time
	activated       time.Time
	statusChanged   time.Time
	lastLogin       time.Time
	lastUpdated     time.Time
	passwordChanged time.Time
	profile         map[string]any
	hasPassword     bool
	// importedHash is true when the password was imported as a hash; the
	// hash itself is never kept.
	importedHash bool
	groups       map[string]struct{}

	// master names the system the profile is mastered by (a seed's
	// ProfileMaster); "" is Okta itself. Profile updates of a mastered
	// user are refused with 403 E0000023.
	master string

	// A lifecycle change in flight (Options.LifecycleDelay): until
	// transitionUntil the user keeps its status, shows
	// transitioningToStatus transitionTo, and refuses lifecycle calls and
	// updates with 409 E0000112; then its status becomes settleTo.
	transitionTo    string
	settleTo        string
	transitionUntil time.Time

	// The search index lags (Options.SearchLag): until changedAt+lag,
	// search sees indexed (nil: a user created since, not yet indexed).
	changedAt time.Time
	indexed   *userView
}

// providerOf is the credentials.provider of a user whose profile is
// mastered by the named system: ACTIVE_DIRECTORY and LDAP are their own
// types; any other name (an HR app, say) is an IMPORT.
func providerOf(master string) map[string]string {
	typ := "IMPORT"
	if master == "ACTIVE_DIRECTORY" || master == "LDAP" {
		typ = master
	}
	return map[string]string{"type": typ, "name": master}
}

func (u *user) login() string {
	s, _ := u.profile["login"].(string)
	return s
}

// userJSON is Okta's User object.
type userJSON struct {
	ID              string            `json:"id"`
	Status          string            `json:"status"`
	Created         string            `json:"created"`
	Activated       *string           `json:"activated"`
	StatusChanged   *string           `json:"statusChanged"`
	LastLogin       *string           `json:"lastLogin"`
	LastUpdated     string            `json:"lastUpdated"`
	PasswordChanged *string           `json:"passwordChanged"`
	Transitioning   string            `json:"transitioningToStatus,omitempty"`
	Type            map[string]string `json:"type"`
	Profile         map[string]any    `json:"profile"`
	Credentials     credentialsJSON   `json:"credentials"`
	Links           map[string]any    `json:"_links"`
}

type credentialsJSON struct {
	Password *struct{}         `json:"password,omitempty"`
	Provider map[string]string `json:"provider"`
}

type href struct {
	Href   string         `json:"href"`
	Method string         `json:"method,omitempty"`
	Hints  map[string]any `json:"hints,omitempty"`
}

// renderUser renders u; full adds the lifecycle links Okta gives a single
// user (a collection carries only self). Call with s.mu held.
func (s *Server) renderUser(base string, u *user, full bool) userJSON {
	self := base + "/api/v1/users/" + u.id
	links := map[string]any{"self": href{Href: self}}
	if full {
		post := func(op string) href { return href{Href: self + "/lifecycle/" + op, Method: "POST"} }
		switch u.status {
		case statusStaged:
			links["activate"] = post("activate")
		case statusProvisioned, statusRecovery:
			links["reactivate"] = post("reactivate")
		case statusActive:
			links["suspend"] = post("suspend")
		case statusSuspended:
			links["unsuspend"] = post("unsuspend")
		case statusLockedOut:
			links["unlock"] = post("unlock")
		case statusDeprovisioned:
			links["activate"] = post("activate")
		}
		if u.status != statusDeprovisioned {
			links["deactivate"] = post("deactivate")
		}
		links["schema"] = href{Href: base + "/api/v1/meta/schemas/user/default"}
		links["type"] = href{Href: base + "/api/v1/meta/types/user/" + s.userTypeID}
	}
	j := userJSON{
		ID:              u.id,
		Status:          u.status,
		Created:         fmtTime(u.created),
		Activated:       fmtTimePtr(u.activated),
		StatusChanged:   fmtTimePtr(u.statusChanged),
		LastLogin:       fmtTimePtr(u.lastLogin),
		LastUpdated:     fmtTime(u.lastUpdated),
		PasswordChanged: fmtTimePtr(u.passwordChanged),
		Type:            map[string]string{"id": s.userTypeID},
		Profile:         u.profile,
		Credentials:     credentialsJSON{Provider: map[string]string{"type": "OKTA", "name": "OKTA"}},
		Links:           links,
	}
	if u.hasPassword {
		j.Credentials.Password = &struct{}{}
	}
	if u.transitionTo != "" {
		j.Transitioning = u.transitionTo
	}
	if u.master != "" {
		j.Credentials.Provider = providerOf(u.master)
	}
	return j
}

// userGetter exposes u's attributes to filter and search expressions.
func (s *Server) userGetter(u *user) getter {
	return func(attr string) ([]any, bool) {
		switch attr {
		case "id":
			return []any{u.id}, true
		case "status":
			return []any{u.status}, true
		case "type.id":
			return []any{s.userTypeID}, true
		case "created":
			return timeValue(u.created)
		case "activated":
			return timeValue(u.activated)
		case "statusChanged":
			return timeValue(u.statusChanged)
		case "lastUpdated":
			return timeValue(u.lastUpdated)
		}
		if name, ok := strings.CutPrefix(attr, "profile."); ok {
			v, ok := u.profile[name]
			return profileValues(v, ok)
		}
		return nil, false
	}
}

func timeValue(t time.Time) ([]any, bool) {
	if t.IsZero() {
		return nil, false
	}
	return []any{fmtTime(t)}, true
}

// lookupUser finds a user by id or login. Call with s.mu held.
func (s *Server) lookupUser(idOrLogin string) *user {
	if u := s.users[idOrLogin]; u != nil {
		return u
	}
	if id, ok := s.logins[strings.ToLower(idOrLogin)]; ok {
		return s.users[id]
	}
	return nil
}

// insertUser adds u to the indexes. Call with s.mu held.
func (s *Server) insertUser(u *user) {
	s.users[u.id] = u
	s.logins[strings.ToLower(u.login())] = u.id
	i, _ := slices.BinarySearch(s.userOrder, u.id)
	s.userOrder = slices.Insert(s.userOrder, i, u.id)
	s.indexIDOrder(u.id)
}

// removeUser deletes u and its memberships. Call with s.mu held.
func (s *Server) removeUser(u *user, now time.Time) {
	for gid := range u.groups {
		if g := s.groups[gid]; g != nil {
			delete(g.members, u.id)
			g.lastMembershipUpdated = now
		}
	}
	s.links.dropUser(u.id)
	delete(s.users, u.id)
	delete(s.logins, strings.ToLower(u.login()))
	if i, ok := slices.BinarySearch(s.userOrder, u.id); ok {
		s.userOrder = slices.Delete(s.userOrder, i, i+1)
	}
	s.unindexIDOrder(u.id)
}

// newUserID returns an unused user id. Call with s.mu held.
func (s *Server) newUserID() string {
	for {
		id := newID("00u")
		if _, taken := s.users[id]; !taken {
			return id
		}
	}
}
func (s *Server) handleGetUser(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("id")
	s.lock()
	u := s.lookupUser(key)
	var j userJSON
	if u != nil {
		j = s.renderUser(baseURL(r), u, true)
	}
	s.mu.Unlock()
	if u == nil {
		notFound(w, r, "User", key)
		return
	}
	writeJSON(w, http.StatusOK, j)
}

func (s *Server) handleUserGroups(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("id")
	base := baseURL(r)
	s.lock()
	u := s.lookupUser(key)
	if u == nil {
		s.mu.Unlock()
		notFound(w, r, "User", key)
		return
	}
	ids := slices.Sorted(maps.Keys(u.groups))
	out := make([]groupJSON, 0, len(ids))
	for _, id := range ids {
		out = append(out, s.renderGroup(base, s.groups[id], false))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}
