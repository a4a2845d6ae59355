package reconcile

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oktasync/oktasync/internal/config"
	"github.com/oktasync/oktasync/internal/diff"
	"github.com/oktasync/oktasync/internal/directory"
	"github.com/oktasync/oktasync/internal/okta"
	"github.com/oktasync/oktasync/internal/oktasim"
	"github.com/oktasync/oktasync/internal/source"
	"github.com/oktasync/oktasync/internal/state"
)

const testToken = "reconcile-test-token-7d1"

// harness is an in-process simulator and the parts of a run that syncs a
// CSV into it. Tests change the settings, policy and mapping before a run.
type harness struct {
	sim *oktasim.Server
	url string
	dir string

	set        Settings
	policy     diff.Policy
	mapping    config.Mapping
	maxRetries int
}

func newHarness(t *testing.T, simOpts oktasim.Options, seed oktasim.Seed, csv string) *harness {
	t.Helper()
	simOpts.Tokens = append([]string{testToken}, simOpts.Tokens...)
	sim, err := oktasim.New(simOpts)
	if err != nil {
		t.Fatal(err)
	}
	// The harness's org has employeeType added to its profile schema, as an
	// org fed from an HR system has: the scope, hrUser and header use it. On
	// a new org it is a custom attribute, which the simulator, as Okta,
	// refuses until declared.
	seed.CustomAttributes = append([]string{"employeeType"}, seed.CustomAttributes...)
	if err := sim.Seed(seed); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	h := &harness{
		sim:        sim,
		url:        srv.URL,
		dir:        t.TempDir(),
		set:        Settings{Org: "org.test", ConfigDigest: "test", Scope: Scope{Users: `profile.employeeType eq "hr"`}},
		policy:     diff.DefaultPolicy(),
		mapping:    config.Default().Mapping,
		maxRetries: config.DefaultMaxRetries,
	}
	h.writeCSV(t, csv)
	return h
}

func (h *harness) writeCSV(t *testing.T, csv string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(h.dir, "users.csv"), []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
}

