package source

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/oktasync/oktasync/internal/config"
	"github.com/oktasync/oktasync/internal/directory"
)

const header = "login,email,firstName,lastName"

// row returns a valid users row for n.
func row(n int) string {
	return fmt.Sprintf("u%d@example.com,u%d@example.com,First%d,Last%d", n, n, n, n)
}

func TestReadUsersCSV(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		input  string
		users  map[string]directory.Profile // by login key
		groups map[string][]string          // group key -> member keys
	}{
		{
			name:  "header only",
			input: header + "\n",
			users: map[string]directory.Profile{},
		},
		{
			name:  "header only without newline",
			input: header,
			users: map[string]directory.Profile{},
		},
		{
			name:  "attributes, BOM and CRLF",
			input: "\xEF\xBB\xBFlogin,email,firstName,lastName,department,title\r\nJDoe@Example.com, jdoe@example.com ,Jane,Doe,Finance,\r\n",
			users: map[string]directory.Profile{
				"jdoe@example.com": {"login": "JDoe@Example.com", "email": "jdoe@example.com", "firstName": "Jane", "lastName": "Doe", "department": "Finance"},
			},
		},
		{
			name: "quoting",
			input: header + ",title,notes\n" +
				`a@example.com,a@example.com,"O'Brien, Jr.",A,"VP, ""Sales""","two` + "\n" + `lines"` + "\n" +
				row(2) + ",,\n",
			users: map[string]directory.Profile{
				"a@example.com":  {"login": "a@example.com", "email": "a@example.com", "firstName": "O'Brien, Jr.", "lastName": "A", "title": `VP, "Sales"`, "notes": "two\nlines"},
				"u2@example.com": {"login": "u2@example.com", "email": "u2@example.com", "firstName": "First2", "lastName": "Last2"},
			},
		},
		{
			name:  "groups column",
			input: header + ",groups\n" + row(1) + ", Sales ; ;Everyone Eng;\n" + row(2) + ",sales\n" + row(3) + ",\n",
			users: map[string]directory.Profile{
				"u1@example.com": {"login": "u1@example.com", "email": "u1@example.com", "firstName": "First1", "lastName": "Last1"},
				"u2@example.com": {"login": "u2@example.com", "email": "u2@example.com", "firstName": "First2", "lastName": "Last2"},
				"u3@example.com": {"login": "u3@example.com", "email": "u3@example.com", "firstName": "First3", "lastName": "Last3"},
			},
			groups: map[string][]string{
				"sales":        {"u1@example.com", "u2@example.com"},
				"everyone eng": {"u1@example.com"},
			},
		},
		{
			name:  "blank rows are skipped",
			input: header + "\n,,,\n\n" + row(1) + "\n",
			users: map[string]directory.Profile{
				"u1@example.com": {"login": "u1@example.com", "email": "u1@example.com", "firstName": "First1", "lastName": "Last1"},
			},
		},
		{
			name:  "typed columns",
			input: header + ",floor:integer,score:Number,remote:boolean,skills:array,code:string\n" + row(1) + ",3,-1.5,TRUE,go; sql ;,007\n" + row(2) + ",,,false,;,\n",
			users: map[string]directory.Profile{
				"u1@example.com": {"login": "u1@example.com", "email": "u1@example.com", "firstName": "First1", "lastName": "Last1",
					"floor": int64(3), "score": -1.5, "remote": true, "skills": []string{"go", "sql"}, "code": "007"},
				"u2@example.com": {"login": "u2@example.com", "email": "u2@example.com", "firstName": "First2", "lastName": "Last2", "remote": false},
			},
		},
		{
			name:  "unicode",
			input: header + "\nzoë@example.com,zoë@example.com,Zoë,Ångström\n",
			users: map[string]directory.Profile{
				"zoë@example.com": {"login": "zoë@example.com", "email": "zoë@example.com", "firstName": "Zoë", "lastName": "Ångström"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, err := readUsersFile(t, tt.input)
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			got := map[string]directory.Profile{}
			for k, u := range d.Users {
				got[k] = u.Profile.Map()
			}
			if diff := cmp.Diff(tt.users, got); diff != "" {
				t.Errorf("users (-want +got):\n%s", diff)
			}
			gotGroups := map[string][]string{}
			for _, gk := range d.GroupKeys() {
				gotGroups[gk] = d.MemberKeys(gk)
			}
			if tt.groups == nil {
				tt.groups = map[string][]string{}
			}
			if diff := cmp.Diff(tt.groups, gotGroups); diff != "" {
				t.Errorf("groups (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadUsersCSVStatusPasswordOrigin(t *testing.T) {
	t.Parallel()
	const pw = "Sup3r-s3cret!"
	in := header + ",status,password,groups\n" + row(1) + ",staged," + pw + ",Eng\n" + row(2) + ",,,\n"
	d, err := readUsersFile(t, in)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	u1 := d.Users["u1@example.com"]
	if u1.Status != "STAGED" || d.Password("u1@example.com") != pw || d.AttrOrigins["login"] != "users.csv line 2" {
		t.Errorf("u1 status, login first at = %q, %q; password set = %v", u1.Status, d.AttrOrigins["login"], d.Password("u1@example.com") == pw)
	}
	if _, ok := u1.Profile.Get("password"); ok {
		t.Error("password is in the profile")
	}
	if _, ok := u1.Profile.Get("status"); ok {
		t.Error("status is in the profile")
	}
	if g := d.Groups["eng"]; g == nil || g.Name != "Eng" || g.Origin != "users.csv line 2" || g.HasDescription {
		t.Errorf("group eng = %+v", g)
	}
	if u2 := d.Users["u2@example.com"]; u2.Status != "" || d.Password("u2@example.com") != "" {
		t.Errorf("u2 = %+v", u2)
	}
}

func TestReadUsersCSVMalformed(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", 10<<20)
	tests := []struct {
		name  string
		input string
		want  []string // substrings of the error, in order of the problems
	}{
		{"empty file", "", []string{"users.csv: empty file: want a header row"}},
		{"only a BOM", "\xEF\xBB\xBF", []string{"empty file"}},
		{"unbalanced quotes", header + "\n" + row(1) + "\n\"u2@example.com,u2@example.com,A,B\n" + row(3) + "\n",
			[]string{`users.csv line 3: extraneous or missing " in quoted-field`}},
		{"bare quote", header + "\n" + `u1@example.com,u1@example.com,Jo"e,B` + "\n" + row(2) + "\n",
			[]string{`users.csv line 2: bare " in non-quoted-field`}},
		{"ragged rows", header + "\n" + row(1) + "\nu2@example.com,u2@example.com,A\n" + row(3) + ",extra\n",
			[]string{"users.csv line 3: has 3 fields, the header has 4", "users.csv line 4: has 5 fields, the header has 4"}},
		{"invalid UTF-8", header + "\nu1@example.com,u1@example.com,J\xffe,Doe\n",
			[]string{"users.csv line 2: column firstName: invalid UTF-8"}},
		{"invalid UTF-8 in header", "login,email,firstName,lastName,d\xffpt\n",
			[]string{"users.csv line 1: header column 5: invalid UTF-8"}},
		{"NUL byte", header + "\nu1@example.com,u1@example.com,Jo\x00e,Doe\n",
			[]string{"users.csv line 2: column firstName: contains a NUL byte"}},
		{"duplicate login differing in case", header + "\n" + row(1) + "\nU1@Example.COM,other@example.com,A,B\n",
			[]string{`users.csv line 3: duplicate login "U1@Example.COM" (first at users.csv line 2)`}},
		{"missing required columns", "login,mail,firstName\n" + "a@example.com,a@example.com,A\n",
			[]string{"users.csv line 1: missing required column(s) email, lastName"}},
		{"no login column", "email,firstName,lastName\n",
			[]string{"missing required column(s) login"}},
		{"wrong case column", "Login,email,firstName,lastname\n",
			[]string{`column "Login": did you mean "login"?`, `column "lastname": did you mean "lastName"?`}},
		{"semicolon separated", "login;email;firstName;lastName\na;b;c;d\n", []string{"users.csv line 1: the header is one column \"login;email;firstName;lastName\": is the file separated by semicolons or tabs?"}},
		{"duplicate column", header + ",title,title\n", []string{`column "title" appears twice`}},
		{"bad attribute name", header + ",job title\n", []string{`column "job title" is not a valid Okta attribute name`}},
		{"empty column name", header + ",\n", []string{"column 5 has no name"}},
		{"10 MB field", header + ",notes\n" + row(1) + "," + big + "\n" + row(2) + ",ok\n",
			[]string{"users.csv line 2: column notes: value is 10485760 bytes, more than the limit of 65536"}},
		{"empty required values", header + "\n,u1@example.com,A,B\nu2@example.com,,,B\n",
			[]string{"users.csv line 2: empty required attribute(s) login", "users.csv line 3: empty required attribute(s) email, firstName"}},
		{"login with a space", header + "\njane doe@example.com,j@example.com,A,B\n",
			[]string{"users.csv line 2: login contains white space"}},
		{"not an email", header + "\nu1,not-an-email,A,B\n",
			[]string{`users.csv line 2: email "not-an-email" is not an email address`}},
		{"bad typed values", header + ",floor:integer,score:number,remote:boolean\n" + row(1) + ",3.5,NaN,yes\n",
			[]string{`users.csv line 2: column floor: want a whole number, got "3.5"; column score: want a number, got "NaN"; column remote: want true or false, got "yes"`}},
		{"bad column types", "login,email:integer,firstName,lastName,floor:int\n",
			[]string{`column "email:integer": email is always text`, `column "floor:int": unknown type "int"`}},
		{"bad status", header + ",status\n" + row(1) + ",gone\n",
			[]string{`users.csv line 2: column status: want one of ACTIVE, STAGED, SUSPENDED, DEPROVISIONED, got "gone"`}},
		{"line numbers after a multi-line field", header + "\n" + `u1@example.com,u1@example.com,"A` + "\n\n" + `B",C` + "\n" + row(1) + "\n",
			[]string{"users.csv line 5: duplicate login"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, err := readUsersFile(t, tt.input)
			if err == nil {
				t.Fatalf("read: no error, %d users", len(d.Users))
			}
			if d != nil {
				t.Error("a Directory came back with the error")
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %q does not wrap ErrInvalid", err)
			}
			var all *Errors
			if !errors.As(err, &all) {
				t.Fatalf("error %q is not *Errors", err)
			}
			if len(all.Errs) != len(tt.want) {
				t.Errorf("%d problems, want %d: %v", len(all.Errs), len(tt.want), err)
			}
			for i, w := range tt.want {
				if i < len(all.Errs) && !strings.Contains(all.Errs[i].Error(), w) {
					t.Errorf("problem %d = %q, want it to contain %q", i, all.Errs[i], w)
				}
			}
			if len(err.Error()) > 4096 {
				t.Errorf("error message is %d bytes long", len(err.Error()))
			}
		})
	}
}

func TestReadUsersCSVErrorCap(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString(header + "\n")
	for i := range 50 {
		fmt.Fprintf(&b, "u%d@example.com,,A,B\n", i)
	}
	_, err := readUsersFile(t, b.String())
	var all *Errors
	if !errors.As(err, &all) {
		t.Fatalf("error %v is not *Errors", err)
	}
	if len(all.Errs) != MaxErrors || !all.Truncated {
		t.Errorf("%d problems, truncated %v; want %d, true", len(all.Errs), all.Truncated, MaxErrors)
	}
	if !strings.Contains(err.Error(), "20 problems in the source (stopped after the first 20)") {
		t.Errorf("error = %q", err)
	}
}

func TestReadUsersCSVSecretNotInErrors(t *testing.T) {
	t.Parallel()
	const pw = "Hunter2-secret"
	in := header + ",password\nu1@example.com,,A,B," + pw + "\nu1@example.com,u1@example.com,A,B,\xff" + pw + "\n"
	_, err := readUsersFile(t, in)
	if err == nil {
		t.Fatal("no error")
	}
	if strings.Contains(err.Error(), pw) {
		t.Errorf("error shows the password: %v", err)
	}
}

func TestReadUsersCSVCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := NewCSV(config.CSVSource{Users: usersFile(t, header+"\n"+row(1)+"\n")}).Read(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
}

func writeFiles(tb testing.TB, files map[string]string) string {
	tb.Helper()
	dir := tb.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			tb.Fatal(err)
		}
	}
	return dir
}

// usersFile writes input to users.csv in a new temporary directory and
// returns its path.
func usersFile(tb testing.TB, input string) string {
	tb.Helper()
	return filepath.Join(writeFiles(tb, map[string]string{"users.csv": input}), "users.csv")
}

// readUsersFile reads input as the users file of a CSV source, through
// NewCSV and Read as a run does.
func readUsersFile(tb testing.TB, input string, opts ...Option) (*directory.Directory, error) {
	tb.Helper()
	return NewCSV(config.CSVSource{Users: usersFile(tb, input)}, opts...).Read(context.Background())
}

func TestCSVRead(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{
		"users.csv":       header + ",groups\n" + row(1) + ",Eng;Ops\n" + row(2) + ",\n",
		"groups.csv":      "name,description\nEng,Engineers\nSales,\n",
		"memberships.csv": "login,group\nU2@example.com,Sales\nu1@example.com,Eng\nu2@example.com,New\n",
	})
	src := NewCSV(config.CSVSource{
		Users:       filepath.Join(dir, "users.csv"),
		Groups:      filepath.Join(dir, "groups.csv"),
		Memberships: filepath.Join(dir, "memberships.csv"),
	})
	d, err := src.Read(context.Background())
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	type group struct {
		Name, Description, Origin string
		HasDescription            bool
		Members                   []string
	}
	got := map[string]group{}
	for _, k := range d.GroupKeys() {
		g := d.Groups[k]
		got[k] = group{g.Name, g.Description, g.Origin, g.HasDescription, d.MemberKeys(k)}
	}
	want := map[string]group{
		"eng":   {"Eng", "Engineers", "groups.csv line 2", true, []string{"u1@example.com"}},
		"sales": {"Sales", "", "groups.csv line 3", false, []string{"u2@example.com"}},
		"ops":   {"Ops", "", "users.csv line 2", false, []string{"u1@example.com"}},
		"new":   {"New", "", "memberships.csv line 4", false, []string{"u2@example.com"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
}

func TestCSVReadErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"duplicate group", map[string]string{
			"users.csv":  header + "\n",
			"groups.csv": "name\nEng\neng\n",
		}, []string{`groups.csv line 3: duplicate group "eng" (first at groups.csv line 2)`}},
		{"groups file columns", map[string]string{
			"users.csv":  header + "\n",
			"groups.csv": "Name,cost-code,floor:int\n",
		}, []string{`groups.csv line 1: column "Name": did you mean "name"?`, `column "cost-code" is not a valid Okta attribute name`, `column "floor:int": unknown type "int"`}},
		{"membership of an unknown login", map[string]string{
			"users.csv":       header + "\n" + row(1) + "\n",
			"memberships.csv": "group,login\nEng,u1@example.com\nEng,ghost@example.com\n,u1@example.com\n",
		}, []string{`memberships.csv line 3: login "ghost@example.com" is not one of the source's users`, "memberships.csv line 4: empty group"}},
		{"memberships file without login", map[string]string{
			"users.csv":       header + "\n",
			"memberships.csv": "group\n",
		}, []string{"memberships.csv line 1: missing required column login"}},
		{"errors from several files", map[string]string{
			"users.csv":  header + "\n" + row(1) + ",x\n",
			"groups.csv": "name\n\"Eng\n",
		}, []string{"groups.csv line 2: extraneous", "users.csv line 2: has 5 fields"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := writeFiles(t, tt.files)
			cfg := config.CSVSource{Users: filepath.Join(dir, "users.csv")}
			if _, ok := tt.files["groups.csv"]; ok {
				cfg.Groups = filepath.Join(dir, "groups.csv")
			}
			if _, ok := tt.files["memberships.csv"]; ok {
				cfg.Memberships = filepath.Join(dir, "memberships.csv")
			}
			_, err := NewCSV(cfg).Read(context.Background())
			var all *Errors
			if !errors.As(err, &all) {
				t.Fatalf("error %v is not *Errors", err)
			}
			if len(all.Errs) != len(tt.want) {
				t.Errorf("%d problems, want %d: %v", len(all.Errs), len(tt.want), err)
			}
			for i, w := range tt.want {
				if i < len(all.Errs) && !strings.Contains(all.Errs[i].Error(), w) {
					t.Errorf("problem %d = %q, want it to contain %q", i, all.Errs[i], w)
				}
			}
		})
	}
}

func TestCSVReadMissingFile(t *testing.T) {
	t.Parallel()
	_, err := NewCSV(config.CSVSource{Users: filepath.Join(t.TempDir(), "nope.csv")}).Read(context.Background())
	if !errors.Is(err, os.ErrNotExist) || errors.Is(err, ErrInvalid) {
		t.Errorf("error = %v, want a not-exist error that is not ErrInvalid", err)
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		src     config.Source
		want    string
		wantErr bool
	}{
		{"csv", config.Source{CSV: &config.CSVSource{Users: "u.csv"}}, "*source.CSV", false},
		{"postgres", config.Source{Postgres: &config.PostgresSource{URL: "postgres://x/y", Users: "select 1"}}, "*source.Postgres", false},
		{"none", config.Source{}, "", true},
		{"both", config.Source{CSV: &config.CSVSource{}, Postgres: &config.PostgresSource{}}, "", true},
	}
	for _, tt := range tests {
		r, err := New(&config.Config{Source: tt.src})
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: error = %v", tt.name, err)
			continue
		}
		if got := fmt.Sprintf("%T", r); err == nil && got != tt.want {
			t.Errorf("%s: reader is %s, want %s", tt.name, got, tt.want)
		}
	}
}
