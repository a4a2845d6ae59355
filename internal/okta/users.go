package okta

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// UsersService calls the Users API (/api/v1/users).
type UsersService service

// User is an Okta user.
type User struct {
	ID                    string     `json:"id,omitempty"`
	Status                string     `json:"status,omitempty"`
	TransitioningToStatus string     `json:"transitioningToStatus,omitempty"`
	Created               *time.Time `json:"created,omitempty"`
	Activated             *time.Time `json:"activated,omitempty"`
	StatusChanged         *time.Time `json:"statusChanged,omitempty"`
	LastLogin             *time.Time `json:"lastLogin,omitempty"`
	LastUpdated           *time.Time `json:"lastUpdated,omitempty"`
	PasswordChanged       *time.Time `json:"passwordChanged,omitempty"`
	Type                  *UserType  `json:"type,omitempty"`
	// Profile holds the profile attributes as decoded by encoding/json:
	// string, float64, bool, []any, map[string]any or nil.
	Profile     map[string]any   `json:"profile,omitempty"`
	Credentials *UserCredentials `json:"credentials,omitempty"`
	Links       map[string]any   `json:"_links,omitempty"`
}

// Login returns profile.login.
func (u *User) Login() string {
	if u == nil {
		return ""
	}
	s, _ := u.Profile["login"].(string)
	return s
}

// UserType is a user's type reference.
type UserType struct {
	ID string `json:"id,omitempty"`
}

// UserCredentials are a user's credentials. Okta never returns a password
// value.
type UserCredentials struct {
	Password *PasswordCredential     `json:"password,omitempty"`
	Provider *AuthenticationProvider `json:"provider,omitempty"`
}

// PasswordCredential holds a password value, or an imported hash, on
// create.
type PasswordCredential struct {
	Value string        `json:"value,omitempty"`
	Hash  *PasswordHash `json:"hash,omitempty"`
}

// PasswordHash is a password hash imported on create
// (credentials.password.hash): Algorithm is BCRYPT, SHA-512, SHA-256,
// SHA-1, MD5 or PBKDF2; WorkFactor applies to BCRYPT, SaltOrder to salted
// SHA-* and MD5 hashes, IterationCount, KeySize and DigestAlgorithm to
// PBKDF2. Value and Salt are secrets.
type PasswordHash struct {
	Algorithm       string `json:"algorithm"`
	Value           string `json:"value"`
	Salt            string `json:"salt,omitempty"`
	SaltOrder       string `json:"saltOrder,omitempty"`
	WorkFactor      int    `json:"workFactor,omitempty"`
	IterationCount  int    `json:"iterationCount,omitempty"`
	KeySize         int    `json:"keySize,omitempty"`
	DigestAlgorithm string `json:"digestAlgorithm,omitempty"`
}

// String hides the hash.
func (PasswordHash) String() string { return "[imported password hash]" }

// AuthenticationProvider says where a user authenticates.
type AuthenticationProvider struct {
	Type string `json:"type,omitempty"`
	Name string `json:"name,omitempty"`
}

// UserListOptions select and page users. Filter (strongly consistent) and
// Search (eventually consistent) also return DEPROVISIONED users, which a
// plain list leaves out. Q is a starts-with match without paging.
type UserListOptions struct {
	Limit     int
	After     string
	Filter    string
	Search    string
	Q         string
	SortBy    string
	SortOrder string
}

func (o *UserListOptions) path() string {
	q := query{}
	if o != nil {
		q.int("limit", o.Limit).str("after", o.After).str("filter", o.Filter).str("search", o.Search).
			str("q", o.Q).str("sortBy", o.SortBy).str("sortOrder", o.SortOrder)
	}
	return q.path("/api/v1/users")
}

// List returns every user the options select, page by page.
func (s *UsersService) List(ctx context.Context, opts *UserListOptions) iter.Seq2[*User, error] {
	return listAll[*User](ctx, s.client, opts.path(), listOptions{})
}

