package oktasim

import (
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
)

// App statuses and assignment scopes.
const (
	appActive   = "ACTIVE"
	appInactive = "INACTIVE"
	scopeUser   = "USER"
	scopeGroup  = "GROUP"
)

// app is one application instance of the org, with its assignments.
type app struct {
	id, name, label, status string
	created, lastUpdated    time.Time
	// groups holds the group assignments by group id.
	groups map[string]*appGroup
	// users holds the direct (scope USER) assignments by user id; users
	// who have the app through a group are computed when listed.
	users map[string]*appUser
}

type appGroup struct {
	priority    int
	profile     map[string]any
	lastUpdated time.Time
}

type appUser struct {
	profile              map[string]any
	created, lastUpdated time.Time
}

// appRoutes adds the Applications API's routes.
func (s *Server) appRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /api/v1/apps", s.handleListApps)
	m.HandleFunc("GET /api/v1/apps/{id}", s.handleGetApp)
	m.HandleFunc("GET /api/v1/apps/{id}/groups", s.handleListAppGroups)
	m.HandleFunc("PUT /api/v1/apps/{id}/groups/{groupId}", s.handleAssignAppGroup)
	m.HandleFunc("DELETE /api/v1/apps/{id}/groups/{groupId}", s.handleUnassignAppGroup)
	m.HandleFunc("GET /api/v1/apps/{id}/users", s.handleListAppUsers)
	m.HandleFunc("POST /api/v1/apps/{id}/users", s.handleAssignAppUser)
	m.HandleFunc("DELETE /api/v1/apps/{id}/users/{userId}", s.handleUnassignAppUser)
}

// appFilterRules is what an apps list's filter takes: status, name and id,
// with eq.
var appFilterRules = exprRules{
	ops: func(a string) map[string]bool {
		switch a {
		case "status", "name", "id":
			return opsEq
		}
		return nil
	},
	stringsOnly: true,
}

func appGetter(a *app) getter {
	return func(attr string) ([]any, bool) {
		switch attr {
		case "id":
			return []any{a.id}, true
		case "status":
			return []any{a.status}, true
		case "name":
			return []any{a.name}, true
		}
		return nil, false
	}
}

// renderApp renders a as a BOOKMARK app, the simplest sign-on mode, with
// the properties of Okta's base Application schema only: the sign-on
// mode's own ones (name, settings) are left out, as the specification
// subset oktasync is checked against does not describe them.
func renderApp(base string, a *app) map[string]any {
	self := base + "/api/v1/apps/" + a.id
	return map[string]any{
		"id": a.id, "label": a.label, "status": a.status,
		"created": fmtTime(a.created), "lastUpdated": fmtTime(a.lastUpdated),
		"signOnMode": "BOOKMARK", "features": []string{},
		"accessibility": map[string]any{"selfService": false},
		"visibility":    map[string]any{"autoSubmitToolbar": false, "hide": map[string]any{"iOS": false, "web": false}},
		"_links": map[string]any{
			"self": href{Href: self}, "users": href{Href: self + "/users"}, "groups": href{Href: self + "/groups"},
		},
	}
}

func (s *Server) handleListApps(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	filter, _, ok := compileQuery(w, r, appFilterRules, exprRules{})
	if !ok {
		return
	}
	limit, ok := pageLimit(w, r, s.opts.MaxPageSize, s.opts.MaxPageSize)
	if !ok {
		return
	}
	term, after, base := strings.ToLower(q.Get("q")), q.Get("after"), baseURL(r)
	s.lock()
	page, next := idPage(s.appOrder, after, limit, func(id string) map[string]any {
		a := s.apps[id]
		if filter != nil && !filter.eval(appGetter(a), foldNone) {
			return nil
		}
		if term != "" && !strings.HasPrefix(strings.ToLower(a.label), term) && !strings.HasPrefix(strings.ToLower(a.name), term) {
			return nil
		}
		return renderApp(base, a)
	})
	s.mu.Unlock()
	writeLinks(w, r, next)
	writeJSON(w, http.StatusOK, nonNil(page))
}

// idPage renders the page of up to limit objects that follows the cursor
// after in sorted ids (render returns nil for an id to leave out), and the
// cursor of the next page, "" on the last.
func idPage(ids []string, after string, limit int, render func(id string) map[string]any) (page []map[string]any, next string) {
	i := sort.SearchStrings(ids, after)
	if i < len(ids) && ids[i] == after {
		i++
	}
	for _, id := range ids[i:] {
		obj := render(id)
		if obj == nil {
			continue
		}
		if len(page) == limit {
			return page, page[len(page)-1]["id"].(string)
		}
		page = append(page, obj)
	}
	return page, ""
}

