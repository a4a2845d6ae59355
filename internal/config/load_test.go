package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const secretToken = "00s3cr3tT0k3n-never-shown"

// setup makes a home and a working directory in a temporary tree and
// returns a loader over them with the given environment.
func setup(t *testing.T, env map[string]string) (*loader, string) {
	t.Helper()
	root := t.TempDir()
	home := filepath.Join(root, "home")
	cwd := filepath.Join(root, "work")
	for _, d := range []string{filepath.Join(home, ".okta"), cwd} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if env == nil {
		env = map[string]string{}
	}
	return &loader{env: env, home: home, cwd: cwd}, root
}

func writeFile(t *testing.T, path, content string, mode os.FileMode) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

const minimal = `
okta:
  orgUrl: https://example.okta.com/
  token: ` + secretToken + `
source:
  csv:
    users: users.csv
`

func TestLoadMinimal(t *testing.T) {
	t.Parallel()
	l, root := setup(t, nil)
	path := writeFile(t, filepath.Join(root, "etc", "oktasync.yaml"), minimal, 0o600)
	cfg, err := l.load(path)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	etc := filepath.Join(root, "etc")
	want := Default()
	want.Okta.OrgURL = "https://example.okta.com"
	want.Okta.Token = secretToken
	want.Source.CSV = &CSVSource{Users: filepath.Join(etc, "users.csv")}
	want.State.URL = "sqlite://" + filepath.Join(etc, "oktasync-state.db")
	want.Path = path
	if diff := cmp.Diff(&want, cfg); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		file  string
		env   map[string]string
		field string // the *FieldError's Field, "" when none is expected
		want  []string
	}{
		{
			name:  "unknown key with suggestion",
			file:  "okta:\n  orgUrll: https://example.okta.com\n",
			field: "okta.orgUrll",
			want:  []string{"line 2", "okta.orgUrll: unknown key (did you mean okta.orgUrl?)"},
		},
		{
			name:  "unknown key in wrong case",
			file:  "Concurrency: 3\n",
			field: "Concurrency",
			want:  []string{"did you mean concurrency?"},
		},
		{
			name:  "unknown key without suggestion",
			file:  "source:\n  ldap: {}\n",
			field: "source.ldap",
			want:  []string{"source.ldap: unknown key"},
		},
		{
			name:  "wrong type int",
			file:  minimal + "concurrency: many\n",
			field: "concurrency",
			want:  []string{"line 8", `want a whole number, got "many"`},
		},
		{
			name:  "wrong type bool",
			file:  minimal + "  testing:\n    disableHttpsCheck: maybe\n",
			field: "source.testing",
			want:  []string{"unknown key"},
		},
		{
			name:  "wrong type duration",
			file:  "okta:\n  requestTimeout: soon\n",
			field: "okta.requestTimeout",
			want:  []string{"want a duration"},
		},
		{
			name:  "mapping where a value belongs",
			file:  "concurrency:\n  a: 1\n",
			field: "concurrency",
			want:  []string{"want a single value"},
		},
		{
			name:  "value where a mapping belongs",
			file:  "okta: https://example.okta.com\n",
			field: "okta",
			want:  []string{"okta must be a mapping"},
		},
		{
			name:  "duplicate key",
			file:  minimal + "concurrency: 2\nconcurrency: 3\n",
			field: "concurrency",
			want:  []string{"appears twice"},
		},
		{
			name: "syntax error",
			file: "okta:\n  orgUrl: [\n",
			want: []string{"parse", "line"},
		},
		{
			name:  "missing orgUrl",
			file:  "okta:\n  token: " + secretToken + "\nsource:\n  csv:\n    users: u.csv\n",
			field: "okta.orgUrl",
			want:  []string{"okta.orgUrl: required"},
		},
		{
			name:  "http refused",
			file:  strings.Replace(minimal, "https://", "http://", 1),
			field: "okta.orgUrl",
			want:  []string{"plain http is refused", "disableHttpsCheck"},
		},
		{
			name:  "admin url",
			file:  strings.Replace(minimal, "example.okta", "example-admin.okta", 1),
			field: "okta.orgUrl",
			want:  []string{"admin"},
		},
		{
			name:  "url with path",
			file:  strings.Replace(minimal, "okta.com/", "okta.com/api/v1", 1),
			field: "okta.orgUrl",
			want:  []string{"only the scheme and host"},
		},
		{
			name:  "missing token",
			file:  "okta:\n  orgUrl: https://example.okta.com\nsource:\n  csv:\n    users: u.csv\n",
			field: "okta.token",
			want:  []string{"okta.token: required"},
		},
		{
			name:  "token with white space is not echoed",
			file:  strings.Replace(minimal, secretToken, `"`+secretToken+` x"`, 1),
			field: "okta.token",
			want:  []string{"white space"},
		},
		{
			name:  "private key mode needs client id, scopes and key",
			file:  minimal + "  authorizationMode: PrivateKey\n",
			field: "source.authorizationMode",
			want:  []string{"unknown key"},
		},
		{
			name:  "no source",
			file:  "okta:\n  orgUrl: https://example.okta.com\n  token: " + secretToken + "\n",
			field: "source",
			want:  []string{"source: required"},
		},
		{
			name:  "two sources",
			file:  minimal + "  postgres:\n    url: postgres://u:" + secretToken + "@db/x\n    users: select 1\n",
			field: "source",
			want:  []string{"only one of"},
		},
		{
			name:  "bad state url does not show its password",
			file:  minimal + "state:\n  url: mysql://u:" + secretToken + "@db/x\n",
			field: "state.url",
			want:  []string{"want sqlite", "xxxxx"},
		},
		{
			name:  "bad numbers",
			file:  strings.Replace(minimal, "okta:\n", "okta:\n  rateLimit: {maxShare: 1.5, tokenShare: 0.01, maxConcurrency: 0, maxRetries: -1}\n", 1) + "concurrency: 0\n",
			field: "okta.rateLimit.maxRetries",
			want:  []string{"maxShare", "tokenShare: want this token's share", "maxConcurrency", "concurrency: want a number of workers"},
		},
		{
			name:  "bad log level",
			file:  minimal + "log:\n  level: chatty\n",
			field: "log.level",
			want:  []string{`log.level: want one of debug, info, warn, error, got "chatty"`},
		},
		{
			name:  "unset variable",
			file:  strings.Replace(minimal, secretToken, "${OKTASYNC_TEST_UNSET}", 1),
			field: "okta.token",
			want:  []string{"OKTASYNC_TEST_UNSET is not set"},
		},
		{
			name:  "env parse error names the variable",
			file:  minimal,
			env:   map[string]string{"OKTASYNC_CONCURRENCY": "lots"},
			field: "concurrency",
			want:  []string{"environment OKTASYNC_CONCURRENCY", "lots"},
		},
		{
			name:  "tokenFile missing",
			file:  strings.Replace(minimal, "token: "+secretToken, "tokenFile: nowhere.txt", 1),
			want:  []string{"okta.tokenFile", "nowhere.txt"},
			field: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l, root := setup(t, tt.env)
			path := writeFile(t, filepath.Join(root, "oktasync.yaml"), tt.file, 0o600)
			_, err := l.load(path)
			if err == nil {
				t.Fatal("load: no error")
			}
			msg := err.Error()
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not contain %q", msg, w)
				}
			}
			if strings.Contains(msg, secretToken) {
				t.Errorf("error %q shows the secret", msg)
			}
			if tt.field != "" {
				var fe *FieldError
				if !errors.As(err, &fe) {
					t.Fatalf("error %q is not a *FieldError", msg)
				}
				if fe.Field != tt.field {
					t.Errorf("FieldError.Field = %q, want %q", fe.Field, tt.field)
				}
				if !errors.Is(err, ErrInvalid) {
					t.Errorf("error does not wrap ErrInvalid")
				}
			}
		})
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	valid := func() Config {
		c := Default()
		c.Okta.OrgURL = "https://example.okta.com"
		c.Okta.Token = secretToken
		c.Source.CSV = &CSVSource{Users: "/data/users.csv"}
		return c
	}
	tests := []struct {
		name   string
		change func(*Config)
		fields []string
	}{
		{"valid", func(*Config) {}, nil},
		{"http with testing flag", func(c *Config) {
			c.Okta.OrgURL = "http://127.0.0.1:8080"
			c.Okta.Testing.DisableHTTPSCheck = true
		}, nil},
		{"http without testing flag", func(c *Config) { c.Okta.OrgURL = "http://127.0.0.1:8080" }, []string{"okta.orgUrl"}},
		{"not a url", func(c *Config) { c.Okta.OrgURL = "example.okta.com" }, []string{"okta.orgUrl"}},
		{"credentials in url", func(c *Config) { c.Okta.OrgURL = "https://a:b@example.okta.com" }, []string{"okta.orgUrl"}},
		{"placeholder", func(c *Config) { c.Okta.OrgURL = "https://{yourOktaDomain}" }, []string{"okta.orgUrl"}},
		{"private key complete", func(c *Config) {
			c.Okta.Token = ""
			c.Okta.AuthorizationMode = AuthPrivateKey
			c.Okta.ClientID = "0oa1"
			c.Okta.Scopes = []string{"okta.users.manage"}
			c.Okta.PrivateKey = "-----BEGIN PRIVATE KEY-----\nAAA\n-----END PRIVATE KEY-----"
		}, nil},
		{"private key incomplete", func(c *Config) {
			c.Okta.AuthorizationMode = AuthPrivateKey
			c.Okta.PrivateKey = secretToken
		}, []string{"okta.clientId", "okta.scopes", "okta.privateKey"}},
		{"unknown mode", func(c *Config) { c.Okta.AuthorizationMode = "Basic" }, []string{"okta.authorizationMode"}},
		{"rate limits", func(c *Config) {
			c.Okta.RateLimit = RateLimit{MaxRetries: -1, MaxShare: 0, TokenShare: 1.5, MaxConcurrency: 0}
		}, []string{"okta.rateLimit.maxRetries", "okta.rateLimit.maxShare", "okta.rateLimit.tokenShare", "okta.rateLimit.maxConcurrency"}},
		{"timeouts", func(c *Config) {
			c.Okta.RequestTimeout = -time.Second
			c.Okta.ConnectionTimeout = -time.Second
		}, []string{"okta.connectionTimeout", "okta.requestTimeout"}},
		{"proxy", func(c *Config) { c.Okta.Proxy = Proxy{Port: 70000, Password: secretToken} }, []string{"okta.proxy.port", "okta.proxy.host", "okta.proxy.host"}},
		{"csv without users", func(c *Config) { c.Source.CSV.Users = "" }, []string{"source.csv.users"}},
		{"postgres incomplete", func(c *Config) {
			c.Source.CSV = nil
			c.Source.Postgres = &PostgresSource{URL: "http://x"}
		}, []string{"source.postgres.url", "source.postgres.users"}},
		{"postgres state", func(c *Config) { c.State.URL = "postgres://u@db/x?sslmode=disable" }, nil},
		{"sqlite without file", func(c *Config) { c.State.URL = "sqlite://" }, []string{"state.url"}},
		{"concurrency", func(c *Config) { c.Concurrency = 0 }, []string{"concurrency"}},
		{"log level", func(c *Config) { c.Log.Level = "trace" }, []string{"log.level"}},
		{"policy keys valid", func(c *Config) {
			c.Users.CreateStatus = "STAGED"
			c.Users.DeleteAfter = 720 * time.Hour
			c.Users.Leavers = "suspend"
			c.Safety = Safety{MaxDeactivations: "off", MaxMembershipRemovals: "25", MinSourceUsers: 100}
			c.Schedule = Schedule{Cron: "0 */15 * * * *", Jitter: time.Minute}
		}, nil},
		{"leavers report", func(c *Config) { c.Users.Leavers = "report" }, nil},
		{"limit forms", func(c *Config) {
			c.Safety = Safety{MaxDeactivations: "5 or 12.5%", MaxMembershipRemovals: "10%"}
			c.Schedule = Schedule{Every: 15 * time.Minute}
		}, nil},
		{"policy keys invalid", func(c *Config) {
			c.Users.CreateStatus = "PENDING"
			c.Users.DeleteAfter = -time.Hour
			c.Users.Leavers = "Suspend"
			c.Safety = Safety{MaxDeactivations: "lots", MaxMembershipRemovals: "10% and 5", MinSourceUsers: -1}
		}, []string{"users.createStatus", "users.leavers", "users.deleteAfter", "safety.maxDeactivations", "safety.maxMembershipRemovals", "safety.minSourceUsers"}},
		{"schedule both", func(c *Config) { c.Schedule = Schedule{Cron: "* * * * *", Every: time.Minute} }, []string{"schedule"}},
		{"schedule cron fields", func(c *Config) { c.Schedule = Schedule{Cron: "* * *", Jitter: -1} }, []string{"schedule.cron", "schedule.jitter"}},
		{"serve and schema", func(c *Config) {
			c.Serve.Addr = "9464"
			c.State.Schema = "Okta-Sync"
		}, []string{"serve.addr", "state.schema"}},
		{"serve TLS half set", func(c *Config) { c.Serve.TLS.CertFile = "cert.pem" }, []string{"serve.tls"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := valid()
			tt.change(&c)
			err := c.validate(func(string) (string, bool) { return "", false })
			var got []string
			if err != nil {
				for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
					var fe *FieldError
					if !errors.As(e, &fe) {
						t.Fatalf("%v is not a *FieldError", e)
					}
					got = append(got, fe.Field)
				}
				if strings.Contains(err.Error(), secretToken) {
					t.Errorf("error %q shows the secret", err)
				}
			}
			if diff := cmp.Diff(tt.fields, got); diff != "" {
				t.Errorf("fields (-want +got):\n%s\nerror: %v", diff, err)
			}
		})
	}
}

