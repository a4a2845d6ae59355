package oktasim

import (
	"crypto"
	"net/http"
)

// OAuthClient is a registered OAuth 2.0 service app.
type OAuthClient struct {
	// ClientID is the app's client id (iss and sub of its assertions).
	ClientID string
	// PublicKeys verify the app's client assertions: *rsa.PublicKey or
	// *ecdsa.PublicKey.
	PublicKeys []crypto.PublicKey
	// JWKs are further public keys as JWK JSON documents.
	JWKs []string
	// Scopes are the scopes the app has been granted.
	Scopes []string
	// DPoP makes the org issue DPoP-bound access tokens to this app.
	DPoP bool
}

type oauthState struct{}

func newOAuthState(clients []OAuthClient) (*oauthState, error) { return &oauthState{}, nil }

func (s *Server) checkAccessToken(w *statusWriter, r *http.Request, scheme, cred string) (*principal, bool) {
	return nil, true
}

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusUnauthorized)
	_, _ = w.Write([]byte(`{"error":"invalid_client","error_description":"No OAuth clients are registered."}`))
}
