package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/oktasync/oktasync/internal/config"
	"github.com/oktasync/oktasync/internal/diff"
	"github.com/oktasync/oktasync/internal/directory"
	"github.com/oktasync/oktasync/internal/reconcile"
	"github.com/oktasync/oktasync/internal/state"
	"github.com/oktasync/oktasync/internal/web"
)

// This file is what serve does for its status page (internal/web): the
// schedule's controls, the last plan and users a sync read, held plans and
// their approvals.

// statusBoard holds what the last sync planned and read, for the status
// page. The directories are the sync's own, kept after it let go of them
// (so serve holds about one plan's worth of memory between syncs); they
// are dropped when the next sync starts reading.
type statusBoard struct {
	mu      sync.Mutex
	plan    web.LastPlan
	hasPlan bool
	desired *directory.Directory
	current *directory.Directory
	// partial is set when current holds only what an incremental run read.
	partial bool
	readAt  time.Time
}

// observe keeps a sync's directories; it is reconcile.Options.Observe.
func (b *statusBoard) observe(desired, current *directory.Directory, incremental bool) {
	b.mu.Lock()
	b.desired, b.current, b.partial, b.readAt = desired, current, incremental, time.Now().UTC()
	b.mu.Unlock()
}

// forget drops the directories, before a sync reads anew.
func (b *statusBoard) forget() {
	b.mu.Lock()
	b.desired, b.current = nil, nil
	b.mu.Unlock()
}

func (b *statusBoard) setPlan(p web.LastPlan) {
	b.mu.Lock()
	b.plan, b.hasPlan = p, true
	b.mu.Unlock()
}

func (b *statusBoard) lastPlan() (web.LastPlan, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.plan, b.hasPlan
}

// user returns login as the last sync read it from the source and Okta.
func (b *statusBoard) user(login string) (web.UserSnapshot, bool) {
	b.mu.Lock()
	desired, current, partial, at := b.desired, b.current, b.partial, b.readAt
	b.mu.Unlock()
	if desired == nil || current == nil {
		return web.UserSnapshot{}, false
	}
	lk := directory.LoginKey(login)
	snap := web.UserSnapshot{ReadAt: at}
	if u, ok := desired.Users[lk]; ok {
		snap.Source = &web.SourceUser{Status: u.Status, Profile: u.Profile.Map(), Groups: groupsOf(desired, lk)}
	}
	if u, ok := current.Users[lk]; ok {
		snap.Okta = &web.OktaUser{ID: u.ID, Status: u.Status, Profile: u.Profile.Map(), Groups: groupsOf(current, lk)}
	} else if partial {
		// An incremental run reads only what changed in Okta.
		snap.OktaNotRead = true
	}
	return snap, snap.Source != nil || snap.Okta != nil
}

// groupsOf lists the names of the groups of d that have lk as a member.
func groupsOf(d *directory.Directory, lk string) []string {
	groups := []string{}
	for gk, m := range d.Members {
		if m.Has(lk) {
			name := gk
			if g, ok := d.Groups[gk]; ok {
				name = g.Name
			}
			groups = append(groups, name)
		}
	}
	slices.Sort(groups)
	return groups
}

// RunNow implements web.Control: it starts the sync job at once, even
// while the schedule is paused.
func (s *server) RunNow() error {
	if s.running.Load() || !s.manual.CompareAndSwap(false, true) {
		return web.ErrBusy
	}
	if err := s.job.RunNow(); err != nil {
		s.manual.Store(false)
		return fmt.Errorf("run the sync job now: %w", err)
	}
	return nil
}

// NextRun implements web.Control.
func (s *server) NextRun() (time.Time, bool) {
	if s.job == nil {
		return time.Time{}, false
	}
	next, err := s.job.NextRun()
	return next, err == nil && !next.IsZero()
}

// Running implements web.Control.
func (s *server) Running() bool { return s.running.Load() || s.manual.Load() }

var _ web.Control = (*server)(nil)

// budget returns the Okta client's rate-limit buckets as Okta last
// reported them.
func (s *server) budget() []web.Bucket {
	var out []web.Bucket
	for name, b := range s.client.Stats().Buckets {
		if b.Limit > 0 {
			out = append(out, web.Bucket{Name: name, Limit: b.Limit, Remaining: b.Remaining, Reset: b.Reset})
		}
	}
	return out
}

// scheduleText describes the schedule for people.
func scheduleText(s config.Schedule) string {
	var text string
	if s.Cron != "" {
		text = "cron " + s.Cron
	} else {
		text = "every " + s.Every.String()
	}
	if s.Jitter > 0 {
		text += ", plus up to " + s.Jitter.String() + " of jitter"
	}
	return text
}

// readAdminToken reads serve.adminTokenFile; "" when none is set.
func readAdminToken(cfg *config.Config) (string, error) {
	if cfg.Serve.AdminTokenFile == "" {
		return "", nil
	}
	b, err := os.ReadFile(cfg.Serve.AdminTokenFile)
	if err != nil {
		return "", fmt.Errorf("serve: serve.adminTokenFile: %w", err)
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		return "", fmt.Errorf("serve: serve.adminTokenFile %s is empty", cfg.Serve.AdminTokenFile)
	}
	return tok, nil
}

