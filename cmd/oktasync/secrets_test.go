package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite" // the "sqlite" driver, to read the state store's rows

	"github.com/oktasync/oktasync/internal/oktasim"
	"github.com/oktasync/oktasync/internal/pgtest"
)

// secretSet gathers the secrets a test must never find in what oktasync
// leaves behind, including those seen on the wire (access tokens, client
// assertions).
type secretSet struct {
	mu     sync.Mutex
	values map[string]string // secret -> what it is
}

func (s *secretSet) add(what, v string) {
	v = strings.TrimSpace(v)
	if len(v) < needleLen {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.values == nil {
		s.values = map[string]string{}
	}
	if _, ok := s.values[v]; !ok {
		s.values[v] = what
	}
}

// needleLen is the length of the fragments searched for: any 16 characters
// in a row of a secret count as a leak.
const needleLen = 16

// needles returns what to search for: every needleLen-character window of
// each secret, so that a part of a secret is found as well as the whole. A
// JWT's header, which every JWT of the same kind shares, is left out of the
// search.
func (s *secretSet) needles() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]string{}
	for v, what := range s.values {
		if strings.HasPrefix(v, "eyJ") && strings.Count(v, ".") == 2 {
			v = v[strings.Index(v, ".")+1:]
		}
		if len(v) < needleLen {
			continue
		}
		for i := 0; i+needleLen <= len(v); i++ {
			out[v[i:i+needleLen]] = what
		}
	}
	return out
}

// watchCredentials records every credential the harness sees on the wire:
// SSWS tokens, access tokens (Bearer and DPoP) and client assertions.
func watchCredentials(h *orgHarness, secrets *secretSet) {
	h.setHook(func(w http.ResponseWriter, r *http.Request, _ int64) bool {
		if scheme, cred, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok {
			secrets.add(scheme+" credential on the wire", cred)
		}
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/v1/token") {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			if form, err := url.ParseQuery(string(body)); err == nil {
				secrets.add("client assertion", form.Get("client_assertion"))
			}
		}
		return false
	})
}

// pemSecrets adds a PEM private key's lines and its base64 body, so that
// the key is found whether it leaks as PEM, as one line of base64, or in
// part.
func pemSecrets(secrets *secretSet, keyPEM string) {
	var body strings.Builder
	for _, line := range strings.Split(keyPEM, "\n") {
		if line == "" || strings.HasPrefix(line, "-----") {
			continue
		}
		body.WriteString(line)
	}
	secrets.add("private key (base64 body)", body.String())
	if der, err := base64.StdEncoding.DecodeString(body.String()); err == nil {
		secrets.add("private key (hex)", hex.EncodeToString(der))
		secrets.add("private key (raw URL base64)", base64.RawURLEncoding.EncodeToString(der))
	}
}

// stateRows renders every row of every table of the SQLite state store.
func stateRows(t *testing.T, path string) string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tables, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table'`)
	if err != nil {
		t.Fatalf("list state tables: %v", err)
	}
	var names []string
	for tables.Next() {
		var n string
		if err := tables.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	tables.Close()
	var b strings.Builder
	rows := 0
	for _, n := range names {
		q, err := db.Query(`SELECT * FROM "` + n + `"`)
		if err != nil {
			t.Fatalf("read state table %s: %v", n, err)
		}
		cols, _ := q.Columns()
		for q.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := q.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			rows++
			fmt.Fprintf(&b, "%s:", n)
			for _, v := range vals {
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				fmt.Fprintf(&b, " %v", v)
			}
			b.WriteByte('\n')
		}
		q.Close()
	}
	if rows == 0 {
		t.Fatalf("the state store at %s has no rows; nothing was checked", path)
	}
	return b.String()
}

// leftBehind is everything oktasync wrote that a secret must not reach,
// by where it was found.
type leftBehind map[string]string

