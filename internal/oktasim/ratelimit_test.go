package oktasim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"
)

// TestBucketFor checks the bucket map against okta-api.md's table: only the
// exact by-id paths have their own buckets; deeper paths (lifecycle, a
// user's groups, member lists, memberships) fall in their collection's.
func TestBucketFor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		method, path, want, legacy string
	}{
		{"GET", "/api/v1/users", "users", "users"},
		{"POST", "/api/v1/users", "users", "users"},
		{"GET", "/api/v1/users/", "users", "users"},
		{"GET", "/api/v1/users/00u1", "user", "user"},
		{"GET", "/api/v1/users/jane%40example.com", "user", "user"},
		{"GET", "/api/v1/users/00u1/groups", "users", "user"},
		{"POST", "/api/v1/users/00u1", "user-write", "user-write"},
		{"PUT", "/api/v1/users/00u1", "user-write", "user-write"},
		{"DELETE", "/api/v1/users/00u1", "user-write", "user-write"},
		{"POST", "/api/v1/users/00u1/lifecycle/deactivate", "users", "user-write"},
		{"POST", "/api/v1/users/00u1/lifecycle/activate", "users", "user-write"},
		{"GET", "/api/v1/groups", "groups", "groups"},
		{"POST", "/api/v1/groups", "groups", "groups"},
		{"GET", "/api/v1/groups/00g1", "group", "group"},
		{"PUT", "/api/v1/groups/00g1", "group", "group"},
		{"DELETE", "/api/v1/groups/00g1", "group", "group"},
		{"PUT", "/api/v1/groups/00g1/users/00u1", "groups", "group"},
		{"DELETE", "/api/v1/groups/00g1/users/00u1", "groups", "group"},
		{"GET", "/api/v1/groups/00g1/users", "groups", "group"},
		{"GET", "/api/v1/apps", "apps", "other"},
		{"GET", "/api/v1/apps/0oa1", "app", "other"},
		{"PUT", "/api/v1/apps/0oa1/groups/00g1", "apps", "other"},
		{"GET", "/api/v1/logs", "logs", "logs"},
		{"GET", "/api/v1/meta/schemas/user/default", "other", "other"},
		{"POST", "/oauth2/v1/token", "token", "token"},
	}
	for _, tt := range tests {
		if got := bucketFor(tt.method, tt.path); got != tt.want {
			t.Errorf("bucketFor(%s %s) = %q, want %q", tt.method, tt.path, got, tt.want)
		}
		if got := legacyBucketFor(tt.method, tt.path); got != tt.legacy {
			t.Errorf("legacyBucketFor(%s %s) = %q, want %q", tt.method, tt.path, got, tt.legacy)
		}
	}
}

// TestBucketsShared checks over HTTP that memberships, member lists and
// group creates draw on one bucket, and lifecycle calls on the users
// bucket, while GET /api/v1/groups/{id} has its own.
func TestBucketsShared(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	e := newEnv(t, Options{Now: clock.Now, RateLimit: RateLimitOptions{Limits: map[string]int{"groups": 4, "users": 3}}})
	seedErr := e.sim.Seed(Seed{Users: []SeedUser{{ID: "00uSHARED00000000001", Profile: profile("s@example.com")}}})
	if seedErr != nil {
		t.Fatal(seedErr)
	}
	gid := e.createGroup("g")                                                                    // 1 of 4
	mustStatus(t, e.do("PUT", "/api/v1/groups/"+gid+"/users/00uSHARED00000000001", nil), 204)    // 2
	mustStatus(t, e.do("GET", "/api/v1/groups/"+gid+"/users", nil), 200)                         // 3
	mustStatus(t, e.do("DELETE", "/api/v1/groups/"+gid+"/users/00uSHARED00000000001", nil), 204) // 4
	r := e.do("GET", "/api/v1/groups", nil)
	mustStatus(t, r, 429)
	mustStatus(t, e.do("GET", "/api/v1/groups/"+gid, nil), 200)

	mustStatus(t, e.do("GET", "/api/v1/users", nil), 200)                                           // 1 of 3
	mustStatus(t, e.do("POST", "/api/v1/users/00uSHARED00000000001/lifecycle/suspend", nil), 200)   // 2
	mustStatus(t, e.do("GET", "/api/v1/users/00uSHARED00000000001/groups", nil), 200)               // 3
	mustStatus(t, e.do("POST", "/api/v1/users/00uSHARED00000000001/lifecycle/unsuspend", nil), 429) // over
	mustStatus(t, e.do("GET", "/api/v1/users/00uSHARED00000000001", nil), 200)
	if st := e.sim.Stats(); st.ByBucket["groups"] != 5 || st.ByBucket["users"] != 4 || st.ByBucket["group"] != 1 {
		t.Errorf("by bucket %v", st.ByBucket)
	}

	// The legacy map keeps memberships in the group bucket.
	l := newEnv(t, Options{Now: clock.Now, RateLimit: RateLimitOptions{LegacyBuckets: true, Limits: map[string]int{"groups": 1}}})
	lg := l.createGroup("g")
	mustStatus(t, l.do("GET", "/api/v1/groups/"+lg+"/users", nil), 200)
	mustStatus(t, l.do("GET", "/api/v1/groups", nil), 429)
}

