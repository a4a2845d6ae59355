package oktasim

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Links are seeded, shown in the snapshot, kept through a deactivation and
// dropped with a deleted user; a user's link calls fall in the users
// bucket and definition calls in the "other" bucket.
func TestLinkedObjects(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	seed := Seed{
		Users: []SeedUser{
			{Profile: profile("boss@example.com")}, {Profile: profile("ann@example.com")}, {Profile: profile("ben@example.com")},
		},
		LinkDefinitions: []LinkDefinition{{Primary: "manager", Associated: "directReports"}},
		Links:           []SeedLink{{Relationship: "manager", User: "ann@example.com", Primary: "boss@example.com"}},
	}
	if err := e.sim.Seed(seed); err != nil {
		t.Fatal(err)
	}
	bad := Seed{Links: []SeedLink{{Relationship: "directReports", User: "ann@example.com", Primary: "boss@example.com"}}}
	if err := e.sim.Seed(bad); err == nil {
		t.Error("a seed link naming an associated name was accepted")
	}
	id := map[string]string{}
	for _, u := range e.sim.Snapshot().Users {
		id[u.Profile["login"].(string)] = u.ID
	}
	e.sim.stats.reset()
	mustStatus(t, e.do("PUT", "/api/v1/users/ben@example.com/linkedObjects/manager/"+id["boss@example.com"], nil), http.StatusNoContent)
	mustStatus(t, e.do("GET", "/api/v1/meta/schemas/user/linkedObjects/manager", nil), http.StatusOK)
	if b := e.sim.Stats().ByBucket; b[bucketUsers] != 1 || b[bucketOther] != 1 {
		t.Errorf("requests by bucket = %v, want one in %s and one in %s", b, bucketUsers, bucketOther)
	}

	var reports []map[string]map[string]map[string]string
	e.do("GET", "/api/v1/users/"+id["boss@example.com"]+"/linkedObjects/directReports", nil).json(t, &reports)
	if len(reports) != 2 {
		t.Errorf("boss's reports = %v, want ann and ben", reports)
	}

	mustStatus(t, e.do("POST", "/api/v1/users/"+id["ann@example.com"]+"/lifecycle/deactivate", nil), http.StatusOK)
	want := []SnapshotLink{
		{Relationship: "manager", User: "ann@example.com", Primary: "boss@example.com"},
		{Relationship: "manager", User: "ben@example.com", Primary: "boss@example.com"},
	}
	if d := cmp.Diff(want, e.sim.Snapshot().Links); d != "" {
		t.Errorf("links after ann's deactivation (-want +got):\n%s", d)
	}
	mustStatus(t, e.do("DELETE", "/api/v1/users/"+id["boss@example.com"], nil), http.StatusNoContent)
	mustStatus(t, e.do("DELETE", "/api/v1/users/"+id["boss@example.com"], nil), http.StatusNoContent)
	if links := e.sim.Snapshot().Links; len(links) != 0 {
		t.Errorf("links after the manager's deletion = %v, want none", links)
	}
}
