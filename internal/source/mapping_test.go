package source

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/oktasync/oktasync/internal/config"
	"github.com/oktasync/oktasync/internal/directory"
)

// mapping returns a mapping section with the given rules, passthrough on
// and empty values ignored, as Default has them.
func mapping(rules ...config.AttributeMapping) config.Mapping {
	return config.Mapping{Passthrough: true, EmptyValues: config.EmptyIgnore, Attributes: rules}
}

func from(attr, col string, transforms ...string) config.AttributeMapping {
	return config.AttributeMapping{Attribute: attr, From: col, Transform: transforms}
}

func TestMapping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		mapping config.Mapping
		input   string
		users   map[string]directory.Profile // by login key
		pw      map[string]string            // login key -> password, when set
	}{
		{
			name:    "login from the lower-cased email, which still passes through",
			mapping: mapping(from("login", "email", "trim", "lower")),
			input:   "email,firstName,lastName,department\nJane.Doe@Example.COM,Jane,Doe,Finance\n",
			users: map[string]directory.Profile{
				"jane.doe@example.com": {"login": "jane.doe@example.com", "email": "Jane.Doe@Example.COM", "firstName": "Jane", "lastName": "Doe", "department": "Finance"},
			},
		},
		{
			name:    "a renamed column is not copied under its own name",
			mapping: mapping(from("title", "job title"), from("department", "dept", "upper")),
			input:   header + ",job title,dept,city\n" + row(1) + ",Engineer,eng,Paris\n",
			users: map[string]directory.Profile{
				"u1@example.com": {"login": "u1@example.com", "email": "u1@example.com", "firstName": "First1", "lastName": "Last1", "title": "Engineer", "department": "ENG", "city": "Paris"},
			},
		},
		{
			name: "passthrough off keeps only the required columns and the rules",
			mapping: config.Mapping{Passthrough: false, EmptyValues: config.EmptyIgnore, Attributes: []config.AttributeMapping{
				from("title", "job"),
			}},
			input: header + ",job,city,not an attribute,groups\n" + row(1) + ",Engineer,Paris,x,Eng\n",
			users: map[string]directory.Profile{
				"u1@example.com": {"login": "u1@example.com", "email": "u1@example.com", "firstName": "First1", "lastName": "Last1", "title": "Engineer"},
			},
		},
		{
			name: "constants and templates; columns a template reads are not copied",
			mapping: mapping(
				config.AttributeMapping{Attribute: "employeeType", Value: "hr", HasValue: true},
				config.AttributeMapping{Attribute: "floor", Value: " 7 ", HasValue: true, Type: config.TypeInteger, Transform: []string{"trim"}},
				config.AttributeMapping{Attribute: "email", Template: "{{lower .firstName}}.{{lower .lastName}}@example.com"},
				config.AttributeMapping{Attribute: "displayName", Template: `{{.firstName}} {{.lastName | upper}}{{if .suffix}}, {{.suffix}}{{end}}`},
				config.AttributeMapping{Attribute: "nickName", Template: `{{.nick | default .firstName | trim}}`},
			),
			input: "login,firstName,lastName,suffix,nick,password\n" +
				"a@example.com,Ada,Lovelace,,, s3cret \n" +
				"b@example.com,Bob,Byte,Jr.,Bobby,\n",
			users: map[string]directory.Profile{
				"a@example.com": {"login": "a@example.com", "email": "ada.lovelace@example.com", "firstName": "Ada", "lastName": "Lovelace",
					"employeeType": "hr", "floor": int64(7), "displayName": "Ada LOVELACE", "nickName": "Ada"},
				"b@example.com": {"login": "b@example.com", "email": "bob.byte@example.com", "firstName": "Bob", "lastName": "Byte",
					"employeeType": "hr", "floor": int64(7), "displayName": "Bob BYTE, Jr.", "nickName": "Bobby"},
			},
			pw: map[string]string{"a@example.com": "s3cret"},
		},
		{
			name: "types",
			mapping: mapping(
				config.AttributeMapping{Attribute: "floor", From: "floor", Type: config.TypeInteger},
				config.AttributeMapping{Attribute: "score", From: "score", Type: config.TypeNumber},
				config.AttributeMapping{Attribute: "remote", From: "remote", Type: config.TypeBoolean, Transform: []string{"lower"}},
				config.AttributeMapping{Attribute: "skills", From: "skills", Type: config.TypeStringArray, Transform: []string{"lower"}},
				config.AttributeMapping{Attribute: "employeeNumber", From: "badge", Type: config.TypeString},
				config.AttributeMapping{Attribute: "level", From: "grade", Type: config.TypeNumber},
				config.AttributeMapping{Attribute: "tags", From: "tags", Type: config.TypeStringArray},
			),
			input: header + ",floor,score,remote,skills,badge:integer,grade:integer,tags:array\n" +
				row(1) + ",-3,2.5,TRUE,Go; SQL;;,0042,7,a;b\n",
			users: map[string]directory.Profile{
				"u1@example.com": {"login": "u1@example.com", "email": "u1@example.com", "firstName": "First1", "lastName": "Last1",
					"floor": int64(-3), "score": 2.5, "remote": true, "skills": []string{"go", "sql"}, "employeeNumber": "42",
					"level": int64(7), "tags": []string{"a", "b"}},
			},
		},
		{
			name:    "empty values are ignored by default",
			mapping: mapping(from("title", "job"), config.AttributeMapping{Attribute: "nickName", Template: "{{.nick}}"}),
			input:   header + ",job,nick,city,skills:array\n" + row(1) + ",,,,;\n",
			users: map[string]directory.Profile{
				"u1@example.com": {"login": "u1@example.com", "email": "u1@example.com", "firstName": "First1", "lastName": "Last1"},
			},
		},
		{
			name: "empty values cleared, with per-attribute overrides",
			mapping: config.Mapping{Passthrough: true, EmptyValues: config.EmptyClear, Attributes: []config.AttributeMapping{
				from("title", "job"),
				{Attribute: "nickName", Template: "{{.nick}}"},
				{Attribute: "costCenter", From: "cc", EmptyValue: config.EmptyIgnore},
				{Attribute: "floor", From: "floor", Type: config.TypeInteger},
			}},
			input: header + ",job,nick,cc,floor,city,skills:array,groups\n" + row(1) + ",,,,,,;,\n",
			users: map[string]directory.Profile{
				"u1@example.com": {"login": "u1@example.com", "email": "u1@example.com", "firstName": "First1", "lastName": "Last1",
					"title": nil, "nickName": nil, "floor": nil, "city": nil, "skills": nil},
			},
		},
		{
			name: "one attribute cleared while the rest are ignored",
			mapping: mapping(
				config.AttributeMapping{Attribute: "title", From: "job", EmptyValue: config.EmptyClear},
			),
			input: header + ",job,city\n" + row(1) + ",,\n",
			users: map[string]directory.Profile{
				"u1@example.com": {"login": "u1@example.com", "email": "u1@example.com", "firstName": "First1", "lastName": "Last1", "title": nil},
			},
		},
		{
			name:    "no rules: every column passes through whatever passthrough says",
			mapping: config.Mapping{},
			input:   header + ",city\n" + row(1) + ",Paris\n",
			users: map[string]directory.Profile{
				"u1@example.com": {"login": "u1@example.com", "email": "u1@example.com", "firstName": "First1", "lastName": "Last1", "city": "Paris"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, err := readUsersFile(t, tt.input, WithMapping(tt.mapping))
			if err != nil {
				t.Fatal(err)
			}
			got := make(map[string]directory.Profile)
			pw := make(map[string]string)
			for k, u := range d.Users {
				got[k] = u.Profile.Map()
				if p := d.Password(k); p != "" {
					pw[k] = p
				}
			}
			if diff := cmp.Diff(tt.users, got); diff != "" {
				t.Errorf("profiles (-want +got):\n%s", diff)
			}
			if tt.pw == nil {
				tt.pw = map[string]string{}
			}
			if diff := cmp.Diff(tt.pw, pw); diff != "" {
				t.Errorf("passwords (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMappingErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		mapping config.Mapping
		input   string
		want    []string // substrings of the error
		config  bool     // a configuration error rather than a source one
	}{
		{
			name:    "conversion errors name the row",
			mapping: mapping(config.AttributeMapping{Attribute: "floor", From: "floor", Type: config.TypeInteger}, config.AttributeMapping{Attribute: "remote", From: "remote", Type: config.TypeBoolean}),
			input:   header + ",floor,remote\n" + row(1) + ",3,true\n" + row(2) + ",3rd,maybe\n",
			want:    []string{`users.csv line 3: mapping floor: want a whole number, got "3rd"; mapping remote: want true or false, got "maybe"`},
		},
		{
			name:    "a transform needs text",
			mapping: mapping(from("title", "floor", "lower")),
			input:   header + ",floor:integer\n" + row(1) + ",3\n",
			want:    []string{"users.csv line 2: mapping title: transform lower applies to text, not integer 3"},
		},
		{
			name:    "a type that does not fit",
			mapping: mapping(config.AttributeMapping{Attribute: "floor", From: "tags", Type: config.TypeInteger}),
			input:   header + ",tags:array\n" + row(1) + ",a;b\n",
			want:    []string{"users.csv line 2: mapping floor: want integer, got string array [a b]"},
		},
		{
			name:    "a missing column, with a suggestion",
			mapping: mapping(from("title", "JobTitle")),
			input:   header + ",jobtitle\n",
			want:    []string{`users.csv line 1: mapping title: no column "JobTitle": did you mean "jobtitle"?`},
		},
		{
			name:    "a template naming a missing column",
			mapping: mapping(config.AttributeMapping{Attribute: "displayName", Template: "{{.first}} {{.last}}"}),
			input:   header + "\n",
			want:    []string{`users.csv line 1: mapping displayName: template names a column the users table lacks`, `"first"`},
		},
		{
			name:    "a template cannot read the password",
			mapping: mapping(config.AttributeMapping{Attribute: "nickName", Template: "{{.password}}"}),
			input:   header + ",password\n",
			want:    []string{`mapping nickName: template names a column the users table lacks`, `"password"`},
		},
		{
			name:    "a template that fails on a row",
			mapping: mapping(config.AttributeMapping{Attribute: "nickName", Template: `{{index .tags 5}}`}),
			input:   header + ",tags:array\n" + row(1) + ",a;b\n",
			want:    []string{`users.csv line 2: mapping nickName: template:`, "index out of range"},
		},
		{
			name:    "a required attribute neither a column nor mapped",
			mapping: mapping(from("title", "job")),
			input:   "email,firstName,lastName,job\n",
			want:    []string{"users.csv line 1: missing required column(s) or mapping rule(s) login"},
		},
		{
			name:    "a required attribute mapped to an empty value",
			mapping: mapping(from("login", "mail")),
			input:   "mail,email,firstName,lastName\n,a@example.com,A,B\n",
			want:    []string{"users.csv line 2: empty required attribute(s) login"},
		},
		{
			name:    "a cleared required attribute is still required",
			mapping: config.Mapping{EmptyValues: config.EmptyClear},
			input:   header + "\n" + "a@example.com,a@example.com,,B\n",
			want:    []string{"users.csv line 2: empty required attribute(s) firstName"},
		},
		{
			name:    "a passed-through column must be an attribute name",
			mapping: mapping(from("title", "job")),
			input:   header + ",job,job title\n",
			want:    []string{`column "job title" is not a valid Okta attribute name`},
		},
		{
			name:    "a bad constant",
			mapping: mapping(config.AttributeMapping{Attribute: "floor", Value: "three", HasValue: true, Type: config.TypeInteger, Where: "oktasync.yaml line 9"}),
			input:   header + "\n",
			want:    []string{`mapping floor (oktasync.yaml line 9): value "three": want a whole number`},
			config:  true,
		},
		{
			name:    "the password never maps",
			mapping: mapping(from("nickName", "password")),
			input:   header + ",password\n",
			want:    []string{"mapping nickName: the password column is never copied into a profile"},
			config:  true,
		},
		{
			name:    "a special column is not an attribute",
			mapping: mapping(from("groups", "dept")),
			input:   header + ",dept\n",
			want:    []string{"mapping groups: groups is a source column with its own meaning"},
			config:  true,
		},
		{
			name:    "unknown type and transform",
			mapping: mapping(config.AttributeMapping{Attribute: "title", From: "job", Type: "text", Transform: []string{"title"}}),
			input:   header + ",job\n",
			want:    []string{`unknown transform "title"`, `unknown type "text"`},
			config:  true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := readUsersFile(t, tt.input, WithMapping(tt.mapping))
			if err == nil {
				t.Fatal("read succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if tt.config != errors.Is(err, config.ErrInvalid) {
				t.Errorf("errors.Is(err, config.ErrInvalid) = %v, want %v", !tt.config, tt.config)
			}
			if !tt.config && !errors.Is(err, ErrInvalid) {
				t.Errorf("source error does not wrap ErrInvalid: %v", err)
			}
		})
	}
}

// The password never reaches a profile or an error, whatever the mapping.
func TestMappingKeepsPasswordOut(t *testing.T) {
	t.Parallel()
	const pw = "Tr0ub4dor&3-never-shown"
	m := config.Mapping{EmptyValues: config.EmptyClear, Attributes: []config.AttributeMapping{
		{Attribute: "floor", From: "floor", Type: config.TypeInteger},
		{Attribute: "nickName", Template: "{{.firstName}}"},
	}}
	d, err := readUsersFile(t, header+",password,floor\n"+row(1)+","+pw+",1\n", WithMapping(m))
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range d.Users {
		for k, v := range u.Profile.All() {
			if strings.Contains(k, "password") || strings.Contains(strings.ToLower(toString(v)), strings.ToLower(pw)) {
				t.Errorf("profile holds the password: %s=%v", k, v)
			}
		}
	}
	_, err = readUsersFile(t, header+",password,floor\n"+row(1)+","+pw+",x\n", WithMapping(m))
	if err == nil || strings.Contains(err.Error(), pw) {
		t.Errorf("err = %v, want an error without the password", err)
	}
}

func toString(v any) string {
	s, _ := v.(string)
	return s
}

// Postgres columns keep their SQL types through a mapping, and convert to a
// rule's type.
func TestPostgresMapping(t *testing.T) {
	t.Parallel()
	pgURL := pgSchema(t, peopleSQL)
	m := config.Mapping{Passthrough: false, EmptyValues: config.EmptyClear, Attributes: []config.AttributeMapping{
		{Attribute: "login", From: "login", Transform: []string{"upper"}},
		{Attribute: "firstName", From: "first"},
		{Attribute: "lastName", From: "last"},
		{Attribute: "employeeNumber", From: "badge", Type: config.TypeString},
		{Attribute: "floor", From: "floor"},
		{Attribute: "tags", From: "tags", Transform: []string{"upper"}},
		{Attribute: "displayName", Template: "{{.first}} ({{.floor | default \"?\"}})"},
	}}
	src := NewPostgres(config.PostgresSource{URL: pgURL, Users: `SELECT login, email, first, last, floor, badge, tags FROM people`}, WithMapping(m))
	d, err := src.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]directory.Profile{}
	for k, u := range d.Users {
		got[k] = u.Profile.Map()
	}
	want := map[string]directory.Profile{
		"ada@example.com": {"login": "ADA@EXAMPLE.COM", "email": "ada@example.com", "firstName": "Ada", "lastName": "Lovelace",
			"employeeNumber": "9000000001", "floor": int64(3), "tags": []string{"X", "Y"}, "displayName": "Ada (3)"},
		"bob@example.com": {"login": "BOB@EXAMPLE.COM", "email": "bob@example.com", "firstName": "Bob", "lastName": "Byte",
			"employeeNumber": nil, "floor": nil, "tags": nil, "displayName": "Bob (?)"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("profiles (-want +got):\n%s", diff)
	}
}

// BenchmarkReadUsersCSVMapped reads the users file of BenchmarkReadUsersCSV
// through a mapping with a transform, a type, a constant and a template.
func BenchmarkReadUsersCSVMapped(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("email,firstName,lastName,dept,title,number:integer,groups\n")
	for i := range 10000 {
		fmt.Fprintf(&sb, "U%d@Example.com,First%d,Last%d,Dept %d,\"Engineer, level %d\",%d,Group %d;Group %d\n", i, i, i, i%7, i%5, i, i%20, (i+3)%20)
	}
	data := sb.String()
	m := mapping(
		from("login", "email", "lower"),
		config.AttributeMapping{Attribute: "department", From: "dept", Transform: []string{"upper"}},
		config.AttributeMapping{Attribute: "employeeNumber", From: "number", Type: config.TypeString},
		config.AttributeMapping{Attribute: "employeeType", Value: "hr", HasValue: true},
		config.AttributeMapping{Attribute: "displayName", Template: "{{.firstName}} {{.lastName}}"},
	)
	src := NewCSV(config.CSVSource{Users: usersFile(b, data)}, WithMapping(m))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		d, err := src.Read(context.Background())
		if err != nil || len(d.Users) != 10000 {
			b.Fatalf("read: %v", err)
		}
	}
}

// A Postgres row is named by the column its login is built from.
func TestPostgresMappingRowNames(t *testing.T) {
	t.Parallel()
	pgURL := pgSchema(t, peopleSQL)
	m := mapping(from("login", "email", "lower"), from("firstName", "first"), from("lastName", "last"),
		config.AttributeMapping{Attribute: "floor", From: "kind", Type: config.TypeInteger})
	src := NewPostgres(config.PostgresSource{URL: pgURL, Users: `SELECT email, first, last, kind::text FROM people ORDER BY email`}, WithMapping(m))
	_, err := src.Read(context.Background())
	want := `postgres users row 1 (login=ada@example.com): mapping floor: want a whole number, got "hr"`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want %q", err, want)
	}
}
