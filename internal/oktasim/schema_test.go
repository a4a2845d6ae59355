package oktasim

import (
	"slices"
	"sort"
	"strings"
	"testing"
)

// TestDefaultUserSchemaIsBaseProfile checks that a default org's user
// schema is exactly the base profile okta-api.md lists (oktaBaseProfile,
// written out by hand): no attribute beyond it, none missing, and no custom
// attribute (employeeType and hireDate are custom on Okta).
func TestDefaultUserSchemaIsBaseProfile(t *testing.T) {
	t.Parallel()
	for name, opts := range map[string]Options{"zero": {}, "empty list": {CustomAttributes: []string{}}, "realistic": Realistic(Options{})} {
		e := newEnv(t, opts)
		base, custom, _ := schemaAttrs(t, e)
		want := strings.Fields(oktaBaseProfile)
		sort.Strings(want)
		for _, a := range base {
			if !slices.Contains(want, a) {
				t.Errorf("%s: base attribute %q is not in okta-api.md's base profile", name, a)
			}
		}
		for _, a := range want {
			if !slices.Contains(base, a) {
				t.Errorf("%s: base attribute %q of okta-api.md is missing", name, a)
			}
		}
		if len(custom) != 0 {
			t.Errorf("%s: default org has custom attributes %v, want none", name, custom)
		}
	}
}

// TestDefaultSchemaRefusesUndeclared checks that a default org (no options)
// refuses an attribute outside the base profile on create, update, replace
// and in a seed, with Okta's 400 E0000001 naming it, and accepts every base
// attribute.
func TestDefaultSchemaRefusesUndeclared(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	for _, attr := range []string{"employeeType", "hireDate", "anything"} {
		r := e.do("POST", "/api/v1/users?activate=false", map[string]any{"profile": profile("u@example.com", attr, "x")})
		mustStatus(t, r, 400)
		if r.errorCode(t) != "E0000001" || !strings.Contains(string(r.body), "Property name '"+attr+"' is not defined") {
			t.Errorf("create with %s: %s", attr, r.body)
		}
	}
	if n := len(e.sim.Snapshot().Users); n != 0 {
		t.Errorf("%d users after refused creates, want 0", n)
	}

	// Every base attribute is accepted.
	extra := []any{}
	for _, a := range strings.Fields(oktaBaseProfile) {
		if a != "login" && a != "email" {
			extra = append(extra, a, "v-"+a)
		}
	}
	r := e.do("POST", "/api/v1/users?activate=false", map[string]any{"profile": profile("b@example.com", extra...)})
	mustStatus(t, r, 200)
	id := r.obj(t)["id"].(string)

	r = e.do("POST", "/api/v1/users/"+id, map[string]any{"profile": map[string]any{"employeeType": "hr"}})
	mustStatus(t, r, 400)
	if r.errorCode(t) != "E0000001" {
		t.Errorf("update with employeeType: %s", r.body)
	}
	mustStatus(t, e.do("PUT", "/api/v1/users/"+id, map[string]any{"profile": profile("b@example.com", "hireDate", "2020-01-01")}), 400)
	mustStatus(t, e.do("POST", "/api/v1/users/"+id, map[string]any{"profile": map[string]any{"userType": "Employee"}}), 200)

	err := e.sim.Seed(Seed{Users: []SeedUser{{Profile: profile("s@example.com", "employeeType", "hr")}}})
	if err == nil || !strings.Contains(err.Error(), "employeeType") {
		t.Errorf("seed user with undeclared employeeType: err %v", err)
	}
	if n := len(e.sim.Snapshot().Users); n != 1 {
		t.Errorf("%d users after the refused seed, want 1", n)
	}
}
