package reconcile

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/oktasync/oktasync/internal/diff"
	"github.com/oktasync/oktasync/internal/directory"
	"github.com/oktasync/oktasync/internal/okta"
	"github.com/oktasync/oktasync/internal/state"
)

// LinkSettings says how a run keeps users' managers, as Okta's Linked
// Objects (config mapping.manager and links).
type LinkSettings struct {
	// Primary and Associated are the definition's names
	// (manager/directReports).
	Primary, Associated string
	// By is what the source's manager cells hold: "login" or a profile
	// attribute name.
	By string
	// CreateDefinition lets a run create a missing definition.
	CreateDefinition bool
}

// ErrNoLinkDefinition is wrapped by the error of a run (and of
// CheckLinkDefinition) when the org lacks the linked object definition and
// links.createDefinition is off.
var ErrNoLinkDefinition = errors.New("the org has no linked object definition for manager links")

// CheckLinkDefinition reads the org's definition named ls.Primary. It
// returns missing when there is none and ls.CreateDefinition allows a run
// to create it; without that, a missing definition (or one that pairs
// other names) is an error.
func CheckLinkDefinition(ctx context.Context, c *okta.Client, ls *LinkSettings) (missing bool, err error) {
	def, _, err := c.Schemas.GetLinkedObjectDefinition(ctx, ls.Primary)
	switch {
	case okta.IsNotFound(err) && ls.CreateDefinition:
		return true, nil
	case okta.IsNotFound(err):
		return false, fmt.Errorf("%w: no definition %q (links.primary) in Okta; create %s/%s in Okta (Directory › Profile Editor › Linked Objects) or set links.createDefinition: true: nothing was written",
			ErrNoLinkDefinition, ls.Primary, ls.Primary, ls.Associated)
	case err != nil:
		return false, fmt.Errorf("read linked object definition %q: %w", ls.Primary, err)
	case def.Primary.Name != ls.Primary || def.Associated.Name != ls.Associated:
		return false, fmt.Errorf("linked object definition %q in Okta pairs %s/%s, not %s/%s as links.primary and links.associated say: nothing was written",
			ls.Primary, def.Primary.Name, def.Associated.Name, ls.Primary, ls.Associated)
	}
	return false, nil
}

// createLinkDefinition creates the definition ls names.
func createLinkDefinition(ctx context.Context, c *okta.Client, ls *LinkSettings) error {
	_, _, err := c.Schemas.CreateLinkedObjectDefinition(ctx, okta.LinkedObject{
		Primary:    okta.LinkedObjectDetails{Name: ls.Primary, Title: ls.Primary, Type: "USER"},
		Associated: okta.LinkedObjectDetails{Name: ls.Associated, Title: ls.Associated, Type: "USER"},
	})
	if err != nil {
		return fmt.Errorf("create linked object definition %s/%s (links.createDefinition): %w", ls.Primary, ls.Associated, err)
	}
	return nil
}

