package config

import "time"

// Config is oktasync's whole configuration. Keys follow the YAML file; Okta
// client keys use the Okta SDKs' names.
//
// The env tags name the environment variable that overrides each key: the
// Okta SDKs' names (OKTA_CLIENT_…) for the Okta client keys and OKTASYNC_…
// for oktasync's own keys.
type Config struct {
	Okta        Okta    `yaml:"okta"`
	Source      Source  `yaml:"source"`
	Mapping     Mapping `yaml:"mapping"`
	Links       Links   `yaml:"links"`
	Scope       Scope   `yaml:"scope"`
	State       State   `yaml:"state"`
	Concurrency int     `yaml:"concurrency" env:"OKTASYNC_CONCURRENCY"`
	Log         Log     `yaml:"log"`

	Users    UserPolicy  `yaml:"users"`
	Groups   GroupPolicy `yaml:"groups"`
	Protect  Protect     `yaml:"protect"`
	Safety   Safety      `yaml:"safety"`
	Schedule Schedule    `yaml:"schedule"`
	Serve    Serve       `yaml:"serve"`
	// Apps are the apps whose assignments oktasync manages. They can
	// only be set in a file.
	Apps []App `yaml:"apps" env:"-"`

	Incremental Incremental `yaml:"incremental"`

	// Path is the file the config was read from ("" when none); relative
	// paths in the config are resolved against its directory.
	Path string `yaml:"-"`

	// Warnings are problems worth logging that do not stop a run, such as
	// a config file holding a secret that other users can read. They never
	// contain a secret.
	Warnings []string `yaml:"-"`
}

// Okta configures the API client.
type Okta struct {
	// OrgURL is the org's base URL, https://example.okta.com.
	OrgURL string `yaml:"orgUrl" env:"OKTA_CLIENT_ORGURL"`
	// AuthorizationMode is SSWS (an API token, the default) or PrivateKey
	// (OAuth 2.0 client credentials with a private_key_jwt assertion).
	AuthorizationMode string `yaml:"authorizationMode" env:"OKTA_CLIENT_AUTHORIZATIONMODE"`
	// Token is the SSWS API token. Secret.
	Token string `yaml:"token" env:"OKTA_CLIENT_TOKEN"`
	// TokenFile names a file holding the token (a mounted secret); Load
	// reads it into Token when Token is empty.
	TokenFile string `yaml:"tokenFile" env:"OKTASYNC_OKTA_TOKENFILE"`
	// ClientID is the OAuth service app's client id (PrivateKey mode).
	ClientID string `yaml:"clientId" env:"OKTA_CLIENT_CLIENTID"`
	// Scopes are the OAuth scopes requested (PrivateKey mode).
	Scopes []string `yaml:"scopes" env:"OKTA_CLIENT_SCOPES"`
	// PrivateKey is the service app's private key: a JWK as JSON, or PEM
	// (PKCS#1 or PKCS#8, RSA or EC). Secret.
	PrivateKey string `yaml:"privateKey" env:"OKTA_CLIENT_PRIVATEKEY"`
	// PrivateKeyFile names a file holding the private key; Load reads it
	// into PrivateKey when PrivateKey is empty.
	PrivateKeyFile string `yaml:"privateKeyFile" env:"OKTASYNC_OKTA_PRIVATEKEYFILE"`
	// Kid is the key id sent in the client assertion's header (optional).
	Kid string `yaml:"kid" env:"OKTA_CLIENT_PRIVATEKEYID"`
	// Proxy is an HTTP proxy for calls to Okta (optional).
	Proxy Proxy `yaml:"proxy"`
	// ConnectionTimeout bounds establishing a connection (dial and TLS).
	ConnectionTimeout time.Duration `yaml:"connectionTimeout" env:"OKTA_CLIENT_CONNECTIONTIMEOUT"`
	// UserAgent is appended to oktasync's own user agent.
	UserAgent string `yaml:"userAgent" env:"OKTA_CLIENT_USERAGENT"`
	// CAFile names a PEM bundle of extra trusted CA certificates.
	CAFile string `yaml:"caFile" env:"OKTASYNC_OKTA_CAFILE"`

	Testing   Testing   `yaml:"testing"`
	RateLimit RateLimit `yaml:"rateLimit"`
	// RequestTimeout bounds one API call including its retries; 0 means
	// no bound beyond the run's own context.
	RequestTimeout time.Duration `yaml:"requestTimeout" env:"OKTA_CLIENT_REQUESTTIMEOUT"`
}

