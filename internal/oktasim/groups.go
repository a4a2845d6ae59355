package oktasim

import (
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
)

// Group types.
const (
	groupOkta    = "OKTA_GROUP"
	groupApp     = "APP_GROUP"
	groupBuiltIn = "BUILT_IN"

	// everyoneName is the name of the BUILT_IN group every user is in.
	everyoneName = "Everyone"
)

// group is one group of the org.
type group struct {
	id          string
	typ         string
	name        string
	description string
	// attrs holds the custom profile attributes (the group schema's).
	attrs                 map[string]any
	created               time.Time
	lastUpdated           time.Time
	lastMembershipUpdated time.Time
	members               map[string]struct{}
}

// groupJSON is Okta's Group object.
type groupJSON struct {
	ID                    string         `json:"id"`
	Created               string         `json:"created"`
	LastUpdated           string         `json:"lastUpdated"`
	LastMembershipUpdated string         `json:"lastMembershipUpdated"`
	ObjectClass           []string       `json:"objectClass"`
	Type                  string         `json:"type"`
	Profile               map[string]any `json:"profile"`
	Embedded              map[string]any `json:"_embedded,omitempty"`
	Links                 map[string]any `json:"_links"`
}

// renderGroup renders g; stats embeds the member count. Call with s.mu held.
func (s *Server) renderGroup(base string, g *group, stats bool) groupJSON {
	self := base + "/api/v1/groups/" + g.id
	j := groupJSON{
		ID:                    g.id,
		Created:               fmtTime(g.created),
		LastUpdated:           fmtTime(g.lastUpdated),
		LastMembershipUpdated: fmtTime(g.lastMembershipUpdated),
		ObjectClass:           []string{"okta:user_group"},
		Type:                  g.typ,
		Profile:               groupProfile(g),
		Links: map[string]any{
			"self":  href{Href: self},
			"users": href{Href: self + "/users"},
			"apps":  href{Href: self + "/apps"},
			"logo": []href{
				{Href: base + "/assets/img/logos/groups/okta-medium.png"},
				{Href: base + "/assets/img/logos/groups/okta-large.png"},
			},
		},
	}
	if stats {
		j.Embedded = map[string]any{"stats": map[string]any{"usersCount": len(g.members), "appsCount": 0}}
	}
	return j
}

// groupProfile renders g's profile: name, description and the custom
// attributes.
func groupProfile(g *group) map[string]any {
	p := deepCopy(g.attrs)
	p["name"], p["description"] = g.name, g.description
	return p
}

// groupGetter exposes g's attributes to filter and search expressions.
func groupGetter(g *group) getter {
	return func(attr string) ([]any, bool) {
		switch attr {
		case "id":
			return []any{g.id}, true
		case "type":
			return []any{g.typ}, true
		case "created":
			return timeValue(g.created)
		case "lastUpdated":
			return timeValue(g.lastUpdated)
		case "lastMembershipUpdated":
			return timeValue(g.lastMembershipUpdated)
		case "profile.name":
			return []any{g.name}, true
		case "profile.description":
			if g.description == "" {
				return nil, false
			}
			return []any{g.description}, true
		}
		if v, ok := g.attrs[strings.TrimPrefix(attr, "profile.")]; ok && strings.HasPrefix(attr, "profile.") {
			if a, isArray := v.([]any); isArray {
				return a, true
			}
			return []any{v}, true
		}
		return nil, false
	}
}

// insertGroup adds g to the indexes. Call with s.mu held.
func (s *Server) insertGroup(g *group) {
	s.groups[g.id] = g
	s.groupNames[strings.ToLower(g.name)] = g.id
	i, _ := slices.BinarySearch(s.groupOrder, g.id)
	s.groupOrder = slices.Insert(s.groupOrder, i, g.id)
}

// newGroupID returns an unused group id. Call with s.mu held.
func (s *Server) newGroupID() string {
	for {
		id := newID("00g")
		if _, taken := s.groups[id]; !taken {
			return id
		}
	}
}

// addMember makes u a member of g; it reports whether anything changed.
// Call with s.mu held.
func (s *Server) addMember(r *http.Request, g *group, u *user, now time.Time) bool {
	if _, ok := g.members[u.id]; ok {
		return false
	}
	g.members[u.id] = struct{}{}
	u.groups[g.id] = struct{}{}
	g.lastMembershipUpdated = now
	s.emit(r, "group.user_membership.add", "Add user to group membership", userTarget(u), groupTarget(g))
	return true
}

