package oktasim

import (
	"maps"
	"net/http"
	"slices"
	"sort"
	"strconv"
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
	groups          map[string]struct{}

	// An activation in flight (Options.ActivationDelay): until
	// transitionUntil the user shows transitioningToStatus and refuses
	// updates with 409 E0000112.
	transitionTo    string
	transitionUntil time.Time

	// The search index lags (Options.SearchLag): until changedAt+lag,
	// search sees indexed (nil: a user created since, not yet indexed).
	changedAt time.Time
	indexed   *userView
}

// userView is what the search index holds of a user.
type userView struct {
	status        string
	profile       map[string]any
	lastUpdated   time.Time
	activated     time.Time
	statusChanged time.Time
}

// touch records that u is about to change, for the lagging search index.
// Call with s.mu held, before the change.
func (s *Server) touch(u *user, now time.Time) {
	lag := s.opts.SearchLag
	if lag <= 0 {
		return
	}
	if !u.changedAt.IsZero() && now.Before(u.changedAt.Add(lag)) {
		// The index is already behind; it stays at its older view.
		return
	}
	u.indexed = &userView{status: u.status, profile: u.profile, lastUpdated: u.lastUpdated, activated: u.activated, statusChanged: u.statusChanged}
	u.changedAt = now
}

// searchView returns what search sees of u now, or nil when u is not yet
// indexed. Call with s.mu held.
func (s *Server) searchView(u *user, now time.Time) *user {
	lag := s.opts.SearchLag
	if lag <= 0 || u.changedAt.IsZero() || !now.Before(u.changedAt.Add(lag)) {
		return u
	}
	if u.indexed == nil {
		return nil
	}
	v := *u
	v.status, v.profile, v.lastUpdated = u.indexed.status, u.indexed.profile, u.indexed.lastUpdated
	v.activated, v.statusChanged = u.indexed.activated, u.indexed.statusChanged
	return &v
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
	if u.transitionTo != "" && s.now().Before(u.transitionUntil) {
		j.Transitioning = u.transitionTo
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
}

// removeUser deletes u and its memberships. Call with s.mu held.
func (s *Server) removeUser(u *user, now time.Time) {
	for gid := range u.groups {
		if g := s.groups[gid]; g != nil {
			delete(g.members, u.id)
			g.lastMembershipUpdated = now
		}
	}
	delete(s.users, u.id)
	delete(s.logins, strings.ToLower(u.login()))
	if i, ok := slices.BinarySearch(s.userOrder, u.id); ok {
		s.userOrder = slices.Delete(s.userOrder, i, i+1)
	}
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

func (s *Server) handleListUsers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	filter, search, ok := compileQuery(w, r, userFilterRules, userSearchRules)
	if !ok {
		return
	}
	limit, ok := pageLimit(w, r, 200, s.opts.MaxPageSize)
	if !ok {
		return
	}
	base := baseURL(r)

	if term := q.Get("q"); term != "" && filter == nil && search == nil {
		if !q.Has("limit") {
			limit = min(10, limit)
		}
		term = strings.ToLower(term)
		s.mu.Lock()
		var page []userJSON
		for _, id := range s.userOrder {
			u := s.users[id]
			if u.status == statusDeprovisioned || !userStartsWith(u, term) {
				continue
			}
			page = append(page, s.renderUser(base, u, false))
			if len(page) == limit {
				break
			}
		}
		s.mu.Unlock()
		writeLinks(w, r, "")
		writeJSON(w, http.StatusOK, nonNil(page))
		return
	}

	now := s.now()
	match := func(u *user) bool {
		if filter == nil && search == nil {
			return u.status != statusDeprovisioned
		}
		if filter != nil && !filter.eval(s.userGetter(u), foldLogin) {
			return false
		}
		if search != nil {
			v := s.searchView(u, now)
			return v != nil && search.eval(s.userGetter(v), foldAll)
		}
		return true
	}
	after := q.Get("after")

	s.mu.Lock()
	var (
		page []userJSON
		next string
	)
	if search != nil && (q.Get("sortBy") != "" || q.Get("sortOrder") != "") {
		page, next = s.sortedUserPage(base, q, match, after, limit)
	} else {
		i := sort.SearchStrings(s.userOrder, after)
		if i < len(s.userOrder) && s.userOrder[i] == after {
			i++
		}
		for ; i < len(s.userOrder); i++ {
			u := s.users[s.userOrder[i]]
			if !match(u) {
				continue
			}
			if len(page) == limit {
				next = page[len(page)-1].ID
				break
			}
			page = append(page, s.renderUser(base, u, false))
		}
	}
	s.mu.Unlock()
	writeLinks(w, r, next)
	writeJSON(w, http.StatusOK, nonNil(page))
}

// sortedUserPage pages search results ordered by sortBy (then id). The
// cursor encodes the last sort key. Call with s.mu held.
func (s *Server) sortedUserPage(base string, q map[string][]string, match func(*user) bool, after string, limit int) ([]userJSON, string) {
	sortBy := first(q["sortBy"])
	if sortBy == "" {
		sortBy = "id"
	}
	desc := strings.HasPrefix(strings.ToLower(first(q["sortOrder"])), "desc")
	type keyed struct {
		key string
		u   *user
	}
	var all []keyed
	for _, id := range s.userOrder {
		u := s.users[id]
		if !match(u) {
			continue
		}
		vals, _ := s.userGetter(u)(sortBy)
		k := ""
		if len(vals) > 0 {
			k = strings.ToLower(valueString(vals[0]))
		}
		all = append(all, keyed{key: k + "\x00" + u.id, u: u})
	}
	sort.Slice(all, func(i, j int) bool {
		if desc {
			return all[i].key > all[j].key
		}
		return all[i].key < all[j].key
	})
	start := 0
	if after != "" {
		cur, ok := decodeSortCursor(after)
		if ok {
			start = sort.Search(len(all), func(i int) bool {
				if desc {
					return all[i].key < cur
				}
				return all[i].key > cur
			})
		}
	}
	var page []userJSON
	next := ""
	for i := start; i < len(all); i++ {
		if len(page) == limit {
			next = encodeSortCursor(all[i-1].key)
			break
		}
		page = append(page, s.renderUser(base, all[i].u, false))
	}
	return page, next
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

func valueString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

func userStartsWith(u *user, term string) bool {
	for _, a := range []string{"firstName", "lastName", "email"} {
		if v, ok := u.profile[a].(string); ok && strings.HasPrefix(strings.ToLower(v), term) {
			return true
		}
	}
	return false
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (s *Server) handleGetUser(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("id")
	s.mu.Lock()
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

// userBody is the body of a create, update or replace.
type userBody struct {
	Profile     map[string]any `json:"profile"`
	Credentials *struct {
		Password *struct {
			Value *string `json:"value"`
		} `json:"password"`
	} `json:"credentials"`
	GroupIDs []string `json:"groupIds"`
}

func (b *userBody) password() (string, bool) {
	if b.Credentials == nil || b.Credentials.Password == nil || b.Credentials.Password.Value == nil {
		return "", false
	}
	return *b.Credentials.Password.Value, true
}

// checkProfile validates a profile that is about to be stored and returns
// the errorCauses of what is wrong, with the first failing field.
func checkProfile(p map[string]any) (field string, causes []string) {
	for _, a := range requiredUserAttrs {
		v, ok := p[a].(string)
		if !ok || strings.TrimSpace(v) == "" {
			if field == "" {
				field = a
			}
			causes = append(causes, a+": The field cannot be left blank")
		}
	}
	keys := slices.Sorted(maps.Keys(p))
	for _, k := range keys {
		switch v := p[k].(type) {
		case string, float64, bool:
		case []any:
			for _, e := range v {
				switch e.(type) {
				case string, float64, bool:
				default:
					if field == "" {
						field = k
					}
					causes = append(causes, k+": Property has an invalid array element type")
				}
			}
		default:
			if field == "" {
				field = k
			}
			causes = append(causes, k+": Property has an invalid type")
		}
	}
	return field, causes
}

// dropNulls returns p without its null attributes.
func dropNulls(p map[string]any) map[string]any {
	out := make(map[string]any, len(p))
	for k, v := range p {
		if v != nil {
			out[k] = v
		}
	}
	return out
}

func parseBoolParam(w http.ResponseWriter, r *http.Request, name string, def bool) (bool, bool) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, true
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		validationFailed(w, r, name, name+": must be true or false")
		return false, false
	}
	return b, true
}

const duplicateLoginCause = "login: An object with this field already exists in the current organization"

func (s *Server) handleCreateUser(w http.ResponseWriter, r *http.Request) {
	activate, ok := parseBoolParam(w, r, "activate", true)
	if !ok {
		return
	}
	var body userBody
	if !decodeBody(w, r, &body) {
		return
	}
	if body.Profile == nil {
		validationFailed(w, r, "profile", "profile: The field cannot be left blank")
		return
	}
	profile := dropNulls(body.Profile)
	if field, causes := checkProfile(profile); len(causes) > 0 {
		validationFailed(w, r, field, causes...)
		return
	}
	if len(body.GroupIDs) > maxGroupIDs {
		writeError(w, r, http.StatusBadRequest, "E0000093", "Target count limit exceeded",
			"groupIds: A user may be added to at most "+strconv.Itoa(maxGroupIDs)+" groups on creation")
		return
	}
	_, hasPassword := body.password()
	login := profile["login"].(string)

	now := s.now()
	base := baseURL(r)
	s.mu.Lock()
	if _, dup := s.logins[strings.ToLower(login)]; dup {
		s.mu.Unlock()
		s.stats.add(func(st *Stats) { st.DuplicateCreateAttempts++ })
		validationFailed(w, r, "login", duplicateLoginCause)
		return
	}
	for _, gid := range body.GroupIDs {
		g := s.groups[gid]
		if g == nil || g.typ != groupOkta {
			s.mu.Unlock()
			validationFailed(w, r, "groupIds", "groupIds: "+gid+" is not an OKTA_GROUP in this organization")
			return
		}
	}
	u := &user{
		id:          s.newUserID(),
		status:      statusStaged,
		created:     now,
		lastUpdated: now,
		profile:     profile,
		hasPassword: hasPassword,
		groups:      make(map[string]struct{}),
	}
	if hasPassword {
		u.passwordChanged = now
	}
	if s.opts.SearchLag > 0 {
		u.changedAt = now // not yet indexed
	}
	if activate {
		u.statusChanged = now
		if hasPassword {
			u.status = statusActive
			u.activated = now
		} else {
			u.status = statusProvisioned
		}
	}
	if activate {
		s.startActivation(u, now)
	}
	s.insertUser(u)
	s.emit(r, "user.lifecycle.create", "Create okta user", userTarget(u))
	if activate {
		s.emit(r, "user.lifecycle.activate", "Activate Okta user", userTarget(u))
	}
	s.addMember(r, s.groups[s.everyoneID], u, now)
	for _, gid := range body.GroupIDs {
		s.addMember(r, s.groups[gid], u, now)
	}
	j := s.renderUser(base, u, true)
	s.mu.Unlock()
	s.stats.add(func(st *Stats) { st.UsersCreated++ })
	writeJSON(w, http.StatusOK, j)
}

func (s *Server) handleUpdateUser(w http.ResponseWriter, r *http.Request) { s.updateUser(w, r, false) }

func (s *Server) handleReplaceUser(w http.ResponseWriter, r *http.Request) { s.updateUser(w, r, true) }

// updateUser merges (POST) or replaces (PUT) a user's profile.
func (s *Server) updateUser(w http.ResponseWriter, r *http.Request, replace bool) {
	key := r.PathValue("id")
	var body userBody
	if !decodeBody(w, r, &body) {
		return
	}
	password, setPassword := body.password()
	_ = password // the value is never kept
	if replace && body.Profile == nil {
		validationFailed(w, r, "profile", "profile: The field cannot be left blank")
		return
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.lookupUser(key)
	if u == nil {
		notFound(w, r, "User", key)
		return
	}
	if s.activating(u, now) {
		writeError(w, r, http.StatusConflict, "E0000112", "Unable to update this user at this time, the user is still being activated. Please try again later.")
		return
	}
	var profile map[string]any
	if replace {
		profile = dropNulls(body.Profile)
	} else {
		profile = maps.Clone(u.profile)
		for k, v := range body.Profile {
			if v == nil {
				delete(profile, k)
			} else {
				profile[k] = v
			}
		}
	}
	if field, causes := checkProfile(profile); len(causes) > 0 {
		validationFailed(w, r, field, causes...)
		return
	}
	oldLogin, newLogin := strings.ToLower(u.login()), strings.ToLower(profile["login"].(string))
	if newLogin != oldLogin {
		if _, dup := s.logins[newLogin]; dup {
			validationFailed(w, r, "login", duplicateLoginCause)
			return
		}
	}
	changed := !profilesEqual(u.profile, profile)
	if changed {
		s.touch(u, now)
		delete(s.logins, oldLogin)
		s.logins[newLogin] = u.id
		u.profile = profile
		u.lastUpdated = now
		s.emit(r, "user.account.update_profile", "Update user profile for Okta", userTarget(u))
	}
	if setPassword {
		u.hasPassword = true
		u.passwordChanged = now
		u.lastUpdated = now
	}
	writeJSON(w, http.StatusOK, s.renderUser(baseURL(r), u, true))
}

// profilesEqual compares two profiles as JSON values.
func profilesEqual(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, av := range a {
		bv, ok := b[k]
		if !ok || !valuesEqual(av, bv) {
			return false
		}
	}
	return true
}

func valuesEqual(a, b any) bool {
	switch x := a.(type) {
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !valuesEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case []string:
		y, ok := b.([]string)
		return ok && slices.Equal(x, y)
	}
	switch b.(type) {
	case []any, []string:
		return false
	}
	return a == b
}

func (s *Server) handleDeleteUser(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("id")
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.lookupUser(key)
	if u == nil {
		notFound(w, r, "User", key)
		return
	}
	if u.status != statusDeprovisioned {
		s.setStatus(u, statusDeprovisioned, now)
		s.emit(r, "user.lifecycle.deactivate", "Deactivate Okta user", userTarget(u))
	} else {
		s.emit(r, "user.lifecycle.delete.initiated", "Delete Okta user", userTarget(u))
		s.removeUser(u, now)
		s.emit(r, "user.lifecycle.delete.completed", "Delete Okta user completed", userTarget(u))
	}
	w.WriteHeader(http.StatusNoContent)
}

// startActivation marks u as being activated, when activations take time.
// Call with s.mu held.
func (s *Server) startActivation(u *user, now time.Time) {
	if d := s.opts.ActivationDelay; d > 0 {
		u.transitionTo = statusActive
		u.transitionUntil = now.Add(d)
	}
}

// activating reports whether u is still being activated. Call with s.mu
// held.
func (s *Server) activating(u *user, now time.Time) bool {
	return u.transitionTo != "" && now.Before(u.transitionUntil)
}

// setStatus moves u to status. Call with s.mu held.
func (s *Server) setStatus(u *user, status string, now time.Time) {
	s.touch(u, now)
	u.status = status
	u.statusChanged = now
	u.lastUpdated = now
	if status == statusActive && u.activated.IsZero() {
		u.activated = now
	}
}

// lifecycleHandler serves POST /api/v1/users/{id}/lifecycle/<op>.
func (s *Server) lifecycleHandler(op string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sendEmailDefault := op == "activate"
		sendEmail, ok := parseBoolParam(w, r, "sendEmail", sendEmailDefault)
		if !ok {
			return
		}
		key := r.PathValue("id")
		now := s.now()
		base := baseURL(r)
		s.mu.Lock()
		defer s.mu.Unlock()
		u := s.lookupUser(key)
		if u == nil {
			notFound(w, r, "User", key)
			return
		}
		switch op {
		case "activate":
			if u.status != statusStaged && u.status != statusDeprovisioned {
				writeError(w, r, http.StatusForbidden, "E0000016", "Activation failed because the user is already active")
				return
			}
			if u.hasPassword {
				s.setStatus(u, statusActive, now)
				u.activated = now
			} else {
				s.setStatus(u, statusProvisioned, now)
			}
			s.startActivation(u, now)
			s.emit(r, "user.lifecycle.activate", "Activate Okta user", userTarget(u))
			writeActivation(w, base, sendEmail)
		case "reactivate":
			if u.status != statusProvisioned && u.status != statusRecovery {
				notAllowedInStatus(w, r)
				return
			}
			s.setStatus(u, statusProvisioned, now)
			s.emit(r, "user.lifecycle.reactivate", "Reactivate Okta user", userTarget(u))
			writeActivation(w, base, sendEmail)
		case "deactivate":
			if u.status == statusDeprovisioned {
				notAllowedInStatus(w, r)
				return
			}
			s.setStatus(u, statusDeprovisioned, now)
			s.emit(r, "user.lifecycle.deactivate", "Deactivate Okta user", userTarget(u))
			w.WriteHeader(http.StatusOK)
		case "suspend":
			if u.status != statusActive {
				validationFailed(w, r, "status", "status: Cannot suspend a user that is not active")
				return
			}
			s.setStatus(u, statusSuspended, now)
			s.emit(r, "user.lifecycle.suspend", "Suspend Okta user", userTarget(u))
			w.WriteHeader(http.StatusOK)
		case "unsuspend":
			if u.status != statusSuspended {
				validationFailed(w, r, "status", "status: Cannot unsuspend a user that is not suspended")
				return
			}
			s.setStatus(u, statusActive, now)
			s.emit(r, "user.lifecycle.unsuspend", "Unsuspend Okta user", userTarget(u))
			w.WriteHeader(http.StatusOK)
		case "unlock":
			if u.status != statusLockedOut {
				notAllowedInStatus(w, r)
				return
			}
			s.setStatus(u, statusActive, now)
			s.emit(r, "user.account.unlock", "Unlock user account", userTarget(u))
			w.WriteHeader(http.StatusOK)
		}
	}
}

// writeActivation answers an activation: with sendEmail an empty object,
// otherwise an activation token and URL.
func writeActivation(w http.ResponseWriter, base string, sendEmail bool) {
	if sendEmail {
		writeJSON(w, http.StatusOK, struct{}{})
		return
	}
	tok := randomID(20)
	writeJSON(w, http.StatusOK, map[string]string{
		"activationToken": tok,
		"activationUrl":   base + "/welcome/" + tok,
	})
}

func (s *Server) handleUserGroups(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("id")
	base := baseURL(r)
	s.mu.Lock()
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
