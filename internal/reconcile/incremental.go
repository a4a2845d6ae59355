package reconcile

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/oktasync/oktasync/internal/directory"
	"github.com/oktasync/oktasync/internal/okta"
	"github.com/oktasync/oktasync/internal/state"
)

// oktaTime is how Okta writes a timestamp in a filter.
const oktaTime = "2006-01-02T15:04:05.000Z"

// Hard deletes leave nothing to list: only the System Log shows them.
const deleteEvents = `eventType eq "user.lifecycle.delete.completed" or eventType eq "group.lifecycle.delete"`

// errGoFull is returned by an incremental read that found a change only a
// full read can plan; goFull says which.
type errGoFull struct{ reason string }

func (e *errGoFull) Error() string { return "a full read is needed: " + e.reason }

// incReader reads, for an incremental run, only what changed since the
// last successful run: the users and groups Okta changed (by lastUpdated
// and lastMembershipUpdated, with an overlap), those the System Log shows
// deleted, and those whose source digest differs from the one stored. It
// fills its oktaReader with the touched users and groups alone, and says
// which source users it knows unchanged (frozen) but needs for the
// memberships of the touched groups.
type incReader struct {
	*oktaReader
	idx         *itemIndex
	since       time.Time
	owned       map[string]state.OwnedUser
	deleteAfter time.Duration
	now         time.Time

	// mark is the Date of the first Okta answer: the next run's mark.
	mark   time.Time
	users  map[string]bool // touched login keys
	groups map[string]bool // touched group keys
	frozen map[string]bool
}

// touchUser and touchGroup mark a key touched. Call with r.mu held when
// other goroutines run.
func (r *incReader) touchUser(lk string) {
	if lk != "" {
		r.users[lk] = true
	}
}

func (r *incReader) touchGroup(gk string) {
	if gk != "" {
		r.groups[gk] = true
	}
}

// read reads what changed and returns Okta's state restricted to it.
func (r *incReader) read(ctx context.Context, log *slog.Logger) (*Current, error) {
	r.users, r.groups, r.frozen = make(map[string]bool), make(map[string]bool), make(map[string]bool)
	r.sourceChanges()
	if err := r.deltas(ctx); err != nil {
		return nil, err
	}
	for gk := range r.groups {
		if r.protected[gk] {
			return nil, &errGoFull{fmt.Sprintf("protected group %q changed", gk)}
		}
	}
	needGroups := len(r.groups) > 0 || (len(r.protected) > 0 && len(r.users) > 0)
	if needGroups {
		if err := r.oktaReader.groups(ctx); err != nil {
			return nil, err
		}
	}
	if err := r.membersAndUsers(ctx, needGroups); err != nil {
		return nil, err
	}
	if err := r.expand(ctx); err != nil {
		return nil, err
	}
	if err := r.inScope(ctx); err != nil {
		return nil, err
	}
	r.keepMemberRefs()
	r.restrict()
	log.Debug("read Okta changes", "since", r.since, "users", len(r.users), "groups", len(r.groups), "frozen", len(r.frozen))
	return r.cur, nil
}

// sourceChanges touches the source's users and groups whose digest
// differs from the stored one (or that left the source), the items a run
// left pending, and the owned users whose deletion may be due.
func (r *incReader) sourceChanges() {
	for lk, u := range r.desired.Users {
		if !r.idx.same(itemKey{state.ItemUser, lk}, userDigest(lk, u)) {
			r.touchUser(lk)
		}
	}
	named := sourceGroupKeys(r.desired)
	for gk := range named {
		if !r.idx.same(itemKey{state.ItemGroup, gk}, groupDigest(gk, r.desired.Groups[gk])) ||
			!r.idx.same(itemKey{state.ItemMembers, gk}, membersDigest(gk, r.desired.Members[gk])) {
			r.touchGroup(gk)
		}
	}
	for k := range r.idx.items {
		switch {
		case k.kind == state.ItemUser && r.desired.Users[k.key] == nil:
			r.touchUser(k.key)
		case k.kind != state.ItemUser && !named[k.key]:
			r.touchGroup(k.key)
		}
	}
	if r.deleteAfter > 0 {
		for lk, o := range r.owned {
			if !o.DeactivatedAt.IsZero() && !r.now.Before(o.DeactivatedAt.Add(r.deleteAfter)) {
				r.touchUser(lk)
			}
		}
	}
}