// removeMember ends u's membership of g. Call with s.mu held.
func (s *Server) removeMember(r *http.Request, g *group, u *user, now time.Time) bool {
	if _, ok := g.members[u.id]; !ok {
		return false
	}
	delete(g.members, u.id)
	delete(u.groups, g.id)
	g.lastMembershipUpdated = now
	s.emit(r, "group.user_membership.remove", "Remove user from group membership", userTarget(u), groupTarget(g))
	return true
}

func (s *Server) handleListGroups(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	filter, search, ok := compileQuery(w, r, groupFilterRules, groupSearchRules)
	if !ok {
		return
	}
	stats := strings.Contains(q.Get("expand"), "stats")
	base := baseURL(r)

	if term := q.Get("q"); term != "" && filter == nil && search == nil {
		limit, ok := pageLimit(w, r, 300, 10000)
		if !ok {
			return
		}
		term = strings.ToLower(term)
		s.lock()
		var page []groupJSON
		for _, id := range s.groupOrder {
			g := s.groups[id]
			if !strings.HasPrefix(strings.ToLower(g.name), term) {
				continue
			}
			page = append(page, s.renderGroup(base, g, stats))
			if len(page) == limit {
				break
			}
		}
		s.mu.Unlock()
		writeLinks(w, r, "")
		writeJSON(w, http.StatusOK, nonNil(page))
		return
	}

	limit, ok := pageLimit(w, r, s.opts.MaxPageSize, s.opts.MaxPageSize)
	if !ok {
		return
	}
	after := q.Get("after")
	s.lock()
	var (
		page []groupJSON
		next string
	)
	i := sort.SearchStrings(s.groupOrder, after)
	if i < len(s.groupOrder) && s.groupOrder[i] == after {
		i++
	}
	for ; i < len(s.groupOrder); i++ {
		g := s.groups[s.groupOrder[i]]
		gg := groupGetter(g)
		if (filter != nil && !filter.eval(gg, foldNone)) || (search != nil && !search.eval(gg, foldAll)) {
			continue
		}
		if len(page) == limit {
			next = page[len(page)-1].ID
			break
		}
		page = append(page, s.renderGroup(base, g, stats))
	}
	s.mu.Unlock()
	writeLinks(w, r, next)
	writeJSON(w, http.StatusOK, nonNil(page))
}

func (s *Server) handleGetGroup(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	stats := strings.Contains(r.URL.Query().Get("expand"), "stats")
	s.lock()
	g := s.groups[id]
	var j groupJSON
	if g != nil {
		j = s.renderGroup(baseURL(r), g, stats)
	}
	s.mu.Unlock()
	if g == nil {
		notFound(w, r, "UserGroup", id)
		return
	}
	writeJSON(w, http.StatusOK, j)
}

// groupBody is the body of a group create or replace.
type groupBody struct {
	Profile map[string]any `json:"profile"`
}

// parse validates the body's profile and returns the name, description
// and custom attributes (null ones left out), checked against the group
// schema. Call with s.mu held.
func (s *Server) parseGroup(w http.ResponseWriter, r *http.Request, b *groupBody) (name, desc string, attrs map[string]any, ok bool) {
	name, _ = b.Profile["name"].(string)
	if strings.TrimSpace(name) == "" {
		validationFailed(w, r, "name", "name: The field cannot be left blank")
		return "", "", nil, false
	}
	if d, present := b.Profile["description"]; present && d != nil {
		if desc, ok = d.(string); !ok {
			validationFailed(w, r, "description", "description: Property has an invalid type")
			return "", "", nil, false
		}
	}
	attrs = dropNulls(b.Profile)
	delete(attrs, "name")
	delete(attrs, "description")
	if field, causes := s.checkGroupProfile(attrs); len(causes) > 0 {
		validationFailed(w, r, field, causes...)
		return "", "", nil, false
	}
	return name, desc, attrs, true
}

const duplicateGroupCause = "name: An object with this field already exists in the current organization"

func (s *Server) handleCreateGroup(w http.ResponseWriter, r *http.Request) {
	var body groupBody
	if !decodeBody(w, r, &body) {
		return
	}
	now := s.now()
	s.lock()
	defer s.mu.Unlock()
	name, desc, attrs, ok := s.parseGroup(w, r, &body)
	if !ok {
		return
	}
	if _, dup := s.groupNames[strings.ToLower(name)]; dup {
		validationFailed(w, r, "name", duplicateGroupCause)
		return
	}
	g := &group{
		id:                    s.newGroupID(),
		typ:                   groupOkta,
		name:                  name,
		description:           desc,
		attrs:                 attrs,
		created:               now,
		lastUpdated:           now,
		lastMembershipUpdated: now,
		members:               make(map[string]struct{}),
	}
	s.insertGroup(g)
	s.emit(r, "group.lifecycle.create", "Create Okta group", groupTarget(g))
	writeJSON(w, http.StatusOK, s.renderGroup(baseURL(r), g, false))
}

