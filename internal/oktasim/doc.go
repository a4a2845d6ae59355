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
//   - Apps (apps.go): active apps listed (filter on status, name, id; q on
//     label), read by id; their group assignments (priority, profile) and
//     direct user assignments made, listed (an app's users include its
//     groups' members, with scope GROUP) and removed. Deactivating a user
//     drops its direct assignments for good; deleting a group drops its
//     assignments. A seed's "apps" creates apps with assignments, and
//     /sim/state lists them.
//   - The System Log (/api/v1/logs) and the default user schema.
//   - OAuth 2.0 client credentials with private_key_jwt, Bearer and DPoP
//     access tokens, scope enforcement.
//
// Every API response carries X-Okta-Request-Id, Date and the
// X-Rate-Limit-Limit, -Remaining and -Reset headers of its bucket.
//
// # Rate-limit buckets
//
// A request falls in a bucket as Okta's table (okta-api.md) says: only the
// exact by-id paths have buckets of their own; anything deeper falls in its
// collection's bucket. The bucket names, usable as keys of
// RateLimitOptions.Limits, and their default limits per window (Okta's
// Workforce figures per minute):
//
//	users       GET, POST /api/v1/users; every /api/v1/users/{id}/... path
//	            (lifecycle calls, a user's groups)                      600
//	user        GET /api/v1/users/{idOrLogin} only                      2000
//	user-write  POST, PUT, DELETE /api/v1/users/{id} only                600
//	groups      /api/v1/groups and every /api/v1/groups/{id}/... path
//	            (member lists, membership PUT and DELETE)                500
//	group       GET, PUT, DELETE /api/v1/groups/{id} only                1000
//	apps        /api/v1/apps and every path below an app                 100
//	app         /api/v1/apps/{id} only                                   500
//	logs        /api/v1/logs                                             120
//	other       any other /api/v1 path                                   1200
//	token       /oauth2/v1/token                                         600
//
// RateLimitOptions.LegacyBuckets restores this simulator's older map, which
// put lifecycle calls in user-write, a user's groups in user and member
// calls in group.
//
// For a short test window set RateLimitOptions.Window (for example one
// second) and Scale (for example 1.0/60) so that every limit shrinks with it.
//
// Over a bucket's limit (or over one caller's TokenShare of it) the answer is
// 429 E0000047; over RateLimitOptions.Concurrency requests in flight it is
// 429 with X-Rate-Limit-Limit: 0. A 401 carries the bucket's headers without
// counting against it.
//
// Okta does not document whether X-Rate-Limit-Limit and -Remaining describe
// the org's bucket or the caller's share of it. RateLimitOptions.HeaderMode
// chooses: HeaderToken (the default) reports the caller's share;
// HeaderOrg reports the org's bucket, so that a caller over its share meets
// 429s whose Remaining still shows room. RateLimitOptions.TwoResetLines
// sends two X-Rate-Limit-Reset lines (a later one, then the bucket's own),
// as Okta's answers sometimes carry; the earliest holds.
//
// # Fidelity switches
//
// Some of Okta's behaviour would break clients and tests written against
// this simulator's older, more lenient reading; each sits behind a switch,
// off by default, and Realistic turns them all on (`oktasync sim
// --realistic`; flags in parentheses):
//
//   - RateLimitOptions.HeaderMode HeaderOrg with TokenShare 0.5: the headers
//     show the org's bucket, the token's half of it a hidden ceiling
//     (--header-mode, --token-share).
//   - Options.SearchCap: a `search` listing of users stops at 50,000
//     results, 400 E0000031 on the page past them; settable lower for tests
//     (--search-cap).
//   - Options.CaseSensitiveFilter: `filter` values are case-sensitive,
//     profile.login included; search and GET by login are not
//     (--case-sensitive-filter).
//   - Options.RefuseDeprovisionedUpdates: profile updates of DEPROVISIONED
//     users get 404 E0000007, as in an org without "edit deactivated user
//     profiles" (--refuse-deprovisioned-updates).
//   - Options.LifecycleDelay: activation and deactivation are asynchronous:
//     the user keeps its status and shows transitioningToStatus until the
//     delay passes on the org's clock (Options.Now); meanwhile lifecycle
//     calls and updates get 409 E0000112. Realistic uses two seconds
//     (--lifecycle-delay).
//
// Off by default and not in Realistic, as Okta shows them rarely or
// intermittently: RateLimitOptions.TwoResetLines (--two-reset-lines),
// Options.MemberPageTimeoutAbove (member pages larger than it answer 500
// E0000009; --member-page-timeout-above), Options.SearchLag (eventually
// consistent search; --search-lag), FaultOptions (500 E0000009, dropped
// connections, latency; reproducible from a seed).
//
// Always on, as they break nothing: Okta's bucket map; PROVISIONED users
// refuse suspend (400 E0000001); a seed user with SeedUser.ProfileMaster is
// mastered by another system and refuses profile updates with 403 E0000023
// while lifecycle calls still work; emails are counted (below).
//
// # User schema
//
// Always on: the default user schema is exactly Okta's base profile (login,
// email, firstName, lastName, userType, department, ... as okta-api.md lists
// them) plus the custom attributes declared with Options.CustomAttributes or
// Seed.CustomAttributes (name or name:type; `oktasync sim
// --custom-attribute`, or "customAttributes" in a seed file), as an admin
// adds them in the Profile Editor. A create or update that sets any other
// attribute is 400 E0000001, and a seed user that has one is refused. An
// attribute such as employeeType or hireDate is custom on Okta, so a test or
// demo that uses one declares it.
//
// The group schema (GET /api/v1/meta/schemas/group/default) is name and
// description plus the custom attributes declared with
// Options.GroupCustomAttributes or Seed.GroupCustomAttributes (`oktasync
// sim --group-custom-attribute`); a group create or replace with any other
// attribute, or a value of another type, is 400 E0000001, and a replace
// removes the attributes its profile leaves out, as Okta's PUT does.
//
// # Imported password hashes
//
// A create may carry credentials.password.hash (checked per algorithm as
// okta-api.md and the specification describe); so may an update of a STAGED
// user, and no other update. The user counts as having a password (ACTIVE on
// activate, no email). Only the fact is kept: Snapshot shows importedHash
// "yes", never the hash.
//
// # Emails
//
// Stats.Emails and Stats.EmailsByLogin count the emails Okta would send: an
// activation link for every user created with activate=true (the default)
// and no password, since create has no sendEmail; one per lifecycle
// activate unless sendEmail=false (its default is true); one per
// reactivate or deactivate with sendEmail=true (their default is false).
//
// # Linked objects
//
// Manager links follow okta-api.md: definitions (primary/associated name
// pairs such as manager/directReports) under
// /api/v1/meta/schemas/user/linkedObjects, in the "other" bucket; a user's
// links under /api/v1/users/{id}/linkedObjects/..., in the users bucket
// (PUT sets the primary, replacing any; DELETE clears it, also when none;
// GET by the primary name lists the user's primary, by the associated name
// all the users it is primary of). A Seed's LinkDefinitions and Links add
// them; Snapshot lists them. okta-api.md does not say what deactivation
// does to links: they are kept; deleting a user removes all of its links.
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
// JSON (emails under "emails" and "emailsByLogin"), GET /sim/state returns Snapshot as JSON and POST /sim/stats/reset
// zeroes the counters. A Snapshot's JSON is a Seed's: a saved /sim/state
// seeds a copy of the org (`oktasync sim --seed`), ids included.
package oktasim
