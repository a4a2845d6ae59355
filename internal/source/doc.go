// Package source reads the desired state of the directory (users, groups
// and memberships) from a CSV file set or a PostgreSQL database into a
// directory.Directory, and validates it on the way in.
//
// # Columns and attributes
//
// Both sources map their columns (CSV header names, SQL result column
// names) to a user the same way:
//
//   - login is required, and so are email, firstName and lastName (Okta's
//     required profile attributes): each must be present as a column and
//     non-empty in every row.
//   - groups lists the groups the user belongs to: names separated by ";"
//     (trimmed, empty parts ignored), or in Postgres a text[].
//   - password is an initial password for users the sync creates; it goes
//     to directory.User.Password, never into the profile.
//   - status is the status the source asks for (ACTIVE, STAGED, SUSPENDED
//     or DEPROVISIONED).
//   - every other column is the profile attribute of the same name.
//
// CSV values are text unless the header declares a type after a colon,
// using Okta's schema type names: "floor:integer" (int64), "score:number"
// (float64), "remote:boolean" (true or false), "skills:array" (text items
// separated by ";"), "code:string". Postgres values keep their SQL types:
// integers become int64; real, double and numeric float64; boolean bool;
// timestamptz and timestamp an RFC 3339 string in UTC; date "2006-01-02";
// uuid its text form; text[] []string; anything else is an error asking for
// a cast. Declaring the type matters because a number and the same number
// as text are different values to Okta and to the plan.
//
// An empty cell (or SQL NULL) leaves its attribute out of the profile, so
// the sync leaves Okta's value alone. Attribute names are case-sensitive,
// as in Okta; a column that differs from a required or special one only in
// case is an error with a suggestion (Postgres folds unquoted aliases to
// lower case: write AS "firstName").
//
// # Errors
//
// A source with any problem yields an error and no Directory, so that
// nothing is written to Okta from it. Problems in rows are collected, up to
// MaxErrors, and returned together as an *Errors, each one naming the file
// and line ("users.csv line 12: …") or the query and row
// ("postgres users row 17 (login=jdoe@example.com): …"). Every problem
// with the data wraps ErrInvalid; errors reading the data (a missing file,
// a lost connection) do not.
package source
