package config

import "time"

// Config is oktasync's whole configuration. Keys follow the YAML file; Okta
// client keys use the Okta SDKs' names.
type Config struct {
	Okta        Okta   `yaml:"okta"`
	Source      Source `yaml:"source"`
	Scope       Scope  `yaml:"scope"`
	State       State  `yaml:"state"`
	Concurrency int    `yaml:"concurrency"`
	Log         Log    `yaml:"log"`

	// Path is the file the config was read from ("" when none); relative
	// paths in the config are resolved against its directory.
	Path string `yaml:"-"`
}

// Okta configures the API client.
type Okta struct {
	OrgURL         string        `yaml:"orgUrl"`
	Token          string        `yaml:"token"`
	TokenFile      string        `yaml:"tokenFile"`
	Testing        Testing       `yaml:"testing"`
	RateLimit      RateLimit     `yaml:"rateLimit"`
	RequestTimeout time.Duration `yaml:"requestTimeout"`
}

// Testing holds switches for tests and simulators only.
type Testing struct {
	DisableHTTPSCheck bool `yaml:"disableHttpsCheck"`
}

// RateLimit configures pacing and retries.
type RateLimit struct {
	MaxRetries     int     `yaml:"maxRetries"`
	MaxShare       float64 `yaml:"maxShare"`
	MaxConcurrency int     `yaml:"maxConcurrency"`
}

// Source says where desired state comes from.
type Source struct {
	CSV *CSVSource `yaml:"csv"`
}

// CSVSource names the CSV files.
type CSVSource struct {
	Users string `yaml:"users"`
}

// Scope says which Okta objects oktasync manages.
type Scope struct {
	// Users is an Okta search expression; users matching it are managed.
	Users string `yaml:"users"`
}

// State configures the state store.
type State struct {
	// URL is sqlite:///path/to/state.db or postgres://…
	URL string `yaml:"url"`
}

// Log configures logging.
type Log struct {
	Level string `yaml:"level"`
}
