package reconcile

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

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
	// InScope holds the LoginKeys of users matching the user scope. A
	// session adds the users it owns to it, making it diff's Input.Managed.
	InScope map[string]bool
	// ScopedGroups holds the GroupKeys of groups matching the group
	// search.
	ScopedGroups map[string]bool
	// LeftSource holds the GroupKeys of OKTA_GROUPs oktasync managed
	// before (by id) that the source no longer names; their members are
	// read.
	LeftSource map[string]bool
}

// oktaReader reads Okta's current state for one run, a phase per method:
// groups, then the users (in scope, or all) and the members of the groups
// that matter, at the same time. Any failed read fails the whole read: a
// partial read must never look like "user is gone". Users read share
// storage with the source's through intern.
type oktaReader struct {
	client  *okta.Client
	desired *directory.Directory
	intern  *directory.Interner
	// kept are the profile attributes intern keeps: the only ones the
	// bulk user reads decode.
	kept  []string
	scope Scope
	// protected holds the GroupKeys of the protected groups, whose members
	// are read whatever their type.
	protected map[string]bool
	// ownedLogins are the logins of the users oktasync created, looked up
	// when the scope's search does not return them.
	ownedLogins []string
	// managedIDs holds the ids of the groups oktasync managed before.
	managedIDs map[string]bool
	progress   func(what string, n int)

	// clock is the Date of the answer to the first page of groups: by
	// Okta's clock, no later than every read of the run.
	clock time.Time

	mu  sync.Mutex // guards what follows
	cur *Current
	// memberRefs holds members the user reads have not returned (yet)
	// and the source does not have, by login key: a membership removal
	// needs their id. (The source's users are all read by the user reads
	// or looked up by login, so a member who is one needs nothing kept.)
	memberRefs             map[string]memberRef
	usersRead, membersRead int
}

// memberRef is what a member read keeps of a user the user reads have not
// returned: enough for a membership removal.
type memberRef struct {
	id, status string // status is one of the interned statuses
	// login is the member's login as Okta spells it, or "" when that is
	// the login key itself.
	login string
}

// newOktaReader returns a reader of Okta's state for the source's desired
// state; progress may be nil.
func newOktaReader(c *okta.Client, desired *directory.Directory, scope Scope, protectGroups, ownedLogins []string, progress func(string, int)) *oktaReader {
	protected := make(map[string]bool, len(protectGroups))
	for _, name := range protectGroups {
		protected[directory.GroupKey(name)] = true
	}
	if progress == nil {
		progress = func(string, int) {}
	}
	intern := directory.NewInterner(desired)
	return &oktaReader{
		client: c, desired: desired, intern: intern, kept: intern.Kept(),
		scope: scope, protected: protected, ownedLogins: ownedLogins, progress: progress,
		cur: &Current{
			// Sized from the source by a full read (sizeForSource),
			// not here: an incremental read fills them with a few.
			Dir:          directory.New(),
			MembersRead:  make(map[string]bool),
			InScope:      make(map[string]bool),
			ScopedGroups: make(map[string]bool),
			LeftSource:   make(map[string]bool),
		},
		memberRefs: make(map[string]memberRef),
	}
}

// read reads the groups first (they are few pages, and the member reads
// need their ids), then the users and the members of the groups that
// matter concurrently: they fall in different rate-limit buckets, so
// neither waits for the other.
func (r *oktaReader) read(ctx context.Context, log *slog.Logger) (*Current, error) {
	if err := r.groups(ctx); err != nil {
		return nil, err
	}
	r.sizeForSource()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(fetchParallelism)
	if r.scope.Users != "" {
		g.Go(func() error { return r.usersInScope(gctx) })
	} else {
		// Without a scope, every user: a plain list leaves out
		// DEPROVISIONED users, and a filtered list returns only them.
		for _, filter := range []string{"", `status eq "DEPROVISIONED"`} {
			g.Go(func() error { return r.listUsers(gctx, filter) })
		}
	}
	for _, key := range r.memberGroups() {
		g.Go(func() error { return r.members(gctx, key) })
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	r.keepMemberRefs()
	log.Debug("read Okta state", "users", len(r.cur.Dir.Users), "groups", len(r.cur.Dir.Groups), "inScope", len(r.cur.InScope))
	return r.cur, nil
}

// sizeForSource makes room, before a full read, for as many users as the
// source has in the maps the user reads fill. A map grown one entry at a
// time rehashes every key it holds at each split, which at a million users
// reads memory far apart ~2 million times (about 2 s of CPU, and the old
// tables as garbage); sized at once it may keep up to twice the slots
// growing ends with (about 27 MB more at a million users).
func (r *oktaReader) sizeForSource() {
	n := len(r.desired.Users)
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.cur.Dir.Users) == 0 {
		r.cur.Dir.Users = make(map[string]*directory.User, n)
	}
	if len(r.cur.InScope) == 0 && r.scope.Users != "" {
		r.cur.InScope = make(map[string]bool, n)
	}
}

