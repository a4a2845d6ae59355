package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
)

// Default values.
const (
	DefaultStateURL          = "sqlite://oktasync-state.db"
	DefaultConcurrency       = 4
	DefaultLogLevel          = "warn"
	DefaultMaxRetries        = 4
	DefaultMaxShare          = 1.0
	DefaultTokenShare        = 0.5
	DefaultMaxConcurrency    = 10
	DefaultConnectionTimeout = 30 * time.Second
	DefaultRequestTimeout    = 5 * time.Minute
	DefaultStatementTimeout  = 60 * time.Second
	DefaultStateSchema       = "oktasync"
	DefaultCreateStatus      = "ACTIVE"
	DefaultMaxDeactivations  = "10% or 5"
	DefaultMaxRemovals       = "10% or 20"
	DefaultMaxAppUnassign    = "10% or 10"
	DefaultServeAddr         = "127.0.0.1:9464"
)

// Default returns the configuration used for every key that no file,
// environment variable or flag sets.
func Default() Config {
	return Config{
		Okta: Okta{
			AuthorizationMode: AuthSSWS,
			ConnectionTimeout: DefaultConnectionTimeout,
			RequestTimeout:    DefaultRequestTimeout,
			RateLimit: RateLimit{
				MaxRetries:     DefaultMaxRetries,
				MaxShare:       DefaultMaxShare,
				TokenShare:     DefaultTokenShare,
				MaxConcurrency: DefaultMaxConcurrency,
			},
		},
		State:       State{URL: DefaultStateURL, AutoMigrate: true, Schema: DefaultStateSchema},
		Concurrency: DefaultConcurrency,
		Log:         Log{Level: DefaultLogLevel},
		Users: UserPolicy{
			CreateStatus: DefaultCreateStatus,
			Reactivate:   true,
			Leavers:      "deactivate",
		},
		Safety: Safety{
			MaxDeactivations:      DefaultMaxDeactivations,
			MaxMembershipRemovals: DefaultMaxRemovals,
			MaxAppUnassignments:   DefaultMaxAppUnassign,
		},
		Serve:       Serve{Addr: DefaultServeAddr},
		Incremental: Incremental{Enabled: true, FullEvery: DefaultFullEvery},
		Mapping:     Mapping{Passthrough: true, EmptyValues: EmptyIgnore},
		Links:       Links{Primary: DefaultLinkPrimary, Associated: DefaultLinkAssociated},
	}
}

// Load reads the configuration: Default(), then ~/.okta/okta.yaml and
// ./okta.yaml, then the YAML file at path (skipped when path is ""), then
// the environment; it resolves relative paths, reads okta.tokenFile and
// okta.privateKeyFile, and returns the result of Validate. Problems that do
// not stop a run are in the returned Config's Warnings.
func Load(path string) (*Config, error) {
	home, _ := os.UserHomeDir()
	cwd, err := os.Getwd()
	if err != nil {
		return nil, fmt.Errorf("find the working directory: %w", err)
	}
	l := loader{env: env.ToMap(os.Environ()), home: home, cwd: cwd}
	return l.load(path)
}

// loader holds what Load takes from the process, so tests can set it.
type loader struct {
	env  map[string]string
	home string // "" skips ~/.okta/okta.yaml
	cwd  string
}

func (l *loader) lookupEnv(name string) (string, bool) {
	v, ok := l.env[name]
	return v, ok
}

func (l *loader) load(path string) (*Config, error) {
	cfg := Default()
	// base records, for each path-valued key, the directory its value is
	// relative to.
	base := make(map[string]string)
	configDir := l.cwd

	var sdkFiles []string
	if l.home != "" {
		sdkFiles = append(sdkFiles, filepath.Join(l.home, ".okta", "okta.yaml"))
	}
	sdkFiles = append(sdkFiles, filepath.Join(l.cwd, "okta.yaml"))
	for _, f := range sdkFiles {
		if err := l.loadSDKFile(&cfg, f, base); err != nil {
			return nil, err
		}
	}

	if path != "" {
		abs := path
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(l.cwd, abs)
		}
		data, err := os.ReadFile(abs)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		root, err := parseYAML(data, path)
		if err != nil {
			return nil, err
		}
		dec := newDecoder(path, true, l.lookupEnv)
		if root != nil {
			dec.decodeStruct(root, reflect.ValueOf(&cfg).Elem(), "")
		}
		if len(dec.errs) > 0 {
			return nil, errors.Join(dec.errs...)
		}
		configDir = filepath.Dir(abs)
		for k := range dec.set {
			base[k] = configDir
		}
		cfg.Warnings = append(cfg.Warnings, secretFileWarnings(path, abs, dec.secrets)...)
		cfg.Path = abs
	}

	if err := l.applyEnv(&cfg, base); err != nil {
		return nil, err
	}

	normalise(&cfg)
	resolvePaths(&cfg, base, configDir, l.home)
	if err := readSecretFiles(&cfg); err != nil {
		return nil, err
	}
	if err := cfg.validate(l.lookupEnv); err != nil {
		return nil, err
	}
	return &cfg, nil
}

