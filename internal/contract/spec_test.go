package contract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/oktasync/oktasync/internal/testenv"
)

// specDirFromRoot is where Okta's OpenAPI files sit, relative to the
// repository root: beside the repository's folder, never inside it.
const specDirFromRoot = "../shared/okta-openapi"

// specFile is the cut of Okta's specification that covers the operations
// oktasync uses, with every component they reference.
const specFile = "oktasync-subset-apps.yaml"

// specServer is the server URL requests are moved to before routing: the
// specification's own default for {yourOktaDomain}. The simulator listens on
// a loopback address, which the spec's server template does not describe.
const specServer = "https://subdomain.okta.com"

// spec is the loaded specification, a router over it, and the record of
// which operations have been validated so far in this test binary.
type spec struct {
	doc    *openapi3.T
	router routers.Router

	mu        sync.Mutex
	validated map[string]int // operationId → exchanges that validated
	failed    map[string]int // operationId → exchanges that did not
}

var (
	specOnce   sync.Once
	loadedSpec *spec
	specSkip   string // why the spec is unavailable; empty when loaded
	specErr    error
)

// repoRoot walks up from the working directory to the folder holding go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find repository root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("find repository root: no go.mod above the working directory")
		}
		dir = parent
	}
}

// specPath returns the path of the specification file.
func specPath() (string, error) {
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, specDirFromRoot, specFile), nil
}

// absentSpec says what to do when the specification folder dir is absent:
// outside CI, skip (the reason names the folder); under CI=true, where the
// folder must be present, fail with an error naming it.
func absentSpec(dir string, ci bool) (skip string, err error) {
	msg := fmt.Sprintf("Okta's OpenAPI specification folder %s is absent (expected beside the repository, at %s relative to its root); contract tests need it", dir, specDirFromRoot)
	if ci {
		return "", fmt.Errorf("%s, and %s=true requires it", msg, testenv.EnvCI)
	}
	return msg, nil
}

// loadSpec returns the specification, loading it once per test binary. It
// skips the test, naming the path, when the specification folder is absent
// outside CI; it fails the test when the folder is absent under CI=true, or
// when the files are present but cannot be loaded.
func loadSpec(t testing.TB) *spec {
	t.Helper()
	s, skip, err := trySpec()
	if skip != "" {
		t.Skip(skip)
	}
	if err != nil {
		t.Fatalf("contract spec: %v", err)
	}
	return s
}

// trySpec loads the specification once per test binary. It returns the
// reason to skip when the specification folder is absent outside CI, or
// the error (the folder absent under CI=true, or a file unreadable).
func trySpec() (*spec, string, error) {
	specOnce.Do(func() {
		path, err := specPath()
		if err != nil {
			specErr = err
			return
		}
		if _, err := os.Stat(filepath.Dir(path)); errors.Is(err, os.ErrNotExist) {
			specSkip, specErr = absentSpec(filepath.Dir(path), testenv.CI())
			return
		}
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromFile(path)
		if err != nil {
			specErr = fmt.Errorf("load %s: %w", path, err)
			return
		}
		// Whole-document validation (doc.Validate) is skipped on purpose:
		// Okta's own UserSchema definition has an array without items,
		// which kin-openapi reports as an invalid document. Requests and
		// responses are validated one by one with openapi3filter instead.
		//
		if err := amendSpec(doc); err != nil {
			specErr = fmt.Errorf("amend %s: %w", path, err)
			return
		}
		// The router matches on the server URL, so the document gets the
		// single server that routing moves every request to.
		doc.Servers = openapi3.Servers{{URL: specServer}}
		router, err := gorillamux.NewRouter(doc)
		if err != nil {
			specErr = fmt.Errorf("build a router over %s: %w", path, err)
			return
		}
		loadedSpec = &spec{doc: doc, router: router, validated: map[string]int{}, failed: map[string]int{}}
	})
	return loadedSpec, specSkip, specErr
}

// amendSpec makes the few changes to Okta's specification that Okta's own
// documentation calls for, each one named here:
//
//   - TokenResponseTokenType lists only "Bearer" and "N_A", yet an org
//     that binds tokens with DPoP answers token_type "DPoP" (Okta's DPoP
//     guide, and okta-api.md). "DPoP" is added to the enum.
func amendSpec(doc *openapi3.T) error {
	ref := doc.Components.Schemas["TokenResponseTokenType"]
	if ref == nil || ref.Value == nil {
		return errors.New("schema TokenResponseTokenType not found")
	}
	if !slices.Contains(ref.Value.Enum, any("DPoP")) {
		ref.Value.Enum = append(ref.Value.Enum, "DPoP")
	}
	return nil
}

