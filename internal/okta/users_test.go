package okta

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// pagedUsers serves n users (ids u001…) paged by limit and after, with Link
// headers as Okta writes them. combined puts both links on one header line.
func pagedUsers(o *testOrg, path string, n int, combined bool) {
	o.mux.HandleFunc("GET "+path, func(w http.ResponseWriter, r *http.Request) {
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		if limit <= 0 {
			limit = 200
		}
		start := 0
		if a := r.URL.Query().Get("after"); a != "" {
			start, _ = strconv.Atoi(strings.TrimPrefix(a, "u"))
		}
		var page []any
		for i := start + 1; i <= n && len(page) < limit; i++ {
			page = append(page, testUser(fmt.Sprintf("u%03d", i), fmt.Sprintf("user%d@example.com", i)))
		}
		self := fmt.Sprintf("<%s?limit=%d>; rel=\"self\"", o.url(path), limit)
		var links []string
		links = append(links, self)
		if start+len(page) < n {
			links = append(links, fmt.Sprintf("<%s?after=u%03d&limit=%d>; rel=\"next\"", o.url(path), start+len(page), limit))
		}
		if combined {
			w.Header().Set("Link", strings.Join(links, ", "))
		} else {
			for _, l := range links {
				w.Header().Add("Link", l)
			}
		}
		writeJSON(w, http.StatusOK, page)
	})
}

func TestUsersListFollowsLinks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		n, limit int
		combined bool
	}{
		{"empty", 0, 2, false},
		{"one page", 2, 5, false},
		{"exact pages", 6, 2, false},
		{"partial last page", 7, 3, false},
		{"links on one line", 7, 3, true},
		{"default limit", 450, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := setup(t)
			pagedUsers(o, "/api/v1/users", tt.n, tt.combined)
			got := ids(t, o.client.Users.List(context.Background(), &UserListOptions{Limit: tt.limit}), func(u *User) string { return u.ID })
			var want []string
			for i := 1; i <= tt.n; i++ {
				want = append(want, fmt.Sprintf("u%03d", i))
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
			basic := ids(t, o.client.Users.ListBasic(context.Background(), &UserListOptions{Limit: tt.limit}), func(u *BasicUser) string {
				return u.ID + " " + u.Status + " " + fmt.Sprint(u.Profile["login"])
			})
			var wantBasic []string
			for i := 1; i <= tt.n; i++ {
				wantBasic = append(wantBasic, fmt.Sprintf("u%03d ACTIVE user%d@example.com", i, i))
			}
			if diff := cmp.Diff(wantBasic, basic); diff != "" {
				t.Errorf("ListBasic (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUsersListStopsEarly(t *testing.T) {
	t.Parallel()
	o := setup(t)
	pagedUsers(o, "/api/v1/users", 10, false)
	n := 0
	for _, err := range o.client.Users.List(context.Background(), &UserListOptions{Limit: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n == 3 {
			break
		}
	}
	if got := o.client.Stats().Requests; got != 2 {
		t.Errorf("requests = %d, want 2 (pages are fetched only as the loop asks)", got)
	}
}

func TestUsersListPagingLoop(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		next func(o *testOrg, r *http.Request) string
	}{
		{"same next link", func(o *testOrg, r *http.Request) string { return o.url("/api/v1/users?after=u001&limit=1") }},
		{"cursor repeats with other params", func(o *testOrg, r *http.Request) string {
			if r.URL.Query().Get("after") == "" {
				return o.url("/api/v1/users?after=u001&limit=1")
			}
			return o.url("/api/v1/users?limit=1&after=u001&x=" + r.URL.Query().Get("after"))
		}},
		{"next is self", func(o *testOrg, r *http.Request) string { return o.url("/api/v1/users?limit=1") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := setup(t)
			o.mux.HandleFunc("GET /api/v1/users", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Add("Link", "<"+tt.next(o, r)+`>; rel="next"`)
				writeJSON(w, 200, []any{testUser("u001", "a@example.com")})
			})
			var err error
			n := 0
			for _, e := range o.client.Users.List(context.Background(), &UserListOptions{Limit: 1}) {
				if e != nil {
					err = e
					break
				}
				n++
				if n > 10 {
					t.Fatal("iterator did not stop")
				}
			}
			if !errors.Is(err, ErrPagingLoop) {
				t.Errorf("err = %v, want ErrPagingLoop", err)
			}
		})
	}
}

func TestUsersListRefusesForeignNextLink(t *testing.T) {
	t.Parallel()
	o := setup(t)
	var foreign atomic.Int32
	other := setup(t)
	other.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		foreign.Add(1)
		writeJSON(w, 200, []any{})
	})
	o.mux.HandleFunc("GET /api/v1/users", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Link", "<"+other.url("/api/v1/users?after=x")+`>; rel="next"`)
		writeJSON(w, 200, []any{testUser("u001", "a@example.com")})
	})
	var err error
	for _, e := range o.client.Users.List(context.Background(), nil) {
		if e != nil {
			err = e
		}
	}
	if err == nil || !strings.Contains(err.Error(), "not on the org") {
		t.Errorf("err = %v, want a refusal of the foreign link", err)
	}
	if foreign.Load() != 0 {
		t.Errorf("the foreign server got %d requests", foreign.Load())
	}
}

