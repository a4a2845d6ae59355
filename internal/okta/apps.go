package okta

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"net/url"
	"time"
)

// AppsService calls the Applications API (/api/v1/apps): app look-ups and
// app assignments of groups and users. Every call but a GET of one app
// (/api/v1/apps/{id}) falls in the small apps rate-limit bucket (100 a
// minute on most orgs): read an app's assignments once, never per user.
type AppsService service

// App is an Okta application instance, as far as assignments need it.
type App struct {
	ID          string     `json:"id"`
	Name        string     `json:"name,omitempty"`
	Label       string     `json:"label"`
	Status      string     `json:"status,omitempty"`
	SignOnMode  string     `json:"signOnMode,omitempty"`
	Created     *time.Time `json:"created,omitempty"`
	LastUpdated *time.Time `json:"lastUpdated,omitempty"`
}

// App statuses.
const (
	AppStatusActive   = "ACTIVE"
	AppStatusInactive = "INACTIVE"
)

// AppGroupAssignment is a group's assignment to an app.
type AppGroupAssignment struct {
	// ID is the group's id.
	ID          string         `json:"id,omitempty"`
	LastUpdated *time.Time     `json:"lastUpdated,omitempty"`
	Priority    *int           `json:"priority,omitempty"`
	Profile     map[string]any `json:"profile,omitempty"`
}

// AppUser is a user's assignment to an app: direct (Scope AppScopeUser) or
// through one of the user's groups (AppScopeGroup).
type AppUser struct {
	// ID is the user's id.
	ID          string         `json:"id"`
	Scope       string         `json:"scope,omitempty"`
	Status      string         `json:"status,omitempty"`
	Created     *time.Time     `json:"created,omitempty"`
	LastUpdated *time.Time     `json:"lastUpdated,omitempty"`
	Profile     map[string]any `json:"profile,omitempty"`
}

// App assignment scopes.
const (
	AppScopeUser  = "USER"
	AppScopeGroup = "GROUP"
)

// AppListOptions select and page apps. Filter takes id, status and name
// (`status eq "ACTIVE"`); Q matches the start of an app's label or name.
type AppListOptions struct {
	Limit  int
	After  string
	Filter string
	Q      string
}

// Page sizes Okta serves at most.
const (
	// AppPageMax is the largest page of apps and of an app's groups.
	AppPageMax = 200
	// AppUserPageMax is the largest page of an app's users.
	AppUserPageMax = 500
)

func (o *AppListOptions) path() string {
	q := query{}
	if o != nil {
		q.int("limit", o.Limit).str("after", o.After).str("filter", o.Filter).str("q", o.Q)
	}
	return q.path("/api/v1/apps")
}

// List returns every app the options select, page by page.
func (s *AppsService) List(ctx context.Context, opts *AppListOptions) iter.Seq2[*App, error] {
	return listAll[*App](ctx, s.client, opts.path(), listOptions{})
}

func appPath(id string) string { return "/api/v1/apps/" + url.PathEscape(id) }

// Get returns the app with the given id (the app-by-id bucket).
func (s *AppsService) Get(ctx context.Context, id string) (*App, *Response, error) {
	if id == "" {
		return nil, nil, errors.New("okta: get app: empty id")
	}
	a := new(App)
	resp, err := s.client.do(ctx, &request{method: http.MethodGet, path: appPath(id), out: a, idempotent: true})
	if err != nil {
		return nil, resp, err
	}
	return a, resp, nil
}

// ListGroups returns the groups assigned to an app, page by page; limit 0
// asks for AppPageMax.
func (s *AppsService) ListGroups(ctx context.Context, appID string, limit int) iter.Seq2[*AppGroupAssignment, error] {
	if appID == "" {
		return errSeq[*AppGroupAssignment](errors.New("okta: list app groups: empty app id"))
	}
	if limit <= 0 {
		limit = AppPageMax
	}
	return listAll[*AppGroupAssignment](ctx, s.client, query{}.int("limit", limit).path(appPath(appID)+"/groups"), listOptions{})
}