// Authorization modes.
const (
	AuthSSWS       = "SSWS"
	AuthPrivateKey = "PrivateKey"
)

// Proxy configures an HTTP proxy.
type Proxy struct {
	Host     string `yaml:"host" env:"OKTA_CLIENT_PROXY_HOST"`
	Port     int    `yaml:"port" env:"OKTA_CLIENT_PROXY_PORT"`
	Username string `yaml:"username" env:"OKTA_CLIENT_PROXY_USERNAME"`
	// Password is the proxy password. Secret.
	Password string `yaml:"password" env:"OKTA_CLIENT_PROXY_PASSWORD"`
}

// Testing holds switches for tests and simulators only.
type Testing struct {
	DisableHTTPSCheck bool `yaml:"disableHttpsCheck" env:"OKTA_TESTING_TESTINGDISABLEHTTPSCHECK"`
}

// RateLimit configures pacing and retries.
type RateLimit struct {
	// MaxRetries bounds the retries of one call after a 429 or a
	// retryable failure.
	MaxRetries int `yaml:"maxRetries" env:"OKTA_CLIENT_RATELIMIT_MAXRETRIES"`
	// MaxShare is the share (0 < s ≤ 1) of this token's ceiling in each
	// rate-limit bucket that oktasync may spend, leaving the rest to
	// another program using the same token.
	MaxShare float64 `yaml:"maxShare" env:"OKTASYNC_OKTA_RATELIMIT_MAXSHARE"`
	// TokenShare is the share (0.05 ≤ s ≤ 1) of the org's bucket that
	// this API token or OAuth app may use, as the org's admin set it
	// (Okta's default is 0.5). oktasync never plans on more than this
	// share of an org figure until it learns the token's real ceiling.
	TokenShare float64 `yaml:"tokenShare" env:"OKTASYNC_OKTA_RATELIMIT_TOKENSHARE"`
	// MaxConcurrency bounds the requests in flight to Okta.
	MaxConcurrency int `yaml:"maxConcurrency" env:"OKTASYNC_OKTA_RATELIMIT_MAXCONCURRENCY"`
}

// Source says where desired state comes from. Exactly one of CSV and
// Postgres is set after a successful Load.
type Source struct {
	CSV      *CSVSource      `yaml:"csv" env:",init"`
	Postgres *PostgresSource `yaml:"postgres" env:",init"`
}

// CSVSource names the CSV files.
type CSVSource struct {
	// Users is the users file (required): a header row, then one user per
	// row.
	Users string `yaml:"users" env:"OKTASYNC_SOURCE_CSV_USERS"`
	// Groups is an optional file of groups (columns name, description).
	Groups string `yaml:"groups" env:"OKTASYNC_SOURCE_CSV_GROUPS"`
	// Memberships is an optional file of memberships (columns group,
	// login).
	Memberships string `yaml:"memberships" env:"OKTASYNC_SOURCE_CSV_MEMBERSHIPS"`
}

// PostgresSource reads desired state from PostgreSQL queries.
type PostgresSource struct {
	// URL is the connection URL (postgres://…). It may hold a password.
	URL string `yaml:"url" env:"OKTASYNC_SOURCE_POSTGRES_URL"`
	// Users is a query returning one row per user; column names map to
	// attributes as CSV columns do.
	Users string `yaml:"users" env:"OKTASYNC_SOURCE_POSTGRES_USERS"`
	// Groups is an optional query returning name, description.
	Groups string `yaml:"groups" env:"OKTASYNC_SOURCE_POSTGRES_GROUPS"`
	// Memberships is an optional query returning group, login.
	Memberships string `yaml:"memberships" env:"OKTASYNC_SOURCE_POSTGRES_MEMBERSHIPS"`
	// StatementTimeout bounds each query.
	StatementTimeout time.Duration `yaml:"statementTimeout" env:"OKTASYNC_SOURCE_POSTGRES_STATEMENTTIMEOUT"`
}