// TestValidateSafetyLimits checks that validation refuses, field by field,
// every limit the plan's safety rules would refuse (the grammar lives in
// internal/limit, whose own test covers it in full).
func TestValidateSafetyLimits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in  string
		msg string // part of the message; "" when valid
	}{
		{in: "10% or 5"},
		{in: " 5 or 12.5% "},
		{in: "off"},
		{in: "150%", msg: `limit "150%": percentage 150% is over 100%`},
		{in: "0% or 5", msg: `"or" joins a count and a percentage, each above 0`},
		{in: "10% or 0", msg: `"or" joins a count and a percentage, each above 0`},
		{in: "-3", msg: `"-3" is neither a count`},
		{in: "lots", msg: `"lots" is neither a count`},
		{in: "", msg: "empty"},
		{in: "10 %", msg: "2 words"},
	}
	for _, tt := range tests {
		for _, field := range []string{"safety.maxDeactivations", "safety.maxMembershipRemovals"} {
			c := Default()
			c.Okta.OrgURL = "https://example.okta.com"
			c.Okta.Token = "t"
			c.Source.CSV = &CSVSource{Users: "u.csv"}
			if field == "safety.maxDeactivations" {
				c.Safety.MaxDeactivations = tt.in
			} else {
				c.Safety.MaxMembershipRemovals = tt.in
			}
			err := c.validate(func(string) (string, bool) { return "", false })
			if tt.msg == "" {
				if err != nil {
					t.Errorf("%s %q: %v, want no error", field, tt.in, err)
				}
				continue
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != field || !strings.Contains(fe.Msg, tt.msg) || !errors.Is(err, ErrInvalid) {
				t.Errorf("%s %q: error %v, want a %s field error holding %q", field, tt.in, err, field, tt.msg)
			}
		}
	}
}