// runEveryCommand runs validate, plan --out, apply, run (JSON and text),
// and runs (JSON and text) with cfg at debug level, and returns what they
// left behind: each one's stdout and stderr, the reports, the saved plan,
// the SQLite state files and the state store's rows (cfg's directory
// holds the state.db).
func runEveryCommand(t *testing.T, env []string, cfg string) leftBehind {
	t.Helper()
	dir := filepath.Dir(cfg)
	planFile, report, applyReport := filepath.Join(dir, "saved.plan"), filepath.Join(dir, "report.json"), filepath.Join(dir, "apply-report.json")
	debug := []string{"--config", cfg, "--log-level", "debug"}
	out := leftBehind{}
	for i, args := range [][]string{
		append([]string{"validate"}, debug...),
		append([]string{"plan", "--output", "json", "--out", planFile}, debug...),
		append([]string{"apply", planFile, "--output", "json", "--report", applyReport}, debug...),
		append([]string{"run", "--output", "json", "--report", report}, debug...),
		append([]string{"run", "--output", "text", "--log-format", "text"}, debug...),
		append([]string{"runs", "--output", "json"}, debug...),
		append([]string{"runs"}, debug...),
	} {
		r := runOktasync(t, env, args...)
		if r.code != exitOK && r.code != exitPartial && r.code != exitError {
			t.Fatalf("%v: exit %d\n%s", args, r.code, lastLines(r.stderr, 10))
		}
		if r.code != exitOK {
			t.Logf("%s: exit %d: %s", args[0], r.code, lastLines(r.stderr, 1))
		}
		out[fmt.Sprintf("stdout of %s #%d", args[0], i)] = r.stdout
		out[fmt.Sprintf("stderr of %s #%d", args[0], i)] = r.stderr
	}
	for _, f := range []string{report, applyReport, planFile, "state.db", "state.db-wal", "state.db-shm", "state.db.lock"} {
		out.addFile(t, filepath.Join(dir, filepath.Base(f)))
	}
	out["state store rows"] = stateRows(t, filepath.Join(dir, "state.db"))
	return out
}

func (l leftBehind) addFile(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return
		}
		t.Fatal(err)
	}
	l[filepath.Base(path)] = string(b)
}

func (l leftBehind) check(t *testing.T, secrets *secretSet) {
	t.Helper()
	if len(secrets.needles()) == 0 {
		t.Fatal("no secrets to search for")
	}
	for _, f := range l.find(secrets) {
		t.Error(f)
	}
}

// find returns where a part of a secret was found, at most one finding
// per place.
func (l leftBehind) find(secrets *secretSet) []string {
	var found []string
	needles := secrets.needles()
	for where, text := range l {
		// No JWT (access token, client assertion, DPoP proof) belongs in
		// what oktasync leaves behind, whoever issued it.
		if i := strings.Index(text, "eyJhbGci"); i >= 0 {
			found = append(found, fmt.Sprintf("%s holds a JWT at byte %d", where, i))
		}
		for i := 0; i+needleLen <= len(text); i++ {
			if what, ok := needles[text[i:i+needleLen]]; ok {
				found = append(found, fmt.Sprintf("%s holds part of the %s (%q at byte %d)", where, what, text[i:i+needleLen], i))
				break
			}
		}
	}
	return found
}

// TestSecretSearchFindsParts checks the search itself: a fragment of a key
// or a token, in any place, is found.
func TestSecretSearchFindsParts(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	keyPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	lines := strings.Split(keyPEM, "\n")
	token := randomSecret(t, "00tok")
	secrets := &secretSet{}
	secrets.add("token", token)
	pemSecrets(secrets, keyPEM)
	for _, leak := range []string{
		token, token[3:22], lines[3], lines[5][10:30],
		base64.RawURLEncoding.EncodeToString(der)[200:230], hex.EncodeToString(der)[100:140],
	} {
		l := leftBehind{"log": `{"level":"DEBUG","msg":"x","v":"` + leak + `"}`}
		if len(l.find(secrets)) == 0 {
			t.Errorf("the search misses %q", leak)
		}
	}
	if f := (leftBehind{"log": keyPEM[:10] + " BEGIN PRIVATE KEY " + token[:6]}).find(secrets); len(f) != 0 {
		t.Errorf("false positives: %v", f)
	}
}

// secretsSource is a small source: 10 users already in the org (half with
// a drifted title) and 10 to create, in two groups.
func secretsSource() e2eData {
	var d e2eData
	d.seed.Groups = []oktasim.SeedGroup{{Name: "Team A"}}
	for i := range 20 {
		u := csvUser{login: fmt.Sprintf("sec%02d@example.com", i), first: "F", last: fmt.Sprint(i), dept: "Sales", title: "T", groups: []string{"Team A", "Team B"}}
		d.csvUsers = append(d.csvUsers, u)
		if i < 10 {
			title := "T"
			if i%2 == 0 {
				title = "Drifted"
			}
			d.seed.Users = append(d.seed.Users, oktasim.SeedUser{Profile: map[string]any{
				"login": u.login, "email": u.login, "firstName": u.first, "lastName": u.last,
				"department": u.dept, "title": title, "employeeType": "Employee",
			}, Groups: []string{"Team A"}})
		}
	}
	return d
}

