package okta

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestWireFormatGolden records what every wrapped call puts on the wire
// (method, path and query, content type, body) and compares it with
// testdata/requests.golden. Set OKTASYNC_UPDATE_GOLDEN=1 to rewrite the file.
func TestWireFormatGolden(t *testing.T) {
	t.Parallel()
	o := setup(t)
	var (
		mu    sync.Mutex
		lines []string
	)
	o.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var pretty bytes.Buffer
		if len(body) > 0 {
			if err := json.Compact(&pretty, body); err != nil {
				pretty.Write(body)
			}
		}
		mu.Lock()
		lines = append(lines, strings.TrimSpace(fmt.Sprintf("%s %s %s %s", r.Method, r.URL.RequestURI(), r.Header.Get("Content-Type"), pretty.String())))
		mu.Unlock()
		switch {
		case r.Method == http.MethodGet && (strings.HasSuffix(r.URL.Path, "/users") || strings.HasSuffix(r.URL.Path, "/groups") || strings.HasSuffix(r.URL.Path, "/logs")):
			writeJSON(w, 200, []any{})
		case r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/groups/"):
			writeJSON(w, 200, testGroup("00g1", "G", "OKTA_GROUP"))
		case r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/schemas/"):
			writeJSON(w, 200, map[string]any{"definitions": map[string]any{}})
		case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/groups"), r.Method == http.MethodPut && !strings.Contains(r.URL.Path, "/users/"):
			writeJSON(w, 200, testGroup("00g1", "G", "OKTA_GROUP"))
		case r.Method == http.MethodDelete || strings.Contains(r.URL.Path, "/users/") && r.Method == http.MethodPut:
			okHeaders(w)
			w.WriteHeader(204)
		default:
			writeJSON(w, 200, testUser("00u1", "a@example.com"))
		}
	})
	ctx := context.Background()
	since := time.Date(2026, 1, 2, 3, 4, 5, 6_000_000, time.UTC)
	calls := []func() error{
		func() error { _, _, err := o.client.Users.ListPage(ctx, nil); return err },
		func() error {
			_, _, err := o.client.Users.ListPage(ctx, &UserListOptions{Limit: 200, After: "00u9", Search: `profile.department eq "R&D"`, SortBy: "profile.login", SortOrder: "desc"})
			return err
		},
		func() error { _, _, err := o.client.Users.Get(ctx, "jdoe+x@example.com"); return err },
		func() error {
			_, _, err := o.client.Users.Create(ctx, CreateUserRequest{Profile: map[string]any{"login": "a@example.com", "email": "a@example.com", "firstName": "A", "lastName": "B", "roles": []string{"x", "y"}}, Password: "pw-in-body-only", GroupIDs: []string{"00g1", "00g2"}}, true)
			return err
		},
		func() error {
			_, _, err := o.client.Users.Create(ctx, CreateUserRequest{Profile: map[string]any{"login": "s@example.com"}}, false)
			return err
		},
		func() error {
			_, _, err := o.client.Users.Update(ctx, "00u1", map[string]any{"title": nil, "costCenter": "42", "level": 3})
			return err
		},
		func() error { _, err := o.client.Users.Activate(ctx, "00u1", true); return err },
		func() error { _, err := o.client.Users.Deactivate(ctx, "00u1"); return err },
		func() error { _, err := o.client.Users.Reactivate(ctx, "00u1"); return err },
		func() error { _, err := o.client.Users.Suspend(ctx, "00u1"); return err },
		func() error { _, err := o.client.Users.Unsuspend(ctx, "00u1"); return err },
		func() error { _, err := o.client.Users.Unlock(ctx, "00u1"); return err },
		func() error { _, err := o.client.Users.Delete(ctx, "00u1"); return err },
		func() error { _, _, err := o.client.Users.ListGroups(ctx, "00u1"); return err },
		func() error {
			_, _, err := o.client.Groups.ListPage(ctx, &GroupListOptions{Limit: 200, Filter: `type eq "OKTA_GROUP" and lastMembershipUpdated gt "2026-01-01T00:00:00.000Z"`})
			return err
		},
		func() error { _, _, err := o.client.Groups.Get(ctx, "00g1"); return err },
		func() error {
			_, _, err := o.client.Groups.Create(ctx, GroupProfile{Name: "Eng", Description: "Engineers"})
			return err
		},
		func() error { _, _, err := o.client.Groups.Update(ctx, "00g1", GroupProfile{Name: "Eng"}); return err },
		func() error { _, err := o.client.Groups.Delete(ctx, "00g1"); return err },
		func() error {
			_, err := collect(o.client.Groups.ListMembers(ctx, "00g1", &ListOptions{Limit: 200}))
			return err
		},
		func() error { _, err := o.client.Groups.AddMember(ctx, "00g1", "00u1"); return err },
		func() error { _, err := o.client.Groups.RemoveMember(ctx, "00g1", "00u1"); return err },
		func() error {
			_, err := collect(o.client.Logs.List(ctx, &LogListOptions{Since: since, Until: since.Add(time.Hour), Filter: `eventType eq "user.lifecycle.create"`, Limit: 1000, SortOrder: "ASCENDING"}))
			return err
		},
		func() error { _, _, err := o.client.Schemas.GetDefaultUserSchema(ctx); return err },
	}
	for i, call := range calls {
		if err := call(); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	got := strings.Join(lines, "\n") + "\n"
	golden := filepath.Join("testdata", "requests.golden")
	if os.Getenv("OKTASYNC_UPDATE_GOLDEN") == "1" {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("read golden file (OKTASYNC_UPDATE_GOLDEN=1 writes it): %v", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("wire format (-golden +got):\n%s", diff)
	}
}