// client returns a client of the simulator.
func (h *harness) client(t *testing.T) *okta.Client {
	t.Helper()
	c, err := okta.NewClient(h.url, okta.WithToken(testToken), okta.WithInsecureHTTP(), okta.WithMaxRetries(h.maxRetries),
		okta.WithRateLimit(config.DefaultMaxShare, config.DefaultMaxConcurrency))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// source returns the reader of the harness's CSV with its mapping, and
// its groups.csv when a test wrote one.
func (h *harness) source() source.Reader {
	src := config.CSVSource{Users: filepath.Join(h.dir, "users.csv")}
	if _, err := os.Stat(filepath.Join(h.dir, "groups.csv")); err == nil {
		src.Groups = filepath.Join(h.dir, "groups.csv")
	}
	return source.NewCSV(src, source.WithMapping(h.mapping))
}

// runner returns a Runner with the harness's parts, as they are now.
func (h *harness) runner(t *testing.T) *Runner {
	t.Helper()
	set := h.set
	set.Schema = SchemaHints{Mapped: make(map[string]string), Suggest: config.Suggest}
	for _, r := range h.mapping.Attributes {
		set.Schema.Mapped[r.Attribute] = r.Where
	}
	stateURL := "sqlite://" + filepath.Join(h.dir, "state.db")
	return New(set, Parts{
		Source: h.source(),
		Okta:   h.client(t),
		OpenStore: func(ctx context.Context) (Store, error) {
			return state.Open(ctx, stateURL, state.Options{AutoMigrate: true})
		},
		Policy: h.policy,
	})
}

func (h *harness) run(t *testing.T, dryRun bool) (*Report, error) {
	t.Helper()
	return h.runner(t).Run(context.Background(), Options{DryRun: dryRun})
}

// fetch reads the source and Okta's state as a run would, without planning.
func (h *harness) fetch(t *testing.T) (*directory.Directory, *Current) {
	t.Helper()
	desired, err := h.source().Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	cur, err := newOktaReader(h.client(t), desired, h.set.Scope, nil, nil, nil).read(context.Background(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return desired, cur
}

func (h *harness) user(t *testing.T, login string) oktasim.SnapshotUser {
	t.Helper()
	for _, u := range h.sim.Snapshot().Users {
		if strings.EqualFold(u.Profile["login"].(string), login) {
			return u
		}
	}
	t.Fatalf("no Okta user %s", login)
	return oktasim.SnapshotUser{}
}

func hrUser(login string, groups ...string) oktasim.SeedUser {
	return oktasim.SeedUser{
		Profile: map[string]any{"login": login, "email": login, "firstName": "F", "lastName": "L", "employeeType": "hr"},
		Groups:  groups,
	}
}

const header = "login,email,firstName,lastName,employeeType,groups\n"

// A source user who exists in Okta outside the scope is neither created
// again nor changed; an unmanaged member of a managed group who is not in the
// source loses that membership but nothing else.
func TestOutsideScope(t *testing.T) {
	contractor := oktasim.SeedUser{Profile: map[string]any{"login": "con@example.com", "email": "con@example.com", "firstName": "C", "lastName": "On", "employeeType": "contractor"}}
	visitor := oktasim.SeedUser{Profile: map[string]any{"login": "Vis@Example.com", "email": "vis@example.com", "firstName": "V", "lastName": "Is", "employeeType": "contractor"}, Groups: []string{"Team"}}
	h := newHarness(t, oktasim.Options{}, oktasim.Seed{
		Groups: []oktasim.SeedGroup{{Name: "Team"}},
		Users:  []oktasim.SeedUser{hrUser("a@example.com", "Team"), contractor, visitor},
	}, header+
		"a@example.com,a@example.com,F,L,hr,Team\n"+
		"con@example.com,con@example.com,Changed,Name,hr,Team\n")

	rep, err := h.run(t, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range rep.Operations {
		if op.Login == "con@example.com" && op.Action != diff.AddMember {
			t.Errorf("unmanaged source user got %s", op.Action)
		}
	}
	// The member outside the scope is known only from the group's member
	// list: its removal carries the id and the login as Okta spells it.
	if !slices.ContainsFunc(rep.Operations, func(op OperationReport) bool {
		return op.Action == diff.RemoveMember && op.Login == "Vis@Example.com" && op.UserID != ""
	}) {
		t.Errorf("no removal of Vis@Example.com from Team with its id: %+v", rep.Operations)
	}
	if !slices.ContainsFunc(rep.Warnings, func(w string) bool { return strings.Contains(w, "con@example.com") }) {
		t.Errorf("no warning about the user outside the scope: %q", rep.Warnings)
	}
	if st := h.sim.Stats(); st.UsersCreated != 0 || st.DuplicateCreateAttempts != 0 {
		t.Errorf("creates: %d, duplicates: %d", st.UsersCreated, st.DuplicateCreateAttempts)
	}
	if u := h.user(t, "con@example.com"); u.Profile["firstName"] != "C" || u.Profile["employeeType"] != "contractor" {
		t.Errorf("unmanaged user changed: %v", u.Profile)
	}
	if u := h.user(t, "vis@example.com"); u.Status != "ACTIVE" || slices.Contains(u.Groups, "Team") {
		t.Errorf("unmanaged member: %s in %v, want ACTIVE and out of Team", u.Status, u.Groups)
	}
}

// A user oktasync created is managed even when the scope search does not
// return it (its profile lacks the scope attribute): it is found by login,
// never created twice, and deactivated when it leaves the source. It is
// found so even while Okta's search index has not caught up with its
// creation (here it lags for an hour) and filter values are case-sensitive:
// the look-up by filter, strongly consistent, comes before the one by
// search.
func TestOwnedOutsideScope(t *testing.T) {
	for name, opts := range map[string]oktasim.Options{
		"lenient":                            {},
		"search lags, case-sensitive filter": {CaseSensitiveFilter: true, SearchLag: time.Hour},
	} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, opts, oktasim.Seed{Users: []oktasim.SeedUser{hrUser("a@example.com")}},
				"login,email,firstName,lastName\na@example.com,a@example.com,F,L\nnew@example.com,new@example.com,N,Ew\n")
			if _, err := h.run(t, false); err != nil {
				t.Fatal(err)
			}
			h.wantEmptyPlan(t)
			h.writeCSV(t, "login,email,firstName,lastName\na@example.com,a@example.com,F,L\n")
			rep, err := h.run(t, false)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Summary.Users.Deactivate != 1 {
				t.Fatalf("summary %+v, want the owned user deactivated", rep.Summary)
			}
			if u := h.user(t, "new@example.com"); u.Status != "DEPROVISIONED" {
				t.Errorf("owned leaver is %s", u.Status)
			}
			if st := h.sim.Stats(); st.UsersCreated != 1 || st.DuplicateCreateAttempts != 0 {
				t.Errorf("creates: %d, duplicates: %d", st.UsersCreated, st.DuplicateCreateAttempts)
			}
		})
	}
}

