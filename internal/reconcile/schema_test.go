package reconcile

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/oktasync/oktasync/internal/config"
	"github.com/oktasync/oktasync/internal/diff"
	"github.com/oktasync/oktasync/internal/oktasim"
)

// schemaCalls counts the requests for the user schema the org answered.
func schemaCalls(sim *oktasim.Server) int {
	n := 0
	for route, byStatus := range sim.Stats().ByRoute {
		if strings.HasPrefix(route, "GET /api/v1/meta/schemas/") {
			for _, c := range byStatus {
				n += c
			}
		}
	}
	return n
}

// An attribute the org's schema lacks stops the run, in a dry run too,
// before any write, with a message naming it, where it comes from and what
// it probably means.
func TestSchemaCheckUnknownAttribute(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		csv     string
		mapping []config.AttributeMapping
		want    []string
	}{
		{
			name: "a column",
			csv:  header[:len(header)-len(",groups\n")] + ",jobTitle,Department,groups\n" + "a@example.com,a@example.com,F,L,hr,Boss,Sales,Team\n" + "b@example.com,b@example.com,F,L,hr,Clerk,Sales,Team\n",
			want: []string{
				"lacks 2 attributes",
				`attribute "Department" (column Department, first at users.csv line 2, 2 rows): did you mean "department"?`,
				`attribute "jobTitle" (column jobTitle, first at users.csv line 2, 2 rows): did you mean "title"?`,
				"Nothing was changed",
			},
		},
		{
			name:    "a mapping rule",
			csv:     header + "a@example.com,a@example.com,F,L,hr,Team\n",
			mapping: []config.AttributeMapping{{Attribute: "badgeNo", Value: "7", HasValue: true, Where: "oktasync.yaml line 12"}},
			want:    []string{`the org's user schema has no attribute "badgeNo" (mapping.attributes.badgeNo at oktasync.yaml line 12, first at users.csv line 2)`},
		},
	}
	for _, tt := range tests {
		for _, dryRun := range []bool{true, false} {
			name := tt.name + ", apply"
			if dryRun {
				name = tt.name + ", dry run"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				h := newHarness(t, oktasim.Options{}, oktasim.Seed{
					Groups: []oktasim.SeedGroup{{Name: "Team"}},
					Users:  []oktasim.SeedUser{hrUser("gone@example.com", "Team")},
				}, tt.csv)
				h.mapping.Attributes = tt.mapping
				rep, err := h.run(t, dryRun)
				if !errors.Is(err, ErrUnknownAttribute) {
					t.Fatalf("err = %v, want ErrUnknownAttribute", err)
				}
				if rep != nil {
					t.Errorf("a report was returned: %+v", rep)
				}
				for _, w := range tt.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not contain %q", err, w)
					}
				}
				st := h.sim.Stats()
				if st.Writes != 0 {
					t.Errorf("%d writes", st.Writes)
				}
				if n := schemaCalls(h.sim); n != 1 {
					t.Errorf("%d schema calls, want 1", n)
				}
			})
		}
	}
}

// Attributes in the schema's base or custom part pass, with one call per
// run.
func TestSchemaCheckKnownAttributes(t *testing.T) {
	t.Parallel()
	h := newHarness(t, oktasim.Options{CustomAttributes: []string{"employeeType", "badge"}}, oktasim.Seed{},
		"login,email,firstName,lastName,employeeType,badge,title,costCenter,mobilePhone\n"+
			"a@example.com,a@example.com,F,L,hr,7,Boss,CC1,+1 555 0100\n")
	for range 2 {
		if _, err := h.run(t, false); err != nil {
			t.Fatal(err)
		}
	}
	if n := schemaCalls(h.sim); n != 2 {
		t.Errorf("%d schema calls in two runs, want 2", n)
	}
}

