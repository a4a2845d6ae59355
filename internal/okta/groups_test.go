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

func TestGroupsCRUD(t *testing.T) {
	t.Parallel()
	o := setup(t)
	var seen []string
	var bodies []map[string]any
	handle := func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Method+" "+r.URL.RequestURI())
		if r.ContentLength > 0 {
			var b map[string]any
			mustDecode(t, r, &b)
			bodies = append(bodies, b)
		}
		switch {
		case r.Method == "DELETE" || strings.Contains(r.URL.Path, "/users/"):
			okHeaders(w)
			w.WriteHeader(204)
		case r.Method == "GET" && r.URL.Path == "/api/v1/groups":
			writeJSON(w, 200, []any{testGroup("00g1", "Eng", "OKTA_GROUP"), testGroup("00g0", "Everyone", "BUILT_IN")})
		default:
			writeJSON(w, 200, testGroup("00g1", "Eng", "OKTA_GROUP"))
		}
	}
	o.mux.HandleFunc("/api/v1/groups", handle)
	o.mux.HandleFunc("/api/v1/groups/", handle)
	ctx := context.Background()
	g, _, err := o.client.Groups.Create(ctx, GroupProfile{Name: "Eng", Description: "Engineers"})
	if err != nil || g.ID != "00g1" || g.Type != GroupTypeOkta || g.Profile.Name != "Eng" {
		t.Fatalf("create: %+v %v", g, err)
	}
	if _, _, err := o.client.Groups.Get(ctx, "00g1"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := o.client.Groups.Update(ctx, "00g1", GroupProfile{Name: "Eng2"}); err != nil {
		t.Fatal(err)
	}
	if _, err := o.client.Groups.AddMember(ctx, "00g1", "00u1"); err != nil {
		t.Fatal(err)
	}
	if _, err := o.client.Groups.RemoveMember(ctx, "00g1", "00u1"); err != nil {
		t.Fatal(err)
	}
	if _, err := o.client.Groups.Delete(ctx, "00g1"); err != nil {
		t.Fatal(err)
	}
	got := ids(t, o.client.Groups.List(ctx, &GroupListOptions{Filter: `type eq "OKTA_GROUP"`, Limit: 200}), func(g *Group) string { return g.ID })
	if diff := cmp.Diff([]string{"00g1", "00g0"}, got); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}
	wantSeen := []string{
		"POST /api/v1/groups",
		"GET /api/v1/groups/00g1",
		"PUT /api/v1/groups/00g1",
		"PUT /api/v1/groups/00g1/users/00u1",
		"DELETE /api/v1/groups/00g1/users/00u1",
		"DELETE /api/v1/groups/00g1",
		"GET /api/v1/groups?filter=type+eq+%22OKTA_GROUP%22&limit=200",
	}
	if diff := cmp.Diff(wantSeen, seen); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	wantBodies := []map[string]any{
		{"profile": map[string]any{"name": "Eng", "description": "Engineers"}},
		{"profile": map[string]any{"name": "Eng2"}},
	}
	if diff := cmp.Diff(wantBodies, bodies); diff != "" {
		t.Errorf("bodies (-want +got):\n%s", diff)
	}
}

func TestGroupsCreateUnknownOutcome(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		listed  []any
		wantID  string
		wantErr bool
	}{
		{"found by name", []any{testGroup("00gx", "Eng team", "OKTA_GROUP"), testGroup("00g9", "Eng", "OKTA_GROUP")}, "00g9", false},
		{"absent: not repeated", []any{testGroup("00gx", "Eng team", "OKTA_GROUP")}, "", true},
		{"app group of that name does not count", []any{testGroup("00ga", "Eng", "APP_GROUP")}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := setup(t)
			var creates atomic.Int32
			o.mux.HandleFunc("POST /api/v1/groups", func(w http.ResponseWriter, r *http.Request) {
				creates.Add(1)
				dropConnection(t, w)
			})
			o.mux.HandleFunc("GET /api/v1/groups", func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Query().Get("q") != "Eng" {
					t.Errorf("lookup query %s", r.URL.RawQuery)
				}
				writeJSON(w, 200, tt.listed)
			})
			g, _, err := o.client.Groups.Create(context.Background(), GroupProfile{Name: "Eng"})
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if err != nil && !errors.Is(err, ErrOutcomeUnknown) {
				t.Errorf("err = %v, want unknown outcome", err)
			}
			if err == nil && g.ID != tt.wantID {
				t.Errorf("id = %s, want %s", g.ID, tt.wantID)
			}
			if creates.Load() != 1 {
				t.Errorf("creates = %d, want 1", creates.Load())
			}
		})
	}
}

func TestGroupsListMembersPages(t *testing.T) {
	t.Parallel()
	o := setup(t)
	pagedUsers(o, "/api/v1/groups/00g1/users", 5, false)
	got := ids(t, o.client.Groups.ListMembers(context.Background(), "00g1", &ListOptions{Limit: 2}), func(u *User) string { return u.ID })
	want := []string{"u001", "u002", "u003", "u004", "u005"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("members (-want +got):\n%s", diff)
	}
	for _, err := range o.client.Groups.ListMembers(context.Background(), "", nil) {
		if err == nil {
			t.Error("empty group id: want an error")
		}
	}
}