func TestValidateHTTPSCheckFromEnv(t *testing.T) {
	t.Parallel()
	c := Default()
	c.Okta.OrgURL = "http://127.0.0.1:8080"
	c.Okta.Token = "t"
	c.Source.CSV = &CSVSource{Users: "u.csv"}
	env := func(name string) (string, bool) {
		if name == EnvDisableHTTPSCheck {
			return "true", true
		}
		return "", false
	}
	if err := c.validate(env); err != nil {
		t.Fatalf("validate with %s=true: %v", EnvDisableHTTPSCheck, err)
	}
}

func TestLoadPrecedence(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		homeYAML string
		cwdYAML  string
		file     string
		env      map[string]string
		check    func(t *testing.T, c *Config)
	}{
		{
			name:     "home okta.yaml alone",
			homeYAML: "okta:\n  client:\n    orgUrl: https://home.okta.com\n    token: home-token\n    connectionTimeout: 12\n    privateKeyId: kid-1\n    cache: {enabled: true}\n  testing:\n    disableHttpsCheck: true\n",
			file:     "source:\n  csv:\n    users: u.csv\n",
			check: func(t *testing.T, c *Config) {
				want := Okta{OrgURL: "https://home.okta.com", Token: "home-token", Kid: "kid-1", ConnectionTimeout: 12 * time.Second}
				got := Okta{OrgURL: c.Okta.OrgURL, Token: c.Okta.Token, Kid: c.Okta.Kid, ConnectionTimeout: c.Okta.ConnectionTimeout}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("okta (-want +got):\n%s", diff)
				}
				if !c.Okta.Testing.DisableHTTPSCheck {
					t.Error("okta.testing.disableHttpsCheck not read from okta.yaml")
				}
			},
		},
		{
			name:     "cwd okta.yaml over home",
			homeYAML: "okta:\n  client:\n    orgUrl: https://home.okta.com\n    token: home-token\n",
			cwdYAML:  "okta:\n  client:\n    orgUrl: https://cwd.okta.com\n",
			file:     "source:\n  csv:\n    users: u.csv\n",
			check: func(t *testing.T, c *Config) {
				if c.Okta.OrgURL != "https://cwd.okta.com" || c.Okta.Token != "home-token" {
					t.Errorf("orgUrl, token = %q, %q", c.Okta.OrgURL, c.Okta.Token)
				}
			},
		},
		{
			name:    "config file over okta.yaml",
			cwdYAML: "okta:\n  client:\n    orgUrl: https://cwd.okta.com\n    token: cwd-token\n",
			file:    "okta:\n  orgUrl: https://file.okta.com\nsource:\n  csv:\n    users: u.csv\n",
			check: func(t *testing.T, c *Config) {
				if c.Okta.OrgURL != "https://file.okta.com" || c.Okta.Token != "cwd-token" {
					t.Errorf("orgUrl, token = %q, %q", c.Okta.OrgURL, c.Okta.Token)
				}
			},
		},
		{
			name: "environment over config file",
			file: minimal + "scope:\n  users: profile.a eq \"b\"\n",
			env: map[string]string{
				"OKTA_CLIENT_ORGURL":               "https://env.okta.com",
				"OKTA_CLIENT_TOKEN":                "env-token",
				"OKTA_CLIENT_REQUESTTIMEOUT":       "45",
				"OKTA_CLIENT_CONNECTIONTIMEOUT":    "2s",
				"OKTA_CLIENT_RATELIMIT_MAXRETRIES": "7",
				"OKTA_CLIENT_PROXY_HOST":           "proxy.local",
				"OKTA_CLIENT_PROXY_PORT":           "3128",
				"OKTASYNC_SCOPE_USERS":             `profile.employeeType eq "hr"`,
				"OKTASYNC_CONCURRENCY":             "9",
				"OKTASYNC_LOG_LEVEL":               "DEBUG",
				"OKTASYNC_STATE_URL":               "sqlite://state/s.db",
				"OKTASYNC_STATE_AUTOMIGRATE":       "false",
				"OKTASYNC_PROTECT_LOGINS":          "admin@example.com, break.glass@example.com",
				"OKTASYNC_USERS_DELETEAFTER":       "720h",
			},
			check: func(t *testing.T, c *Config) {
				type view struct {
					OrgURL, Token, Scope, Level, State, ProxyHost string
					Req, Conn                                     time.Duration
					Retries, Concurrency, ProxyPort               int
				}
				want := view{"https://env.okta.com", "env-token", `profile.employeeType eq "hr"`, "debug",
					"sqlite://" + filepath.Join(filepath.Dir(filepath.Dir(c.Path)), "work", "state", "s.db"), "proxy.local",
					45 * time.Second, 2 * time.Second, 7, 9, 3128}
				got := view{c.Okta.OrgURL, c.Okta.Token, c.Scope.Users, c.Log.Level, c.State.URL, c.Okta.Proxy.Host,
					c.Okta.RequestTimeout, c.Okta.ConnectionTimeout, c.Okta.RateLimit.MaxRetries, c.Concurrency, c.Okta.Proxy.Port}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
				if c.State.AutoMigrate || c.Users.DeleteAfter != 720*time.Hour {
					t.Errorf("state.autoMigrate, users.deleteAfter = %v, %v", c.State.AutoMigrate, c.Users.DeleteAfter)
				}
				if diff := cmp.Diff([]string{"admin@example.com", "break.glass@example.com"}, c.Protect.Logins); diff != "" {
					t.Errorf("protect.logins (-want +got):\n%s", diff)
				}
			},
		},
		{
			name: "empty variables are ignored",
			file: minimal,
			env:  map[string]string{"OKTA_CLIENT_TOKEN": "", "OKTASYNC_SOURCE_CSV_USERS": "", "OKTASYNC_CONCURRENCY": ""},
			check: func(t *testing.T, c *Config) {
				if c.Okta.Token != secretToken || c.Concurrency != DefaultConcurrency || !strings.HasSuffix(c.Source.CSV.Users, "/etc/users.csv") {
					t.Errorf("token kept %v, concurrency %d, users %q", c.Okta.Token == secretToken, c.Concurrency, c.Source.CSV.Users)
				}
			},
		},
		{
			name: "environment chooses a postgres source",
			file: "okta:\n  orgUrl: https://example.okta.com\n  token: t\n",
			env: map[string]string{
				"OKTASYNC_SOURCE_POSTGRES_URL":   "postgres://db/hr",
				"OKTASYNC_SOURCE_POSTGRES_USERS": "select * from people",
			},
			check: func(t *testing.T, c *Config) {
				want := &PostgresSource{URL: "postgres://db/hr", Users: "select * from people", StatementTimeout: DefaultStatementTimeout}
				if diff := cmp.Diff(want, c.Source.Postgres); diff != "" {
					t.Errorf("postgres (-want +got):\n%s", diff)
				}
				if c.Source.CSV != nil {
					t.Errorf("csv = %+v, want nil", c.Source.CSV)
				}
			},
		},
		{
			name: "private key mode from the environment",
			file: "okta:\n  orgUrl: https://example.okta.com\nsource:\n  csv:\n    users: u.csv\n",
			env: map[string]string{
				"OKTA_CLIENT_AUTHORIZATIONMODE": "privatekey",
				"OKTA_CLIENT_CLIENTID":          "0oa1",
				"OKTA_CLIENT_SCOPES":            "okta.users.manage, okta.groups.manage",
				"OKTA_CLIENT_PRIVATEKEY":        `{"kty":"RSA"}`,
			},
			check: func(t *testing.T, c *Config) {
				if c.Okta.AuthorizationMode != AuthPrivateKey {
					t.Errorf("authorizationMode = %q", c.Okta.AuthorizationMode)
				}
				if diff := cmp.Diff([]string{"okta.users.manage", "okta.groups.manage"}, c.Okta.Scopes); diff != "" {
					t.Errorf("scopes (-want +got):\n%s", diff)
				}
			},
		},
		{
			name: "variables in the file",
			file: "okta:\n  orgUrl: https://${ORG}.okta.com\n  token: ${TOKEN}\n  userAgent: ${UA:-none}\n  kid: '$${literal}'\nsource:\n  csv:\n    users: ${DATA}/u.csv\n",
			env:  map[string]string{"ORG": "acme", "TOKEN": "tok", "DATA": "/data"},
			check: func(t *testing.T, c *Config) {
				got := []string{c.Okta.OrgURL, c.Okta.Token, c.Okta.UserAgent, c.Okta.Kid, c.Source.CSV.Users}
				want := []string{"https://acme.okta.com", "tok", "none", "${literal}", "/data/u.csv"}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			},
		},
		{
			name: "scopes as a list and durations as strings",
			file: "okta:\n  orgUrl: https://example.okta.com\n  authorizationMode: PrivateKey\n  clientId: c\n  scopes: [okta.users.read, okta.groups.read]\n  privateKey: '{}'\n  requestTimeout: 90s\nsource:\n  postgres:\n    url: postgres://db/x\n    users: select 1\n    statementTimeout: 5s\n",
			check: func(t *testing.T, c *Config) {
				if diff := cmp.Diff([]string{"okta.users.read", "okta.groups.read"}, c.Okta.Scopes); diff != "" {
					t.Errorf("scopes (-want +got):\n%s", diff)
				}
				if c.Okta.RequestTimeout != 90*time.Second || c.Source.Postgres.StatementTimeout != 5*time.Second {
					t.Errorf("timeouts = %v, %v", c.Okta.RequestTimeout, c.Source.Postgres.StatementTimeout)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l, root := setup(t, tt.env)
			if tt.homeYAML != "" {
				writeFile(t, filepath.Join(l.home, ".okta", "okta.yaml"), tt.homeYAML, 0o600)
			}
			if tt.cwdYAML != "" {
				writeFile(t, filepath.Join(l.cwd, "okta.yaml"), tt.cwdYAML, 0o600)
			}
			path := writeFile(t, filepath.Join(root, "etc", "oktasync.yaml"), tt.file, 0o600)
			c, err := l.load(path)
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			tt.check(t, c)
		})
	}
}