// When Okta cannot be read, the run stops before any write.
func TestFailedReadWritesNothing(t *testing.T) {
	h := newHarness(t, oktasim.Options{Faults: oktasim.FaultOptions{Seed: 1, ErrorRate: 1}},
		oktasim.Seed{Users: []oktasim.SeedUser{hrUser("gone@example.com")}},
		header+"a@example.com,a@example.com,F,L,hr,Team\n")
	h.maxRetries = 1
	if _, err := h.run(t, false); err == nil {
		t.Fatal("run succeeded against an org that answers every call with 500")
	}
	if st := h.sim.Stats(); st.Writes != 0 {
		t.Fatalf("%d writes after failed reads", st.Writes)
	}
}

// A bad source stops the run before Okta is even called.
func TestBadSourceCallsNothing(t *testing.T) {
	h := newHarness(t, oktasim.Options{}, oktasim.Seed{Users: []oktasim.SeedUser{hrUser("a@example.com")}},
		header+"a@example.com,a@example.com,F,L,hr,Team\nA@example.com,x@example.com,F,L,hr,Team\n")
	_, err := h.run(t, false)
	if err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("err = %v, want a duplicate-login error naming line 3", err)
	}
	if st := h.sim.Stats(); st.Requests != 0 {
		t.Fatalf("%d requests reached Okta", st.Requests)
	}
}

// An empty source is blocked: nothing is deactivated.
func TestEmptySourceBlocked(t *testing.T) {
	h := newHarness(t, oktasim.Options{}, oktasim.Seed{Users: []oktasim.SeedUser{hrUser("a@example.com"), hrUser("b@example.com")}}, header)
	rep, err := h.run(t, false)
	if !errors.Is(err, ErrBlocked) {
		t.Fatalf("err = %v, want ErrBlocked", err)
	}
	if !rep.Blocked || len(rep.Blocks) == 0 {
		t.Fatalf("report not blocked: %+v", rep)
	}
	if st := h.sim.Stats(); st.Writes != 0 {
		t.Fatalf("%d writes from a blocked plan", st.Writes)
	}
}

