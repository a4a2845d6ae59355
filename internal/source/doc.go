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
// # Mapping
//
// WithMapping (config's mapping section, which New passes on) computes
// attributes instead: each rule defines one attribute from a column
// (from), a constant (value) or a text/template over the row's columns
// (template, with config.TemplateFuncs; the password is never available to
// it), then applies its transforms (lower, upper, trim) and converts to
// its type (string, integer, number, boolean, stringArray). A conversion
// error names the row: "users.csv line 12: mapping floor: want a whole
// number, got "3rd"". Columns no rule reads or defines still become the
// attribute of their name while mapping.passthrough is true (the
// default); required columns always do unless a rule defines them; the
// groups, password and status columns keep their meaning. A mapping with
// no rules is the behaviour above.
//
// With mapping.emptyValues "clear" (or a rule's emptyValue "clear"), an
// empty value is kept in the profile as nil, which the plan turns into
// an update that removes the attribute in Okta; the default, "ignore",
// leaves it out.
//
// # Groups
//
// A groups file or query has a name column (required), an optional
// description column, and one column per custom group attribute, typed as
// user columns are ("floor:integer" in a CSV header; SQL types as they
// are). An empty cell leaves the attribute out, so the sync leaves Okta's
// value alone. A duplicate or empty name is an error naming the row.
//
// # Imported password hashes
//
// mapping.passwordHash (config.PasswordHash) names the columns, or
// constants, of a password hash per user. Its columns are never profile
// attributes and never reach the mapping's rules or templates. A row with
// a hash value is checked for the algorithm's form (BCRYPT: a 22-character
// salt, a 31-character hash and a work factor of 1 to 20, or a whole
// $2a$/$2b$/$2y$ string holding all three; SHA-512, SHA-256, SHA-1, MD5: a
// base64 digest of the algorithm's size, a base64 salt with saltOrder;
// PBKDF2: base64 value and salt, at least 4096 iterations, a key size
// equal to the value's length, SHA256_HMAC or SHA512_HMAC) and goes to
// Directory.Hashes. Its problems name the row and the part, never the
// value or the salt. A row may not have both a password and a hash.
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
