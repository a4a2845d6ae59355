// Package contract holds tests only: it checks the simulated Okta org
// (internal/oktasim) and the API client (internal/okta) against Okta's
// published OpenAPI specification, and checks that the official Okta Go SDK
// accepts the simulator.
//
// The specification is read from ../shared/okta-openapi/oktasync-subset-apps.yaml
// relative to the repository root; where that folder is absent the contract
// tests skip and say so, except under CI=true, where they fail
// (internal/testenv). Every request the client sends and every answer the
// simulator gives is captured by a recording http.RoundTripper and validated
// with kin-openapi's openapi3filter against the operation it routes to.
// Beyond openapi3filter's checks, an exchange also fails when it sends a
// query parameter its operation does not declare, when a JSON body (request
// or response) holds a key its schema does not declare where the schema is
// not open (a misspelling Okta would silently ignore), or when an API answer
// lacks X-Okta-Request-Id, Date or the X-Rate-Limit-* headers. A final test
// lists the operations (by operationId) that were validated and fails when
// an operation the client can call was never exercised.
//
// The SDK tests drive github.com/okta/okta-sdk-golang/v5 against the
// simulator: paging with the SDK's own Next (users, a search, groups,
// members), user create, update, activate, deactivate and delete, group
// create, membership add and remove, a 404 read as the SDK's error, OAuth
// (PrivateKey) with Bearer and DPoP tokens, and a 429 waited out by its
// headers. The SDK drops the port from the org URL, so its transport sends
// connections for port 80 to the simulator's real port.
package contract
