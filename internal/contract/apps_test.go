package contract

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/oktasync/oktasync/internal/okta"
	"github.com/oktasync/oktasync/internal/oktasim"
)

func init() {
	for m, op := range map[string]string{
		"Apps.List":          "listApplications",
		"Apps.Get":           "getApplication",
		"Apps.ListGroups":    "listApplicationGroupAssignments",
		"Apps.ListUsers":     "listApplicationUsers",
		"Apps.AssignGroup":   "assignGroupToApplication",
		"Apps.UnassignGroup": "unassignApplicationFromGroup",
		"Apps.AssignUser":    "assignUserToApplication",
		"Apps.UnassignUser":  "unassignUserFromApplication",
	} {
		clientOperations[m] = op
	}
}

// appScenarios drive the client's Applications calls against the
// simulator: apps listed by status and label, an app read by id, group
// and user assignments made, listed (paged) and removed, and a 404 for an
// assignment that is not there.
func appScenarios() []scenario {
	ctx := context.Background()
	seed := oktasim.Seed{
		Users: append(seedUsers(3, "Sales"), seedUser("eng@example.com", "ACTIVE", nil, "Engineering")),
		Apps: []oktasim.SeedApp{
			{Label: "Slack", Groups: []string{"Engineering"}}, {Label: "Zoom"}, {Label: "Legacy", Status: "INACTIVE"},
		},
	}
	return []scenario{{
		name: "app assignments",
		seed: seed,
		run: func(t *testing.T, h *harness) {
			apps := collect(t, h.client.Apps.List(ctx, &okta.AppListOptions{Filter: `status eq "ACTIVE"`, Limit: 1}))
			if len(apps) != 2 {
				t.Fatalf("active apps: want 2 (paged by 1), got %+v", apps)
			}
			slack := collect(t, h.client.Apps.List(ctx, &okta.AppListOptions{Q: "Sla"}))
			if len(slack) != 1 || slack[0].Label != "Slack" {
				t.Fatalf("q=Sla: got %+v", slack)
			}
			app, _, err := h.client.Apps.Get(ctx, slack[0].ID)
			if err != nil || app.Label != "Slack" || app.Status != okta.AppStatusActive {
				t.Fatalf("get app: %+v, %v", app, err)
			}
			h.expectOperations("listApplications", "getApplication")

			users := collect(t, h.client.Users.List(ctx, &okta.UserListOptions{Search: `profile.department eq "Sales"`}))
			groups := collect(t, h.client.Groups.List(ctx, &okta.GroupListOptions{Q: "Engineering"}))
			h.expectOperations("listUsers", "listGroups")
			prio := 0
			if _, _, err := h.client.Apps.AssignGroup(ctx, app.ID, groups[0].ID, okta.AppGroupAssignment{Priority: &prio, Profile: map[string]any{"role": "dev"}}); err != nil {
				t.Fatalf("assign group: %v", err)
			}
			for _, u := range users {
				au, _, err := h.client.Apps.AssignUser(ctx, app.ID, u.ID, map[string]any{"team": "sales"})
				if err != nil || au.Scope != okta.AppScopeUser {
					t.Fatalf("assign user: %+v, %v", au, err)
				}
			}
			h.expectOperations("assignGroupToApplication", "assignUserToApplication", "assignUserToApplication", "assignUserToApplication")

			assigned := collect(t, h.client.Apps.ListGroups(ctx, app.ID, 0))
			if len(assigned) != 1 || assigned[0].ID != groups[0].ID || assigned[0].Profile["role"] != "dev" {
				t.Errorf("app groups: %+v", assigned)
			}
			scopes := map[string]string{}
			for _, u := range collect(t, h.client.Apps.ListUsers(ctx, app.ID, 2)) {
				scopes[u.ID] = u.Scope
			}
			if len(scopes) != 4 || slices.Contains([]string{scopes[users[0].ID]}, okta.AppScopeGroup) {
				t.Errorf("app users: %v, want 3 direct and the Engineering member by group", scopes)
			}
			h.expectOperations("listApplicationGroupAssignments", "listApplicationUsers", "listApplicationUsers")

			if _, err := h.client.Apps.UnassignUser(ctx, app.ID, users[0].ID); err != nil {
				t.Fatalf("unassign user: %v", err)
			}
			if _, err := h.client.Apps.UnassignGroup(ctx, app.ID, groups[0].ID); err != nil {
				t.Fatalf("unassign group: %v", err)
			}
			_, err = h.client.Apps.UnassignGroup(ctx, app.ID, groups[0].ID)
			wantCode(t, err, http.StatusNotFound, "E0000007")
			h.expectOperations("unassignUserFromApplication", "unassignApplicationFromGroup", "unassignApplicationFromGroup")
		},
	}}
}
