package oktasim

import (
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// userBody is the body of a create, update or replace.
type userBody struct {
	Profile     map[string]any `json:"profile"`
	Credentials *struct {
		Password *struct {
			Value *string   `json:"value"`
			Hash  *hashBody `json:"hash"`
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

// hash returns the body's imported password hash, or nil.
func (b *userBody) hash() *hashBody {
	if b.Credentials == nil || b.Credentials.Password == nil {
		return nil
	}
	return b.Credentials.Password.Hash
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
	if !checkCredentials(w, r, &body, true, "") {
		return
	}
	_, hasPassword := body.password()
	imported := body.hash() != nil
	j, ok := s.createChecked(w, r, profile, hasPassword || imported, activate, body.GroupIDs)
	if !ok {
		return
	}
	if imported {
		s.lock()
		if u := s.users[j.ID]; u != nil {
			u.importedHash = true
		}
		s.mu.Unlock()
	}
	s.stats.add(func(st *Stats) { st.UsersCreated++ })
	writeJSON(w, http.StatusOK, j)
}

// createChecked checks what a create needs of the org (schema, a free
// login, OKTA_GROUPs) and creates the user, or answers and returns false.
func (s *Server) createChecked(w http.ResponseWriter, r *http.Request, profile map[string]any, hasPassword, activate bool, groupIDs []string) (userJSON, bool) {
	now := s.now()
	s.lock()
	defer s.mu.Unlock()
	if field, causes := s.checkSchema(profile); len(causes) > 0 {
		validationFailed(w, r, field, causes...)
		return userJSON{}, false
	}
	if _, dup := s.logins[strings.ToLower(profile["login"].(string))]; dup {
		s.stats.add(func(st *Stats) { st.DuplicateCreateAttempts++ })
		validationFailed(w, r, "login", duplicateLoginCause)
		return userJSON{}, false
	}
	for _, gid := range groupIDs {
		g := s.groups[gid]
		if g == nil || g.typ != groupOkta {
			validationFailed(w, r, "groupIds", "groupIds: "+gid+" is not an OKTA_GROUP in this organization")
			return userJSON{}, false
		}
	}
	u := s.createUser(r, profile, hasPassword, activate, groupIDs, now)
	return s.renderUser(baseURL(r), u, true), true
}

// createUser adds a user created through the API, activating it when asked:
// without a password that makes it PROVISIONED and sends it an activation
// email. Call with s.mu held.
func (s *Server) createUser(r *http.Request, profile map[string]any, hasPassword, activate bool, groupIDs []string, now time.Time) *user {
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
	s.insertUser(u)
	s.emit(r, "user.lifecycle.create", "Create okta user", userTarget(u))
	if activate {
		to := statusProvisioned
		if hasPassword {
			to = statusActive
		}
		s.moveTo(u, to, statusActive, now)
		s.emit(r, "user.lifecycle.activate", "Activate Okta user", userTarget(u))
		if !hasPassword {
			// Create has no sendEmail: Okta emails the activation link.
			s.sendEmail(u)
		}
	}
	s.addMember(r, s.groups[s.everyoneID], u, now)
	for _, gid := range groupIDs {
		s.addMember(r, s.groups[gid], u, now)
	}
	return u
}

func (s *Server) handleUpdateUser(w http.ResponseWriter, r *http.Request) { s.updateUser(w, r, false) }

func (s *Server) handleReplaceUser(w http.ResponseWriter, r *http.Request) { s.updateUser(w, r, true) }

// updateUser merges (POST) or replaces (PUT) a user's profile.
func (s *Server) updateUser(w http.ResponseWriter, r *http.Request, replace bool) {
	var body userBody
	if !decodeBody(w, r, &body) {
		return
	}
	_, setPassword := body.password() // the value is never kept
	if replace && body.Profile == nil {
		validationFailed(w, r, "profile", "profile: The field cannot be left blank")
		return
	}
	now := s.now()
	s.lock()
	defer s.mu.Unlock()
	u := s.changeableUser(w, r)
	if u == nil || !s.mayUpdate(w, r, u, replace || len(body.Profile) > 0) {
		return
	}
	if !checkCredentials(w, r, &body, false, u.status) {
		return
	}
	importHash := body.hash() != nil
	setPassword = setPassword || importHash
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
	field, causes := checkProfile(profile)
	if len(causes) == 0 {
		field, causes = s.checkSchema(profile)
	}
	if len(causes) > 0 {
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
	if !profilesEqual(u.profile, profile) {
		s.touch(u, now)
		delete(s.logins, oldLogin)
		s.logins[newLogin] = u.id
		u.profile = profile
		u.lastUpdated = now
		s.emit(r, "user.account.update_profile", "Update user profile for Okta", userTarget(u))
	}
	if importHash {
		u.importedHash = true
	}
	if setPassword {
		u.hasPassword = true
		u.passwordChanged = now
		u.lastUpdated = now
	}
	writeJSON(w, http.StatusOK, s.renderUser(baseURL(r), u, true))
}

// mayUpdate answers, and returns false, when u may not be updated: a
// DEPROVISIONED user in an org that refuses their updates (404 E0000007),
// or, for a profile change, a profile mastered by another system (403
// E0000023). Call with s.mu held.
func (s *Server) mayUpdate(w http.ResponseWriter, r *http.Request, u *user, profileChange bool) bool {
	switch {
	case u.status == statusDeprovisioned && s.opts.RefuseDeprovisionedUpdates:
		notFound(w, r, "User", u.id)
	case profileChange && u.master != "":
		writeError(w, r, http.StatusForbidden, "E0000023", "Operation failed because user profile is mastered under another system")
	default:
		return true
	}
	return false
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