// Scope says which Okta objects oktasync manages.
type Scope struct {
	// Users is an Okta search expression; users matching it are managed.
	Users string `yaml:"users" env:"OKTASYNC_SCOPE_USERS"`
	// Groups puts OKTA_GROUPs in scope besides those the source names.
	Groups GroupScope `yaml:"groups"`
}

// GroupScope says which groups are managed besides those the source names.
type GroupScope struct {
	// Prefix puts every OKTA_GROUP whose name starts with it
	// (case-insensitively) in scope; "" for none.
	Prefix string `yaml:"prefix" env:"OKTASYNC_SCOPE_GROUPS_PREFIX"`
	// Search puts the OKTA_GROUPs matching this Okta group search
	// expression (e.g. profile.description sw "hr:") in scope; "" for none.
	Search string `yaml:"search" env:"OKTASYNC_SCOPE_GROUPS_SEARCH"`
}

// UserPolicy says how users are created and retired.
type UserPolicy struct {
	// CreateStatus is ACTIVE (create users active, and activate STAGED
	// managed users) or STAGED.
	CreateStatus string `yaml:"createStatus" env:"OKTASYNC_USERS_CREATESTATUS"`
	// SendActivationEmail lets Okta email users their activation link
	// (default false). When false no email goes out: a user without a
	// password is created STAGED and then activated with sendEmail=false,
	// since Okta emails every user created active without a password.
	SendActivationEmail bool `yaml:"sendActivationEmail" env:"OKTASYNC_USERS_SENDACTIVATIONEMAIL"`
	// EditDeactivatedProfiles says the org has turned on "edit deactivated
	// user profiles" (off by default in Okta): profile updates are then
	// planned for users who stay DEPROVISIONED, which Okta otherwise
	// refuses.
	EditDeactivatedProfiles bool `yaml:"editDeactivatedProfiles" env:"OKTASYNC_USERS_EDITDEACTIVATEDPROFILES"`
	// Reactivate reactivates a managed DEPROVISIONED user who is back in
	// the source.
	Reactivate bool `yaml:"reactivate" env:"OKTASYNC_USERS_REACTIVATE"`
	// DeleteAfter deletes a user oktasync deactivated once it has stayed
	// absent from the source this long; 0 never deletes.
	DeleteAfter time.Duration `yaml:"deleteAfter" env:"OKTASYNC_USERS_DELETEAFTER"`
	// Leavers says what happens to a managed user absent from the source:
	// deactivate, suspend (ACTIVE users; Okta suspends no others) or
	// report (listed in the plan, nothing applied for them).
	Leavers string `yaml:"leavers" env:"OKTASYNC_USERS_LEAVERS"`
	// LeaverGrace, with leavers deactivate, suspends a leaver first and
	// deactivates it once it has stayed absent this long; a leaver that
	// returns within it is unsuspended (0: deactivate at once).
	LeaverGrace time.Duration `yaml:"leaverGrace" env:"OKTASYNC_USERS_LEAVERGRACE"`
}

// GroupPolicy says how groups are retired.
type GroupPolicy struct {
	// DeleteUnlisted deletes OKTA_GROUPs in the group scope that the
	// source does not name.
	DeleteUnlisted bool `yaml:"deleteUnlisted" env:"OKTASYNC_GROUPS_DELETEUNLISTED"`
}

// Protect names what oktasync never changes.
type Protect struct {
	// Logins are users never updated, suspended, deactivated, deleted or
	// removed from a group.
	Logins []string `yaml:"logins" env:"OKTASYNC_PROTECT_LOGINS"`
	// Groups are groups whose members are protected so.
	Groups []string `yaml:"groups" env:"OKTASYNC_PROTECT_GROUPS"`
}

