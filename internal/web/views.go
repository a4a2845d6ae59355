package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oktasync/oktasync/internal/diff"
	"github.com/oktasync/oktasync/internal/state"
)

// This file builds what each page shows, as plain data: the template
// renders it, and the JSON API encodes it as it is.

// Page sizes.
const (
	runsPerPage     = 25
	maxRunOps       = 1000 // operations shown of one run
	maxUserOps      = 200  // operations shown of one user
	heldListed      = 50
	overviewRecents = 5
)

// httpError is an error with the HTTP status to answer.
type httpError struct {
	code int
	msg  string
}

func (e *httpError) Error() string { return e.msg }

func notFound(format string, args ...any) error {
	return &httpError{http.StatusNotFound, fmt.Sprintf(format, args...)}
}

func badRequest(format string, args ...any) error {
	return &httpError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

// Status is the overview.
type Status struct {
	Org      string       `json:"org"`
	Now      time.Time    `json:"now"`
	ReadOnly bool         `json:"readOnly"`
	Schedule ScheduleView `json:"schedule"`
	LastRun  *RunView     `json:"lastRun"`
	Recent   []RunView    `json:"recentRuns"`
	Budget   []Bucket     `json:"rateLimits"`
	// HeldPending counts the plans waiting for approval; Approved is the
	// approval the next run will use, if any.
	HeldPending int       `json:"heldPending"`
	Approved    *HeldView `json:"approved"`
}

// ScheduleView is the schedule and whether it is paused.
type ScheduleView struct {
	Description string     `json:"description"`
	Paused      bool       `json:"paused"`
	PausedBy    string     `json:"pausedBy,omitempty"`
	PausedSince *time.Time `json:"pausedSince,omitempty"`
	NextRun     *time.Time `json:"nextRun,omitempty"`
	Running     bool       `json:"running"`
}

// RunView is one run.
type RunView struct {
	ID   int64  `json:"id"`
	Kind string `json:"kind"` // "sync" or "dry run"
	// Read says whether the run read everything from Okta or only what
	// changed, and why ("Incremental run (last full run 3h ago)").
	Read       string         `json:"read,omitempty"`
	Status     string         `json:"status"`
	StartedAt  time.Time      `json:"startedAt"`
	FinishedAt *time.Time     `json:"finishedAt,omitempty"`
	Duration   string         `json:"duration,omitempty"`
	Counts     map[string]int `json:"counts"`
	Error      string         `json:"error,omitempty"`
	// Approval is the held plan whose approval let this run apply it.
	Approval *HeldView `json:"approval,omitempty"`
}

// Count returns one of the run's counts.
func (r RunView) Count(key string) int { return r.Counts[key] }

// OpView is one operation's checkpoint.
type OpView struct {
	RunID   int64     `json:"runId"`
	Seq     int       `json:"seq"`
	Action  string    `json:"action"`
	Target  string    `json:"target"`
	Outcome string    `json:"outcome"`
	Error   string    `json:"error,omitempty"`
	OktaID  string    `json:"oktaId,omitempty"`
	At      time.Time `json:"at"`
}

// HeldView is a held plan, without the plan.
type HeldView struct {
	ID            int64          `json:"id"`
	RunID         int64          `json:"runId"`
	Status        string         `json:"status"`
	Counts        map[string]int `json:"counts"`
	Deactivations int            `json:"deactivations"`
	Removals      int            `json:"removals"`
	Reason        string         `json:"reason"`
	Summary       string         `json:"summary"`
	CreatedAt     time.Time      `json:"createdAt"`
	ApprovedBy    string         `json:"approvedBy,omitempty"`
	ApprovedAt    *time.Time     `json:"approvedAt,omitempty"`
	UsedByRun     int64          `json:"usedByRun,omitempty"`
}

// Pending says whether the plan waits for approval.
func (h HeldView) Pending() bool { return h.Status == state.HeldPending }

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func heldView(h state.HeldPlan) HeldView {
	return HeldView{
		ID: h.ID, RunID: h.RunID, Status: h.Status, Counts: h.Counts,
		Deactivations: h.Deactivations, Removals: h.Removals, Reason: h.Reason, Summary: h.Summary,
		CreatedAt: h.CreatedAt, ApprovedBy: h.ApprovedBy, ApprovedAt: timePtr(h.ApprovedAt), UsedByRun: h.UsedByRun,
	}
}

func runView(r state.Run) RunView {
	v := RunView{ID: r.ID, Kind: "sync", Read: r.Kind, Status: r.Status, StartedAt: r.StartedAt, Counts: r.Counts, Error: r.Error}
	if r.DryRun {
		v.Kind = "dry run"
	}
	if !r.FinishedAt.IsZero() {
		v.FinishedAt = &r.FinishedAt
		v.Duration = r.FinishedAt.Sub(r.StartedAt).Round(time.Millisecond).String()
	}
	return v
}

// NewOpView is an operation's checkpoint as pages and JSON show it.
func NewOpView(o state.OpRecord) OpView {
	return OpView{RunID: o.RunID, Seq: o.Seq, Action: o.Action, Target: o.Target, Outcome: o.Outcome, Error: o.Error, OktaID: o.OktaID, At: o.At}
}

// runViews turns runs into views with the approvals they used.
func (s *Server) runViews(r *http.Request, runs []state.Run) ([]RunView, error) {
	ids := make([]int64, len(runs))
	for i, run := range runs {
		ids[i] = run.ID
	}
	approvals, err := s.cfg.Store.RunApprovals(r.Context(), ids)
	if err != nil {
		return nil, err
	}
	out := make([]RunView, len(runs))
	for i, run := range runs {
		out[i] = runView(run)
		if a, ok := approvals[run.ID]; ok {
			hv := heldView(a)
			out[i].Approval = &hv
		}
	}
	return out, nil
}

// status builds the overview.
func (s *Server) status(r *http.Request) (any, error) {
	ctx := r.Context()
	st := Status{Org: s.cfg.Org, Now: s.cfg.Now().UTC(), ReadOnly: s.ReadOnly(), Budget: []Bucket{}}
	st.Schedule = ScheduleView{Description: s.cfg.Schedule, Running: s.cfg.Control.Running()}
	if next, ok := s.cfg.Control.NextRun(); ok {
		st.Schedule.NextRun = timePtr(next.UTC())
	}
	p, err := s.cfg.Store.Paused(ctx, s.cfg.Org)
	if err != nil {
		return nil, err
	}
	st.Schedule.Paused, st.Schedule.PausedBy, st.Schedule.PausedSince = p.Paused, p.By, timePtr(p.Since)
	runs, err := s.cfg.Store.RunsBefore(ctx, s.cfg.Org, 0, overviewRecents)
	if err != nil {
		return nil, err
	}
	if st.Recent, err = s.runViews(r, runs); err != nil {
		return nil, err
	}
	if len(st.Recent) > 0 {
		st.LastRun = &st.Recent[0]
	}
	if s.cfg.Budget != nil {
		st.Budget = s.cfg.Budget()
		slices.SortFunc(st.Budget, func(a, b Bucket) int { return strings.Compare(a.Name, b.Name) })
	}
	held, err := s.cfg.Store.HeldPlansOf(ctx, s.cfg.Org, heldListed)
	if err != nil {
		return nil, err
	}
	for _, h := range held {
		switch h.Status {
		case state.HeldPending:
			st.HeldPending++
		case state.HeldApproved:
			if st.Approved == nil {
				hv := heldView(h)
				st.Approved = &hv
			}
		}
	}
	return st, nil
}

// RunsPage is a page of runs.
type RunsPage struct {
	Runs []RunView `json:"runs"`
	// Next is the ?before= of the next (older) page; 0 when none.
	Next int64 `json:"next,omitempty"`
}

// runs builds a page of runs, newest first, older than ?before=.
func (s *Server) runs(r *http.Request) (any, error) {
	before, err := queryInt(r, "before")
	if err != nil {
		return nil, err
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = runsPerPage
	}
	runs, err := s.cfg.Store.RunsBefore(r.Context(), s.cfg.Org, before, int(limit)+1)
	if err != nil {
		return nil, err
	}
	page := RunsPage{Runs: []RunView{}}
	if len(runs) > int(limit) {
		runs = runs[:limit]
		page.Next = runs[len(runs)-1].ID
	}
	if page.Runs, err = s.runViews(r, runs); err != nil {
		return nil, err
	}
	return page, nil
}

func queryInt(r *http.Request, name string) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, badRequest("?%s=%q: want a whole number", name, v)
	}
	return n, nil
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, notFound("no such id %q", r.PathValue("id"))
	}
	return id, nil
}

