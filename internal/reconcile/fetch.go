package reconcile

import (
	"context"
	"fmt"
	"log/slog"
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
	// InScope holds the LoginKeys of users matching scope.users.
	InScope map[string]bool
}

// fetchCurrent reads users (live and deprovisioned), the users in scope,
// groups, and the members of the groups the source names. Any failed read
// fails the whole fetch: a partial read must never look like "user is gone".
func fetchCurrent(ctx context.Context, c *okta.Client, desired *directory.Directory, userScope string, log *slog.Logger) (*Current, error) {
	cur := &Current{
		Dir:         directory.New(),
		MembersRead: make(map[string]bool),
		InScope:     make(map[string]bool),
	}
	var mu sync.Mutex
	addUser := func(u *okta.User) error {
		du := toDirectoryUser(u)
		mu.Lock()
		defer mu.Unlock()
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

	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(fetchParallelism)
	// A plain list leaves out DEPROVISIONED users; a filtered list returns
	// only them. Together they are every user in the org.
	g.Go(func() error {
		for u, err := range c.Users.List(gctx, &okta.UserListOptions{Limit: pageSize}) {
			if err != nil {
				return fmt.Errorf("list Okta users: %w", err)
			}
			if err := addUser(u); err != nil {
				return err
			}
		}
		return nil
	})
	g.Go(func() error {
		for u, err := range c.Users.List(gctx, &okta.UserListOptions{Limit: pageSize, Filter: `status eq "DEPROVISIONED"`}) {
			if err != nil {
				return fmt.Errorf("list deprovisioned Okta users: %w", err)
			}
			if err := addUser(u); err != nil {
				return err
			}
		}
		return nil
	})
	if userScope != "" {
		g.Go(func() error {
			for u, err := range c.Users.List(gctx, &okta.UserListOptions{Limit: pageSize, Search: userScope}) {
				if err != nil {
					return fmt.Errorf("list Okta users in scope (search %q): %w", userScope, err)
				}
				login, _ := u.Profile[directory.AttrLogin].(string)
				mu.Lock()
				cur.InScope[directory.LoginKey(login)] = true
				mu.Unlock()
			}
			return nil
		})
	}
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
	if err := g.Wait(); err != nil {
		return nil, err
	}

	// Groups: keep OKTA_GROUPs, and any group whose name the source uses
	// (so that diff can refuse to manage an APP_GROUP of that name).
	for _, gr := range groups {
		key := directory.GroupKey(gr.Profile.Name)
		_, named := desired.Groups[key]
		if gr.Type != "OKTA_GROUP" && !named {
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
			return nil, fmt.Errorf("Okta has two groups named %q (%s and %s): rename one before syncing", gr.Profile.Name, cur.Dir.Groups[key].ID, gr.ID)
		}
	}

	// Members of the managed groups that exist, read concurrently.
	g, gctx = errgroup.WithContext(ctx)
	g.SetLimit(fetchParallelism)
	for _, key := range desired.GroupKeys() {
		gr, ok := cur.Dir.Groups[key]
		if !ok || gr.Type != "OKTA_GROUP" {
			continue
		}
		g.Go(func() error {
			var logins []string
			for u, err := range c.Groups.ListMembers(gctx, gr.ID, &okta.ListOptions{Limit: memberPageSize}) {
				if err != nil {
					return fmt.Errorf("list members of Okta group %q: %w", gr.Name, err)
				}
				login, _ := u.Profile[directory.AttrLogin].(string)
				logins = append(logins, login)
			}
			mu.Lock()
			defer mu.Unlock()
			for _, l := range logins {
				cur.Dir.AddMember(gr.Name, l)
			}
			cur.MembersRead[key] = true
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	log.Debug("read Okta state", "users", len(cur.Dir.Users), "groups", len(cur.Dir.Groups), "inScope", len(cur.InScope))
	return cur, nil
}

func toDirectoryUser(u *okta.User) *directory.User {
	p := make(directory.Profile, len(u.Profile))
	for k, v := range u.Profile {
		p[k] = v
	}
	return &directory.User{
		ID:      u.ID,
		Status:  u.Status,
		Profile: p,
		Origin:  "Okta user " + u.ID,
	}
}
