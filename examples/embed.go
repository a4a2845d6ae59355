// Package examples holds the example source files; the demo command syncs
// the embedded users.csv into a simulated org.
package examples

import _ "embed"

// UsersCSV is examples/users.csv.
//
//go:embed users.csv
var UsersCSV []byte
