package diff

import (
	"sort"

	"github.com/oktasync/oktasync/internal/directory"
)

// reasonLeftSource is the Reason of the operations that empty, and
// delete, a group that left the source.
const reasonLeftSource = "group left the source"

// leftGroups plans the emptying of the groups oktasync managed before and
// that the source no longer names (Input.LeftSource): each member is
// removed, under the membership-removal limit, and with
// Policy.DeleteUnlistedGroups the group is deleted. Protected groups, and
// groups the source names again, are left alone.
func (c *computer) leftGroups() {
	protected := make(map[string]bool, len(c.pol.ProtectGroups))
	for _, g := range c.pol.ProtectGroups {
		protected[directory.GroupKey(g)] = true
	}
	for _, gk := range c.leftGroupKeys() {
		cg := c.in.Current.Groups[gk]
		switch {
		case protected[gk]:
			continue
		case cg.Type != "" && cg.Type != groupTypeOkta:
			c.warn(warnGroup+gk, "group %q left the source but is of type %s in Okta, not OKTA_GROUP: its members are left alone", cg.Name, cg.Type)
			continue
		case !c.in.MembersRead[gk]:
			c.fail("group %q left the source: its members were not read from Okta, so they cannot be removed", cg.Name)
			continue
		}
		removed := 0
		for lk := range c.in.Current.Members[gk].All() {
			if c.protected[lk] {
				continue
			}
			cu, ok := c.in.Current.Users[lk]
			if !ok {
				c.warn(warnMembership+gk+"\x00"+lk, "group %q lists member %q, which is not among Okta's users as read; not removed", cg.Name, lk)
				continue
			}
			removed++
			c.add(gk+"\x00"+lk, Operation{Action: RemoveMember, Login: cu.Login(), UserID: cu.ID, Group: cg.Name, GroupID: cg.ID, Reason: reasonLeftSource})
		}
		what := "it has no members to remove"
		if removed > 0 {
			what = "it is being emptied"
		}
		if c.pol.DeleteUnlistedGroups {
			c.add(gk, Operation{Action: DeleteGroup, Group: cg.Name, GroupID: cg.ID, Reason: reasonLeftSource})
			what += " and deleted (groups.deleteUnlisted)"
		}
		c.warn(warnGroup+gk, "group %q, which oktasync managed, left the source (or was renamed there): %s", cg.Name, what)
	}
}

// leftGroupKeys returns the keys of Input.LeftSource that name a group in
// Okta and that the source does not name, sorted.
func (c *computer) leftGroupKeys() []string {
	keys := make([]string, 0, len(c.in.LeftSource))
	for gk := range c.in.LeftSource {
		_, named := c.in.Desired.Groups[gk]
		if _, inMembers := c.in.Desired.Members[gk]; inMembers {
			named = true
		}
		if _, ok := c.in.Current.Groups[gk]; ok && c.in.LeftSource[gk] && !named {
			keys = append(keys, gk)
		}
	}
	sort.Strings(keys)
	return keys
}