// BasicUser is the part of a user object a sync reads: its id, status
// (and the status it is moving to) and profile. Decoding only these (no timestamps, type, credentials or
// links) makes reading a large org's users several times cheaper in memory
// churn and CPU.
type BasicUser struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	// TransitioningToStatus is the status Okta is moving the user to,
	// while an activation or deactivation is in flight; "" otherwise.
	TransitioningToStatus string         `json:"transitioningToStatus,omitempty"`
	Profile               map[string]any `json:"profile"`
}

// ListBasic is List, decoding each user as a BasicUser.
func (s *UsersService) ListBasic(ctx context.Context, opts *UserListOptions) iter.Seq2[*BasicUser, error] {
	return listAll[*BasicUser](ctx, s.client, opts.path(), listOptions{})
}

// ListBasicBorrowed is ListBasic for a caller that is done with each user
// before the next: the user, its profile and the strings in both are
// borrowed, valid only until the loop body that receives the user returns
// (they point into the page Okta sent, and are reused for the next one).
// The profile holds only the attributes named in attrs (all of them when
// attrs is nil). Reading a large org so costs no map and no copied string
// per user (a string value is still boxed in the profile's any).
func (s *UsersService) ListBasicBorrowed(ctx context.Context, opts *UserListOptions, attrs []string) iter.Seq2[*BasicUser, error] {
	return borrowedUsers(attrs, func(o listOptions) iter.Seq2[*BasicUser, error] {
		return listAll[*BasicUser](ctx, s.client, opts.path(), o)
	})
}

// borrowedUsers returns the users of list, paged with a borrowed user
// decoder of its own for each loop over them.
func borrowedUsers(attrs []string, list func(listOptions) iter.Seq2[*BasicUser, error]) iter.Seq2[*BasicUser, error] {
	return func(yield func(*BasicUser, error) bool) {
		for u, err := range list(listOptions{borrow: newUserViews(attrs).decode}) {
			if !yield(u, err) {
				return
			}
		}
	}
}

// ListPage returns one page of users; Response.NextURL (or NextCursor) leads
// to the next.
func (s *UsersService) ListPage(ctx context.Context, opts *UserListOptions) ([]*User, *Response, error) {
	var users []*User
	resp, err := s.client.do(ctx, &request{method: http.MethodGet, path: opts.path(), out: &users, idempotent: true})
	if err != nil {
		return nil, resp, err
	}
	return users, resp, nil
}

// Get returns the user with the given id or login.
func (s *UsersService) Get(ctx context.Context, idOrLogin string) (*User, *Response, error) {
	if idOrLogin == "" {
		return nil, nil, errors.New("okta: get user: empty id or login")
	}
	u := new(User)
	resp, err := s.client.do(ctx, &request{method: http.MethodGet, path: "/api/v1/users/" + url.PathEscape(idOrLogin), out: u, idempotent: true})
	if err != nil {
		return nil, resp, err
	}
	return u, resp, nil
}

// maxCreateGroupIDs is how many groupIds Okta accepts on a user create.
const maxCreateGroupIDs = 20

// CreateUserRequest is a user to create.
type CreateUserRequest struct {
	// Profile must hold login, email, firstName and lastName.
	Profile map[string]any
	// Password is an optional initial password. It is sent to Okta only.
	Password string
	// GroupIDs are groups to put the user in (at most 20).
	GroupIDs []string
	// PasswordHash is an imported password hash, instead of Password. It
	// is sent to Okta only; with activate, the user is ACTIVE and gets no
	// email.
	PasswordHash *PasswordHash
}

type createUserBody struct {
	Profile     map[string]any   `json:"profile"`
	Credentials *UserCredentials `json:"credentials,omitempty"`
	GroupIDs    []string         `json:"groupIds,omitempty"`
}

