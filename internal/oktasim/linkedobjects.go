package oktasim

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// Linked objects (okta-api.md, "Applications, manager links, passwords"):
// definitions pair a primary name (manager) with an associated name
// (directReports); a user has at most one primary per definition and any
// number of associated users. Definitions are under
// /api/v1/meta/schemas/user/linkedObjects (the "other" bucket); a user's
// links under /api/v1/users/{id}/linkedObjects/... fall in the users
// bucket like every other /api/v1/users/{id}/... sub-path.
//
// okta-api.md does not say what deactivation does to links: the simulator
// keeps them (a DEPROVISIONED user keeps its manager and reports, as it
// keeps its profile), and removes every link of a user that is deleted.

// LinkDefinition is a linked object definition, for a Seed and a Snapshot.
type LinkDefinition struct {
	Primary         string `json:"primary"`
	PrimaryTitle    string `json:"primaryTitle,omitempty"`
	Associated      string `json:"associated"`
	AssociatedTitle string `json:"associatedTitle,omitempty"`
}

// SnapshotLink is one link in a Snapshot: User's primary in the
// relationship Relationship (a primary name) is Primary; both are logins.
type SnapshotLink struct {
	Relationship string `json:"relationship"`
	User         string `json:"user"`
	Primary      string `json:"primary"`
}

// linkStore holds the org's definitions and links. Guarded by Server.mu.
type linkStore struct {
	defs []LinkDefinition
	// primaryOf maps a primary name to associated user id -> primary id.
	primaryOf map[string]map[string]string
}

// def returns the definition one of whose names is name, and whether
// name is its primary.
func (ls *linkStore) def(name string) (d *LinkDefinition, primary bool) {
	for i := range ls.defs {
		switch name {
		case ls.defs[i].Primary:
			return &ls.defs[i], true
		case ls.defs[i].Associated:
			return &ls.defs[i], false
		}
	}
	return nil, false
}

// addDef checks and adds a definition. Call with s.mu held.
func (ls *linkStore) addDef(d LinkDefinition) error {
	for _, n := range []string{d.Primary, d.Associated} {
		if !isAttrName(n) || strings.Contains(n, ".") {
			return fmt.Errorf("name %q must start with a letter and hold only letters, digits and _", n)
		}
		if x, _ := ls.def(n); x != nil {
			return fmt.Errorf("name %q is already in use", n)
		}
	}
	if d.Primary == d.Associated {
		return fmt.Errorf("primary and associated names are both %q", d.Primary)
	}
	if d.PrimaryTitle == "" {
		d.PrimaryTitle = d.Primary
	}
	if d.AssociatedTitle == "" {
		d.AssociatedTitle = d.Associated
	}
	ls.defs = append(ls.defs, d)
	if ls.primaryOf == nil {
		ls.primaryOf = make(map[string]map[string]string)
	}
	ls.primaryOf[d.Primary] = make(map[string]string)
	return nil
}

// dropUser removes every link of the user id. Call with s.mu held.
func (ls *linkStore) dropUser(id string) {
	for _, m := range ls.primaryOf {
		delete(m, id)
		for a, p := range m {
			if p == id {
				delete(m, a)
			}
		}
	}
}