func TestUsersListQuery(t *testing.T) {
	t.Parallel()
	o := setup(t)
	var got string
	o.mux.HandleFunc("GET /api/v1/users", func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.RawQuery
		writeJSON(w, 200, []any{})
	})
	_, resp, err := o.client.Users.ListPage(context.Background(), &UserListOptions{
		Limit: 50, After: "00u1", Filter: `status eq "ACTIVE"`, Search: `profile.department eq "x"`, SortBy: "id", SortOrder: "asc",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "after=00u1&filter=status+eq+%22ACTIVE%22&limit=50&search=profile.department+eq+%22x%22&sortBy=id&sortOrder=asc"
	if got != want {
		t.Errorf("query = %s, want %s", got, want)
	}
	if resp.NextURL != "" || resp.NextCursor() != "" {
		t.Errorf("next = %q, want none", resp.NextURL)
	}
}

func TestUsersGetDecodesAndEscapes(t *testing.T) {
	t.Parallel()
	o := setup(t)
	var rawPath string
	o.mux.HandleFunc("GET /api/v1/users/{id}", func(w http.ResponseWriter, r *http.Request) {
		rawPath = r.URL.EscapedPath()
		if r.PathValue("id") == "missing@example.com" {
			writeError(w, 404, "E0000007", "Not found: Resource not found: missing@example.com (User)")
			return
		}
		writeJSON(w, 200, testUser("00u1", r.PathValue("id")))
	})
	u, resp, err := o.client.Users.Get(context.Background(), "a/b+c@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if rawPath != "/api/v1/users/a%2Fb+c@example.com" {
		t.Errorf("path = %s", rawPath)
	}
	if u.ID != "00u1" || u.Login() != "a/b+c@example.com" || u.Created == nil || u.Created.Year() != 2024 || u.LastLogin != nil {
		t.Errorf("user = %+v", u)
	}
	if u.Credentials == nil || u.Credentials.Provider == nil || u.Credentials.Provider.Type != "OKTA" {
		t.Errorf("credentials = %+v", u.Credentials)
	}
	if resp.RequestID == "" {
		t.Error("no request id")
	}
	_, _, err = o.client.Users.Get(context.Background(), "missing@example.com")
	if !IsNotFound(err) {
		t.Errorf("err = %v, want not found", err)
	}
}

func TestUsersCreate(t *testing.T) {
	t.Parallel()
	o := setup(t)
	var body map[string]any
	var activate string
	o.mux.HandleFunc("POST /api/v1/users", func(w http.ResponseWriter, r *http.Request) {
		activate = r.URL.Query().Get("activate")
		mustDecode(t, r, &body)
		writeJSON(w, 200, testUser("00unew", "new@example.com"))
	})
	u, _, err := o.client.Users.Create(context.Background(), CreateUserRequest{
		Profile:  map[string]any{"login": "new@example.com", "email": "new@example.com", "firstName": "N", "lastName": "E"},
		Password: "Secr3t-Passw0rd!",
		GroupIDs: []string{"00g1"},
	}, true)
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != "00unew" || activate != "true" {
		t.Errorf("id %s activate %s", u.ID, activate)
	}
	want := map[string]any{
		"profile":     map[string]any{"login": "new@example.com", "email": "new@example.com", "firstName": "N", "lastName": "E"},
		"credentials": map[string]any{"password": map[string]any{"value": "Secr3t-Passw0rd!"}},
		"groupIds":    []any{"00g1"},
	}
	if diff := cmp.Diff(want, body); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
}

// TestUsersCreateUnknownOutcome checks that a create whose answer is lost is
// resolved by looking the login up and is never sent twice when the user
// exists.
func TestUsersCreateUnknownOutcome(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// answers are the create answers in order: "drop", "500", "exists", "ok".
		answers []string
		// existsAfter is the create attempt after which a lookup finds the user.
		existsAfter int
		wantErr     bool
		wantCreates int
		wantLookups int
	}{
		{"dropped, user exists", []string{"drop"}, 1, false, 1, 1},
		{"500, user exists", []string{"500"}, 1, false, 1, 1},
		{"500, absent, retried", []string{"500", "ok"}, 99, false, 2, 1},
		{"dropped, absent, retry says exists", []string{"drop", "exists"}, 2, false, 2, 2},
		{"always dropped, never exists", []string{"drop", "drop", "drop", "drop"}, 99, true, 3, 3},
		{"plain duplicate is an error", []string{"exists"}, 0, true, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := setup(t)
			var creates, lookups atomic.Int32
			o.mux.HandleFunc("POST /api/v1/users", func(w http.ResponseWriter, r *http.Request) {
				n := int(creates.Add(1))
				switch tt.answers[n-1] {
				case "drop":
					dropConnection(t, w)
				case "500":
					writeError(w, 500, "E0000009", "Internal Server Error")
				case "exists":
					writeError(w, 400, "E0000001", "Api validation failed: login", "login: An object with this field already exists in the current organization")
				default:
					writeJSON(w, 200, testUser("00unew", "x@example.com"))
				}
			})
			o.mux.HandleFunc("GET /api/v1/users/{login}", func(w http.ResponseWriter, r *http.Request) {
				lookups.Add(1)
				if r.PathValue("login") != "x@example.com" {
					t.Errorf("lookup of %q", r.PathValue("login"))
				}
				if int(creates.Load()) >= tt.existsAfter {
					writeJSON(w, 200, testUser("00uexisting", "x@example.com"))
					return
				}
				writeError(w, 404, "E0000007", "Not found")
			})
			u, _, err := o.client.Users.Create(context.Background(), CreateUserRequest{Profile: map[string]any{"login": "x@example.com"}}, false)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && u == nil {
				t.Fatal("no user")
			}
			if got := int(creates.Load()); got != tt.wantCreates {
				t.Errorf("creates = %d, want %d", got, tt.wantCreates)
			}
			if got := int(lookups.Load()); got != tt.wantLookups {
				t.Errorf("lookups = %d, want %d", got, tt.wantLookups)
			}
		})
	}
}

