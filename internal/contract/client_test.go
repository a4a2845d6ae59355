package contract

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/oktasync/oktasync/internal/okta"
	"github.com/oktasync/oktasync/internal/oktasim"
)

// scenario drives the client against a fresh simulated org; every exchange
// is validated against the specification as it happens.
type scenario struct {
	name string
	opts oktasim.Options
	seed oktasim.Seed
	run  func(t *testing.T, h *harness)
}

// collect drains an iterator, failing the test on the first error.
func collect[T any](t *testing.T, seq func(func(T, error) bool)) []T {
	t.Helper()
	var out []T
	for v, err := range seq {
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		out = append(out, v)
	}
	return out
}

// apiError returns err as an *okta.APIError, failing the test otherwise.
func apiError(t *testing.T, err error) *okta.APIError {
	t.Helper()
	var ae *okta.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want an *okta.APIError, got %v", err)
	}
	return ae
}

// wantCode fails the test unless err is an API error with status and code.
func wantCode(t *testing.T, err error, status int, code string) {
	t.Helper()
	ae := apiError(t, err)
	if ae.StatusCode != status || ae.ErrorCode != code {
		t.Errorf("want %d %s, got %d %s (%s)", status, code, ae.StatusCode, ae.ErrorCode, ae.ErrorSummary)
	}
}