func (s *Server) handleGetApp(w http.ResponseWriter, r *http.Request) {
	s.lock()
	a := s.apps[r.PathValue("id")]
	var j map[string]any
	if a != nil {
		j = renderApp(baseURL(r), a)
	}
	s.mu.Unlock()
	if a == nil {
		notFound(w, r, "AppInstance", r.PathValue("id"))
		return
	}
	writeJSON(w, http.StatusOK, j)
}

// appOf returns the app a request names, answering 404 when there is none.
// Call with s.mu held.
func (s *Server) appOf(w http.ResponseWriter, r *http.Request) *app {
	a := s.apps[r.PathValue("id")]
	if a == nil {
		notFound(w, r, "AppInstance", r.PathValue("id"))
	}
	return a
}

func renderAppGroup(base string, a *app, gid string, ag *appGroup) map[string]any {
	return map[string]any{
		"id": gid, "lastUpdated": fmtTime(ag.lastUpdated), "priority": ag.priority, "profile": nonNilMap(ag.profile),
		"_links": map[string]any{
			"app":   href{Href: base + "/api/v1/apps/" + a.id},
			"group": href{Href: base + "/api/v1/groups/" + gid},
		},
	}
}

func (s *Server) handleListAppGroups(w http.ResponseWriter, r *http.Request) {
	limit, ok := pageLimit(w, r, 20, 200)
	if !ok {
		return
	}
	base, after := baseURL(r), r.URL.Query().Get("after")
	s.lock()
	a := s.appOf(w, r)
	if a == nil {
		s.mu.Unlock()
		return
	}
	page, next := idPage(slices.Sorted(maps.Keys(a.groups)), after, limit, func(gid string) map[string]any {
		return renderAppGroup(base, a, gid, a.groups[gid])
	})
	s.mu.Unlock()
	writeLinks(w, r, next)
	writeJSON(w, http.StatusOK, nonNil(page))
}

// appGroupBody is the optional body of a group assignment.
type appGroupBody struct {
	Priority *int           `json:"priority"`
	Profile  map[string]any `json:"profile"`
}

func (s *Server) handleAssignAppGroup(w http.ResponseWriter, r *http.Request) {
	var body appGroupBody
	if r.ContentLength != 0 && !decodeBody(w, r, &body) {
		return
	}
	if body.Priority != nil && *body.Priority < 0 {
		validationFailed(w, r, "priority", "priority: must not be negative")
		return
	}
	now := s.now()
	s.lock()
	defer s.mu.Unlock()
	a := s.appOf(w, r)
	if a == nil {
		return
	}
	gid := r.PathValue("groupId")
	g := s.groups[gid]
	if g == nil {
		notFound(w, r, "UserGroup", gid)
		return
	}
	ag := a.groups[gid]
	if ag == nil {
		ag = &appGroup{priority: len(a.groups)}
		a.groups[gid] = ag
		s.emit(r, "application.user_membership.add", "Assign group to application", groupTarget(g), appTarget(a))
	}
	if body.Priority != nil {
		ag.priority = *body.Priority
	}
	if body.Profile != nil {
		ag.profile = dropNulls(body.Profile)
	}
	ag.lastUpdated = now
	writeJSON(w, http.StatusOK, renderAppGroup(baseURL(r), a, gid, ag))
}

func (s *Server) handleUnassignAppGroup(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	a := s.appOf(w, r)
	if a == nil {
		return
	}
	gid := r.PathValue("groupId")
	if a.groups[gid] == nil {
		notFound(w, r, "AppGroupAssignment", gid)
		return
	}
	delete(a.groups, gid)
	if g := s.groups[gid]; g != nil {
		s.emit(r, "application.user_membership.remove", "Unassign group from application", groupTarget(g), appTarget(a))
	}
	w.WriteHeader(http.StatusNoContent)
}

func appTarget(a *app) logEntity {
	return logEntity{ID: a.id, Type: "AppInstance", AlternateID: a.label, DisplayName: a.label}
}

// appUsers returns, sorted by user id, the users who have a: directly
// (scope USER) or through an assigned group (scope GROUP) when they are
// not deactivated. Call with s.mu held.
func (s *Server) appUsers(a *app) (ids []string, scope map[string]string) {
	scope = make(map[string]string, len(a.users))
	for uid := range a.users {
		scope[uid] = scopeUser
	}
	for gid := range a.groups {
		g := s.groups[gid]
		if g == nil {
			continue
		}
		for uid := range g.members {
			if _, ok := scope[uid]; !ok && s.users[uid] != nil && s.users[uid].status != statusDeprovisioned {
				scope[uid] = scopeGroup
			}
		}
	}
	return slices.Sorted(maps.Keys(scope)), scope
}