func rateHeaders(t *testing.T, r resp) (limit, remaining int, reset int64) {
	t.Helper()
	var err error
	if limit, err = strconv.Atoi(r.header.Get("X-Rate-Limit-Limit")); err != nil {
		t.Fatalf("X-Rate-Limit-Limit: %v", err)
	}
	if remaining, err = strconv.Atoi(r.header.Get("X-Rate-Limit-Remaining")); err != nil {
		t.Fatalf("X-Rate-Limit-Remaining: %v", err)
	}
	if reset, err = strconv.ParseInt(r.header.Get("X-Rate-Limit-Reset"), 10, 64); err != nil {
		t.Fatalf("X-Rate-Limit-Reset: %v", err)
	}
	return limit, remaining, reset
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	e := newEnv(t, Options{Now: clock.Now, RateLimit: RateLimitOptions{Limits: map[string]int{"users": 3, "user": 100}}})
	start := clock.Now()
	for i := range 3 {
		r := e.do("GET", "/api/v1/users", nil)
		mustStatus(t, r, 200)
		limit, remaining, reset := rateHeaders(t, r)
		if limit != 3 || remaining != 2-i || reset != start.Add(time.Minute).Unix() {
			t.Errorf("request %d: limit %d remaining %d reset %d", i, limit, remaining, reset)
		}
	}
	// POST /api/v1/users shares the bucket.
	r := e.do("POST", "/api/v1/users", map[string]any{"profile": profile("rl@example.com")})
	mustStatus(t, r, 429)
	if r.errorCode(t) != "E0000047" {
		t.Errorf("429 body %s", r.body)
	}
	if _, remaining, _ := rateHeaders(t, r); remaining != 0 {
		t.Errorf("remaining %d on a 429", remaining)
	}
	date, err := http.ParseTime(r.header.Get("Date"))
	if err != nil || !date.Equal(start) {
		t.Errorf("Date %q does not follow the org clock %v", r.header.Get("Date"), start)
	}
	// Another bucket is unaffected.
	r = e.do("GET", "/api/v1/users/00unope", nil)
	mustStatus(t, r, 404)
	if limit, _, _ := rateHeaders(t, r); limit != 100 {
		t.Errorf("user bucket limit %d, want 100", limit)
	}
	// A new window opens after the reset.
	clock.Advance(time.Minute)
	mustStatus(t, e.do("GET", "/api/v1/users", nil), 200)

	st := e.sim.Stats()
	if st.RateLimited != 1 || st.ByBucket["users"] != 5 || st.ByRoute["POST /api/v1/users"][429] != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestRateLimitScaleAndDisabled(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{RateLimit: RateLimitOptions{Window: time.Second, Scale: 1.0 / 60}})
	r := e.do("GET", "/api/v1/logs", nil)
	if limit, _, _ := rateHeaders(t, r); limit != 2 {
		t.Errorf("logs limit %d, want 120/60 = 2", limit)
	}
	d := newEnv(t, Options{RateLimit: RateLimitOptions{Disabled: true, Limits: map[string]int{"users": 1}}})
	for range 5 {
		mustStatus(t, d.do("GET", "/api/v1/users", nil), 200)
	}
	for _, bad := range []RateLimitOptions{
		{Limits: map[string]int{"nope": 3}},
		{Limits: map[string]int{"users": 0}},
		{Window: -time.Second},
		{TokenShare: 1.5},
	} {
		if _, err := New(Options{Tokens: []string{"t"}, RateLimit: bad}); err == nil {
			t.Errorf("New accepted %+v", bad)
		}
	}
}

