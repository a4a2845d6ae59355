package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/oktasync/oktasync/internal/limit"
	"github.com/oktasync/oktasync/internal/redact"
)

// ErrInvalid is wrapped by every error that says the configuration is
// wrong (as opposed to unreadable).
var ErrInvalid = errors.New("invalid configuration")

// FieldError says what is wrong with one key. It never holds a secret.
type FieldError struct {
	// Field is the key's dotted path, such as "okta.orgUrl".
	Field string
	// Msg says what is wrong and, where it can, how to fix it.
	Msg string
	// Where locates the value when it was read from a file or the
	// environment: "oktasync.yaml line 4", "environment OKTASYNC_CONCURRENCY".
	Where string
}

func (e *FieldError) Error() string {
	if e.Where != "" {
		return e.Where + ": " + e.Field + ": " + e.Msg
	}
	return e.Field + ": " + e.Msg
}

// Unwrap returns ErrInvalid.
func (e *FieldError) Unwrap() error { return ErrInvalid }

// EnvDisableHTTPSCheck is the Okta SDKs' environment switch that allows a
// plain-http orgUrl (for simulators and tests).
const EnvDisableHTTPSCheck = "OKTA_TESTING_TESTINGDISABLEHTTPSCHECK"

// Validate checks c and returns every problem found, each a *FieldError
// wrapping ErrInvalid (joined with errors.Join), or nil.
func (c *Config) Validate() error {
	return c.validate(os.LookupEnv)
}

// RunScopes are the OAuth scopes a run needs, each with what for: reading
// and changing users and groups, and reading the user schema the source's
// attributes are checked against.
var RunScopes = []struct{ Scope, For string }{
	{"okta.users.read", "read users"},
	{"okta.users.manage", "create, update, activate and deactivate users"},
	{"okta.groups.read", "read groups and their members"},
	{"okta.groups.manage", "create groups and add and remove members"},
	{"okta.schemas.read", "read the user schema the source's attributes are checked against"},
}

// AppScopes are the OAuth scopes a run with an apps list needs besides
// RunScopes.
var AppScopes = []struct{ Scope, For string }{
	{"okta.apps.read", "read the apps the apps list names and their assignments"},
	{"okta.apps.manage", "assign and unassign those apps"},
}

// LogLevels are the accepted values of log.level.
var LogLevels = []string{"debug", "info", "warn", "error"}

