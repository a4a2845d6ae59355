package okta

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/oktasync/oktasync/internal/oktasim"
)

const simToken = "sim-token-SECRET-0123456789"

// simOrg starts the simulator and returns it with a client wired to it.
// When clock is not nil, the simulator and the client share it.
func simOrg(t *testing.T, o oktasim.Options, clock *fakeClock, opts ...Option) (*oktasim.Server, *Client) {
	t.Helper()
	if clock == nil {
		return simOrgWith(t, o, nil, nil, nil, opts...)
	}
	return simOrgWith(t, o, clock.now, clock.sleep, nil, opts...)
}

// simOrgWith is simOrg with any clock (now and sleep both nil: the real
// one), and wrap, when not nil, around the simulator's handler.
func simOrgWith(t *testing.T, o oktasim.Options, now func() time.Time,
	sleep func(context.Context, time.Duration, <-chan struct{}) error,
	wrap func(http.Handler) http.Handler, opts ...Option) (*oktasim.Server, *Client) {
	t.Helper()
	o.Tokens = []string{simToken}
	if now != nil {
		o.Now = now
	}
	sim, err := oktasim.New(o)
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = sim
	if wrap != nil {
		h = wrap(sim)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := NewClient(srv.URL, append([]Option{WithToken(simToken), WithInsecureHTTP()}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	if now != nil {
		c.now, c.sleep = now, sleep
	}
	return sim, c
}

func seedUsers(t *testing.T, sim *oktasim.Server, n int, status func(i int) string) {
	t.Helper()
	var seed oktasim.Seed
	for i := range n {
		login := fmt.Sprintf("seed%04d@example.com", i)
		seed.Users = append(seed.Users, oktasim.SeedUser{Status: status(i), Profile: map[string]any{
			"login": login, "email": login, "firstName": "S", "lastName": fmt.Sprint(i)}, Groups: []string{"Seeded"}})
	}
	if err := sim.Seed(seed); err != nil {
		t.Fatal(err)
	}
}

func TestSimulatorPaging(t *testing.T) {
	t.Parallel()
	sim, c := simOrg(t, oktasim.Options{RateLimit: oktasim.RateLimitOptions{Disabled: true}}, nil)
	seedUsers(t, sim, 450, func(i int) string {
		if i%10 == 0 {
			return "DEPROVISIONED"
		}
		return "ACTIVE"
	})
	ctx := context.Background()
	count := func(seq func(func(*User, error) bool)) (int, map[string]bool) {
		seen := map[string]bool{}
		n := 0
		for u, err := range seq {
			if err != nil {
				t.Fatal(err)
			}
			if seen[u.ID] {
				t.Fatalf("user %s listed twice", u.ID)
			}
			seen[u.ID] = true
			n++
		}
		return n, seen
	}
	tests := []struct {
		name string
		opts *UserListOptions
		want int
	}{
		{"plain list leaves out DEPROVISIONED", &UserListOptions{Limit: 200}, 405},
		{"small pages", &UserListOptions{Limit: 7}, 405},
		{"filter returns DEPROVISIONED", &UserListOptions{Filter: `status eq "DEPROVISIONED"`, Limit: 13}, 45},
		{"search", &UserListOptions{Search: `profile.lastName eq "7"`}, 1},
	}
	for _, tt := range tests {
		if n, _ := count(c.Users.List(ctx, tt.opts)); n != tt.want {
			t.Errorf("%s: %d users, want %d", tt.name, n, tt.want)
		}
	}
	var group *Group
	for g, err := range c.Groups.List(ctx, &GroupListOptions{Search: `profile.name eq "Seeded"`}) {
		if err != nil {
			t.Fatal(err)
		}
		group = g
	}
	if group == nil {
		t.Fatal("seeded group not found")
	}
	if n, _ := count(c.Groups.ListMembers(ctx, group.ID, &ListOptions{Limit: 100})); n != 450 {
		t.Errorf("members = %d, want 450", n)
	}
	// Manual paging with ListPage and NextCursor.
	total := 0
	opts := &UserListOptions{Limit: 150}
	for page := 1; ; page++ {
		if page > 10 {
			t.Fatal("ListPage still has a next cursor after 10 pages of 150 for 405 users")
		}
		users, resp, err := c.Users.ListPage(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		total += len(users)
		if resp.NextCursor() == "" {
			break
		}
		opts.After = resp.NextCursor()
	}
	if total != 405 {
		t.Errorf("ListPage total = %d, want 405", total)
	}
}

func TestSimulatorUserAndGroupLifecycle(t *testing.T) {
	t.Parallel()
	sim, c := simOrg(t, oktasim.Options{CustomAttributes: []string{"costCenter"}}, nil)
	ctx := context.Background()
	start := time.Now().Add(-time.Minute)
	profile := map[string]any{"login": "life@example.com", "email": "life@example.com", "firstName": "Li", "lastName": "Fe", "title": "Eng"}
	u, _, err := c.Users.Create(ctx, CreateUserRequest{Profile: profile}, false)
	if err != nil {
		t.Fatal(err)
	}
	if u.Status != "STAGED" {
		t.Errorf("status %s, want STAGED", u.Status)
	}
	if _, _, err := c.Users.Create(ctx, CreateUserRequest{Profile: profile}, false); !IsAlreadyExists(err) {
		t.Errorf("duplicate create: %v, want already exists", err)
	}
	steps := []struct {
		name string
		call func() (*Response, error)
		want string
	}{
		{"activate", func() (*Response, error) { return c.Users.Activate(ctx, u.ID, false) }, "PROVISIONED"},
		{"deactivate", func() (*Response, error) { return c.Users.Deactivate(ctx, u.ID) }, "DEPROVISIONED"},
		{"activate again", func() (*Response, error) { return c.Users.Activate(ctx, u.ID, false) }, "PROVISIONED"},
		{"reactivate", func() (*Response, error) { return c.Users.Reactivate(ctx, u.ID) }, "PROVISIONED"},
	}
	for _, st := range steps {
		if _, err := st.call(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		got, _, err := c.Users.Get(ctx, "life@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != st.want {
			t.Errorf("%s: status %s, want %s", st.name, got.Status, st.want)
		}
	}
	if _, err := c.Users.Suspend(ctx, u.ID); err == nil {
		t.Error("suspend of a PROVISIONED user: want an error")
	}
	up, _, err := c.Users.Update(ctx, u.ID, map[string]any{"title": nil, "costCenter": "CC1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, has := up.Profile["title"]; has || up.Profile["costCenter"] != "CC1" || up.Profile["firstName"] != "Li" {
		t.Errorf("profile after partial update = %v", up.Profile)
	}

	g, _, err := c.Groups.Create(ctx, GroupProfile{Name: "Life", Description: "d"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Groups.AddMember(ctx, g.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Groups.AddMember(ctx, g.ID, u.ID); err != nil {
		t.Fatalf("second add (idempotent): %v", err)
	}
	gs, _, err := c.Users.ListGroups(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range gs {
		names = append(names, g.Profile.Name)
	}
	slices.Sort(names)
	if diff := cmp.Diff([]string{"Everyone", "Life"}, names); diff != "" {
		t.Errorf("user's groups (-want +got):\n%s", diff)
	}
	if _, _, err := c.Groups.Update(ctx, g.ID, GroupProfile{Name: "Life2"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Groups.RemoveMember(ctx, g.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Groups.Delete(ctx, g.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Groups.Get(ctx, g.ID); !IsNotFound(err) {
		t.Errorf("deleted group: %v, want not found", err)
	}
	for _, step := range []string{"deactivate", "delete"} {
		if _, err := c.Users.Delete(ctx, u.ID); err != nil {
			t.Fatalf("delete (%s): %v", step, err)
		}
	}
	if _, _, err := c.Users.Get(ctx, u.ID); !IsNotFound(err) {
		t.Errorf("deleted user: %v, want not found", err)
	}

	var types []string
	for e, err := range c.Logs.List(ctx, &LogListOptions{Since: start, Limit: 5}) {
		if err != nil {
			t.Fatal(err)
		}
		types = append(types, e.EventType)
	}
	for _, want := range []string{"user.lifecycle.create", "user.lifecycle.activate", "user.lifecycle.deactivate", "group.user_membership.add", "group.user_membership.remove"} {
		if !slices.Contains(types, want) {
			t.Errorf("System Log lacks %s: %v", want, types)
		}
	}

	schema, _, err := c.Schemas.GetDefaultUserSchema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"login", "email", "firstName", "lastName", "costCenter"} {
		if !schema.HasAttribute(a) {
			t.Errorf("schema lacks %s: %v", a, schema.AttributeNames())
		}
	}
	if st := sim.Stats(); st.Retries != 0 || st.RateLimited != 0 {
		t.Errorf("sim stats: %+v", st)
	}
}

// TestSimulatorPacing checks that the client never spends more than its
// share of a bucket, and so never meets a 429, even with many callers over
// several buckets. The simulator and the client share a fake clock, so
// windows pass without real waiting.
func TestSimulatorPacing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		callers int
		calls   int
		mixed   bool
	}{
		{"one caller", 1, 23, false},
		{"eight callers", 8, 10, false},
		{"eight callers, three buckets", 8, 15, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := &fakeClock{t: time.Now()}
			sim, c := simOrg(t, oktasim.Options{RateLimit: oktasim.RateLimitOptions{
				Limits: map[string]int{"user": 20, "users": 12, "group": 16}, TokenShare: 0.5,
			}}, clock, WithRateLimit(0.5, 4))
			seedUsers(t, sim, 1, func(int) string { return "ACTIVE" })
			var everyone string
			for g, err := range c.Groups.List(context.Background(), &GroupListOptions{Q: "Everyone"}) {
				if err != nil {
					t.Fatal(err)
				}
				everyone = g.ID
			}
			sim.ResetStats()
			var wg sync.WaitGroup
			for w := range tt.callers {
				wg.Go(func() {
					ctx := context.Background()
					for i := range tt.calls {
						var err error
						switch {
						case !tt.mixed || (w+i)%3 == 0:
							_, _, err = c.Users.Get(ctx, "seed0000@example.com")
						case (w+i)%3 == 1:
							_, _, err = c.Groups.Get(ctx, everyone)
						default:
							_, _, err = c.Users.ListPage(ctx, &UserListOptions{Limit: 1})
						}
						if err != nil {
							t.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			st := sim.Stats()
			if st.RateLimited != 0 || st.ConcurrencyLimited != 0 {
				t.Errorf("simulator answered %d 429s", st.RateLimited+st.ConcurrencyLimited)
			}
			if st.Requests != tt.callers*tt.calls {
				t.Errorf("simulator saw %d requests, want %d", st.Requests, tt.callers*tt.calls)
			}
			cs := c.Stats()
			if cs.PacingWaits == 0 {
				t.Error("no pacing happened")
			}
			if b := cs.Buckets[BucketUserGet]; b.Limit != 10 {
				t.Errorf("bucket stats %+v", b)
			}
		})
	}
}

// TestSimulatorFaults runs creates and reads through injected 500s and
// dropped connections: every call ends in success or an error that says
// why, and no login is ever created twice.
func TestSimulatorFaults(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: time.Now()}
	sim, c := simOrg(t, oktasim.Options{
		RateLimit: oktasim.RateLimitOptions{Disabled: true},
		Faults:    oktasim.FaultOptions{Seed: 7, ErrorRate: 0.15, DropRate: 0.1},
	}, clock, WithMaxRetries(4))
	const n = 120
	var (
		mu      sync.Mutex
		created = map[string]string{} // login -> id
		failed  []error
	)
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Go(func() {
			for i := w; i < n; i += 6 {
				login := fmt.Sprintf("fault%03d@example.com", i)
				u, _, err := c.Users.Create(context.Background(), CreateUserRequest{Profile: map[string]any{
					"login": login, "email": login, "firstName": "F", "lastName": "T"}}, true)
				mu.Lock()
				if err != nil {
					failed = append(failed, err)
				} else {
					created[login] = u.ID
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for _, err := range failed {
		var ae *APIError
		if !errors.Is(err, ErrOutcomeUnknown) && !errors.As(err, &ae) {
			t.Errorf("unexplained failure: %v", err)
		}
	}
	snap := sim.Snapshot()
	byLogin := map[string]int{}
	for _, u := range snap.Users {
		login, _ := u.Profile["login"].(string)
		byLogin[login]++
		if id, ok := created[login]; ok && id != u.ID {
			t.Errorf("%s: client has id %s, org %s", login, id, u.ID)
		}
	}
	for login, k := range byLogin {
		if k > 1 {
			t.Errorf("%s created %d times", login, k)
		}
	}
	for login := range created {
		if byLogin[login] != 1 {
			t.Errorf("%s reported created but not in the org", login)
		}
	}
	if len(created) < n*8/10 {
		t.Errorf("only %d of %d creates succeeded (%d failed)", len(created), n, len(failed))
	}
	st := sim.Stats()
	if st.FaultsInjected == 0 {
		t.Error("no faults were injected")
	}
	t.Logf("created %d, failed %d, faults %d, duplicate create attempts %d, client retries %d",
		len(created), len(failed), st.FaultsInjected, st.DuplicateCreateAttempts, c.Stats().Retries)

	// Reads are retried through faults.
	n2 := 0
	for _, err := range c.Users.List(context.Background(), &UserListOptions{Limit: 10}) {
		if err != nil {
			t.Fatalf("list through faults: %v", err)
		}
		n2++
	}
	if n2 != len(byLogin) {
		t.Errorf("listed %d users, org has %d", n2, len(byLogin))
	}
}

// TestSimulatorConcurrencyLimit checks that concurrency 429s are retried
// and lower the client's in-flight cap.
func TestSimulatorConcurrencyLimit(t *testing.T) {
	t.Parallel()
	sim, c := simOrg(t, oktasim.Options{
		RateLimit: oktasim.RateLimitOptions{Concurrency: 2},
		Faults:    oktasim.FaultOptions{Latency: 2 * time.Millisecond},
	}, nil, WithRateLimit(1, 8), WithMaxRetries(10))
	c.sleep = func(ctx context.Context, d time.Duration, wake <-chan struct{}) error {
		return sleepCtx(ctx, min(d, 5*time.Millisecond), wake)
	}
	seedUsers(t, sim, 1, func(int) string { return "ACTIVE" })
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 5 {
				if _, _, err := c.Users.Get(context.Background(), "seed0000@example.com"); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	st := sim.Stats()
	cs := c.Stats()
	if st.ConcurrencyLimited > 0 && cs.ConcurrencyCap >= 8 {
		t.Errorf("%d concurrency 429s but the cap is still %d", st.ConcurrencyLimited, cs.ConcurrencyCap)
	}
	t.Logf("concurrency 429s %d, cap now %d, retries %d", st.ConcurrencyLimited, cs.ConcurrencyCap, cs.Retries)
}

func benchClient(b *testing.B, sim *oktasim.Server) *Client {
	srv := httptest.NewServer(sim)
	b.Cleanup(srv.Close)
	c, err := NewClient(srv.URL, WithToken(simToken), WithInsecureHTTP(), WithRateLimit(1, 16))
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// TestSimulatorLifecycleInFlightAndMastered reads a user whose activation
// is still in flight (transitioningToStatus, 409 E0000112 on an update
// until it settles) and a user whose profile another system masters (403
// E0000023), as Okta shows them.
func TestSimulatorLifecycleInFlightAndMastered(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	sim, c := simOrg(t, oktasim.Options{LifecycleDelay: 2 * time.Minute, RateLimit: oktasim.RateLimitOptions{Disabled: true}},
		clock, WithMaxRetries(0))
	person := func(login string) map[string]any {
		return map[string]any{"login": login, "email": login, "firstName": "F", "lastName": "L"}
	}
	if err := sim.Seed(oktasim.Seed{Users: []oktasim.SeedUser{
		{Profile: person("stg@example.com"), Status: "STAGED"},
		{Profile: person("ad@example.com"), ProfileMaster: "ActiveDirectory"},
	}}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	read := func(login string) *BasicUser {
		t.Helper()
		for u, err := range c.Users.ListBasic(ctx, &UserListOptions{Filter: `profile.login eq "` + login + `"`}) {
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		t.Fatalf("no user %s", login)
		return nil
	}
	stg, ad := read("stg@example.com"), read("ad@example.com")
	if _, err := c.Users.Activate(ctx, stg.ID, false); err != nil {
		t.Fatal(err)
	}
	if u := read("stg@example.com"); u.Status != "STAGED" || u.TransitioningToStatus != "ACTIVE" {
		t.Errorf("user being activated: status %q, transitioningToStatus %q; want STAGED, ACTIVE", u.Status, u.TransitioningToStatus)
	}
	_, _, err := c.Users.Update(ctx, stg.ID, map[string]any{"title": "Lead"})
	if !IsLifecycleInProgress(err) || IsProfileMastered(err) {
		t.Errorf("update of a user being activated: %v; want 409 E0000112", err)
	}
	_, _, err = c.Users.Update(ctx, ad.ID, map[string]any{"title": "Lead"})
	if !IsProfileMastered(err) || IsLifecycleInProgress(err) {
		t.Errorf("update of a mastered user: %v; want 403 E0000023", err)
	}
	if _, err := c.Users.Suspend(ctx, ad.ID); err != nil {
		t.Errorf("suspend of a mastered user: %v; lifecycle calls still work", err)
	}

	if err := clock.sleep(ctx, 2*time.Minute, nil); err != nil {
		t.Fatal(err)
	}
	if u := read("stg@example.com"); u.Status != "PROVISIONED" || u.TransitioningToStatus != "" {
		t.Errorf("once settled: status %q, transitioningToStatus %q; want PROVISIONED and none", u.Status, u.TransitioningToStatus)
	}
	if _, _, err := c.Users.Update(ctx, stg.ID, map[string]any{"title": "Lead"}); err != nil {
		t.Errorf("update once the activation settled: %v", err)
	}
}