func TestSimEndpoints(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	id := e.createUser("stats@example.com")
	e.do("GET", "/api/v1/users/"+id, nil)
	e.do("POST", "/api/v1/users/"+id+"/lifecycle/suspend", nil)
	e.do("GET", "/api/v1/nothing-here", nil)

	r := e.doAuth("GET", "/sim/stats", nil, "")
	mustStatus(t, r, 200)
	var st Stats
	r.json(t, &st)
	want := map[string]map[int]int{
		"POST /api/v1/users":                        {200: 1},
		"GET /api/v1/users/{id}":                    {200: 1},
		"POST /api/v1/users/{id}/lifecycle/suspend": {200: 1},
		"GET (unmatched)":                           {404: 1},
	}
	for route, byStatus := range want {
		for status, n := range byStatus {
			if st.ByRoute[route][status] != n {
				t.Errorf("ByRoute[%q][%d] = %d, want %d (%v)", route, status, st.ByRoute[route][status], n, st.ByRoute)
			}
		}
	}
	if st.Requests != 4 || st.Writes != 2 || st.UsersCreated != 1 || st.MaxInFlight < 1 {
		t.Errorf("stats %+v", st)
	}

	r = e.doAuth("GET", "/sim/state", nil, "")
	mustStatus(t, r, 200)
	var snap Snapshot
	r.json(t, &snap)
	if len(snap.Users) != 1 || snap.Users[0].Status != "SUSPENDED" {
		t.Errorf("state %s", r.body)
	}

	mustStatus(t, e.doAuth("POST", "/sim/stats/reset", nil, ""), 204)
	if st := e.sim.Stats(); st.Requests != 0 || len(st.ByRoute) != 0 {
		t.Errorf("after reset %+v", st)
	}
	mustStatus(t, e.doAuth("GET", "/sim/nope", nil, ""), 404)
}

func TestSeedAndSnapshot(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	seed := Seed{
		Groups: []SeedGroup{{Name: "Ops", Description: "Operations"}, {ID: "00gAPPGROUP000000001", Name: "AD", Type: "APP_GROUP"}},
		Users: []SeedUser{
			{Profile: profile("zed@example.com"), Groups: []string{"ops", "New Team"}},
			{ID: "00uSEEDED00000000001", Status: "STAGED", Profile: profile("amy@example.com"), Groups: []string{"AD"}},
		},
	}
	if err := e.sim.Seed(seed); err != nil {
		t.Fatal(err)
	}
	snap := e.sim.Snapshot()
	b, _ := json.Marshal(snap)
	if len(snap.Users) != 2 || snap.Users[0].ID != "00uSEEDED00000000001" || snap.Users[0].Status != "STAGED" {
		t.Fatalf("snapshot users %s", b)
	}
	if got := fmt.Sprint(snap.Users[1].Groups); got != "[Everyone New Team Ops]" {
		t.Errorf("zed's groups %s", got)
	}
	var names []string
	for _, g := range snap.Groups {
		names = append(names, g.Name+":"+g.Type+":"+fmt.Sprint(g.Members))
	}
	want := "[AD:APP_GROUP:[amy@example.com] Everyone:BUILT_IN:[amy@example.com zed@example.com] New Team:OKTA_GROUP:[zed@example.com] Ops:OKTA_GROUP:[zed@example.com]]"
	if fmt.Sprint(names) != want {
		t.Errorf("groups %v\nwant %s", names, want)
	}
	// A snapshot is a copy.
	snap.Users[0].Profile["login"] = "changed"
	if e.sim.Snapshot().Users[0].Profile["login"] != "amy@example.com" {
		t.Errorf("snapshot shares the org's profile")
	}

	bad := []Seed{
		{Users: []SeedUser{{Profile: map[string]any{"email": "x"}}}},
		{Users: []SeedUser{{Profile: profile("zed@example.com")}}},
		{Users: []SeedUser{{Status: "WEIRD", Profile: profile("w@example.com")}}},
		{Groups: []SeedGroup{{Name: "everyone"}}},
		{Groups: []SeedGroup{{Name: "b", Type: "BUILT_IN"}}},
		{Users: []SeedUser{{ID: "00uSEEDED00000000001", Profile: profile("q@example.com")}}},
	}
	for i, s := range bad {
		if err := e.sim.Seed(s); err == nil {
			t.Errorf("bad seed %d accepted", i)
		}
	}
	if n := len(e.sim.Snapshot().Users); n != 2 {
		t.Errorf("a refused seed changed the org: %d users", n)
	}
}

func TestLoadSeedFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := dir + "/seed.json"
	bad := dir + "/bad.json"
	writeFile(t, good, `{"groups":[{"name":"G"}],"users":[{"profile":{"login":"a@example.com","email":"a@example.com","firstName":"A","lastName":"B"},"groups":["G"]}]}`)
	writeFile(t, bad, `{"users":[{"profile":{},"unknownField":1}]}`)
	seed, err := LoadSeedFile(good)
	if err != nil || len(seed.Users) != 1 || seed.Users[0].Groups[0] != "G" {
		t.Errorf("LoadSeedFile: %+v, %v", seed, err)
	}
	if _, err := LoadSeedFile(bad); err == nil {
		t.Errorf("unknown field accepted")
	}
	if _, err := LoadSeedFile(dir + "/missing.json"); err == nil {
		t.Errorf("missing file accepted")
	}
}

// TestHammer sends many concurrent mixed requests; run with -race. The org
// stays consistent: every membership is mirrored on both sides.
func TestHammer(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{RateLimit: RateLimitOptions{Disabled: true}})
	var groups []string
	for i := range 5 {
		groups = append(groups, e.createGroup(fmt.Sprintf("h%d", i)))
	}
	const workers, perWorker = 16, 25
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				login := fmt.Sprintf("h%d-%d@example.com", w, i%10)
				r := e.do("POST", "/api/v1/users?activate=true", map[string]any{"profile": profile(login)})
				var id string
				if r.status == 200 {
					id = r.obj(t)["id"].(string)
				} else {
					id = e.do("GET", "/api/v1/users/"+login, nil).obj(t)["id"].(string)
				}
				g := groups[(w+i)%len(groups)]
				switch i % 5 {
				case 0:
					e.do("PUT", "/api/v1/groups/"+g+"/users/"+id, nil)
				case 1:
					e.do("POST", "/api/v1/users/"+id, map[string]any{"profile": map[string]any{"n": float64(i)}})
				case 2:
					e.do("DELETE", "/api/v1/groups/"+g+"/users/"+id, nil)
				case 3:
					e.listAll("/api/v1/groups/" + g + "/users?limit=3")
				case 4:
					e.do("DELETE", "/api/v1/users/"+id, nil)
				}
				e.do("GET", "/api/v1/users?limit=5", nil)
			}
		}()
	}
	wg.Wait()

	e.sim.mu.Lock()
	defer e.sim.mu.Unlock()
	for gid, g := range e.sim.groups {
		for uid := range g.members {
			if _, ok := e.sim.users[uid].groups[gid]; !ok {
				t.Errorf("membership %s in %s not mirrored on the user", uid, gid)
			}
		}
	}
	for uid, u := range e.sim.users {
		for gid := range u.groups {
			if _, ok := e.sim.groups[gid].members[uid]; !ok {
				t.Errorf("membership %s in %s not mirrored on the group", uid, gid)
			}
		}
		if e.sim.logins[lower(u.login())] != uid {
			t.Errorf("login index broken for %s", uid)
		}
	}
	if len(e.sim.userOrder) != len(e.sim.users) {
		t.Errorf("user order holds %d ids for %d users", len(e.sim.userOrder), len(e.sim.users))
	}
	st := e.sim.Stats()
	if st.MaxInFlight < 2 {
		t.Logf("max in flight %d", st.MaxInFlight)
	}
}

