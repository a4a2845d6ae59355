package oktasim

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

var proofMethods = []string{"RS256", "ES256", "PS256", "ES384"}

// dpopProof is a verified DPoP proof.
type dpopProof struct {
	jkt   string
	nonce string
	ath   string
}

// verifyProof checks a DPoP proof JWT for a request to htu with method htm.
func (s *Server) verifyProof(proof, htm, htu string) (*dpopProof, error) {
	now := s.now()
	var jwk jwkJSON
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(proof, claims, func(t *jwt.Token) (any, error) {
		if typ, _ := t.Header["typ"].(string); !strings.EqualFold(typ, "dpop+jwt") {
			return nil, errors.New(`typ is not "dpop+jwt"`)
		}
		raw, err := json.Marshal(t.Header["jwk"])
		if err != nil || t.Header["jwk"] == nil {
			return nil, errors.New("jwk header missing")
		}
		if err := json.Unmarshal(raw, &jwk); err != nil {
			return nil, errors.New("jwk header malformed")
		}
		return jwk.publicKey()
	}, jwt.WithValidMethods(proofMethods), jwt.WithTimeFunc(s.now), jwt.WithoutClaimsValidation())
	if err != nil {
		return nil, fmt.Errorf("DPoP proof not valid: %w", err)
	}
	if m, _ := claims["htm"].(string); m != htm {
		return nil, fmt.Errorf("DPoP proof htm %q does not match %s", m, htm)
	}
	if u, _ := claims["htu"].(string); !sameHTU(u, htu) {
		return nil, fmt.Errorf("DPoP proof htu %q does not match the request URL", u)
	}
	iatF, ok := claims["iat"].(float64)
	if !ok {
		return nil, errors.New("DPoP proof has no iat")
	}
	iat := time.Unix(int64(iatF), 0)
	if iat.Before(now.Add(-proofWindow)) || iat.After(now.Add(proofWindow)) {
		return nil, errors.New("DPoP proof iat is too far from now")
	}
	jti, _ := claims["jti"].(string)
	if jti == "" {
		return nil, errors.New("DPoP proof has no jti")
	}
	if !s.oauth.useJTI("proof", jti, now, now.Add(2*proofWindow)) {
		return nil, errors.New("DPoP proof jti was already used")
	}
	p := &dpopProof{jkt: jwk.thumbprint()}
	p.nonce, _ = claims["nonce"].(string)
	p.ath, _ = claims["ath"].(string)
	return p, nil
}

// sameHTU compares a proof's htu with the request URL, ignoring query and
// fragment, and case in scheme and host.
func sameHTU(got, want string) bool {
	g, err := url.Parse(got)
	if err != nil {
		return false
	}
	w, err := url.Parse(want)
	if err != nil {
		return false
	}
	return strings.EqualFold(g.Scheme, w.Scheme) && strings.EqualFold(g.Host, w.Host) && g.EscapedPath() == w.EscapedPath()
}

// checkAccessToken authenticates a Bearer or DPoP access token. It returns
// (nil, true) for an unknown token (the caller answers 401 E0000011) and
// false when it has answered itself.
func (s *Server) checkAccessToken(w *statusWriter, r *http.Request, scheme, cred string) (*principal, bool) {
	now := s.now()
	s.oauth.mu.Lock()
	tok := s.oauth.tokens[cred]
	s.oauth.mu.Unlock()
	if tok == nil || now.After(tok.expires) {
		return nil, true
	}
	isDPoP := strings.EqualFold(scheme, "DPoP")
	if (tok.jkt != "") != isDPoP {
		return nil, true
	}
	if isDPoP {
		fail := func(desc string) (*principal, bool) {
			setRateHeaders(w, s.limiter.peek(s.bucketOf(r.Method, r.URL.Path), "anonymous"))
			w.Header().Set("WWW-Authenticate", `DPoP error="invalid_dpop_proof", error_description="`+desc+`"`)
			writeError(w, r, http.StatusUnauthorized, "E0000011", "Invalid token provided", desc)
			return nil, false
		}
		proofJWT := r.Header.Get("DPoP")
		if proofJWT == "" {
			return fail("The DPoP proof JWT header is missing.")
		}
		proof, err := s.verifyProof(proofJWT, r.Method, baseURL(r)+r.URL.EscapedPath())
		if err != nil {
			return fail(err.Error())
		}
		if proof.jkt != tok.jkt {
			return fail("The DPoP proof key is not the key the access token is bound to.")
		}
		sum := sha256.Sum256([]byte(cred))
		if proof.ath != base64.RawURLEncoding.EncodeToString(sum[:]) {
			return fail("The DPoP proof ath does not match the access token.")
		}
	}
	challenge := "Bearer"
	if isDPoP {
		challenge = "DPoP"
	}
	return &principal{key: "client-" + tok.clientID, oauth: true, scopes: tok.scopes, display: tok.clientID, challenge: challenge}, true
}
