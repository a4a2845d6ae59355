package oktasim

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

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
	if term := q.Get("q"); term != "" && filter == nil && search == nil {
		if !q.Has("limit") {
			limit = min(10, limit)
		}
		s.listUsersStartingWith(w, r, strings.ToLower(term), limit)
		return
	}

	now := s.now()
	filterFold := foldLogin
	if s.opts.CaseSensitiveFilter {
		filterFold = foldNone
	}
	match := func(u *user) bool {
		if filter == nil && search == nil {
			return u.status != statusDeprovisioned
		}
		if filter != nil && !filter.eval(s.userGetter(u), filterFold) {
			return false
		}
		if search != nil {
			v := s.searchView(u, now)
			return v != nil && search.eval(s.userGetter(v), foldAll)
		}
		return true
	}
	lp := listPage{base: baseURL(r), after: q.Get("after"), limit: limit, match: match}
	if search != nil && s.opts.SearchCap > 0 {
		lp.capKey = q.Get("search") + "\x00" + q.Get("filter") + "\x00" + q.Get("sortBy") + "\x00" + q.Get("sortOrder")
	}

	s.lock()
	var (
		page []userJSON
		next string
	)
	if search != nil && (q.Get("sortBy") != "" || q.Get("sortOrder") != "") {
		page, next, ok = s.sortedUserPage(q, lp)
	} else {
		page, next, ok = s.userPage(lp)
	}
	s.mu.Unlock()
	if !ok {
		s.stats.add(func(st *Stats) { st.SearchCapRefusals++ })
		invalidSearch(w, r, "search: a search listing stops at "+strconv.Itoa(s.opts.SearchCap)+
			" results; narrow the search, or list with filter")
		return
	}
	writeLinks(w, r, next)
	writeJSON(w, http.StatusOK, nonNil(page))
}

// listUsersStartingWith answers a `q` look-up: one unpaged page of users
// whose first name, last name or email starts with term.
func (s *Server) listUsersStartingWith(w http.ResponseWriter, r *http.Request, term string, limit int) {
	base := baseURL(r)
	s.lock()
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
}

// listPage is one page request of the users list.
type listPage struct {
	base  string
	after string
	limit int
	match func(*user) bool
	// capKey identifies a search listing subject to Options.SearchCap; ""
	// means no cap.
	capKey string
}

// maxSearchOffsets bounds Server.searchOffsets; past it the memory is
// dropped and offsets are counted again.
const maxSearchOffsets = 10000

// capped applies Options.SearchCap to a page whose first result is the
// off-th of its listing: it returns the most results the page may hold,
// and false when the page starts at or past the cap. Call with s.mu held.
func (s *Server) capped(lp listPage, off int) (int, bool) {
	if lp.capKey == "" {
		return lp.limit, true
	}
	if off >= s.opts.SearchCap {
		return 0, false
	}
	return min(lp.limit, s.opts.SearchCap-off), true
}

// rememberOffset records that the listing lp.capKey has off results
// before cursor next. Call with s.mu held.
func (s *Server) rememberOffset(lp listPage, next string, off int) {
	if lp.capKey == "" || next == "" {
		return
	}
	if len(s.searchOffsets) >= maxSearchOffsets {
		clear(s.searchOffsets)
	}
	s.searchOffsets[lp.capKey+"\x00"+next] = off
}

// userPage pages users in id order, after the cursor lp.after (the last
// id of the previous page). Call with s.mu held.
func (s *Server) userPage(lp listPage) ([]userJSON, string, bool) {
	i := sort.SearchStrings(s.userOrder, lp.after)
	if i < len(s.userOrder) && s.userOrder[i] == lp.after {
		i++
	}
	off := 0
	if lp.capKey != "" && lp.after != "" {
		var known bool
		if off, known = s.searchOffsets[lp.capKey+"\x00"+lp.after]; !known {
			for _, id := range s.userOrder[:i] {
				if lp.match(s.users[id]) {
					off++
				}
			}
		}
	}
	size, ok := s.capped(lp, off)
	if !ok {
		return nil, "", false
	}
	var (
		page []userJSON
		next string
	)
	for ; i < len(s.userOrder); i++ {
		u := s.users[s.userOrder[i]]
		if !lp.match(u) {
			continue
		}
		if len(page) == size {
			next = page[len(page)-1].ID
			break
		}
		page = append(page, s.renderUser(lp.base, u, false))
	}
	s.rememberOffset(lp, next, off+len(page))
	return page, next, true
}

// sortedUserPage pages search results ordered by sortBy (then id). The
// cursor encodes the last sort key. Call with s.mu held.
func (s *Server) sortedUserPage(q map[string][]string, lp listPage) ([]userJSON, string, bool) {
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
		if !lp.match(u) {
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
	if lp.after != "" {
		cur, ok := decodeSortCursor(lp.after)
		if ok {
			start = sort.Search(len(all), func(i int) bool {
				if desc {
					return all[i].key < cur
				}
				return all[i].key > cur
			})
		}
	}
	size, ok := s.capped(lp, start)
	if !ok {
		return nil, "", false
	}
	var page []userJSON
	next := ""
	for i := start; i < len(all); i++ {
		if len(page) == size {
			next = encodeSortCursor(all[i-1].key)
			break
		}
		page = append(page, s.renderUser(lp.base, all[i].u, false))
	}
	return page, next, true
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
