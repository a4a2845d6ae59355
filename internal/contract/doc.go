// Package contract holds tests only: it checks the simulated Okta org
// (internal/oktasim) and the API client (internal/okta) against Okta's
// published OpenAPI specification, and checks that the official Okta Go SDK
// accepts the simulator.
//
// The specification is read from ../shared/okta-openapi/oktasync-subset.yaml
// relative to the repository root; where that folder is absent the contract
// tests skip and say so. Every request the client sends and every answer the
// simulator gives is captured by a recording http.RoundTripper and validated
// with kin-openapi's openapi3filter against the operation it routes to.
// A final test lists the operations (by operationId) that were validated and
// fails when an operation the client can call was never exercised.
//
// The SDK test drives github.com/okta/okta-sdk-golang/v5 against the
// simulator: paging, user create, update, deactivate and delete, group
// create, membership add and remove, and a 404 read as the SDK's error.
package contract