// ListUsers returns the users assigned to an app, directly or through a
// group, page by page; limit 0 asks for AppUserPageMax.
func (s *AppsService) ListUsers(ctx context.Context, appID string, limit int) iter.Seq2[*AppUser, error] {
	if appID == "" {
		return errSeq[*AppUser](errors.New("okta: list app users: empty app id"))
	}
	if limit <= 0 {
		limit = AppUserPageMax
	}
	return listAll[*AppUser](ctx, s.client, query{}.int("limit", limit).path(appPath(appID)+"/users"), listOptions{})
}

func appTargetPath(appID, kind, id string) (string, error) {
	if appID == "" || id == "" {
		return "", errors.New("okta: app assignment: empty app or " + kind + " id")
	}
	return appPath(appID) + "/" + kind + "s/" + url.PathEscape(id), nil
}

// AssignGroup assigns an app to a group, or changes the assignment's
// priority and profile (nil: left out). It is idempotent (PUT).
func (s *AppsService) AssignGroup(ctx context.Context, appID, groupID string, a AppGroupAssignment) (*AppGroupAssignment, *Response, error) {
	p, err := appTargetPath(appID, "group", groupID)
	if err != nil {
		return nil, nil, err
	}
	body := map[string]any{}
	if a.Priority != nil {
		body["priority"] = *a.Priority
	}
	if len(a.Profile) > 0 {
		body["profile"] = a.Profile
	}
	out := new(AppGroupAssignment)
	resp, err := s.client.do(ctx, &request{method: http.MethodPut, path: p, body: body, out: out, idempotent: true})
	if err != nil {
		return nil, resp, err
	}
	return out, resp, nil
}

// UnassignGroup removes an app's assignment to a group. A retry that finds
// it gone after an attempt whose outcome was unknown counts as success.
func (s *AppsService) UnassignGroup(ctx context.Context, appID, groupID string) (*Response, error) {
	p, err := appTargetPath(appID, "group", groupID)
	if err != nil {
		return nil, err
	}
	return s.deleteIdempotent(ctx, p)
}

// AssignUser assigns an app to a user directly (scope USER), with an app
// profile (nil: none). Assigning a user who has the app through a group
// makes the assignment direct. The call is a POST, so it is not repeated
// after an unknown outcome; repeating it does no harm either (the next run
// reads the app's users again).
func (s *AppsService) AssignUser(ctx context.Context, appID, userID string, profile map[string]any) (*AppUser, *Response, error) {
	if appID == "" || userID == "" {
		return nil, nil, errors.New("okta: assign app user: empty app or user id")
	}
	body := map[string]any{"id": userID, "scope": AppScopeUser}
	if len(profile) > 0 {
		body["profile"] = profile
	}
	out := new(AppUser)
	resp, err := s.client.do(ctx, &request{method: http.MethodPost, path: appPath(appID) + "/users", body: body, out: out})
	if err != nil {
		return nil, resp, err
	}
	return out, resp, nil
}

// UnassignUser removes a user's direct assignment to an app. A retry that
// finds it gone after an attempt whose outcome was unknown counts as
// success.
func (s *AppsService) UnassignUser(ctx context.Context, appID, userID string) (*Response, error) {
	p, err := appTargetPath(appID, "user", userID)
	if err != nil {
		return nil, err
	}
	return s.deleteIdempotent(ctx, p)
}

func (s *AppsService) deleteIdempotent(ctx context.Context, p string) (*Response, error) {
	resp, err := s.client.do(ctx, &request{method: http.MethodDelete, path: p, idempotent: true})
	if err != nil && IsNotFound(err) && resp != nil && resp.afterUnknown {
		return resp, nil
	}
	return resp, err
}

// errSeq is a listing that fails at once with err.
func errSeq[T any](err error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		yield(zero, err)
	}
}
