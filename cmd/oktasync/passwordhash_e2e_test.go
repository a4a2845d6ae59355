package main

import (
	"crypto/rand"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oktasync/oktasync/internal/oktasim"
)

// hashMapping is the mapping section of a config that imports password
// hashes from the columns pw_alg, pw_hash and pw_salt.
const hashMapping = `mapping:
  passwordHash:
    algorithm: {from: pw_alg}
    value: pw_hash
    salt: pw_salt
    saltOrder: {value: PREFIX}
    workFactor: {value: 10}
`

// hashUser is a source user with an imported hash (alg empty: none).
type hashUser struct{ login, alg, hash, salt string }

// radix64 returns n random characters of bcrypt's alphabet.
func radix64(t *testing.T, n int) string {
	const alphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// hashUsers returns n users with random hashes: BCRYPT (whole $2b$
// strings) and salted SHA-512 in turn, and one more without a hash.
func hashUsers(t *testing.T, prefix string, n int) []hashUser {
	var out []hashUser
	for i := range n {
		u := hashUser{login: fmt.Sprintf("%s%02d@example.com", prefix, i)}
		if i%2 == 0 {
			u.alg, u.hash = "BCRYPT", "$2b$10$"+radix64(t, 22)+radix64(t, 31)
		} else {
			salt := make([]byte, 16)
			_, _ = rand.Read(salt)
			sum := sha512.Sum512(append(salt, []byte(radix64(t, 12))...))
			u.alg, u.hash, u.salt = "SHA-512", base64.StdEncoding.EncodeToString(sum[:]), base64.StdEncoding.EncodeToString(salt)
		}
		out = append(out, u)
	}
	return append(out, hashUser{login: prefix + "plain@example.com"})
}

func hashUsersCSV(users []hashUser) string {
	var b strings.Builder
	b.WriteString("login,email,firstName,lastName,employeeType,groups,pw_alg,pw_hash,pw_salt\n")
	for i, u := range users {
		fmt.Fprintf(&b, "%s,%s,First%d,Last%d,Employee,Team A,%s,%s,%s\n", u.login, u.login, i, i, u.alg, u.hash, u.salt)
	}
	return b.String()
}

// hashConfigDir writes the users and the config and returns the config's
// path.
func hashConfigDir(t *testing.T, orgURL, usersCSV string) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "users.csv"), usersCSV)
	cfg := filepath.Join(dir, "oktasync.yaml")
	writeFile(t, cfg, simConfig(orgURL, "", hashMapping))
	return cfg
}

// TestImportedPasswordsEndToEnd creates users with imported password
// hashes through the built binary: the plan says so without showing a
// hash, Okta gets each hash on create (the org records the fact), and no
// user is emailed.
func TestImportedPasswordsEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	const token = "hash-e2e-token-8a2f"
	h := newOrgHarness(t, oktasim.Options{Tokens: []string{token}, RateLimit: oktasim.RateLimitOptions{Window: time.Second, Scale: 20}}, oktasim.Seed{})
	users := hashUsers(t, "imp", 4)
	cfg := hashConfigDir(t, h.URL, hashUsersCSV(users))
	env := []string{"OKTA_CLIENT_TOKEN=" + token}

	r := runOktasync(t, env, "plan", "--config", cfg, "--no-color")
	if r.code != exitOK {
		t.Fatalf("plan: exit %d\n%s", r.code, lastLines(r.stderr, 10))
	}
	for _, u := range users {
		line := "+ create user " + u.login + " (with imported password)\n"
		if got := strings.Contains(r.stdout, line); got != (u.alg != "") {
			t.Errorf("plan shows %q: %v, want %v", line, got, u.alg != "")
		}
	}
	if !strings.Contains(r.stdout, "Okta will email no user.") {
		t.Errorf("the plan does not say no user is emailed:\n%s", r.stdout)
	}
	r = runOktasync(t, env, "run", "--config", cfg)
	if r.code != exitOK {
		t.Fatalf("run: exit %d\n%s", r.code, lastLines(r.stderr, 10))
	}
	byLogin := map[string]oktasim.SnapshotUser{}
	for _, u := range h.sim.Snapshot().Users {
		byLogin[u.Profile["login"].(string)] = u
	}
	for _, u := range users {
		su, ok := byLogin[u.login]
		if !ok {
			t.Errorf("%s was not created", u.login)
			continue
		}
		if want := map[bool]string{true: "yes"}[u.alg != ""]; su.ImportedHash != want {
			t.Errorf("%s: imported hash %q, want %q", u.login, su.ImportedHash, want)
		}
	}
	if st := h.sim.Stats(); st.Emails != 0 {
		t.Errorf("Okta emailed %d users", st.Emails)
	}
}

// TestImportedPasswordsBadRow checks that a row with a bad hash stops the
// run with exit 1, naming the row and never quoting the hash, with no
// write.
func TestImportedPasswordsBadRow(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	const token = "hash-bad-e2e-token-5d0e"
	h := newOrgHarness(t, oktasim.Options{Tokens: []string{token}}, oktasim.Seed{})
	users := hashUsers(t, "bad", 2)
	short := radix64(t, 30)
	users[0].hash = "$2b$10$" + radix64(t, 22) + short // one character short
	cfg := hashConfigDir(t, h.URL, hashUsersCSV(users))
	for _, cmd := range []string{"validate", "plan", "run"} {
		r := runOktasync(t, []string{"OKTA_CLIENT_TOKEN=" + token}, cmd, "--config", cfg, "--log-level", "debug")
		if r.code != exitError {
			t.Errorf("%s: exit %d, want %d", cmd, r.code, exitError)
		}
		if !strings.Contains(r.stderr, "users.csv line 2: passwordHash value: looks like a bcrypt string but is not one") {
			t.Errorf("%s: stderr does not name the row and the problem:\n%s", cmd, lastLines(r.stderr, 5))
		}
		if strings.Contains(r.stdout+r.stderr, short) {
			t.Errorf("%s: the output quotes the hash", cmd)
		}
	}
	if w := h.writes.Load(); w != 0 {
		t.Errorf("%d writes", w)
	}
}
