package oktasim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configures a simulated org.
type Options struct {
	// Tokens are the accepted SSWS API tokens; at least one, unless Clients
	// registers an OAuth service app.
	Tokens []string
	// RateLimit configures the rate-limit buckets and the concurrency limit.
	RateLimit RateLimitOptions
	// Faults configures injected failures (none by default).
	Faults FaultOptions
	// MaxPageSize caps `limit` (and is the default) for the users and groups
	// lists; 0 means 200. When it is set below 1000 it also caps group
	// member pages, whose default and cap are otherwise 1000, as Okta's.
	MaxPageSize int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives one debug record per request; nil discards. Tokens
	// and other secrets are never logged.
	Logger *slog.Logger
	// Clients are the registered OAuth 2.0 service apps that may obtain
	// access tokens from /oauth2/v1/token.
	Clients []OAuthClient
	// CustomAttributes declare the custom attributes of the default user
	// schema, each as a name or name:type (type string, the default,
	// integer, number, boolean or array), as an admin adds them in Okta's
	// Profile Editor. The schema is Okta's base profile plus these and a
	// seed's CustomAttributes: a create or update that sets any other
	// attribute is refused with 400 E0000001, and so is a seed user that
	// has one. nil: none, as on a new org.
	CustomAttributes []string
	// GroupCustomAttributes declare the custom attributes of the group
	// schema (name or name:type, as CustomAttributes), besides name and
	// description. A group create or replace that sets any other
	// attribute, or a value of another type, is refused with 400
	// E0000001. nil: none, as on a new org.
	GroupCustomAttributes []string
	// SearchLag makes the `search` parameter of the users list eventually
	// consistent, as Okta's is: for this long after a user is created or
	// changed, search matches the user as it was before (a new user not at
	// all). 0 means search is current. `filter` is always current.
	SearchLag time.Duration
	// LifecycleDelay makes activations and deactivations asynchronous, as
	// Okta's are: for this long (on the org's clock, Now) after an
	// activate, reactivate, deactivate, DELETE of an active user, or a
	// create with activate=true, the user keeps its old status and shows
	// transitioningToStatus (ACTIVE for an activation, PROVISIONED for a
	// reactivation, DEPROVISIONED for a deactivation); meanwhile lifecycle
	// calls and profile updates are refused with 409 E0000112. 0 means
	// lifecycle changes are immediate.
	LifecycleDelay time.Duration
	// ActivationDelay is LifecycleDelay's former name; it is used when
	// LifecycleDelay is 0.
	//
	// Deprecated: use LifecycleDelay.
	ActivationDelay time.Duration
	// RefuseDeprovisionedUpdates refuses profile updates (POST or PUT
	// /api/v1/users/{id}) of DEPROVISIONED users with 404 E0000007, as an
	// org does that has not turned on "edit deactivated user profiles"
	// (Okta's default). false: such updates are accepted.
	RefuseDeprovisionedUpdates bool
	// CaseSensitiveFilter makes every `filter` value of the users list
	// case-sensitive, profile.login included, as Okta's are. false: filter
	// matches logins whatever their case. `search` values are never
	// case-sensitive; GET /api/v1/users/{login} finds a login whatever its
	// case.
	CaseSensitiveFilter bool
	// SearchCap is where a `search` listing of users stops, as Okta's stops
	// at 50,000 (SearchCapOkta): a page starting at or past it answers 400
	// E0000031. 0 means no cap. Plain lists and `filter` have no cap.
	SearchCap int
	// MemberPageTimeoutAbove makes large member pages time out, as Okta's
	// pages of 1000 full users can: GET /api/v1/groups/{id}/users whose
	// page size (limit, or the default) is above this and whose page would
	// hold more users than this answers 500 E0000009. 0 means never.
	MemberPageTimeoutAbove int
	// AccessTokenTTL is the lifetime of issued access tokens; 0 means one
	// hour.
	AccessTokenTTL time.Duration
}

