package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"mime"
	"net/http"
	"strings"
)

// csrfToken is the token the page's forms carry: an HMAC of a fixed
// message under the process's random secret. It changes when serve
// restarts.
func (s *Server) csrfToken() string {
	m := hmac.New(sha256.New, s.csrfKey)
	m.Write([]byte("oktasync status page form"))
	return hex.EncodeToString(m.Sum(nil))
}

// equal compares two secrets in constant time.
func equal(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}

// isForm says whether r's body is a form, as a browser sends it.
func isForm(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/x-www-form-urlencoded", "multipart/form-data", "text/plain":
		return true
	}
	return false
}

// authorize checks r's credential and, for a browser form sent with basic
// auth, its CSRF token. It returns who acted ("admin" for a bearer token,
// the user name of basic auth), or writes the refusal and returns false.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) (string, bool) {
	if s.ReadOnly() {
		s.refuse(w, r, http.StatusForbidden, "the status page is read-only: set serve.adminTokenFile to allow actions")
		return "", false
	}
	who, viaBasic := "", false
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && equal(strings.TrimSpace(tok), s.cfg.AdminToken) {
		who = "admin"
	} else if user, pass, ok := r.BasicAuth(); ok && equal(pass, s.cfg.AdminToken) {
		who, viaBasic = strings.TrimSpace(user), true
		if who == "" {
			who = "admin"
		}
	} else {
		w.Header().Set("WWW-Authenticate", `Basic realm="oktasync", charset="UTF-8"`)
		s.refuse(w, r, http.StatusUnauthorized, "this action needs the admin credential (serve.adminTokenFile), as a bearer token or the password of basic auth")
		return "", false
	}
	// A browser sends basic auth by itself, so a form it posts must also
	// carry the page's token.
	if viaBasic && isForm(r) && !equal(r.PostFormValue("csrf"), s.csrfToken()) {
		s.refuse(w, r, http.StatusForbidden, "the form's CSRF token is missing or stale: reload the page and try again")
		return "", false
	}
	return who, true
}

// refuse answers a refused action: JSON for scripts, a page for forms.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, code int, msg string) {
	s.log.Warn("status page action refused", "path", r.URL.Path, "code", code, "reason", msg)
	if isForm(r) {
		s.render(w, r, code, "error", map[string]any{"Code": code, "Message": msg})
		return
	}
	writeJSON(w, code, map[string]string{"error": msg})
}
