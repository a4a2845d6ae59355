package okta

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/oktasync/oktasync/internal/oktasim"
)

// seedSearchable seeds in users whose lastName is "In" (every tenth
// DEPROVISIONED) and out users whose lastName is "Out"; it returns the ids
// of the in users.
func seedSearchable(t *testing.T, sim *oktasim.Server, in, out int) map[string]bool {
	t.Helper()
	var seed oktasim.Seed
	for i := range in + out {
		login := fmt.Sprintf("search%05d@example.com", i)
		last, status := "In", "ACTIVE"
		if i >= in {
			last = "Out"
		} else if i%10 == 0 {
			status = "DEPROVISIONED"
		}
		seed.Users = append(seed.Users, oktasim.SeedUser{Status: status, Profile: map[string]any{
			"login": login, "email": login, "firstName": "S", "lastName": last}})
	}
	if err := sim.Seed(seed); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, u := range sim.Snapshot().Users {
		if u.Profile["lastName"] == "In" {
			want[u.ID] = true
		}
	}
	if len(want) != in {
		t.Fatalf("seeded %d in users, found %d", in, len(want))
	}
	return want
}

// TestUsersSearchPastTheCap reads a search of more users than the org
// serves from one search listing: every user comes once, no page is read
// twice, and a cap lower than expected costs one refused call.
func TestUsersSearchPastTheCap(t *testing.T) {
	t.Parallel()
	const in, out, orgCap = 1050, 130, 400
	tests := []struct {
		name string
		opts *UserSearchOptions
		// pages and refused are the calls answered 200 and 400.
		pages, refused int
	}{
		// 1050 users: ceil(1050/200) = 6 pages. The first listing learns
		// the cap from its refused third page; the next ones stop
		// before it.
		{"cap learned", &UserSearchOptions{Limit: 200}, 6, 1},
		{"cap known", &UserSearchOptions{Limit: 200, Cap: orgCap}, 6, 0},
		// 150 a page: 400 is not a whole number of pages, so the first
		// listing ends on a short page (150, 150, 100), and the
		// learned cap then holds two pages a listing: 3+2+2+1 pages.
		{"pages not dividing the cap", &UserSearchOptions{Limit: 150}, 8, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sim, c := simOrg(t, oktasim.Options{SearchCap: orgCap, RateLimit: oktasim.RateLimitOptions{Disabled: true}}, nil)
			want := seedSearchable(t, sim, in, out)
			sim.ResetStats()
			got := map[string]bool{}
			var order []string
			for u, err := range c.Users.SearchBasic(context.Background(), `profile.lastName eq "In"`, tt.opts) {
				if err != nil {
					t.Fatal(err)
				}
				if got[u.ID] {
					t.Fatalf("user %s read twice", u.ID)
				}
				got[u.ID] = true
				order = append(order, strings.ToLower(u.ID))
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("users read (-want +got):\n%s", diff)
			}
			if !slices.IsSorted(order) {
				t.Error("users not in ascending order of id")
			}
			byStatus := sim.Stats().ByRoute["GET /api/v1/users"]
			if byStatus[200] != tt.pages || byStatus[400] != tt.refused {
				t.Errorf("calls: %d pages and %d refused, want %d and %d", byStatus[200], byStatus[400], tt.pages, tt.refused)
			}
		})
	}
}

// TestUsersSearchUnderTheCap checks that a search that fits one listing
// costs its pages and nothing more, and that breaking out of the loop stops
// fetching.
func TestUsersSearchUnderTheCap(t *testing.T) {
	t.Parallel()
	sim, c := simOrg(t, oktasim.Options{SearchCap: oktasim.SearchCapOkta, RateLimit: oktasim.RateLimitOptions{Disabled: true}}, nil)
	want := seedSearchable(t, sim, 400, 50)
	sim.ResetStats()
	n := 0
	for _, err := range c.Users.Search(context.Background(), `profile.lastName eq "In"`, nil) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != len(want) {
		t.Errorf("read %d users, want %d", n, len(want))
	}
	if got := sim.Stats().ByRoute["GET /api/v1/users"][200]; got != 2 {
		t.Errorf("%d pages for 400 users, want 2", got)
	}
	sim.ResetStats()
	for _, err := range c.Users.Search(context.Background(), `profile.lastName eq "In"`, nil) {
		if err != nil {
			t.Fatal(err)
		}
		break
	}
	if got := sim.Stats().Requests; got != 1 {
		t.Errorf("breaking after the first user: %d requests, want 1", got)
	}
}

// TestUsersSearchWireForm checks what Search asks Okta for: the search
// sorted by id, then, after a page refused past the cap, the search
// ANDed with the ids after the last one read; and that a search Okta
// refuses on its first page is an error, not a cap.
func TestUsersSearchWireForm(t *testing.T) {
	t.Parallel()
	o := setup(t)
	var (
		mu   sync.Mutex
		seen []string
	)
	o.mux.HandleFunc("GET /api/v1/users", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		mu.Lock()
		seen = append(seen, fmt.Sprintf("search=%s sortBy=%s sortOrder=%s limit=%s after=%s",
			q.Get("search"), q.Get("sortBy"), q.Get("sortOrder"), q.Get("limit"), q.Get("after")))
		mu.Unlock()
		switch {
		case q.Get("search") == `bad eq "x"`:
			writeError(w, http.StatusBadRequest, "E0000031", "Invalid search criteria.")
		case q.Get("after") == "c1":
			writeError(w, http.StatusBadRequest, "E0000031", "Invalid search criteria.")
		case strings.Contains(q.Get("search"), "id gt"):
			writeJSON(w, http.StatusOK, []any{testUser("00u3", "c@example.com")})
		default:
			w.Header().Add("Link", fmt.Sprintf("<%s>; rel=\"next\"", o.url("/api/v1/users?after=c1&limit=2&search=x")))
			writeJSON(w, http.StatusOK, []any{testUser("00u1", "a@example.com"), testUser("00u2", "b@example.com")})
		}
	})
	got := ids(t, o.client.Users.Search(context.Background(), `profile.userType eq "Employee"`, &UserSearchOptions{Limit: 2}),
		func(u *User) string { return u.ID })
	if diff := cmp.Diff([]string{"00u1", "00u2", "00u3"}, got); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
	wantSeen := []string{
		`search=profile.userType eq "Employee" sortBy=id sortOrder=asc limit=2 after=`,
		`search=x sortBy= sortOrder= limit=2 after=c1`,
		`search=(profile.userType eq "Employee") and id gt "00u2" sortBy=id sortOrder=asc limit=2 after=`,
	}
	if diff := cmp.Diff(wantSeen, seen); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	var errs []error
	for _, err := range o.client.Users.Search(context.Background(), `bad eq "x"`, nil) {
		errs = append(errs, err)
	}
	if len(errs) != 1 || !isSearchCapError(errs[0]) {
		t.Errorf("invalid search: %v, want one error, the 400 E0000031", errs)
	}
}
