package reconcile

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"time"

	"github.com/oktasync/oktasync/internal/diff"
	"github.com/oktasync/oktasync/internal/directory"
	"github.com/oktasync/oktasync/internal/state"
)

// Planned is a plan made by Plan or checked by Verify, and what applying it
// needs: the open state store and, unless it was made in a dry run, the
// org's lock. Close releases them; the methods of Planned accept a nil
// Planned, so that a caller may defer Close and take Report whatever Plan
// or Verify returned.
type Planned struct {
	// Plan is the plan to apply.
	Plan *diff.Plan
	// Saved is the plan prepared for saving, when Options.SavePlan asked
	// for it.
	Saved *diff.SavedPlan

	rep  *Report
	sess *session
	// managed are the source's groups that exist in Okta, recorded as
	// managed once the plan is applied.
	managed []state.ManagedGroup
	// createLinkDef is set when Apply must first create the linked
	// object definition the plan's manager links use.
	createLinkDef bool
	// apps is what was read of the managed apps, for recording their
	// assignments once the plan is applied.
	apps *appRead
	// sync is what the run saves for the next incremental one once the
	// plan is applied (nil in a dry run).
	sync *syncUpdate
}

// Report returns the report of the plan as planned, with nothing applied.
func (p *Planned) Report() *Report {
	if p == nil {
		return nil
	}
	if p.rep.FinishedAt.IsZero() {
		p.rep.FinishedAt = time.Now().UTC()
	}
	return p.rep
}

// Blocked returns an error wrapping ErrBlocked, saying why, when a safety
// rule refuses the plan, and nil otherwise.
func (p *Planned) Blocked() error {
	if p == nil || !p.Plan.Blocked {
		return nil
	}
	return fmt.Errorf("%s: %w", blockMessage(p.Plan), ErrBlocked)
}

// Close releases the org's lock, if held, and closes the state store.
func (p *Planned) Close() {
	if p != nil && p.sess != nil {
		p.sess.close()
		p.sess = nil
	}
}

// Plan reads the desired state from the source and the current state from
// Okta, and computes the plan. Unless o.DryRun it takes the org's lock
// first, for Apply. Any error stops the run before a write. The caller
// closes the returned Planned.
func (r *Runner) Plan(ctx context.Context, o Options) (*Planned, error) {
	started := time.Now().UTC()
	s, err := r.open(ctx, o)
	if err != nil {
		return nil, err
	}
	p := &Planned{sess: s}
	if p.Plan, err = diff.Compute(s.input(r.parts.Policy)); err != nil {
		p.Close()
		return nil, fmt.Errorf("compute plan: %w", err)
	}
	if o.SavePlan {
		p.Saved = diff.NewSavedPlan(p.Plan, s.cur.Dir, r.set.ConfigDigest, diff.SourceDigest(s.desired), started)
		p.Saved.ConfigParts, p.Saved.Source = r.set.ConfigParts, diff.SourceFingerprint(s.desired)
	}
	if o.Observe != nil {
		o.Observe(s.desired, s.cur.Dir, s.kind.Incremental)
	}
	p.createLinkDef = r.linkDefinitionNeeded(s, p.Plan)
	p.managed, p.apps = s.managedGroups(), s.apps
	if !o.DryRun {
		p.sync = r.newSync(s, started)
	}
	s.release()
	p.rep = newReport(o.DryRun, started, p.Plan)
	p.rep.Kind = RunKind{Incremental: s.kind.Incremental, Reason: s.kind.Reason}
	r.log.Info("planned", "kind", p.rep.Kind.String())
	r.logWarnings(p.Plan, o.WarningsShown)
	return p, nil
}

