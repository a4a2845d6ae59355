package reconcile

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/oktasync/oktasync/internal/apply"
	"github.com/oktasync/oktasync/internal/diff"
	"github.com/oktasync/oktasync/internal/directory"
	"github.com/oktasync/oktasync/internal/okta"
	"github.com/oktasync/oktasync/internal/state"
)

// AppSpec is one entry of the configuration's apps list.
type AppSpec struct {
	// Field names the entry in messages ("apps[0]").
	Field string
	// App is the app's label or id.
	App string
	// Groups are the source groups assigned to the app.
	Groups []AppGroupSpec
	// UsersFrom, when set, names the source column listing each user's
	// apps: the app is assigned directly to the users it lists.
	UsersFrom string
}

// AppGroupSpec is one group assignment of an AppSpec.
type AppGroupSpec struct {
	Group    string
	Priority *int
	Profile  map[string]any
}

// CheckAppGroups reports, before anything is read from Okta, every group
// an app names that the source does not have, naming the entry
// (apps[0].groups[1]).
func CheckAppGroups(specs []AppSpec, desired *directory.Directory) error {
	var errs []error
	for _, s := range specs {
		for j, g := range s.Groups {
			k := directory.GroupKey(g.Group)
			_, named := desired.Groups[k]
			if _, members := desired.Members[k]; !named && !members {
				errs = append(errs, fmt.Errorf("%s.groups[%d]: group %q is not among the source's groups; an app is assigned only to groups the source has", s.Field, j, g.Group))
			}
		}
	}
	return errors.Join(errs...)
}

// appRead is what one run read of the apps it manages.
type appRead struct {
	states []diff.AppState
	// adopt are the assignments the configuration names that Okta has:
	// recorded once the plan is applied, so that they are removed when
	// the configuration stops naming them. forget are recorded ones Okta
	// no longer has.
	adopt, forget []state.AppAssignment
}

