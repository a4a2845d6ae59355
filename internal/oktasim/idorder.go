package oktasim

import (
	"cmp"
	"slices"
	"sort"
	"strings"
)

// A search sorted by id (sortBy=id) orders users by their sort key as
// sortedUserPage builds it: the lower-cased id, then the id. Server.idOrder
// keeps every user id in that order, so that such a search is paged by
// walking it from the cursor, as userPage walks userOrder, instead of
// sorting every match for every page: a client that reads a large scope
// sorted by id would otherwise spend the simulator's CPU, not its rate
// limits.

// idSortKey is a user's sort key for sortBy=id.
func idSortKey(id string) string { return strings.ToLower(id) + "\x00" + id }

// compareIDOrder compares two ids in idOrder's order.
func compareIDOrder(a, b string) int {
	return cmp.Or(strings.Compare(strings.ToLower(a), strings.ToLower(b)), strings.Compare(a, b))
}

// indexIDOrder adds id to s.idOrder. Call with s.mu held.
func (s *Server) indexIDOrder(id string) {
	i, _ := slices.BinarySearchFunc(s.idOrder, id, compareIDOrder)
	s.idOrder = slices.Insert(s.idOrder, i, id)
}

// unindexIDOrder removes id from s.idOrder. Call with s.mu held.
func (s *Server) unindexIDOrder(id string) {
	if i, ok := slices.BinarySearchFunc(s.idOrder, id, compareIDOrder); ok {
		s.idOrder = slices.Delete(s.idOrder, i, i+1)
	}
}

// idSortedUserPage is sortedUserPage for sortBy=id: the page of matching
// users after the cursor lp.after (a sort cursor; anything else starts at
// the beginning), walking s.idOrder up or, when desc, down. Call with s.mu
// held.
func (s *Server) idSortedUserPage(lp listPage, desc bool) ([]userJSON, string, bool) {
	n := len(s.idOrder)
	at := func(i int) *user { // the i-th user in the walk's order
		if desc {
			i = n - 1 - i
		}
		return s.users[s.idOrder[i]]
	}
	// start is the walk position of the first user past the cursor: the
	// first key above it going up, below it going down.
	start := 0
	if cur, ok := decodeSortCursor(lp.after); ok {
		if desc {
			start = n - sort.Search(n, func(i int) bool { return idSortKey(s.idOrder[i]) >= cur })
		} else {
			start = sort.Search(n, func(i int) bool { return idSortKey(s.idOrder[i]) > cur })
		}
	}
	off := s.offset(lp, start, at)
	size, ok := s.capped(lp, off)
	if !ok {
		return nil, "", false
	}
	var (
		page []userJSON
		next string
		last string
	)
	for i := start; i < n; i++ {
		u := at(i)
		if !lp.match(u) {
			continue
		}
		if len(page) == size {
			next = encodeSortCursor(idSortKey(last))
			break
		}
		page = append(page, s.renderUser(lp.base, u, false))
		last = u.id
	}
	s.rememberOffset(lp, next, off+len(page))
	return page, next, true
}