// Verify prepares a plan saved by `plan --out` for Apply, exactly as
// reviewed: it takes the org's lock, reads the source and Okta, refuses a
// plan made with another configuration or source (saying what changed),
// and refuses a plan any of whose operations' targets changed in Okta since
// the plan. For the last, it returns the Planned (whose report lists the
// conflicts as warnings) with an error wrapping ErrPlanConflict. A plan
// Okta already holds every change of (applied before) is not refused: its
// report says AlreadyApplied, and Apply has nothing to do. Refused and
// already-applied plans are recorded as runs. The caller closes the
// returned Planned.
func (r *Runner) Verify(ctx context.Context, saved *diff.SavedPlan, o Options) (*Planned, error) {
	started := time.Now().UTC()
	o.DryRun = false
	s, err := r.open(ctx, o)
	if err != nil {
		return nil, err
	}
	p := &Planned{Plan: saved.Plan, sess: s}
	now := diff.Now{ConfigDigest: r.set.ConfigDigest, ConfigParts: r.set.ConfigParts, Source: s.desired, SourceName: r.set.SourceName}
	if err := saved.Check(now); err != nil {
		if saved.Plan != nil {
			r.recordVerdict(ctx, s.store, newReport(false, started, saved.Plan), state.RunFailed, "apply refused: "+err.Error())
		}
		p.Close()
		return nil, err
	}
	p.rep = newReport(false, started, p.Plan)
	p.rep.Kind = RunKind{Reason: "a saved plan is checked against a full read"}
	if conflicts := diff.CheckConflicts(saved, s.cur.Dir, s.cur.MembersRead); len(conflicts) > 0 {
		if diff.AlreadyApplied(saved, s.cur.Dir, s.cur.MembersRead) {
			p.rep.AlreadyApplied = true
			r.recordVerdict(ctx, s.store, p.rep, state.RunSucceeded, "the saved plan was already applied: Okta has every change it makes; nothing to do")
			s.release()
			return p, nil
		}
		for _, c := range conflicts {
			p.rep.Warnings = append(p.rep.Warnings, "conflict: "+c.String())
		}
		err := fmt.Errorf("%d of %d operations changed in Okta since the plan was made; make a new plan: %w",
			len(conflicts), len(p.Plan.Operations), ErrPlanConflict)
		r.recordVerdict(ctx, s.store, p.rep, state.RunFailed, "apply refused: "+err.Error())
		return p, err
	}
	saved.RestorePasswords(s.desired)
	p.createLinkDef = r.linkDefinitionNeeded(s, p.Plan)
	p.apps = s.apps
	s.release()
	return p, nil
}

// logWarnings logs the plan's warnings, at info when the caller shows
// them, and each source user outside the scope at debug (the warning names
// only a few).
func (r *Runner) logWarnings(p *diff.Plan, shown bool) {
	level := slog.LevelWarn
	if shown {
		level = slog.LevelInfo
	}
	for _, w := range p.Warnings {
		r.log.Log(context.Background(), level, w)
	}
	for _, login := range p.OutOfScope {
		r.log.Debug("source user exists in Okta outside scope.users; left alone", "login", login)
	}
}

// recordVerdict records, as a finished run, a saved plan Verify refused or
// found already applied; rep gets the run's id and its finish time.
func (r *Runner) recordVerdict(ctx context.Context, store Store, rep *Report, status, msg string) {
	ctx = context.WithoutCancel(ctx)
	rep.FinishedAt = time.Now().UTC()
	id, err := store.BeginRun(ctx, state.Run{Org: r.set.Org, Status: state.RunRunning, StartedAt: rep.StartedAt, ConfigDigest: r.set.ConfigDigest})
	if err == nil {
		rep.RunID = id
		err = store.FinishRun(ctx, id, status, summaryCounts(rep.Summary), msg)
	}
	if err != nil {
		r.log.Warn("record the saved plan's apply", "err", err)
	}
}