// Server is a simulated Okta org. It is an http.Handler; all methods are
// safe for concurrent use.
type Server struct {
	// memberMax is the default and cap of a group member page.
	memberMax int
	opts      Options
	log       *slog.Logger
	now       func() time.Time
	mux       *http.ServeMux
	tokens    map[string]struct{}

	mu         sync.Mutex // guards the org state below
	users      map[string]*user
	userOrder  []string          // user ids, sorted
	idOrder    []string          // user ids in the order of sortBy=id (idorder.go)
	logins     map[string]string // lower-cased login -> user id
	groups     map[string]*group
	groupOrder []string          // group ids, sorted
	groupNames map[string]string // lower-cased name -> group id
	everyoneID string
	userTypeID string
	apps       map[string]*app // by id (apps.go)
	appOrder   []string        // app ids, sorted
	events     []logEvent
	customAttr map[string]string // declared custom attribute -> schema type
	groupAttr  map[string]string // declared custom group attribute -> schema type
	links      linkStore
	// inTransition holds the ids of users with a lifecycle change in
	// flight (Options.LifecycleDelay).
	inTransition map[string]struct{}
	// searchOffsets remembers, per search and cursor, how many results
	// came before the cursor (Options.SearchCap).
	searchOffsets map[string]int

	// dispatchHook, when set (by tests), runs before each API handler.
	dispatchHook func(*http.Request)

	limiter  *limiter
	faults   *faults
	oauth    *oauthState
	stats    statsCollector
	inFlight atomic.Int64
}

// New returns a simulated org holding only the BUILT_IN "Everyone" group.
func New(opts Options) (*Server, error) {
	if len(opts.Tokens) == 0 && len(opts.Clients) == 0 {
		return nil, errors.New("oktasim: at least one API token or OAuth client is required")
	}
	for i, t := range opts.Tokens {
		if strings.TrimSpace(t) == "" {
			return nil, fmt.Errorf("oktasim: API token %d is empty", i)
		}
	}
	if opts.MaxPageSize < 0 {
		return nil, fmt.Errorf("oktasim: MaxPageSize %d is negative", opts.MaxPageSize)
	}
	memberMax := 1000
	if opts.MaxPageSize > 0 && opts.MaxPageSize < memberMax {
		memberMax = opts.MaxPageSize
	}
	if opts.MaxPageSize == 0 {
		opts.MaxPageSize = 200
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.AccessTokenTTL <= 0 {
		opts.AccessTokenTTL = time.Hour
	}
	if opts.LifecycleDelay == 0 {
		opts.LifecycleDelay = opts.ActivationDelay
	}
	if opts.LifecycleDelay < 0 || opts.SearchCap < 0 || opts.MemberPageTimeoutAbove < 0 {
		return nil, fmt.Errorf("oktasim: negative option (lifecycle delay %v, search cap %d, member page timeout above %d)",
			opts.LifecycleDelay, opts.SearchCap, opts.MemberPageTimeoutAbove)
	}
	lim, err := newLimiter(opts.RateLimit, opts.Now)
	if err != nil {
		return nil, err
	}
	f, err := newFaults(opts.Faults)
	if err != nil {
		return nil, err
	}
	oa, err := newOAuthState(opts.Clients)
	if err != nil {
		return nil, err
	}
	s := &Server{
		opts:          opts,
		memberMax:     memberMax,
		log:           opts.Logger,
		now:           func() time.Time { return opts.Now().UTC() },
		tokens:        make(map[string]struct{}, len(opts.Tokens)),
		users:         make(map[string]*user),
		logins:        make(map[string]string),
		groups:        make(map[string]*group),
		groupNames:    make(map[string]string),
		customAttr:    make(map[string]string),
		groupAttr:     make(map[string]string),
		limiter:       lim,
		inTransition:  make(map[string]struct{}),
		searchOffsets: make(map[string]int),
		faults:        f,
		oauth:         oa,
	}
	for _, t := range opts.Tokens {
		s.tokens[t] = struct{}{}
	}
	if err := declareGroupAttrs(s.groupAttr, opts.GroupCustomAttributes); err != nil {
		return nil, fmt.Errorf("oktasim: %w", err)
	}
	for _, a := range opts.CustomAttributes {
		name, typ, err := parseCustomAttr(a)
		if err != nil {
			return nil, fmt.Errorf("oktasim: custom attribute: %w", err)
		}
		if !baseAttrSet[name] {
			s.customAttr[name] = typ
		}
	}
	s.stats.reset()
	s.userTypeID = "oty" + randomID(17)
	now := s.now()
	everyone := &group{
		id:                    newID("00g"),
		typ:                   groupBuiltIn,
		name:                  everyoneName,
		description:           "All users in your organization",
		created:               now,
		lastUpdated:           now,
		lastMembershipUpdated: now,
		members:               make(map[string]struct{}),
	}
	s.insertGroup(everyone)
	s.everyoneID = everyone.id
	s.mux = s.routes()
	return s, nil
}

func (s *Server) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("GET /api/v1/users", s.handleListUsers)
	m.HandleFunc("POST /api/v1/users", s.handleCreateUser)
	m.HandleFunc("GET /api/v1/users/{id}", s.handleGetUser)
	m.HandleFunc("POST /api/v1/users/{id}", s.handleUpdateUser)
	m.HandleFunc("PUT /api/v1/users/{id}", s.handleReplaceUser)
	m.HandleFunc("DELETE /api/v1/users/{id}", s.handleDeleteUser)
	m.HandleFunc("GET /api/v1/users/{id}/groups", s.handleUserGroups)
	for _, op := range []string{"activate", "reactivate", "deactivate", "suspend", "unsuspend", "unlock"} {
		m.HandleFunc("POST /api/v1/users/{id}/lifecycle/"+op, s.lifecycleHandler(op))
	}
	m.HandleFunc("GET /api/v1/groups", s.handleListGroups)
	m.HandleFunc("POST /api/v1/groups", s.handleCreateGroup)
	m.HandleFunc("GET /api/v1/groups/{id}", s.handleGetGroup)
	m.HandleFunc("PUT /api/v1/groups/{id}", s.handleReplaceGroup)
	m.HandleFunc("DELETE /api/v1/groups/{id}", s.handleDeleteGroup)
	m.HandleFunc("GET /api/v1/groups/{id}/users", s.handleListMembers)
	m.HandleFunc("PUT /api/v1/groups/{id}/users/{userId}", s.handleAddMember)
	m.HandleFunc("DELETE /api/v1/groups/{id}/users/{userId}", s.handleRemoveMember)
	m.HandleFunc("GET /api/v1/logs", s.handleLogs)
	m.HandleFunc("GET /api/v1/meta/schemas/user/{schemaId}", s.handleUserSchema)
	m.HandleFunc("GET /api/v1/meta/schemas/group/{schemaId}", s.handleGroupSchema)
	m.HandleFunc("POST /oauth2/v1/token", s.handleToken)
	s.linkRoutes(m)
	s.appRoutes(m)
	return m
}

