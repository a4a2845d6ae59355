package diff

import (
	"fmt"
	"strings"

	"github.com/oktasync/oktasync/internal/limit"
)

// Safety rule names, as they appear in Block.Rule.
const (
	RuleEmptySource           = "safety.emptySource"
	RuleMinSourceUsers        = "safety.minSourceUsers"
	RuleMaxDeactivations      = "safety.maxDeactivations"
	RuleMaxMembershipRemovals = "safety.maxMembershipRemovals"
	RuleMaxAppUnassignments   = "safety.maxAppUnassignments"
	// RuleLeavers holds back leavers' changes (users.leavers: report).
	RuleLeavers = "users.leavers"
)

// safety sets p.Blocked and p.Blocks from the policy's safety rules.
func (c *computer) safety(p *Plan) {
	s := c.pol.Safety
	desired := len(c.in.Desired.Users)
	if c.in.Base != nil {
		desired = c.in.Base.SourceUsers
	}
	if desired == 0 {
		p.Blocks = append(p.Blocks, Block{
			Rule:  RuleEmptySource,
			Count: 0,
			Limit: 1,
			Message: "safety.emptySource: the source has no users; an empty source is always refused, " +
				"since it would deactivate every managed user; check the source",
		})
	} else if s.MinSourceUsers > 0 && desired < s.MinSourceUsers {
		p.Blocks = append(p.Blocks, Block{
			Rule:  RuleMinSourceUsers,
			Count: desired,
			Limit: s.MinSourceUsers,
			Message: fmt.Sprintf("safety.minSourceUsers: the source has %d %s, fewer than the minimum of %d; "+
				"check the source, or lower safety.minSourceUsers in the config", desired, plural(desired, "user", "users"), s.MinSourceUsers),
		})
	}

	managed := c.managedInOkta()
	deact := p.Summary.Users.Deactivate + p.Summary.Users.Delete
	if b, ok := limitBlock(RuleMaxDeactivations, s.MaxDeactivations, deact, managed, s.AllowDeactivations,
		"deactivate or delete", "user", "users", "managed users in Okta", "--allow-deactivations"); ok {
		p.Blocks = append(p.Blocks, b)
	}

	memberships := c.currentMemberships()
	if b := c.in.Base; b != nil {
		managed, memberships = b.ManagedUsers, b.Memberships
	}
	if b, ok := limitBlock(RuleMaxMembershipRemovals, s.MaxMembershipRemovals, p.Summary.Memberships.Remove, memberships,
		s.AllowRemovals, "remove", "membership", "memberships", "current memberships of the managed groups", "--allow-removals"); ok {
		p.Blocks = append(p.Blocks, b)
	}
	if b, ok := limitBlock(RuleMaxAppUnassignments, s.MaxAppUnassignments, p.Summary.Apps.Unassign, c.appAssignmentsNow(),
		s.AllowAppUnassignments, "unassign", "app assignment", "app assignments", "current assignments of the managed apps", "--allow-app-unassignments"); ok {
		p.Blocks = append(p.Blocks, b)
	}
	p.Blocked = len(p.Blocks) > 0
}

// managedInOkta counts the managed users in Okta.
func (c *computer) managedInOkta() int {
	n := 0
	for lk := range c.in.Managed {
		if _, ok := c.in.Current.Users[lk]; ok {
			n++
		}
	}
	return n
}

// currentMemberships counts the current memberships of the managed groups
// (and of those that left the source).
func (c *computer) currentMemberships() int {
	n := 0
	for _, gk := range append(c.managedGroups, c.leftGroupKeys()...) {
		if cg, ok := c.in.Current.Groups[gk]; ok && c.in.MembersRead[gk] && (cg.Type == "" || cg.Type == groupTypeOkta) {
			n += c.in.Current.Members[gk].Len()
		}
	}
	return n
}

// Bases returns what the safety rules of in's plan measure against, for
// an incremental run to keep from a full one.
func Bases(in Input) Base {
	c := newComputer(in)
	return Base{SourceUsers: len(in.Desired.Users), ManagedUsers: c.managedInOkta(), Memberships: c.currentMemberships()}
}

// holdDeactivations holds back every deactivation and deletion of a user
// when safety.maxDeactivations is 0 and --allow-deactivations does not
// cover them all: the rest of the plan applies, and the plan lists what
// it holds back. Any other limit blocks the plan instead (safety).
func (c *computer) holdDeactivations() {
	s := c.pol.Safety
	if s.MaxDeactivations != (Limit{}) {
		return
	}
	n := len(c.ops[DeactivateUser]) + len(c.ops[DeleteUser])
	if n == 0 || s.AllowDeactivations >= n {
		return
	}
	for _, a := range []Action{DeactivateUser, DeleteUser} {
		for _, k := range c.ops[a] {
			c.hold(RuleMaxDeactivations, k.key, k.v)
		}
		c.ops[a] = nil
	}
}

// HeldNote says why the operations held back under rule are, and how to
// apply them; n is how many.
func HeldNote(rule string, n int) string {
	switch rule {
	case RuleMaxDeactivations:
		return fmt.Sprintf("safety.maxDeactivations is 0: the %d %s above %s held back and the rest of the plan applies; "+
			"to apply %s once, rerun with --allow-deactivations %d", n, plural(n, "deactivation or deletion", "deactivations and deletions"),
			plural(n, "is", "are"), plural(n, "it", "them"), n)
	case RuleLeavers:
		return fmt.Sprintf("users.leavers is report: the %d %s above %s listed, not applied, and the rest of the plan applies; "+
			"set users.leavers to deactivate or suspend to apply leavers' changes", n, plural(n, "change of a leaver", "changes of leavers"),
			plural(n, "is", "are"))
	}
	return rule + ": held back"
}

// limitBlock returns the Block for rule when count is over what l allows of
// base and the one-off allowance does not cover it.
func limitBlock(rule string, l Limit, count, base, allow int, verb, one, many, baseName, flag string) (Block, bool) {
	allowed := l.Allowed(base)
	if count <= allowed || allow >= count {
		return Block{}, false
	}
	var how strings.Builder
	switch {
	case l.Percent > 0 && l.Count > 0:
		fmt.Fprintf(&how, "%s of %d %s, at least %d", limit.FormatPercent(l.Percent), base, baseName, l.Count)
	case l.Percent > 0:
		fmt.Fprintf(&how, "%s of %d %s", limit.FormatPercent(l.Percent), base, baseName)
	}
	paren := ""
	if how.Len() > 0 {
		paren = " (" + how.String() + ")"
	}
	msg := fmt.Sprintf("%s: the plan would %s %d %s, over the limit of %d%s; "+
		"to allow it once, rerun with %s %d, or change %s in the config",
		rule, verb, count, plural(count, one, many), allowed, paren, flag, count, rule)
	return Block{Rule: rule, Count: count, Limit: allowed, Message: msg}, true
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
