package directory

import (
	"slices"
	"strings"
	"sync"
)

// Interner makes users read from elsewhere (Okta) share storage with a
// reference directory (the source's), so that a second directory of a
// million users costs little more than their ids:
//
//   - a profile keeps only the attributes the reference's users have and
//     Okta's required ones (the only ones a plan compares), and when it then
//     holds exactly a reference user's values it shares that user's Attrs;
//   - a login key shares the reference user's login when that is already
//     in key form (as logins mostly are);
//   - a status is one of a handful of shared strings.
//
// An Interner only reads the reference, which must not change while the
// Interner is in use; it is safe for concurrent use.
type Interner struct {
	ref  *Directory
	keep map[string]bool
}

// NewInterner returns an Interner sharing ref's storage.
func NewInterner(ref *Directory) *Interner {
	keep := make(map[string]bool)
	for _, a := range RequiredAttributes {
		keep[a] = true
	}
	for _, a := range ref.AttrNames() {
		keep[a] = true
	}
	return &Interner{ref: ref, keep: keep}
}

// User returns the user with the given id, status and profile (as decoded
// from JSON), holding only the kept attributes, and sharing the reference's
// profile and a shared status string where it can. profile is only read.
func (in *Interner) User(id, status string, profile map[string]any) *User {
	sc := packScratch.Get().(*packBuf)
	names := sc.names[:0]
	for k := range profile {
		if in.keep[k] {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	b := sc.b[:0]
	for _, name := range names {
		b = appendAttr(b, name, profile[name])
	}
	var attrs Attrs
	login, _ := profile[AttrLogin].(string)
	if want, ok := in.ref.Users[LoginKey(login)]; ok && want.Profile.b == string(b) {
		attrs = want.Profile // the common case: no copy at all
	} else if len(b) > 0 {
		attrs = Attrs{b: string(b)}
	}
	clear(names)
	sc.names, sc.b = names, b
	packScratch.Put(sc)
	return &User{ID: id, Status: in.Status(status), Profile: attrs}
}

// packBuf is the scratch space of Interner.User.
type packBuf struct {
	names []string
	b     []byte
}

var packScratch = sync.Pool{New: func() any { return new(packBuf) }}

// LoginKey returns login's LoginKey, sharing the reference user's login
// when the reference has the user and its login is in key form, so that
// the many places a large directory holds a login key (users, memberships,
// scope) hold one string.
func (in *Interner) LoginKey(login string) string {
	k := LoginKey(login)
	if want, ok := in.ref.Users[k]; ok {
		if wk := LoginKey(want.Login()); wk == k {
			return wk
		}
	}
	return k
}

// SourceKey returns, in one look-up, the reference's key for login and
// whether the reference has a user with that key. When it has, the key is
// shared as LoginKey shares it, and never points into login's storage (a
// caller may pass a login that is about to be overwritten); otherwise it is
// LoginKey(login), which may.
func (in *Interner) SourceKey(login string) (string, bool) {
	k := LoginKey(login)
	want, ok := in.ref.Users[k]
	if !ok {
		return k, false
	}
	wl := want.Login()
	if wl == k {
		return wl, true
	}
	if wk := LoginKey(wl); wk == k {
		return wk, true
	}
	return strings.Clone(k), true
}

// Kept returns, sorted, the attributes User keeps.
func (in *Interner) Kept() []string {
	names := make([]string, 0, len(in.keep))
	for a := range in.keep {
		names = append(names, a)
	}
	slices.Sort(names)
	return names
}

// Has reports whether the reference has a user with login key lk.
func (in *Interner) Has(lk string) bool {
	_, ok := in.ref.Users[lk]
	return ok
}

// statuses are Okta's user statuses, so that a million users share a
// handful of status strings.
var statuses = []string{"ACTIVE", "STAGED", "PROVISIONED", "RECOVERY", "PASSWORD_EXPIRED", "LOCKED_OUT", "SUSPENDED", "DEPROVISIONED"}

// Status returns s, as the shared string of Okta's user status it equals,
// if any; any other s is copied, so that the result never points into s's
// storage (a caller may pass a status that is about to be overwritten).
func (in *Interner) Status(s string) string {
	for _, st := range statuses {
		if s == st {
			return st
		}
	}
	return strings.Clone(s)
}