func (c *Config) validate(lookupEnv func(string) (string, bool)) error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)})
	}

	disableHTTPS := c.Okta.Testing.DisableHTTPSCheck
	if v, ok := lookupEnv(EnvDisableHTTPSCheck); ok {
		if b, err := strconv.ParseBool(v); err == nil && b {
			disableHTTPS = true
		}
	}
	c.validateOrgURL(bad, disableHTTPS)

	o := c.Okta
	switch o.AuthorizationMode {
	case AuthSSWS, "":
		switch {
		case o.Token == "":
			bad("okta.token", "required with authorizationMode SSWS: set okta.token, okta.tokenFile or OKTA_CLIENT_TOKEN")
		case strings.Contains(o.Token, "{apiToken}"):
			bad("okta.token", "still holds the {apiToken} placeholder")
		case strings.ContainsAny(o.Token, " \t\r\n"):
			bad("okta.token", "contains white space; check how it was copied")
		}
	case AuthPrivateKey:
		if o.ClientID == "" {
			bad("okta.clientId", "required with authorizationMode PrivateKey (env OKTA_CLIENT_CLIENTID)")
		}
		if len(o.Scopes) == 0 {
			bad("okta.scopes", "required with authorizationMode PrivateKey; a run needs [okta.users.read, okta.users.manage, okta.groups.read, okta.groups.manage, okta.schemas.read]")
		}
		switch k := strings.TrimSpace(o.PrivateKey); {
		case k == "":
			bad("okta.privateKey", "required with authorizationMode PrivateKey: set okta.privateKey, okta.privateKeyFile or OKTA_CLIENT_PRIVATEKEY")
		case !strings.HasPrefix(k, "-----BEGIN") && !strings.HasPrefix(k, "{"):
			bad("okta.privateKey", "want a PEM block (-----BEGIN …) or a JWK (JSON object)")
		}
	default:
		bad("okta.authorizationMode", "want SSWS or PrivateKey, got %q", o.AuthorizationMode)
	}
	if o.Proxy.Port < 0 || o.Proxy.Port > 65535 {
		bad("okta.proxy.port", "want a port from 1 to 65535, got %d", o.Proxy.Port)
	}
	if o.Proxy.Port != 0 && o.Proxy.Host == "" {
		bad("okta.proxy.host", "required when okta.proxy.port is set")
	}
	if (o.Proxy.Username != "" || o.Proxy.Password != "") && o.Proxy.Host == "" {
		bad("okta.proxy.host", "required when proxy credentials are set")
	}
	if o.ConnectionTimeout < 0 {
		bad("okta.connectionTimeout", "must not be negative")
	}
	if o.RequestTimeout < 0 {
		bad("okta.requestTimeout", "must not be negative (0 means no bound)")
	}
	if strings.ContainsAny(o.UserAgent, "\r\n") {
		bad("okta.userAgent", "must be one line")
	}
	if o.RateLimit.MaxRetries < 0 {
		bad("okta.rateLimit.maxRetries", "must not be negative, got %d", o.RateLimit.MaxRetries)
	}
	if !(o.RateLimit.MaxShare > 0 && o.RateLimit.MaxShare <= 1) {
		bad("okta.rateLimit.maxShare", "want a share of each rate-limit bucket above 0 and at most 1, such as 0.5, got %g", o.RateLimit.MaxShare)
	}
	if !(o.RateLimit.TokenShare >= 0.05 && o.RateLimit.TokenShare <= 1) {
		bad("okta.rateLimit.tokenShare", "want this token's share of each of the org's rate-limit buckets, from 0.05 to 1 as Okta's admin console sets it (default 0.5), got %g", o.RateLimit.TokenShare)
	}
	if o.RateLimit.MaxConcurrency < 1 {
		bad("okta.rateLimit.maxConcurrency", "want at least 1, got %d", o.RateLimit.MaxConcurrency)
	}

	c.validateSource(bad)
	c.validateState(bad)

	if c.Concurrency < 1 || c.Concurrency > 256 {
		bad("concurrency", "want a number of workers from 1 to 256, got %d", c.Concurrency)
	}
	c.validatePolicy(bad)
	c.validateApps(bad)
	errs = append(errs, c.validateMapping()...)
	c.validateLinks(bad)

	levelOK := false
	for _, l := range LogLevels {
		levelOK = levelOK || strings.EqualFold(c.Log.Level, l)
	}
	if !levelOK {
		bad("log.level", "want one of %s, got %q", strings.Join(LogLevels, ", "), c.Log.Level)
	}
	return errors.Join(errs...)
}

