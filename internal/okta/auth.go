package okta

import (
	"context"
	"net/http"
)

// authenticator puts credentials on a request.
type authenticator interface {
	// authorize sets the Authorization header (and a DPoP proof) on req.
	authorize(ctx context.Context, req *http.Request) error
	// refreshable reports whether a 401 may be cured by fetching a new
	// access token.
	refreshable() bool
	// invalidate drops a cached access token.
	invalidate()
	// acceptNonce takes a DPoP nonce from a response that asks for one and
	// reports whether the request should be sent again.
	acceptNonce(resp *Response) bool
}

// sswsAuth sends an Okta API token.
type sswsAuth struct{ token string }

func (a *sswsAuth) authorize(_ context.Context, req *http.Request) error {
	req.Header.Set("Authorization", "SSWS "+a.token)
	return nil
}
func (a *sswsAuth) refreshable() bool            { return false }
func (a *sswsAuth) invalidate()                  {}
func (a *sswsAuth) acceptNonce(_ *Response) bool { return false }
