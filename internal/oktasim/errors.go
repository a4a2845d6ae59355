package oktasim

import "net/http"

// errorBody is Okta's error document.
type errorBody struct {
	ErrorCode    string       `json:"errorCode"`
	ErrorSummary string       `json:"errorSummary"`
	ErrorLink    string       `json:"errorLink"`
	ErrorID      string       `json:"errorId"`
	ErrorCauses  []errorCause `json:"errorCauses"`
}

type errorCause struct {
	ErrorSummary string `json:"errorSummary"`
}

// writeError answers with an Okta error body; causes become errorCauses.
func writeError(w http.ResponseWriter, _ *http.Request, status int, code, summary string, causes ...string) {
	body := errorBody{
		ErrorCode:    code,
		ErrorSummary: summary,
		ErrorLink:    code,
		ErrorID:      "oae" + randomID(22),
		ErrorCauses:  make([]errorCause, 0, len(causes)),
	}
	for _, c := range causes {
		body.ErrorCauses = append(body.ErrorCauses, errorCause{ErrorSummary: c})
	}
	writeJSON(w, status, body)
}

// Common answers.

func notFound(w http.ResponseWriter, r *http.Request, what, id string) {
	writeError(w, r, http.StatusNotFound, "E0000007", "Not found: Resource not found: "+id+" ("+what+")")
}

func validationFailed(w http.ResponseWriter, r *http.Request, field string, causes ...string) {
	writeError(w, r, http.StatusBadRequest, "E0000001", "Api validation failed: "+field, causes...)
}

func accessDenied(w http.ResponseWriter, r *http.Request) {
	writeError(w, r, http.StatusForbidden, "E0000006", "You do not have permission to perform the requested action")
}

func invalidSearch(w http.ResponseWriter, r *http.Request, cause string) {
	writeError(w, r, http.StatusBadRequest, "E0000031", "Invalid search criteria.", cause)
}

func notAllowedInStatus(w http.ResponseWriter, r *http.Request) {
	writeError(w, r, http.StatusForbidden, "E0000038", "This operation is not allowed in the user's current status.")
}
