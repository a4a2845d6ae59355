package apply

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/oktasync/oktasync/internal/directory"
	"github.com/oktasync/oktasync/internal/state"
)

// events is an ordered log shared by the fakes, so tests can check what
// happened before what.
type events struct {
	mu  sync.Mutex
	log []string
}

func (e *events) add(format string, args ...any) {
	e.mu.Lock()
	e.log = append(e.log, fmt.Sprintf(format, args...))
	e.mu.Unlock()
}

func (e *events) all() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.log)
}

// index returns the position of the first event equal to s, or -1.
func (e *events) index(s string) int {
	return slices.Index(e.all(), s)
}

type fakeUser struct {
	id      string
	status  string
	profile directory.Profile
}

type fakeGroup struct {
	id, name, description string
	members               map[string]bool // user ids
}

// fakeOkta is an in-memory org. Like Okta, creating an existing login is a
// conflict and membership calls are idempotent. Calls can be made to fail
// (fail), to wait on a gate (gates), and in-flight calls are counted per
// lane.
type fakeOkta struct {
	ev *events

	mu     sync.Mutex
	nextID int
	users  map[string]*fakeUser  // id -> user
	logins map[string]string     // LoginKey -> id
	groups map[string]*fakeGroup // id -> group
	// fail maps "Method name" (name is the login, the group name, or
	// "group/login") to the error that call returns.
	fail map[string]error
	// gates maps a method, or "Method name", to a channel the call waits
	// on (or its context); entered, when set, hears of each gated call.
	gates   map[string]chan struct{}
	entered chan string
	// barrier, when above zero, holds every call until that many are in
	// flight at once; then it lets all calls through for good. A call
	// held longer than barrierWait fails with an error saying so, and
	// opens the barrier, so that a pool that never reaches the bound fails
	// its test with a message instead of hanging it.
	barrier     int
	barrierOpen chan struct{}
	barrierWait time.Duration

	inflight    map[string]int // lane -> calls in flight
	maxInflight map[string]int
	total       int
	maxTotal    int
	done        map[string]int // method -> completed calls
	doneSignal  map[string]chan struct{}
	doneWant    map[string]int
}

var _ Okta = (*fakeOkta)(nil)

func newFakeOkta(ev *events) *fakeOkta {
	return &fakeOkta{
		ev:          ev,
		users:       map[string]*fakeUser{},
		logins:      map[string]string{},
		groups:      map[string]*fakeGroup{},
		fail:        map[string]error{},
		gates:       map[string]chan struct{}{},
		barrierOpen: make(chan struct{}),
		barrierWait: time.Minute,
		inflight:    map[string]int{},
		maxInflight: map[string]int{},
		done:        map[string]int{},
		doneSignal:  map[string]chan struct{}{},
		doneWant:    map[string]int{},
	}
}

// seedUser adds an existing user and returns its id.
func (f *fakeOkta) seedUser(login, status string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	id := fmt.Sprintf("00u%d", f.nextID)
	f.users[id] = &fakeUser{id: id, status: status, profile: directory.Profile{"login": login}}
	f.logins[directory.LoginKey(login)] = id
	return id
}

// seedGroup adds an existing group and returns its id.
func (f *fakeOkta) seedGroup(name string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	id := fmt.Sprintf("00g%d", f.nextID)
	f.groups[id] = &fakeGroup{id: id, name: name, members: map[string]bool{}}
	return id
}

// whenDone returns a channel closed once n calls of method have completed.
func (f *fakeOkta) whenDone(method string, n int) <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := make(chan struct{})
	f.doneSignal[method], f.doneWant[method] = ch, n
	return ch
}

var methodLanes = map[string]string{
	"CreateUser": LaneUsers, "UpdateUser": LaneUser, "Lifecycle": LaneUsers, "DeleteUser": LaneUser,
	"CreateGroup": LaneGroups, "UpdateGroup": LaneGroup, "DeleteGroup": LaneGroup,
	"AddMember": LaneGroups, "RemoveMember": LaneGroups,
}

