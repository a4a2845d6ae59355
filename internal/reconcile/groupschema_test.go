package reconcile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/oktasync/oktasync/internal/oktasim"
)

func (h *harness) writeGroupsCSV(t *testing.T, csv string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(h.dir, "groups.csv"), []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
}

// groupAttrs returns the custom attributes of the org's group name.
func groupAttrs(t *testing.T, sim *oktasim.Server, name string) map[string]any {
	t.Helper()
	for _, g := range sim.Snapshot().Groups {
		if g.Name == name {
			return g.Attributes
		}
	}
	t.Fatalf("no group %q in the org", name)
	return nil
}

// A group attribute the org's group schema lacks, or a value of another
// type, stops the run before any write, naming the column and the row.
func TestGroupSchemaCheck(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, groups, want string }{
		{"unknown attribute", "name,costcode\nTeam,CC-1\n", `no custom attribute "costcode" (column costcode, first at groups.csv line 2): did you mean "costCode"?`},
		{"wrong type", "name,floor\nTeam,3\n", `attribute "floor" is of type integer in the schema, but groups.csv line 2 gives text (declare the column's type in a CSV header, floor:integer`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, oktasim.Options{GroupCustomAttributes: []string{"costCode", "floor:integer"}},
				oktasim.Seed{Users: []oktasim.SeedUser{hrUser("gone@example.com", "Team")}}, header+"a@example.com,a@example.com,F,L,hr,Team\n")
			h.writeGroupsCSV(t, tt.groups)
			_, err := h.run(t, false)
			if !errors.Is(err, ErrGroupAttribute) {
				t.Fatalf("err = %v, want ErrGroupAttribute", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error:\n%v\nwant it to contain %q", err, tt.want)
			}
			if w := h.sim.Stats().Writes; w != 0 {
				t.Errorf("%d writes", w)
			}
		})
	}
}

// Group attributes are created with the group and kept up to date; an
// update keeps the attributes oktasync does not manage, which Okta's
// replace would otherwise remove.
func TestGroupAttributesKeptUpToDate(t *testing.T) {
	t.Parallel()
	h := newHarness(t, oktasim.Options{GroupCustomAttributes: []string{"costCode", "floor:integer", "owner"}},
		oktasim.Seed{
			Groups: []oktasim.SeedGroup{{Name: "Team", Description: "old", Attributes: map[string]any{"costCode": "CC-1", "owner": "ann"}}},
			Users:  []oktasim.SeedUser{hrUser("a@example.com", "Team")},
		}, header+"a@example.com,a@example.com,F,L,hr,Team;Ops\n")
	h.writeGroupsCSV(t, "name,description,costCode,floor:integer\nTeam,The team,CC-2,\nOps,Operations,CC-9,4\n")
	h.sim.ResetStats()
	rep, err := h.run(t, false)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if rep.Plan.Summary.Groups.Update != 1 || rep.Plan.Summary.Groups.Create != 1 {
		t.Errorf("groups planned: %+v", rep.Plan.Summary.Groups)
	}
	// What group attributes cost: one schema read per run, and per update
	// a read of the group's profile and its replace.
	calls := map[string]int{}
	for route, byStatus := range h.sim.Stats().ByRoute {
		for _, n := range byStatus {
			calls[route] += n
		}
	}
	for route, want := range map[string]int{
		"GET /api/v1/meta/schemas/group/{schemaId}": 1, "GET /api/v1/groups/{id}": 1, "PUT /api/v1/groups/{id}": 1, "POST /api/v1/groups": 1,
	} {
		if calls[route] != want {
			t.Errorf("%s: %d calls, want %d (all: %v)", route, calls[route], want, calls)
		}
	}
	if diff := cmp.Diff(map[string]any{"costCode": "CC-2", "owner": "ann"}, groupAttrs(t, h.sim, "Team")); diff != "" {
		t.Errorf("Team's attributes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{"costCode": "CC-9", "floor": 4.0}, groupAttrs(t, h.sim, "Ops")); diff != "" {
		t.Errorf("Ops's attributes (-want +got):\n%s", diff)
	}
	rep, err = h.run(t, true)
	if err != nil {
		t.Fatalf("second run: %v", err)
	}
	if rep.Plan.HasChanges() {
		t.Errorf("the second plan has changes: %+v", rep.Plan.Operations)
	}
}