func randomSecret(t *testing.T, prefix string) string {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// TestSecretsNeverLeak runs validate, plan (saving the plan), apply of the
// saved plan, run (with faults, so that errors are logged too) and runs
// with debug logging, first with an SSWS token, then
// with an OAuth private key (in the config, and in a key file, with DPoP),
// and searches stdout, stderr, the --report file, the plan and the state
// store (the file's bytes and every row of every table) and the saved plan
// for the token, the
// key (PEM lines, base64 body or any 16-character part of it), the access
// tokens and the client assertions the simulator saw.
func TestSecretsNeverLeak(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	key, keyPEM := rsaKeyPEM(t)
	scopes := []string{"okta.users.read", "okta.users.manage", "okta.groups.read", "okta.groups.manage", "okta.schemas.read"}
	const clientID = "0oaSecretsTestClient"

	cases := []struct {
		name string
		// opts configures the org; setup writes what the config needs
		// beside it and returns the okta block's extra lines, the
		// environment and the org's accepted API tokens.
		opts  oktasim.Options
		setup func(t *testing.T, dir string, secrets *secretSet) (oktaExtra string, env, tokens []string)
	}{
		{
			name: "SSWS token",
			setup: func(t *testing.T, dir string, secrets *secretSet) (string, []string, []string) {
				token := randomSecret(t, "00ssws")
				secrets.add("SSWS token", token)
				return "", []string{"OKTA_CLIENT_TOKEN=" + token}, []string{token}
			},
		},
		{
			name: "private key in the config",
			opts: oktasim.Options{Clients: []oktasim.OAuthClient{{ClientID: clientID, PublicKeys: []crypto.PublicKey{&key.PublicKey}, Scopes: scopes}}},
			setup: func(t *testing.T, dir string, secrets *secretSet) (string, []string, []string) {
				pemSecrets(secrets, keyPEM)
				indented := "    " + strings.ReplaceAll(strings.TrimSpace(keyPEM), "\n", "\n    ")
				return fmt.Sprintf("  authorizationMode: PrivateKey\n  clientId: %s\n  scopes: [%s]\n  privateKey: |\n%s\n", clientID, strings.Join(scopes, ", "), indented), nil, nil
			},
		},
		{
			name: "private key file, DPoP",
			opts: oktasim.Options{Clients: []oktasim.OAuthClient{{ClientID: clientID, PublicKeys: []crypto.PublicKey{&key.PublicKey}, Scopes: scopes, DPoP: true}}},
			setup: func(t *testing.T, dir string, secrets *secretSet) (string, []string, []string) {
				pemSecrets(secrets, keyPEM)
				writeFile(t, filepath.Join(dir, "okta.pem"), keyPEM)
				return fmt.Sprintf("  authorizationMode: PrivateKey\n  clientId: %s\n  scopes: [%s]\n  privateKeyFile: okta.pem\n", clientID, strings.Join(scopes, ", ")), nil, nil
			},
		},
	}
	data := secretsSource()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			secrets := &secretSet{}
			dir := t.TempDir()
			oktaExtra, env, tokens := tc.setup(t, dir, secrets)
			opts := tc.opts
			opts.Tokens = tokens
			opts.RateLimit = oktasim.RateLimitOptions{Window: time.Second, Scale: 20}
			opts.Faults = oktasim.FaultOptions{Seed: 5, ErrorRate: 0.05}
			h := newOrgHarness(t, opts, data.seed)
			watchCredentials(h, secrets)

			data.writeCSV(t, filepath.Join(dir, "users.csv"))
			cfg := filepath.Join(dir, "oktasync.yaml")
			writeFile(t, cfg, simConfig(h.URL, oktaExtra, ""))
			out := runEveryCommand(t, env, cfg)
			if h.sim.Stats().Writes == 0 {
				t.Fatal("no run wrote to the org; the test checked too little")
			}
			if _, ok := out["saved.plan"]; !ok {
				t.Error("plan --out saved no plan; the test checked too little")
			}
			if len(secrets.needles()) < 2 && tc.opts.Clients != nil {
				t.Fatal("no access token was seen on the wire")
			}
			out.check(t, secrets)
			kinds := map[string]int{}
			for _, what := range secrets.values {
				kinds[what]++
			}
			t.Logf("searched %d outputs and files for %v", len(out), kinds)
		})
	}
}

