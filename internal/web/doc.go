// Package web is the status page of `oktasync serve`: pages a browser
// shows without JavaScript, and the same content as JSON for scripts.
//
// # Pages and JSON
//
// Every page has its JSON twin under /api:
//
//	/            /api/status       the org, the schedule, the last run, the rate-limit budget
//	/runs        /api/runs         runs, newest first, a page at a time (?before=ID)
//	/runs/{id}   /api/runs/{id}    one run and its operations (?user= &group= &action= &outcome=)
//	/plan        /api/plan         the last plan, rendered as `oktasync plan` renders it
//	/users       /api/users/{login} a user: the source row and Okta's user at the last run, its operations
//	/held        /api/held         plans a safety rule held back, and their approvals
//
// # Actions
//
// POST /api/run, /api/pause, /api/resume and /api/held/{id}/approve act,
// and only with the admin credential (Config.AdminToken) sent as a bearer
// token or as the password of HTTP basic auth, whose user name is recorded
// as who acted. Without a configured credential the page is read-only and
// every action is refused with 403; a request without the credential gets
// 401. The page's forms post to the same paths: they carry a CSRF token
// (an HMAC of a per-process secret) that a form post with basic auth must
// return, and cross-origin browser posts are refused outright.
//
// # What it may know
//
// The package reads the state store and the plan through small interfaces
// declared here, and takes the rest (schedule, rate-limit budget, users of
// the last run) as plain values from cmd/oktasync. It never receives a
// secret but the admin credential, which it only compares; profile
// attributes whose names suggest a secret are left out of every page.
package web
