// Package limit reads and applies oktasync's safety limits, such as
// safety.maxDeactivations: a count ("25"), a percentage of a base ("10%"),
// both ("10% or 5": whichever is larger) or "off". It is the one place
// that holds the grammar, so config validation and the plan's safety rules
// accept exactly the same limits.
package limit
