package reconcile

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"time"

	"github.com/oktasync/oktasync/internal/apply"
	"github.com/oktasync/oktasync/internal/diff"
	"github.com/oktasync/oktasync/internal/directory"
	"github.com/oktasync/oktasync/internal/state"
)

// digestLen is how many bytes of a SHA-256 an item's digest keeps: enough
// that two different states of one user or group never collide in
// practice, small enough for a million users.
const digestLen = 16

// pendingDigest marks an item a run left to do: no real digest is all
// zeros, so the next run takes the item up again.
var pendingDigest = make([]byte, digestLen)

// itemKey names one item: its kind and key.
type itemKey struct{ kind, key string }

func sum(h hash.Hash) []byte { return h.Sum(nil)[:digestLen] }

// userDigest is the digest of a source user as diff sees it: its status
// and normalised profile (the initial password only matters to a create,
// and is never stored, even as a digest). It writes the values itself
// rather than through fmt: an incremental run takes one per source user.
func userDigest(lk string, u *directory.User) []byte {
	b := make([]byte, 0, 256)
	b = append(b, "user\x00"...)
	b = append(b, lk...)
	b = append(b, 0)
	b = append(b, strings.ToUpper(strings.TrimSpace(u.Status))...)
	for a, v := range u.Profile.All() {
		b = append(b, 0)
		b = append(b, a...)
		b = append(b, 0)
		b = appendValue(b, directory.NormalizeValue(a, v))
	}
	sum := sha256.Sum256(b)
	return sum[:digestLen]
}

// appendValue appends a normalised value, its type first so that the
// string "1" and the number 1 differ.
func appendValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, 'n')
	case string:
		b = append(b, 's')
		b = strconv.AppendInt(b, int64(len(x)), 10)
		return append(append(b, ':'), x...)
	case bool:
		return strconv.AppendBool(append(b, 'b'), x)
	case int64:
		return strconv.AppendInt(append(b, 'i'), x, 10)
	case float64:
		return strconv.AppendFloat(append(b, 'f'), x, 'g', -1, 64)
	case []any:
		b = append(b, 'a')
		b = strconv.AppendInt(b, int64(len(x)), 10)
		for _, e := range x {
			b = appendValue(append(b, ','), e)
		}
		return b
	}
	return fmt.Appendf(append(b, '?'), "%#v", v)
}

// groupDigest is the digest of a source group's name and description; a
// group named only by memberships has none.
func groupDigest(gk string, g *directory.Group) []byte {
	h := sha256.New()
	if g == nil {
		fmt.Fprintf(h, "group\x00%s\x00-", gk)
	} else {
		fmt.Fprintf(h, "group\x00%s\x00%s\x00%t\x00%s", gk, g.Name, g.HasDescription, g.Description)
	}
	return sum(h)
}

// membersDigest is the digest of a source group's member set.
func membersDigest(gk string, m *directory.MemberSet) []byte {
	b := make([]byte, 0, 64*m.Len()+32)
	b = append(b, "members\x00"...)
	b = append(b, gk...)
	for lk := range m.All() {
		b = append(append(b, 0), lk...)
	}
	sum := sha256.Sum256(b)
	return sum[:digestLen]
}

// sourceGroupKeys returns the keys of the groups the source names, by
// itself or through memberships.
func sourceGroupKeys(d *directory.Directory) map[string]bool {
	keys := make(map[string]bool, len(d.Groups)+len(d.Members))
	for gk := range d.Groups {
		keys[gk] = true
	}
	for gk := range d.Members {
		keys[gk] = true
	}
	return keys
}

// syncUpdate is what a run saves for the next incremental one once it has
// applied its plan: its marks, and its items as they are when every
// operation applied. Operations that did not apply (and held ones) turn
// their items pending.
type syncUpdate struct {
	kind  RunKind
	marks state.SyncMarks
	// replace: a full run's items replace all others.
	replace bool
	put     map[itemKey]state.SyncItem
	drop    map[itemKey]bool
}

// newSyncUpdate prepares what the run saves: for a full run every source
// item, for an incremental one the touched users and groups. cur is Okta's
// state as read (restricted to the touched, for an incremental run).
func newSyncUpdate(kind RunKind, org, digest string, clock, started time.Time, desired *directory.Directory, cur *Current, users, groups map[string]bool) *syncUpdate {
	u := &syncUpdate{kind: kind, put: make(map[itemKey]state.SyncItem), drop: make(map[itemKey]bool)}
	u.marks = state.SyncMarks{Org: org, ConfigDigest: digest, OktaSince: clock, FullAt: started,
		ManagedUsers: kind.marks.ManagedUsers, Memberships: kind.marks.Memberships}
	if kind.Incremental {
		u.marks.FullAt = kind.marks.FullAt
	} else {
		u.replace = true
		users = make(map[string]bool, len(desired.Users))
		for lk := range desired.Users {
			users[lk] = true
		}
		groups = sourceGroupKeys(desired)
	}
	for lk := range users {
		du, ok := desired.Users[lk]
		if !ok {
			u.drop[itemKey{state.ItemUser, lk}] = true
			continue
		}
		it := state.SyncItem{Kind: state.ItemUser, Key: lk, Digest: userDigest(lk, du)}
		if cu, ok := cur.Dir.Users[lk]; ok {
			it.OktaID, it.Name = cu.ID, cu.Login()
		}
		u.put[itemKey{state.ItemUser, lk}] = it
	}
	named := sourceGroupKeys(desired)
	for gk := range groups {
		if !named[gk] {
			u.drop[itemKey{state.ItemGroup, gk}] = true
			u.drop[itemKey{state.ItemMembers, gk}] = true
			continue
		}
		var id, name string
		if cg, ok := cur.Dir.Groups[gk]; ok {
			id, name = cg.ID, cg.Name
		}
		u.put[itemKey{state.ItemGroup, gk}] = state.SyncItem{Kind: state.ItemGroup, Key: gk, OktaID: id, Name: name,
			Digest: groupDigest(gk, desired.Groups[gk])}
		u.put[itemKey{state.ItemMembers, gk}] = state.SyncItem{Kind: state.ItemMembers, Key: gk, OktaID: id, Name: name,
			Digest: membersDigest(gk, desired.Members[gk])}
	}
	return u
}