func TestGroupsListMemberRefsDecodesIDStatusLogin(t *testing.T) {
	t.Parallel()
	o := setup(t)
	pagedUsers(o, "/api/v1/groups/00g1/users", 3, false)
	var got []Member
	for m, err := range o.client.Groups.ListMemberRefs(context.Background(), "00g1", &ListOptions{Limit: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, *m)
	}
	if len(got) != 3 {
		t.Fatalf("want 3 members over two pages, got %d", len(got))
	}
	for i, m := range got {
		if want := fmt.Sprintf("u%03d", i+1); m.ID != want {
			t.Errorf("member %d: id %q, want %q", i, m.ID, want)
		}
		if want := fmt.Sprintf("user%d@example.com", i+1); m.Profile.Login != want {
			t.Errorf("member %d: login %q, want %q", i, m.Profile.Login, want)
		}
		if m.Status == "" {
			t.Errorf("member %d: no status", i)
		}
	}
	for _, err := range o.client.Groups.ListMemberRefs(context.Background(), "", nil) {
		if err == nil {
			t.Error("empty group id: want an error")
		}
	}
}

func TestLogsListPolls(t *testing.T) {
	t.Parallel()
	o := setup(t)
	var queries []string
	o.mux.HandleFunc("GET /api/v1/logs", func(w http.ResponseWriter, r *http.Request) {
		queries = append(queries, r.URL.RawQuery)
		after, _ := strconv.Atoi(r.URL.Query().Get("after"))
		var page []any
		for i := after + 1; i <= 5 && len(page) < 2; i++ {
			page = append(page, map[string]any{
				"uuid": fmt.Sprint(i), "eventType": "user.lifecycle.create", "published": "2026-01-01T00:00:00.000Z",
				"actor":   map[string]any{"id": "a", "type": "User"},
				"target":  []any{map[string]any{"id": "00u" + fmt.Sprint(i), "type": "User", "alternateId": "x@example.com"}},
				"outcome": map[string]any{"result": "SUCCESS"},
			})
		}
		// A polling query always has a next link, even on an empty page.
		w.Header().Add("Link", fmt.Sprintf("<%s?after=%d&since=x>; rel=\"next\"", o.url("/api/v1/logs"), after+len(page)))
		writeJSON(w, 200, page)
	})
	since := mustTime(t, "2026-01-01T00:00:00Z")
	var got []string
	for e, err := range o.client.Logs.List(context.Background(), &LogListOptions{Since: since, Filter: `eventType sw "user."`, Limit: 2, SortOrder: "ASCENDING"}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, e.UUID+":"+e.Target[0].ID)
	}
	if diff := cmp.Diff([]string{"1:00u1", "2:00u2", "3:00u3", "4:00u4", "5:00u5"}, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if len(queries) != 4 {
		t.Errorf("pages = %d, want 4 (the last one empty)", len(queries))
	}
	if want := "filter=eventType+sw+%22user.%22&limit=2&since=2026-01-01T00%3A00%3A00.000Z&sortOrder=ASCENDING"; queries[0] != want {
		t.Errorf("first query = %s, want %s", queries[0], want)
	}
}

func TestSchemasDefaultUser(t *testing.T) {
	t.Parallel()
	o := setup(t)
	o.mux.HandleFunc("GET /api/v1/meta/schemas/user/default", func(w http.ResponseWriter, r *http.Request) {
		okHeaders(w)
		w.Write([]byte(`{"id":"https://x/meta/schemas/user/default","name":"user","title":"User","type":"object",
		"definitions":{"base":{"id":"#base","type":"object","required":["login"],"properties":{
		"login":{"title":"Username","type":"string","required":true,"minLength":5,"unique":"UNIQUE_VALIDATED"},
		"email":{"title":"Primary email","type":"string","format":"email"},
		"firstName":{"title":"First name","type":"string"}}},
		"custom":{"id":"#custom","type":"object","properties":{
		"costCenter":{"title":"Cost center","type":"string","scope":"NONE"},
		"roles":{"title":"Roles","type":"array","items":{"type":"string"}}}}}}`))
	})
	s, _, err := o.client.Schemas.GetDefaultUserSchema(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"costCenter", "email", "firstName", "login", "roles"}, s.AttributeNames()); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"costCenter", "roles"}, s.CustomAttributes()); diff != "" {
		t.Errorf("custom (-want +got):\n%s", diff)
	}
	if !s.HasAttribute("login") || s.HasAttribute("nope") || *s.Definitions.Base.Properties["login"].MinLength != 5 {
		t.Errorf("schema = %+v", s)
	}
}

func TestGroupsDeleteGoneAfterUnknownOutcome(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		first   string // "drop", "500" or "404"
		wantErr bool
	}{
		{"dropped, then gone", "drop", false},
		{"500, then gone", "500", false},
		{"plain 404 is an error", "404", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := setup(t)
			var calls atomic.Int32
			o.mux.HandleFunc("DELETE /api/v1/groups/{id}", func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) == 1 {
					switch tt.first {
					case "drop":
						dropConnection(t, w)
						return
					case "500":
						writeError(w, 500, "E0000009", "Internal Server Error")
						return
					}
				}
				writeError(w, 404, "E0000007", "Not found: Resource not found: 00g1 (UserGroup)")
			})
			_, err := o.client.Groups.Delete(context.Background(), "00g1")
			if (err != nil) != tt.wantErr {
				t.Errorf("err = %v, wantErr %v", err, tt.wantErr)
			}
		})
	}
}
