package diff

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Policy is what the configuration says about what a plan may do.
type Policy struct {
	// CreateActive creates users active (activate=true); otherwise they
	// are created STAGED. It also asks for STAGED managed users to be
	// activated. Config users.createStatus; default true (active).
	CreateActive bool
	// SendActivationEmail is passed to Okta's activate call. Config
	// users.sendActivationEmail; default true, as Okta's own default.
	SendActivationEmail bool
	// Reactivate activates a managed DEPROVISIONED user who is back in
	// the source. Config users.reactivate; default true.
	Reactivate bool
	// DeleteAfter deletes a user that oktasync deactivated and that has
	// stayed absent from the source at least this long; 0 never deletes.
	// Config users.deleteAfter; default 0.
	DeleteAfter time.Duration
	// ProtectLogins and ProtectGroups name users, and groups whose members,
	// are never updated, suspended, deactivated, deleted or removed from a
	// group. Config protect.logins, protect.groups.
	ProtectLogins []string
	ProtectGroups []string
	// DeleteUnlistedGroups deletes OKTA_GROUPs in the group scope
	// (GroupPrefix, or Input.ScopedGroups) that the source does not name.
	// Config groups.deleteUnlisted; default false.
	DeleteUnlistedGroups bool
	// GroupPrefix puts every OKTA_GROUP whose name starts with it
	// (case-insensitively) in the group scope. Config scope.groups.prefix.
	GroupPrefix string
	// Safety holds the limits that block a plan.
	Safety Safety
}

// Safety holds the rules that block a plan that does too much.
type Safety struct {
	// MaxDeactivations limits deactivations plus deletions of users, as a
	// count or a percentage of the managed users in Okta. Config
	// safety.maxDeactivations; default "10% or 5".
	MaxDeactivations Limit
	// MaxMembershipRemovals limits membership removals, as a count or a
	// percentage of the current memberships of the managed groups. Config
	// safety.maxMembershipRemovals; default "10% or 20".
	MaxMembershipRemovals Limit
	// MinSourceUsers blocks a plan whose source has fewer users (0: no
	// minimum). An empty source is always blocked. Config
	// safety.minSourceUsers; default 0.
	MinSourceUsers int
	// AllowDeactivations and AllowRemovals are one-off permissions from
	// the command line (--allow-deactivations N, --allow-removals N): a
	// plan with at most that many is not blocked by the matching limit.
	AllowDeactivations int
	AllowRemovals      int
}

// DefaultPolicy returns the policy of an empty configuration.
func DefaultPolicy() Policy {
	return Policy{
		CreateActive:        true,
		SendActivationEmail: true,
		Reactivate:          true,
		Safety: Safety{
			MaxDeactivations:      Limit{Count: 5, Percent: 10},
			MaxMembershipRemovals: Limit{Count: 20, Percent: 10},
		},
	}
}

// Limit is a safety limit: a count, a percentage of a base, or both (the
// larger wins, so a small org is not blocked by a single leaver). A
// negative Count means no limit. The zero Limit allows nothing.
type Limit struct {
	Count   int
	Percent float64
}

// Unlimited reports whether l allows any number.
func (l Limit) Unlimited() bool { return l.Count < 0 }

// Allowed returns how many l allows out of base; math.MaxInt when
// unlimited.
func (l Limit) Allowed(base int) int {
	if l.Unlimited() {
		return math.MaxInt
	}
	n := l.Count
	if l.Percent > 0 {
		// The small epsilon keeps 10% of 50 at 5 despite float rounding.
		p := int(math.Floor(l.Percent*float64(base)/100 + 1e-9))
		n = max(n, p)
	}
	return n
}

// ParseLimit reads a limit: "25" (a count), "10%" (a percentage), "10% or
// 5" (whichever is larger), or "off" (no limit).
func ParseLimit(s string) (Limit, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if t == "off" || t == "none" || t == "unlimited" {
		return Limit{Count: -1}, nil
	}
	var l Limit
	parts := strings.Split(t, " or ")
	if len(parts) > 2 {
		return Limit{}, limitSyntax(s)
	}
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if pct, ok := strings.CutSuffix(p, "%"); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(pct), 64)
			if err != nil || f < 0 || f > 100 || math.IsNaN(f) || l.Percent != 0 {
				return Limit{}, limitSyntax(s)
			}
			l.Percent = f
			continue
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || l.Count != 0 {
			return Limit{}, limitSyntax(s)
		}
		l.Count = n
	}
	if len(parts) == 2 && (l.Percent == 0 || l.Count == 0) {
		return Limit{}, limitSyntax(s)
	}
	return l, nil
}

func limitSyntax(s string) error {
	return fmt.Errorf("parse limit %q: want a count (25), a percentage (10%%), both (\"10%% or 5\": whichever is larger) or \"off\"", s)
}

// String renders l in the form ParseLimit reads.
func (l Limit) String() string {
	switch {
	case l.Unlimited():
		return "off"
	case l.Percent > 0 && l.Count > 0:
		return formatPercent(l.Percent) + " or " + strconv.Itoa(l.Count)
	case l.Percent > 0:
		return formatPercent(l.Percent)
	}
	return strconv.Itoa(l.Count)
}

func formatPercent(p float64) string { return strconv.FormatFloat(p, 'f', -1, 64) + "%" }

// MarshalText renders the limit as String does (for YAML and JSON).
func (l Limit) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText parses a limit as ParseLimit does.
func (l *Limit) UnmarshalText(b []byte) error {
	v, err := ParseLimit(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}
