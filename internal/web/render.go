package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/oktasync/oktasync/internal/diff"
)

// pageData is what every page's template receives.
type pageData struct {
	Title    string
	Nav      string // the page's name, for the navigation
	Org      string
	ReadOnly bool
	CSRF     string
	Back     string // the page's path and query, where a form returns
	Now      time.Time
	Data     any
	Notice   string // a message carried by ?done=
}

// parsePages parses each page's template with the layout.
func parsePages() (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"when":      formatTime,
		"whenp":     func(t *time.Time) string { return formatTimePtr(t) },
		"value":     func(v any) string { return diff.FormatValue(v) },
		"attrs":     sortedKeys,
		"statusCls": statusClass,
		"dict":      dict,
	}
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(assets, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("web: parse layout: %w", err)
	}
	names, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: list templates: %w", err)
	}
	pages := make(map[string]*template.Template)
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(assets, n)
		if err != nil {
			return nil, fmt.Errorf("web: parse %s: %w", n, err)
		}
		pages[name] = t
	}
	return pages, nil
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

func formatTimePtr(t *time.Time) string {
	if t == nil {
		return "—"
	}
	return formatTime(*t)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// statusClass names the CSS class of a run, operation or plan status.
func statusClass(s string) string {
	switch s {
	case "succeeded", "applied", "used":
		return "ok"
	case "failed", "blocked", "interrupted":
		return "bad"
	case "partial", "skipped", "pending":
		return "warn"
	case "approved", "running":
		return "info"
	}
	return "muted"
}

// dict makes a map of its key and value arguments, for a template's
// argument.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, errors.New("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// titles are the pages' titles.
var titles = map[string]string{
	"overview": "Overview", "runs": "Runs", "run": "Run", "plan": "Last plan",
	"user": "User", "users": "Users", "held": "Held plans", "heldplan": "Held plan", "error": "Error",
}

// navOf maps a page to the navigation entry it falls under.
var navOf = map[string]string{"run": "runs", "user": "users", "heldplan": "held"}

// page serves the HTML page name with what build returns.
func (s *Server) page(name string, build func(*http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		data, err := build(r)
		if err != nil {
			s.htmlError(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, name, data)
	}
}

// render writes page name with data.
func (s *Server) render(w http.ResponseWriter, r *http.Request, code int, name string, data any) {
	nav := name
	if n, ok := navOf[name]; ok {
		nav = n
	}
	pd := pageData{
		Title: titles[name], Nav: nav, Org: s.cfg.Org, ReadOnly: s.ReadOnly(), CSRF: s.csrfToken(),
		Back: r.URL.RequestURI(), Now: s.cfg.Now().UTC(), Data: data, Notice: r.URL.Query().Get("done"),
	}
	var buf bytes.Buffer
	if err := s.pages[name].ExecuteTemplate(&buf, "layout.html", pd); err != nil {
		s.log.Error("render status page", "page", name, "err", err)
		http.Error(w, "could not render the page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_, _ = buf.WriteTo(w)
}

// errorCode returns the HTTP status of err, and the message to show.
func (s *Server) errorCode(r *http.Request, err error) (int, string) {
	var he *httpError
	if errors.As(err, &he) {
		return he.code, he.msg
	}
	s.log.Error("status page", "path", r.URL.Path, "err", err)
	return http.StatusInternalServerError, "could not read the state store; see serve's log"
}

func (s *Server) htmlError(w http.ResponseWriter, r *http.Request, err error) {
	code, msg := s.errorCode(r, err)
	s.render(w, r, code, "error", map[string]any{"Code": code, "Message": msg})
}

// api serves what build returns as JSON.
func (s *Server) api(build func(*http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		data, err := build(r)
		if err != nil {
			code, msg := s.errorCode(r, err)
			writeJSON(w, code, map[string]string{"error": msg})
			return
		}
		writeJSON(w, http.StatusOK, data)
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		http.Error(w, `{"error":"could not encode the answer"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(append(b, '\n'))
}

// userSearch serves the user search form, and sends ?login= to the
// user's page.
func (s *Server) userSearch(w http.ResponseWriter, r *http.Request) {
	if login := strings.TrimSpace(r.URL.Query().Get("login")); login != "" {
		http.Redirect(w, r, "/users/"+url.PathEscape(login), http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "users", nil)
}
