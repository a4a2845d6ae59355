package oktasim

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"
)

// principal is the caller an API request was authenticated as.
type principal struct {
	// key identifies the caller for per-token rate-limit shares: the
	// token's position for an API token, the client id for OAuth.
	key string
	// oauth is true for an access token; scopes then limit what it may do.
	oauth  bool
	scopes map[string]bool
	// display names the caller in System Log events.
	display string
	// challenge is the WWW-Authenticate scheme for an access token.
	challenge string
}

type principalKey struct{}

func principalFrom(ctx context.Context) *principal {
	p, _ := ctx.Value(principalKey{}).(*principal)
	return p
}

// authenticate checks the Authorization header. On failure it answers 401
// and returns false.
func (s *Server) authenticate(w *statusWriter, r *http.Request) (*principal, bool) {
	auth := r.Header.Get("Authorization")
	scheme, cred, _ := strings.Cut(auth, " ")
	cred = strings.TrimSpace(cred)
	var p *principal
	switch {
	case strings.EqualFold(scheme, "SSWS"):
		p = s.checkAPIToken(cred)
	case strings.EqualFold(scheme, "Bearer"), strings.EqualFold(scheme, "DPoP"):
		var ok bool
		p, ok = s.checkAccessToken(w, r, scheme, cred)
		if !ok {
			return nil, false
		}
	}
	if p == nil {
		// A refused caller still learns the bucket's state; the refusal
		// does not count against it.
		setRateHeaders(w, s.limiter.peek(s.bucketOf(r.Method, r.URL.Path), "anonymous"))
		writeError(w, r, http.StatusUnauthorized, "E0000011", "Invalid token provided")
		return nil, false
	}
	*r = *r.WithContext(context.WithValue(r.Context(), principalKey{}, p))
	return p, true
}

// checkAPIToken finds an SSWS token, comparing in constant time.
func (s *Server) checkAPIToken(cred string) *principal {
	if cred == "" {
		return nil
	}
	i := 0
	for _, t := range s.opts.Tokens {
		i++
		if subtle.ConstantTimeCompare([]byte(t), []byte(cred)) == 1 {
			return &principal{key: "token-" + strconv.Itoa(i), display: "API token " + strconv.Itoa(i)}
		}
	}
	return nil
}

// authorize enforces OAuth scopes: an access token must carry the scope the
// route needs. On failure it answers 403 with no body.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, p *principal) bool {
	if !p.oauth {
		return true
	}
	need := requiredScope(r.Method, r.URL.Path)
	if need == "" || p.scopes[need] {
		return true
	}
	// A manage scope also grants read.
	if read, ok := strings.CutSuffix(need, ".read"); ok && p.scopes[read+".manage"] {
		return true
	}
	w.Header().Set("WWW-Authenticate", p.challenge+` authorization_uri="`+baseURL(r)+`/oauth2/v1/authorize", realm="`+baseURL(r)+`", scope="`+need+`", error="insufficient_scope", error_description="The access token provided does not contain the required scopes.", resource="`+r.URL.Path+`"`)
	w.WriteHeader(http.StatusForbidden)
	return false
}

// requiredScope is the OAuth scope a request needs.
func requiredScope(method, path string) string {
	read := method == http.MethodGet || method == http.MethodHead
	var area string
	switch {
	case strings.HasPrefix(path, "/api/v1/users"):
		area = "okta.users"
	case strings.HasPrefix(path, "/api/v1/groups"):
		area = "okta.groups"
	case strings.HasPrefix(path, "/api/v1/logs"):
		return "okta.logs.read"
	case strings.HasPrefix(path, "/api/v1/meta/schemas/user/linkedObjects"):
		area = "okta.linkedObjects"
	case strings.HasPrefix(path, "/api/v1/meta/schemas"):
		area = "okta.schemas"
	case strings.HasPrefix(path, "/api/v1/apps"):
		area = "okta.apps"
	default:
		return ""
	}
	if read {
		return area + ".read"
	}
	return area + ".manage"
}
