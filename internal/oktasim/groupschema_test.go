package oktasim

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestGroupSchema checks the group schema endpoint and that group writes
// are checked against it: undeclared attributes and values of another
// type are refused with 400 E0000001, and a replace removes the
// attributes it leaves out, as Okta's PUT does.
func TestGroupSchema(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{GroupCustomAttributes: []string{"costCode", "floor:integer"}})
	r := e.do("GET", "/api/v1/meta/schemas/group/default", nil)
	mustStatus(t, r, 200)
	var sc struct {
		Definitions struct {
			Base, Custom struct {
				Properties map[string]struct{ Type string }
			}
		}
	}
	r.json(t, &sc)
	if len(sc.Definitions.Base.Properties) != 2 || sc.Definitions.Base.Properties["name"].Type != "string" {
		t.Errorf("base properties = %v, want name and description", sc.Definitions.Base.Properties)
	}
	if sc.Definitions.Custom.Properties["floor"].Type != "integer" || sc.Definitions.Custom.Properties["costCode"].Type != "string" {
		t.Errorf("custom properties = %v", sc.Definitions.Custom.Properties)
	}
	mustStatus(t, e.do("GET", "/api/v1/meta/schemas/group/other", nil), 404)

	for _, bad := range []map[string]any{
		{"name": "X", "owner": "ann"},
		{"name": "X", "floor": "three"},
		{"name": "X", "floor": 2.5},
	} {
		r := e.do("POST", "/api/v1/groups", map[string]any{"profile": bad})
		if r.status != 400 || r.errorCode(t) != "E0000001" {
			t.Errorf("create %v: %d %s, want 400 E0000001", bad, r.status, r.body)
		}
	}
	r = e.do("POST", "/api/v1/groups", map[string]any{"profile": map[string]any{"name": "Eng", "costCode": "CC-1", "floor": 3}})
	mustStatus(t, r, 200)
	id := r.obj(t)["id"].(string)
	if p := r.obj(t)["profile"].(map[string]any); p["costCode"] != "CC-1" || p["floor"] != 3.0 {
		t.Errorf("created profile = %v", p)
	}
	r = e.do("PUT", "/api/v1/groups/"+id, map[string]any{"profile": map[string]any{"name": "Eng", "owner": "x"}})
	if r.status != 400 || !strings.Contains(string(r.body), "not defined in the group schema") {
		t.Errorf("replace with an undeclared attribute: %d %s", r.status, r.body)
	}
	mustStatus(t, e.do("PUT", "/api/v1/groups/"+id, map[string]any{"profile": map[string]any{"name": "Eng", "floor": 4}}), 200)
	for _, g := range e.sim.Snapshot().Groups {
		if g.Name == "Eng" {
			b, _ := json.Marshal(g.Attributes)
			if string(b) != `{"floor":4}` {
				t.Errorf("after a replace without costCode: attributes %s, want only floor", b)
			}
		}
	}
}

// TestImportedPasswordHash checks that a hash is taken on create only
// (and into a STAGED user), counts as a password (ACTIVE, no email), shows
// in the snapshot only as "yes", and that a bad hash is refused without
// quoting it.
func TestImportedPasswordHash(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	const value = "ABCDEFGHIJKLMNOPQRSTUVWXYZ./012"
	hash := map[string]any{"algorithm": "BCRYPT", "workFactor": 10, "salt": "abcdefghijklmnopqrstuv", "value": value}
	r := e.do("POST", "/api/v1/users?activate=true", map[string]any{
		"profile": profile("h@example.com"), "credentials": map[string]any{"password": map[string]any{"hash": hash}},
	})
	mustStatus(t, r, 200)
	id := r.obj(t)["id"].(string)
	if st := r.obj(t)["status"]; st != "ACTIVE" {
		t.Errorf("status %v, want ACTIVE", st)
	}
	snap, _ := json.Marshal(e.sim.Snapshot())
	if !strings.Contains(string(snap), `"importedHash":"yes"`) || strings.Contains(string(snap), value) {
		t.Errorf("snapshot: want importedHash yes and no hash value:\n%s", snap)
	}
	if n := e.sim.Stats().Emails; n != 0 {
		t.Errorf("%d emails sent", n)
	}
	r = e.do("POST", "/api/v1/users/"+id, map[string]any{"credentials": map[string]any{"password": map[string]any{"hash": hash}}})
	if r.status != 400 || r.errorCode(t) != "E0000001" {
		t.Errorf("hash on an update of an ACTIVE user: %d %s, want 400 E0000001", r.status, r.body)
	}
	bad := map[string]any{"algorithm": "BCRYPT", "workFactor": 25, "salt": "short", "value": value}
	r = e.do("POST", "/api/v1/users?activate=false", map[string]any{
		"profile": profile("b@example.com"), "credentials": map[string]any{"password": map[string]any{"hash": bad}},
	})
	if r.status != 400 || !strings.Contains(string(r.body), "workFactor") || strings.Contains(string(r.body), value) {
		t.Errorf("bad hash: %d %s", r.status, r.body)
	}
	r = e.do("POST", "/api/v1/users?activate=false", map[string]any{"profile": profile("s@example.com")})
	mustStatus(t, r, 200)
	mustStatus(t, e.do("POST", "/api/v1/users/"+r.obj(t)["id"].(string), map[string]any{"credentials": map[string]any{"password": map[string]any{"hash": hash}}}), 200)
}