// readApps resolves the configured apps against Okta's active apps (an
// unknown or ambiguous label is an error before any write), and reads the
// group assignments of every managed app (configured, or with recorded
// assignments) and, where needed, its users: one listing per app, never
// one call per user.
func (r *Runner) readApps(ctx context.Context, store Store, desired *directory.Directory, cur *Current) (*appRead, error) {
	recorded, err := store.AppAssignments(ctx, r.set.Org)
	if err != nil {
		return nil, fmt.Errorf("read app assignments from state store: %w", err)
	}
	if len(r.set.Apps) == 0 && len(recorded) == 0 {
		return &appRead{}, nil
	}
	apps, err := r.resolveApps(ctx)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*managedApp, len(apps))
	for _, a := range apps {
		byID[a.state.ID] = a
	}
	for _, rec := range recorded {
		a := byID[rec.AppID]
		if a == nil {
			a = &managedApp{state: diff.AppState{ID: rec.AppID, Label: rec.AppLabel}}
			byID[rec.AppID], apps = a, append(apps, a)
		}
		a.record(rec)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for _, a := range apps {
		g.Go(func() error { return a.read(gctx, r.parts.Okta) })
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := &appRead{}
	for _, a := range apps {
		if a.gone {
			out.forget = append(out.forget, a.recorded...)
			continue
		}
		a.want(desired)
		out.states = append(out.states, a.state)
		a.bookkeep(cur.Dir, out)
	}
	slices.SortFunc(out.states, func(x, y diff.AppState) int {
		return cmp.Or(strings.Compare(x.Label, y.Label), strings.Compare(x.ID, y.ID))
	})
	return out, nil
}

// managedApp is one app a run manages, as it is read.
type managedApp struct {
	spec     *AppSpec // nil for an app only the state store names
	state    diff.AppState
	recorded []state.AppAssignment
	// gone is set for a recorded app Okta no longer has.
	gone bool
}

func (a *managedApp) record(rec state.AppAssignment) {
	a.recorded = append(a.recorded, rec)
	m := &a.state.RecordedGroups
	if rec.Kind == state.AppAssignUser {
		m = &a.state.RecordedUsers
	}
	if *m == nil {
		*m = make(map[string]string)
	}
	(*m)[rec.TargetID] = rec.TargetName
}

// resolveApps finds each configured app among Okta's active apps, by id
// or by label (case-insensitively; a label two apps share must be given
// as an id).
func (r *Runner) resolveApps(ctx context.Context) ([]*managedApp, error) {
	if len(r.set.Apps) == 0 {
		return nil, nil
	}
	var active []*okta.App
	for a, err := range r.parts.Okta.Apps.List(ctx, &okta.AppListOptions{Limit: okta.AppPageMax, Filter: `status eq "ACTIVE"`}) {
		if err != nil {
			return nil, fmt.Errorf("list Okta apps: %w", err)
		}
		active = append(active, a)
	}
	var (
		out   []*managedApp
		errs  []error
		taken = map[string]string{}
	)
	for i := range r.set.Apps {
		spec := &r.set.Apps[i]
		var match []*okta.App
		for _, a := range active {
			if a.ID == spec.App {
				match = []*okta.App{a}
				break
			}
			if strings.EqualFold(a.Label, strings.TrimSpace(spec.App)) {
				match = append(match, a)
			}
		}
		switch {
		case len(match) == 0:
			errs = append(errs, fmt.Errorf("%s.app: Okta has no active app with the label or id %q", spec.Field, spec.App))
		case len(match) > 1:
			errs = append(errs, fmt.Errorf("%s.app: %d active Okta apps have the label %q (%s); give the app's id instead", spec.Field, len(match), spec.App, appIDs(match)))
		case taken[match[0].ID] != "":
			errs = append(errs, fmt.Errorf("%s.app: %q is the app %s already listed at %s.app; list each app once", spec.Field, spec.App, match[0].ID, taken[match[0].ID]))
		default:
			taken[match[0].ID] = spec.Field
			out = append(out, &managedApp{spec: spec, state: diff.AppState{ID: match[0].ID, Label: match[0].Label}})
		}
	}
	return out, errors.Join(errs...)
}

func appIDs(apps []*okta.App) string {
	ids := make([]string, len(apps))
	for i, a := range apps {
		ids[i] = a.ID
	}
	return strings.Join(ids, ", ")
}

// read lists the app's groups and, when the configuration assigns it to
// users or oktasync recorded user assignments, its users. A recorded app
// Okta no longer has is marked gone.
func (a *managedApp) read(ctx context.Context, c *okta.Client) error {
	a.state.HaveGroups = make(map[string]diff.AppGroupAssignment)
	for g, err := range c.Apps.ListGroups(ctx, a.state.ID, okta.AppPageMax) {
		if okta.IsNotFound(err) && a.spec == nil {
			a.gone = true
			return nil
		}
		if err != nil {
			return fmt.Errorf("list the groups of Okta app %q: %w", a.state.Label, err)
		}
		a.state.HaveGroups[g.ID] = diff.AppGroupAssignment{Priority: g.Priority, Profile: g.Profile}
	}
	if (a.spec == nil || a.spec.UsersFrom == "") && len(a.state.RecordedUsers) == 0 {
		return nil
	}
	a.state.HaveUsers = make(map[string]string)
	for u, err := range c.Apps.ListUsers(ctx, a.state.ID, okta.AppUserPageMax) {
		if err != nil {
			return fmt.Errorf("list the users of Okta app %q: %w", a.state.Label, err)
		}
		a.state.HaveUsers[u.ID] = u.Scope
	}
	return nil
}

// want fills the assignments the configuration asks for: its groups, and
// the source users whose UsersFrom column lists the app by label or id.
func (a *managedApp) want(desired *directory.Directory) {
	if a.spec == nil {
		return
	}
	a.state.WantGroups = make(map[string]diff.AppGroupAssignment, len(a.spec.Groups))
	for _, g := range a.spec.Groups {
		a.state.WantGroups[directory.GroupKey(g.Group)] = diff.AppGroupAssignment{Priority: g.Priority, Profile: g.Profile}
	}
	if a.spec.UsersFrom == "" {
		return
	}
	a.state.WantUsers = make(map[string]directory.Profile)
	names := []string{a.spec.App, a.state.Label, a.state.ID}
	for lk, apps := range desired.AppLists[a.spec.UsersFrom] {
		for _, name := range apps {
			if slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(strings.TrimSpace(n), strings.TrimSpace(name)) }) {
				a.state.WantUsers[lk] = nil
				break
			}
		}
	}
}

