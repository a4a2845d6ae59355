package contract

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAbsentSpec checks what an absent specification folder does: a
// skip naming the folder outside CI, a failure naming it under CI=true.
func TestAbsentSpec(t *testing.T) {
	t.Parallel()
	const dir = "/nowhere/shared/okta-openapi"
	for _, ci := range []bool{false, true} {
		skip, err := absentSpec(dir, ci)
		switch {
		case ci && (skip != "" || err == nil || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "CI=true")):
			t.Errorf("under CI: skip %q, error %v; want an error naming %s and CI=true", skip, err, dir)
		case !ci && (err != nil || !strings.Contains(skip, dir)):
			t.Errorf("outside CI: skip %q, error %v; want a skip naming %s", skip, err, dir)
		}
	}
}

// TestValidatorCatchesMismatches shows that the validation the contract
// tests rely on is not vacuous: well-formed exchanges pass, and each kind of
// defect is caught. It uses a private spec record so that these crafted
// exchanges never count towards the validated operations.
func TestValidatorCatchesMismatches(t *testing.T) {
	shared := loadSpec(t)
	s := &spec{doc: shared.doc, router: shared.router, validated: map[string]int{}, failed: map[string]int{}}
	json := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	ssws := http.Header{"Authorization": {"SSWS x"}, "Accept": {"application/json"}}
	sswsJSON := http.Header{"Authorization": {"SSWS x"}, "Accept": {"application/json"}, "Content-Type": {"application/json"}}
	user := `{"id":"00u1","status":"ACTIVE","created":"2026-01-02T03:04:05.000Z","profile":{"login":"a@example.com","email":"a@example.com","firstName":"A","lastName":"B"}}`
	for _, tc := range []struct {
		name    string
		e       exchange
		wantErr string // empty: must validate
	}{
		{
			name: "valid list",
			e:    exchange{method: "GET", path: "/api/v1/users", query: url.Values{"limit": {"2"}}, reqHeader: ssws, status: 200, respHeader: json, respBody: []byte("[" + user + "]")},
		},
		{
			name:    "wrong JSON type in a response",
			e:       exchange{method: "GET", path: "/api/v1/users", reqHeader: ssws, status: 200, respHeader: json, respBody: []byte(`[{"id":5}]`)},
			wantErr: "response",
		},
		{
			name:    "status outside the enum",
			e:       exchange{method: "GET", path: "/api/v1/users/00u1", reqHeader: ssws, status: 200, respHeader: json, respBody: []byte(strings.Replace(user, `"ACTIVE"`, `"WEIRD"`, 1))},
			wantErr: "response",
		},
		{
			name:    "timestamp not a date-time",
			e:       exchange{method: "GET", path: "/api/v1/users/00u1", reqHeader: ssws, status: 200, respHeader: json, respBody: []byte(strings.Replace(user, `"2026-01-02T03:04:05.000Z"`, `"yesterday"`, 1))},
			wantErr: "response",
		},
		{
			name:    "undocumented status",
			e:       exchange{method: "POST", path: "/api/v1/users", reqHeader: sswsJSON, reqBody: []byte(`{"profile":{"login":"a@example.com"}}`), status: 201, respHeader: json, respBody: []byte(user)},
			wantErr: "status is not supported",
		},
		{
			name:    "missing required request body",
			e:       exchange{method: "POST", path: "/api/v1/groups", reqHeader: ssws, status: 200, respHeader: json, respBody: []byte(`{}`)},
			wantErr: "request",
		},
		{
			name:    "no credentials",
			e:       exchange{method: "GET", path: "/api/v1/groups", reqHeader: http.Header{}, status: 200, respHeader: json, respBody: []byte(`[]`)},
			wantErr: "security",
		},
		{
			name:    "query parameter of the wrong type",
			e:       exchange{method: "GET", path: "/api/v1/users", query: url.Values{"limit": {"many"}}, reqHeader: ssws, status: 200, respHeader: json, respBody: []byte(`[]`)},
			wantErr: "limit",
		},
		{
			name:    "error body of the wrong shape",
			e:       exchange{method: "GET", path: "/api/v1/users/nobody", reqHeader: ssws, status: 404, respHeader: json, respBody: []byte(`{"errorCauses":"none"}`)},
			wantErr: "response",
		},
		{
			name:    "misspelt response key",
			e:       exchange{method: "GET", path: "/api/v1/users/00u1", reqHeader: ssws, status: 200, respHeader: json, respBody: []byte(strings.Replace(user, `"created"`, `"craeted"`, 1))},
			wantErr: "/craeted",
		},
		{
			name:    "misspelt key inside a nested object",
			e:       exchange{method: "GET", path: "/api/v1/groups/00g1", reqHeader: ssws, status: 200, respHeader: json, respBody: []byte(`{"id":"00g1","type":"OKTA_GROUP","profile":{"name":"A"},"_links":{"slef":{"href":"https://x"}}}`)},
			wantErr: "/_links/slef",
		},
		{
			name: "custom profile attributes are not unknown keys",
			e:    exchange{method: "GET", path: "/api/v1/users/00u1", reqHeader: ssws, status: 200, respHeader: json, respBody: []byte(strings.Replace(user, `"firstName":"A"`, `"firstName":"A","costCentre":"42","shoeSize":9`, 1))},
		},
		{
			name:    "misspelt request key",
			e:       exchange{method: "POST", path: "/api/v1/users", reqHeader: sswsJSON, reqBody: []byte(`{"profile":{"login":"a@example.com","email":"a@example.com","firstName":"A","lastName":"B"},"groupIDs":["00g1"]}`), status: 200, respHeader: json, respBody: []byte(user)},
			wantErr: "/groupIDs",
		},
		{
			name:    "query parameter the operation does not declare",
			e:       exchange{method: "GET", path: "/api/v1/users", query: url.Values{"sortorder": {"asc"}}, reqHeader: ssws, status: 200, respHeader: json, respBody: []byte(`[]`)},
			wantErr: "sortorder",
		},
		{
			name:    "token parameters in the query without the SDK allowance",
			e:       exchange{method: "POST", path: "/oauth2/v1/token", query: url.Values{"grant_type": {"client_credentials"}, "client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {"x"}}, reqHeader: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, status: 200, respHeader: json, respBody: []byte(`{"token_type":"Bearer","access_token":"a","expires_in":3600}`)},
			wantErr: "grant_type",
		},
		{
			name:    "a path the specification lacks",
			e:       exchange{method: "GET", path: "/api/v1/idps", reqHeader: ssws, status: 200, respHeader: json, respBody: []byte(`[]`)},
			wantErr: "no operation",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.e.query == nil {
				tc.e.query = url.Values{}
			}
			_, err := s.validate(context.Background(), &tc.e)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("want no error, got %v", err)
			case tc.wantErr != "" && err == nil:
				t.Errorf("want an error mentioning %q, got none", tc.wantErr)
			case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
				t.Errorf("want an error mentioning %q, got %v", tc.wantErr, err)
			}
		})
	}
}