// session is what one run has open: the source's desired state, the state
// store (locked for a run that applies), and Okta's current state.
type session struct {
	log     *slog.Logger
	desired *directory.Directory
	store   Store
	unlock  func() error
	owned   map[string]state.OwnedUser
	// suspended holds the leavers oktasync suspended, by LoginKey.
	suspended map[string]state.LeaverSuspension
	cur       *Current
	// links is what the plan needs for manager links (nil: none), and
	// noLinkDef is set when the org lacks their definition.
	links     *diff.LinkInput
	noLinkDef bool
	apps      *appRead

	// kind is the run's kind; clock the Date of its first Okta answer.
	kind  RunKind
	clock time.Time
	// For an incremental run: the part of the source planned, the users
	// known unchanged, the safety rules' base, the touched keys.
	planDesired   *directory.Directory
	frozen        map[string]bool
	base          *diff.Base
	touchedUsers  map[string]bool
	touchedGroups map[string]bool
}

// open reads the source, opens the store (taking the org's lock unless
// o.DryRun), checks the source's attributes against the org's schema and
// reads Okta's state. Any error stops the run before a write; the caller
// closes a returned session.
func (r *Runner) open(ctx context.Context, o Options) (_ *session, err error) {
	s := &session{log: r.log}
	defer func() {
		if err != nil {
			s.close()
		}
	}()

	// The source first: any error here stops the run before Okta or the
	// store is touched.
	if s.desired, err = r.parts.Source.Read(ctx); err != nil {
		return nil, fmt.Errorf("source unreadable or invalid: %w", err)
	}
	if err := CheckAppGroups(r.set.Apps, s.desired); err != nil {
		return nil, fmt.Errorf("check apps: %w", err)
	}
	r.log.Info("read source", "users", len(s.desired.Users), "groups", len(s.desired.Groups))

	if s.store, err = r.parts.OpenStore(ctx); err != nil {
		return nil, fmt.Errorf("open state store: %w", err)
	}
	if !o.DryRun {
		if s.unlock, err = s.store.Lock(ctx, r.set.Org, o.WaitLock); err != nil {
			return nil, err
		}
	}
	if s.owned, err = s.store.Owned(ctx, r.set.Org); err != nil {
		return nil, fmt.Errorf("read owned users from state store: %w", err)
	}
	if s.suspended, err = s.store.LeaverSuspensions(ctx, r.set.Org); err != nil {
		return nil, fmt.Errorf("read suspended leavers from state store: %w", err)
	}
	r.seedShares(ctx, s.store)

	if err := CheckSchema(ctx, r.parts.Okta, s.desired, r.set.Schema); err != nil {
		return nil, err
	}
	if err := CheckGroupSchema(ctx, r.parts.Okta, s.desired); err != nil {
		return nil, err
	}
	if r.set.Links != nil {
		if s.noLinkDef, err = CheckLinkDefinition(ctx, r.parts.Okta, r.set.Links); err != nil {
			return nil, err
		}
	}
	if s.kind, err = r.kind(ctx, s.store, o, s.suspended, time.Now().UTC()); err != nil {
		return nil, fmt.Errorf("read incremental state from state store: %w", err)
	}
	if err := r.readOkta(ctx, s, o); err != nil {
		return nil, err
	}
	if r.set.Links != nil {
		if s.links, err = r.readLinks(ctx, s, o.DryRun); err != nil {
			return nil, err
		}
	}
	if s.apps, err = r.readApps(ctx, s.store, s.desired, s.cur); err != nil {
		return nil, err
	}
	return s, nil
}

