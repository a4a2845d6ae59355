package oktasim

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// TestSearchSortedByID checks the paging of a search sorted by id, which
// walks the id index instead of sorting: the order is the lower-cased id,
// then the id, up or down; `id gt` continues it; the cap still holds; and
// the index follows creates and deletes.
func TestSearchSortedByID(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{SearchCap: 50})
	var seed Seed
	// Mixed-case ids whose lower-cased order differs from their byte
	// order, and ids equal but for case.
	for i := range 90 {
		id := fmt.Sprintf("00u%c%016d", "aBcD"[i%4], i)
		last := "In"
		if i%3 == 0 {
			last = "Out"
		}
		seed.Users = append(seed.Users, SeedUser{ID: id, Profile: profile(fmt.Sprintf("ord%02d@example.com", i), "lastName", last)})
	}
	seed.Users = append(seed.Users,
		SeedUser{ID: "00uCASE0000000000000", Profile: profile("case1@example.com", "lastName", "In")},
		SeedUser{ID: "00ucase0000000000000", Profile: profile("case2@example.com", "lastName", "In")})
	if err := e.sim.Seed(seed); err != nil {
		t.Fatal(err)
	}
	created := e.createUser("created@example.com", "lastName", "In")
	gone := e.createUser("gone@example.com", "lastName", "In")
	for range 2 { // deactivate, then delete
		mustStatus(t, e.do("DELETE", "/api/v1/users/"+gone, nil), 204)
	}

	var want []string
	for _, u := range e.sim.Snapshot().Users {
		if u.Profile["lastName"] == "In" {
			want = append(want, u.ID)
		}
	}
	if !slices.Contains(want, created) || slices.Contains(want, gone) {
		t.Fatalf("created %s or deleted %s user wrongly listed in the snapshot", created, gone)
	}
	slices.SortFunc(want, func(a, b string) int { return strings.Compare(idSortKey(a), idSortKey(b)) })
	if len(want) <= 50 {
		t.Fatalf("%d matching users; the test needs more than the cap", len(want))
	}
	search := url.QueryEscape(`profile.lastName eq "In"`)
	ids := func(path string) ([]string, resp) {
		var out []string
		for path != "" {
			r := e.do("GET", path, nil)
			if r.status != 200 {
				return out, r
			}
			var page []map[string]any
			r.json(t, &page)
			for _, u := range page {
				out = append(out, u["id"].(string))
			}
			path = nextLink(t, r.header)
		}
		return out, resp{status: 200}
	}

	got, r := ids("/api/v1/users?limit=7&sortBy=id&sortOrder=asc&search=" + search)
	if !slices.Equal(got, want[:50]) || r.status != 400 || r.errorCode(t) != "E0000031" {
		t.Errorf("ascending: %v then %d, want %v then 400 E0000031", got, r.status, want[:50])
	}
	desc := slices.Clone(want)
	slices.Reverse(desc)
	got, r = ids("/api/v1/users?limit=7&sortBy=id&sortOrder=desc&search=" + search)
	if !slices.Equal(got, desc[:50]) || r.status != 400 {
		t.Errorf("descending: %v then %d, want %v then 400", got, r.status, desc[:50])
	}
	rest := url.QueryEscape(`(profile.lastName eq "In") and id gt "` + want[49] + `"`)
	got, r = ids("/api/v1/users?limit=7&sortBy=id&sortOrder=asc&search=" + rest)
	if !slices.Equal(got, want[50:]) || r.status != 200 {
		t.Errorf("continued after %s: %v then %d, want %v", want[49], got, r.status, want[50:])
	}
}
