//go:build race

package okta

// scrubReleased makes Response.release overwrite a held page body before
// pooling it, in builds with the race detector (which the tests use).
const scrubReleased = true