// rawBodyKey carries a request's body bytes to the authentication check,
// which must not consume the body that validation reads afterwards.
type rawBodyKey struct{}

// authenticate checks that a request carries credentials of the security
// scheme the specification names. It never reports a credential's value.
func authenticate(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	req := in.RequestValidationInput.Request
	authz := req.Header.Get("Authorization")
	switch in.SecuritySchemeName {
	case "apiToken":
		if strings.HasPrefix(authz, "SSWS ") && len(authz) > len("SSWS ") {
			return nil
		}
		return errors.New("no Authorization: SSWS <token> header")
	case "oauth2":
		for _, p := range []string{"Bearer ", "DPoP "} {
			if strings.HasPrefix(authz, p) && len(authz) > len(p) {
				return nil
			}
		}
		return errors.New("no Authorization: Bearer|DPoP <access token> header")
	case "Client_authentication_private_key_jwt":
		// Real Okta also takes the parameters from the query string, as
		// the official Go SDK sends them (okta-api.md), so both count.
		raw, _ := req.Context().Value(rawBodyKey{}).([]byte)
		form, err := url.ParseQuery(string(raw))
		if err != nil {
			return fmt.Errorf("token request body is not form-encoded: %w", err)
		}
		for k, v := range req.URL.Query() {
			if _, ok := form[k]; !ok {
				form[k] = v
			}
		}
		if form.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" || form.Get("client_assertion") == "" {
			return errors.New("no private_key_jwt client assertion in the token request body")
		}
		return nil
	default:
		return fmt.Errorf("security scheme %s is not one oktasync uses", in.SecuritySchemeName)
	}
}

// validationOptions are the openapi3filter options for every exchange.
//
// Relaxations, each deliberate:
//   - Schema error details (the schema and the offending value) are left
//     out of messages, because request and response bodies can hold
//     passwords, client assertions and access tokens; the JSON pointer and
//     the reason remain.
//   - Unknown string formats (such as "email" and "uri") are not checked,
//     kin-openapi's default for OpenAPI 3.0: Okta's own examples do not
//     hold to a single reading of them. "date-time" and the integer formats
//     are checked.
func validationOptions() *openapi3filter.Options {
	return &openapi3filter.Options{
		AuthenticationFunc:    authenticate,
		IncludeResponseStatus: true,
		MultiError:            true,
		SchemaValidationOptions: []openapi3.SchemaValidationOption{
			openapi3.DisableSchemaErrorDetails(),
		},
	}
}

// exchange is one captured request and its answer.
type exchange struct {
	method, path string // path without query, as sent
	query        url.Values
	reqHeader    http.Header
	reqBody      []byte
	status       int
	respHeader   http.Header
	respBody     []byte
	operationID  string // set once routed
	// tokenParamsInQuery accepts the token request's form parameters in
	// the query string (the official SDK's way).
	tokenParamsInQuery bool
}

func (e *exchange) String() string {
	return fmt.Sprintf("%s %s → %d", e.method, e.path, e.status)
}

