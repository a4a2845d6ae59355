package source

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/oktasync/oktasync/internal/config"
	"github.com/oktasync/oktasync/internal/directory"
)

// buildHeader has a column of every kind: required attributes, status,
// password, groups, an app list, typed attributes, and columns the rules
// of buildMappings read.
var buildHeader = []string{"login", "email", "firstName", "lastName", "status", "password", "groups", "apps", "floor:integer", "tags:array", "nick", "dept"}

// buildMappings are the mappings the equivalence tests run under: the
// default, and rules (from with transforms and a type, a value, a
// template) with empty values clearing.
var buildMappings = map[string]config.Mapping{
	"default": {Passthrough: true, EmptyValues: config.EmptyIgnore},
	"rules": {Passthrough: true, EmptyValues: config.EmptyClear, Attributes: []config.AttributeMapping{
		{Attribute: "nickname", From: "nick", Transform: []string{"lower"}},
		{Attribute: "level", From: "floor", Type: config.TypeString},
		{Attribute: "company", Value: "ACME", HasValue: true},
		{Attribute: "displayName", Template: "{{.firstName}} {{.lastName}}"},
		{Attribute: "department", From: "dept", EmptyValue: config.EmptyIgnore},
	}},
}

// built is what one row left in a rowBuild, copied out of it.
type built struct {
	Profile, Status, Password string
	Hash                      bool
	Groups, Problems          []string
	Apps                      map[string][]string
}

func builtOf(b *rowBuild) built {
	out := built{Status: b.user.Status, Password: b.password, Hash: b.hash != nil,
		Groups: append([]string(nil), b.groups...), Problems: append([]string(nil), b.problems...)}
	out.Profile = b.user.Profile.String()
	if len(b.apps) > 0 {
		out.Apps = make(map[string][]string)
		for k, v := range b.apps {
			out.Apps[k] = v
		}
	}
	return out
}

// checkTextMatchesValues builds rec through the text path (one reused
// rowBuild, as a CSV reader does) and through the values path, and wants
// the same user, lists and problems from both.
func checkTextMatchesValues(t *testing.T, text *rowBuild, uc *userColumns, rec []string) {
	t.Helper()
	// A row of values as a row of interfaces, and as a row of texts.
	boxed, texts := newPGRow(len(rec)), newPGRow(len(rec))
	for i, s := range rec {
		boxed.vals[i] = s
		texts.text[i], texts.isText[i] = s, true
	}
	values := newRowBuild(uc)
	values.buildValues(boxed)
	want := builtOf(values)
	values.buildValues(texts)
	if got := builtOf(values); !reflect.DeepEqual(got, want) {
		t.Fatalf("row %q:\ntexts  %+v\nvalues %+v", rec, got, want)
	}
	text.buildText(rec)
	if got := builtOf(text); !reflect.DeepEqual(got, want) {
		t.Fatalf("row %q:\ntext   %+v\nvalues %+v", rec, got, want)
	}
}

func buildColumns(t *testing.T, mapping config.Mapping) *userColumns {
	t.Helper()
	m, err := compileMapping(mapping)
	if err != nil {
		t.Fatal(err)
	}
	m = m.withAppColumns([]string{"apps"})
	uc, ok := newUserColumns(buildHeader, m, func(format string, args ...any) { t.Fatalf(format, args...) })
	if !ok {
		t.Fatal("columns rejected")
	}
	return uc
}

var buildRows = [][]string{
	{"u1@example.com", "u1@example.com", "Ada", "Lovelace", "staged", "pw", "Eng; Ops;;", "app1;app2", "3", "a; b", "ADA", "R&D"},
	{" u2@example.com ", "u2@example.com", " Bob ", "B", "", "", "", "", "", "", "", ""},
	{"u3@example.com", "not-an-email", "", "C", "gone", "", "g\x00", "", "3.5", ";", "", ""},
	{"u 4", "u4@example.com", "D", "D", "ACTIVE", "", strings.Repeat("x", 300), "", "-7", "x", "Nick", "dept"},
	{"", "", "", "", "suspended", "", "", "", "", "", "", ""},
	{"u5@example.com", "u5@example.com", "E", "E", "actıve", "", "A;a", "", "1e3", "", "", " "},
}

func TestRowBuildTextMatchesValues(t *testing.T) {
	t.Parallel()
	for name, mapping := range buildMappings {
		t.Run(name, func(t *testing.T) {
			uc := buildColumns(t, mapping)
			text := newRowBuild(uc)
			for _, rec := range buildRows {
				checkTextMatchesValues(t, text, uc, rec)
			}
		})
	}
}