func scenarios() []scenario {
	ctx := context.Background()
	mixed := oktasim.Seed{Users: append(seedUsers(7, "Sales"),
		seedUser("gone@example.com", "DEPROVISIONED", map[string]any{"department": "Sales"}),
		seedUser("staged@example.com", "STAGED", map[string]any{"department": "Engineering"}),
	)}
	return []scenario{
		{
			name: "users list plain paged",
			seed: mixed,
			run: func(t *testing.T, h *harness) {
				users := collect(t, h.client.Users.List(ctx, &okta.UserListOptions{Limit: 3}))
				if len(users) != 8 {
					t.Errorf("plain list: want 8 users (DEPROVISIONED left out), got %d: %v", len(users), logins(users))
				}
				basic := collect(t, h.client.Users.ListBasic(ctx, &okta.UserListOptions{Limit: 3}))
				if len(basic) != len(users) || basic[0].ID != users[0].ID || basic[0].Status != users[0].Status || basic[0].Profile["login"] != users[0].Login() {
					t.Errorf("basic list: want the same users' ids, statuses and profiles, got %+v", basic)
				}
				ex := h.expectOperations("listUsers")
				if len(ex) < 3 {
					t.Errorf("want at least 3 pages of 3, got %d requests", len(ex))
				}
				page, resp, err := h.client.Users.ListPage(ctx, &okta.UserListOptions{Limit: 2})
				if err != nil {
					t.Fatalf("first page: %v", err)
				}
				next, _, err := h.client.Users.ListPage(ctx, &okta.UserListOptions{Limit: 2, After: resp.NextCursor()})
				if err != nil {
					t.Fatalf("page after %q: %v", resp.NextCursor(), err)
				}
				if len(page) != 2 || len(next) != 2 || page[0].ID == next[0].ID {
					t.Errorf("paging with after: got pages %v and %v", logins(page), logins(next))
				}
				h.expectOperations("listUsers")
			},
		},
		{
			name: "users list filter and search",
			seed: mixed,
			run: func(t *testing.T, h *harness) {
				got := collect(t, h.client.Users.List(ctx, &okta.UserListOptions{Filter: `status eq "DEPROVISIONED"`}))
				if want := []string{"gone@example.com"}; !slices.Equal(logins(got), want) {
					t.Errorf("filter status: want %v, got %v", want, logins(got))
				}
				got = collect(t, h.client.Users.List(ctx, &okta.UserListOptions{Filter: `lastUpdated gt "2000-01-01T00:00:00.000Z" and profile.login eq "user01@example.com"`}))
				if want := []string{"user01@example.com"}; !slices.Equal(logins(got), want) {
					t.Errorf("filter lastUpdated and login: want %v, got %v", want, logins(got))
				}
				got = collect(t, h.client.Users.List(ctx, &okta.UserListOptions{Search: `profile.department eq "Engineering"`, SortBy: "profile.login", SortOrder: "asc"}))
				if want := []string{"staged@example.com"}; !slices.Equal(logins(got), want) {
					t.Errorf("search department: want %v, got %v", want, logins(got))
				}
				got = collect(t, h.client.Users.List(ctx, &okta.UserListOptions{Search: `profile.login sw "user0"`, Limit: 4}))
				if len(got) != 7 {
					t.Errorf("search sw paged: want 7 users, got %v", logins(got))
				}
				h.expectOperations("listUsers")
			},
		},
		{
			name: "users search past the search cap",
			opts: oktasim.Options{SearchCap: 4},
			seed: mixed,
			run: func(t *testing.T, h *harness) {
				// 7 users, 2 a page, 4 a listing: a second listing,
				// continued by id, before the first would cross the
				// cap. (A page refused past the cap, 400 E0000031, is
				// not in the specification's listUsers; the okta
				// package's tests cover it.)
				opts := &okta.UserSearchOptions{Limit: 2, Cap: 4}
				got := collect(t, h.client.Users.Search(ctx, `profile.login sw "user0"`, opts))
				basic := collect(t, h.client.Users.SearchBasic(ctx, `profile.login sw "user0"`, opts))
				if len(got) != 7 || len(basic) != 7 {
					t.Errorf("search: want the 7 users, got %v and %d basic", logins(got), len(basic))
				}
				ex := h.expectOperations("listUsers")
				continued := 0
				for _, e := range ex {
					if strings.Contains(e.query.Get("search"), "id gt") && e.query.Get("sortBy") == "id" {
						continued++
					}
				}
				if len(ex) != 2*4 || continued != 2*2 {
					t.Errorf("want 4 pages a search, 2 of them continued by id; got %d of %d requests", continued, len(ex))
				}
			},
		},
		{
			name: "users get by id and login, not found",
			seed: mixed,
			run: func(t *testing.T, h *harness) {
				byLogin, _, err := h.client.Users.Get(ctx, "user03@example.com")
				if err != nil {
					t.Fatalf("get by login: %v", err)
				}
				byID, _, err := h.client.Users.Get(ctx, byLogin.ID)
				if err != nil {
					t.Fatalf("get by id: %v", err)
				}
				if byID.Login() != "user03@example.com" {
					t.Errorf("get by id: got login %q", byID.Login())
				}
				_, _, err = h.client.Users.Get(ctx, "nobody@example.com")
				wantCode(t, err, 404, "E0000007")
				if !okta.IsNotFound(err) {
					t.Errorf("IsNotFound(%v) = false", err)
				}
				h.expectOperations("getUser")
			},
		},
		{
			name: "users create activate true and false, duplicate",
			seed: oktasim.Seed{Groups: []oktasim.SeedGroup{{Name: "Engineering"}}},
			run: func(t *testing.T, h *harness) {
				eng := collect(t, h.client.Groups.List(ctx, &okta.GroupListOptions{Search: `profile.name eq "Engineering"`}))
				if len(eng) != 1 {
					t.Fatalf("find group Engineering: got %d groups", len(eng))
				}
				for _, tc := range []struct {
					login    string
					password string
					activate bool
					groups   []string
					want     string
				}{
					{"active@example.com", "Correct-Horse-9", true, []string{eng[0].ID}, "ACTIVE"},
					{"provisioned@example.com", "", true, nil, "PROVISIONED"},
					{"staged@example.com", "", false, nil, "STAGED"},
					{"stagedpw@example.com", "Correct-Horse-9", false, nil, "STAGED"},
				} {
					u, _, err := h.client.Users.Create(ctx, okta.CreateUserRequest{
						Profile:  map[string]any{"login": tc.login, "email": tc.login, "firstName": "New", "lastName": "User", "department": "Engineering"},
						Password: tc.password,
						GroupIDs: tc.groups,
					}, tc.activate)
					if err != nil {
						t.Fatalf("create %s: %v", tc.login, err)
					}
					if u.Status != tc.want {
						t.Errorf("create %s activate=%v password=%v: want %s, got %s", tc.login, tc.activate, tc.password != "", tc.want, u.Status)
					}
				}
				_, _, err := h.client.Users.Create(ctx, okta.CreateUserRequest{
					Profile: map[string]any{"login": "ACTIVE@example.com", "email": "a@example.com", "firstName": "Dup", "lastName": "User"},
				}, true)
				wantCode(t, err, 400, "E0000001")
				if !okta.IsAlreadyExists(err) {
					t.Errorf("duplicate login: IsAlreadyExists(%v) = false", err)
				}
				if ae := apiError(t, err); len(ae.ErrorCauses) == 0 {
					t.Errorf("duplicate login: no errorCauses in %+v", ae)
				}
				h.expectOperations("createUser")
			},
		},
		{
			name: "users partial update",
			seed: oktasim.Seed{Users: []oktasim.SeedUser{seedUser("upd@example.com", "", map[string]any{"department": "Sales", "title": "Rep"})}},
			run: func(t *testing.T, h *harness) {
				u, _, err := h.client.Users.Get(ctx, "upd@example.com")
				if err != nil {
					t.Fatalf("get: %v", err)
				}
				got, _, err := h.client.Users.Update(ctx, u.ID, map[string]any{"department": "Marketing", "title": nil})
				if err != nil {
					t.Fatalf("update: %v", err)
				}
				if got.Profile["department"] != "Marketing" || got.Profile["firstName"] != "First" {
					t.Errorf("partial update: got profile %v", got.Profile)
				}
				if v, ok := got.Profile["title"]; ok && v != nil {
					t.Errorf("partial update with null: title still %v", v)
				}
				_, _, err = h.client.Users.Update(ctx, "00unosuchuser0000000", map[string]any{"title": "X"})
				wantCode(t, err, 404, "E0000007")
				h.expectOperations("updateUser")
			},
		},
		{
			name: "users full replace (simulator only)",
			seed: oktasim.Seed{Users: []oktasim.SeedUser{seedUser("put@example.com", "", map[string]any{"title": "Rep", "department": "Sales"})}},
			run: func(t *testing.T, h *harness) {
				// The client never replaces a user (a sync owns only some
				// attributes), but the simulator serves PUT, so its answer
				// is held to the contract too.
				u, _, err := h.client.Users.Get(ctx, "put@example.com")
				if err != nil {
					t.Fatalf("get: %v", err)
				}
				status, _, body := h.raw(http.MethodPut, "/api/v1/users/"+u.ID, map[string]any{
					"profile": map[string]any{"login": "put@example.com", "email": "put@example.com", "firstName": "Put", "lastName": "User"},
				})
				if status != http.StatusOK {
					t.Fatalf("replace: want 200, got %d", status)
				}
				var got struct {
					Profile map[string]any `json:"profile"`
				}
				if err := json.Unmarshal(body, &got); err != nil {
					t.Fatalf("decode replace answer: %v", err)
				}
				if _, ok := got.Profile["title"]; ok {
					t.Errorf("full replace kept title: %v", got.Profile)
				}
				h.expectOperations("getUser", "replaceUser")
			},
		},
		{
			name: "users lifecycle",
			seed: oktasim.Seed{Users: []oktasim.SeedUser{
				seedUser("life@example.com", "STAGED", nil),
				seedUser("prov@example.com", "PROVISIONED", nil),
				seedUser("locked@example.com", "LOCKED_OUT", nil),
			}},
			run: func(t *testing.T, h *harness) {
				id := func(login string) string {
					u, _, err := h.client.Users.Get(ctx, login)
					if err != nil {
						t.Fatalf("get %s: %v", login, err)
					}
					return u.ID
				}
				status := func(uid string) string {
					u, _, err := h.client.Users.Get(ctx, uid)
					if err != nil {
						t.Fatalf("get %s: %v", uid, err)
					}
					return u.Status
				}
				life, prov, locked := id("life@example.com"), id("prov@example.com"), id("locked@example.com")
				steps := []struct {
					name string
					call func() error
					uid  string
					want string
				}{
					{"activate", func() error { _, err := h.client.Users.Activate(ctx, life, false); return err }, life, "PROVISIONED"},
					{"reactivate", func() error { _, err := h.client.Users.Reactivate(ctx, prov); return err }, prov, "PROVISIONED"},
					{"unlock", func() error { _, err := h.client.Users.Unlock(ctx, locked); return err }, locked, "ACTIVE"},
					{"suspend", func() error { _, err := h.client.Users.Suspend(ctx, locked); return err }, locked, "SUSPENDED"},
					{"unsuspend", func() error { _, err := h.client.Users.Unsuspend(ctx, locked); return err }, locked, "ACTIVE"},
					{"deactivate", func() error { _, err := h.client.Users.Deactivate(ctx, locked); return err }, locked, "DEPROVISIONED"},
					{"activate deprovisioned", func() error { _, err := h.client.Users.Activate(ctx, locked, false); return err }, locked, ""},
				}
				for _, s := range steps {
					if err := s.call(); err != nil {
						t.Fatalf("%s: %v", s.name, err)
					}
					// An empty want accepts ACTIVE or PROVISIONED: which one
					// depends on whether the user has a password.
					if got := status(s.uid); got != s.want && (s.want != "" || (got != "ACTIVE" && got != "PROVISIONED")) {
						t.Errorf("%s: want status %s, got %s", s.name, s.want, got)
					}
				}
				// Refusals, each with the code okta-api.md gives.
				_, err := h.client.Users.Suspend(ctx, prov)
				wantCode(t, err, 400, "E0000001")
				_, err = h.client.Users.Unsuspend(ctx, prov)
				wantCode(t, err, 400, "E0000001")
				_, err = h.client.Users.Activate(ctx, id("life@example.com"), false)
				wantCode(t, err, 403, "E0000016")
				_, err = h.client.Users.Deactivate(ctx, "00unosuchuser0000000")
				wantCode(t, err, 404, "E0000007")
				h.expectOperations("activateUser", "reactivateUser", "unlockUser", "suspendUser", "unsuspendUser", "deactivateUser", "getUser")
			},
		},
		{
			name: "users delete",
			seed: oktasim.Seed{Users: []oktasim.SeedUser{seedUser("del@example.com", "", nil)}},
			run: func(t *testing.T, h *harness) {
				u, _, err := h.client.Users.Get(ctx, "del@example.com")
				if err != nil {
					t.Fatalf("get: %v", err)
				}
				if _, err := h.client.Users.Delete(ctx, u.ID); err != nil {
					t.Fatalf("first delete (deactivates): %v", err)
				}
				got, _, err := h.client.Users.Get(ctx, u.ID)
				if err != nil || got.Status != "DEPROVISIONED" {
					t.Fatalf("after first delete: want DEPROVISIONED, got %v, %v", got, err)
				}
				if _, err := h.client.Users.Delete(ctx, u.ID); err != nil {
					t.Fatalf("second delete: %v", err)
				}
				_, _, err = h.client.Users.Get(ctx, u.ID)
				wantCode(t, err, 404, "E0000007")
				h.expectOperations("deleteUser")
			},
		},
		{
			name: "users groups",
			seed: oktasim.Seed{
				Groups: []oktasim.SeedGroup{{Name: "Sales"}, {Name: "Staff", Description: "everyone on staff"}},
				Users:  []oktasim.SeedUser{seedUser("member@example.com", "", nil, "Sales", "Staff")},
			},
			run: func(t *testing.T, h *harness) {
				u, _, err := h.client.Users.Get(ctx, "member@example.com")
				if err != nil {
					t.Fatalf("get: %v", err)
				}
				groups, _, err := h.client.Users.ListGroups(ctx, u.ID)
				if err != nil {
					t.Fatalf("user's groups: %v", err)
				}
				var names []string
				for _, g := range groups {
					names = append(names, g.Profile.Name)
				}
				sort.Strings(names)
				if want := []string{"Everyone", "Sales", "Staff"}; !slices.Equal(names, want) {
					t.Errorf("user's groups: want %v, got %v", want, names)
				}
				h.expectOperations("listUserGroups")
			},
		},
		{
			name: "groups list create update delete",
			seed: oktasim.Seed{Groups: []oktasim.SeedGroup{{Name: "Sales"}, {Name: "Support"}, {Name: "Legal"}, {Name: "App group", Type: "APP_GROUP"}}},
			run: func(t *testing.T, h *harness) {
				all := collect(t, h.client.Groups.List(ctx, &okta.GroupListOptions{Limit: 2}))
				if len(all) != 5 {
					t.Errorf("groups list paged: want 5 groups, got %d", len(all))
				}
				okg := collect(t, h.client.Groups.List(ctx, &okta.GroupListOptions{Filter: `type eq "OKTA_GROUP"`}))
				if len(okg) != 3 {
					t.Errorf("groups filter type: want 3 OKTA_GROUPs, got %d", len(okg))
				}
				su := collect(t, h.client.Groups.List(ctx, &okta.GroupListOptions{Search: `profile.name sw "S"`}))
				if len(su) != 2 {
					t.Errorf("groups search sw: want 2 groups, got %d", len(su))
				}
				since := time.Now().Add(-time.Hour).UTC().Format("2006-01-02T15:04:05.000Z")
				changed := collect(t, h.client.Groups.List(ctx, &okta.GroupListOptions{Filter: `type eq "OKTA_GROUP" and lastMembershipUpdated gt "` + since + `"`}))
				_ = changed // membership timestamps are the simulator's business; the exchange is what is validated
				g, _, err := h.client.Groups.Create(ctx, okta.GroupProfile{Name: "Finance", Description: "money"})
				if err != nil {
					t.Fatalf("create group: %v", err)
				}
				if g.Type != okta.GroupTypeOkta || g.Profile.Name != "Finance" {
					t.Errorf("created group: got %+v", g)
				}
				got, _, err := h.client.Groups.Get(ctx, g.ID)
				if err != nil || got.Profile.Description != "money" {
					t.Errorf("get group: got %+v, %v", got, err)
				}
				up, _, err := h.client.Groups.Update(ctx, g.ID, okta.GroupProfile{Name: "Finance", Description: "more money"})
				if err != nil || up.Profile.Description != "more money" {
					t.Errorf("update group: got %+v, %v", up, err)
				}
				if _, err := h.client.Groups.Delete(ctx, g.ID); err != nil {
					t.Fatalf("delete group: %v", err)
				}
				_, _, err = h.client.Groups.Get(ctx, g.ID)
				wantCode(t, err, 404, "E0000007")
				h.expectOperations("listGroups", "addGroup", "getGroup", "replaceGroup", "deleteGroup")
			},
		},
		{
			name: "group members list add remove",
			seed: oktasim.Seed{
				Groups: []oktasim.SeedGroup{{Name: "Sales"}},
				Users: append(seedUsers(5, "Sales"),
					seedUser("newbie@example.com", "", nil)),
			},
			run: func(t *testing.T, h *harness) {
				for _, u := range []string{"user00@example.com", "user01@example.com", "user02@example.com", "user03@example.com", "user04@example.com"} {
					if err := addBySeed(ctx, h, "Sales", u); err != nil {
						t.Fatalf("add %s: %v", u, err)
					}
				}
				sales := collect(t, h.client.Groups.List(ctx, &okta.GroupListOptions{Q: "Sales"}))
				if len(sales) != 1 {
					t.Fatalf("find Sales: got %d groups", len(sales))
				}
				members := collect(t, h.client.Groups.ListMembers(ctx, sales[0].ID, &okta.ListOptions{Limit: 2}))
				if len(members) != 5 {
					t.Errorf("members paged: want 5, got %v", logins(members))
				}
				refs := collect(t, h.client.Groups.ListMemberRefs(ctx, sales[0].ID, &okta.ListOptions{Limit: 2}))
				if len(refs) != len(members) || refs[0].ID != members[0].ID || refs[0].Profile.Login != members[0].Profile["login"] {
					t.Errorf("member refs: want the members' ids and logins, got %+v", refs)
				}
				newbie, _, err := h.client.Users.Get(ctx, "newbie@example.com")
				if err != nil {
					t.Fatalf("get newbie: %v", err)
				}
				if _, err := h.client.Groups.RemoveMember(ctx, sales[0].ID, members[0].ID); err != nil {
					t.Fatalf("remove member: %v", err)
				}
				if _, err := h.client.Groups.RemoveMember(ctx, sales[0].ID, members[0].ID); err != nil {
					t.Fatalf("remove member again (idempotent): %v", err)
				}
				everyone := collect(t, h.client.Groups.List(ctx, &okta.GroupListOptions{Filter: `type eq "BUILT_IN"`}))
				if len(everyone) != 1 {
					t.Fatalf("find Everyone: got %d groups", len(everyone))
				}
				_, err = h.client.Groups.AddMember(ctx, everyone[0].ID, newbie.ID)
				wantCode(t, err, 403, "E0000006")
				for range 2 { // the second add is a no-op
					if _, err := h.client.Groups.AddMember(ctx, sales[0].ID, newbie.ID); err != nil {
						t.Fatalf("add member: %v", err)
					}
				}
				members = collect(t, h.client.Groups.ListMembers(ctx, sales[0].ID, nil))
				if len(members) != 5 {
					t.Errorf("members after add and remove: want 5, got %v", logins(members))
				}
				h.expectOperations("listGroupUsers", "assignUserToGroup", "unassignUserFromGroup")
			},
		},
		{
			name: "system log",
			seed: oktasim.Seed{Users: seedUsers(2, "Sales")},
			run: func(t *testing.T, h *harness) {
				since := time.Now().Add(-time.Hour)
				u, _, err := h.client.Users.Get(ctx, "user00@example.com")
				if err != nil {
					t.Fatalf("get: %v", err)
				}
				if _, _, err := h.client.Users.Update(ctx, u.ID, map[string]any{"title": "Lead"}); err != nil {
					t.Fatalf("update: %v", err)
				}
				if _, err := h.client.Users.Deactivate(ctx, u.ID); err != nil {
					t.Fatalf("deactivate: %v", err)
				}
				events := collect(t, h.client.Logs.List(ctx, &okta.LogListOptions{Since: since, Limit: 1, SortOrder: "ASCENDING"}))
				types := map[string]bool{}
				for _, e := range events {
					types[e.EventType] = true
				}
				for _, want := range []string{"user.account.update_profile", "user.lifecycle.deactivate"} {
					if !types[want] {
						t.Errorf("system log: no %s event among %v", want, types)
					}
				}
				filtered := collect(t, h.client.Logs.List(ctx, &okta.LogListOptions{Since: since, Until: time.Now().Add(time.Minute), Filter: `eventType eq "user.lifecycle.deactivate"`}))
				if len(filtered) != 1 {
					t.Errorf("system log filter: want 1 deactivate event, got %d", len(filtered))
				}
				h.expectOperations("listLogEvents")
			},
		},
		{
			name: "refusals okta-api.md describes",
			seed: oktasim.Seed{
				Groups: []oktasim.SeedGroup{{Name: "Apps", Type: "APP_GROUP"}},
				Users:  []oktasim.SeedUser{seedUser("active@example.com", "", nil)},
			},
			run: func(t *testing.T, h *harness) {
				u, _, err := h.client.Users.Get(ctx, "active@example.com")
				if err != nil {
					t.Fatalf("get: %v", err)
				}
				_, err = h.client.Users.Reactivate(ctx, u.ID)
				wantCode(t, err, 403, "E0000038")
				var app, everyone *okta.Group
				for _, g := range collect(t, h.client.Groups.List(ctx, nil)) {
					switch g.Type {
					case okta.GroupTypeApp:
						app = g
					case okta.GroupTypeBuiltIn:
						everyone = g
					}
				}
				if app == nil || everyone == nil {
					t.Fatalf("want an APP_GROUP and the BUILT_IN group, got app=%v everyone=%v", app, everyone)
				}
				_, err = h.client.Groups.AddMember(ctx, app.ID, u.ID)
				wantCode(t, err, 403, "E0000006")
				_, err = h.client.Groups.RemoveMember(ctx, everyone.ID, u.ID)
				wantCode(t, err, 403, "E0000006")
				_, _, err = h.client.Groups.Update(ctx, app.ID, okta.GroupProfile{Name: "Renamed"})
				wantCode(t, err, 403, "E0000006")
				_, err = h.client.Groups.Delete(ctx, everyone.ID)
				wantCode(t, err, 403, "E0000006")
				var many []string
				for range 21 {
					many = append(many, app.ID)
				}
				// The client refuses more than 20 groupIds itself, so the
				// simulator's answer is read directly.
				status, _, body := h.raw(http.MethodPost, "/api/v1/users?activate=false", map[string]any{
					"profile":  map[string]any{"login": "many@example.com", "email": "many@example.com", "firstName": "M", "lastName": "G"},
					"groupIds": many,
				})
				var e struct {
					ErrorCode string `json:"errorCode"`
				}
				if err := json.Unmarshal(body, &e); err != nil || status != http.StatusBadRequest || e.ErrorCode != "E0000093" {
					t.Errorf("create with 21 groupIds: want 400 E0000093, got %d %q (%v)", status, e.ErrorCode, err)
				}
				_, _, err = h.client.Users.Create(ctx, okta.CreateUserRequest{
					Profile: map[string]any{"login": "noemail@example.com", "firstName": "No", "lastName": "Email"},
				}, false)
				wantCode(t, err, 400, "E0000001")
				// groupIds on create name OKTA_GROUPs only: an APP_GROUP, the
				// BUILT_IN Everyone or an unknown id refuses the whole create.
				for _, gid := range []string{app.ID, everyone.ID, "00gunknown0000000000"} {
					_, _, err = h.client.Users.Create(ctx, okta.CreateUserRequest{
						Profile:  map[string]any{"login": "ingroup@example.com", "email": "ingroup@example.com", "firstName": "In", "lastName": "Group"},
						GroupIDs: []string{gid},
					}, false)
					wantCode(t, err, 400, "E0000001")
				}
				if _, _, err := h.client.Users.Get(ctx, "ingroup@example.com"); !okta.IsNotFound(err) {
					t.Errorf("a create refused for its groupIds made the user anyway: %v", err)
				}
				h.expectOperations("reactivateUser", "assignUserToGroup", "unassignUserFromGroup", "replaceGroup", "deleteGroup", "createUser")
			},
		},
		{
			name: "users q and page size caps",
			seed: oktasim.Seed{Users: append(seedUsers(12, "Sales"), seedUser("user99@example.com", "DEPROVISIONED", nil))},
			run: func(t *testing.T, h *harness) {
				status, header, body := h.raw(http.MethodGet, "/api/v1/users?q=user", nil)
				var users []map[string]any
				if err := json.Unmarshal(body, &users); err != nil || status != http.StatusOK {
					t.Fatalf("q: status %d, decode: %v", status, err)
				}
				if len(users) != 10 {
					t.Errorf("q without limit: want Okta's default of 10 users, got %d", len(users))
				}
				for _, l := range header.Values("Link") {
					if strings.Contains(l, `rel="next"`) {
						t.Errorf("q: okta-api.md says q has no paging, got a next link")
					}
				}
				h.expectOperations("listUsers")
			},
		},
		{
			name: "rate limit exceeded",
			opts: oktasim.Options{RateLimit: oktasim.RateLimitOptions{Limits: map[string]int{"users": 2}}},
			seed: oktasim.Seed{Users: seedUsers(1, "Sales")},
			run: func(t *testing.T, h *harness) {
				var status int
				var header http.Header
				var body []byte
				for range 3 {
					status, header, body = h.raw(http.MethodGet, "/api/v1/users?limit=1", nil)
				}
				if status != http.StatusTooManyRequests {
					t.Fatalf("third request over a limit of 2: want 429, got %d", status)
				}
				var e struct {
					ErrorCode string `json:"errorCode"`
				}
				if err := json.Unmarshal(body, &e); err != nil || e.ErrorCode != "E0000047" {
					t.Errorf("429 body: want errorCode E0000047, got %q (%v)", e.ErrorCode, err)
				}
				for _, k := range []string{"X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset", "X-Okta-Request-Id", "Date"} {
					if header.Get(k) == "" {
						t.Errorf("429 answer lacks %s", k)
					}
				}
				h.expectOperations("listUsers")
			},
		},
		{
			name: "user schema",
			seed: oktasim.Seed{Users: []oktasim.SeedUser{seedUser("s@example.com", "", map[string]any{"costCenter": "42"})}},
			run: func(t *testing.T, h *harness) {
				s, _, err := h.client.Schemas.GetDefaultUserSchema(ctx)
				if err != nil {
					t.Fatalf("user schema: %v", err)
				}
				for _, a := range []string{"login", "email", "firstName", "lastName"} {
					if !slices.Contains(s.BaseAttributes(), a) {
						t.Errorf("user schema: base attribute %s missing from %v", a, s.BaseAttributes())
					}
				}
				if !s.HasAttribute("costCenter") {
					t.Errorf("user schema: custom attribute costCenter missing from %v", s.CustomAttributes())
				}
				h.expectOperations("getUserSchema")
			},
		},
		{
			name: "group schema and group custom attributes",
			opts: oktasim.Options{GroupCustomAttributes: []string{"costCode", "floor:integer"}},
			run: func(t *testing.T, h *harness) {
				s, _, err := h.client.Schemas.GetDefaultGroupSchema(ctx)
				if err != nil {
					t.Fatalf("group schema: %v", err)
				}
				if !slices.Equal(s.CustomAttributes(), []string{"costCode", "floor"}) {
					t.Errorf("group schema: custom attributes %v", s.CustomAttributes())
				}
				g, _, err := h.client.Groups.Create(ctx, okta.GroupProfile{Name: "Eng", Description: "E", Attrs: map[string]any{"costCode": "CC-1"}})
				if err != nil {
					t.Fatalf("create: %v", err)
				}
				if _, _, err := h.client.Groups.Update(ctx, g.ID, okta.GroupProfile{Name: "Eng", Attrs: map[string]any{"costCode": "CC-2", "floor": 3}}); err != nil {
					t.Fatalf("replace: %v", err)
				}
				_, _, err = h.client.Groups.Update(ctx, g.ID, okta.GroupProfile{Name: "Eng", Attrs: map[string]any{"floor": "three"}})
				wantCode(t, err, http.StatusBadRequest, "E0000001")
				h.expectOperations("getGroupSchema", "addGroup", "replaceGroup")
			},
		},
		{
			name: "users create with an imported password hash",
			run: func(t *testing.T, h *harness) {
				hash := &okta.PasswordHash{Algorithm: "BCRYPT", WorkFactor: 10, Salt: "abcdefghijklmnopqrstuv", Value: "ABCDEFGHIJKLMNOPQRSTUVWXYZ./012"}
				u, _, err := h.client.Users.Create(ctx, okta.CreateUserRequest{Profile: seedUser("h@example.com", "", nil).Profile, PasswordHash: hash}, true)
				if err != nil {
					t.Fatalf("create: %v", err)
				}
				if u.Status != "ACTIVE" {
					t.Errorf("status %s, want ACTIVE", u.Status)
				}
				pb := &okta.PasswordHash{Algorithm: "PBKDF2", Value: "c2VjcmV0", Salt: "c2FsdA==", IterationCount: 4096, KeySize: 6, DigestAlgorithm: "SHA512_HMAC"}
				if _, _, err := h.client.Users.Create(ctx, okta.CreateUserRequest{Profile: seedUser("p@example.com", "", nil).Profile, PasswordHash: pb}, false); err != nil {
					t.Fatalf("create PBKDF2: %v", err)
				}
				h.expectOperations("createUser")
			},
		},
	}
}

