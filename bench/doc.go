// Command bench is oktasync's throughput benchmark harness. It builds the
// oktasync binary, generates deterministic datasets (a users.csv source and
// a simulated org with a chosen drift), serves the simulated org with an
// Enterprise org's rate limits compressed in time, runs the real
// `oktasync run` (or `plan`) against it, and prints per scenario the API
// calls per rate-limit bucket against the fewest possible, the 429s, the
// wall time against the rate-limit floor, and the peak RSS and CPU time of
// the oktasync process.
//
// Usage, from the module root:
//
//	go run ./bench -scenario all
//	go run ./bench -scenario drift -scale 0.1
//	go run ./bench -scenario drift -header-mode org
//
// See bench/README.md for the scenarios, the time mapping and results.
package main