func TestUsersUpdateAndLifecycle(t *testing.T) {
	t.Parallel()
	o := setup(t)
	var seen []string
	var body map[string]any
	o.mux.HandleFunc("POST /api/v1/users/{id}", func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Method+" "+r.URL.Path)
		mustDecode(t, r, &body)
		writeJSON(w, 200, testUser(r.PathValue("id"), "a@example.com"))
	})
	o.mux.HandleFunc("POST /api/v1/users/{id}/lifecycle/{op}", func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
		writeJSON(w, 200, map[string]any{})
	})
	o.mux.HandleFunc("DELETE /api/v1/users/{id}", func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Method+" "+r.URL.Path)
		okHeaders(w)
		w.WriteHeader(204)
	})
	ctx := context.Background()
	if _, _, err := o.client.Users.Update(ctx, "00u1", map[string]any{"title": "Boss", "nickName": nil}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]any{"profile": map[string]any{"title": "Boss", "nickName": nil}}, body); diff != "" {
		t.Errorf("update body (-want +got):\n%s", diff)
	}
	calls := []func() (*Response, error){
		func() (*Response, error) { return o.client.Users.Activate(ctx, "00u1", false) },
		func() (*Response, error) { return o.client.Users.Deactivate(ctx, "00u1") },
		func() (*Response, error) { return o.client.Users.Reactivate(ctx, "00u1") },
		func() (*Response, error) { return o.client.Users.Suspend(ctx, "00u1") },
		func() (*Response, error) { return o.client.Users.Unsuspend(ctx, "00u1") },
		func() (*Response, error) { return o.client.Users.Unlock(ctx, "00u1") },
		func() (*Response, error) { return o.client.Users.Delete(ctx, "00u1") },
	}
	for _, call := range calls {
		if _, err := call(); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{
		"POST /api/v1/users/00u1",
		"POST /api/v1/users/00u1/lifecycle/activate?sendEmail=false",
		"POST /api/v1/users/00u1/lifecycle/deactivate?",
		"POST /api/v1/users/00u1/lifecycle/reactivate?",
		"POST /api/v1/users/00u1/lifecycle/suspend?",
		"POST /api/v1/users/00u1/lifecycle/unsuspend?",
		"POST /api/v1/users/00u1/lifecycle/unlock?",
		"DELETE /api/v1/users/00u1",
	}
	if diff := cmp.Diff(want, seen); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

// TestUsersLifecycleUnknownOutcome checks that lifecycle calls are resolved
// by reading the user back, never repeated blindly.
func TestUsersLifecycleUnknownOutcome(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		call       func(c *Client) (*Response, error)
		statusNow  string // status the read-back shows
		wantErr    bool
		wantPosts  int
		wantGets   int
		wantDelete int
	}{
		{"deactivate took effect", func(c *Client) (*Response, error) { return c.Users.Deactivate(context.Background(), "00u1") }, "DEPROVISIONED", false, 1, 1, 0},
		{"deactivate did not, retried", func(c *Client) (*Response, error) { return c.Users.Deactivate(context.Background(), "00u1") }, "ACTIVE", true, 3, 3, 0},
		{"suspend took effect", func(c *Client) (*Response, error) { return c.Users.Suspend(context.Background(), "00u1") }, "SUSPENDED", false, 1, 1, 0},
		{"reactivate is never repeated", func(c *Client) (*Response, error) { return c.Users.Reactivate(context.Background(), "00u1") }, "PROVISIONED", true, 1, 0, 0},
		{"delete: user gone", func(c *Client) (*Response, error) { return c.Users.Delete(context.Background(), "00u1") }, "", false, 0, 1, 1},
		{"delete: user still there, not repeated", func(c *Client) (*Response, error) { return c.Users.Delete(context.Background(), "00u1") }, "DEPROVISIONED", true, 0, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := setup(t)
			var posts, gets, deletes atomic.Int32
			o.mux.HandleFunc("POST /api/v1/users/{id}/lifecycle/{op}", func(w http.ResponseWriter, r *http.Request) {
				posts.Add(1)
				writeError(w, 502, "", "")
			})
			o.mux.HandleFunc("DELETE /api/v1/users/{id}", func(w http.ResponseWriter, r *http.Request) {
				deletes.Add(1)
				dropConnection(t, w)
			})
			o.mux.HandleFunc("GET /api/v1/users/{id}", func(w http.ResponseWriter, r *http.Request) {
				gets.Add(1)
				if tt.statusNow == "" {
					writeError(w, 404, "E0000007", "Not found")
					return
				}
				u := testUser("00u1", "a@example.com")
				u["status"] = tt.statusNow
				writeJSON(w, 200, u)
			})
			_, err := tt.call(o.client)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, ErrOutcomeUnknown) {
				t.Errorf("err = %v, want ErrOutcomeUnknown", err)
			}
			if int(posts.Load()) != tt.wantPosts || int(gets.Load()) != tt.wantGets || int(deletes.Load()) != tt.wantDelete {
				t.Errorf("posts %d gets %d deletes %d, want %d %d %d", posts.Load(), gets.Load(), deletes.Load(), tt.wantPosts, tt.wantGets, tt.wantDelete)
			}
		})
	}
}

func TestUsersListGroups(t *testing.T) {
	t.Parallel()
	o := setup(t)
	o.mux.HandleFunc("GET /api/v1/users/{id}/groups", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, []any{testGroup("00g1", "Everyone", "BUILT_IN"), testGroup("00g2", "Eng", "OKTA_GROUP")})
	})
	gs, _, err := o.client.Users.ListGroups(context.Background(), "00u1")
	if err != nil {
		t.Fatal(err)
	}
	if len(gs) != 2 || gs[1].Profile.Name != "Eng" || gs[0].Type != GroupTypeBuiltIn {
		t.Errorf("groups = %+v", gs)
	}
}

func TestUpdateRetriedWhileActivating(t *testing.T) {
	t.Parallel()
	o := setup(t)
	var calls atomic.Int32
	o.mux.HandleFunc("POST /api/v1/users/{id}", func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			writeError(w, 409, "E0000112", "Unable to update the requested user. The user is still being activated.")
			return
		}
		writeJSON(w, 200, testUser("00u1", "a@example.com"))
	})
	if _, _, err := o.client.Users.Update(context.Background(), "00u1", map[string]any{"title": "x"}); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 2 {
		t.Errorf("calls = %d, want 2", calls.Load())
	}
}