// addBySeed adds a member through the client, looking both up by name and
// login, so that membership setup itself is a validated exchange.
func addBySeed(ctx context.Context, h *harness, group, login string) error {
	u, _, err := h.client.Users.Get(ctx, login)
	if err != nil {
		return err
	}
	for g, err := range h.client.Groups.List(ctx, &okta.GroupListOptions{Search: `profile.name eq "` + group + `"`}) {
		if err != nil {
			return err
		}
		if _, err := h.client.Groups.AddMember(ctx, g.ID, u.ID); err != nil {
			return err
		}
	}
	return nil
}

// clientOperations maps each exported method of the client's services to
// the specification operation it calls. A method missing from this table
// fails TestContract, so that a new client call cannot go unvalidated.
var clientOperations = map[string]string{
	"Users.Activate":                "activateUser",
	"Users.Create":                  "createUser",
	"Users.Deactivate":              "deactivateUser",
	"Users.Delete":                  "deleteUser",
	"Users.Get":                     "getUser",
	"Users.List":                    "listUsers",
	"Users.ListBasic":               "listUsers",
	"Users.ListBasicBorrowed":       "listUsers",
	"Users.ListGroups":              "listUserGroups",
	"Users.ListPage":                "listUsers",
	"Users.Reactivate":              "reactivateUser",
	"Users.Search":                  "listUsers",
	"Users.SearchBasic":             "listUsers",
	"Users.SearchBasicBorrowed":     "listUsers",
	"Users.Suspend":                 "suspendUser",
	"Users.Unlock":                  "unlockUser",
	"Users.Unsuspend":               "unsuspendUser",
	"Users.Update":                  "updateUser",
	"Groups.AddMember":              "assignUserToGroup",
	"Groups.Create":                 "addGroup",
	"Groups.Delete":                 "deleteGroup",
	"Groups.Get":                    "getGroup",
	"Groups.List":                   "listGroups",
	"Groups.ListMembers":            "listGroupUsers",
	"Groups.ListMemberRefs":         "listGroupUsers",
	"Groups.MemberPages":            "listGroupUsers",
	"Groups.ListPage":               "listGroups",
	"Groups.RemoveMember":           "unassignUserFromGroup",
	"Groups.Update":                 "replaceGroup",
	"Logs.List":                     "listLogEvents",
	"Schemas.GetDefaultUserSchema":  "getUserSchema",
	"Schemas.GetDefaultGroupSchema": "getGroupSchema",

	"Schemas.GetLinkedObjectDefinition":    "getLinkedObjectDefinition",
	"Schemas.CreateLinkedObjectDefinition": "createLinkedObjectDefinition",
	"Users.SetLinkedObject":                "assignLinkedObjectValueForPrimary",
	"Users.DeleteLinkedObject":             "deleteLinkedObjectForUser",
	"Users.LinkedObjects":                  "listLinkedObjectsForUser",
}