// validate checks one exchange against the specification: the request
// against its operation's parameters, security and body, and the response's
// status, headers and body against the operation's responses. It returns the
// operation id when the exchange could be routed.
func (s *spec) validate(ctx context.Context, e *exchange) (string, error) {
	u := &url.URL{Path: e.path, RawQuery: e.query.Encode()}
	base, _ := url.Parse(specServer)
	u.Scheme, u.Host = base.Scheme, base.Host
	req, err := http.NewRequestWithContext(context.WithValue(ctx, rawBodyKey{}, e.reqBody), e.method, u.String(), bytes.NewReader(e.reqBody))
	if err != nil {
		return "", fmt.Errorf("rebuild request: %w", err)
	}
	req.Header = e.reqHeader.Clone()
	route, pathParams, err := s.router.FindRoute(req)
	if err != nil {
		return "", fmt.Errorf("no operation in the specification for %s %s: %w", e.method, e.path, err)
	}
	opID := route.Operation.OperationID
	opts := validationOptions()
	in := &openapi3filter.RequestValidationInput{
		Request:    req,
		PathParams: pathParams,
		Route:      route,
		Options:    opts,
	}
	var errs []error
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
		errs = append(errs, fmt.Errorf("request: %w", err))
	}
	if err := undeclaredQuery(route, e); err != nil {
		errs = append(errs, fmt.Errorf("request: %w", err))
	}
	if err := unknownRequestKeys(route, e); err != nil {
		errs = append(errs, fmt.Errorf("request: %w", err))
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 e.status,
		Header:                 e.respHeader,
		Options:                opts,
	}
	out.SetBodyBytes(e.respBody)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		errs = append(errs, fmt.Errorf("response: %w", err))
	}
	if err := s.unknownKeys(route, e); err != nil {
		errs = append(errs, fmt.Errorf("response: %w", err))
	}
	err = errors.Join(errs...)
	s.mu.Lock()
	if err != nil {
		s.failed[opID]++
	} else {
		s.validated[opID]++
	}
	s.mu.Unlock()
	return opID, err
}

// unknownRequestKeys reports keys of a JSON request body that the request
// schema does not declare: Okta ignores a misspelt key, so the sender's
// intent would be silently lost.
func unknownRequestKeys(route *routers.Route, e *exchange) error {
	rb := route.Operation.RequestBody
	if rb == nil || rb.Value == nil || len(e.reqBody) == 0 {
		return nil
	}
	ct := e.reqHeader.Get("Content-Type")
	if !strings.Contains(ct, "json") {
		return nil
	}
	mt := rb.Value.Content.Get(ct)
	if mt == nil || mt.Schema == nil {
		return nil
	}
	keys, err := unknownResponseProperties(mt.Schema, e.reqBody)
	if err != nil {
		return err
	}
	if len(keys) > 0 {
		return fmt.Errorf("body keys the schema does not declare: %v", keys)
	}
	return nil
}

// toleratedKeys are response keys, by "operationId pointer", that the
// response schema does not declare but that are let through, each with the
// reason. The specification itself allows them (its objects are open); the
// unknown-key check exists to catch misspellings.
var toleratedKeys = map[string]string{
	// Okta's own example UserSchemaDefaultResponse carries a top-level
	// description (spelt "descripton" there); the UserSchema schema omits it.
	"getUserSchema /description": "in Okta's example response",
	// The simulator links the default user type from the schema; neither
	// Okta's schema (LinksSelf) nor its example shows a "type" relation.
	// Harmless to clients, reported as a simulator deviation.
	"getUserSchema /_links/type": "simulator extra, reported",
}

// unknownKeys reports keys of a JSON response body that the response's
// schema does not declare (see unknownProperties).
func (s *spec) unknownKeys(route *routers.Route, e *exchange) error {
	ref := route.Operation.Responses.Status(e.status)
	if ref == nil || ref.Value == nil {
		return nil
	}
	mt := ref.Value.Content.Get(e.respHeader.Get("Content-Type"))
	if mt == nil || mt.Schema == nil {
		return nil
	}
	found, err := unknownResponseProperties(mt.Schema, e.respBody)
	if err != nil {
		return err
	}
	var keys []string
	for _, k := range found {
		if _, ok := toleratedKeys[route.Operation.OperationID+" "+k]; !ok {
			keys = append(keys, k)
		}
	}
	if len(keys) > 0 {
		return fmt.Errorf("keys the schema does not declare: %v", keys)
	}
	return nil
}

// tokenFormParams are the token request's form parameters, which the
// official Go SDK sends in the query string (okta-api.md: real Okta accepts
// them there).
var tokenFormParams = map[string]bool{"grant_type": true, "scope": true, "client_assertion_type": true, "client_assertion": true}

