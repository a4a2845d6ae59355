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
