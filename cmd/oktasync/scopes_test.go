package main

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/oktasync/oktasync/internal/oktasim"
)

// rsaKeyPEM returns a new RSA key for an OAuth service app and its PKCS#8
// PEM.
func rsaKeyPEM(t *testing.T) (*rsa.PrivateKey, string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return key, string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// exampleScopes returns the OAuth scopes config.example.yaml shows for
// okta.scopes.
func exampleScopes(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "config.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*# scopes: \[([^\]]*)\]`).FindSubmatch(b)
	if m == nil {
		t.Fatal("config.example.yaml shows no okta.scopes line")
	}
	var scopes []string
	for _, s := range strings.Split(string(m[1]), ",") {
		scopes = append(scopes, strings.TrimSpace(s))
	}
	return scopes
}

// TestExampleScopesSufficeForARun runs a sync that creates and updates users
// and groups and their memberships, as an OAuth service app granted exactly
// the scopes config.example.yaml lists: it must succeed with no 403, and a
// plan after it must be empty. The same run without okta.schemas.read,
// okta.users.manage or okta.groups.manage must fail: each is needed.
func TestExampleScopesSufficeForARun(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	t.Parallel()
	scopes := exampleScopes(t)
	if !slices.Contains(scopes, "okta.schemas.read") {
		t.Errorf("config.example.yaml's scopes %v lack okta.schemas.read, which a run's schema check needs", scopes)
	}
	key, keyPEM := rsaKeyPEM(t)
	const clientID = "0oaScopesTestClient"

	for _, tc := range []struct {
		name    string
		granted []string
		wantOK  bool
	}{
		{"the example's scopes", scopes, true},
		{"without okta.schemas.read", slices.DeleteFunc(slices.Clone(scopes), func(s string) bool { return s == "okta.schemas.read" }), false},
		{"without okta.users.manage", slices.DeleteFunc(slices.Clone(scopes), func(s string) bool { return s == "okta.users.manage" }), false},
		{"without okta.groups.manage", slices.DeleteFunc(slices.Clone(scopes), func(s string) bool { return s == "okta.groups.manage" }), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newOrgHarness(t, oktasim.Options{
				Clients: []oktasim.OAuthClient{{ClientID: clientID, PublicKeys: []crypto.PublicKey{&key.PublicKey}, Scopes: tc.granted}},
			}, secretsSource().seed)
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "okta.pem"), keyPEM)
			secretsSource().writeCSV(t, filepath.Join(dir, "users.csv"))
			// The app requests the scopes it was granted, as an operator
			// following the example would configure both alike.
			oktaExtra := fmt.Sprintf("  authorizationMode: PrivateKey\n  clientId: %s\n  scopes: [%s]\n  privateKeyFile: okta.pem\n",
				clientID, strings.Join(tc.granted, ", "))
			cfg := filepath.Join(dir, "oktasync.yaml")
			writeFile(t, cfg, simConfig(h.URL, oktaExtra, ""))

			r := runOktasync(t, nil, "run", "--config", cfg)
			forbidden := 0
			for _, byStatus := range h.sim.Stats().ByRoute {
				forbidden += byStatus[403]
			}
			if !tc.wantOK {
				if r.code == exitOK || forbidden == 0 {
					t.Errorf("run with scopes %v: exit %d, %d answers 403; want a failure on a missing scope", tc.granted, r.code, forbidden)
				}
				return
			}
			if r.code != exitOK || forbidden != 0 {
				t.Fatalf("run with the example's scopes %v: exit %d, %d answers 403\n%s", tc.granted, r.code, forbidden, lastLines(r.stderr, 10))
			}
			st := h.sim.Stats()
			if st.UsersCreated == 0 || st.Writes == 0 {
				t.Errorf("the run created %d users in %d writes; the test checked too little", st.UsersCreated, st.Writes)
			}
			if r := runOktasync(t, nil, "plan", "--config", cfg, "--detailed-exitcode"); r.code != exitOK {
				t.Errorf("plan after the run: exit %d, want %d (nothing to do)\n%s", r.code, exitOK, lastLines(r.stderr, 10))
			}
		})
	}
}
