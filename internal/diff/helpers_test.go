package diff

import "github.com/oktasync/oktasync/internal/directory"

// setAttr sets attribute name of the user with login key lk in d to v.
func setAttr(d *directory.Directory, lk, name string, v any) {
	u := d.Users[lk]
	p := u.Profile.Map()
	p[name] = v
	u.Profile = p.Pack()
}

// removeMember takes the user with login key lk out of the group with key
// gk in d. A MemberSet only grows, so the group's set is built anew.
func removeMember(d *directory.Directory, gk, lk string) {
	old := d.Members[gk]
	set := new(directory.MemberSet)
	for k := range old.All() {
		if k != lk {
			set.Add(k)
		}
	}
	d.Members[gk] = set
}

// summaryField returns the field of s that counts action a, or nil when
// Summary has none. It is written out action by action, apart from the
// code that fills the summary, so that tests can check that code.
func summaryField(s *Summary, a Action) *int {
	switch a {
	case CreateGroup:
		return &s.Groups.Create
	case UpdateGroup:
		return &s.Groups.Update
	case DeleteGroup:
		return &s.Groups.Delete
	case CreateUser:
		return &s.Users.Create
	case UpdateUser:
		return &s.Users.Update
	case ActivateUser:
		return &s.Users.Activate
	case ReactivateUser:
		return &s.Users.Reactivate
	case UnsuspendUser:
		return &s.Users.Unsuspend
	case SuspendUser:
		return &s.Users.Suspend
	case DeactivateUser:
		return &s.Users.Deactivate
	case DeleteUser:
		return &s.Users.Delete
	case AddMember:
		return &s.Memberships.Add
	case RemoveMember:
		return &s.Memberships.Remove
	case SetManager:
		return &s.Managers.Set
	case ClearManager:
		return &s.Managers.Clear
	case AssignAppGroup, AssignAppUser:
		return &s.Apps.Assign
	case UnassignAppGroup, UnassignAppUser:
		return &s.Apps.Unassign
	}
	return nil
}
