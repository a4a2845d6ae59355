// Package oktasim is a simulated Okta org: an http.Handler that answers the
// parts of the Okta Management API that oktasync uses, the way Okta does.
//
// It follows the project's reading of the API (okta-api.md) and shares no
// code with the client in internal/okta, so that the two catch each other's
// mistakes. Tests, benchmarks, `oktasync sim` and `oktasync demo` run
// against it.
//
// # What it serves
//
//   - Users: list (Link-header paging, filter, search, q), get by id or login,
//     create (activate, password, groupIds), partial update (POST), full
//     replace (PUT), lifecycle operations and delete.
//   - Groups: list (filter, search, q), get, create, replace, delete; members
//     (paged list, add, remove); a user's groups.
//   - The System Log (/api/v1/logs) and the default user schema.
//   - OAuth 2.0 client credentials with private_key_jwt, Bearer and DPoP
//     access tokens, scope enforcement.
//
// Every API response carries X-Okta-Request-Id, Date and the
// X-Rate-Limit-Limit, -Remaining and -Reset headers of its bucket.
//
// # Rate-limit buckets
//
// A request falls in the bucket of its exact path, else of its longest
// prefix. The bucket names, usable as keys of RateLimitOptions.Limits, and
// their default limits per window (Okta's Workforce figures per minute):
//
//	users       GET and POST /api/v1/users                        600
//	user        GET /api/v1/users/{idOrLogin} and below            2000
//	user-write  POST, PUT, DELETE /api/v1/users/{id} and below     600
//	groups      /api/v1/groups (list, create)                      500
//	group       /api/v1/groups/{id} and below                      1000
//	logs        /api/v1/logs                                       120
//	other       any other /api/v1 path                             1200
//	token       /oauth2/v1/token                                   600
//
// For a short test window set RateLimitOptions.Window (for example one
// second) and Scale (for example 1.0/60) so that every limit shrinks with it.
//
// Over a bucket's limit (or over one caller's TokenShare of it) the answer is
// 429 E0000047; over RateLimitOptions.Concurrency requests in flight it is
// 429 with X-Rate-Limit-Limit: 0. A 401 carries the bucket's headers without
// counting against it.
//
// # Fidelity switches
//
// Off by default: Options.SearchLag (eventually consistent search),
// Options.ActivationDelay (activations in flight, 409 E0000112), FaultOptions
// (500 E0000009, dropped connections, latency; reproducible from a seed).
//
// # Reading what happened
//
// In process, Server.Stats returns the counters and Server.Snapshot the whole
// org; ResetStats zeroes the counters. Over HTTP the same are served at the
// unauthenticated endpoints below. Stats.ByRoute is keyed by route template
// ("POST /api/v1/users", "PUT /api/v1/groups/{id}/users/{userId}") and status.
//
// # Endpoints outside the API
//
// Unauthenticated, for tests and operators: GET /sim/stats returns Stats as
// JSON, GET /sim/state returns Snapshot as JSON and POST /sim/stats/reset
// zeroes the counters.
package oktasim
