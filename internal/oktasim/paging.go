package oktasim

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
)

// pageLimit reads the `limit` parameter: absent means def, above max is
// capped to max, and a value that is not a positive number is refused.
func pageLimit(w http.ResponseWriter, r *http.Request, def, maxLimit int) (int, bool) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return min(def, maxLimit), true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		validationFailed(w, r, "limit", "limit: must be a positive number")
		return 0, false
	}
	return min(n, maxLimit), true
}

// writeLinks sets the Link header lines of a page: self is the request as
// made; next, present when next is not empty, is the same request with
// `after` set to the next cursor.
func writeLinks(w http.ResponseWriter, r *http.Request, next string) {
	base := baseURL(r) + r.URL.EscapedPath()
	self := base
	if r.URL.RawQuery != "" {
		self += "?" + r.URL.RawQuery
	}
	w.Header().Add("Link", "<"+self+">; rel=\"self\"")
	if next != "" {
		q := r.URL.Query()
		q.Set("after", next)
		w.Header().Add("Link", "<"+base+"?"+q.Encode()+">; rel=\"next\"")
	}
}

// Sorted search results page by their last sort key, carried in an opaque
// cursor.
const sortCursorPrefix = "s1"

func encodeSortCursor(key string) string {
	return sortCursorPrefix + base64.RawURLEncoding.EncodeToString([]byte(key))
}

func decodeSortCursor(c string) (string, bool) {
	rest, ok := strings.CutPrefix(c, sortCursorPrefix)
	if !ok {
		return "", false
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil {
		return "", false
	}
	return string(b), true
}