// wireDetails is one side of a definition as Okta's JSON has it.
type wireDetails struct {
	Name        string `json:"name"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Type        string `json:"type"`
}

type wireLinkedObject struct {
	Primary    *wireDetails   `json:"primary"`
	Associated *wireDetails   `json:"associated"`
	Links      map[string]any `json:"_links,omitempty"`
}

func defJSON(r *http.Request, d LinkDefinition) wireLinkedObject {
	return wireLinkedObject{
		Primary:    &wireDetails{Name: d.Primary, Title: d.PrimaryTitle, Type: "USER"},
		Associated: &wireDetails{Name: d.Associated, Title: d.AssociatedTitle, Type: "USER"},
		Links: map[string]any{"self": map[string]string{
			"href": baseURL(r) + "/api/v1/meta/schemas/user/linkedObjects/" + d.Primary}},
	}
}

func (s *Server) linkRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /api/v1/meta/schemas/user/linkedObjects", s.handleListLinkDefs)
	m.HandleFunc("POST /api/v1/meta/schemas/user/linkedObjects", s.handleCreateLinkDef)
	m.HandleFunc("GET /api/v1/meta/schemas/user/linkedObjects/{name}", s.handleGetLinkDef)
	m.HandleFunc("GET /api/v1/users/{id}/linkedObjects/{name}", s.handleGetLinks)
	m.HandleFunc("DELETE /api/v1/users/{id}/linkedObjects/{name}", s.handleDeleteLink)
	m.HandleFunc("PUT /api/v1/users/{id}/linkedObjects/{name}/{primaryId}", s.handleSetLink)
}

func (s *Server) handleListLinkDefs(w http.ResponseWriter, r *http.Request) {
	s.lock()
	out := make([]wireLinkedObject, 0, len(s.links.defs))
	for _, d := range s.links.defs {
		out = append(out, defJSON(r, d))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleGetLinkDef(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	s.lock()
	d, _ := s.links.def(name)
	var out wireLinkedObject
	if d != nil {
		out = defJSON(r, *d)
	}
	s.mu.Unlock()
	if d == nil {
		notFound(w, r, "LinkedObject", name)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleCreateLinkDef(w http.ResponseWriter, r *http.Request) {
	var body wireLinkedObject
	if !decodeBody(w, r, &body) {
		return
	}
	if body.Primary == nil || body.Associated == nil {
		validationFailed(w, r, "linkedObject", "primary and associated are required")
		return
	}
	for _, d := range []*wireDetails{body.Primary, body.Associated} {
		if d.Type != "USER" || d.Title == "" {
			validationFailed(w, r, "linkedObject", "each side needs a name, a title and type USER")
			return
		}
	}
	d := LinkDefinition{Primary: body.Primary.Name, PrimaryTitle: body.Primary.Title,
		Associated: body.Associated.Name, AssociatedTitle: body.Associated.Title}
	s.lock()
	err := s.links.addDef(d)
	s.mu.Unlock()
	if err != nil {
		if strings.Contains(err.Error(), "already in use") {
			writeError(w, r, http.StatusConflict, "E0000001", "Api validation failed: linkedObject", err.Error())
			return
		}
		validationFailed(w, r, "linkedObject", err.Error())
		return
	}
	writeJSON(w, http.StatusCreated, defJSON(r, d))
}

// linkTarget finds the user and the definition of a linked-object request,
// answering 404 for either missing. Call with s.mu held.
func (s *Server) linkTarget(w http.ResponseWriter, r *http.Request) (*user, *LinkDefinition, bool) {
	key, name := r.PathValue("id"), r.PathValue("name")
	u := s.lookupUser(key)
	if u == nil {
		notFound(w, r, "User", key)
		return nil, nil, false
	}
	d, primary := s.links.def(name)
	if d == nil {
		notFound(w, r, "LinkedObject", name)
		return nil, nil, false
	}
	return u, d, primary
}

func (s *Server) handleGetLinks(w http.ResponseWriter, r *http.Request) {
	s.lock()
	u, d, primary := s.linkTarget(w, r)
	if u == nil {
		s.mu.Unlock()
		return
	}
	var ids []string
	if primary {
		if p, ok := s.links.primaryOf[d.Primary][u.id]; ok {
			ids = append(ids, p)
		}
	} else {
		for a, p := range s.links.primaryOf[d.Primary] {
			if p == u.id {
				ids = append(ids, a)
			}
		}
		sort.Strings(ids)
	}
	s.mu.Unlock()
	out := make([]map[string]any, 0, len(ids))
	for _, id := range ids {
		out = append(out, map[string]any{"_links": map[string]any{
			"self": map[string]string{"href": baseURL(r) + "/api/v1/users/" + id}}})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleSetLink(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	u, d, primary := s.linkTarget(w, r)
	if u == nil {
		return
	}
	if !primary {
		notFound(w, r, "LinkedObject", r.PathValue("name")+" (not a primary name)")
		return
	}
	pid := r.PathValue("primaryId")
	if s.users[pid] == nil {
		notFound(w, r, "User", pid)
		return
	}
	s.links.primaryOf[d.Primary][u.id] = pid
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleDeleteLink(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	u, d, primary := s.linkTarget(w, r)
	if u == nil {
		return
	}
	if !primary {
		notFound(w, r, "LinkedObject", r.PathValue("name")+" (not a primary name)")
		return
	}
	delete(s.links.primaryOf[d.Primary], u.id)
	w.WriteHeader(http.StatusNoContent)
}

// SeedLink is a link to add with a Seed: User's primary in Relationship
// (a primary name) is Primary; both are logins of seed or existing users.
type SeedLink = SnapshotLink

// checkSeedLinks checks a seed's definitions and links against the org
// and the seed's users, changing nothing. Call with s.mu held.
func (s *Server) checkSeedLinks(seed Seed) error {
	trial := linkStore{defs: append([]LinkDefinition(nil), s.links.defs...)}
	for _, d := range seed.LinkDefinitions {
		if err := trial.addDef(d); err != nil {
			return fmt.Errorf("seed link definition %s/%s: %w", d.Primary, d.Associated, err)
		}
	}
	logins := make(map[string]bool, len(seed.Users))
	for _, su := range seed.Users {
		logins[strings.ToLower(valueString(su.Profile["login"]))] = true
	}
	for _, l := range seed.Links {
		if d, primary := trial.def(l.Relationship); d == nil || !primary {
			return fmt.Errorf("seed link of %s: %q is not a primary name of a definition", l.User, l.Relationship)
		}
		for _, login := range []string{l.User, l.Primary} {
			if !logins[strings.ToLower(login)] && s.lookupUser(login) == nil {
				return fmt.Errorf("seed link of %s: user %q does not exist", l.User, login)
			}
		}
	}
	return nil
}

// seedLinks adds a seed's definitions and links once its users exist.
// Call with s.mu held.
func (s *Server) seedLinks(defs []LinkDefinition, links []SeedLink) error {
	for _, d := range defs {
		if err := s.links.addDef(d); err != nil {
			return fmt.Errorf("seed link definition %s/%s: %w", d.Primary, d.Associated, err)
		}
	}
	for _, l := range links {
		d, primary := s.links.def(l.Relationship)
		u, p := s.lookupUser(l.User), s.lookupUser(l.Primary)
		switch {
		case d == nil || !primary:
			return fmt.Errorf("seed link of %s: %q is not a primary name of a definition", l.User, l.Relationship)
		case u == nil || p == nil:
			return fmt.Errorf("seed link: user %q or %q does not exist", l.User, l.Primary)
		}
		s.links.primaryOf[d.Primary][u.id] = p.id
	}
	return nil
}

// snapshotLinks returns the definitions and links for a Snapshot. Call
// with s.mu held.
func (s *Server) snapshotLinks() ([]LinkDefinition, []SnapshotLink) {
	defs := append([]LinkDefinition(nil), s.links.defs...)
	var links []SnapshotLink
	for rel, m := range s.links.primaryOf {
		for a, p := range m {
			links = append(links, SnapshotLink{Relationship: rel, User: s.users[a].login(), Primary: s.users[p].login()})
		}
	}
	sort.Slice(links, func(i, j int) bool {
		if links[i].Relationship != links[j].Relationship {
			return links[i].Relationship < links[j].Relationship
		}
		return strings.ToLower(links[i].User) < strings.ToLower(links[j].User)
	})
	return defs, links
}