// undeclaredQuery reports query parameters that the operation does not
// declare. openapi3filter lets them pass, yet a misspelt parameter
// ("sortorder", "limits") is silently ignored by Okta, so a request that
// sends one does not do what its sender means.
func undeclaredQuery(route *routers.Route, e *exchange) error {
	declared := map[string]bool{}
	for _, params := range []openapi3.Parameters{route.PathItem.Parameters, route.Operation.Parameters} {
		for _, p := range params {
			if p.Value != nil && p.Value.In == openapi3.ParameterInQuery {
				declared[p.Value.Name] = true
			}
		}
	}
	var bad []string
	for k := range e.query {
		if declared[k] || (e.tokenParamsInQuery && route.Operation.OperationID == "token" && tokenFormParams[k]) {
			continue
		}
		bad = append(bad, k)
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Strings(bad)
	return fmt.Errorf("query parameters %v are not defined for operation %s", bad, route.Operation.OperationID)
}

// validatedOperations returns the operation ids validated at least once
// without error, sorted, and those that failed at least once.
func (s *spec) validatedOperations() (ok, failed []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id := range s.validated {
		ok = append(ok, id)
	}
	for id := range s.failed {
		failed = append(failed, id)
	}
	sort.Strings(ok)
	sort.Strings(failed)
	return ok, failed
}

// operationIDs returns every operation id in the specification, sorted.
func (s *spec) operationIDs() []string {
	var ids []string
	for _, item := range s.doc.Paths.Map() {
		for _, op := range item.Operations() {
			ids = append(ids, op.OperationID)
		}
	}
	sort.Strings(ids)
	return ids
}

// recorder is an http.RoundTripper that captures every exchange and
// validates it against the specification as it happens.
type recorder struct {
	t    testing.TB
	spec *spec
	base http.RoundTripper
	// tokenParamsInQuery: see exchange.tokenParamsInQuery.
	tokenParamsInQuery bool

	mu        sync.Mutex
	exchanges []*exchange
}

// newRecorder wraps base (http.DefaultTransport when nil).
func newRecorder(t testing.TB, s *spec, base http.RoundTripper) *recorder {
	if base == nil {
		base = http.DefaultTransport
	}
	return &recorder{t: t, spec: s, base: base}
}

// RoundTrip sends the request through the wrapped transport, then validates
// the exchange and reports any mismatch as a test error.
func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	out := req
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("recorder: read request body: %w", err)
		}
		reqBody = b
		out = req.Clone(req.Context())
		out.Body = io.NopCloser(bytes.NewReader(b))
		out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	}
	resp, err := r.base.RoundTrip(out)
	if err != nil {
		return nil, err
	}
	respBody, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(respBody))
	if err != nil {
		return nil, fmt.Errorf("recorder: read response body: %w", err)
	}
	e := &exchange{
		method:     req.Method,
		path:       req.URL.Path,
		query:      req.URL.Query(),
		reqHeader:  req.Header.Clone(),
		reqBody:    reqBody,
		status:     resp.StatusCode,
		respHeader: resp.Header.Clone(),
		respBody:   respBody,

		tokenParamsInQuery: r.tokenParamsInQuery,
	}
	opID, verr := r.spec.validate(req.Context(), e)
	e.operationID = opID
	if verr != nil {
		r.t.Errorf("contract: %s (operation %q): %v", e, opID, verr)
	}
	for _, h := range missingOktaHeaders(e) {
		r.t.Errorf("contract: %s (operation %q): no %s header; okta-api.md says every response carries it", e, opID, h)
	}
	r.mu.Lock()
	r.exchanges = append(r.exchanges, e)
	r.mu.Unlock()
	return resp, nil
}

// operations returns the operation ids of the exchanges captured so far,
// in order, with repeats.
func (r *recorder) operations() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	ids := make([]string, 0, len(r.exchanges))
	for _, e := range r.exchanges {
		ids = append(ids, e.operationID)
	}
	return ids
}

// take returns the captured exchanges and forgets them.
func (r *recorder) take() []*exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.exchanges
	r.exchanges = nil
	return out
}

// oktaHeaders are the headers okta-api.md says every API response carries:
// the request id, the server's clock, and the figures of the request's
// rate-limit bucket.
var oktaHeaders = []string{"X-Okta-Request-Id", "Date", "X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset"}

// missingOktaHeaders returns the oktaHeaders an API or token answer lacks.
func missingOktaHeaders(e *exchange) []string {
	if !strings.HasPrefix(e.path, "/api/") && !strings.HasPrefix(e.path, "/oauth2/") {
		return nil
	}
	var out []string
	for _, h := range oktaHeaders {
		if e.respHeader.Get(h) == "" {
			out = append(out, h)
		}
	}
	return out
}