func (s *Server) renderAppUser(base string, a *app, u *user, scope string) map[string]any {
	created, updated, profile := a.created, a.lastUpdated, map[string]any{}
	if d := a.users[u.id]; d != nil && scope == scopeUser {
		created, updated, profile = d.created, d.lastUpdated, nonNilMap(d.profile)
	}
	return map[string]any{
		"id": u.id, "scope": scope, "status": "ACTIVE", "syncState": "DISABLED",
		"created": fmtTime(created), "lastUpdated": fmtTime(updated), "statusChanged": fmtTime(created),
		"credentials": map[string]any{"userName": u.login()}, "profile": profile,
		"_links": map[string]any{
			"app":  href{Href: base + "/api/v1/apps/" + a.id},
			"user": href{Href: base + "/api/v1/users/" + u.id},
		},
	}
}

func (s *Server) handleListAppUsers(w http.ResponseWriter, r *http.Request) {
	limit, ok := pageLimit(w, r, 50, 500)
	if !ok {
		return
	}
	base, after := baseURL(r), r.URL.Query().Get("after")
	s.lock()
	a := s.appOf(w, r)
	if a == nil {
		s.mu.Unlock()
		return
	}
	ids, scope := s.appUsers(a)
	page, next := idPage(ids, after, limit, func(uid string) map[string]any {
		return s.renderAppUser(base, a, s.users[uid], scope[uid])
	})
	s.mu.Unlock()
	writeLinks(w, r, next)
	writeJSON(w, http.StatusOK, nonNil(page))
}

// appUserBody is the body of a user assignment.
type appUserBody struct {
	ID      string         `json:"id"`
	Scope   string         `json:"scope"`
	Profile map[string]any `json:"profile"`
}

func (s *Server) handleAssignAppUser(w http.ResponseWriter, r *http.Request) {
	var body appUserBody
	if !decodeBody(w, r, &body) {
		return
	}
	if body.ID == "" {
		validationFailed(w, r, "id", "id: The field cannot be left blank")
		return
	}
	if body.Scope != "" && body.Scope != scopeUser {
		validationFailed(w, r, "scope", "scope: a user is assigned with scope USER")
		return
	}
	now := s.now()
	s.lock()
	defer s.mu.Unlock()
	a := s.appOf(w, r)
	if a == nil {
		return
	}
	u := s.users[body.ID]
	if u == nil {
		notFound(w, r, "User", body.ID)
		return
	}
	if s.transitioning(u) {
		stillTransitioning(w, r) // a reactivation still in flight
		return
	}
	if u.status == statusDeprovisioned {
		writeError(w, r, http.StatusForbidden, "E0000038", "This operation is not allowed in the user's current status.")
		return
	}
	d := a.users[u.id]
	if d == nil {
		d = &appUser{created: now}
		a.users[u.id] = d
		s.emit(r, "application.user_membership.add", "Add user to application membership", userTarget(u), appTarget(a))
	}
	if body.Profile != nil {
		d.profile = dropNulls(body.Profile)
	}
	d.lastUpdated = now
	writeJSON(w, http.StatusOK, s.renderAppUser(baseURL(r), a, u, scopeUser))
}

func (s *Server) handleUnassignAppUser(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	a := s.appOf(w, r)
	if a == nil {
		return
	}
	uid := r.PathValue("userId")
	u := s.users[uid]
	if u == nil || a.users[uid] == nil {
		// A user who has the app only through a group cannot be
		// unassigned directly; one without it is not found.
		if _, scope := s.appUsers(a); scope[uid] == scopeGroup {
			writeError(w, r, http.StatusForbidden, "E0000006", "You do not have permission to perform the requested action")
			return
		}
		notFound(w, r, "AppUser", uid)
		return
	}
	delete(a.users, uid)
	s.emit(r, "application.user_membership.remove", "Remove user from application membership", userTarget(u), appTarget(a))
	w.WriteHeader(http.StatusNoContent)
}

// dropUserApps removes u's direct app assignments, as Okta's deactivation
// does; reactivation does not restore them. Call with s.mu held.
func (s *Server) dropUserApps(u *user) {
	for _, a := range s.apps {
		delete(a.users, u.id)
	}
}

// dropGroupApps removes the app assignments of a deleted group. Call with
// s.mu held.
func (s *Server) dropGroupApps(gid string) {
	for _, a := range s.apps {
		delete(a.groups, gid)
	}
}

// insertApp adds a to the indexes. Call with s.mu held.
func (s *Server) insertApp(a *app) {
	if s.apps == nil {
		s.apps = make(map[string]*app)
	}
	s.apps[a.id] = a
	i, _ := slices.BinarySearch(s.appOrder, a.id)
	s.appOrder = slices.Insert(s.appOrder, i, a.id)
}
