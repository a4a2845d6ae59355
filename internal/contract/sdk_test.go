package contract

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	sdk "github.com/okta/okta-sdk-golang/v5/okta"

	"github.com/oktasync/oktasync/internal/oktasim"
)

// portRedirect returns a transport that sends connections for host:80 (the
// port the SDK falls back to, since it drops the port from the org URL) to
// the simulator's real address.
func portRedirect(host, realAddr string) *http.Transport {
	d := &net.Dialer{}
	return &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if addr == net.JoinHostPort(host, "80") {
				addr = realAddr
			}
			return d.DialContext(ctx, network, addr)
		},
	}
}

// sdkHarness is a simulated org and the official Okta Go SDK (v5) wired to
// it. When Okta's specification is at hand, every SDK exchange is also
// validated against it.
type sdkHarness struct {
	sim    *oktasim.Server
	client *sdk.APIClient
	rec    *recorder // nil without the specification
}

// newSDKHarness starts a simulator with opts (an SSWS token when opts
// names neither tokens nor OAuth apps) holding seed, and an SDK client for
// it; auth, when given, replaces the SDK's SSWS settings.
func newSDKHarness(t *testing.T, opts oktasim.Options, seed oktasim.Seed, auth ...sdk.ConfigSetter) *sdkHarness {
	t.Helper()
	if opts.Tokens == nil && opts.Clients == nil {
		opts.Tokens = []string{testToken}
	}
	sim, err := oktasim.New(opts)
	if err != nil {
		t.Fatalf("start simulator: %v", err)
	}
	if err := sim.Seed(seed); err != nil {
		t.Fatalf("seed simulator: %v", err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	host, _, err := net.SplitHostPort(srv.Listener.Addr().String())
	if err != nil {
		t.Fatalf("simulator address: %v", err)
	}
	tr := portRedirect(host, srv.Listener.Addr().String())
	t.Cleanup(tr.CloseIdleConnections)
	h := &sdkHarness{sim: sim}
	var rt http.RoundTripper = tr
	s, skip, err := trySpec()
	switch {
	case err != nil:
		t.Fatalf("contract spec: %v", err)
	case skip != "":
		t.Logf("SDK exchanges are not validated against the specification: %s", skip)
	default:
		h.rec = newRecorder(t, s, tr)
		h.rec.tokenParamsInQuery = true
		rt = h.rec
	}
	// Every setting the SDK would otherwise take from ~/.okta/okta.yaml or
	// OKTA_CLIENT_* variables is given explicitly, so the test is hermetic
	// for the settings it depends on. The SDK's documented retry defaults
	// are not its code's, so retries and back-off are set here.
	if len(auth) == 0 {
		auth = []sdk.ConfigSetter{sdk.WithToken(testToken), sdk.WithAuthorizationMode("SSWS")}
	}
	setters := append([]sdk.ConfigSetter{
		sdk.WithOrgUrl(srv.URL),
		sdk.WithTestingDisableHttpsCheck(true),
		sdk.WithHttpClientPtr(&http.Client{Transport: rt}),
		sdk.WithCache(false),
		sdk.WithProxyHost(""),
		sdk.WithRateLimitMaxRetries(2),
		sdk.WithRateLimitMaxBackOff(30),
		sdk.WithRequestTimeout(30),
	}, auth...)
	cfg, err := sdk.NewConfiguration(setters...)
	if err != nil {
		t.Fatalf("SDK configuration: %v", err)
	}
	h.client = sdk.NewAPIClient(cfg)
	return h
}

// sdkErrorCode returns the Okta errorCode of an SDK error, failing the test
// unless err is the SDK's error type carrying Okta's error model.
func sdkErrorCode(t *testing.T, err error) string {
	t.Helper()
	var ge *sdk.GenericOpenAPIError
	if !errors.As(err, &ge) {
		t.Fatalf("want an *okta.GenericOpenAPIError from the SDK, got %T: %v", err, err)
	}
	m, ok := ge.Model().(sdk.Error)
	if !ok {
		t.Fatalf("SDK error model: want okta.Error, got %T (body %s)", ge.Model(), ge.Body())
	}
	return m.GetErrorCode()
}

func ptr[T any](v T) *T { return &v }

// sdkProfile is a profile with Okta's four required attributes.
func sdkProfile(login, first, last string) sdk.UserProfile {
	return sdk.UserProfile{
		Login:     ptr(login),
		Email:     ptr(login),
		FirstName: *sdk.NewNullableString(ptr(first)),
		LastName:  *sdk.NewNullableString(ptr(last)),
	}
}

// TestOfficialSDKAcceptsSimulator drives the official Okta Go SDK against
// the simulator: paging, the user life from create to delete, a group and a
// membership, and a 404 read as the SDK's error.
func TestOfficialSDKAcceptsSimulator(t *testing.T) {
	t.Parallel()
	seed := oktasim.Seed{Users: seedUsers(10, "Sales")}
	for i := range 7 {
		seed.Groups = append(seed.Groups, oktasim.SeedGroup{Name: fmt.Sprintf("Team %d", i)})
	}
	for i := range 5 {
		seed.Users[i].Groups = []string{"Team 0"}
	}
	seed.Users = append(seed.Users, seedUser("eng@example.com", "", map[string]any{"department": "Engineering"}))
	h := newSDKHarness(t, oktasim.Options{}, seed)
	ctx := context.Background()
	api := h.client

	t.Run("paging with the SDK's own Next", func(t *testing.T) {
		users, resp, err := api.UserAPI.ListUsers(ctx).Limit(3).Execute()
		if err != nil {
			t.Fatalf("list users: %v", err)
		}
		pages := 1
		var ids []string
		add := func(us []sdk.User) {
			for _, u := range us {
				ids = append(ids, u.GetId())
			}
		}
		add(users)
		if len(users) != 3 {
			t.Errorf("first page: want 3 users, got %d", len(users))
		}
		for resp.HasNextPage() {
			if pages > 10 {
				t.Fatalf("paging does not end after %d pages", pages)
			}
			var next []sdk.User
			resp, err = resp.Next(&next)
			if err != nil {
				t.Fatalf("page %d: %v", pages+1, err)
			}
			pages++
			add(next)
		}
		slices.Sort(ids)
		distinct := len(slices.Compact(slices.Clone(ids)))
		if len(ids) != 11 || distinct != 11 {
			t.Errorf("paging: want 11 distinct users, got %d (%d distinct)", len(ids), distinct)
		}
		if pages != 4 {
			t.Errorf("paging: want 4 pages of at most 3, got %d", pages)
		}
	})

	t.Run("search paged with the SDK's own Next", func(t *testing.T) {
		users, resp, err := api.UserAPI.ListUsers(ctx).Search(`profile.department eq "Sales"`).Limit(4).Execute()
		if err != nil {
			t.Fatalf("search users: %v", err)
		}
		n := len(users)
		for pages := 1; resp.HasNextPage(); pages++ {
			if pages > 10 {
				t.Fatalf("paging does not end after %d pages", pages)
			}
			var next []sdk.User
			if resp, err = resp.Next(&next); err != nil {
				t.Fatalf("search page %d: %v", pages+1, err)
			}
			for _, u := range next {
				if u.Profile.GetDepartment() != "Sales" {
					t.Errorf("page %d: user %s of department %q: the search was lost while paging", pages+1, u.Profile.GetLogin(), u.Profile.GetDepartment())
				}
			}
			n += len(next)
		}
		if n != 10 {
			t.Errorf("search paged: want 10 Sales users, got %d", n)
		}
	})

	t.Run("groups and members paged", func(t *testing.T) {
		groups, resp, err := api.GroupAPI.ListGroups(ctx).Limit(3).Execute()
		if err != nil {
			t.Fatalf("list groups: %v", err)
		}
		n := len(groups)
		var team0 string
		find := func(gs []sdk.Group) {
			for _, g := range gs {
				if g.Profile.GetName() == "Team 0" {
					team0 = g.GetId()
				}
			}
		}
		find(groups)
		for pages := 1; resp.HasNextPage(); pages++ {
			if pages > 10 {
				t.Fatalf("paging does not end after %d pages", pages)
			}
			var next []sdk.Group
			if resp, err = resp.Next(&next); err != nil {
				t.Fatalf("groups page %d: %v", pages+1, err)
			}
			find(next)
			n += len(next)
		}
		if n != 8 { // seven teams and Everyone
			t.Errorf("groups paged: want 8, got %d", n)
		}
		if team0 == "" {
			t.Fatal("group Team 0 not listed")
		}
		members, resp, err := api.GroupAPI.ListGroupUsers(ctx, team0).Limit(2).Execute()
		if err != nil {
			t.Fatalf("list members: %v", err)
		}
		m := len(members)
		for pages := 1; resp.HasNextPage(); pages++ {
			if pages > 10 {
				t.Fatalf("paging does not end after %d pages", pages)
			}
			var next []sdk.GroupMember
			if resp, err = resp.Next(&next); err != nil {
				t.Fatalf("members page %d: %v", pages+1, err)
			}
			m += len(next)
		}
		if m != 5 {
			t.Errorf("members paged: want 5, got %d", m)
		}
	})

	var userID string
	t.Run("create user", func(t *testing.T) {
		u, _, err := api.UserAPI.CreateUser(ctx).Body(sdk.CreateUserRequest{
			Profile: sdkProfile("sdk.user@example.com", "Sdk", "User"),
		}).Activate(false).Execute()
		if err != nil {
			t.Fatalf("create user: %v", err)
		}
		userID = u.GetId()
		if u.GetStatus() != "STAGED" || userID == "" {
			t.Errorf("create with activate=false: want a STAGED user with an id, got status %q id %q", u.GetStatus(), userID)
		}
		if got := u.Profile.GetLogin(); got != "sdk.user@example.com" {
			t.Errorf("create: login %q", got)
		}
		_, _, err = api.UserAPI.CreateUser(ctx).Body(sdk.CreateUserRequest{
			Profile: sdkProfile("SDK.user@example.com", "Dup", "User"),
		}).Activate(false).Execute()
		if code := sdkErrorCode(t, err); code != "E0000001" {
			t.Errorf("duplicate login: want E0000001, got %s", code)
		}
	})
	if userID == "" {
		t.Fatal("no user to go on with")
	}

	t.Run("partial update", func(t *testing.T) {
		p := sdk.UserProfile{Title: *sdk.NewNullableString(ptr("Engineer"))}
		u, _, err := api.UserAPI.UpdateUser(ctx, userID).User(sdk.UpdateUserRequest{Profile: &p}).Execute()
		if err != nil {
			t.Fatalf("update user: %v", err)
		}
		if got := u.Profile.GetTitle(); got != "Engineer" {
			t.Errorf("update: title %q", got)
		}
		if got := u.Profile.GetFirstName(); got != "Sdk" {
			t.Errorf("partial update changed firstName to %q", got)
		}
	})

	var groupID string
	t.Run("group and membership", func(t *testing.T) {
		g, _, err := api.GroupAPI.CreateGroup(ctx).Group(sdk.Group{
			Profile: &sdk.GroupProfile{Name: ptr("SDK Group"), Description: ptr("made by the SDK")},
		}).Execute()
		if err != nil {
			t.Fatalf("create group: %v", err)
		}
		groupID = g.GetId()
		if g.GetType() != "OKTA_GROUP" || groupID == "" {
			t.Errorf("create group: type %q id %q", g.GetType(), groupID)
		}
		if _, err := api.GroupAPI.AssignUserToGroup(ctx, groupID, userID).Execute(); err != nil {
			t.Fatalf("add member: %v", err)
		}
		members, _, err := api.GroupAPI.ListGroupUsers(ctx, groupID).Limit(200).Execute()
		if err != nil {
			t.Fatalf("list members: %v", err)
		}
		if len(members) != 1 || members[0].GetId() != userID {
			t.Errorf("members after add: want [%s], got %d members", userID, len(members))
		}
		if _, err := api.GroupAPI.UnassignUserFromGroup(ctx, groupID, userID).Execute(); err != nil {
			t.Fatalf("remove member: %v", err)
		}
		members, _, err = api.GroupAPI.ListGroupUsers(ctx, groupID).Execute()
		if err != nil {
			t.Fatalf("list members: %v", err)
		}
		if len(members) != 0 {
			t.Errorf("members after remove: want none, got %d", len(members))
		}
	})

	t.Run("activate", func(t *testing.T) {
		tok, _, err := api.UserAPI.ActivateUser(ctx, userID).SendEmail(false).Execute()
		if err != nil {
			t.Fatalf("activate: %v", err)
		}
		if tok == nil {
			t.Fatal("activate with sendEmail=false: no activation token object")
		}
		u, _, err := api.UserAPI.GetUser(ctx, userID).Execute()
		if err != nil {
			t.Fatalf("get after activate: %v", err)
		}
		if s := u.GetStatus(); s != "PROVISIONED" && s != "ACTIVE" {
			t.Errorf("after activate: status %q", s)
		}
		_, _, err = api.UserAPI.ActivateUser(ctx, userID).SendEmail(false).Execute()
		if code := sdkErrorCode(t, err); code != "E0000016" {
			t.Errorf("activate twice: want E0000016, got %s", code)
		}
	})

	t.Run("deactivate and delete", func(t *testing.T) {
		if _, err := api.UserAPI.DeactivateUser(ctx, userID).Execute(); err != nil {
			t.Fatalf("deactivate: %v", err)
		}
		u, _, err := api.UserAPI.GetUser(ctx, userID).Execute()
		if err != nil {
			t.Fatalf("get after deactivate: %v", err)
		}
		if u.GetStatus() != "DEPROVISIONED" {
			t.Errorf("after deactivate: status %q", u.GetStatus())
		}
		if _, err := api.UserAPI.DeleteUser(ctx, userID).Execute(); err != nil {
			t.Fatalf("delete: %v", err)
		}
		_, _, err = api.UserAPI.GetUser(ctx, userID).Execute()
		if code := sdkErrorCode(t, err); code != "E0000007" {
			t.Errorf("get after delete: want E0000007, got %s", code)
		}
	})

	t.Run("404 as the SDK's error", func(t *testing.T) {
		_, resp, err := api.UserAPI.GetUser(ctx, "nobody@example.com").Execute()
		if code := sdkErrorCode(t, err); code != "E0000007" {
			t.Errorf("unknown login: want E0000007, got %s", code)
		}
		if resp == nil || resp.StatusCode != http.StatusNotFound {
			t.Errorf("unknown login: want an HTTP 404 response, got %v", resp)
		}
	})

	if h.rec != nil {
		t.Run("exchanges validated against the specification", func(t *testing.T) {
			seen := map[string]bool{}
			for _, op := range h.rec.operations() {
				seen[op] = true
			}
			for _, op := range []string{"listUsers", "createUser", "updateUser", "addGroup", "assignUserToGroup", "listGroupUsers", "unassignUserFromGroup", "deactivateUser", "deleteUser", "getUser"} {
				if !seen[op] {
					t.Errorf("no SDK exchange of operation %s was captured", op)
				}
			}
		})
	}

	t.Run("simulator state", func(t *testing.T) {
		snap := h.sim.Snapshot()
		for _, u := range snap.Users {
			if u.ID == userID {
				t.Errorf("deleted user %s is still in the org (status %s)", userID, u.Status)
			}
		}
		found := false
		for _, g := range snap.Groups {
			if g.Name == "SDK Group" {
				found = true
			}
		}
		if !found {
			t.Errorf("group made by the SDK is missing from %v", groupNames(snap))
		}
	})
}

func groupNames(s oktasim.Snapshot) []string {
	var out []string
	for _, g := range s.Groups {
		out = append(out, fmt.Sprintf("%s(%s)", g.Name, g.ID))
	}
	return out
}

// TestOfficialSDKPrivateKey authenticates the official SDK as an OAuth
// service app (authorizationMode PrivateKey) against the simulator, with
// Bearer and with DPoP-bound access tokens. The SDK puts the token request's
// parameters in the query string and leaves jti out of its client
// assertion; okta-api.md says real Okta accepts both.
func TestOfficialSDKPrivateKey(t *testing.T) {
	t.Parallel()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("generate key: %v", err)
	}
	keyPEM := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
	scopes := []string{"okta.users.read", "okta.groups.read"}
	for _, tc := range []struct {
		name string
		dpop bool
	}{{"bearer", false}, {"dpop", true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clientID := "0oasdk" + tc.name
			h := newSDKHarness(t,
				oktasim.Options{Clients: []oktasim.OAuthClient{{ClientID: clientID, PublicKeys: []crypto.PublicKey{&key.PublicKey}, Scopes: scopes, DPoP: tc.dpop}}},
				oktasim.Seed{Users: seedUsers(4, "Sales")},
				sdk.WithAuthorizationMode("PrivateKey"),
				sdk.WithClientId(clientID),
				sdk.WithScopes(scopes),
				sdk.WithPrivateKey(keyPEM),
				sdk.WithPrivateKeyId(""),
			)
			ctx := context.Background()
			users, _, err := h.client.UserAPI.ListUsers(ctx).Limit(10).Execute()
			if err != nil {
				t.Fatalf("list users with the SDK's access token: %v", err)
			}
			if len(users) != 4 {
				t.Errorf("list users: want 4, got %d", len(users))
			}
			u, _, err := h.client.UserAPI.GetUser(ctx, "user02@example.com").Execute()
			if err != nil {
				t.Fatalf("get user with the SDK's access token: %v", err)
			}
			if u.GetStatus() != "ACTIVE" {
				t.Errorf("get user: status %q", u.GetStatus())
			}
			_, _, err = h.client.UserAPI.GetUser(ctx, "nobody@example.com").Execute()
			if code := sdkErrorCode(t, err); code != "E0000007" {
				t.Errorf("unknown login: want E0000007, got %s", code)
			}
			if h.rec == nil {
				return
			}
			want := "Bearer "
			if tc.dpop {
				want = "DPoP "
			}
			tokens := 0
			for _, e := range h.rec.take() {
				switch e.operationID {
				case "token":
					tokens++
				case "listUsers", "getUser":
					if got := e.reqHeader.Get("Authorization"); !strings.HasPrefix(got, want) {
						t.Errorf("%s: want an Authorization header of scheme %q", e, strings.TrimSpace(want))
					}
					if tc.dpop && e.reqHeader.Get("DPoP") == "" {
						t.Errorf("%s: no DPoP proof", e)
					}
				}
			}
			if tokens == 0 {
				t.Errorf("no token request was captured")
			}
		})
	}
}