func (c *Config) validateOrgURL(bad func(field, format string, args ...any), disableHTTPS bool) {
	const f = "okta.orgUrl"
	raw := c.Okta.OrgURL
	if raw == "" {
		bad(f, "required: the org's URL, such as https://example.okta.com (env OKTA_CLIENT_ORGURL)")
		return
	}
	if strings.Contains(raw, "{yourOktaDomain}") {
		bad(f, "still holds the {yourOktaDomain} placeholder")
		return
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		bad(f, "want the org's URL, such as https://example.okta.com, got %q", redact.URL(raw))
		return
	}
	switch {
	case u.User != nil:
		bad(f, "must not hold credentials; use okta.token or okta.privateKey")
	case u.Scheme == "http" && !disableHTTPS:
		bad(f, "plain http is refused: use https, or for a simulator set okta.testing.disableHttpsCheck: true (or %s=true)", EnvDisableHTTPSCheck)
	case strings.Contains(u.Hostname(), "-admin."):
		bad(f, "is the admin console's URL: remove -admin from %q", u.Host)
	case (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "":
		bad(f, "want only the scheme and host, such as https://example.okta.com, got %q", redact.URL(raw))
	}
}

func (c *Config) validatePolicy(bad func(field, format string, args ...any)) {
	switch c.Users.CreateStatus {
	case "ACTIVE", "STAGED":
	default:
		bad("users.createStatus", "want ACTIVE or STAGED, got %q", c.Users.CreateStatus)
	}
	switch c.Users.Leavers {
	case "deactivate", "suspend", "report":
	default:
		bad("users.leavers", "want deactivate, suspend or report, got %q", c.Users.Leavers)
	}
	if c.Users.DeleteAfter < 0 {
		bad("users.deleteAfter", "must not be negative (0 never deletes)")
	}
	switch {
	case c.Users.LeaverGrace < 0:
		bad("users.leaverGrace", "must not be negative (0 deactivates leavers at once)")
	case c.Users.LeaverGrace > 0 && c.Users.Leavers != "deactivate":
		bad("users.leaverGrace", "works with users.leavers deactivate (suspend first, deactivate after the grace period), not %q", c.Users.Leavers)
	}
	for _, l := range []struct{ field, v string }{
		{"safety.maxDeactivations", c.Safety.MaxDeactivations},
		{"safety.maxMembershipRemovals", c.Safety.MaxMembershipRemovals},
	} {
		if _, err := limit.Parse(l.v); err != nil {
			bad(l.field, "%v", err)
		}
	}
	if _, err := limit.Parse(c.Safety.MaxAppUnassignments); err != nil && c.Safety.MaxAppUnassignments != "" {
		bad("safety.maxAppUnassignments", "%v", err)
	}
	if c.Safety.MinSourceUsers < 0 {
		bad("safety.minSourceUsers", "must not be negative")
	}
	s := c.Schedule
	switch {
	case s.Cron != "" && s.Every != 0:
		bad("schedule", "set only one of schedule.cron and schedule.every")
	case s.Every < 0:
		bad("schedule.every", "must not be negative")
	case s.Cron != "":
		if n := len(strings.Fields(s.Cron)); n != 5 && n != 6 && !strings.HasPrefix(s.Cron, "@") {
			bad("schedule.cron", "want five fields (minute hour day month weekday), or six with seconds first, got %d", n)
		}
	}
	if s.Jitter < 0 {
		bad("schedule.jitter", "must not be negative")
	}
	if c.Incremental.FullEvery <= 0 {
		bad("incremental.fullEvery", "must be positive, such as 24h or 7d")
	}
	if c.Serve.Addr != "" {
		if _, _, err := net.SplitHostPort(c.Serve.Addr); err != nil {
			bad("serve.addr", "want host:port, such as 127.0.0.1:9464, got %q", c.Serve.Addr)
		}
	}
	if (c.Serve.TLS.CertFile == "") != (c.Serve.TLS.KeyFile == "") {
		bad("serve.tls", "set both serve.tls.certFile and serve.tls.keyFile, or neither")
	}
	if c.State.Schema != "" && !identifier.MatchString(c.State.Schema) {
		bad("state.schema", "want a plain identifier (lower-case letters, digits and _, not starting with a digit), got %q", c.State.Schema)
	}
}

var identifier = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

func (c *Config) validateSource(bad func(field, format string, args ...any)) {
	csv, pg := c.Source.CSV, c.Source.Postgres
	switch {
	case csv == nil && pg == nil:
		bad("source", "required: set source.csv.users or source.postgres (url and users)")
		return
	case csv != nil && pg != nil:
		bad("source", "set only one of source.csv and source.postgres")
		return
	}
	if csv != nil && csv.Users == "" {
		bad("source.csv.users", "required: the users CSV file")
	}
	if pg != nil {
		if pg.URL == "" {
			bad("source.postgres.url", "required: a connection URL such as postgres://user@host/db (env OKTASYNC_SOURCE_POSTGRES_URL)")
		} else if u, err := url.Parse(pg.URL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			bad("source.postgres.url", "want a postgres:// URL, got %q", redact.URL(pg.URL))
		}
		if strings.TrimSpace(pg.Users) == "" {
			bad("source.postgres.users", "required: a query returning one row per user")
		}
		if pg.StatementTimeout < 0 {
			bad("source.postgres.statementTimeout", "must not be negative")
		}
	}
}

func (c *Config) validateState(bad func(field, format string, args ...any)) {
	const f = "state.url"
	raw := c.State.URL
	if raw == "" {
		bad(f, "required: sqlite:///path/to/state.db or postgres://…")
		return
	}
	if p, _, ok := splitSQLiteURL(raw); ok {
		if p == "" {
			bad(f, "names no file: want sqlite:///path/to/state.db or sqlite://state.db")
		}
		return
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		bad(f, "want sqlite:///path/to/state.db or postgres://…, got %q", redact.URL(raw))
	}
}