// TestReadableSecretConfigWarns checks that a config file holding a secret
// and readable by others draws a warning on stderr that names the file but
// not the secret, and that the same file with mode 0600 draws none.
func TestReadableSecretConfigWarns(t *testing.T) {
	const token = "readable-config-token-4b7f9e2a"
	h := newOrgHarness(t, oktasim.Options{Tokens: []string{token}, RateLimit: oktasim.RateLimitOptions{Window: time.Second, Scale: 20}}, oktasim.Seed{})
	for _, tc := range []struct {
		mode os.FileMode
		warn bool
	}{{0o644, true}, {0o640, true}, {0o600, false}} {
		t.Run(fmt.Sprintf("mode %04o", tc.mode), func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "users.csv"), goodHeader+goodRow(1))
			cfg := filepath.Join(dir, "oktasync.yaml")
			writeFile(t, cfg, simConfig(h.URL, "  token: "+token+"\n", ""))
			if err := os.Chmod(cfg, tc.mode); err != nil {
				t.Fatal(err)
			}
			r := runOktasync(t, nil, "plan", "--config", cfg)
			if r.code != exitOK {
				t.Fatalf("plan: exit %d\n%s", r.code, r.stderr)
			}
			warned := strings.Contains(r.stderr, "readable by group or others")
			if warned != tc.warn {
				t.Errorf("warned = %v, want %v; stderr:\n%s", warned, tc.warn, r.stderr)
			}
			if tc.warn && !strings.Contains(r.stderr, "oktasync.yaml") {
				t.Errorf("the warning does not name the file:\n%s", r.stderr)
			}
			if strings.Contains(r.stderr+r.stdout, token) {
				t.Errorf("the token appears in the output:\n%s", r.stderr)
			}
		})
	}
}