// enter runs the common part of every call: counting, gates, injected
// failures. The caller must call the returned leave.
func (f *fakeOkta) enter(ctx context.Context, method, name string) (leave func(), err error) {
	key := method + " " + name
	lane := methodLanes[method]
	f.mu.Lock()
	f.inflight[lane]++
	f.maxInflight[lane] = max(f.maxInflight[lane], f.inflight[lane])
	f.total++
	f.maxTotal = max(f.maxTotal, f.total)
	if f.barrier > 0 && f.total >= f.barrier {
		f.barrier = 0
		close(f.barrierOpen)
	}
	barrier := f.barrier
	gate := f.gates[key]
	if gate == nil {
		gate = f.gates[method]
	}
	injected := f.fail[key]
	f.mu.Unlock()
	f.ev.add("call %s", key)

	leave = func() {
		f.mu.Lock()
		f.inflight[lane]--
		f.total--
		f.done[method]++
		if ch := f.doneSignal[method]; ch != nil && f.done[method] == f.doneWant[method] {
			close(ch)
		}
		f.mu.Unlock()
		f.ev.add("done %s", key)
	}
	if barrier > 0 {
		if err := f.awaitBarrier(ctx, barrier); err != nil {
			return leave, fmt.Errorf("%s: %w", key, err)
		}
	}
	if gate != nil {
		if f.entered != nil {
			f.entered <- key
		}
		select {
		case <-gate:
		case <-ctx.Done():
			return leave, fmt.Errorf("%s: %w", key, ctx.Err())
		}
	}
	return leave, injected
}