func (s *Server) handleReplaceGroup(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var body groupBody
	if !decodeBody(w, r, &body) {
		return
	}
	now := s.now()
	s.lock()
	defer s.mu.Unlock()
	g := s.groups[id]
	if g == nil {
		notFound(w, r, "UserGroup", id)
		return
	}
	if g.typ != groupOkta {
		accessDenied(w, r)
		return
	}
	name, desc, attrs, ok := s.parseGroup(w, r, &body)
	if !ok {
		return
	}
	if other, dup := s.groupNames[strings.ToLower(name)]; dup && other != g.id {
		validationFailed(w, r, "name", duplicateGroupCause)
		return
	}
	// A replace: attributes left out of the profile are removed.
	if name != g.name || desc != g.description || !profilesEqual(attrs, nonNilMap(g.attrs)) {
		delete(s.groupNames, strings.ToLower(g.name))
		g.name, g.description, g.attrs = name, desc, attrs
		s.groupNames[strings.ToLower(name)] = g.id
		g.lastUpdated = now
		s.emit(r, "group.profile.update", "Update group profile", groupTarget(g))
	}
	writeJSON(w, http.StatusOK, s.renderGroup(baseURL(r), g, false))
}

func (s *Server) handleDeleteGroup(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.lock()
	defer s.mu.Unlock()
	g := s.groups[id]
	if g == nil {
		notFound(w, r, "UserGroup", id)
		return
	}
	if g.typ != groupOkta {
		accessDenied(w, r)
		return
	}
	for uid := range g.members {
		if u := s.users[uid]; u != nil {
			delete(u.groups, g.id)
		}
	}
	delete(s.groups, g.id)
	s.dropGroupApps(g.id)
	delete(s.groupNames, strings.ToLower(g.name))
	if i, ok := slices.BinarySearch(s.groupOrder, g.id); ok {
		s.groupOrder = slices.Delete(s.groupOrder, i, i+1)
	}
	s.emit(r, "group.lifecycle.delete", "Delete Okta group", groupTarget(g))
	w.WriteHeader(http.StatusNoContent)
}

// memberPageMax is the default and cap of a member page.
func (s *Server) memberPageMax() int { return s.memberMax }

func (s *Server) handleListMembers(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	limit, ok := pageLimit(w, r, s.memberPageMax(), s.memberPageMax())
	if !ok {
		return
	}
	after := r.URL.Query().Get("after")
	base := baseURL(r)
	s.lock()
	g := s.groups[id]
	if g == nil {
		s.mu.Unlock()
		notFound(w, r, "UserGroup", id)
		return
	}
	ids := slices.Sorted(maps.Keys(g.members))
	i := sort.SearchStrings(ids, after)
	if i < len(ids) && ids[i] == after {
		i++
	}
	if n := s.opts.MemberPageTimeoutAbove; n > 0 && limit > n && len(ids)-i > n {
		// A page of this many full user objects takes Okta too long.
		s.mu.Unlock()
		s.stats.add(func(st *Stats) { st.MemberPageTimeouts++ })
		writeError(w, r, http.StatusInternalServerError, "E0000009", "Internal Server Error")
		return
	}
	var (
		page []userJSON
		next string
	)
	for ; i < len(ids); i++ {
		if len(page) == limit {
			next = page[len(page)-1].ID
			break
		}
		page = append(page, s.renderUser(base, s.users[ids[i]], false))
	}
	s.mu.Unlock()
	writeLinks(w, r, next)
	writeJSON(w, http.StatusOK, nonNil(page))
}

func (s *Server) handleAddMember(w http.ResponseWriter, r *http.Request) { s.membership(w, r, true) }
func (s *Server) handleRemoveMember(w http.ResponseWriter, r *http.Request) {
	s.membership(w, r, false)
}

// membership adds or removes one member; both are idempotent.
func (s *Server) membership(w http.ResponseWriter, r *http.Request, add bool) {
	gid, uid := r.PathValue("id"), r.PathValue("userId")
	now := s.now()
	s.lock()
	defer s.mu.Unlock()
	g := s.groups[gid]
	if g == nil {
		notFound(w, r, "UserGroup", gid)
		return
	}
	u := s.users[uid]
	if u == nil {
		notFound(w, r, "User", uid)
		return
	}
	if g.typ != groupOkta {
		accessDenied(w, r)
		return
	}
	if add {
		s.addMember(r, g, u, now)
	} else {
		s.removeMember(r, g, u, now)
	}
	w.WriteHeader(http.StatusNoContent)
}