func TestLoadPaths(t *testing.T) {
	t.Parallel()
	l, root := setup(t, map[string]string{"OKTASYNC_SOURCE_CSV_GROUPS": "g.csv"})
	etc := filepath.Join(root, "etc")
	writeFile(t, filepath.Join(etc, "secrets", "token"), "  "+secretToken+"\n", 0o600)
	writeFile(t, filepath.Join(l.home, "key.pem"), "-----BEGIN PRIVATE KEY-----\n", 0o600)
	path := writeFile(t, filepath.Join(etc, "oktasync.yaml"), `
okta:
  orgUrl: https://example.okta.com
  tokenFile: secrets/token
  privateKeyFile: ~/key.pem
  caFile: /etc/ssl/ca.pem
source:
  csv:
    users: data/users.csv
    memberships: /abs/m.csv
state:
  url: sqlite:///var/lib/oktasync/state.db?_pragma=busy_timeout(5000)
`, 0o600)
	c, err := l.load(path)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	want := []string{
		secretToken,
		filepath.Join(etc, "secrets", "token"),
		filepath.Join(l.home, "key.pem"),
		"-----BEGIN PRIVATE KEY-----",
		"/etc/ssl/ca.pem",
		filepath.Join(etc, "data", "users.csv"),
		filepath.Join(l.cwd, "g.csv"),
		"/abs/m.csv",
		"sqlite:///var/lib/oktasync/state.db?_pragma=busy_timeout(5000)",
	}
	got := []string{c.Okta.Token, c.Okta.TokenFile, c.Okta.PrivateKeyFile, c.Okta.PrivateKey, c.Okta.CAFile,
		c.Source.CSV.Users, c.Source.CSV.Groups, c.Source.CSV.Memberships, c.State.URL}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestSQLitePath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url, path, query string
		ok               bool
	}{
		{"sqlite:///var/lib/s.db", "/var/lib/s.db", "", true},
		{"sqlite://s.db?mode=rwc", "s.db", "?mode=rwc", true},
		{"postgres://db/x", "", "", false},
	}
	for _, tt := range tests {
		p, q, ok := SQLitePath(tt.url)
		if p != tt.path || q != tt.query || ok != tt.ok {
			t.Errorf("SQLitePath(%q) = %q, %q, %v; want %q, %q, %v", tt.url, p, q, ok, tt.path, tt.query, tt.ok)
		}
	}
}