// bookkeep adds to out the app's assignments to record (those the
// configuration names that Okta has) and to forget (recorded ones Okta no
// longer has, where Okta's list was read).
func (a *managedApp) bookkeep(current *directory.Directory, out *appRead) {
	as := func(kind, id, name string) state.AppAssignment {
		return state.AppAssignment{AppID: a.state.ID, AppLabel: a.state.Label, Kind: kind, TargetID: id, TargetName: name}
	}
	for gk := range a.state.WantGroups {
		if g, ok := current.Groups[gk]; ok {
			if _, has := a.state.HaveGroups[g.ID]; has {
				out.adopt = append(out.adopt, as(state.AppAssignGroup, g.ID, g.Name))
			}
		}
	}
	for lk := range a.state.WantUsers {
		if u, ok := current.Users[lk]; ok && a.state.HaveUsers[u.ID] == diff.AppScopeUser {
			out.adopt = append(out.adopt, as(state.AppAssignUser, u.ID, u.Login()))
		}
	}
	for _, rec := range a.recorded {
		_, hasGroup := a.state.HaveGroups[rec.TargetID]
		gone := rec.Kind == state.AppAssignGroup && !hasGroup
		if rec.Kind == state.AppAssignUser && a.state.HaveUsers != nil {
			gone = a.state.HaveUsers[rec.TargetID] != diff.AppScopeUser
		}
		if gone {
			out.forget = append(out.forget, rec)
		}
	}
}

// recordAppAssignments records, after a plan was applied, the assignments
// oktasync manages: those the configuration named that Okta had, and those
// the run made; and forgets those it removed and those Okta no longer had.
// Failures are logged: the next run records them again.
func (r *Runner) recordAppAssignments(ctx context.Context, store Store, p *Planned, res *apply.Result) {
	if p.apps == nil {
		return
	}
	add, remove := slices.Clone(p.apps.adopt), slices.Clone(p.apps.forget)
	bySeq := make(map[int]*diff.Operation, len(p.Plan.Operations))
	for i := range p.Plan.Operations {
		bySeq[p.Plan.Operations[i].Seq] = &p.Plan.Operations[i]
	}
	for _, o := range outcomesOf(res) {
		op := bySeq[o.Seq]
		if op == nil || o.Status != state.OpApplied || o.OktaID == "" {
			continue
		}
		a := state.AppAssignment{AppID: op.AppID, AppLabel: op.App, TargetID: o.OktaID, Kind: state.AppAssignGroup, TargetName: op.Group}
		if op.Action == diff.AssignAppUser || op.Action == diff.UnassignAppUser {
			a.Kind, a.TargetName = state.AppAssignUser, op.Login
		}
		switch op.Action {
		case diff.AssignAppGroup, diff.AssignAppUser:
			add = append(add, a)
		case diff.UnassignAppGroup, diff.UnassignAppUser:
			remove = append(remove, a)
		}
	}
	if err := store.RemoveAppAssignments(ctx, r.set.Org, remove); err != nil {
		r.log.Warn("forget app assignments", "err", err)
	}
	if err := store.AddAppAssignments(ctx, r.set.Org, add); err != nil {
		r.log.Warn("record app assignments", "err", err)
	}
}

func outcomesOf(res *apply.Result) []apply.Outcome {
	if res == nil {
		return nil
	}
	return res.Outcomes
}