// TestHeaderModes checks both readings of X-Rate-Limit-Limit: the caller's
// share (token mode), or the org's bucket with the share as a hidden
// ceiling (org mode), where a 429 can come while Remaining shows room.
func TestHeaderModes(t *testing.T) {
	t.Parallel()
	const a, b, c = "token-a-000000000000000000000", "token-b-000000000000000000000", "token-c-000000000000000000000"
	opts := func(mode string) Options {
		return Options{Tokens: []string{a, b, c}, Now: newFakeClock().Now,
			RateLimit: RateLimitOptions{HeaderMode: mode, TokenShare: 0.5, Limits: map[string]int{"users": 10}}}
	}
	get := func(e *env, tok string) resp {
		return e.doAuth("GET", "/api/v1/users", nil, "SSWS "+tok)
	}
	t.Run("token", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, opts(""))
		for i := range 5 {
			r := get(e, a)
			mustStatus(t, r, 200)
			if limit, remaining, _ := rateHeaders(t, r); limit != 5 || remaining != 4-i {
				t.Errorf("request %d: limit %d remaining %d, want 5 and %d", i, limit, remaining, 4-i)
			}
		}
		r := get(e, a)
		mustStatus(t, r, 429)
		if limit, remaining, _ := rateHeaders(t, r); limit != 5 || remaining != 0 {
			t.Errorf("429: limit %d remaining %d", limit, remaining)
		}
	})
	t.Run("org", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, opts(HeaderOrg))
		for i := range 5 {
			r := get(e, a)
			mustStatus(t, r, 200)
			if limit, remaining, _ := rateHeaders(t, r); limit != 10 || remaining != 9-i {
				t.Errorf("request %d: limit %d remaining %d, want 10 and %d", i, limit, remaining, 9-i)
			}
		}
		// Token a has spent its hidden share: 429 while the org has room.
		r := get(e, a)
		mustStatus(t, r, 429)
		if limit, remaining, _ := rateHeaders(t, r); limit != 10 || remaining != 5 {
			t.Errorf("429 over the share: limit %d remaining %d, want 10 and 5", limit, remaining)
		}
		for i := range 5 {
			r := get(e, b)
			mustStatus(t, r, 200)
			if _, remaining, _ := rateHeaders(t, r); remaining != 4-i {
				t.Errorf("token b request %d: remaining %d, want %d", i, remaining, 4-i)
			}
		}
		// The org's bucket is spent: a fresh token is refused too.
		r = get(e, c)
		mustStatus(t, r, 429)
		if _, remaining, _ := rateHeaders(t, r); remaining != 0 {
			t.Errorf("429 on a spent bucket: remaining %d", remaining)
		}
	})
	if _, err := New(Options{Tokens: []string{a}, RateLimit: RateLimitOptions{HeaderMode: "nope"}}); err == nil {
		t.Error("New accepted header mode nope")
	}
}

// TestTwoResetLines checks the second X-Rate-Limit-Reset line: a later one
// first, then the bucket's own, which is when a new window opens.
func TestTwoResetLines(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	e := newEnv(t, Options{Now: clock.Now, RateLimit: RateLimitOptions{TwoResetLines: true, Limits: map[string]int{"users": 1}}})
	start := clock.Now()
	mustStatus(t, e.do("GET", "/api/v1/users", nil), 200)
	r := e.do("GET", "/api/v1/users", nil)
	mustStatus(t, r, 429)
	lines := r.header.Values("X-Rate-Limit-Reset")
	want := []string{fmt.Sprint(start.Add(2 * time.Minute).Unix()), fmt.Sprint(start.Add(time.Minute).Unix())}
	if fmt.Sprint(lines) != fmt.Sprint(want) {
		t.Fatalf("X-Rate-Limit-Reset lines %q, want %q", lines, want)
	}
	clock.Advance(time.Minute) // the earliest reset
	mustStatus(t, e.do("GET", "/api/v1/users", nil), 200)

	one := newEnv(t, Options{Now: clock.Now})
	if n := len(one.do("GET", "/api/v1/users", nil).header.Values("X-Rate-Limit-Reset")); n != 1 {
		t.Errorf("%d X-Rate-Limit-Reset lines without the switch", n)
	}
}