// Mapped attributes of every type reach Okta, and a second plan is empty:
// numbers and arrays read back from Okta's JSON compare equal to the
// source's values.
func TestMappingSecondPlanEmpty(t *testing.T) {
	t.Parallel()
	h := newHarness(t, oktasim.Options{CustomAttributes: []string{"employeeType", "floor", "score", "remote", "skills", "badge"}},
		oktasim.Seed{Users: []oktasim.SeedUser{hrUser("old@example.com")}},
		"Mail,First,Last,Floor,Score,Remote,Skills,Badge\n"+
			"Ada@Example.com,Ada,Lovelace,3,2.50,TRUE,Go; SQL,0042\n"+
			"Bob@Example.com,Bob,Byte,-1,1e2,false,,7\n")
	h.mapping = config.Mapping{Passthrough: false, EmptyValues: config.EmptyIgnore, Attributes: []config.AttributeMapping{
		{Attribute: "login", From: "Mail", Transform: []string{"lower"}},
		{Attribute: "email", From: "Mail"},
		{Attribute: "firstName", From: "First"},
		{Attribute: "lastName", From: "Last"},
		{Attribute: "displayName", Template: "{{.First}} {{upper .Last}}"},
		{Attribute: "employeeType", Value: "hr", HasValue: true},
		{Attribute: "floor", From: "Floor", Type: config.TypeInteger},
		{Attribute: "score", From: "Score", Type: config.TypeNumber},
		{Attribute: "remote", From: "Remote", Type: config.TypeBoolean, Transform: []string{"lower"}},
		{Attribute: "skills", From: "Skills", Type: config.TypeStringArray},
		{Attribute: "badge", From: "Badge", Type: config.TypeInteger},
	}}
	h.policy.Safety.MaxDeactivations = diff.Limit{Count: -1}
	rep, err := h.run(t, false)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Summary.Users.Create != 2 {
		t.Fatalf("summary %+v, want two creates", rep.Summary.Users)
	}
	got := h.user(t, "ada@example.com").Profile
	want := map[string]any{
		"login": "ada@example.com", "email": "Ada@Example.com", "firstName": "Ada", "lastName": "Lovelace",
		"displayName": "Ada LOVELACE", "employeeType": "hr", "floor": 3.0, "score": 2.5, "remote": true,
		"skills": []any{"Go", "SQL"}, "badge": 42.0,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Okta profile (-want +got):\n%s", diff)
	}
	rep, err = h.run(t, true)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Plan.HasChanges() {
		t.Fatalf("second plan has %d operations: %+v", len(rep.Operations), rep.Operations)
	}
}

// mapping.emptyValues clear removes the attribute an empty cell stands
// for; ignore leaves it; a rule's emptyValue overrides either.
func TestMappingEmptyValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		mode       string
		rule       string // the title rule's emptyValue
		wantTitle  any
		wantCity   any
		wantUpdate bool
	}{
		{"ignore", config.EmptyIgnore, "", "Boss", "Paris", false},
		{"clear", config.EmptyClear, "", nil, nil, true},
		{"clear one attribute", config.EmptyIgnore, config.EmptyClear, nil, "Paris", true},
		{"keep one attribute", config.EmptyClear, config.EmptyIgnore, "Boss", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			seed := hrUser("a@example.com")
			seed.Profile["title"], seed.Profile["city"] = "Boss", "Paris"
			h := newHarness(t, oktasim.Options{}, oktasim.Seed{Users: []oktasim.SeedUser{seed}},
				"login,email,firstName,lastName,employeeType,job,city\na@example.com,a@example.com,F,L,hr,,\n")
			h.mapping = config.Mapping{Passthrough: true, EmptyValues: tt.mode, Attributes: []config.AttributeMapping{
				{Attribute: "title", From: "job", EmptyValue: tt.rule},
			}}
			rep, err := h.run(t, false)
			if err != nil {
				t.Fatal(err)
			}
			if got := rep.Summary.Users.Update == 1; got != tt.wantUpdate {
				t.Errorf("update planned = %v, want %v (%+v)", got, tt.wantUpdate, rep.Operations)
			}
			p := h.user(t, "a@example.com").Profile
			if p["title"] != tt.wantTitle || p["city"] != tt.wantCity {
				t.Errorf("title, city = %v, %v; want %v, %v", p["title"], p["city"], tt.wantTitle, tt.wantCity)
			}
			if _, ok := p["title"]; ok != (tt.wantTitle != nil) {
				t.Errorf("title present = %v", ok)
			}
			rep, err = h.run(t, true)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Plan.HasChanges() {
				t.Fatalf("second plan has %d operations: %+v", len(rep.Operations), rep.Operations)
			}
		})
	}
}

func TestNearest(t *testing.T) {
	t.Parallel()
	names := []string{"city", "costCenter", "department", "email", "login", "manager", "managerId", "title"}
	tests := []struct{ name, want string }{
		{"Department", "department"},
		{"departmnet", "department"},
		{"cost_center", "costCenter"},
		{"jobTitle", "title"},
		{"workCity", "city"},
		{"xyz", ""},
		{"floor", ""},
	}
	for _, tt := range tests {
		if got := (SchemaHints{Suggest: config.Suggest}).nearest(tt.name, names); got != tt.want {
			t.Errorf("nearest(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}
