package web

import (
	"context"
	"crypto/rand"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/oktasync/oktasync/internal/diff"
	"github.com/oktasync/oktasync/internal/state"
)

//go:embed templates/*.html static/*
var assets embed.FS

// Store is what the status page reads from the state store, and the few
// records its actions write. state.Store satisfies it.
type Store interface {
	state.RunQueries
	state.Pauses
	// Operations lists a run's checkpoints in Seq order.
	Operations(ctx context.Context, runID int64) ([]state.OpRecord, error)
	// HeldPlansOf lists an org's held plans, newest first.
	HeldPlansOf(ctx context.Context, org string, limit int) ([]state.HeldPlan, error)
	// HeldPlan returns one held plan with its plan.
	HeldPlan(ctx context.Context, id int64) (state.HeldPlan, error)
	// ApproveHeldPlan approves a pending plan once.
	ApproveHeldPlan(ctx context.Context, id int64, by string) (state.HeldPlan, error)
	// RunApprovals returns the approvals the given runs used.
	RunApprovals(ctx context.Context, runIDs []int64) (map[int64]state.HeldPlan, error)
}

var _ Store = (state.Store)(nil)

// ErrBusy is returned by Control.RunNow while a sync runs.
var ErrBusy = errors.New("a sync is already running")

// Control is the schedule of `oktasync serve`.
type Control interface {
	// RunNow starts a sync now, even while the schedule is paused, or
	// returns ErrBusy.
	RunNow() error
	// NextRun is when the next scheduled sync starts, if known.
	NextRun() (time.Time, bool)
	// Running says whether a sync runs now.
	Running() bool
}

// Bucket is one Okta rate-limit bucket as Okta last reported it.
type Bucket struct {
	Name      string    `json:"bucket"`
	Limit     int       `json:"limit"`
	Remaining int       `json:"remaining"`
	Reset     time.Time `json:"reset"`
}

// LastPlan is the plan of the last sync.
type LastPlan struct {
	RunID  int64     // 0 when the run was not recorded
	At     time.Time // when it was made
	Status string    // how its run ended
	Plan   *diff.Plan
}

// UserSnapshot is a user as the last sync read it.
type UserSnapshot struct {
	// ReadAt is when the sync read it.
	ReadAt time.Time `json:"readAt"`
	// Source is the user's row in the source; nil when the source has
	// none.
	Source *SourceUser `json:"source"`
	// Okta is the user in Okta; nil when Okta had none in the scope read.
	Okta *OktaUser `json:"okta"`
	// OktaNotRead is set when the sync was incremental and did not read
	// the user from Okta (nothing about it changed there).
	OktaNotRead bool `json:"oktaNotRead,omitempty"`
}

// SourceUser is a user's source row.
type SourceUser struct {
	Status  string         `json:"status,omitempty"`
	Profile map[string]any `json:"profile"`
	Groups  []string       `json:"groups"`
}

// OktaUser is a user as Okta had it.
type OktaUser struct {
	ID      string         `json:"id"`
	Status  string         `json:"status"`
	Profile map[string]any `json:"profile"`
	Groups  []string       `json:"groups"`
}

// Config is what the status page shows and how it acts.
type Config struct {
	// Org names the org in the state store (its URL's host).
	Org string
	// Schedule describes the schedule for people ("every 15m").
	Schedule string
	Store    Store
	Control  Control
	// Budget returns the rate-limit buckets now; nil shows none.
	Budget func() []Bucket
	// LastPlan returns the last sync's plan, if there was one since start.
	LastPlan func() (LastPlan, bool)
	// User returns a user of the last sync by login; nil shows none.
	User func(login string) (UserSnapshot, bool)
	// AdminToken is the admin credential; empty makes the page read-only.
	AdminToken string
	// Logger receives the actions taken; nil discards.
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Server serves the status page.
type Server struct {
	cfg     Config
	log     *slog.Logger
	pages   map[string]*template.Template
	csrfKey []byte
	handler http.Handler
}

// New returns the status page's server.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil || cfg.Control == nil {
		return nil, errors.New("web: a store and a control are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{cfg: cfg, log: cfg.Logger, csrfKey: make([]byte, 32)}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if _, err := rand.Read(s.csrfKey); err != nil {
		return nil, fmt.Errorf("web: make the CSRF secret: %w", err)
	}
	var err error
	if s.pages, err = parsePages(); err != nil {
		return nil, err
	}
	s.handler = s.routes()
	return s, nil
}

// ServeHTTP serves the pages, the JSON API and the actions.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// ReadOnly says whether actions are refused because no credential is set.
func (s *Server) ReadOnly() bool { return s.cfg.AdminToken == "" }

// routes builds the handler of every path.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(assets, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))

	mux.HandleFunc("GET /{$}", s.page("overview", s.status))
	mux.HandleFunc("GET /runs", s.page("runs", s.runs))
	mux.HandleFunc("GET /runs/{id}", s.page("run", s.run))
	mux.HandleFunc("GET /plan", s.page("plan", s.plan))
	mux.HandleFunc("GET /users", s.userSearch)
	mux.HandleFunc("GET /users/{login}", s.page("user", s.user))
	mux.HandleFunc("GET /held", s.page("held", s.heldList))
	mux.HandleFunc("GET /held/{id}", s.page("heldplan", s.heldPlan))

	mux.HandleFunc("GET /api/status", s.api(s.status))
	mux.HandleFunc("GET /api/runs", s.api(s.runs))
	mux.HandleFunc("GET /api/runs/{id}", s.api(s.run))
	mux.HandleFunc("GET /api/plan", s.api(s.plan))
	mux.HandleFunc("GET /api/users/{login}", s.api(s.user))
	mux.HandleFunc("GET /api/held", s.api(s.heldList))
	mux.HandleFunc("GET /api/held/{id}", s.api(s.heldPlan))

	mux.HandleFunc("POST /api/run", s.action(s.runNow))
	mux.HandleFunc("POST /api/pause", s.action(s.pause))
	mux.HandleFunc("POST /api/resume", s.action(s.resume))
	mux.HandleFunc("POST /api/held/{id}/approve", s.action(s.approve))

	return securityHeaders(http.NewCrossOriginProtection().Handler(mux))
}

// securityHeaders sets headers that keep the pages to themselves: no
// scripts, no framing, styles and images from this origin only.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}
