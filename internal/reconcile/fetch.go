package reconcile

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/oktasync/oktasync/internal/directory"
	"github.com/oktasync/oktasync/internal/okta"
)

// pageSize is the largest page Okta serves for users and groups.
const pageSize = 200

// memberPageSize is the page size for group member lists.
const memberPageSize = 1000

// fetchParallelism bounds how many list calls run at once while reading
// state; the client paces each bucket on top of this.
const fetchParallelism = 8

// Current is the state read from Okta for one run.
type Current struct {
	Dir *directory.Directory
	// MembersRead holds the GroupKeys whose member lists were read.
	MembersRead map[string]bool
	// InScope holds the LoginKeys of users matching scope.users. A session
	// adds the users it owns to it, making it diff's Input.Managed.
	InScope map[string]bool
	// ScopedGroups holds the GroupKeys of groups matching
	// scope.groups.search.
	ScopedGroups map[string]bool
}

// fetchCurrent reads users (live and deprovisioned), the users in scope,
// groups, and the members of the groups the source names. Any failed read
// fails the whole fetch: a partial read must never look like "user is gone".
func fetchCurrent(ctx context.Context, c *okta.Client, desired *directory.Directory, extraLogins []string, userScope, groupSearch string, protectGroups []string, progress func(what string, n int), log *slog.Logger) (*Current, error) {
	protected := make(map[string]bool, len(protectGroups))
	for _, name := range protectGroups {
		protected[directory.GroupKey(name)] = true
	}
	keep := sourceAttributes(desired)
	var usersRead, membersRead int
	if progress == nil {
		progress = func(string, int) {}
	}
	cur := &Current{
		// Not sized from the source: a map sized for n entries takes the
		// next power of two of tables, up to twice what growing takes.
		Dir:          directory.New(),
		MembersRead:  make(map[string]bool),
		InScope:      make(map[string]bool),
		ScopedGroups: make(map[string]bool),
	}
	var mu sync.Mutex
	// Members the user reads have not returned (yet) and the source does
	// not have, by login key: a membership removal needs their id. (The
	// source's users are all read by the user reads or looked up by
	// login, so a member who is one needs nothing kept.)
	memberRefs := make(map[string]memberRef)
	addUser := func(u *okta.BasicUser) error {
		du := toDirectoryUser(u, keep, desired)
		mu.Lock()
		defer mu.Unlock()
		if ref, ok := memberRefs[directory.LoginKey(du.Login())]; ok {
			if ref.id == du.ID {
				du.ID = ref.id // one copy of the id string
			}
			delete(memberRefs, directory.LoginKey(du.Login()))
		}
		usersRead++
		progress("Okta users", usersRead)
		if err := cur.Dir.AddUser(du); err != nil {
			// The same user can appear in two listings if its status
			// changes between them; keep the later, more current read.
			if _, dup := err.(*directory.DuplicateError); dup {
				cur.Dir.Users[directory.LoginKey(du.Login())] = du
				return nil
			}
			return err
		}
		return nil
	}

	// Groups first: they are few pages, and the member reads below need
	// their ids.
	g, gctx := errgroup.WithContext(ctx)
	var groups []*okta.Group
	g.Go(func() error {
		for gr, err := range c.Groups.List(gctx, &okta.GroupListOptions{Limit: pageSize}) {
			if err != nil {
				return fmt.Errorf("list Okta groups: %w", err)
			}
			groups = append(groups, gr)
		}
		return nil
	})
	if groupSearch != "" {
		g.Go(func() error {
			for gr, err := range c.Groups.List(gctx, &okta.GroupListOptions{Limit: pageSize, Search: groupSearch}) {
				if err != nil {
					return fmt.Errorf("list Okta groups in scope (search %q): %w", groupSearch, err)
				}
				mu.Lock()
				cur.ScopedGroups[directory.GroupKey(gr.Profile.Name)] = true
				mu.Unlock()
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}

	// Groups: keep OKTA_GROUPs, any group whose name the source uses (so
	// that diff can refuse to manage an APP_GROUP of that name), and the
	// protected groups.
	for _, gr := range groups {
		key := directory.GroupKey(gr.Profile.Name)
		_, named := desired.Groups[key]
		if gr.Type != "OKTA_GROUP" && !named && !protected[key] {
			continue
		}
		dg := &directory.Group{
			ID:          gr.ID,
			Name:        gr.Profile.Name,
			Description: gr.Profile.Description,
			Type:        gr.Type,
			Origin:      "Okta group " + gr.ID,
		}
		if err := cur.Dir.AddGroup(dg); err != nil {
			return nil, fmt.Errorf("two Okta groups are named %q (%s and %s): rename one before syncing", gr.Profile.Name, cur.Dir.Groups[key].ID, gr.ID)
		}
	}

	// Users and group members are read at the same time: they fall in
	// different rate-limit buckets, so neither waits for the other.
	g, gctx = errgroup.WithContext(ctx)
	g.SetLimit(fetchParallelism)
	if userScope != "" {
		// The users in scope, whatever their status (search returns
		// DEPROVISIONED users too). Users outside the scope matter only
		// when the source or the state store names them; those are looked
		// up next, so the org's other users cost nothing to skip.
		g.Go(func() error {
			for u, err := range c.Users.ListBasic(gctx, &okta.UserListOptions{Limit: pageSize, Search: userScope}) {
				if err != nil {
					return fmt.Errorf("list Okta users in scope (search %q): %w", userScope, err)
				}
				if err := addUser(u); err != nil {
					return err
				}
				mu.Lock()
				cur.InScope[canonicalKey(desired, loginOf(u))] = true
				mu.Unlock()
			}
			// Search is eventually consistent and covers only the
			// scope: look up, with the strongly consistent filter,
			// every login the source or the state store names that the
			// search did not return, so that an existing user is never
			// created twice and an owned user never looks gone.
			var missing []string
			mu.Lock()
			for k, u := range desired.Users {
				if _, ok := cur.Dir.Users[k]; !ok {
					missing = append(missing, u.Login())
				}
			}
			for _, login := range extraLogins {
				if _, ok := cur.Dir.Users[directory.LoginKey(login)]; !ok {
					if _, inSource := desired.Users[directory.LoginKey(login)]; !inSource {
						missing = append(missing, login)
					}
				}
			}
			mu.Unlock()
			sort.Strings(missing)
			return lookupLogins(gctx, c, missing, addUser)
		})
	} else {
		// Without a scope, every user: a plain list leaves out
		// DEPROVISIONED users, and a filtered list returns only them.
		for _, filter := range []string{"", `status eq "DEPROVISIONED"`} {
			g.Go(func() error {
				for u, err := range c.Users.ListBasic(gctx, &okta.UserListOptions{Limit: pageSize, Filter: filter}) {
					if err != nil {
						return fmt.Errorf("list Okta users: %w", err)
					}
					if err := addUser(u); err != nil {
						return err
					}
				}
				return nil
			})
		}
	}

	// Members of the managed groups that exist, and of the protected
	// groups of any type (their members must never be touched), read
	// concurrently, a page at a time. A member the user reads have not
	// listed never stands in for a user read or look-up; if the source
	// does not have it, memberRefs keeps what a removal needs.
	readKeys := desired.GroupKeys()
	for key := range protected {
		if _, named := desired.Groups[key]; !named {
			readKeys = append(readKeys, key)
		}
	}
	for _, key := range readKeys {
		gr, ok := cur.Dir.Groups[key]
		if !ok || (gr.Type != "OKTA_GROUP" && !protected[key]) {
			continue
		}
		g.Go(func() error {
			const batch = memberPageSize
			page := make([]*okta.Member, 0, batch)
			flush := func() {
				mu.Lock()
				defer mu.Unlock()
				membersRead += len(page)
				progress("group members", membersRead)
				for _, m := range page {
					k := canonicalKey(desired, m.Profile.Login)
					cur.Dir.AddMemberKey(key, k)
					if _, listed := cur.Dir.Users[k]; listed {
						continue
					}
					if _, inSource := desired.Users[k]; inSource {
						continue
					}
					if _, stashed := memberRefs[k]; !stashed {
						ref := memberRef{id: m.ID, status: internStatus(m.Status)}
						if m.Profile.Login != k {
							ref.login = m.Profile.Login
						}
						memberRefs[k] = ref
					}
				}
				clear(page)
				page = page[:0]
			}
			for m, err := range c.Groups.ListMemberRefs(gctx, gr.ID, &okta.ListOptions{Limit: memberPageSize}) {
				if err != nil {
					return fmt.Errorf("list members of Okta group %q: %w", gr.Name, err)
				}
				page = append(page, m)
				if len(page) == batch {
					flush()
				}
			}
			flush()
			mu.Lock()
			cur.MembersRead[key] = true
			set := cur.Dir.Members[key]
			mu.Unlock()
			set.Compact()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	// A member outside the scope was not listed above; keep it so that a
	// membership removal knows its id.
	for k, ref := range memberRefs {
		if _, ok := cur.Dir.Users[k]; !ok {
			login := ref.login
			if login == "" {
				login = k
			}
			cur.Dir.Users[k] = &directory.User{
				ID:      ref.id,
				Status:  ref.status,
				Profile: directory.Profile{directory.AttrLogin: login}.Pack(),
			}
		}
	}
	log.Debug("read Okta state", "users", len(cur.Dir.Users), "groups", len(cur.Dir.Groups), "inScope", len(cur.InScope))
	return cur, nil
}

// memberRef is what a member read keeps of a user the user reads have not
// returned: enough for a membership removal.
type memberRef struct {
	id, status string // status is one of the interned statuses
	// login is the member's login as Okta spells it, or "" when that is
	// the login key itself.
	login string
}

// lookupBatch is how many logins one filtered lookup asks for; it keeps the
// request URL well under common proxy and server limits.
const lookupBatch = 40

// lookupLogins finds the given logins with filtered lists
// (profile.login eq "a" or profile.login eq "b" …), a batch per call, and
// passes each user found to add. Logins that cannot be written inside a
// filter string are fetched one by one.
func lookupLogins(ctx context.Context, c *okta.Client, logins []string, add func(*okta.BasicUser) error) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(fetchParallelism)
	var batch []string
	flush := func(b []string) {
		g.Go(func() error {
			terms := make([]string, len(b))
			for i, l := range b {
				terms[i] = `profile.login eq "` + l + `"`
			}
			filter := strings.Join(terms, " or ")
			for u, err := range c.Users.ListBasic(gctx, &okta.UserListOptions{Limit: pageSize, Filter: filter}) {
				if err != nil {
					return fmt.Errorf("look up %d Okta users by login: %w", len(b), err)
				}
				if err := add(u); err != nil {
					return err
				}
			}
			return nil
		})
	}
	for _, l := range logins {
		if strings.ContainsAny(l, "\"\\") {
			g.Go(func() error {
				u, _, err := c.Users.Get(gctx, l)
				if okta.IsNotFound(err) {
					return nil
				}
				if err != nil {
					return fmt.Errorf("look up Okta user %q: %w", l, err)
				}
				return add(&okta.BasicUser{ID: u.ID, Status: u.Status, Profile: u.Profile})
			})
			continue
		}
		batch = append(batch, l)
		if len(batch) == lookupBatch {
			flush(batch)
			batch = nil
		}
	}
	if len(batch) > 0 {
		flush(batch)
	}
	return g.Wait()
}

func loginOf(u *okta.BasicUser) string {
	s, _ := u.Profile[directory.AttrLogin].(string)
	return s
}

// sourceAttributes returns the profile attributes the desired users have,
// and Okta's required ones: the only attributes a plan compares. Okta
// profiles often carry dozens more, which need not be held in memory.
func sourceAttributes(desired *directory.Directory) map[string]bool {
	keep := make(map[string]bool)
	for _, a := range directory.RequiredAttributes {
		keep[a] = true
	}
	for _, u := range desired.Users {
		for a := range u.Profile.Names() {
			keep[a] = true
		}
	}
	return keep
}

// toDirectoryUser converts an Okta user, keeping only the profile
// attributes in keep. When the result holds exactly the desired user's
// values, it shares the desired user's profile: after the first sync that is
// almost every user, and the current state then costs little more memory
// than the users' ids.
func toDirectoryUser(u *okta.BasicUser, keep map[string]bool, desired *directory.Directory) *directory.User {
	p := make(directory.Profile, min(len(u.Profile), len(keep)))
	for k, v := range u.Profile {
		if keep[k] {
			p[k] = v
		}
	}
	attrs := p.Pack()
	if want, ok := desired.Users[directory.LoginKey(loginOf(u))]; ok && want.Profile.Equal(attrs) {
		attrs = want.Profile
	}
	return &directory.User{
		ID:      u.ID,
		Status:  internStatus(u.Status),
		Profile: attrs,
	}
}

// canonicalKey returns login's LoginKey, sharing the desired user's storage
// when the source has the user, so that the many places a large directory
// holds a login key (users, memberships, scope) hold one string.
func canonicalKey(desired *directory.Directory, login string) string {
	k := directory.LoginKey(login)
	if want, ok := desired.Users[k]; ok {
		if wk := directory.LoginKey(want.Login()); wk == k {
			return wk
		}
	}
	return k
}

// statuses are Okta's user statuses, so that a million users read from
// Okta share a handful of status strings.
var statuses = []string{"ACTIVE", "STAGED", "PROVISIONED", "RECOVERY", "PASSWORD_EXPIRED", "LOCKED_OUT", "SUSPENDED", "DEPROVISIONED"}

func internStatus(s string) string {
	for _, st := range statuses {
		if s == st {
			return st
		}
	}
	return s
}