// groups reads every group, and the groups matching the group search, at
// the same time. It keeps OKTA_GROUPs, any group whose name the source uses
// (so that diff can refuse to manage an APP_GROUP of that name), and the
// protected groups.
func (r *oktaReader) groups(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	var groups []*okta.Group
	g.Go(func() error {
		// The first page alone, for its Date: the run's mark.
		first, resp, err := r.client.Groups.ListPage(gctx, &okta.GroupListOptions{Limit: pageSize})
		if err != nil {
			return fmt.Errorf("list Okta groups: %w", err)
		}
		r.clock, _ = http.ParseTime(resp.Header.Get("Date"))
		groups = append(groups, first...)
		after := resp.NextCursor()
		if after == "" {
			return nil
		}
		for gr, err := range r.client.Groups.List(gctx, &okta.GroupListOptions{Limit: pageSize, After: after}) {
			if err != nil {
				return fmt.Errorf("list Okta groups: %w", err)
			}
			groups = append(groups, gr)
		}
		return nil
	})
	if r.scope.GroupSearch != "" {
		g.Go(func() error {
			for gr, err := range r.client.Groups.List(gctx, &okta.GroupListOptions{Limit: pageSize, Search: r.scope.GroupSearch}) {
				if err != nil {
					return fmt.Errorf("list Okta groups in scope (search %q): %w", r.scope.GroupSearch, err)
				}
				r.mu.Lock()
				r.cur.ScopedGroups[directory.GroupKey(gr.Profile.Name)] = true
				r.mu.Unlock()
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	dir := r.cur.Dir
	for _, gr := range groups {
		key := directory.GroupKey(gr.Profile.Name)
		_, named := r.desired.Groups[key]
		if gr.Type != "OKTA_GROUP" && !named && !r.protected[key] {
			continue
		}
		dg := &directory.Group{
			ID:          gr.ID,
			Name:        gr.Profile.Name,
			Description: gr.Profile.Description,
			Attrs:       gr.Profile.Attrs,
			Type:        gr.Type,
			Origin:      "Okta group " + gr.ID,
		}
		if err := dir.AddGroup(dg); err != nil {
			return fmt.Errorf("two Okta groups are named %q (%s and %s): rename one before syncing", gr.Profile.Name, dir.Groups[key].ID, gr.ID)
		}
		if _, inMembers := r.desired.Members[key]; r.managedIDs[gr.ID] && gr.Type == "OKTA_GROUP" && !named && !inMembers {
			r.cur.LeftSource[key] = true
		}
	}
	return nil
}

// usersInScope reads the users in scope, whatever their status (search
// returns DEPROVISIONED users too). Users outside the scope matter only
// when the source or the state store names them; those are looked up next,
// so the org's other users cost nothing to skip.
//
// Okta stops a search listing at 50,000 results. Users.SearchBasic reads
// past that by splitting the search into id ranges: sorted by id, each
// listing stops before the cap and the next one asks for
// `(scope) and id gt "<last id read>"`. That costs the same ceil(N/200)
// pages as one uncapped listing (plus one refused call if the org's cap is
// lower than Okta's documented one) and reads no page twice. Listing every
// user and evaluating the scope here instead was rejected: it reads the
// whole org (plus a second, filtered listing for the DEPROVISIONED users a
// plain list leaves out) however small the scope, and it needs a second
// reading of Okta's search grammar (case rules, arrays, dates, sw and co)
// that could drift from Okta's own.
func (r *oktaReader) usersInScope(ctx context.Context) error {
	for u, err := range r.client.Users.SearchBasicBorrowed(ctx, r.scope.Users, &okta.UserSearchOptions{Limit: pageSize}, r.kept) {
		if err != nil {
			return fmt.Errorf("list Okta users in scope (search %q): %w", r.scope.Users, err)
		}
		k, err := r.addUserKey(u, true)
		if err != nil {
			return err
		}
		r.mu.Lock()
		r.cur.InScope[k] = true
		r.mu.Unlock()
	}
	// Search is eventually consistent and covers only the scope: look up,
	// with the strongly consistent filter, every login the source or the
	// state store names that the search did not return, so that an
	// existing user is never created twice and an owned user never looks
	// gone.
	return r.lookupLogins(ctx, r.unread())
}

// unread returns, sorted, the logins the source or the state store names
// that no user read has returned.
func (r *oktaReader) unread() []string {
	var missing []string
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, u := range r.desired.Users {
		if _, ok := r.cur.Dir.Users[k]; !ok {
			missing = append(missing, u.Login())
		}
	}
	for _, login := range r.ownedLogins {
		k := directory.LoginKey(login)
		if _, ok := r.cur.Dir.Users[k]; !ok && !r.intern.Has(k) {
			missing = append(missing, login)
		}
	}
	sort.Strings(missing)
	return missing
}

// listUsers reads every user the filter matches.
func (r *oktaReader) listUsers(ctx context.Context, filter string) error {
	for u, err := range r.client.Users.ListBasicBorrowed(ctx, &okta.UserListOptions{Limit: pageSize, Filter: filter}, r.kept) {
		if err != nil {
			return fmt.Errorf("list Okta users: %w", err)
		}
		if _, err := r.addUserKey(u, true); err != nil {
			return err
		}
	}
	return nil
}

// lookupBatch is how many logins one look-up asks for; it keeps the
// request URL well under common proxy and server limits.
const lookupBatch = 40

// lookupLogins finds the users with the given logins, whatever their case
// in Okta, and adds each one found; users are matched to the source's by
// login key, which ignores case.
//
// Two passes, a batch of logins per call (profile.login eq "a" or
// profile.login eq "b" …). First a filter: strongly consistent, so a user
// created moments before (by a run whose answer was lost) is found, but its
// values are case-sensitive, so it finds only logins spelt as given. Then,
// for the logins still missing, a search: its values ignore case, so it
// finds Ana.Ng@x.com for ana.ng@x.com, but it lags writes by about a
// second. Search alone would miss a user oktasync has just created; the
// next create would then fail as a duplicate login, and apply would
// withdraw oktasync's ownership of its own user. Oktasync creates users as
// the source spells them, which the filter pass finds at once. Logins that
// cannot be written inside an expression are fetched one by one (a GET by
// login ignores case).
func (r *oktaReader) lookupLogins(ctx context.Context, logins []string) error {
	var quotable []string
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(fetchParallelism)
	for _, l := range logins {
		if strings.ContainsAny(l, "\"\\") {
			g.Go(func() error { return r.getUser(gctx, l) })
			continue
		}
		quotable = append(quotable, l)
	}
	r.lookupPass(gctx, g, quotable, false)
	if err := g.Wait(); err != nil {
		return err
	}
	g, gctx = errgroup.WithContext(ctx)
	g.SetLimit(fetchParallelism)
	r.lookupPass(gctx, g, r.stillUnread(quotable), true)
	return g.Wait()
}

// lookupPass starts, in g, one look-up per batch of logins: by search when
// search is set, else by filter.
func (r *oktaReader) lookupPass(ctx context.Context, g *errgroup.Group, logins []string, search bool) {
	for len(logins) > 0 {
		batch := logins[:min(lookupBatch, len(logins))]
		logins = logins[len(batch):]
		g.Go(func() error { return r.lookupBatch(ctx, batch, search) })
	}
}

// stillUnread returns the logins no user read has returned.
func (r *oktaReader) stillUnread(logins []string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, l := range logins {
		if _, ok := r.cur.Dir.Users[directory.LoginKey(l)]; !ok {
			out = append(out, l)
		}
	}
	return out
}

// lookupBatch finds the users with the given logins with one filtered
// list, or one searched list when search is set.
func (r *oktaReader) lookupBatch(ctx context.Context, logins []string, search bool) error {
	terms := make([]string, len(logins))
	for i, l := range logins {
		terms[i] = `profile.login eq "` + l + `"`
	}
	expr := strings.Join(terms, " or ")
	opts, how := &okta.UserListOptions{Limit: pageSize, Filter: expr}, "filter"
	if search {
		opts, how = &okta.UserListOptions{Limit: pageSize, Search: expr}, "search"
	}
	for u, err := range r.client.Users.ListBasic(ctx, opts) {
		if err != nil {
			return fmt.Errorf("look up %d Okta users by login (%s): %w", len(logins), how, err)
		}
		if err := r.addUser(u); err != nil {
			return err
		}
	}
	return nil
}

// getUser finds one user by login; a login Okta does not have is not an
// error.
func (r *oktaReader) getUser(ctx context.Context, login string) error {
	u, _, err := r.client.Users.Get(ctx, login)
	if okta.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("look up Okta user %q: %w", login, err)
	}
	return r.addUser(&okta.BasicUser{ID: u.ID, Status: u.Status, TransitioningToStatus: u.TransitioningToStatus, Profile: u.Profile})
}

// addUser adds a user read from Okta, sharing the source's storage. A user
// with a status change in flight has it in its Status
// (directory.StatusInTransition).
func (r *oktaReader) addUser(u *okta.BasicUser) error {
	_, err := r.addUserKey(u, false)
	return err
}

// addUserKey is addUser, returning the user's login key. borrowed says
// that u is lent by a borrowed listing and valid only during the call:
// what is kept of it is copied (the interner copies the status it does not
// share, and packs the profile).
func (r *oktaReader) addUserKey(u *okta.BasicUser, borrowed bool) (string, error) {
	id := u.ID
	if borrowed {
		id = strings.Clone(id)
	}
	du := r.intern.User(id, directory.StatusInTransition(u.Status, u.TransitioningToStatus), u.Profile)
	k := directory.LoginKey(du.Login())
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.memberRefs) > 0 {
		if ref, ok := r.memberRefs[k]; ok {
			if ref.id == du.ID {
				du.ID = ref.id // one copy of the id string
			}
			delete(r.memberRefs, k)
		}
	}
	r.usersRead++
	r.progress("Okta users", r.usersRead)
	if k == "" {
		return k, r.cur.Dir.AddUserKey(k, du) // the empty login's error
	}
	// The same user can appear in two listings if its status changes
	// between them; the later, more current read is kept.
	r.cur.Dir.Users[k] = du
	return k, nil
}

// memberGroups returns the GroupKeys whose members are read: the managed
// groups that exist, and the protected groups of any type (their members
// must never be touched).
func (r *oktaReader) memberGroups() []string {
	keys := r.desired.GroupKeys()
	for key := range r.protected {
		if _, named := r.desired.Groups[key]; !named {
			keys = append(keys, key)
		}
	}
	for key := range r.cur.LeftSource {
		if !r.protected[key] {
			keys = append(keys, key)
		}
	}
	var out []string
	for _, key := range keys {
		if gr, ok := r.cur.Dir.Groups[key]; ok && (gr.Type == "OKTA_GROUP" || r.protected[key]) {
			out = append(out, key)
		}
	}
	return out
}

// keepMemberRefs adds the members outside the scope, which no user read
// listed, as users holding only an id, a status and a login, so that a
// membership removal knows the id.
func (r *oktaReader) keepMemberRefs() {
	for k, ref := range r.memberRefs {
		if _, ok := r.cur.Dir.Users[k]; !ok {
			login := ref.login
			if login == "" {
				login = k
			}
			r.cur.Dir.Users[k] = &directory.User{
				ID:      ref.id,
				Status:  ref.status,
				Profile: directory.Profile{directory.AttrLogin: login}.Pack(),
			}
		}
	}
}

func loginOf(u *okta.BasicUser) string {
	s, _ := u.Profile[directory.AttrLogin].(string)
	return s
}