// ServeHTTP answers one request the way the Okta org would.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/sim/") {
		s.serveSim(w, r)
		return
	}
	start := time.Now()
	reqID := randomID(20)
	h := w.Header()
	h.Set("X-Okta-Request-Id", reqID)
	h.Set("Date", s.now().Format(http.TimeFormat))

	_, pattern := s.mux.Handler(r)
	route := pattern
	if route == "" {
		route = r.Method + " (unmatched)"
	}
	bucket := s.bucketOf(r.Method, r.URL.Path)
	rec := &statusWriter{ResponseWriter: w}

	n := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	s.stats.request(bucket, r.Method != http.MethodGet && strings.HasPrefix(r.URL.Path, "/api/"),
		r.Header.Get("X-Okta-Retry-Count") != "", int(n))

	status := s.serveAPI(rec, r, bucket, int(n))
	if status == 0 {
		status = rec.status
	}
	if status == 0 {
		status = http.StatusOK
	}
	s.stats.status(route, status)
	s.log.Debug("oktasim request", "method", r.Method, "route", route, "status", status,
		"bucket", bucket, "requestId", reqID, "duration", time.Since(start))
	if status == statusDropped {
		drop(w)
	}
}

// serveAPI runs the checks every API request passes through, then the
// handler. It returns a status only when the connection was dropped.
func (s *Server) serveAPI(w *statusWriter, r *http.Request, bucket string, inFlight int) int {
	if c := s.opts.RateLimit.Concurrency; c > 0 && inFlight > c {
		s.stats.add(func(st *Stats) { st.ConcurrencyLimited++ })
		h := w.Header()
		h.Set("X-Rate-Limit-Limit", "0")
		h.Set("X-Rate-Limit-Remaining", "0")
		if s.opts.RateLimit.TwoResetLines {
			// The bucket's reset, then the concurrency limit's own.
			h.Add("X-Rate-Limit-Reset", strconv.FormatInt(s.limiter.peek(bucket, "anonymous").reset, 10))
		}
		h.Add("X-Rate-Limit-Reset", strconv.FormatInt(s.now().Add(time.Second).Unix(), 10))
		writeError(w, r, http.StatusTooManyRequests, "E0000047", "API call exceeded rate limit due to too many requests.")
		return 0
	}

	if bucket == bucketToken {
		// The token endpoint authenticates by its own means.
		if !s.rateLimit(w, r, bucket, "token") {
			return 0
		}
		return s.serveWithFaults(w, r)
	}

	principal, ok := s.authenticate(w, r)
	if !ok {
		return 0
	}
	if !s.rateLimit(w, r, bucket, principal.key) {
		return 0
	}
	if !s.authorize(w, r, principal) {
		return 0
	}
	return s.serveWithFaults(w, r)
}

