package source

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/oktasync/oktasync/internal/pgtest"

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

// TestRowDecoderMatchesValues decodes the rows of a query of many types
// (text types among them, NULLs, an enum pgx does not know, arrays) with
// a rowDecoder and with pgx's Rows.Values, and wants the same profile
// values and problems from both.
func TestRowDecoderMatchesValues(t *testing.T) {
	t.Parallel()
	schema := pgtest.Schema(t, "oktasync_source_test")
	conn := pgtest.Connect(t)
	ctx := context.Background()
	setup := "SET search_path TO " + schema + ";\n" + peopleSQL + `ALTER TABLE people ADD COLUMN v varchar(20), ADD COLUMN c char(4), ADD COLUMN nm name, ADD COLUMN j jsonb;
UPDATE people SET v = ' vé ', c = 'ab', nm = 'n', j = '{"a":1}' WHERE login = 'ada@example.com';`
	if _, err := conn.Exec(ctx, setup); err != nil {
		t.Fatal(err)
	}
	query := "SELECT * FROM people ORDER BY login"
	want := valuesRows(t, conn, query)
	rows, err := conn.Query(ctx, query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	fields := rows.FieldDescriptions()
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.Name
	}
	dec, row := newRowDecoder(conn.TypeMap(), fields), newPGRow(len(fields))
	var got []decodedRow
	for rows.Next() {
		problems, err := dec.decode(rows.RawValues(), names, row)
		if err != nil {
			t.Fatal(err)
		}
		r := decodedRow{Problems: problems}
		for i := range fields {
			r.Values = append(r.Values, row.value(i))
		}
		got = append(got, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" || len(got) != 2 {
		t.Errorf("decoded rows (-Values +rowDecoder):\n%s", diff)
	}
	if !dec.text[slices.Index(names, "v")] || !dec.text[slices.Index(names, "c")] || dec.text[slices.Index(names, "kind")] {
		t.Errorf("text columns %v of %v", dec.text, names)
	}
}

type decodedRow struct {
	Values   []any
	Problems []string
}

// valuesRows decodes query's rows as queryRows did before rowDecoder:
// Rows.Values, then profileValue.
func valuesRows(t *testing.T, conn *pgx.Conn, query string) []decodedRow {
	t.Helper()
	rows, err := conn.Query(context.Background(), query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []decodedRow
	for rows.Next() {
		raw, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		var r decodedRow
		for i, v := range raw {
			cv, p := profileValue(v, rows.FieldDescriptions()[i].DataTypeOID)
			if p != "" {
				r.Problems = append(r.Problems, fmt.Sprintf("column %s: %s", rows.FieldDescriptions()[i].Name, p))
			}
			r.Values = append(r.Values, cv)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
