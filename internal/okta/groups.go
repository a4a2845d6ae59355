package okta

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// GroupsService calls the Groups API (/api/v1/groups) and group memberships.
type GroupsService service

// Group is an Okta group.
type Group struct {
	ID                    string         `json:"id,omitempty"`
	Created               *time.Time     `json:"created,omitempty"`
	LastUpdated           *time.Time     `json:"lastUpdated,omitempty"`
	LastMembershipUpdated *time.Time     `json:"lastMembershipUpdated,omitempty"`
	ObjectClass           []string       `json:"objectClass,omitempty"`
	Type                  string         `json:"type,omitempty"`
	Profile               GroupProfile   `json:"profile"`
	Links                 map[string]any `json:"_links,omitempty"`
}

// Group types.
const (
	GroupTypeOkta    = "OKTA_GROUP"
	GroupTypeApp     = "APP_GROUP"
	GroupTypeBuiltIn = "BUILT_IN"
)

// GroupProfile is a group's profile: name, description, and the custom
// attributes of the org's group schema (Attrs), which sit beside them in
// Okta's JSON.
type GroupProfile struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Attrs holds the custom attributes, as encoding/json decodes them.
	Attrs map[string]any `json:"-"`
}

// GroupListOptions select and page groups. Filter takes id, type,
// lastUpdated and lastMembershipUpdated; Search takes profile attributes; Q
// is a name starts-with match without paging.
type GroupListOptions struct {
	Limit  int
	After  string
	Filter string
	Search string
	Q      string
}

func (o *GroupListOptions) path() string {
	q := query{}
	if o != nil {
		q.int("limit", o.Limit).str("after", o.After).str("filter", o.Filter).str("search", o.Search).str("q", o.Q)
	}
	return q.path("/api/v1/groups")
}

// ListOptions page a plain list.
type ListOptions struct {
	Limit int
	After string
}

// List returns every group the options select, page by page.
func (s *GroupsService) List(ctx context.Context, opts *GroupListOptions) iter.Seq2[*Group, error] {
	return listAll[*Group](ctx, s.client, opts.path(), listOptions{})
}

// ListPage returns one page of groups.
func (s *GroupsService) ListPage(ctx context.Context, opts *GroupListOptions) ([]*Group, *Response, error) {
	var groups []*Group
	resp, err := s.client.do(ctx, &request{method: http.MethodGet, path: opts.path(), out: &groups, idempotent: true})
	if err != nil {
		return nil, resp, err
	}
	return groups, resp, nil
}

func groupPath(id string) string { return "/api/v1/groups/" + url.PathEscape(id) }

// Get returns the group with the given id.
func (s *GroupsService) Get(ctx context.Context, id string) (*Group, *Response, error) {
	if id == "" {
		return nil, nil, errors.New("okta: get group: empty id")
	}
	g := new(Group)
	resp, err := s.client.do(ctx, &request{method: http.MethodGet, path: groupPath(id), out: g, idempotent: true})
	if err != nil {
		return nil, resp, err
	}
	return g, resp, nil
}

// Create creates an OKTA_GROUP. Okta does not make group names unique, so a
// create is never sent twice: when its outcome is unknown, Create looks for
// an OKTA_GROUP with exactly that name and returns it if there is one;
// otherwise it returns the error (errors.Is ErrOutcomeUnknown), and the
// caller should read the groups again before retrying.
func (s *GroupsService) Create(ctx context.Context, profile GroupProfile) (*Group, *Response, error) {
	if strings.TrimSpace(profile.Name) == "" {
		return nil, nil, errors.New("okta: create group: empty name")
	}
	g := new(Group)
	resp, err := s.client.do(ctx, &request{method: http.MethodPost, path: "/api/v1/groups", body: map[string]any{"profile": profile}, out: g})
	if err == nil {
		return g, resp, nil
	}
	if !errors.Is(err, ErrOutcomeUnknown) || ctx.Err() != nil {
		return nil, resp, err
	}
	found, ferr := s.findByName(ctx, profile.Name)
	if ferr != nil {
		return nil, resp, fmt.Errorf("%w; looking the group up failed too: %v", err, ferr)
	}
	if found != nil {
		return found, resp, nil
	}
	return nil, resp, err
}

// findByName returns the one OKTA_GROUP named name, nil when there is none.
func (s *GroupsService) findByName(ctx context.Context, name string) (*Group, error) {
	var match *Group
	for g, err := range s.List(ctx, &GroupListOptions{Q: name, Limit: 200}) {
		if err != nil {
			return nil, err
		}
		if g.Type == GroupTypeOkta && g.Profile.Name == name {
			if match != nil {
				return nil, fmt.Errorf("okta: more than one group named %q", name)
			}
			match = g
		}
	}
	return match, nil
}