// FuzzRowBuildTextMatchesValues splits the fuzzer's text into a row of
// buildHeader's columns (fields a CSV reader would take: each passes
// checkText) and wants the text path to agree with the values path.
func FuzzRowBuildTextMatchesValues(f *testing.F) {
	for _, rec := range buildRows {
		f.Add(strings.Join(rec, ","), false)
	}
	f.Fuzz(func(t *testing.T, line string, rules bool) {
		rec := strings.Split(line, ",")
		if len(rec) != len(buildHeader) {
			rec = append(rec, make([]string, len(buildHeader))...)[:len(buildHeader)]
		}
		for _, s := range rec {
			if checkText(s) != "" {
				return // a CSV reader reports the row before building it
			}
		}
		mapping := buildMappings["default"]
		if rules {
			mapping = buildMappings["rules"]
		}
		uc := buildColumns(t, mapping)
		checkTextMatchesValues(t, newRowBuild(uc), uc, rec)
	})
}

// TestReadUsersCSVFirstRows checks the rows a read names without keeping
// a name per row: the first row of each attribute (also when rows with
// other attribute sets, problems or multi-line fields come between), the
// first row of a duplicate login, and of a group named in two spellings.
func TestReadUsersCSVFirstRows(t *testing.T) {
	t.Parallel()
	in := header + ",title,department,groups\n" +
		row(1) + ",T,,Eng\n" + // line 2
		row(2) + ",T,,eng\n" + // line 3
		row(3) + ",,,\n" + // line 4
		row(4) + ",\"multi\nline\",D, Ops \n" + // lines 5-6
		row(5) + ",T,D,Ops;ENG\n" // line 7
	tests := []struct {
		name  string
		clear bool
		want  map[string]string
	}{
		{"empty values ignored", false, map[string]string{"login": "users.csv line 2", "title": "users.csv line 2", "department": "users.csv line 5"}},
		{"empty values clear", true, map[string]string{"login": "users.csv line 2", "title": "users.csv line 2", "department": "users.csv line 2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mapping := config.Mapping{Passthrough: true, EmptyValues: config.EmptyIgnore}
			if tt.clear {
				mapping.EmptyValues = config.EmptyClear
			}
			d, err := readUsersFile(t, in, WithMapping(mapping))
			if err != nil {
				t.Fatal(err)
			}
			for a, want := range tt.want {
				if got := d.AttrOrigins[a]; got != want {
					t.Errorf("%s first at %q, want %q", a, got, want)
				}
			}
			if len(d.AttrOrigins) != 6 {
				t.Errorf("AttrOrigins = %v, want the 6 attributes", d.AttrOrigins)
			}
			checkFirstGroups(t, d)
		})
	}
	_, err := readUsersFile(t, in+"bad,row\n"+"U2@EXAMPLE.com,x@example.com,X,Y,,,\n"+row(4)+",,,\n")
	for _, want := range []string{
		"users.csv line 8: has 2 fields, the header has 7",
		`users.csv line 9: duplicate login "U2@EXAMPLE.com" (first at users.csv line 3)`,
		`users.csv line 10: duplicate login "u4@example.com" (first at users.csv line 5)`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v\nwant it to say %s", err, want)
		}
	}
}

func checkFirstGroups(t *testing.T, d *directory.Directory) {
	t.Helper()
	for key, want := range map[string]directory.Group{
		"eng": {Name: "Eng", Origin: "users.csv line 2"},
		"ops": {Name: "Ops", Origin: "users.csv line 5"},
	} {
		if g := d.Groups[key]; g == nil || g.Name != want.Name || g.Origin != want.Origin {
			t.Errorf("group %s = %+v, want %+v", key, g, want)
		}
	}
	if got, want := d.MemberKeys("eng"), []string{"u1@example.com", "u2@example.com", "u5@example.com"}; !slices.Equal(got, want) {
		t.Errorf("eng members %v, want %v", got, want)
	}
	if got, want := d.MemberKeys("ops"), []string{"u4@example.com", "u5@example.com"}; !slices.Equal(got, want) {
		t.Errorf("ops members %v, want %v", got, want)
	}
}