// opItems returns the items an operation changes.
func opItems(op diff.Operation) []itemKey {
	gk := directory.GroupKey(op.Group)
	switch op.Action {
	case diff.CreateGroup, diff.UpdateGroup, diff.DeleteGroup:
		return []itemKey{{state.ItemGroup, gk}, {state.ItemMembers, gk}}
	case diff.AddMember, diff.RemoveMember:
		return []itemKey{{state.ItemMembers, gk}}
	}
	return []itemKey{{state.ItemUser, directory.LoginKey(op.Login)}}
}

// settle turns pending the items of the operations that did not apply and
// of the held ones, and fills in the ids of the users and groups the run
// created.
func (u *syncUpdate) settle(ops []OperationReport, held []diff.Held, outcomes []apply.Outcome) {
	created := make(map[int]string)
	for _, o := range outcomes {
		if o.Status == state.OpApplied && o.OktaID != "" && (o.Action == diff.CreateUser || o.Action == diff.CreateGroup) {
			created[o.Seq] = o.OktaID
		}
	}
	pending := func(k itemKey) {
		it, ok := u.put[k]
		if !ok {
			it = state.SyncItem{Kind: k.kind, Key: k.key}
		}
		it.Digest = pendingDigest
		u.put[k] = it
		delete(u.drop, k)
	}
	for _, op := range ops {
		if op.Status != state.OpApplied {
			for _, k := range opItems(op.Operation) {
				pending(k)
			}
			continue
		}
		u.count(op.Action)
		id, ok := created[op.Seq]
		if !ok {
			continue
		}
		for _, k := range opItems(op.Operation) {
			if it, ok := u.put[k]; ok && it.OktaID == "" {
				it.OktaID, it.Name = id, op.Login
				if op.Action == diff.CreateGroup {
					it.Name = op.Group
				}
				u.put[k] = it
			}
		}
	}
	for _, h := range held {
		for _, k := range opItems(h.Operation) {
			pending(k)
		}
	}
}

// count keeps the safety rules' base as the run's applied operations
// change it (a full run measures it again).
func (u *syncUpdate) count(a diff.Action) {
	switch a {
	case diff.CreateUser:
		u.marks.ManagedUsers++
	case diff.DeleteUser:
		u.marks.ManagedUsers--
	case diff.AddMember:
		u.marks.Memberships++
	case diff.RemoveMember:
		u.marks.Memberships--
	}
}

// save records the update in the store.
func (u *syncUpdate) save(ctx context.Context, store Store) error {
	put := make([]state.SyncItem, 0, len(u.put))
	for _, it := range u.put {
		put = append(put, it)
	}
	drop := make([]state.SyncItem, 0, len(u.drop))
	for k := range u.drop {
		drop = append(drop, state.SyncItem{Kind: k.kind, Key: k.key})
	}
	u.marks.SavedAt = time.Now().UTC()
	return store.SaveSync(ctx, u.marks, u.replace, put, drop)
}

// itemIndex is a run's stored items by key, and the keys of the users and
// groups by Okta id.
type itemIndex struct {
	items               map[itemKey]state.SyncItem
	userByID, groupByID map[string]string
}

func newItemIndex(items []state.SyncItem) *itemIndex {
	x := &itemIndex{items: make(map[itemKey]state.SyncItem, len(items)),
		userByID: make(map[string]string), groupByID: make(map[string]string)}
	for _, it := range items {
		x.items[itemKey{it.Kind, it.Key}] = it
		if it.OktaID == "" {
			continue
		}
		switch it.Kind {
		case state.ItemUser:
			x.userByID[it.OktaID] = it.Key
		case state.ItemGroup:
			x.groupByID[it.OktaID] = it.Key
		}
	}
	return x
}

// same reports whether the stored item k has digest d (and is not
// pending).
func (x *itemIndex) same(k itemKey, d []byte) bool {
	it, ok := x.items[k]
	return ok && bytes.Equal(it.Digest, d) && !bytes.Equal(it.Digest, pendingDigest)
}