// sdkFile is the shape of the Okta SDKs' okta.yaml.
type sdkFile struct {
	Okta struct {
		Client  Okta    `yaml:"client"`
		Testing Testing `yaml:"testing"`
	} `yaml:"okta"`
}

// loadSDKFile applies one Okta SDK file, when it exists, to cfg's okta
// section.
func (l *loader) loadSDKFile(cfg *Config, path string, base map[string]string) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	root, err := parseYAML(data, path)
	if err != nil {
		return err
	}
	if root == nil {
		return nil
	}
	// Decode into a copy shaped like the SDK file, seeded with the current
	// values so unset keys keep them.
	var f sdkFile
	f.Okta.Client = cfg.Okta
	f.Okta.Testing = cfg.Okta.Testing
	dec := newDecoder(path, false, l.lookupEnv)
	dec.rename = map[string]string{"okta.client.privateKeyId": "kid"}
	dec.canon = canonSDKKey
	dec.decodeStruct(root, reflect.ValueOf(&f).Elem(), "")
	if len(dec.errs) > 0 {
		return errors.Join(dec.errs...)
	}
	testing := f.Okta.Testing
	cfg.Okta = f.Okta.Client
	cfg.Okta.Testing = testing
	dir := filepath.Dir(path)
	for k := range dec.set {
		base[k] = dir
	}
	cfg.Warnings = append(cfg.Warnings, secretFileWarnings(path, path, dec.secrets)...)
	return nil
}

// canonSDKKey maps a key of an Okta SDK file to oktasync's name for it.
func canonSDKKey(k string) string {
	if rest, ok := strings.CutPrefix(k, "okta.client."); ok {
		return "okta." + rest
	}
	return k
}

// applyEnv applies the environment overrides.
func (l *loader) applyEnv(cfg *Config, base map[string]string) error {
	envToKey := make(map[string]string)
	for _, k := range Keys() {
		envToKey[k.Env] = k.Path
	}
	// An empty variable is taken as unset, so that a variable declared but
	// left empty (common in CI and compose files) does not wipe a value.
	vars := make(map[string]string, len(l.env))
	for k, v := range l.env {
		if v != "" {
			vars[k] = v
		}
	}
	err := env.ParseWithOptions(cfg, env.Options{
		Environment: vars,
		FuncMap: map[reflect.Type]env.ParserFunc{
			durationType: func(v string) (any, error) { return parseDuration(v) },
		},
		OnSet: func(tag string, _ any, _ bool) {
			// The env package reports every tagged field, set or not.
			if _, set := vars[tag]; !set {
				return
			}
			if k, ok := envToKey[tag]; ok {
				base[k] = l.cwd
			}
		},
	})
	// Sources the environment did not touch stay unset.
	if cfg.Source.CSV != nil && *cfg.Source.CSV == (CSVSource{}) {
		cfg.Source.CSV = nil
	}
	if cfg.Source.Postgres != nil && *cfg.Source.Postgres == (PostgresSource{}) {
		cfg.Source.Postgres = nil
	}
	if cfg.Source.Postgres != nil && cfg.Source.Postgres.StatementTimeout == 0 {
		cfg.Source.Postgres.StatementTimeout = DefaultStatementTimeout
	}
	if err != nil {
		return envError(err, vars)
	}
	return nil
}

// envError turns the env package's errors into field errors that name the
// variable. Its parse errors quote the value, which is never a secret
// (secrets are plain strings and cannot fail to parse).
func envError(err error, vars map[string]string) error {
	var agg env.AggregateError
	if !errors.As(err, &agg) {
		return err
	}
	// The env package names the Go field; find the key of that name whose
	// variable is set.
	byField := make(map[string]Key)
	walkKeys(reflect.TypeFor[Config](), "", func(path string, f reflect.StructField) {
		envName, _, _ := strings.Cut(f.Tag.Get("env"), ",")
		if _, set := vars[envName]; set {
			byField[f.Name] = Key{Path: path, Env: envName}
		}
	})
	var errs []error
	for _, e := range agg.Errors {
		var pe env.ParseError
		if errors.As(e, &pe) {
			if k, ok := byField[pe.Name]; ok {
				errs = append(errs, &FieldError{Field: k.Path, Where: "environment " + k.Env, Msg: pe.Err.Error()})
				continue
			}
		}
		errs = append(errs, e)
	}
	return errors.Join(errs...)
}