// OpFilter narrows a run's operations.
type OpFilter struct {
	User    string `json:"user,omitempty"`
	Group   string `json:"group,omitempty"`
	Action  string `json:"action,omitempty"`
	Outcome string `json:"outcome,omitempty"`
}

// match says whether an operation passes the filter. A membership's
// target is "group/login".
func (f OpFilter) match(o state.OpRecord) bool {
	if f.Action != "" && o.Action != f.Action {
		return false
	}
	if f.Outcome != "" && o.Outcome != f.Outcome {
		return false
	}
	target := strings.ToLower(o.Target)
	member := o.Action == diff.AddMember.String() || o.Action == diff.RemoveMember.String()
	groupOp := strings.HasSuffix(o.Action, "-group")
	if u := strings.ToLower(strings.TrimSpace(f.User)); u != "" {
		if groupOp || (target != u && !(member && strings.HasSuffix(target, "/"+u))) {
			return false
		}
	}
	if g := strings.ToLower(strings.TrimSpace(f.Group)); g != "" {
		if !(groupOp && target == g) && !(member && strings.HasPrefix(target, g+"/")) {
			return false
		}
	}
	return true
}

// RunDetail is one run and its operations.
type RunDetail struct {
	Run        RunView  `json:"run"`
	Filter     OpFilter `json:"filter"`
	Operations []OpView `json:"operations"`
	// Matched counts the operations that pass the filter, of Total;
	// at most maxRunOps of them are listed.
	Matched int `json:"matched"`
	Total   int `json:"total"`
	// Actions and Outcomes are those the run has, for the filter's choices.
	Actions  []string `json:"-"`
	Outcomes []string `json:"-"`
}

