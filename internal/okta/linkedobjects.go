package okta

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// LinkedObject is a linked object definition: a primary/associated pair of
// relationship names such as manager/directReports
// (/api/v1/meta/schemas/user/linkedObjects).
type LinkedObject struct {
	Primary    LinkedObjectDetails `json:"primary"`
	Associated LinkedObjectDetails `json:"associated"`
}

// LinkedObjectDetails is one side of a linked object definition.
type LinkedObjectDetails struct {
	Name        string `json:"name"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	// Type is always "USER".
	Type string `json:"type"`
}

// GetLinkedObjectDefinition returns the definition one of whose names
// (primary or associated) is name; a missing one is an error satisfying
// IsNotFound.
func (s *SchemasService) GetLinkedObjectDefinition(ctx context.Context, name string) (*LinkedObject, *Response, error) {
	if name == "" {
		return nil, nil, errors.New("okta: get linked object definition: empty name")
	}
	lo := new(LinkedObject)
	resp, err := s.client.do(ctx, &request{method: http.MethodGet,
		path: "/api/v1/meta/schemas/user/linkedObjects/" + url.PathEscape(name), out: lo, idempotent: true})
	if err != nil {
		return nil, resp, err
	}
	return lo, resp, nil
}

// CreateLinkedObjectDefinition creates a linked object definition. A
// definition whose names are taken is an error (409).
func (s *SchemasService) CreateLinkedObjectDefinition(ctx context.Context, def LinkedObject) (*LinkedObject, *Response, error) {
	if def.Primary.Name == "" || def.Associated.Name == "" {
		return nil, nil, errors.New("okta: create linked object definition: primary and associated names are required")
	}
	for _, d := range []*LinkedObjectDetails{&def.Primary, &def.Associated} {
		if d.Type == "" {
			d.Type = "USER"
		}
		if d.Title == "" {
			d.Title = d.Name
		}
	}
	lo := new(LinkedObject)
	resp, err := s.client.do(ctx, &request{method: http.MethodPost, path: "/api/v1/meta/schemas/user/linkedObjects", body: def, out: lo})
	if err != nil {
		return nil, resp, err
	}
	return lo, resp, nil
}

// SetLinkedObject makes primaryUserID the primary (such as the manager) of
// userID in the relationship primaryName, replacing any primary the user
// had in it. It is idempotent.
func (s *UsersService) SetLinkedObject(ctx context.Context, userID, primaryName, primaryUserID string) (*Response, error) {
	if userID == "" || primaryName == "" || primaryUserID == "" {
		return nil, errors.New("okta: set linked object: user id, relationship name and primary user id are required")
	}
	p := "/api/v1/users/" + url.PathEscape(userID) + "/linkedObjects/" + url.PathEscape(primaryName) + "/" + url.PathEscape(primaryUserID)
	return s.client.do(ctx, &request{method: http.MethodPut, path: p, idempotent: true})
}

// DeleteLinkedObject removes userID's primary in the relationship
// primaryName; a user without one is no error. It is idempotent.
func (s *UsersService) DeleteLinkedObject(ctx context.Context, userID, primaryName string) (*Response, error) {
	if userID == "" || primaryName == "" {
		return nil, errors.New("okta: delete linked object: user id and relationship name are required")
	}
	p := "/api/v1/users/" + url.PathEscape(userID) + "/linkedObjects/" + url.PathEscape(primaryName)
	return s.client.do(ctx, &request{method: http.MethodDelete, path: p, idempotent: true})
}

// linkValue is one entry of a linked object read: a link to a user.
type linkValue struct {
	Links struct {
		Self struct {
			Href string `json:"href"`
		} `json:"self"`
	} `json:"_links"`
}

// LinkedObjects returns the ids of the users linked to userID in the
// relationship name: for a primary name (manager), the user's primary, at
// most one; for an associated name (directReports), every associated user.
// Okta answers with links to the users; the id is the last segment of each.
func (s *UsersService) LinkedObjects(ctx context.Context, userID, name string) ([]string, *Response, error) {
	if userID == "" || name == "" {
		return nil, nil, errors.New("okta: list linked objects: user id and relationship name are required")
	}
	var vals []linkValue
	p := "/api/v1/users/" + url.PathEscape(userID) + "/linkedObjects/" + url.PathEscape(name)
	resp, err := s.client.do(ctx, &request{method: http.MethodGet, path: p, out: &vals, idempotent: true})
	if err != nil {
		return nil, resp, err
	}
	ids := make([]string, 0, len(vals))
	for _, v := range vals {
		href := strings.TrimRight(v.Links.Self.Href, "/")
		if i := strings.LastIndexByte(href, '/'); i >= 0 && i+1 < len(href) {
			if id, err := url.PathUnescape(href[i+1:]); err == nil {
				ids = append(ids, id)
			}
		}
	}
	return ids, resp, nil
}
