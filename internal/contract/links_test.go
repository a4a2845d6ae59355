package contract

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/oktasync/oktasync/internal/okta"
	"github.com/oktasync/oktasync/internal/oktasim"
)

// linkScenarios exercise the linked object (manager link) operations: a
// definition read (missing, then present) and created, a link set, read
// from both sides, replaced and cleared, and the simulator's answers for
// an unknown relationship and a deleted user.
func linkScenarios() []scenario {
	ctx := context.Background()
	seed := oktasim.Seed{Users: []oktasim.SeedUser{
		seedUser("alice@example.com", "", nil), seedUser("bob@example.com", "", nil), seedUser("carol@example.com", "", nil),
	}}
	return []scenario{{
		name: "manager links",
		seed: seed,
		run: func(t *testing.T, h *harness) {
			if _, _, err := h.client.Schemas.GetLinkedObjectDefinition(ctx, "manager"); !okta.IsNotFound(err) {
				t.Fatalf("definition of a new org: err = %v, want not found", err)
			}
			def, _, err := h.client.Schemas.CreateLinkedObjectDefinition(ctx, okta.LinkedObject{
				Primary: okta.LinkedObjectDetails{Name: "manager"}, Associated: okta.LinkedObjectDetails{Name: "directReports"}})
			if err != nil || def.Primary.Name != "manager" || def.Associated.Name != "directReports" {
				t.Fatalf("create definition = %+v, %v", def, err)
			}
			if got, _, err := h.client.Schemas.GetLinkedObjectDefinition(ctx, "directReports"); err != nil || got.Primary.Name != "manager" {
				t.Fatalf("definition by its associated name = %+v, %v", got, err)
			}
			if _, _, err := h.client.Schemas.CreateLinkedObjectDefinition(ctx, *def); err == nil {
				t.Error("a second definition with the same names was accepted")
			}
			h.expectOperations("getLinkedObjectDefinition", "createLinkedObjectDefinition")

			snap := h.sim.Snapshot()
			id := map[string]string{}
			for _, u := range snap.Users {
				id[u.Profile["login"].(string)] = u.ID
			}
			alice, bob, carol := id["alice@example.com"], id["bob@example.com"], id["carol@example.com"]
			for _, u := range []string{bob, carol} {
				if _, err := h.client.Users.SetLinkedObject(ctx, u, "manager", alice); err != nil {
					t.Fatalf("set manager: %v", err)
				}
			}
			if got, _, err := h.client.Users.LinkedObjects(ctx, bob, "manager"); err != nil || !slices.Equal(got, []string{alice}) {
				t.Errorf("bob's manager = %v, %v; want [%s]", got, err, alice)
			}
			reports, _, err := h.client.Users.LinkedObjects(ctx, alice, "directReports")
			want := []string{bob, carol}
			slices.Sort(want)
			if slices.Sort(reports); err != nil || !slices.Equal(reports, want) {
				t.Errorf("alice's reports = %v, %v; want %v", reports, err, want)
			}
			// A second PUT replaces the manager; DELETE clears, twice.
			if _, err := h.client.Users.SetLinkedObject(ctx, carol, "manager", bob); err != nil {
				t.Fatal(err)
			}
			for range 2 {
				if _, err := h.client.Users.DeleteLinkedObject(ctx, bob, "manager"); err != nil {
					t.Fatalf("clear manager: %v", err)
				}
			}
			if got, _, err := h.client.Users.LinkedObjects(ctx, bob, "manager"); err != nil || len(got) != 0 {
				t.Errorf("bob's manager after the clear = %v, %v; want none", got, err)
			}
			h.expectOperations("assignLinkedObjectValueForPrimary", "listLinkedObjectsForUser", "deleteLinkedObjectForUser")
			if status, _, _ := h.raw(http.MethodGet, "/api/v1/users/"+bob+"/linkedObjects/mentor", nil); status != http.StatusNotFound {
				t.Errorf("links of an unknown relationship: status %d, want 404", status)
			}
			if status, _, _ := h.raw(http.MethodPut, "/api/v1/users/"+bob+"/linkedObjects/manager/00unobody", nil); status != http.StatusNotFound {
				t.Errorf("a manager that does not exist: status %d, want 404", status)
			}

			// Deleting the manager removes the links to it.
			for range 2 {
				if _, err := h.client.Users.Delete(ctx, bob); err != nil {
					t.Fatal(err)
				}
			}
			if links := h.sim.Snapshot().Links; len(links) != 0 {
				t.Errorf("links after the manager's deletion = %+v, want none", links)
			}
			h.rec.take()
		},
	}}
}
