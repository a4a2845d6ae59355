package apply

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/oktasync/oktasync/internal/diff"
	"github.com/oktasync/oktasync/internal/directory"
	"github.com/oktasync/oktasync/internal/state"
)

// Defaults for Options.
const (
	DefaultConcurrency = 4
	DefaultGrace       = 30 * time.Second
	// DefaultPendingWait is how long a call refused because the user's
	// status is still changing is tried again: Okta says "try again in a
	// few minutes".
	DefaultPendingWait = 3 * time.Minute
)

// Options configures Execute.
type Options struct {
	// Org is the org the ownership records belong to.
	Org string
	// RunID is the run the checkpoints belong to.
	RunID int64
	// Concurrency is how many operations of one lane run at once (default
	// 4) unless LaneConcurrency says otherwise. Each lane has its own
	// workers, so at most the sum over the lanes are in flight; the okta
	// client's own limit caps the calls the org sees at once.
	Concurrency int
	// LaneConcurrency sets the workers of a lane by name (LaneUsers,
	// LaneUser, LaneGroups, LaneGroup); lanes missing or not above zero
	// get Concurrency.
	LaneConcurrency map[string]int
	// Logger receives a debug record per operation and an info summary;
	// nil discards them.
	Logger *slog.Logger
	// Progress, when set, is called after each operation finishes, from a
	// single goroutine.
	Progress func(done, total int)
	// Grace is how long calls in flight when ctx is cancelled may still
	// run (default 30s).
	Grace time.Duration
	// Now is the clock for checkpoints and PendingWait (default time.Now).
	Now func() time.Time
	// PendingWait is how long apply keeps trying, with backoff, a call
	// Okta refuses because the user's status is still changing (409
	// E0000112, ErrPending) before it leaves the operation pending for the
	// next run (default DefaultPendingWait; negative: no second try). The
	// operation keeps its worker while it waits; a cancelled run stops
	// the wait at once.
	PendingWait time.Duration
	// Sleep waits for d or until ctx is done, and then returns ctx's
	// error (default: a timer). Tests pass one that moves a fake clock.
	Sleep func(ctx context.Context, d time.Duration) error
}