// TestOfficialSDKRetriesSimulator429 checks that the SDK reads the
// simulator's 429 the way it reads Okta's: it waits X-Rate-Limit-Reset −
// Date + 1 s (here about a second, with a one-second window), then retries
// with X-Okta-Retry-For and X-Okta-Retry-Count, and succeeds.
func TestOfficialSDKRetriesSimulator429(t *testing.T) {
	t.Parallel()
	h := newSDKHarness(t,
		oktasim.Options{RateLimit: oktasim.RateLimitOptions{Window: time.Second, Limits: map[string]int{"users": 1}}},
		oktasim.Seed{Users: seedUsers(2, "Sales")},
	)
	ctx := context.Background()
	for i := range 2 {
		users, _, err := h.client.UserAPI.ListUsers(ctx).Limit(5).Execute()
		if err != nil {
			t.Fatalf("list %d: %v", i+1, err)
		}
		if len(users) != 2 {
			t.Errorf("list %d: want 2 users, got %d", i+1, len(users))
		}
	}
	st := h.sim.Stats()
	if st.RateLimited == 0 {
		t.Fatalf("the simulator refused nothing; the test did not exercise a 429 (stats %+v)", st)
	}
	if h.rec == nil {
		return
	}
	var sawRetry bool
	var lastRequestID string
	for _, e := range h.rec.take() {
		if e.status == http.StatusTooManyRequests {
			lastRequestID = e.respHeader.Get("X-Okta-Request-Id")
			continue
		}
		if lastRequestID != "" {
			if got := e.reqHeader.Get("X-Okta-Retry-For"); got != lastRequestID {
				t.Errorf("retry after a 429: X-Okta-Retry-For %q, want the 429's request id %q", got, lastRequestID)
			}
			if e.reqHeader.Get("X-Okta-Retry-Count") == "" {
				t.Errorf("retry after a 429: no X-Okta-Retry-Count")
			}
			sawRetry = true
			lastRequestID = ""
		}
	}
	if !sawRetry {
		t.Errorf("no retry after the simulator's 429 was captured")
	}
}
