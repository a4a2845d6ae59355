package oktasim

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestSnapshotSeedsACopy checks that GET /sim/state, written to a file,
// seeds (LoadSeedFile, Seed) an org whose snapshot is the same: ids,
// statuses, profiles, custom attributes, group types and memberships.
func TestSnapshotSeedsACopy(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{CustomAttributes: []string{"employeeType", "badge:integer"}})
	err := e.sim.Seed(Seed{
		Groups: []SeedGroup{{Name: "Engineering", Description: "builders"}, {Name: "App people", Type: "APP_GROUP"}},
		Users: []SeedUser{
			{Profile: map[string]any{"login": "a@example.com", "email": "a@example.com", "firstName": "A", "lastName": "One", "employeeType": "FTE", "badge": 7}, Groups: []string{"Engineering", "App people"}},
			{Status: "SUSPENDED", Profile: map[string]any{"login": "b@example.com", "email": "b@example.com", "firstName": "B", "lastName": "Two"}, Groups: []string{"Engineering"}},
			{Status: "STAGED", Profile: map[string]any{"login": "c@example.com", "email": "c@example.com", "firstName": "C", "lastName": "Three"}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(e.srv.URL + "/sim/state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "state.json")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	seed, err := LoadSeedFile(path)
	if err != nil {
		t.Fatalf("a /sim/state document as a seed: %v", err)
	}
	copyOrg, err := New(Options{Tokens: []string{testToken}})
	if err != nil {
		t.Fatal(err)
	}
	if err := copyOrg.Seed(seed); err != nil {
		t.Fatalf("seed from /sim/state: %v", err)
	}
	want, got := e.sim.Snapshot(), copyOrg.Snapshot()
	dropEveryoneID(&want)
	dropEveryoneID(&got)
	wantJSON, _ := json.Marshal(want)
	gotJSON, _ := json.Marshal(got)
	if !reflect.DeepEqual(wantJSON, gotJSON) {
		t.Errorf("the seeded copy differs:\n got %s\nwant %s", gotJSON, wantJSON)
	}
}

// dropEveryoneID blanks the id of Everyone, which every org makes anew.
func dropEveryoneID(s *Snapshot) {
	for i := range s.Groups {
		if s.Groups[i].Type == groupBuiltIn {
			s.Groups[i].ID = ""
		}
	}
}

// TestSeedGroupMembersChecked checks that a seed group's member must be a
// user of the seed or of the org, and that a BUILT_IN group other than
// Everyone is refused.
func TestSeedGroupMembersChecked(t *testing.T) {
	t.Parallel()
	sim, err := New(Options{Tokens: []string{testToken}})
	if err != nil {
		t.Fatal(err)
	}
	err = sim.Seed(Seed{Groups: []SeedGroup{{Name: "VPN", Members: []string{"ghost@example.com"}}}})
	if err == nil || !strings.Contains(err.Error(), `member "ghost@example.com"`) {
		t.Errorf("unknown member: %v", err)
	}
	err = sim.Seed(Seed{Groups: []SeedGroup{{Name: "Admins", Type: "BUILT_IN"}}})
	if err == nil || !strings.Contains(err.Error(), "BUILT_IN only for Everyone") {
		t.Errorf("BUILT_IN Admins: %v", err)
	}
	if n := len(sim.Snapshot().Groups); n != 1 {
		t.Errorf("a refused seed left %d groups, want Everyone alone", n)
	}
}