// Safety holds the limits that block a plan doing too much. Limits are a
// count ("25"), a percentage up to 100 ("10%"), both, each above 0 ("10%
// or 5", whichever is larger) or "off"; Validate checks them with
// limit.Parse, the parser the plan's safety rules use.
type Safety struct {
	// MaxDeactivations limits deactivations plus deletions of users, out
	// of the managed users in Okta.
	MaxDeactivations string `yaml:"maxDeactivations" env:"OKTASYNC_SAFETY_MAXDEACTIVATIONS"`
	// MaxMembershipRemovals limits membership removals, out of the
	// managed groups' current memberships.
	MaxMembershipRemovals string `yaml:"maxMembershipRemovals" env:"OKTASYNC_SAFETY_MAXMEMBERSHIPREMOVALS"`
	// MaxAppUnassignments limits app unassignments (groups and users),
	// out of the managed apps' current assignments.
	MaxAppUnassignments string `yaml:"maxAppUnassignments" env:"OKTASYNC_SAFETY_MAXAPPUNASSIGNMENTS"`
	// MinSourceUsers blocks a plan whose source has fewer users; 0 for no
	// minimum (an empty source is always blocked).
	MinSourceUsers int `yaml:"minSourceUsers" env:"OKTASYNC_SAFETY_MINSOURCEUSERS"`
}

// Incremental says when runs read from Okta only what changed since the
// last successful run.
type Incremental struct {
	// Enabled turns incremental runs on (the default): once a full run
	// has succeeded, runs read only what changed.
	Enabled bool `yaml:"enabled" env:"OKTASYNC_INCREMENTAL_ENABLED"`
	// FullEvery is how long after the last successful full run a run is
	// full again.
	FullEvery time.Duration `yaml:"fullEvery" env:"OKTASYNC_INCREMENTAL_FULLEVERY"`
}

// DefaultFullEvery is incremental.fullEvery's default.
const DefaultFullEvery = 24 * time.Hour

// Schedule says when `oktasync serve` syncs: Cron or Every.
type Schedule struct {
	// Cron is a cron expression, five fields or six with seconds first.
	Cron string `yaml:"cron" env:"OKTASYNC_SCHEDULE_CRON"`
	// Every is a fixed interval between syncs.
	Every time.Duration `yaml:"every" env:"OKTASYNC_SCHEDULE_EVERY"`
	// Jitter delays each sync by a random time up to this long.
	Jitter time.Duration `yaml:"jitter" env:"OKTASYNC_SCHEDULE_JITTER"`
}

// Serve configures `oktasync serve`'s HTTP listener and status page.
type Serve struct {
	// Addr is the address of the status page, /metrics, /healthz and
	// /readyz.
	Addr string `yaml:"addr" env:"OKTASYNC_SERVE_ADDR"`
	// ShutdownGrace bounds how long serve waits, after SIGTERM or SIGINT,
	// for the running sync to finish its calls in flight and record where
	// it stopped; 0 means 30s.
	ShutdownGrace time.Duration `yaml:"shutdownGrace" env:"OKTASYNC_SERVE_SHUTDOWNGRACE"`
	// AdminTokenFile names a file holding the status page's admin
	// credential; serve reads it at start. Empty: the page is read-only.
	AdminTokenFile string `yaml:"adminTokenFile" env:"OKTASYNC_SERVE_ADMINTOKENFILE"`
	// TLS makes the listener serve HTTPS.
	TLS ServeTLS `yaml:"tls"`
}

// ServeTLS names the certificate and key of serve's HTTPS listener.
type ServeTLS struct {
	// CertFile is a PEM certificate (chain).
	CertFile string `yaml:"certFile" env:"OKTASYNC_SERVE_TLS_CERTFILE"`
	// KeyFile is the certificate's PEM private key.
	KeyFile string `yaml:"keyFile" env:"OKTASYNC_SERVE_TLS_KEYFILE"`
}

