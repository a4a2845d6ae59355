package oktasim

import (
	"crypto"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// OAuthClient is a registered OAuth 2.0 service app that authenticates to
// /oauth2/v1/token with a private_key_jwt client assertion.
type OAuthClient struct {
	// ClientID is the app's client id: the iss and sub of its assertions.
	ClientID string
	// PublicKeys verify the app's client assertions: *rsa.PublicKey or
	// *ecdsa.PublicKey (P-256).
	PublicKeys []crypto.PublicKey
	// JWKs are further public keys as JWK JSON documents (one key, or a
	// set {"keys": [...]}); a key with a "kid" serves only assertions
	// naming that kid.
	JWKs []string
	// Scopes are the scopes granted to the app, such as okta.users.manage.
	Scopes []string
	// DPoP makes the org issue DPoP-bound access tokens to the app, as Okta
	// does for new service apps.
	DPoP bool
}

const (
	assertionType   = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	maxAssertionTTL = time.Hour
	proofWindow     = 5 * time.Minute // how far a DPoP proof's iat may be from now
	nonceTTL        = 10 * time.Minute
	clockLeeway     = 5 * time.Second
)

type clientKey struct {
	kid string
	key crypto.PublicKey
}

type oauthClient struct {
	id     string
	keys   []clientKey
	scopes map[string]bool
	dpop   bool
}

type accessToken struct {
	clientID string
	scopes   map[string]bool
	expires  time.Time
	jkt      string // thumbprint of the bound DPoP key; "" for Bearer
}

type oauthState struct {
	clients map[string]*oauthClient

	mu         sync.Mutex
	tokens     map[string]*accessToken
	usedJTI    map[string]time.Time // assertion and proof ids -> forget after
	nonces     map[string]time.Time // issued DPoP nonces -> expiry
	lastPurged time.Time
}

func newOAuthState(clients []OAuthClient) (*oauthState, error) {
	st := &oauthState{
		clients: make(map[string]*oauthClient, len(clients)),
		tokens:  make(map[string]*accessToken),
		usedJTI: make(map[string]time.Time),
		nonces:  make(map[string]time.Time),
	}
	for _, c := range clients {
		if c.ClientID == "" {
			return nil, errors.New("oktasim: an OAuth client has no ClientID")
		}
		if st.clients[c.ClientID] != nil {
			return nil, fmt.Errorf("oktasim: OAuth client %s registered twice", c.ClientID)
		}
		oc := &oauthClient{id: c.ClientID, scopes: make(map[string]bool), dpop: c.DPoP}
		for _, s := range c.Scopes {
			oc.scopes[s] = true
		}
		for i, k := range c.PublicKeys {
			if err := checkPublicKey(k); err != nil {
				return nil, fmt.Errorf("oktasim: OAuth client %s key %d: %w", c.ClientID, i, err)
			}
			oc.keys = append(oc.keys, clientKey{key: k})
		}
		for i, raw := range c.JWKs {
			keys, err := parseJWKs(raw)
			if err != nil {
				return nil, fmt.Errorf("oktasim: OAuth client %s JWK %d: %w", c.ClientID, i, err)
			}
			oc.keys = append(oc.keys, keys...)
		}
		if len(oc.keys) == 0 {
			return nil, fmt.Errorf("oktasim: OAuth client %s has no public key", c.ClientID)
		}
		st.clients[c.ClientID] = oc
	}
	return st, nil
}

// oauthError answers the token endpoint with an OAuth error.
func oauthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// purge forgets expired replay ids, nonces and tokens. Call with o.mu held.
func (o *oauthState) purge(now time.Time) {
	if now.Sub(o.lastPurged) < time.Minute {
		return
	}
	o.lastPurged = now
	for k, t := range o.usedJTI {
		if now.After(t) {
			delete(o.usedJTI, k)
		}
	}
	for k, t := range o.nonces {
		if now.After(t) {
			delete(o.nonces, k)
		}
	}
	for k, t := range o.tokens {
		if now.After(t.expires) {
			delete(o.tokens, k)
		}
	}
}

// useJTI records a one-time id; it reports false when the id was seen.
func (o *oauthState) useJTI(kind, jti string, now, forgetAfter time.Time) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.purge(now)
	key := kind + ":" + jti
	if t, seen := o.usedJTI[key]; seen && !now.After(t) {
		return false
	}
	o.usedJTI[key] = forgetAfter
	return true
}

func (o *oauthState) newNonce(now time.Time) string {
	n := randomID(32)
	o.mu.Lock()
	defer o.mu.Unlock()
	o.nonces[n] = now.Add(nonceTTL)
	return n
}

func (o *oauthState) validNonce(n string, now time.Time) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	t, ok := o.nonces[n]
	return ok && !now.After(t)
}
