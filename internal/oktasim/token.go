package oktasim

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// tokenFail is an OAuth error answer of the token endpoint.
type tokenFail struct {
	status int
	code   string
	desc   string
}

func badRequest(code, desc string) *tokenFail {
	return &tokenFail{status: http.StatusBadRequest, code: code, desc: desc}
}

func invalidClient(desc string) *tokenFail {
	return &tokenFail{status: http.StatusUnauthorized, code: "invalid_client", desc: desc}
}

// handleToken serves POST /oauth2/v1/token: client credentials with a
// private_key_jwt client assertion. Parameters may come in the form body or
// in the query string.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "The request body could not be read as a form.")
		return
	}
	form := r.Form
	tokenURL := baseURL(r) + "/oauth2/v1/token"
	now := s.now()

	client, fail := s.verifyAssertion(form, tokenURL, now)
	if fail != nil {
		oauthError(w, fail.status, fail.code, fail.desc)
		return
	}
	granted, grantedList, fail := grantScopes(client, form.Get("scope"))
	if fail != nil {
		oauthError(w, fail.status, fail.code, fail.desc)
		return
	}
	tokenType, jkt := "Bearer", ""
	if client.dpop {
		if jkt, fail = s.tokenProof(w, r, tokenURL, now); fail != nil {
			oauthError(w, fail.status, fail.code, fail.desc)
			return
		}
		tokenType = "DPoP"
	}

	tok := randomID(48)
	ttl := s.opts.AccessTokenTTL
	s.oauth.mu.Lock()
	s.oauth.tokens[tok] = &accessToken{clientID: client.id, scopes: granted, expires: now.Add(ttl), jkt: jkt}
	s.oauth.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, map[string]any{
		"token_type":   tokenType,
		"expires_in":   int(ttl / time.Second),
		"access_token": tok,
		"scope":        strings.Join(grantedList, " "),
	})
}

// verifyAssertion checks the grant type and the client assertion of a token
// request and returns the client it authenticates.
func (s *Server) verifyAssertion(form url.Values, tokenURL string, now time.Time) (*oauthClient, *tokenFail) {
	if gt := form.Get("grant_type"); gt != "client_credentials" {
		return nil, badRequest("unsupported_grant_type", "The grant_type must be client_credentials.")
	}
	if form.Get("client_assertion_type") != assertionType {
		return nil, invalidClient("The client_assertion_type must be " + assertionType + ".")
	}
	assertion := form.Get("client_assertion")
	if assertion == "" {
		return nil, invalidClient("The client_assertion is missing.")
	}

	// Find the client from the unverified claims, then verify.
	unverified := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(assertion, unverified); err != nil {
		return nil, invalidClient("The client_assertion is not a JWT.")
	}
	iss, _ := unverified["iss"].(string)
	client := s.oauth.clients[iss]
	if client == nil {
		return nil, invalidClient("The client_assertion names an unknown client.")
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(assertion, claims, client.keyFunc,
		jwt.WithValidMethods([]string{"RS256", "ES256"}),
		jwt.WithTimeFunc(s.now),
		jwt.WithLeeway(clockLeeway),
		jwt.WithExpirationRequired(),
		jwt.WithAudience(tokenURL),
		jwt.WithIssuer(client.id),
		jwt.WithSubject(client.id),
	)
	if err != nil {
		return nil, invalidClient("The client_assertion is not valid: " + err.Error())
	}
	exp, _ := claims.GetExpirationTime()
	if exp.Time.After(now.Add(maxAssertionTTL + clockLeeway)) {
		return nil, invalidClient("The client_assertion expires more than one hour from now.")
	}
	if jti, _ := claims["jti"].(string); jti != "" {
		if !s.oauth.useJTI("assertion:"+client.id, jti, now, exp.Time.Add(clockLeeway)) {
			return nil, invalidClient("The client_assertion jti has already been used.")
		}
	}
	return client, nil
}

// keyFunc gives the client's keys that may have signed an assertion: those
// whose kid matches the token's, or all when either has none.
func (c *oauthClient) keyFunc(t *jwt.Token) (any, error) {
	kid, _ := t.Header["kid"].(string)
	var candidates []jwt.VerificationKey
	for _, k := range c.keys {
		if kid == "" || k.kid == "" || k.kid == kid {
			candidates = append(candidates, k.key)
		}
	}
	if len(candidates) == 0 {
		return nil, errors.New("no key with that kid")
	}
	return jwt.VerificationKeySet{Keys: candidates}, nil
}

// grantScopes checks the requested scopes against the client's and returns
// them as a set and in request order, without repeats.
func grantScopes(client *oauthClient, scope string) (map[string]bool, []string, *tokenFail) {
	scopes := strings.Fields(scope)
	if len(scopes) == 0 {
		return nil, nil, badRequest("invalid_scope", "The scope parameter must name at least one scope.")
	}
	granted := map[string]bool{}
	var grantedList []string
	for _, sc := range scopes {
		if !client.scopes[sc] {
			return nil, nil, badRequest("invalid_scope", "One or more scopes are not configured for the authorization server resource.")
		}
		if !granted[sc] {
			grantedList = append(grantedList, sc)
		}
		granted[sc] = true
	}
	return granted, grantedList, nil
}

// tokenProof checks the DPoP proof of a token request and returns the
// thumbprint of its key. A proof without a current nonce is answered
// use_dpop_nonce with a fresh DPoP-Nonce header.
func (s *Server) tokenProof(w http.ResponseWriter, r *http.Request, tokenURL string, now time.Time) (string, *tokenFail) {
	proofJWT := r.Header.Get("DPoP")
	if proofJWT == "" {
		return "", badRequest("invalid_dpop_proof", "The DPoP proof JWT header is missing.")
	}
	proof, err := s.verifyProof(proofJWT, http.MethodPost, tokenURL)
	if err != nil {
		return "", badRequest("invalid_dpop_proof", err.Error())
	}
	if proof.nonce == "" || !s.oauth.validNonce(proof.nonce, now) {
		w.Header().Set("DPoP-Nonce", s.oauth.newNonce(now))
		return "", badRequest("use_dpop_nonce", "Authorization server requires nonce in DPoP proof.")
	}
	return proof.jkt, nil
}