// State configures the state store.
type State struct {
	// URL is sqlite:///path/to/state.db or postgres://…. A relative
	// sqlite path (sqlite://state.db) is resolved against the config
	// file's directory.
	URL string `yaml:"url" env:"OKTASYNC_STATE_URL"`
	// AutoMigrate applies pending migrations when a run starts; when
	// false, `oktasync migrate` must be run first.
	AutoMigrate bool `yaml:"autoMigrate" env:"OKTASYNC_STATE_AUTOMIGRATE"`
	// Schema is the PostgreSQL schema holding oktasync's tables (ignored
	// by SQLite).
	Schema string `yaml:"schema" env:"OKTASYNC_STATE_SCHEMA"`
}

// Log configures logging.
type Log struct {
	// Level is debug, info, warn or error.
	Level string `yaml:"level" env:"OKTASYNC_LOG_LEVEL"`
}

// Mapping says how a source row's columns become Okta profile attributes.
// With no Attributes and EmptyValues "ignore", every column is the
// attribute of the same name (the behaviour without a mapping section).
type Mapping struct {
	// Passthrough copies every column that no rule reads (with From, or
	// as {{.column}} in a Template) and no rule defines to the attribute
	// of the same name. Columns named like Okta's required attributes
	// (login, email, firstName, lastName) are copied unless a rule
	// defines that attribute, whatever Passthrough says; with no rules
	// every column is copied.
	Passthrough bool `yaml:"passthrough" env:"OKTASYNC_MAPPING_PASSTHROUGH"`
	// EmptyValues says what an empty value does: EmptyIgnore leaves Okta's
	// value alone (also when ""), EmptyClear removes it (sets the
	// attribute to null).
	EmptyValues string `yaml:"emptyValues" env:"OKTASYNC_MAPPING_EMPTYVALUES"`
	// Attributes are the rules, one per Okta attribute, in file order. In
	// the file they are a mapping from the attribute's name to its rule
	// (or to a column name, short for {from: column}). They can only be
	// set in a file.
	Attributes []AttributeMapping `yaml:"attributes" env:"-"`
	// PasswordHash, when set, imports each created user's password hash
	// from the source (see PasswordHash). It can only be set in a file.
	PasswordHash *PasswordHash `yaml:"passwordHash" env:"-"`
	// Manager sets users' managers (Okta Linked Objects) from a column.
	Manager ManagerMapping `yaml:"manager"`
}

// What an empty value does (Mapping.EmptyValues, AttributeMapping.EmptyValue).
const (
	EmptyIgnore = "ignore"
	EmptyClear  = "clear"
)

// Transforms a rule may apply to text, in order.
const (
	TransformLower = "lower"
	TransformUpper = "upper"
	TransformTrim  = "trim"
)

// Types a rule may convert its value to, named as in Okta's user schema
// (stringArray is an array of strings).
const (
	TypeString      = "string"
	TypeInteger     = "integer"
	TypeNumber      = "number"
	TypeBoolean     = "boolean"
	TypeStringArray = "stringArray"
)

// AttributeMapping computes one Okta attribute from a source row. Exactly
// one of From, Value (with HasValue) and Template is set.
type AttributeMapping struct {
	// Attribute is the Okta profile attribute the rule defines.
	Attribute string `yaml:"-"`
	// From names the source column the value is read from.
	From string `yaml:"from"`
	// Transform lists text transforms applied in order: lower, upper,
	// trim.
	Transform []string `yaml:"transform"`
	// Value is a constant value, used when HasValue is true.
	Value string `yaml:"value"`
	// HasValue is true when the rule gives a Value (which may be "").
	HasValue bool `yaml:"-"`
	// Template is a Go text/template over the row's columns
	// ({{.firstName}}), with the functions TemplateFuncs returns.
	Template string `yaml:"template"`
	// Type converts the value: string (the default), integer, number,
	// boolean or stringArray (text split on ";").
	Type string `yaml:"type"`
	// EmptyValue overrides Mapping.EmptyValues for this attribute; ""
	// means the mapping's setting.
	EmptyValue string `yaml:"emptyValue"`
	// Where locates the rule for messages ("oktasync.yaml line 40"); empty
	// for a rule built in code.
	Where string `yaml:"-"`
}
