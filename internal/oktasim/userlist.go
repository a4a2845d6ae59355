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