// pgURLWithPassword is the test server's URL with password set and the
// given query parameters added.
func pgURLWithPassword(t *testing.T, password string, params map[string]string) string {
	t.Helper()
	u, err := url.Parse(pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	user := "postgres"
	if u.User != nil && u.User.Username() != "" {
		user = u.User.Username()
	}
	u.User = url.UserPassword(user, password)
	q := u.Query()
	for k, v := range params {
		q.Set(k, v)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// pgSchemaRows renders every row of every table in schema.
func pgSchemaRows(t *testing.T, conn *pgx.Conn, schema string) string {
	t.Helper()
	ctx := context.Background()
	rows, err := conn.Query(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = $1`, schema)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, table := range tables {
		rows, err := conn.Query(ctx, `SELECT * FROM `+pgx.Identifier{schema, table}.Sanitize())
		if err != nil {
			t.Fatalf("read %s.%s: %v", schema, table, err)
		}
		for rows.Next() {
			vals, err := rows.Values()
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%s: %v\n", table, vals)
		}
		rows.Close()
	}
	return b.String()
}

// TestPostgresPasswordsNeverLeak reads the source from Postgres and keeps
// state in Postgres, both through URLs that carry a password, with debug
// logging; then points each URL at a port where nothing listens. The
// password never appears in output, reports or the state tables. It skips
// without a reachable Postgres unless CI=true.
func TestPostgresPasswordsNeverLeak(t *testing.T) {
	conn := pgtest.Connect(t)
	ctx := context.Background()
	srcSchema := pgtest.Schema(t, "oktasync_secret_src")
	stateSchema := pgtest.Schema(t, "oktasync_secret_state")
	if _, err := conn.Exec(ctx, `CREATE TABLE `+srcSchema+`.people (login text, email text, first_name text, last_name text);
		INSERT INTO `+srcSchema+`.people VALUES ('pgs1@example.com', 'pgs1@example.com', 'A', 'One'), ('pgs2@example.com', 'pgs2@example.com', 'B', 'Two')`); err != nil {
		t.Fatal(err)
	}
	const (
		token    = "pg-secrets-token-5e11"
		password = "Pg-S3cret-Passw0rd-4f8a9c"
	)
	h := newOrgHarness(t, oktasim.Options{Tokens: []string{token}, RateLimit: oktasim.RateLimitOptions{Window: time.Second, Scale: 20}}, oktasim.Seed{})
	srcURL := pgURLWithPassword(t, password, map[string]string{"search_path": srcSchema})
	stateURL := pgURLWithPassword(t, password, nil)
	secrets := &secretSet{}
	secrets.add("Postgres password", password)
	secrets.add("Postgres password (URL-encoded)", url.QueryEscape(password))

	config := func(src, state string) string {
		return fmt.Sprintf(`okta:
  orgUrl: %s
  testing:
    disableHttpsCheck: true
source:
  postgres:
    url: '%s'
    users: SELECT login, email, first_name AS "firstName", last_name AS "lastName" FROM people
state:
  url: '%s'
  schema: %s
  autoMigrate: true
`, h.URL, src, state, stateSchema)
	}
	env := []string{"OKTA_CLIENT_TOKEN=" + token}
	out := leftBehind{}
	deadURL := func(params map[string]string) string {
		u, _ := url.Parse(pgURLWithPassword(t, password, params))
		u.Host = "127.0.0.1:1"
		return u.String()
	}
	for _, tc := range []struct {
		name, src, state string
		args             []string
		code             int
	}{
		{"plan", srcURL, stateURL, []string{"plan", "--output", "json"}, exitOK},
		{"run", srcURL, stateURL, []string{"run", "--output", "json", "--report", "report.json"}, exitOK},
		{"runs", srcURL, stateURL, []string{"runs", "--output", "json"}, exitOK},
		{"source unreachable", deadURL(map[string]string{"search_path": srcSchema}), stateURL, []string{"run"}, exitError},
		{"state unreachable", srcURL, deadURL(nil), []string{"run"}, exitError},
	} {
		dir := t.TempDir()
		cfg := filepath.Join(dir, "oktasync.yaml")
		writeFile(t, cfg, config(tc.src, tc.state))
		args := append(slices.Clone(tc.args), "--config", cfg, "--log-level", "debug")
		for i, a := range args {
			if a == "report.json" {
				args[i] = filepath.Join(dir, a)
			}
		}
		r := runOktasync(t, env, args...)
		if r.code != tc.code {
			t.Errorf("%s: exit %d, want %d\n%s", tc.name, r.code, tc.code, lastLines(r.stderr, 5))
		}
		out["stdout, "+tc.name] = r.stdout
		out["stderr, "+tc.name] = r.stderr
		out.addFile(t, filepath.Join(dir, "report.json"))
	}
	if h.writes.Load() == 0 {
		t.Fatal("nothing was written to the org; the test checked too little")
	}
	out["state tables"] = pgSchemaRows(t, conn, stateSchema)
	if !strings.Contains(out["state tables"], "pgs1@example.com") {
		t.Fatalf("the state tables hold no trace of the run:\n%s", out["state tables"])
	}
	out.check(t, secrets)
}

// TestPasswordHashesNeverLeak imports password hashes (BCRYPT and salted
// SHA-512) with debug logging and injected faults, through validate, plan
// (saving the plan), apply of the saved plan, run and runs, and searches
// stdout, stderr, the reports, the saved plan and the state store (its
// files and every row) for any 16 characters of a hash value or salt.
func TestPasswordHashesNeverLeak(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	token := randomSecret(t, "00hash")
	h := newOrgHarness(t, oktasim.Options{
		Tokens:    []string{token},
		RateLimit: oktasim.RateLimitOptions{Window: time.Second, Scale: 20},
		Faults:    oktasim.FaultOptions{Seed: 7, ErrorRate: 0.05},
	}, oktasim.Seed{})
	secrets := &secretSet{}
	secrets.add("SSWS token", token)
	users := hashUsers(t, "leak", 12)
	for _, u := range users {
		switch u.alg {
		case "BCRYPT":
			secrets.add("bcrypt string", u.hash)
			secrets.add("bcrypt salt", u.hash[7:29])
			secrets.add("bcrypt hash", u.hash[29:])
		case "SHA-512":
			secrets.add("SHA-512 hash", u.hash)
			secrets.add("SHA-512 salt", u.salt)
		}
	}
	cfg := hashConfigDir(t, h.URL, hashUsersCSV(users))
	env := []string{"OKTA_CLIENT_TOKEN=" + token}
	out := runEveryCommand(t, env, cfg)
	if !strings.Contains(out["saved.plan"], `"importedPassword": true`) && !strings.Contains(out["saved.plan"], `"importedPassword":true`) {
		t.Fatal("the saved plan imports no password; the test checked too little")
	}
	imported := 0
	for _, u := range h.sim.Snapshot().Users {
		if u.ImportedHash == "yes" {
			imported++
		}
	}
	if imported == 0 {
		t.Fatal("no user was created with an imported hash; the test checked too little")
	}
	out.check(t, secrets)
	t.Logf("searched %d outputs and files for %d secrets; %d users imported a hash", len(out), len(secrets.values), imported)
}