func TestChunks(t *testing.T) {
	t.Parallel()
	var c chunks[int]
	const n = 3*chunkLen + 5
	for i := range n {
		c.add(i * 2)
	}
	if c.len() != n {
		t.Fatalf("len %d, want %d", c.len(), n)
	}
	next := 0
	for i, v := range c.all() {
		if i != next || v != i*2 || c.at(i) != v {
			t.Fatalf("entry %d: all yields %d, %d; at gives %d", next, i, v, c.at(i))
		}
		next++
	}
	if next != n {
		t.Fatalf("all yields %d entries, want %d", next, n)
	}
}

// TestReadUsersCSVDuplicateFarBack finds the first row of a duplicate
// thousands of rows back, past the first chunks of the reader's rows.
func TestReadUsersCSVDuplicateFarBack(t *testing.T) {
	t.Parallel()
	var sb strings.Builder
	sb.WriteString(header + "\n")
	for i := range 3 * chunkLen {
		sb.WriteString(row(i) + "\n")
	}
	sb.WriteString(strings.ToUpper(row(2*chunkLen+7)) + "\n")
	_, err := readUsersFile(t, sb.String())
	want := `users.csv line 12290: duplicate login "U8199@EXAMPLE.COM" (first at users.csv line 8201)`
	if err == nil || err.Error() != want {
		t.Errorf("error %v\nwant %s", err, want)
	}
}

// TestHasSpaceOrControl compares the ASCII fast path with the Unicode
// classes, for every rune alone and after ASCII and non-ASCII text.
func TestHasSpaceOrControl(t *testing.T) {
	t.Parallel()
	for r := rune(0); r <= unicode.MaxRune; r++ {
		want := unicode.IsSpace(r) || unicode.IsControl(r)
		for _, s := range []string{string(r), "ab" + string(r) + "c", "é" + string(r)} {
			if got := hasSpaceOrControl(s); got != want {
				t.Fatalf("hasSpaceOrControl(%q) = %v, want %v", s, got, want)
			}
		}
	}
	if !hasSpaceOrControl("\xff ") || hasSpaceOrControl("\xffa") {
		t.Error("invalid UTF-8 is not read as the Unicode classes read it")
	}
}

// TestReadUsersCSVMakesRoom reads a file long enough for the reader to
// make room for its users part-way, and wants every user, before and
// after, in the directory.
func TestReadUsersCSVMakesRoom(t *testing.T) {
	t.Parallel()
	var sb strings.Builder
	sb.WriteString(header + "\n")
	const n = 3 * sizingRows
	for i := range n {
		sb.WriteString(row(i) + "\n")
	}
	d, err := readUsersFile(t, sb.String())
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if _, ok := d.Users[fmt.Sprintf("u%d@example.com", i)]; !ok {
			t.Fatalf("user %d is missing", i)
		}
	}
	if len(d.Users) != n {
		t.Errorf("%d users, want %d", len(d.Users), n)
	}
	if got := fileSize(strings.NewReader("x")); got != -1 {
		t.Errorf("fileSize of a strings.Reader = %d, want -1", got)
	}
}

// TestCSVReadMembershipsSpellings names one group in two spellings and a
// login in another case in a memberships file: one group, first at the
// row that named it first, with the users' own login keys as members.
func TestCSVReadMembershipsSpellings(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{
		"users.csv":       header + "\n" + row(1) + "\n" + row(2) + "\n",
		"memberships.csv": "group,login\nNew,U1@EXAMPLE.COM\n NEW ,u2@example.com\nnew,u1@example.com\n",
	})
	d, err := NewCSV(config.CSVSource{Users: dir + "/users.csv", Memberships: dir + "/memberships.csv"}).Read(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if g := d.Groups["new"]; len(d.Groups) != 1 || g.Name != "New" || g.Origin != "memberships.csv line 2" {
		t.Errorf("groups %v; new = %+v", d.GroupKeys(), g)
	}
	if got, want := d.MemberKeys("new"), []string{"u1@example.com", "u2@example.com"}; !slices.Equal(got, want) {
		t.Errorf("members %v, want %v", got, want)
	}
}

func TestCheckGroupNameLength(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		bad  bool
	}{
		{strings.Repeat("x", 255), false},
		{strings.Repeat("x", 256), true},
		{strings.Repeat("é", 255), false}, // 510 bytes, 255 characters
		{strings.Repeat("é", 256), true},
	} {
		if got := checkGroupName(tt.name) != ""; got != tt.bad {
			t.Errorf("checkGroupName of %d bytes: bad = %v, want %v", len(tt.name), got, tt.bad)
		}
	}
}