// run builds one run's page.
func (s *Server) run(r *http.Request) (any, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	run, err := s.cfg.Store.Run(r.Context(), id)
	if errors.Is(err, state.ErrNoRun) || (err == nil && s.cfg.Org != "" && run.Org != s.cfg.Org) {
		return nil, notFound("no run %d", id)
	}
	if err != nil {
		return nil, err
	}
	views, err := s.runViews(r, []state.Run{run})
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	d := RunDetail{Run: views[0], Operations: []OpView{},
		Filter: OpFilter{User: q.Get("user"), Group: q.Get("group"), Action: q.Get("action"), Outcome: q.Get("outcome")}}
	ops, err := s.cfg.Store.Operations(r.Context(), id)
	if err != nil {
		return nil, err
	}
	d.Total = len(ops)
	for _, o := range ops {
		if !slices.Contains(d.Actions, o.Action) {
			d.Actions = append(d.Actions, o.Action)
		}
		if !slices.Contains(d.Outcomes, o.Outcome) {
			d.Outcomes = append(d.Outcomes, o.Outcome)
		}
		if !d.Filter.match(o) {
			continue
		}
		d.Matched++
		if len(d.Operations) < maxRunOps {
			d.Operations = append(d.Operations, NewOpView(o))
		}
	}
	slices.Sort(d.Actions)
	slices.Sort(d.Outcomes)
	return d, nil
}

// PlanView is a plan and its rendering.
type PlanView struct {
	RunID  int64      `json:"runId,omitempty"`
	At     time.Time  `json:"at"`
	Status string     `json:"status,omitempty"`
	Plan   *diff.Plan `json:"plan"`
	// Lines are the plan as `oktasync plan` renders it, one per line,
	// each with the class its sign gives.
	Lines []PlanLine `json:"-"`
}

// PlanLine is one line of a rendered plan.
type PlanLine struct {
	Class string // add, change, remove, detail, warning, blocked or ""
	Text  string
}

// renderPlan renders p as text and classes its lines for the page.
func renderPlan(p *diff.Plan) ([]PlanLine, error) {
	var buf bytes.Buffer
	if err := diff.RenderText(&buf, p, diff.RenderOptions{}); err != nil {
		return nil, err
	}
	var lines []PlanLine
	for _, l := range strings.Split(strings.TrimRight(buf.String(), "\n"), "\n") {
		class := ""
		switch {
		case strings.HasPrefix(l, "+ "):
			class = "add"
		case strings.HasPrefix(l, "- "):
			class = "remove"
		case strings.HasPrefix(l, "~ "):
			class = "change"
		case strings.HasPrefix(l, "    "):
			class = "detail"
		case strings.HasPrefix(l, "Warning:"):
			class = "warning"
		case strings.HasPrefix(l, "Blocked:"), strings.HasPrefix(l, "  ✗"):
			class = "blocked"
		}
		lines = append(lines, PlanLine{Class: class, Text: l})
	}
	return lines, nil
}

