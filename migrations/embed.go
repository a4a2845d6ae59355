// Package migrations holds oktasync's state-store schema as numbered SQL
// files, one directory per dialect (sqlite/, postgres/), embedded in the
// binary. Files are named NNNN_description.sql; they are applied in version
// order, each in its own transaction, and never edited once released: a
// change to the schema is a new file.
package migrations

import "embed"

// FS holds sqlite/*.sql and postgres/*.sql.
//
//go:embed sqlite/*.sql postgres/*.sql
var FS embed.FS