// readOkta reads Okta's state: only what changed, for an incremental run,
// else all of it. An incremental read that meets a change only a full
// read can plan gives way to one.
func (r *Runner) readOkta(ctx context.Context, s *session, o Options) error {
	managedIDs, err := managedGroupIDs(ctx, s.store, r.set.Org)
	if err != nil {
		return err
	}
	ownedLogins := make([]string, 0, len(s.owned))
	for _, u := range s.owned {
		ownedLogins = append(ownedLogins, u.Login)
	}
	newReader := func() *oktaReader {
		reader := newOktaReader(r.parts.Okta, s.desired, r.set.Scope, r.parts.Policy.ProtectGroups, ownedLogins, o.FetchProgress)
		reader.managedIDs = managedIDs
		return reader
	}
	if s.kind.Incremental {
		now := time.Now().UTC()
		inc := &incReader{oktaReader: newReader(), idx: newItemIndex(s.kind.items), since: s.kind.marks.OktaSince.Add(-readOverlap),
			owned: s.owned, deleteAfter: r.parts.Policy.DeleteAfter, now: now}
		cur, err := inc.read(ctx, r.log)
		if err == nil {
			s.cur, s.clock = cur, inc.mark
			s.planDesired, s.frozen, s.touchedUsers, s.touchedGroups = inc.plannedDesired(), inc.frozen, inc.users, inc.groups
			m := s.kind.marks
			s.base = &diff.Base{SourceUsers: len(s.desired.Users), ManagedUsers: m.ManagedUsers, Memberships: m.Memberships}
			return nil
		}
		why, full := isGoFull(err)
		if !full {
			return err
		}
		r.log.Info("incremental read gives way to a full one", "reason", why)
		s.kind = RunKind{Reason: why}
	}
	reader := newReader()
	if s.cur, err = reader.read(ctx, r.log); err != nil {
		return err
	}
	s.clock = reader.clock
	return nil
}

// newSync prepares what a run that applies its plan saves for the next
// incremental one; nil when Okta's answers gave no clock to mark.
func (r *Runner) newSync(s *session, started time.Time) *syncUpdate {
	if s.clock.IsZero() {
		r.log.Warn("Okta's answers carried no Date header; the next run is full")
		return nil
	}
	u := newSyncUpdate(s.kind, r.set.Org, r.syncDigest(), s.clock, started, s.desired, s.cur, s.touchedUsers, s.touchedGroups)
	if !s.kind.Incremental {
		b := diff.Bases(s.input(r.parts.Policy))
		u.marks.ManagedUsers, u.marks.Memberships = b.ManagedUsers, b.Memberships
	}
	return u
}

// release lets go of the two directories once the plan is made: for a
// large org they are most of the run's memory, and nothing after the plan
// (applying it, reporting) needs them. It then collects at once: otherwise
// the collector would wait until the heap reached its goal, set while the
// directories were live, and what comes next (the report, the JSON output
// of a large plan) would grow the process by that much again instead of
// reusing their memory. With the directories gone, marking is quick.
func (s *session) release() {
	s.desired, s.cur, s.owned = nil, nil, nil
	s.planDesired, s.frozen, s.touchedUsers, s.touchedGroups = nil, nil, nil, nil
	s.kind.items = nil
	runtime.GC()
}

// close releases the lock, if held, and closes the store, if open.
func (s *session) close() {
	if s.unlock != nil {
		if err := s.unlock(); err != nil {
			s.log.Warn("release state lock", "err", err)
		}
		s.unlock = nil
	}
	if s.store != nil {
		if err := s.store.Close(); err != nil {
			s.log.Warn("close state store", "err", err)
		}
		s.store = nil
	}
}

// input is the diff input for this session's states and policy.
func (s *session) input(policy diff.Policy) diff.Input {
	desired := s.desired
	if s.planDesired != nil {
		desired = s.planDesired
	}
	in := diff.Input{
		Desired:       desired,
		Frozen:        s.frozen,
		Base:          s.base,
		Current:       s.cur.Dir,
		MembersRead:   s.cur.MembersRead,
		ScopedGroups:  s.cur.ScopedGroups,
		LeftSource:    s.cur.LeftSource,
		Apps:          s.apps.states,
		Managed:       s.cur.InScope,
		DeactivatedAt: make(map[string]time.Time),
		SuspendedAt:   make(map[string]time.Time, len(s.suspended)),
		Now:           time.Now().UTC(),
		Policy:        policy,
		Links:         s.links,
	}
	// The users in scope and those oktasync owns; the scope's set is
	// extended in place rather than copied, as it can hold millions.
	for k, o := range s.owned {
		in.Managed[k] = true
		if !o.DeactivatedAt.IsZero() {
			in.DeactivatedAt[k] = o.DeactivatedAt
		}
	}
	for k, l := range s.suspended {
		in.SuspendedAt[k] = l.SuspendedAt
	}
	return in
}