func (o Options) withDefaults() Options {
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Grace <= 0 {
		o.Grace = DefaultGrace
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.PendingWait == 0 {
		o.PendingWait = DefaultPendingWait
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// laneCaps returns the workers of every lane; unknown actions fall in the
// lane "".
func (o Options) laneCaps() map[string]int {
	caps := map[string]int{"": o.Concurrency}
	for _, l := range Lanes {
		caps[l] = o.Concurrency
		if n := o.LaneConcurrency[l]; n > 0 {
			caps[l] = n
		}
	}
	return caps
}

// Outcome is what became of one operation.
type Outcome struct {
	Seq    int
	Action diff.Action
	// Target is the login, the group name, or "group/login".
	Target string
	// Status is state.OpApplied, state.OpFailed, state.OpSkipped,
	// state.OpMastered or state.OpPending.
	Status string
	// Err says why an operation did not apply; nil when applied.
	// Its text never holds a password.
	Err error
	// OktaID is the created or affected object's id when known: the user
	// for user operations, the group for group operations and memberships.
	OktaID string
}

// Result is what Execute did.
type Result struct {
	Applied, Failed, Skipped int
	// Mastered counts profile updates refused because another system
	// masters the profile; Pending counts operations left for the next
	// run because Okta was still changing the user's status. Neither is
	// a failure.
	Mastered, Pending int
	// Outcomes has one entry per operation, in Seq order.
	Outcomes []Outcome
}

// Execute carries out plan against api, checkpointing through cp. It refuses
// a blocked plan with a *BlockedError. It always returns the Result of what
// it did, also with an error. Failed operations (and mastered and pending
// ones) are counted in the Result and are not an error; the error reports a
// cancelled context (wrapped) or a checkpoint that could not be written,
// either of which stops the run.
func Execute(ctx context.Context, plan *diff.Plan, api Okta, cp Checkpoints, opts Options) (*Result, error) {
	res := &Result{}
	if plan == nil {
		return res, errors.New("apply plan: no plan")
	}
	if plan.Blocked {
		return res, &BlockedError{Blocks: plan.Blocks}
	}
	opts = opts.withDefaults()
	nodes, err := buildGraph(plan.Operations, Lane)
	if err != nil {
		return res, fmt.Errorf("apply plan: %w", err)
	}
	e := newExecutor(api, cp, opts, nodes, opts.laneCaps())
	return e.run(ctx)
}

// reasonCheckpointFailed is why operations are skipped after a checkpoint
// write failed.
const reasonCheckpointFailed = "not started: the run stopped because a checkpoint could not be written"

// task is one operation handed to a worker, with its ids resolved.
type task struct {
	idx     int
	op      *diff.Operation
	userID  string
	groupID string
	// managerID is a SetManager's manager, resolved like userID.
	managerID string
	// groupIDs, for a CreateUser, are the groups it puts the user in.
	groupIDs []string
}

// result is a worker's report.
type result struct {
	idx    int
	oktaID string
	err    error  // the operation failed
	skip   string // the operation was not sent (with cpErr set)
	cpErr  error  // an ownership checkpoint could not be written
}

// executor holds one Execute's state. Everything but the worker goroutines
// runs on the goroutine that called run, so none of it is locked.
type executor struct {
	api   Okta
	cp    Checkpoints
	opts  Options
	log   *slog.Logger
	nodes []*node
	caps  map[string]int

	lanes    map[string]chan task // each lane's workers take tasks here
	ready    map[string]*seqHeap
	inflight map[string]int
	running  int
	userIDs  map[string]string // LoginKey -> id created by this plan
	groupIDs map[string]string // GroupKey -> id created by this plan
	outcomes []Outcome
	finished int
	cascade  []int

	rec     *recorder
	results chan result
	stopped string // why no new operation starts; "" while running
	errs    []error

	// runCtx is Execute's context, set before the workers start: calls
	// outlive its cancellation, but waits for a pending user end with it.
	runCtx context.Context
}

func newExecutor(api Okta, cp Checkpoints, opts Options, nodes []*node, caps map[string]int) *executor {
	total := 0
	for _, c := range caps {
		total += c
	}
	return &executor{
		api:      api,
		cp:       cp,
		opts:     opts,
		log:      opts.Logger,
		nodes:    nodes,
		caps:     caps,
		lanes:    map[string]chan task{},
		ready:    map[string]*seqHeap{},
		inflight: map[string]int{},
		userIDs:  map[string]string{},
		groupIDs: map[string]string{},
		outcomes: make([]Outcome, len(nodes)),
		rec:      newRecorder(cp),
		results:  make(chan result, total),
	}
}

func (e *executor) run(ctx context.Context) (*Result, error) {
	started := time.Now()
	// Calls and checkpoints outlive a cancelled ctx: calls for up to Grace,
	// checkpoints until written.
	cpCtx := context.WithoutCancel(ctx)
	callCtx, hardStop := context.WithCancel(context.WithoutCancel(ctx))
	defer hardStop()
	var (
		mu    sync.Mutex
		grace *time.Timer
	)
	stopGrace := context.AfterFunc(ctx, func() {
		mu.Lock()
		grace = time.AfterFunc(e.opts.Grace, hardStop)
		mu.Unlock()
	})
	defer func() {
		stopGrace()
		mu.Lock()
		if grace != nil {
			grace.Stop()
		}
		mu.Unlock()
	}()

	e.runCtx = ctx
	go e.rec.run(cpCtx)
	e.startWorkers(callCtx, cpCtx)
	defer e.stopWorkers()

	for i, n := range e.nodes {
		if n.pending == 0 {
			e.push(i)
		}
	}
	cancelled, cpFailed := ctx.Done(), e.rec.failed
	for {
		if e.stopped == "" && ctx.Err() != nil {
			finished := e.finished
			e.stop("cancelled")
			e.errs = append(e.errs, fmt.Errorf("apply plan: cancelled with %d of %d operations finished and %d in flight: %w",
				finished, len(e.nodes), e.running, ctx.Err()))
		}
		if e.stopped == "" && cpFailed != nil {
			select {
			case <-cpFailed:
				cpFailed = nil
				e.stop(reasonCheckpointFailed)
			default:
			}
		}
		if e.stopped == "" {
			e.dispatch()
		}
		if e.running == 0 {
			if e.finished < len(e.nodes) {
				// Nothing runs and nothing is ready: the plan's
				// dependencies form a cycle.
				e.failStuck()
			}
			break
		}
		select {
		case r := <-e.results:
			e.handle(r)
		case <-cancelled:
			cancelled = nil // handled at the top of the loop
		case <-cpFailed:
			cpFailed = nil
			if e.stopped == "" {
				e.stop(reasonCheckpointFailed)
			}
		}
	}
	if err := e.rec.close(); err != nil {
		e.errs = append(e.errs, fmt.Errorf("apply plan: %w", err))
	}

	res := tally(e.outcomes)
	err := errors.Join(e.errs...)
	attrs := []any{"operations", len(e.nodes), "applied", res.Applied, "failed", res.Failed,
		"skipped", res.Skipped, "mastered", res.Mastered, "pending", res.Pending,
		"duration", time.Since(started).Round(time.Millisecond)}
	if err != nil {
		attrs = append(attrs, "error", err.Error())
	}
	e.log.Info("plan applied", attrs...)
	return res, err
}

// tally returns the Result of outcomes, counted by status.
func tally(outcomes []Outcome) *Result {
	res := &Result{Outcomes: outcomes}
	for _, o := range outcomes {
		switch o.Status {
		case state.OpApplied:
			res.Applied++
		case state.OpFailed:
			res.Failed++
		case state.OpSkipped:
			res.Skipped++
		case state.OpMastered:
			res.Mastered++
		case state.OpPending:
			res.Pending++
		}
	}
	return res
}

func (e *executor) push(i int) {
	h := e.ready[e.nodes[i].lane]
	if h == nil {
		h = &seqHeap{}
		e.ready[e.nodes[i].lane] = h
	}
	heap.Push(h, i)
}

// startWorkers starts each lane's workers; they run until the lanes'
// channels are closed.
func (e *executor) startWorkers(callCtx, cpCtx context.Context) {
	for lane, n := range e.caps {
		ch := make(chan task, n)
		e.lanes[lane] = ch
		for range n {
			go func() {
				for t := range ch {
					e.results <- e.perform(callCtx, cpCtx, t)
				}
			}()
		}
	}
}

// stopWorkers ends the workers once they are idle.
func (e *executor) stopWorkers() {
	for _, ch := range e.lanes {
		close(ch)
	}
}

// dispatch hands ready operations to their lanes while those have idle
// workers; a lane's channel holds at most as many tasks as it has workers,
// so this never blocks. A membership its user's create made finishes here,
// with no call, and what it releases is dispatched in the same call.
func (e *executor) dispatch() {
	for again := true; again; {
		again = false
		for lane, h := range e.ready {
			for h.Len() > 0 && e.inflight[lane] < e.caps[lane] {
				i := heap.Pop(h).(int)
				n := e.nodes[i]
				n.started = true
				t := e.task(i)
				if n.carried {
					e.finish(i, state.OpApplied, nil, t.groupID)
					again = true
					continue
				}
				e.inflight[lane]++
				e.running++
				e.lanes[lane] <- t
			}

		}
	}
}

// task resolves node i's ids: those the plan gives, else those created by
// this run. A CreateUser gets the ids of the groups of the memberships it
// carries that are known by now, and remembers which it was sent with.
func (e *executor) task(i int) task {
	n := e.nodes[i]
	t := task{idx: i, op: n.op, userID: n.op.UserID, groupID: n.op.GroupID}
	if t.userID == "" {
		t.userID = e.userIDs[directory.LoginKey(n.op.Login)]
	}
	if t.groupID == "" {
		t.groupID = e.groupIDs[directory.GroupKey(n.op.Group)]
	}
	if t.managerID = n.op.ManagerID; t.managerID == "" && n.op.Manager != "" {
		t.managerID = e.userIDs[directory.LoginKey(n.op.Manager)]
	}
	for _, m := range n.carries {
		mop := e.nodes[m].op
		gid := mop.GroupID
		if gid == "" {
			gid = e.groupIDs[directory.GroupKey(mop.Group)]
		}
		if gid == "" || slices.Contains(t.groupIDs, gid) {
			continue
		}
		t.groupIDs = append(t.groupIDs, gid)
		n.sent = append(n.sent, m)
	}
	return t
}

// handle takes a worker's report.
func (e *executor) handle(r result) {
	n := e.nodes[r.idx]
	e.inflight[n.lane]--
	e.running--
	if r.cpErr != nil {
		e.errs = append(e.errs, fmt.Errorf("apply plan: %w", r.cpErr))
		if e.stopped == "" {
			e.stop(reasonCheckpointFailed)
		}
	}
	switch {
	case r.skip != "":
		e.finish(r.idx, state.OpSkipped, errors.New(r.skip), r.oktaID)
	case r.err != nil:
		e.finish(r.idx, failedStatus(r.err), r.err, r.oktaID)
	default:
		switch n.op.Action {
		case diff.CreateUser:
			e.userIDs[directory.LoginKey(n.op.Login)] = r.oktaID
			for _, m := range n.sent {
				e.nodes[m].carried = true
			}
		case diff.CreateGroup:
			e.groupIDs[directory.GroupKey(n.op.Group)] = r.oktaID
		}
		e.finish(r.idx, state.OpApplied, nil, r.oktaID)
	}
}

// finish records node i's outcome and releases the operations waiting for
// it; those doomed by a failed dependency are skipped in turn.
func (e *executor) finish(i int, status string, err error, oktaID string) {
	e.cascade = append(e.cascade[:0], i)
	first := true
	for len(e.cascade) > 0 {
		i = e.cascade[0]
		e.cascade = e.cascade[1:]
		n := e.nodes[i]
		if !first {
			status, err, oktaID = n.doomStatus, errors.New(n.doomed), ""
		}
		first = false
		e.record(i, status, err, oktaID)
		for _, d := range n.dependents {
			dn := e.nodes[d.to]
			if dn.done {
				continue
			}
			if status != state.OpApplied && d.hard && dn.doomed == "" {
				dn.doomed = fmt.Sprintf("dependency #%d %s %s %s", n.op.Seq, n.op.Action, target(n.op), status)
				// What waits for a pending operation is left for the
				// next run with it.
				dn.doomStatus = state.OpSkipped
				if status == state.OpPending {
					dn.doomStatus = state.OpPending
				}
			}
			dn.pending--
			if dn.pending == 0 {
				if dn.doomed != "" {
					e.cascade = append(e.cascade, d.to)
				} else {
					e.push(d.to)
				}
			}
		}
	}
}

// failedStatus is the outcome of an operation whose call returned err.
func failedStatus(err error) string {
	switch {
	case errors.Is(err, ErrMastered):
		return state.OpMastered
	case errors.Is(err, ErrPending):
		return state.OpPending
	}
	return state.OpFailed
}

// record stores node i's outcome, queues its checkpoint and reports
// progress.
func (e *executor) record(i int, status string, err error, oktaID string) {
	n := e.nodes[i]
	n.done = true
	o := Outcome{Seq: n.op.Seq, Action: n.op.Action, Target: target(n.op), Status: status, Err: err, OktaID: oktaID}
	e.outcomes[i] = o
	e.finished++
	rec := state.OpRecord{
		RunID:   e.opts.RunID,
		Seq:     o.Seq,
		Action:  o.Action.String(),
		Target:  o.Target,
		Outcome: status,
		OktaID:  oktaID,
		At:      e.opts.Now(),
	}
	if err != nil {
		rec.Error = err.Error()
	}
	e.rec.queue <- rec
	if e.log.Enabled(context.Background(), slog.LevelDebug) {
		attrs := []any{"seq", o.Seq, "action", o.Action.String(), "target", o.Target, "status", status}
		if oktaID != "" {
			attrs = append(attrs, "oktaId", oktaID)
		}
		if err != nil {
			attrs = append(attrs, "error", rec.Error)
		}
		e.log.Debug("operation", attrs...)
	}
	if e.opts.Progress != nil {
		e.opts.Progress(e.finished, len(e.nodes))
	}
}

// stop starts no more operations: every operation not yet started is
// skipped with reason, but for memberships already made by their user's
// create.
func (e *executor) stop(reason string) {
	e.stopped = reason
	// A membership its user's create made is done, whether or not its turn
	// came.
	for i, n := range e.nodes {
		if n.carried && !n.done {
			e.record(i, state.OpApplied, nil, e.task(i).groupID)
		}
	}
	for i, n := range e.nodes {
		if !n.done && !n.started {
			e.record(i, state.OpSkipped, errors.New(reason), "")
		}
	}
	e.ready = map[string]*seqHeap{}
}

// failStuck fails the operations that can never start because their
// dependencies wait for each other.
func (e *executor) failStuck() {
	for i, n := range e.nodes {
		if !n.done {
			e.record(i, state.OpFailed, errors.New("not started: the plan's dependencies form a cycle"), "")
		}
	}
}

// seqHeap is a min-heap of node indexes; nodes are sorted by Seq, so the
// lowest index is the earliest operation.
type seqHeap []int

func (h seqHeap) Len() int           { return len(h) }
func (h seqHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h seqHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }

// Push implements heap.Interface.
func (h *seqHeap) Push(x any) { *h = append(*h, x.(int)) }

// Pop implements heap.Interface.
func (h *seqHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