// ResolveManagers resolves the source's manager cells as a plan does,
// looking up in Okta the managers that are neither in the source nor in
// current (users outside the scope), and returns the resolution and the
// users it looked up.
func ResolveManagers(ctx context.Context, c *okta.Client, desired, current *directory.Directory, by string) (*diff.Managers, map[string]*directory.User, error) {
	others := make(map[string]*directory.User)
	res := diff.ResolveManagers(desired, current, others, by)
	if len(res.Unresolved) == 0 {
		return res, others, nil
	}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(fetchParallelism)
	for _, v := range res.Unresolved {
		g.Go(func() error {
			found, err := lookupManager(gctx, c, v, by)
			mu.Lock()
			defer mu.Unlock()
			for _, u := range found {
				others[directory.LoginKey(u.Login())] = u
			}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	return diff.ResolveManagers(desired, current, others, by), others, nil
}

// lookupManager finds the Okta users a manager cell's value names: by
// login, one GET; by attribute, a search.
func lookupManager(ctx context.Context, c *okta.Client, v, by string) ([]*directory.User, error) {
	if by == "" || by == "login" {
		u, _, err := c.Users.Get(ctx, v)
		if okta.IsNotFound(err) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("look up manager %q in Okta: %w", v, err)
		}
		return []*directory.User{{ID: u.ID, Status: u.Status, Profile: directory.Profile(u.Profile).Pack()}}, nil
	}
	if strings.ContainsAny(v, "\"\\") {
		return nil, nil // not a value a search expression can hold; reported as dangling
	}
	var out []*directory.User
	opts := &okta.UserListOptions{Limit: pageSize, Search: fmt.Sprintf("profile.%s eq %q", by, v)}
	for u, err := range c.Users.ListBasic(ctx, opts) {
		if err != nil {
			return nil, fmt.Errorf("look up manager with %s %q in Okta: %w", by, v, err)
		}
		out = append(out, &directory.User{ID: u.ID, Status: u.Status, Profile: directory.Profile(u.Profile).Pack()})
	}
	return out, nil
}

// readLinks prepares the plan's manager links: it resolves the source's
// cells, then reads from Okta the links of the managed users whose resolved
// manager differs from the one the state store records for them (or who
// have a record and an empty cell); Okta offers no list of links (see
// fetchLinks for how they are read). Unless dryRun, what it reads is
// recorded, so that the next run reads only the users whose manager
// changed in the source.
func (r *Runner) readLinks(ctx context.Context, s *session, dryRun bool) (*diff.LinkInput, error) {
	ls := r.set.Links
	known, err := s.store.ManagerLinks(ctx, r.set.Org)
	if err != nil {
		return nil, fmt.Errorf("read manager links from state store: %w", err)
	}
	res, others, err := ResolveManagers(ctx, r.parts.Okta, s.desired, s.cur.Dir, ls.By)
	if err != nil {
		return nil, err
	}
	in := &diff.LinkInput{Relationship: ls.Primary, By: ls.By, Others: others, Known: known, Read: make(map[string]string)}
	want := make(map[string]string) // user id -> manager id wanted ("" to clear)
	for lk := range s.desired.Users {
		cu, ok := s.cur.Dir.Users[lk]
		if !ok || !(s.cur.InScope[lk] || s.owns(lk)) {
			continue
		}
		t, has := res.Targets[lk]
		_, named := s.desired.Managers[lk]
		k, isKnown := known[cu.ID]
		switch {
		case has && t.ID != "" && (!isKnown || k != t.ID):
			want[cu.ID] = t.ID
		case !named && isKnown && k != "":
			want[cu.ID] = ""
		}
	}
	if s.noLinkDef {
		for u := range want {
			in.Read[u] = "" // no definition yet, so no link: nothing to read
		}
	} else if err := r.fetchLinks(ctx, want, in.Read); err != nil {
		return nil, err
	}
	r.log.Info("read manager links", "users", len(want), "confirmed", len(in.Read), "known", len(known))
	if !dryRun && len(in.Read) > 0 {
		links := make([]state.ManagerLink, 0, len(in.Read))
		for u, m := range in.Read {
			links = append(links, state.ManagerLink{UserID: u, ManagerID: m})
		}
		if err := s.store.RecordManagerLinks(ctx, r.set.Org, links); err != nil {
			return nil, fmt.Errorf("record manager links read: %w", err)
		}
	}
	return in, nil
}

// fetchLinks reads the links of the users in want (user id -> the manager
// id the source wants, "" for none) into read (user id -> manager id), in
// the fewer calls of two ways: one GET of the user's primary per user, or
// one GET of the associated users (directReports) per wanted manager. Read
// by manager, a user who is among the manager's reports gets the manager;
// one who is not is left out of read (their link differs, and is set).
// Users with no wanted manager are read one by one.
func (r *Runner) fetchLinks(ctx context.Context, want map[string]string, read map[string]string) error {
	ls := r.set.Links
	var single []string
	byManager := make(map[string][]string)
	for u, m := range want {
		if m == "" {
			single = append(single, u)
		} else {
			byManager[m] = append(byManager[m], u)
		}
	}
	if len(byManager) >= len(want)-len(single) {
		for _, us := range byManager {
			single = append(single, us...)
		}
		byManager = nil
	}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(fetchParallelism)
	for _, u := range single {
		g.Go(func() error {
			ids, _, err := r.parts.Okta.Users.LinkedObjects(gctx, u, ls.Primary)
			if err != nil {
				return fmt.Errorf("read the %s of Okta user %s: %w", ls.Primary, u, err)
			}
			mu.Lock()
			defer mu.Unlock()
			read[u] = ""
			if len(ids) > 0 {
				read[u] = ids[0]
			}
			return nil
		})
	}
	for m, us := range byManager {
		g.Go(func() error {
			ids, _, err := r.parts.Okta.Users.LinkedObjects(gctx, m, ls.Associated)
			if err != nil {
				return fmt.Errorf("read the %s of Okta user %s: %w", ls.Associated, m, err)
			}
			reports := make(map[string]bool, len(ids))
			for _, id := range ids {
				reports[id] = true
			}
			mu.Lock()
			defer mu.Unlock()
			for _, u := range us {
				if reports[u] {
					read[u] = m
				}
			}
			return nil
		})
	}
	return g.Wait()
}

// owns reports whether oktasync created the user with login key lk.
func (s *session) owns(lk string) bool {
	_, ok := s.owned[lk]
	return ok
}

// linkDefinitionNeeded reports whether applying plan must first create the
// linked object definition (the org lacks it and links.createDefinition
// is on), and says so in the plan's warnings.
func (r *Runner) linkDefinitionNeeded(s *session, plan *diff.Plan) bool {
	if !s.noLinkDef {
		return false
	}
	for _, op := range plan.Operations {
		if op.Action == diff.SetManager {
			plan.Warnings = append(plan.Warnings, fmt.Sprintf("the org has no linked object definition %s/%s; applying this plan creates it first (links.createDefinition)",
				r.set.Links.Primary, r.set.Links.Associated))
			return true
		}
	}
	return false
}