func TestLoadWarnings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		file  string
		mode  os.FileMode
		wants string // "" for no warning
	}{
		{"secret in a private file", minimal, 0o600, ""},
		{"secret in a shared file", minimal, 0o644, "okta.token"},
		{"secret through a variable", strings.Replace(minimal, secretToken, "${TOK}", 1), 0o644, ""},
		{"password in a source url", "okta:\n  orgUrl: https://example.okta.com\n  token: ${TOK}\nsource:\n  postgres:\n    url: postgres://u:" + secretToken + "@db/x\n    users: select 1\n", 0o640, "source.postgres.url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l, root := setup(t, map[string]string{"TOK": "t"})
			path := writeFile(t, filepath.Join(root, "oktasync.yaml"), tt.file, tt.mode)
			c, err := l.load(path)
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			if tt.wants == "" {
				if len(c.Warnings) != 0 {
					t.Errorf("warnings = %q, want none", c.Warnings)
				}
				return
			}
			if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], tt.wants) {
				t.Fatalf("warnings = %q, want one naming %s", c.Warnings, tt.wants)
			}
			if strings.Contains(c.Warnings[0], secretToken) {
				t.Errorf("warning %q shows the secret", c.Warnings[0])
			}
		})
	}
}

func TestSuggest(t *testing.T) {
	t.Parallel()
	known := []string{"orgUrl", "token", "tokenFile", "rateLimit"}
	tests := map[string]string{
		"orgURL":    "orgUrl",
		"org_url":   "orgUrl",
		"tokenfile": "tokenFile",
		"tokn":      "token",
		"ratelimit": "rateLimit",
		"proxyHost": "",
	}
	for in, want := range tests {
		if got := Suggest(in, known); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", in, got, want)
		}
	}
}