// clientServiceMethods lists "Service.Method" for every exported method of
// the client's service fields.
func clientServiceMethods(c *okta.Client) []string {
	var out []string
	v := reflect.ValueOf(c).Elem()
	for i := range v.NumField() {
		f := v.Type().Field(i)
		if !f.IsExported() || f.Type.Kind() != reflect.Pointer {
			continue
		}
		for j := range f.Type.NumMethod() {
			out = append(out, f.Name+"."+f.Type.Method(j).Name)
		}
	}
	sort.Strings(out)
	return out
}

// TestContract drives the client against the simulator and validates every
// request and response against Okta's OpenAPI specification; then it lists
// the validated operations and checks that every operation the client can
// call was among them.
func TestContract(t *testing.T) {
	s := loadSpec(t)
	ran := false
	t.Run("scenarios", func(t *testing.T) {
		ran = true
		for _, sc := range append(scenarios(), linkScenarios()...) {
			t.Run(sc.name, func(t *testing.T) {
				t.Parallel()
				h := newHarness(t, s, sc.opts, sc.seed)
				sc.run(t, h)
			})
		}
		for _, sc := range append(scenarios(), appScenarios()...) {
			t.Run(sc.name, func(t *testing.T) {
				t.Parallel()
				h := newHarness(t, s, sc.opts, sc.seed)
				sc.run(t, h)
			})
		}
		t.Run("oauth token", func(t *testing.T) {
			t.Parallel()
			testTokenEndpoint(t, s)
		})
		t.Run("client oauth", func(t *testing.T) {
			t.Parallel()
			testClientOAuth(t, s)
		})
	})
	t.Run("operations", func(t *testing.T) {
		if !ran {
			t.Skip("the scenarios were filtered out by -run; the operation list needs them")
		}
		ok, failed := s.validatedOperations()
		t.Logf("validated operations (%d of %d in %s): %v", len(ok), len(s.operationIDs()), specFile, ok)
		if len(failed) > 0 {
			t.Logf("operations with at least one exchange that did not validate: %v", failed)
		}
		validated := map[string]bool{}
		for _, id := range ok {
			validated[id] = true
		}
		var unexercised []string
		for _, id := range s.operationIDs() {
			if !validated[id] {
				unexercised = append(unexercised, id)
			}
		}
		t.Logf("operations of %s not exercised (neither the client nor the simulator's users need them): %v", specFile, unexercised)
		c, err := okta.NewClient("https://example.okta.com", okta.WithToken(testToken))
		if err != nil {
			t.Fatalf("new client: %v", err)
		}
		for _, m := range clientServiceMethods(c) {
			op, known := clientOperations[m]
			if !known {
				t.Errorf("client method %s is not mapped to a specification operation in clientOperations; add it and a scenario", m)
				continue
			}
			if !validated[op] {
				t.Errorf("client method %s calls %s, which no exchange validated", m, op)
			}
		}
		// The client's OAuth path calls the token endpoint.
		if !validated["token"] {
			t.Errorf("the token endpoint (operation token) was never validated")
		}
		specOps := map[string]bool{}
		for _, id := range s.operationIDs() {
			specOps[id] = true
		}
		for m, op := range clientOperations {
			if !specOps[op] {
				t.Errorf("clientOperations maps %s to %s, which %s does not define", m, op, specFile)
			}
		}
	})
}
