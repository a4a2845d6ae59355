package okta

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseRate(t *testing.T) {
	t.Parallel()
	date := "Sun, 01 Mar 2026 12:00:00 GMT"
	at := func(sec int64) time.Time { return time.Unix(sec, 0).UTC() }
	dateT := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		header http.Header
		want   Rate
	}{
		{"one reset line", http.Header{"X-Rate-Limit-Limit": {"600"}, "X-Rate-Limit-Remaining": {"599"},
			"X-Rate-Limit-Reset": {"1772366460"}, "Date": {date}},
			Rate{Known: true, Limit: 600, Remaining: 599, Reset: at(1772366460), Date: dateT}},
		// Okta's answers sometimes carry two lines; the later one may come
		// first. The earliest holds.
		{"two reset lines, later first", http.Header{"X-Rate-Limit-Limit": {"600"}, "X-Rate-Limit-Remaining": {"10"},
			"X-Rate-Limit-Reset": {"1772366520", "1772366460"}},
			Rate{Known: true, Limit: 600, Remaining: 10, Reset: at(1772366460)}},
		{"two values on one line", http.Header{"X-Rate-Limit-Limit": {"600"}, "X-Rate-Limit-Remaining": {"10"},
			"X-Rate-Limit-Reset": {"1772366520, 1772366460"}},
			Rate{Known: true, Limit: 600, Remaining: 10, Reset: at(1772366460)}},
		{"a bad line is skipped", http.Header{"X-Rate-Limit-Reset": {"soon", "1772366460"}},
			Rate{Reset: at(1772366460)}},
		{"concurrency 429", http.Header{"X-Rate-Limit-Limit": {"0"}, "X-Rate-Limit-Remaining": {"0"}},
			Rate{Known: true}},
		{"no headers", http.Header{}, Rate{}},
	}
	for _, tt := range tests {
		if d := cmp.Diff(tt.want, parseRate(tt.header)); d != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, d)
		}
	}
}