// Members of a protected group are never deactivated or removed, even when
// managed and absent from the source; the protected group's members are read
// to know who they are.
func TestProtectedGroup(t *testing.T) {
	h := newHarness(t, oktasim.Options{}, oktasim.Seed{
		Groups: []oktasim.SeedGroup{{Name: "Team"}, {Name: "Break Glass"}},
		Users: []oktasim.SeedUser{
			hrUser("a@example.com", "Team"),
			hrUser("admin@example.com", "Team", "Break Glass"),
			hrUser("leaver@example.com", "Team"),
		},
	}, header+"a@example.com,a@example.com,F,L,hr,Team\n")
	h.policy.ProtectGroups = []string{"Break Glass"}
	h.policy.Safety.MaxDeactivations = diff.Limit{Count: -1}
	h.policy.Safety.MaxMembershipRemovals = diff.Limit{Count: -1}
	rep, err := h.run(t, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range rep.Operations {
		if op.Login == "admin@example.com" {
			t.Errorf("protected user got %s", op.Action)
		}
	}
	if u := h.user(t, "admin@example.com"); u.Status != "ACTIVE" || !slices.Contains(u.Groups, "Team") {
		t.Errorf("protected user: %s in %v", u.Status, u.Groups)
	}
	if u := h.user(t, "leaver@example.com"); u.Status != "DEPROVISIONED" {
		t.Errorf("leaver is %s", u.Status)
	}
}

// With scope.groups.search and groups.deleteUnlisted, an OKTA_GROUP in that
// scope that the source does not name is deleted; others are not.
func TestDeleteUnlistedScopedGroups(t *testing.T) {
	h := newHarness(t, oktasim.Options{}, oktasim.Seed{
		Groups: []oktasim.SeedGroup{{Name: "Team", Description: "hr: team"}, {Name: "Old", Description: "hr: old"}, {Name: "Other", Description: "manual"}},
		Users:  []oktasim.SeedUser{hrUser("a@example.com", "Team")},
	}, header+"a@example.com,a@example.com,F,L,hr,Team\n")
	h.set.Scope.GroupSearch = `profile.description sw "hr:"`
	h.policy.DeleteUnlistedGroups = true
	rep, err := h.run(t, false)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Summary.Groups.Delete != 1 {
		t.Fatalf("summary %+v, want one group deleted", rep.Summary.Groups)
	}
	names := map[string]bool{}
	for _, g := range h.sim.Snapshot().Groups {
		names[g.Name] = true
	}
	if names["Old"] || !names["Other"] || !names["Team"] {
		t.Fatalf("groups after run: %v", names)
	}
}

// A user whose Okta profile holds the source's values shares the source's
// stored profile (this is most of a large org's memory), whatever the JSON
// types Okta's answer decodes to; a user whose values differ keeps its own.
func TestFetchSharesEqualProfiles(t *testing.T) {
	same := hrUser("same@example.com")
	same.Profile["employeeNumber"] = 42 // read back from JSON as 42.0
	same.Profile["tags"] = []string{"a", "b"}
	other := hrUser("other@example.com")
	other.Profile["employeeNumber"] = 43
	h := newHarness(t, oktasim.Options{}, oktasim.Seed{CustomAttributes: []string{"tags:array"}, Users: []oktasim.SeedUser{same, other}},
		"login,email,firstName,lastName,employeeType,employeeNumber,tags\n"+
			"same@example.com,same@example.com,F,L,hr,42,a;b\n"+
			"other@example.com,other@example.com,F,L,hr,42,a;b\n")
	h.mapping.Attributes = []config.AttributeMapping{
		{Attribute: "employeeNumber", From: "employeeNumber", Type: "integer"},
		{Attribute: "tags", From: "tags", Type: "stringArray"},
	}
	desired, cur := h.fetch(t)
	if d, c := desired.Users["same@example.com"].Profile, cur.Dir.Users["same@example.com"].Profile; !c.Shares(d) {
		t.Errorf("equal profiles are stored twice:\nsource %v\nOkta   %v", d, c)
	}
	if d, c := desired.Users["other@example.com"].Profile, cur.Dir.Users["other@example.com"].Profile; c.Shares(d) || c.Value("employeeNumber") != int64(43) {
		t.Errorf("a differing profile: shared %v, employeeNumber %v", c.Shares(d), c.Value("employeeNumber"))
	}
}

// Okta profiles hold only the attributes the source has (and the required
// ones) once read: others are never compared, so they are not kept.
func TestFetchKeepsSourceAttributesOnly(t *testing.T) {
	u := hrUser("a@example.com")
	u.Profile["costCenter"] = "CC-9"
	u.Profile["title"] = "Old"
	h := newHarness(t, oktasim.Options{}, oktasim.Seed{Users: []oktasim.SeedUser{u}},
		"login,email,firstName,lastName,title\na@example.com,a@example.com,F,L,New\n")
	_, cur := h.fetch(t)
	got := cur.Dir.Users["a@example.com"].Profile.Map()
	if _, ok := got["costCenter"]; ok {
		t.Errorf("kept an attribute the source does not have: %v", got)
	}
	if got["title"] != "Old" || got["login"] != "a@example.com" || got["email"] == nil {
		t.Errorf("profile read = %v", got)
	}
	// The attribute left out stays in Okta after a sync.
	if _, err := h.run(t, false); err != nil {
		t.Fatal(err)
	}
	if p := h.user(t, "a@example.com").Profile; p["costCenter"] != "CC-9" || p["title"] != "New" {
		t.Errorf("after sync: %v", p)
	}
}

// The run record counts every action the plan has, suspensions too.
func TestRunRecordCountsEveryAction(t *testing.T) {
	sus := hrUser("sus@example.com")
	sus.Status = "SUSPENDED"
	h := newHarness(t, oktasim.Options{}, oktasim.Seed{Users: []oktasim.SeedUser{hrUser("a@example.com"), sus}},
		"login,email,firstName,lastName,employeeType,status\n"+
			"a@example.com,a@example.com,F,L,hr,SUSPENDED\n"+
			"sus@example.com,sus@example.com,F,L,hr,ACTIVE\n")
	rep, err := h.run(t, false)
	if err != nil {
		t.Fatal(err)
	}
	store, err := state.Open(context.Background(), "sqlite://"+filepath.Join(h.dir, "state.db"), state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	runs, err := store.Runs(context.Background(), h.set.Org, 1)
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs = %v, %v", runs, err)
	}
	got := runs[0].Counts
	if got["users.suspend"] != 1 || got["users.unsuspend"] != 1 || got["applied"] != 2 || runs[0].ID != rep.RunID {
		t.Errorf("run #%d counts %v, want one suspend, one unsuspend, two applied (report: run #%d)", runs[0].ID, got, rep.RunID)
	}
}

// Plan and Apply are separate steps: a plan made in a dry run is never
// applied; a saved plan is verified and applied once.
func TestPlanVerifyApply(t *testing.T) {
	h := newHarness(t, oktasim.Options{}, oktasim.Seed{Users: []oktasim.SeedUser{hrUser("a@example.com")}},
		header+"a@example.com,a@example.com,F,L,hr,Team\nb@example.com,b@example.com,F,L,hr,Team\n")
	r := h.runner(t)
	ctx := context.Background()

	dry, err := r.Plan(ctx, Options{DryRun: true, SavePlan: true})
	if err != nil {
		t.Fatal(err)
	}
	defer dry.Close()
	if _, err := r.Apply(ctx, dry, Options{}); !errors.Is(err, errDryRunPlan) {
		t.Fatalf("Apply of a dry run's plan: %v", err)
	}
	if st := h.sim.Stats(); st.Writes != 0 {
		t.Fatalf("%d writes from a dry run's plan", st.Writes)
	}
	if dry.Saved == nil || len(dry.Saved.Plan.Operations) != 5 {
		t.Fatalf("saved plan %+v, want create-group, create-user, activate-user, two add-members", dry.Saved)
	}

	p, err := r.Verify(ctx, dry.Saved, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := r.Apply(ctx, p, Options{})
	p.Close()
	if err != nil || rep.Applied != 5 || rep.DryRun {
		t.Fatalf("apply: %v, %+v", err, rep)
	}
	// Applied once, the plan is found already applied, and applies nothing.
	p, err = r.Verify(ctx, dry.Saved, Options{})
	defer p.Close()
	if err != nil || !p.Report().AlreadyApplied || len(p.Report().Warnings) != 0 {
		t.Fatalf("second verify: %v, report %+v", err, p.Report())
	}
	writes := h.sim.Stats().Writes
	if rep, err := r.Apply(ctx, p, Options{}); err != nil || rep.Applied != 0 || h.sim.Stats().Writes != writes {
		t.Fatalf("apply of an applied plan: %v, %+v, %d writes", err, rep, h.sim.Stats().Writes-writes)
	}
}

// Observe is handed the source's and Okta's directories once the plan is
// made.
func TestObserveSeesBothDirectories(t *testing.T) {
	h := newHarness(t, oktasim.Options{}, oktasim.Seed{
		Users: []oktasim.SeedUser{hrUser("a@example.com")},
	}, header+"a@example.com,a@example.com,F,L,hr,\nb@example.com,b@example.com,F,L,hr,\n")
	var desired, current *directory.Directory
	_, err := h.runner(t).Run(context.Background(), Options{DryRun: true, Observe: func(d, c *directory.Directory, _ bool) {
		desired, current = d, c
	}})
	if err != nil {
		t.Fatal(err)
	}
	if desired == nil || len(desired.Users) != 2 || current == nil || len(current.Users) != 1 {
		t.Fatalf("Observe saw desired %v, current %v; want 2 source users and 1 Okta user", desired, current)
	}
	if u := current.Users["a@example.com"]; u == nil || u.ID == "" {
		t.Errorf("Okta's user has no id: %+v", u)
	}
}
