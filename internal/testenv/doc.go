// Package testenv decides what a test does when something outside the
// repository that it needs is missing: a PostgreSQL server, or Okta's
// OpenAPI files beside the repository (../shared/okta-openapi). Outside CI
// the test is skipped, saying what is missing; under CI=true, where every
// such dependency must be present, it fails, so a CI job that lost one
// cannot pass by skipping. Only tests import this package.
package testenv