// deltas reads the groups Okta changed (its first page's Date is the next
// run's mark), and at the same time the users it changed and the System
// Log's hard deletes.
func (r *incReader) deltas(ctx context.Context) error {
	ts := `"` + r.since.UTC().Format(oktaTime) + `"`
	opts := &okta.GroupListOptions{Limit: pageSize, Filter: "lastUpdated gt " + ts + " or lastMembershipUpdated gt " + ts}
	page, resp, err := r.client.Groups.ListPage(ctx, opts)
	if err != nil {
		return fmt.Errorf("list Okta groups changed since %s: %w", r.since.Format(time.RFC3339), err)
	}
	if r.mark, err = http.ParseTime(resp.Header.Get("Date")); err != nil {
		return fmt.Errorf("list Okta groups changed: no usable Date header (%q): %w", resp.Header.Get("Date"), err)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		for {
			r.mu.Lock()
			for _, gr := range page {
				r.touchGroup(directory.GroupKey(gr.Profile.Name))
				r.touchGroup(r.idx.groupByID[gr.ID])
			}
			r.mu.Unlock()
			after := resp.NextCursor()
			if after == "" {
				return nil
			}
			o := *opts
			o.After = after
			if page, resp, err = r.client.Groups.ListPage(gctx, &o); err != nil {
				return fmt.Errorf("list Okta groups changed since %s: %w", r.since.Format(time.RFC3339), err)
			}
		}
	})
	g.Go(func() error {
		for u, err := range r.client.Users.ListBasicBorrowed(gctx, &okta.UserListOptions{Limit: pageSize, Filter: "lastUpdated gt " + ts}, r.kept) {
			if err != nil {
				return fmt.Errorf("list Okta users changed since %s: %w", r.since.Format(time.RFC3339), err)
			}
			k, err := r.addUserKey(u, true)
			if err != nil {
				return err
			}
			r.mu.Lock()
			r.touchUser(k)
			r.touchUser(r.idx.userByID[u.ID])
			r.mu.Unlock()
		}
		return nil
	})
	g.Go(func() error { return r.deletes(gctx) })
	return g.Wait()
}

// deletes touches the users and groups the System Log shows deleted.
func (r *incReader) deletes(ctx context.Context) error {
	for ev, err := range r.client.Logs.List(ctx, &okta.LogListOptions{Since: r.since, Filter: deleteEvents, Limit: 1000, SortOrder: "ASCENDING"}) {
		if okta.IsAccessDenied(err) {
			return &errGoFull{"the System Log cannot be read (grant okta.logs.read): " + err.Error()}
		}
		if err != nil {
			return fmt.Errorf("read the System Log since %s: %w", r.since.Format(time.RFC3339), err)
		}
		r.mu.Lock()
		for _, t := range ev.Target {
			switch t.Type {
			case "User":
				r.touchUser(r.idx.userByID[t.ID])
				r.touchUser(directory.LoginKey(t.AlternateID))
			case "UserGroup":
				r.touchGroup(r.idx.groupByID[t.ID])
			}
		}
		r.mu.Unlock()
	}
	return nil
}

// membersAndUsers reads the members of the touched groups (and of the
// protected ones) and looks up the touched users no read has returned.
func (r *incReader) membersAndUsers(ctx context.Context, groupsRead bool) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(fetchParallelism)
	if groupsRead {
		for _, key := range r.memberGroups() {
			if r.groups[key] || r.protected[key] {
				g.Go(func() error { return r.members(gctx, key) })
			}
		}
	}
	g.Go(func() error { return r.lookupLogins(gctx, r.unreadTouched(r.users)) })
	return g.Wait()
}

// unreadTouched returns, sorted, the logins of the given touched users no
// user read has returned: as the source spells them, or as Okta did when
// last seen.
func (r *incReader) unreadTouched(keys map[string]bool) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for lk := range keys {
		if _, ok := r.cur.Dir.Users[lk]; ok {
			continue
		}
		login := lk
		if du, ok := r.desired.Users[lk]; ok {
			login = du.Login()
		} else if it, ok := r.idx.items[itemKey{state.ItemUser, lk}]; ok && it.Name != "" {
			login = it.Name
		} else if o, ok := r.owned[lk]; ok {
			login = o.Login
		}
		out = append(out, login)
	}
	sort.Strings(out)
	return out
}