// Update replaces a group's profile (OKTA_GROUP only).
func (s *GroupsService) Update(ctx context.Context, id string, profile GroupProfile) (*Group, *Response, error) {
	if id == "" {
		return nil, nil, errors.New("okta: update group: empty id")
	}
	g := new(Group)
	resp, err := s.client.do(ctx, &request{method: http.MethodPut, path: groupPath(id), body: map[string]any{"profile": profile}, out: g, idempotent: true})
	if err != nil {
		return nil, resp, err
	}
	return g, resp, nil
}

// Delete removes a group (OKTA_GROUP only). A retry that finds the group
// gone after an attempt whose outcome was unknown counts as success.
func (s *GroupsService) Delete(ctx context.Context, id string) (*Response, error) {
	if id == "" {
		return nil, errors.New("okta: delete group: empty id")
	}
	resp, err := s.client.do(ctx, &request{method: http.MethodDelete, path: groupPath(id), idempotent: true})
	if err != nil && IsNotFound(err) && resp != nil && resp.afterUnknown {
		return resp, nil
	}
	return resp, err
}

// ListMembers returns the users in a group, page by page.
func (s *GroupsService) ListMembers(ctx context.Context, groupID string, opts *ListOptions) iter.Seq2[*User, error] {
	return listMembers[*User](ctx, s.client, groupID, opts)
}

// errNoGroupID is the error of a member listing without a group id.
var errNoGroupID = errors.New("okta: list group members: empty group id")

// listMembers pages through a group's members, decoding each as a T.
func listMembers[T any](ctx context.Context, c *Client, groupID string, opts *ListOptions) iter.Seq2[T, error] {
	if groupID == "" {
		return func(yield func(T, error) bool) {
			var zero T
			yield(zero, errNoGroupID)
		}
	}
	return listAll[T](ctx, c, membersPath(groupID, opts), listOptions{shrinkFrom: memberPageDefault})
}

// membersPath returns the first page of a group's member list.
func membersPath(groupID string, opts *ListOptions) string {
	q := query{}
	if opts != nil {
		q.int("limit", opts.Limit).str("after", opts.After)
	}
	return q.path(groupPath(groupID) + "/users")
}

// Member is the part of a group member's user object that a membership
// sync needs. Decoding only these fields keeps a large group's member pages
// cheap to read.
type Member struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	Profile struct {
		Login string `json:"login"`
	} `json:"profile"`
}

// ListMemberRefs is ListMembers, decoding each member as a Member.
func (s *GroupsService) ListMemberRefs(ctx context.Context, groupID string, opts *ListOptions) iter.Seq2[*Member, error] {
	return listMembers[*Member](ctx, s.client, groupID, opts)
}

// MemberRef is a group member as MemberPages gives it: the user's id,
// status and profile.login.
type MemberRef struct {
	ID, Status, Login string
}

// MemberPages returns the users in a group a page at a time, each as a
// MemberRef, for a caller that reads a page before asking for the next.
//
// A page is borrowed: the slice and the strings in it point into the body
// Okta sent, which is reused once the loop body for that page returns.
// Copy (strings.Clone) any string that must outlive it. That is what makes
// reading a large group cost no allocation per member.
func (s *GroupsService) MemberPages(ctx context.Context, groupID string, opts *ListOptions) iter.Seq2[[]MemberRef, error] {
	return func(yield func([]MemberRef, error) bool) {
		if groupID == "" {
			yield(nil, errNoGroupID)
			return
		}
		slab := memberSlabs.Get().(*[]MemberRef)
		defer func() {
			clear((*slab)[:cap(*slab)])
			*slab = (*slab)[:0]
			memberSlabs.Put(slab)
		}()
		o := listOptions{shrinkFrom: memberPageDefault, borrow: memberRefDecoder(slab)}
		for p, err := range listPages[MemberRef](ctx, s.client, membersPath(groupID, opts), o) {
			if !yield(p.items, err) || err != nil {
				return
			}
		}
	}
}

func memberPath(groupID, userID string) (string, error) {
	if groupID == "" || userID == "" {
		return "", errors.New("okta: membership: empty group or user id")
	}
	return groupPath(groupID) + "/users/" + url.PathEscape(userID), nil
}

// AddMember puts a user in a group. It is idempotent.
func (s *GroupsService) AddMember(ctx context.Context, groupID, userID string) (*Response, error) {
	p, err := memberPath(groupID, userID)
	if err != nil {
		return nil, err
	}
	return s.client.do(ctx, &request{method: http.MethodPut, path: p, idempotent: true})
}

// RemoveMember takes a user out of a group. It is idempotent.
func (s *GroupsService) RemoveMember(ctx context.Context, groupID, userID string) (*Response, error) {
	p, err := memberPath(groupID, userID)
	if err != nil {
		return nil, err
	}
	return s.client.do(ctx, &request{method: http.MethodDelete, path: p, idempotent: true})
}