// setRateHeaders writes the X-Rate-Limit-* headers of a decision.
func setRateHeaders(w http.ResponseWriter, d decision) {
	h := w.Header()
	h.Set("X-Rate-Limit-Limit", strconv.Itoa(d.limit))
	h.Set("X-Rate-Limit-Remaining", strconv.Itoa(d.remaining))
	h.Del("X-Rate-Limit-Reset")
	if d.laterReset != 0 {
		h.Add("X-Rate-Limit-Reset", strconv.FormatInt(d.laterReset, 10))
	}
	h.Add("X-Rate-Limit-Reset", strconv.FormatInt(d.reset, 10))
}

// rateLimit takes one request from the bucket and writes the rate-limit
// headers; it answers 429 and returns false when the bucket (or the caller's
// share of it) is spent.
func (s *Server) rateLimit(w http.ResponseWriter, r *http.Request, bucket, who string) bool {
	d := s.limiter.take(bucket, who)
	setRateHeaders(w, d)
	if d.allowed {
		return true
	}
	s.stats.add(func(st *Stats) { st.RateLimited++ })
	writeError(w, r, http.StatusTooManyRequests, "E0000047", "API call exceeded rate limit due to too many requests.")
	return false
}

func (s *Server) serveSim(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/sim/stats":
		writeJSON(w, http.StatusOK, s.Stats())
	case r.Method == http.MethodGet && r.URL.Path == "/sim/state":
		writeJSON(w, http.StatusOK, s.Snapshot())
	case r.Method == http.MethodPost && r.URL.Path == "/sim/stats/reset":
		s.ResetStats()
		w.WriteHeader(http.StatusNoContent)
	default:
		writeError(w, r, http.StatusNotFound, "E0000007", "Not found: Resource not found: "+r.URL.Path)
	}
}

// unmatched answers a request no route takes: 405 E0000022 when the path
// is served for other methods, else 404 E0000007.
func (s *Server) unmatched(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeError(w, r, http.StatusMethodNotAllowed, "E0000022", "The endpoint does not support the provided HTTP method")
		return
	}
	writeError(w, r, http.StatusNotFound, "E0000007", "Not found: Resource not found: "+r.URL.Path)
}

// statusWriter remembers the status code written through it.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// writeJSON writes v as the JSON body of a response.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// maxBody bounds request bodies.
const maxBody = 1 << 20

// decodeBody reads a JSON request body into v; a malformed body is answered
// 400 E0000003 and false is returned.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(b) > maxBody {
		writeError(w, r, http.StatusBadRequest, "E0000003", "The request body was not well-formed.")
		return false
	}
	if err := json.Unmarshal(b, v); err != nil {
		writeError(w, r, http.StatusBadRequest, "E0000003", "The request body was not well-formed.")
		return false
	}
	return true
}

const idAlphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

// randomID returns n random alphanumeric characters.
func randomID(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = idAlphabet[rand.IntN(len(idAlphabet))]
	}
	return string(b)
}

// newID returns an Okta-style 20-character id with the given 3-character
// prefix (00u for users, 00g for groups).
func newID(prefix string) string { return prefix + randomID(20-len(prefix)) }

// baseURL is the org URL as the caller addressed it.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "http" || p == "https" {
		scheme = p
	}
	return scheme + "://" + r.Host
}

// timeLayout is Okta's timestamp format.
const timeLayout = "2006-01-02T15:04:05.000Z"

func fmtTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// fmtTimePtr renders a nullable timestamp: the zero time is null.
func fmtTimePtr(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := fmtTime(t)
	return &s
}