// normalise tidies values whose spelling does not matter.
func normalise(cfg *Config) {
	cfg.Okta.OrgURL = strings.TrimRight(strings.TrimSpace(cfg.Okta.OrgURL), "/")
	switch strings.ToLower(strings.TrimSpace(cfg.Okta.AuthorizationMode)) {
	case "", "ssws":
		cfg.Okta.AuthorizationMode = AuthSSWS
	case "privatekey":
		cfg.Okta.AuthorizationMode = AuthPrivateKey
	}
	var scopes []string
	for _, s := range cfg.Okta.Scopes {
		scopes = append(scopes, splitList(s)...)
	}
	cfg.Okta.Scopes = scopes
	cfg.Log.Level = strings.ToLower(strings.TrimSpace(cfg.Log.Level))
	cfg.Users.CreateStatus = strings.ToUpper(strings.TrimSpace(cfg.Users.CreateStatus))
	cfg.Protect.Logins = trimList(cfg.Protect.Logins)
	cfg.Protect.Groups = trimList(cfg.Protect.Groups)
	if cfg.Source.Postgres != nil && cfg.Source.Postgres.StatementTimeout == 0 {
		cfg.Source.Postgres.StatementTimeout = DefaultStatementTimeout
	}
}

// trimList trims the items of a list and drops empty ones.
func trimList(l []string) []string {
	var out []string
	for _, s := range l {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// resolvePaths makes every relative path absolute against the directory
// recorded for its key; keys no layer set (the defaults) resolve against
// defaultDir.
func resolvePaths(cfg *Config, base map[string]string, defaultDir, home string) {
	dirFor := func(key string) string {
		if d, ok := base[key]; ok {
			return d
		}
		return defaultDir
	}
	abs := func(key, p string) string {
		if p == "" {
			return ""
		}
		if home != "" && (p == "~" || strings.HasPrefix(p, "~/")) {
			return filepath.Join(home, strings.TrimPrefix(p, "~"))
		}
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dirFor(key), p)
	}
	cfg.Okta.TokenFile = abs("okta.tokenFile", cfg.Okta.TokenFile)
	cfg.Okta.PrivateKeyFile = abs("okta.privateKeyFile", cfg.Okta.PrivateKeyFile)
	cfg.Okta.CAFile = abs("okta.caFile", cfg.Okta.CAFile)
	cfg.Serve.AdminTokenFile = abs("serve.adminTokenFile", cfg.Serve.AdminTokenFile)
	cfg.Serve.TLS.CertFile = abs("serve.tls.certFile", cfg.Serve.TLS.CertFile)
	cfg.Serve.TLS.KeyFile = abs("serve.tls.keyFile", cfg.Serve.TLS.KeyFile)
	if c := cfg.Source.CSV; c != nil {
		c.Users = abs("source.csv.users", c.Users)
		c.Groups = abs("source.csv.groups", c.Groups)
		c.Memberships = abs("source.csv.memberships", c.Memberships)
	}
	if p, query, ok := splitSQLiteURL(cfg.State.URL); ok && p != "" {
		cfg.State.URL = sqlitePrefix + abs("state.url", p) + query
	}
}

const sqlitePrefix = "sqlite://"

// splitSQLiteURL splits sqlite://PATH?QUERY into PATH and ?QUERY.
func splitSQLiteURL(u string) (path, query string, ok bool) {
	rest, ok := strings.CutPrefix(u, sqlitePrefix)
	if !ok {
		return "", "", false
	}
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		return rest[:i], rest[i:], true
	}
	return rest, "", true
}

// SQLitePath returns the file path of a sqlite:// state URL (after Load,
// always absolute) and its query string (with its leading "?", or "").
// ok is false for any other URL.
func SQLitePath(stateURL string) (path, query string, ok bool) {
	return splitSQLiteURL(stateURL)
}

// readSecretFiles reads okta.tokenFile and okta.privateKeyFile into the
// values they stand for, unless a value is already set (a value set
// anywhere wins over a file).
func readSecretFiles(cfg *Config) error {
	if cfg.Okta.Token == "" && cfg.Okta.TokenFile != "" {
		b, err := os.ReadFile(cfg.Okta.TokenFile)
		if err != nil {
			return fmt.Errorf("okta.tokenFile: read %s: %w", cfg.Okta.TokenFile, err)
		}
		cfg.Okta.Token = strings.TrimSpace(string(b))
	}
	if cfg.Okta.PrivateKey == "" && cfg.Okta.PrivateKeyFile != "" {
		b, err := os.ReadFile(cfg.Okta.PrivateKeyFile)
		if err != nil {
			return fmt.Errorf("okta.privateKeyFile: read %s: %w", cfg.Okta.PrivateKeyFile, err)
		}
		cfg.Okta.PrivateKey = strings.TrimSpace(string(b))
	}
	return nil
}

// secretFileWarnings warns when a file that holds secrets can be read by
// group or others.
func secretFileWarnings(name, path string, secrets []string) []string {
	if len(secrets) == 0 {
		return nil
	}
	mode := fileMode(path)
	if mode&0o044 == 0 {
		return nil
	}
	return []string{fmt.Sprintf("%s holds a secret (%s) and is readable by group or others (mode %04o): "+
		"chmod 600 it, or move the secret to the environment or a tokenFile/privateKeyFile",
		name, strings.Join(secrets, ", "), mode)}
}
