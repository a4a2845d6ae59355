package main

import (
	"crypto"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oktasync/oktasync/internal/oktasim"
)

// TestValidateCatchesWhatCannotWork: validate refuses what would load and
// connect yet cannot work (an empty source, a scope naming an attribute the
// schema lacks, a scope that matches none of the source users Okta has,
// OAuth scopes a run needs but does not request), and notes a scope that
// matches no one on an org whose users oktasync will create.
func TestValidateCatchesWhatCannotWork(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	t.Parallel()
	key, keyPEM := rsaKeyPEM(t)
	const clientID = "0oaValidateCatches"
	granted := []string{"okta.users.read", "okta.users.manage", "okta.groups.read", "okta.schemas.read"}
	h := newOrgHarness(t, oktasim.Options{
		Tokens:  []string{"catch-token-31"},
		Clients: []oktasim.OAuthClient{{ClientID: clientID, PublicKeys: []crypto.PublicKey{&key.PublicKey}, Scopes: granted}},
	}, oktasim.Seed{Users: []oktasim.SeedUser{{Profile: map[string]any{
		"login": "ada@example.com", "email": "ada@example.com", "firstName": "Ada", "lastName": "L", "employeeType": "Employee",
	}}}})
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "okta.pem"), keyPEM)
	writeFile(t, filepath.Join(dir, "existing.csv"), "login,email,firstName,lastName,employeeType\nada@example.com,ada@example.com,Ada,L,Employee\n")
	writeFile(t, filepath.Join(dir, "new.csv"), "login,email,firstName,lastName,employeeType\nbob@example.com,bob@example.com,Bob,M,Employee\n")
	writeFile(t, filepath.Join(dir, "empty.csv"), "login,email,firstName,lastName\n")
	sswsAuth := "  token: catch-token-31\n"
	oauth := fmt.Sprintf("  authorizationMode: PrivateKey\n  clientId: %s\n  scopes: [%s]\n  privateKeyFile: okta.pem\n", clientID, strings.Join(granted, ", "))
	for _, tc := range []struct {
		name, auth, users, scope string
		wantCode                 int
		want                     []string
	}{
		{"a scope matching the source's users", sswsAuth, "existing.csv", `profile.employeeType eq "Employee"`, 0, []string{"ok  okta"}},
		{"an empty source", sswsAuth, "empty.csv", `profile.employeeType eq "Employee"`, 1,
			[]string{"source unreadable or invalid: ", "empty.csv has no users"}},
		{"a scope on an attribute the schema lacks", sswsAuth, "existing.csv", `profile.badgeNumber eq "7" or profile.employeeType eq "profile.x"`, 1,
			[]string{"Okta check failed: ", `names an attribute the org's user schema lacks: "badgeNumber"`}},
		{"a scope matching none of the source users Okta has", sswsAuth, "existing.csv", `profile.employeeType eq "Contractor"`, 1,
			[]string{"Okta check failed: ", "matches no user in Okta, yet source users exist there (such as ada@example.com)"}},
		{"a scope matching no one on an org to be filled", sswsAuth, "new.csv", `profile.employeeType eq "Contractor"`, 0,
			[]string{"ok  okta", `warning: scope.users "profile.employeeType eq \"Contractor\"" matches no user in Okta yet`}},
		{"OAuth scopes a run needs but does not request", oauth, "existing.csv", `profile.employeeType eq "Employee"`, 1,
			[]string{"Okta check failed: okta.scopes lacks what a run needs: okta.groups.manage (to create groups and add and remove members)"}},
	} {
		cfg := filepath.Join(dir, "oktasync.yaml")
		writeFile(t, cfg, strings.Replace(simConfig(h.URL, tc.auth, ""), "users: users.csv", "users: "+tc.users, 1))
		writeFile(t, cfg, strings.Replace(mustRead(t, cfg), `profile.employeeType eq "Employee"`, tc.scope, 1))
		r := runOktasync(t, nil, "validate", "--config", cfg)
		out := r.stdout + r.stderr
		if r.code != tc.wantCode {
			t.Errorf("%s: exit %d, want %d:\n%s", tc.name, r.code, tc.wantCode, out)
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: the output lacks %q:\n%s", tc.name, w, out)
			}
		}
	}
}
