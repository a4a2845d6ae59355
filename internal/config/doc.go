// Package config owns oktasync's configuration: the Config type, its
// defaults, loading with precedence, and validation with field-level errors.
//
// # Precedence
//
// Load builds a Config in layers, each overriding the one before:
//
//  1. Default().
//  2. The Okta SDKs' files, ~/.okta/okta.yaml and then ./okta.yaml, shaped
//     okta: {client: {orgUrl: …, token: …}, testing: {disableHttpsCheck: …}}.
//     Keys these files hold that oktasync does not use are ignored.
//  3. oktasync's own YAML file, the path given to Load. Unknown keys are an
//     error that names the key and suggests the nearest known one.
//  4. The environment: the Okta SDKs' names for the Okta client keys
//     (OKTA_CLIENT_ORGURL, OKTA_CLIENT_TOKEN, …) and OKTASYNC_… for every
//     other key (OKTASYNC_STATE_URL, OKTASYNC_CONCURRENCY, …). Keys lists
//     them all. A variable set to the empty string counts as unset.
//
// Command-line flags come last; the command applies them to the loaded
// Config and calls Validate again.
//
// # Values
//
// String values in files may use ${VAR} (an error when VAR is unset) and
// ${VAR:-default}. Durations are Go durations ("90s", "5m") or a whole
// number of seconds, as in the Okta SDKs' files. Relative file paths
// (okta.tokenFile, okta.privateKeyFile, okta.caFile, source.csv.*, a
// relative sqlite state.url) are resolved against the directory of the file
// that set them, or the working directory when they come from the
// environment; a leading ~/ means the home directory. After Load every such
// path is absolute.
//
// # Secrets
//
// okta.token, okta.privateKey, okta.proxy.password and passwords inside
// URLs are secrets: no error or warning from this package ever contains
// one. okta.tokenFile and okta.privateKeyFile read a secret from a file (a
// mounted Kubernetes secret, say). A config file that holds a secret and is
// readable by group or others draws a warning in Config.Warnings.
package config