// awaitBarrier holds a call until the barrier of want calls in flight
// opens, ctx is done, or barrierWait passes; then it opens the barrier for
// good and reports how many calls were in flight at most.
func (f *fakeOkta) awaitBarrier(ctx context.Context, want int) error {
	timer := time.NewTimer(f.barrierWait)
	defer timer.Stop()
	select {
	case <-f.barrierOpen:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.barrier == 0 { // opened meanwhile
		return nil
	}
	f.barrier = 0
	close(f.barrierOpen)
	return fmt.Errorf("barrier: %d calls never came in flight at once within %s (at most %d did)", want, f.barrierWait, f.maxTotal)
}

func (f *fakeOkta) loginOf(id string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if u := f.users[id]; u != nil {
		s, _ := u.profile["login"].(string)
		return s
	}
	return id
}

func (f *fakeOkta) groupName(id string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if g := f.groups[id]; g != nil {
		return g.name
	}
	return id
}

// conflictError is how the fake reports a duplicate login.
type conflictError struct{ login string }

func (e *conflictError) Error() string {
	return "login: An object with this field already exists in the current organization (" + e.login + ")"
}
func (e *conflictError) Conflict() bool { return true }

var errNotFound = errors.New("not found")

func (f *fakeOkta) CreateUser(ctx context.Context, profile directory.Profile, password string, _ *directory.PasswordHash, activate bool, groupIDs []string) (string, error) {
	login, _ := profile["login"].(string)
	leave, err := f.enter(ctx, "CreateUser", login)
	defer leave()
	if err != nil {
		return "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.logins[directory.LoginKey(login)]; ok {
		return "", &conflictError{login: login}
	}
	for _, gid := range groupIDs {
		if f.groups[gid] == nil {
			return "", fmt.Errorf("group %s: %w", gid, errNotFound)
		}
	}
	f.nextID++
	id := fmt.Sprintf("00u%d", f.nextID)
	status := "STAGED"
	if activate {
		status = "ACTIVE"
	}
	f.users[id] = &fakeUser{id: id, status: status, profile: maps(profile)}
	f.logins[directory.LoginKey(login)] = id
	for _, gid := range groupIDs {
		f.groups[gid].members[id] = true
	}
	return id, nil
}

func maps(p directory.Profile) directory.Profile {
	out := directory.Profile{}
	for k, v := range p {
		out[k] = v
	}
	return out
}

func (f *fakeOkta) UpdateUser(ctx context.Context, id string, profile directory.Profile) error {
	leave, err := f.enter(ctx, "UpdateUser", f.loginOf(id))
	defer leave()
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	u := f.users[id]
	if u == nil {
		return errNotFound
	}
	for k, v := range profile {
		if v == nil {
			delete(u.profile, k)
		} else {
			u.profile[k] = v
		}
	}
	return nil
}

func (f *fakeOkta) Lifecycle(ctx context.Context, id, op string, sendEmail bool) error {
	leave, err := f.enter(ctx, "Lifecycle", f.loginOf(id))
	defer leave()
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	u := f.users[id]
	if u == nil {
		return errNotFound
	}
	switch op {
	case "activate":
		u.status = "ACTIVE"
	case "deactivate":
		u.status = "DEPROVISIONED"
	case "suspend":
		u.status = "SUSPENDED"
	case "unsuspend":
		u.status = "ACTIVE"
	default:
		return fmt.Errorf("unexpected lifecycle %q", op)
	}
	return nil
}

func (f *fakeOkta) DeleteUser(ctx context.Context, id string) error {
	leave, err := f.enter(ctx, "DeleteUser", f.loginOf(id))
	defer leave()
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	u := f.users[id]
	if u == nil {
		return errNotFound
	}
	if u.status != "DEPROVISIONED" {
		u.status = "DEPROVISIONED"
		return nil
	}
	delete(f.users, id)
	for k, v := range f.logins {
		if v == id {
			delete(f.logins, k)
		}
	}
	return nil
}

func (f *fakeOkta) CreateGroup(ctx context.Context, name, description string, _ directory.Profile) (string, error) {
	leave, err := f.enter(ctx, "CreateGroup", name)
	defer leave()
	if err != nil {
		return "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	id := fmt.Sprintf("00g%d", f.nextID)
	f.groups[id] = &fakeGroup{id: id, name: name, description: description, members: map[string]bool{}}
	return id, nil
}

func (f *fakeOkta) UpdateGroup(ctx context.Context, id, name, description string, _ directory.Profile) error {
	leave, err := f.enter(ctx, "UpdateGroup", f.groupName(id))
	defer leave()
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	g := f.groups[id]
	if g == nil {
		return errNotFound
	}
	g.name, g.description = name, description
	return nil
}

func (f *fakeOkta) DeleteGroup(ctx context.Context, id string) error {
	leave, err := f.enter(ctx, "DeleteGroup", f.groupName(id))
	defer leave()
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.groups[id] == nil {
		return errNotFound
	}
	delete(f.groups, id)
	return nil
}

func (f *fakeOkta) member(ctx context.Context, method, groupID, userID string, add bool) error {
	leave, err := f.enter(ctx, method, f.groupName(groupID)+"/"+f.loginOf(userID))
	defer leave()
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	g, u := f.groups[groupID], f.users[userID]
	if g == nil || u == nil {
		return errNotFound
	}
	if add {
		g.members[userID] = true
	} else {
		delete(g.members, userID)
	}
	return nil
}

func (f *fakeOkta) AddMember(ctx context.Context, groupID, userID string) error {
	return f.member(ctx, "AddMember", groupID, userID, true)
}

func (f *fakeOkta) RemoveMember(ctx context.Context, groupID, userID string) error {
	return f.member(ctx, "RemoveMember", groupID, userID, false)
}

func (f *fakeOkta) SetManager(ctx context.Context, userID, rel, managerID string) error {
	leave, err := f.enter(ctx, "SetManager", f.loginOf(userID))
	defer leave()
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	u, m := f.users[userID], f.users[managerID]
	if u == nil || m == nil {
		return errNotFound
	}
	u.profile[rel+"Link"] = managerID
	return nil
}

func (f *fakeOkta) ClearManager(ctx context.Context, userID, rel string) error {
	leave, err := f.enter(ctx, "ClearManager", f.loginOf(userID))
	defer leave()
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if u := f.users[userID]; u != nil {
		delete(u.profile, rel+"Link")
	}
	return nil
}

// members lists a group's members by login, sorted.
func (f *fakeOkta) members(group string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, g := range f.groups {
		if g.name != group {
			continue
		}
		for id := range g.members {
			s, _ := f.users[id].profile["login"].(string)
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

// fakeCheckpoints is an in-memory Checkpoints.
type fakeCheckpoints struct {
	ev *events

	mu           sync.Mutex
	records      []state.OpRecord
	batches      []int
	owned        map[string]state.OwnedUser // LoginKey ->
	failRecord   error                      // every RecordOperations fails
	failAddOwned error                      // every AddOwned fails
}

var _ Checkpoints = (*fakeCheckpoints)(nil)

func newFakeCheckpoints(ev *events) *fakeCheckpoints {
	return &fakeCheckpoints{ev: ev, owned: map[string]state.OwnedUser{}}
}

func (c *fakeCheckpoints) RecordOperations(_ context.Context, recs []state.OpRecord) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.failRecord != nil {
		return c.failRecord
	}
	c.records = append(c.records, recs...)
	c.batches = append(c.batches, len(recs))
	for _, r := range recs {
		c.ev.add("record %d %s %s", r.Seq, r.Target, r.Outcome)
	}
	return nil
}

func (c *fakeCheckpoints) AddOwned(_ context.Context, org string, users []state.OwnedUser) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.failAddOwned != nil {
		return c.failAddOwned
	}
	for _, u := range users {
		c.owned[directory.LoginKey(u.Login)] = u
		c.ev.add("own %s %s %q", org, u.Login, u.OktaID)
	}
	return nil
}

func (c *fakeCheckpoints) MarkDeactivated(_ context.Context, org, login string, at time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if u, ok := c.owned[directory.LoginKey(login)]; ok {
		u.DeactivatedAt = at
		c.owned[directory.LoginKey(login)] = u
	}
	c.ev.add("deactivated %s %s zero=%t", org, login, at.IsZero())
	return nil
}

func (c *fakeCheckpoints) RemoveOwned(_ context.Context, org, login string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.owned, directory.LoginKey(login))
	c.ev.add("disown %s %s", org, login)
	return nil
}

// recordsBySeq returns the recorded outcomes keyed by Seq.
func (c *fakeCheckpoints) recordsBySeq() map[int]state.OpRecord {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[int]state.OpRecord{}
	for _, r := range c.records {
		out[r.Seq] = r
	}
	return out
}

// hasSecret reports whether any recorded text holds s.
func (c *fakeCheckpoints) hasSecret(s string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range c.records {
		if strings.Contains(r.Error, s) || strings.Contains(r.Target, s) {
			return true
		}
	}
	return false
}

// AssignApp records an app assignment in the event log, by the group's
// name or the user's login.
func (f *fakeOkta) AssignApp(ctx context.Context, appID, kind, targetID string, priority *int, profile map[string]any) error {
	return f.app(ctx, "AssignApp", appID, kind, targetID)
}

// UnassignApp records an app unassignment in the event log.
func (f *fakeOkta) UnassignApp(ctx context.Context, appID, kind, targetID string) error {
	return f.app(ctx, "UnassignApp", appID, kind, targetID)
}

func (f *fakeOkta) app(ctx context.Context, method, appID, kind, targetID string) error {
	name := f.loginOf(targetID)
	if kind == AppKindGroup {
		name = f.groupName(targetID)
	}
	leave, err := f.enter(ctx, method, appID+"/"+name)
	defer leave()
	if err != nil {
		return err
	}
	f.ev.add("%s %s %s", method, appID, name)
	return nil
}