// expand settles the source users the touched groups' memberships need:
// unchanged ones whose Okta id and login are stored become frozen; the
// others are touched and looked up.
func (r *incReader) expand(ctx context.Context) error {
	more := make(map[string]bool)
	consider := func(lk string) {
		if r.users[lk] || r.frozen[lk] || more[lk] {
			return
		}
		if _, ok := r.desired.Users[lk]; !ok {
			return
		}
		if it, ok := r.idx.items[itemKey{state.ItemUser, lk}]; ok && it.OktaID != "" && it.Name != "" {
			r.frozen[lk] = true
			return
		}
		more[lk] = true
	}
	for gk := range r.groups {
		for lk := range r.desired.Members[gk].All() {
			consider(lk)
		}
		if r.cur.MembersRead[gk] {
			for lk := range r.cur.Dir.Members[gk].All() {
				consider(lk)
			}
		}
	}
	if len(more) == 0 {
		return nil
	}
	for lk := range more {
		r.users[lk] = true
	}
	return r.lookupLogins(ctx, r.unreadTouched(more))
}

// inScope marks the touched users read that match the user scope, a
// search by id per batch.
func (r *incReader) inScope(ctx context.Context) error {
	if r.scope.Users == "" {
		return nil
	}
	var ids []string
	for lk := range r.users {
		if u, ok := r.cur.Dir.Users[lk]; ok {
			ids = append(ids, u.ID)
		}
	}
	// Members the source does not have, in the touched groups: a leaver's
	// removal is held back under users.leavers report, and an absent
	// member in scope is deactivated.
	seen := make(map[string]bool)
	for gk := range r.groups {
		for lk := range r.cur.Dir.Members[gk].All() {
			if ref, ok := r.memberRefs[lk]; ok && !seen[lk] {
				seen[lk] = true
				ids = append(ids, ref.id)
			}
		}
	}
	sort.Strings(ids)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(fetchParallelism)
	for len(ids) > 0 {
		batch := ids[:min(lookupBatch, len(ids))]
		ids = ids[len(batch):]
		g.Go(func() error { return r.scopeBatch(gctx, batch) })
	}
	return g.Wait()
}

func (r *incReader) scopeBatch(ctx context.Context, ids []string) error {
	terms := make([]string, len(ids))
	for i, id := range ids {
		terms[i] = `id eq "` + id + `"`
	}
	expr := "(" + r.scope.Users + ") and (" + strings.Join(terms, " or ") + ")"
	for u, err := range r.client.Users.SearchBasic(ctx, expr, &okta.UserSearchOptions{Limit: pageSize}) {
		if err != nil {
			return fmt.Errorf("check %d changed Okta users against the scope (search %q): %w", len(ids), r.scope.Users, err)
		}
		r.mu.Lock()
		r.cur.InScope[r.intern.LoginKey(loginOf(u))] = true
		r.mu.Unlock()
	}
	return nil
}

// restrict leaves in the state read only the touched groups (and the
// protected ones), and adds the frozen users as their stored id and login.
func (r *incReader) restrict() {
	c := r.cur
	for gk := range c.Dir.Groups {
		if !r.groups[gk] && !r.protected[gk] {
			delete(c.Dir.Groups, gk)
			delete(c.Dir.Members, gk)
			delete(c.MembersRead, gk)
		}
	}
	for _, m := range []map[string]bool{c.LeftSource, c.ScopedGroups} {
		for gk := range m {
			if !r.groups[gk] {
				delete(m, gk)
			}
		}
	}
	for lk := range r.frozen {
		it := r.idx.items[itemKey{state.ItemUser, lk}]
		c.Dir.Users[lk] = &directory.User{ID: it.OktaID, Profile: directory.Profile{directory.AttrLogin: it.Name}.Pack()}
	}
}

// plannedDesired returns the part of the source an incremental plan
// covers: the touched and frozen users, the touched groups.
func (r *incReader) plannedDesired() *directory.Directory {
	d := directory.New()
	d.AttrOrigins, d.Passwords = r.desired.AttrOrigins, r.desired.Passwords
	for lk, u := range r.desired.Users {
		if r.users[lk] || r.frozen[lk] {
			d.Users[lk] = u
		}
	}
	for gk := range r.groups {
		if g, ok := r.desired.Groups[gk]; ok {
			d.Groups[gk] = g
		}
		if m, ok := r.desired.Members[gk]; ok {
			d.Members[gk] = m
		}
	}
	return d
}

// isGoFull reports whether err asks for a full read, and why.
func isGoFull(err error) (string, bool) {
	var g *errGoFull
	if errors.As(err, &g) {
		return g.reason, true
	}
	return "", false
}