// Create creates a user, activating it when activate is true (ACTIVE with a
// password, PROVISIONED without one) or leaving it STAGED.
//
// A create is never sent twice blindly. When its outcome is unknown (a
// dropped connection, a timeout, a 5xx), Create looks the login up: if the
// user exists it is returned; if not, the create is sent again, within the
// client's retry budget. A create answered "login already exists" after an
// unknown outcome also returns the existing user. Without a login in the
// profile, such an error is returned as is (errors.Is ErrOutcomeUnknown).
func (s *UsersService) Create(ctx context.Context, req CreateUserRequest, activate bool) (*User, *Response, error) {
	if len(req.GroupIDs) > maxCreateGroupIDs {
		return nil, nil, fmt.Errorf("okta: create user: %d group ids; Okta takes at most %d on create (add the rest as memberships)", len(req.GroupIDs), maxCreateGroupIDs)
	}
	body := createUserBody{Profile: req.Profile, GroupIDs: req.GroupIDs}
	if req.Profile == nil {
		body.Profile = map[string]any{}
	}
	if req.Password != "" || req.PasswordHash != nil {
		body.Credentials = &UserCredentials{Password: &PasswordCredential{Value: req.Password, Hash: req.PasswordHash}}
	}
	login, _ := req.Profile["login"].(string)
	path := "/api/v1/users?activate=" + strconv.FormatBool(activate)

	unknown := false
	for attempt := 0; ; attempt++ {
		u := new(User)
		resp, err := s.client.do(ctx, &request{method: http.MethodPost, path: path, body: body, out: u})
		if err == nil {
			return u, resp, nil
		}
		switch {
		case errors.Is(err, ErrOutcomeUnknown):
			unknown = true
		case unknown && IsAlreadyExists(err):
			// An earlier attempt created the user after all.
		default:
			return nil, resp, err
		}
		if login == "" || ctx.Err() != nil {
			return nil, resp, err
		}
		found, gresp, gerr := s.Get(ctx, login)
		if gerr == nil && !strings.EqualFold(found.Login(), login) {
			// Okta also finds users by login short name; that is another
			// user, not ours.
			return nil, resp, fmt.Errorf("%w; looking the login up found %s, another user", err, found.ID)
		}
		switch {
		case gerr == nil:
			return found, gresp, nil
		case !IsNotFound(gerr):
			return nil, resp, fmt.Errorf("%w; looking the login up failed too: %v", err, gerr)
		case IsAlreadyExists(err):
			// Okta says the login exists but cannot find it: do not guess.
			return nil, resp, err
		}
		if attempt >= s.client.maxRetries {
			return nil, resp, err
		}
		s.client.stats.recordRetry()
		if werr := s.client.wait(ctx, s.client.backoff(attempt+1)); werr != nil {
			return nil, resp, err
		}
	}
}

// Update partially updates a user's profile (POST /api/v1/users/{id}): the
// attributes given replace Okta's, others are left alone, and a nil value
// clears an attribute. Repeating it has the same effect, so it is retried
// like an idempotent call.
func (s *UsersService) Update(ctx context.Context, id string, profile map[string]any) (*User, *Response, error) {
	if id == "" {
		return nil, nil, errors.New("okta: update user: empty id")
	}
	u := new(User)
	body := map[string]any{"profile": profile}
	resp, err := s.client.do(ctx, &request{method: http.MethodPost, path: "/api/v1/users/" + url.PathEscape(id), body: body, out: u, idempotent: true})
	if err != nil {
		return nil, resp, err
	}
	return u, resp, nil
}

// Activate activates a STAGED or DEPROVISIONED user; sendEmail sends Okta's
// activation email.
func (s *UsersService) Activate(ctx context.Context, id string, sendEmail bool) (*Response, error) {
	return s.lifecycle(ctx, id, "activate", "sendEmail="+strconv.FormatBool(sendEmail), []string{"ACTIVE", "PROVISIONED"})
}

// Deactivate deactivates a user (status DEPROVISIONED). Deactivation removes
// the user's app assignments and is not undone by reactivation.
func (s *UsersService) Deactivate(ctx context.Context, id string) (*Response, error) {
	return s.lifecycle(ctx, id, "deactivate", "", []string{"DEPROVISIONED"})
}

// Reactivate sends a new activation to a PROVISIONED or RECOVERY user. It
// sends an email, so an unknown outcome is never resolved by sending it
// again.
func (s *UsersService) Reactivate(ctx context.Context, id string) (*Response, error) {
	return s.lifecycle(ctx, id, "reactivate", "", nil)
}

