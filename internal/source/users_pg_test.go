package source

import (
	"context"
	"strings"
	"testing"

	"github.com/oktasync/oktasync/internal/config"
	"github.com/oktasync/oktasync/internal/directory"
)

// TestPostgresRowOrigins names Postgres rows by the column a rule builds
// the login from: a duplicate's message names both rows by that column's
// text, and managers and attributes record the row they came from.
func TestPostgresRowOrigins(t *testing.T) {
	t.Parallel()
	u := pgSchema(t, `CREATE TABLE p (mail text, first text, last text, boss text, title text, n int);
INSERT INTO p VALUES ('Ann@X.com', 'Ann', 'A', ' carl@x.com ', NULL, 1), ('bob@x.com', 'Bob', 'B', NULL, 'T', 2), ('carl@x.com', 'Carl', 'C', '', 'T', 3);`)
	mapping := config.Mapping{Passthrough: true, EmptyValues: config.EmptyIgnore,
		Attributes: []config.AttributeMapping{{Attribute: directory.AttrLogin, From: "mail", Transform: []string{config.TransformLower}}},
		Manager:    config.ManagerMapping{From: "boss"}}
	query := `SELECT mail, mail AS email, first AS "firstName", last AS "lastName", boss, title FROM p`
	d, err := NewPostgres(config.PostgresSource{URL: u, Users: query + " ORDER BY n"}, WithMapping(mapping)).Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := d.AttrOrigins["title"], "postgres users row 2 (login=bob@x.com)"; got != want {
		t.Errorf("title first at %q, want %q", got, want)
	}
	if got, want := d.AttrOrigins[directory.AttrLogin], "postgres users row 1 (login=Ann@X.com)"; got != want {
		t.Errorf("login first at %q, want %q", got, want)
	}
	want := directory.ManagerRef{Value: "carl@x.com", Origin: "postgres users row 1 (login=Ann@X.com)"}
	if got := d.Managers["ann@x.com"]; got != want || len(d.Managers) != 1 {
		t.Errorf("managers %v, want ann@x.com's %v only", d.Managers, want)
	}

	dup := query + ` UNION ALL SELECT 'ANN@x.com', 'a2@x.com', 'Zed', 'B', NULL, NULL ORDER BY 3`
	_, err = NewPostgres(config.PostgresSource{URL: u, Users: dup}, WithMapping(mapping)).Read(context.Background())
	wantErr := `postgres users row 4 (login=ANN@x.com): duplicate login "ann@x.com" (first at postgres users row 1 (login=Ann@X.com))`
	if err == nil || !strings.Contains(err.Error(), wantErr) {
		t.Errorf("error %v\nwant it to say %s", err, wantErr)
	}
}
