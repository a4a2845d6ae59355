// Package okta is a client for Okta's Management API: users, user
// lifecycle, groups, group memberships, app assignments (apps.go), the
// System Log and the default user schema. It is an API client any Go program can use; it knows nothing of
// synchronisation.
//
// # Usage
//
//	c, err := okta.NewClient("https://example.okta.com", okta.WithToken(token))
//	u, _, err := c.Users.Get(ctx, "jdoe@example.com")
//
// Every method takes a context and returns the decoded object, the
// *Response (HTTP response, request id, rate-limit figures, next link) and an
// error. A non-2xx answer is an *APIError; use errors.As, or the helpers
// IsNotFound, IsAlreadyExists, IsRateLimited. Client.Do is the escape hatch
// for calls not wrapped here.
//
// # Authentication
//
// WithToken sends an API token (Authorization: SSWS …). WithPrivateKey uses
// OAuth 2.0 client credentials with a private_key_jwt client assertion; the
// access token is cached until shortly before it expires and fetched again
// once on a 401, and DPoP-bound tokens are supported. Credentials never
// appear in logs or error messages.
//
// # Transport
//
// The client sends every request through one reused http.Client: https only
// (WithInsecureHTTP allows http for tests and simulators), TLS 1.2 at least,
// an optional proxy (WithProxy; its credentials are never logged), a bound on
// establishing connections (WithConnectionTimeout) and extra trusted CAs
// (WithCAFile). The User-Agent is "<product>/<version> go/<go version>
// <os>/<arch>" plus WithUserAgent's text: the calling program names itself
// and its version with WithProduct, and without it the product is
// "okta-go-client". WithHeaders adds headers that cannot replace the
// client's own. Each request is logged at debug level (method, path, status,
// bucket, limit and remaining, duration, request id) and each retry at info
// level; request bodies and credentials never are.
//
// # Pagination
//
// Okta pages lists with Link headers, one header line per relation:
// rel="self" and, unless the page is the last, rel="next". The next URL holds
// an opaque "after" cursor and must be followed exactly as given, never
// rebuilt. List methods return an iter.Seq2 that fetches pages as the loop
// asks for them:
//
//	for u, err := range c.Users.List(ctx, &okta.UserListOptions{Limit: 200}) {
//		if err != nil {
//			return err // a failed page ends the loop; never read it as "no more users"
//		}
//		…
//	}
//
// A next link or cursor that repeats within one listing ends it with
// ErrPagingLoop instead of looping forever, and a next link that points away
// from the org is refused, so credentials never leave it. Breaking out of
// the loop stops fetching. ListPage returns one page and its Response, whose
// NextURL (or NextCursor, for UserListOptions.After) leads to the next.
//
// Borrowed listings (Groups.MemberPages, Users.ListBasicBorrowed and
// Users.SearchBasicBorrowed) are for a bulk read that is done with each
// page before the next: what they yield, strings included, points into
// the page as Okta sent it, and is reused once the loop body returns, so
// that reading a million users allocates nothing per member and no map per
// user. Whatever must outlive the loop body is copied (strings.Clone).
//
// A member page that Okta answers 500 E0000009 (it timed out building a
// page of many full user objects) is asked again at once with half the
// limit, down to 50, from the same cursor; later pages keep the smaller
// limit.
//
// A plain user list leaves out DEPROVISIONED users; a filter or search
// returns them. Okta stops a search listing at 50,000 results (SearchCap);
// Users.Search and Users.SearchBasic read a search of any size, sorted by
// id, as consecutive listings each under the cap, reading no page twice. The System Log without an end time is a polling query whose
// next link is always present: Logs.List stops at the first empty page.
//
// # Rate limits and retries
//
// Okta counts requests per bucket per window of about a minute and reports
// the figures in X-Rate-Limit-* headers. The client infers each request's
// bucket before sending it from Okta's table, kept as data in one place
// (Buckets, BucketFor): only the exact by-id paths are buckets of their own,
// and anything deeper falls in its collection's bucket, so lifecycle calls
// count against /api/v1/users and member lists and memberships against
// /api/v1/groups. It learns each bucket's limit from the first answer
// (until then one request at a time probes it) and holds callers back so
// that within a window it never spends more than its budget: maxShare
// (WithRateLimit, DefaultMaxShare) of what the token may send.
//
// One API token or OAuth app may use only a share of each of the org's
// buckets (Okta's default 50 %), and Okta does not say whether
// X-Rate-Limit-Limit reports the org's bucket or the token's share. The
// client never plans on more than WithTokenShare's share of the header's
// figure (DefaultTokenShare) until it has learned the token's real ceiling
// in that bucket: from a 429 whose headers show the org still had room (the
// ceiling is what the window accepted), or, probing one request at a time
// above its budget while Remaining shows room, from reaching Remaining 0
// above the assumed share (the header is the token's own figure). The
// learned shares of the header's limit (Client.LearnedShares) can be kept
// and given to the next client (WithLearnedShares). When an answer carries
// two X-Rate-Limit-Reset lines, the earliest holds.
//
// After a 429 the bucket is held for every caller until its window resets.
// The client keeps at most a set number of requests in flight
// (DefaultMaxConcurrency), lowers that cap below what was in flight when
// Okta answers a concurrency 429 (X-Rate-Limit-Limit: 0), and raises it by
// one again after every 50 answers without one. Client.Stats reports
// requests, statuses, 429s, retries and pacing waits per bucket.
//
// After a 429 it waits until the window resets by Okta's clock
// (X-Rate-Limit-Reset − Date + 1 s, plus up to 1 s of jitter; after a
// concurrency 429, a short backoff instead) and retries with
// X-Okta-Retry-For and X-Okta-Retry-Count, at most WithMaxRetries times
// (DefaultMaxRetries). A 409 E0000112 (user still being activated) is
// retried the same way after a short backoff, since Okta made no change. A
// 5xx or a dropped connection is retried with capped,
// jittered exponential backoff only where repeating the call is harmless:
// GET, PUT, DELETE of groups and memberships, and the partial profile update.
// Calls that are not safe to repeat resolve an unknown outcome by reading
// back instead: Users.Create looks the login up, lifecycle calls read the
// user's status, Users.Delete checks that the user is gone, and
// Groups.Create looks for the group by name. What cannot be resolved is
// returned as an error matching ErrOutcomeUnknown. WithRequestTimeout bounds a
// whole call, waits and retries included; every wait also ends when the
// context is done.
package okta