// Suspend suspends an ACTIVE user.
func (s *UsersService) Suspend(ctx context.Context, id string) (*Response, error) {
	return s.lifecycle(ctx, id, "suspend", "", []string{"SUSPENDED"})
}

// Unsuspend returns a SUSPENDED user to ACTIVE.
func (s *UsersService) Unsuspend(ctx context.Context, id string) (*Response, error) {
	return s.lifecycle(ctx, id, "unsuspend", "", []string{"ACTIVE"})
}

// Unlock unlocks a LOCKED_OUT user.
func (s *UsersService) Unlock(ctx context.Context, id string) (*Response, error) {
	return s.lifecycle(ctx, id, "unlock", "", []string{"ACTIVE"})
}

// lifecycle runs POST /api/v1/users/{id}/lifecycle/{op}. Lifecycle calls are
// not repeated blindly. When the outcome of one is unknown, the user is read
// back: if its status (or the status it is moving to) is one of targets, the
// operation took effect and the call succeeds; otherwise, within the retry
// budget, it is sent again. With no targets the unknown outcome is returned.
func (s *UsersService) lifecycle(ctx context.Context, id, op, rawQuery string, targets []string) (*Response, error) {
	if id == "" {
		return nil, fmt.Errorf("okta: %s user: empty id", op)
	}
	path := "/api/v1/users/" + url.PathEscape(id) + "/lifecycle/" + op
	if rawQuery != "" {
		path += "?" + rawQuery
	}
	for attempt := 0; ; attempt++ {
		resp, err := s.client.do(ctx, &request{method: http.MethodPost, path: path})
		if err == nil || !errors.Is(err, ErrOutcomeUnknown) || len(targets) == 0 || ctx.Err() != nil {
			return resp, err
		}
		u, gresp, gerr := s.Get(ctx, id)
		if gerr != nil {
			return resp, fmt.Errorf("%w; reading the user back failed too: %v", err, gerr)
		}
		for _, t := range targets {
			if u.Status == t || u.TransitioningToStatus == t {
				return gresp, nil
			}
		}
		if attempt >= s.client.maxRetries {
			return resp, err
		}
		s.client.stats.recordRetry()
		if werr := s.client.wait(ctx, s.client.backoff(attempt+1)); werr != nil {
			return resp, err
		}
	}
}

// Delete deletes a user. On a user that is not DEPROVISIONED, Okta
// deactivates instead; on a DEPROVISIONED user the deletion is permanent.
// Because a repeated DELETE could turn a deactivation into a deletion, it is
// never sent twice: after an unknown outcome the user is looked up, and only
// its absence counts as success.
func (s *UsersService) Delete(ctx context.Context, id string) (*Response, error) {
	if id == "" {
		return nil, errors.New("okta: delete user: empty id")
	}
	resp, err := s.client.do(ctx, &request{method: http.MethodDelete, path: "/api/v1/users/" + url.PathEscape(id)})
	if err == nil || !errors.Is(err, ErrOutcomeUnknown) || ctx.Err() != nil {
		return resp, err
	}
	if _, gresp, gerr := s.Get(ctx, id); IsNotFound(gerr) {
		return gresp, nil
	}
	return resp, err
}

// ListGroups returns the groups the user belongs to.
func (s *UsersService) ListGroups(ctx context.Context, id string) ([]*Group, *Response, error) {
	if id == "" {
		return nil, nil, errors.New("okta: list user's groups: empty id")
	}
	var groups []*Group
	resp, err := s.client.do(ctx, &request{method: http.MethodGet, path: "/api/v1/users/" + url.PathEscape(id) + "/groups", out: &groups, idempotent: true})
	if err != nil {
		return nil, resp, err
	}
	if resp.NextURL != "" {
		// Documented as unpaged; follow a next link anyway rather than
		// lose groups.
		more, err := collect(listAll[*Group](ctx, s.client, resp.NextURL, listOptions{}))
		if err != nil {
			return nil, resp, err
		}
		groups = append(groups, more...)
	}
	return groups, resp, nil
}
