//go:build !race

package okta

// scrubReleased is off outside race-detector builds: overwriting every page
// read would cost a pass over gigabytes in a large org's read.
const scrubReleased = false
