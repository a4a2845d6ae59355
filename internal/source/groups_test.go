package source

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/oktasync/oktasync/internal/config"
	"github.com/oktasync/oktasync/internal/directory"
)

func TestGroupAttributesCSV(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{
		"users.csv":  header + "\n" + row(1) + "\n",
		"groups.csv": "name,description,costCode,floor:integer,remote:boolean,tags:array\nEng,Engineers,CC-1,3,true,a;b\nSales,,,,,\n",
	})
	d, err := NewCSV(config.CSVSource{Users: filepath.Join(dir, "users.csv"), Groups: filepath.Join(dir, "groups.csv")}).Read(context.Background())
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	want := directory.Profile{"costCode": "CC-1", "floor": int64(3), "remote": true, "tags": []string{"a", "b"}}
	if diff := cmp.Diff(want, d.Groups["eng"].Attrs); diff != "" {
		t.Errorf("Eng's attributes (-want +got):\n%s", diff)
	}
	if got := d.Groups["sales"].Attrs; got != nil {
		t.Errorf("Sales, all empty, has attributes %v; empty cells must leave them alone", got)
	}
	if got := d.GroupAttrOrigins["costCode"]; got != "groups.csv line 2" {
		t.Errorf("costCode's origin = %q", got)
	}
}

func TestGroupRowsErrorsCSV(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{
		"users.csv":  header + "\n",
		"groups.csv": "name,floor:integer\nEng,1\n,2\nENG,3\nOps,third\n",
	})
	_, err := NewCSV(config.CSVSource{Users: filepath.Join(dir, "users.csv"), Groups: filepath.Join(dir, "groups.csv")}).Read(context.Background())
	if err == nil {
		t.Fatal("read succeeded")
	}
	for _, want := range []string{
		"groups.csv line 3: empty group name",
		`groups.csv line 4: duplicate group "ENG" (first at groups.csv line 2)`,
		`groups.csv line 5: column floor: want a whole number, got "third"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestGroupAttributesPostgres(t *testing.T) {
	t.Parallel()
	u := pgSchema(t, `
CREATE TABLE teams (name text, description text, cost_code text, floor int);
INSERT INTO teams VALUES ('Math', 'Mathematicians', 'CC-9', 4), ('Empty', NULL, NULL, NULL);
`)
	src := NewPostgres(config.PostgresSource{
		URL:    u,
		Users:  `SELECT 'a@x.com' AS login, 'a@x.com' AS email, 'A' AS "firstName", 'B' AS "lastName"`,
		Groups: `SELECT name, description, cost_code AS "costCode", floor FROM teams`,
	})
	d, err := src.Read(context.Background())
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if diff := cmp.Diff(directory.Profile{"costCode": "CC-9", "floor": int64(4)}, d.Groups["math"].Attrs); diff != "" {
		t.Errorf("Math's attributes (-want +got):\n%s", diff)
	}
	if d.Groups["empty"].Attrs != nil {
		t.Errorf("Empty has attributes %v", d.Groups["empty"].Attrs)
	}
}