// listenerWarnings says what is unsafe about serving the status page on
// addr: a listener reachable from other hosts without TLS or without the
// admin credential.
func listenerWarnings(addr string, tls, credential bool) []string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil
	}
	if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
		return nil
	}
	var out []string
	if !tls {
		out = append(out, "the status page listens on "+addr+", beyond this host, without TLS (serve.tls.certFile and keyFile): "+
			"the admin credential and the pages travel in clear")
	}
	if !credential {
		out = append(out, "the status page listens on "+addr+", beyond this host, without an admin credential (serve.adminTokenFile): "+
			"anyone who reaches it can read the run history and users")
	}
	return out
}

// runnerFor returns the runner of the next sync: with the allowances of
// the org's approved held plan, if there is one, and that plan.
func (s *server) runnerFor(ctx context.Context) (*reconcile.Runner, *state.HeldPlan) {
	org := orgKey(s.cfg.Okta.OrgURL)
	hp, ok, err := s.store.ApprovedPlan(ctx, org)
	if err != nil {
		s.log.Warn("look for an approved held plan", "err", err)
		return s.runner, nil
	}
	if !ok {
		return s.runner, nil
	}
	r, err := newRunner(s.cfg, s.log, s.client, allowances{deactivations: hp.Deactivations, removals: hp.Removals})
	if err != nil {
		s.log.Warn("build the runner of an approved plan", "err", err)
		return s.runner, nil
	}
	s.log.Info("sync runs with an approval", "heldPlan", hp.ID, "approvedBy", hp.ApprovedBy,
		"deactivations", hp.Deactivations, "removals", hp.Removals)
	return r, &hp
}

// paused says whether the schedule is paused; when the store cannot say,
// the sync runs.
func (s *server) paused(ctx context.Context) bool {
	p, err := s.store.Paused(ctx, orgKey(s.cfg.Okta.OrgURL))
	if err != nil {
		s.log.Warn("read whether the schedule is paused", "err", err)
		return false
	}
	return p.Paused
}

// afterSync records what a sync means for the status page: the approval
// it used, the plan it held back or the held plans it made moot, and its
// plan.
func (s *server) afterSync(ctx context.Context, rep *reconcile.Report, status string, approval *state.HeldPlan) {
	if rep == nil {
		return
	}
	ctx = context.WithoutCancel(ctx)
	if rep.Plan != nil {
		s.board.setPlan(web.LastPlan{RunID: rep.RunID, At: rep.StartedAt, Status: status, Plan: rep.Plan})
	}
	if rep.RunID == 0 {
		return // the run was not recorded: it began nothing
	}
	org := orgKey(s.cfg.Okta.OrgURL)
	if approval != nil {
		if err := s.store.UseHeldPlan(ctx, approval.ID, rep.RunID); err != nil {
			s.log.Warn("record the use of an approval", "heldPlan", approval.ID, "err", err)
		} else {
			s.log.Info("approval used", "heldPlan", approval.ID, "approvedBy", approval.ApprovedBy, "runId", rep.RunID)
		}
	}
	if !rep.Blocked {
		if err := s.store.SupersedeHeldPlans(ctx, org); err != nil {
			s.log.Warn("supersede held plans", "err", err)
		}
		return
	}
	h, ok := heldPlanOf(org, rep)
	if !ok {
		return // a rule no approval can lift (an empty source, too few users)
	}
	id, err := s.store.HoldPlan(ctx, h)
	if err != nil {
		s.log.Warn("record the held plan", "err", err)
		return
	}
	s.log.Info("plan held back for approval", "heldPlan", id, "runId", rep.RunID, "deactivations", h.Deactivations, "removals", h.Removals)
}

// heldPlanOf returns the held plan of a blocked run, and false when a
// rule that no approval lifts blocked it.
func heldPlanOf(org string, rep *reconcile.Report) (state.HeldPlan, bool) {
	h := state.HeldPlan{Org: org, RunID: rep.RunID, Counts: map[string]int{}, Summary: diff.SummaryLine(rep.Summary)}
	var reasons []string
	for _, b := range rep.Blocks {
		if b.Rule != diff.RuleMaxDeactivations && b.Rule != diff.RuleMaxMembershipRemovals {
			return h, false
		}
		h.Counts[b.Rule] = b.Count
		reasons = append(reasons, b.Message)
	}
	h.Reason = strings.Join(reasons, "; ")
	h.Deactivations = rep.Summary.Users.Deactivate + rep.Summary.Users.Delete
	h.Removals = rep.Summary.Memberships.Remove
	if b, err := json.Marshal(rep.Plan); err == nil {
		h.Plan = b
	}
	return h, len(rep.Blocks) > 0
}

// newStatusPage builds the status page of s.
func (s *server) newStatusPage(adminToken string) (*web.Server, error) {
	return web.New(web.Config{
		Org:        orgKey(s.cfg.Okta.OrgURL),
		Schedule:   scheduleText(s.cfg.Schedule),
		Store:      s.store,
		Control:    s,
		Budget:     s.budget,
		LastPlan:   s.board.lastPlan,
		User:       s.board.user,
		AdminToken: adminToken,
		Logger:     s.log.With("component", "status page"),
	})
}

// openStatusStore opens the state store the status page reads and the
// held plans are recorded in.
func (s *server) openStatusStore(ctx context.Context) error {
	st, err := state.Open(ctx, s.cfg.State.URL, stateOptions(s.cfg, s.log))
	if err != nil {
		return fmt.Errorf("serve: open state store for the status page: %w", err)
	}
	s.store = st
	return nil
}