// plan builds the last plan's page.
func (s *Server) plan(_ *http.Request) (any, error) {
	if s.cfg.LastPlan == nil {
		return nil, notFound("no plan yet: serve has not synced since it started")
	}
	lp, ok := s.cfg.LastPlan()
	if !ok || lp.Plan == nil {
		return nil, notFound("no plan yet: serve has not synced since it started")
	}
	lines, err := renderPlan(lp.Plan)
	if err != nil {
		return nil, err
	}
	return PlanView{RunID: lp.RunID, At: lp.At.UTC(), Status: lp.Status, Plan: lp.Plan, Lines: lines}, nil
}

// UserView is one user.
type UserView struct {
	Login string `json:"login"`
	// LastRun is the user as the last sync read it; nil when serve has
	// not synced since it started.
	LastRun    *UserSnapshot `json:"lastRun"`
	Operations []OpView      `json:"operations"`
}

// secretAttr matches profile attribute names that may hold a secret.
var secretAttr = regexp.MustCompile(`(?i)pass(word)?|secret|token|hash|credential|private`)

// withoutSecrets returns p without the attributes secretAttr matches.
func withoutSecrets(p map[string]any) map[string]any {
	out := make(map[string]any, len(p))
	for k, v := range p {
		if !secretAttr.MatchString(k) {
			out[k] = v
		}
	}
	return out
}

// user builds a user's page.
func (s *Server) user(r *http.Request) (any, error) {
	login := strings.TrimSpace(r.PathValue("login"))
	if login == "" {
		return nil, badRequest("no login")
	}
	v := UserView{Login: login, Operations: []OpView{}}
	if s.cfg.User != nil {
		if snap, ok := s.cfg.User(login); ok {
			if snap.Source != nil {
				src := *snap.Source
				src.Profile = withoutSecrets(src.Profile)
				snap.Source = &src
			}
			if snap.Okta != nil {
				o := *snap.Okta
				o.Profile = withoutSecrets(o.Profile)
				snap.Okta = &o
			}
			v.LastRun = &snap
		}
	}
	ops, err := s.cfg.Store.UserOperations(r.Context(), s.cfg.Org, login, maxUserOps)
	if err != nil {
		return nil, err
	}
	for _, o := range ops {
		v.Operations = append(v.Operations, NewOpView(o))
	}
	if v.LastRun == nil && len(v.Operations) == 0 && s.cfg.User != nil {
		if _, synced := s.lastSync(); synced {
			return nil, notFound("no user %q in the source or in Okta at the last sync, and no operation on it", login)
		}
	}
	return v, nil
}

// lastSync says when the last sync planned, if one did since start.
func (s *Server) lastSync() (time.Time, bool) {
	if s.cfg.LastPlan == nil {
		return time.Time{}, false
	}
	lp, ok := s.cfg.LastPlan()
	return lp.At, ok
}

// HeldList lists the held plans.
type HeldList struct {
	Held []HeldView `json:"held"`
}

// heldList builds the list of held plans.
func (s *Server) heldList(r *http.Request) (any, error) {
	hs, err := s.cfg.Store.HeldPlansOf(r.Context(), s.cfg.Org, heldListed)
	if err != nil {
		return nil, err
	}
	l := HeldList{Held: []HeldView{}}
	for _, h := range hs {
		l.Held = append(l.Held, heldView(h))
	}
	return l, nil
}

// HeldDetail is one held plan and its plan.
type HeldDetail struct {
	Held  HeldView   `json:"held"`
	Plan  *diff.Plan `json:"plan"`
	Lines []PlanLine `json:"-"`
}

// heldPlan builds one held plan's page.
func (s *Server) heldPlan(r *http.Request) (any, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	h, err := s.cfg.Store.HeldPlan(r.Context(), id)
	if errors.Is(err, state.ErrNoHeldPlan) || (err == nil && h.Org != s.cfg.Org) {
		return nil, notFound("no held plan %d", id)
	}
	if err != nil {
		return nil, err
	}
	d := HeldDetail{Held: heldView(h)}
	if len(h.Plan) > 0 {
		d.Plan = new(diff.Plan)
		if err := json.Unmarshal(h.Plan, d.Plan); err != nil {
			return nil, fmt.Errorf("read held plan %d: %w", id, err)
		}
		if d.Lines, err = renderPlan(d.Plan); err != nil {
			return nil, err
		}
	}
	return d, nil
}
