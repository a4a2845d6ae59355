package metrics

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/oktasync/oktasync/internal/okta"
)

// scrape fetches /metrics from m's handler and parses the text format.
func scrape(t *testing.T, m *Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse metrics: %v", err)
	}
	return fams
}

// value returns the value of the sample of family name whose labels are
// exactly labels; ok is false when there is none.
func value(fams map[string]*dto.MetricFamily, name string, labels map[string]string) (float64, bool) {
	f, ok := fams[name]
	if !ok {
		return 0, false
	}
	for _, m := range f.GetMetric() {
		got := map[string]string{}
		for _, l := range m.GetLabel() {
			got[l.GetName()] = l.GetValue()
		}
		if !sameLabels(got, labels) {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}

func sameLabels(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestRunFinished(t *testing.T) {
	t.Parallel()
	m := New("v1.2.3")
	start := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	m.RunStarted()
	if fams := scrape(t, m); mustValue(t, fams, "oktasync_run_in_progress", nil) != 1 {
		t.Error("run_in_progress is not 1 during a run")
	}
	m.RunFinished(Run{Status: "succeeded", Started: start, Finished: start.Add(3 * time.Second),
		Operations: map[OperationKey]int{
			{"user.create", "applied"}:    3,
			{"user.create", "failed"}:     1,
			{"membership.add", "skipped"}: 0,
		}})
	m.RunFinished(Run{Status: "partial", Started: start, Finished: start.Add(time.Second)})
	m.RunFinished(Run{Status: StatusLocked})

	fams := scrape(t, m)
	tests := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"oktasync_runs_total", map[string]string{"status": "succeeded"}, 1},
		{"oktasync_runs_total", map[string]string{"status": "partial"}, 1},
		{"oktasync_runs_total", map[string]string{"status": "locked"}, 1},
		{"oktasync_operations_total", map[string]string{"action": "user.create", "outcome": "applied"}, 3},
		{"oktasync_operations_total", map[string]string{"action": "user.create", "outcome": "failed"}, 1},
		{"oktasync_run_duration_seconds", map[string]string{"status": "succeeded"}, 1},
		{"oktasync_last_success_timestamp_seconds", nil, float64(start.Add(3 * time.Second).Unix())},
		{"oktasync_run_in_progress", nil, 0},
		{"oktasync_build_info", map[string]string{"version": "v1.2.3"}, 1},
	}
	for _, tt := range tests {
		got, ok := value(fams, tt.name, tt.labels)
		if !ok {
			t.Errorf("%s%v: missing", tt.name, tt.labels)
			continue
		}
		if got != tt.want {
			t.Errorf("%s%v = %v, want %v", tt.name, tt.labels, got, tt.want)
		}
	}
	if _, ok := value(fams, "oktasync_operations_total", map[string]string{"action": "membership.add", "outcome": "skipped"}); ok {
		t.Error("a zero count created a series")
	}
	if _, ok := value(fams, "oktasync_run_duration_seconds", map[string]string{"status": "locked"}); ok {
		t.Error("a run with no times observed a duration")
	}
}

func mustValue(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	t.Helper()
	v, ok := value(fams, name, labels)
	if !ok {
		t.Fatalf("%s%v: missing", name, labels)
	}
	return v
}

func TestObserveAPIAndDelta(t *testing.T) {
	t.Parallel()
	before := okta.Stats{
		Requests: 5,
		ByStatus: map[int]int64{200: 5},
		Buckets: map[string]okta.BucketStats{
			okta.BucketUsers: {Requests: 5, ByStatus: map[int]int64{200: 5}, Limit: 600, Remaining: 595},
			okta.BucketGroup: {Requests: 2, ByStatus: map[int]int64{200: 2}, Limit: 100, Remaining: 98},
		},
	}
	after := okta.Stats{
		Requests:    12,
		RateLimited: 1,
		ByStatus:    map[int]int64{200: 10, 429: 1},
		Buckets: map[string]okta.BucketStats{
			okta.BucketUsers:     {Requests: 9, ByStatus: map[int]int64{200: 8, 429: 1}, RateLimited: 1, Limit: 600, Remaining: 0},
			okta.BucketGroup:     {Requests: 2, ByStatus: map[int]int64{200: 2}, Limit: 100, Remaining: 98},
			okta.BucketUserWrite: {Requests: 3, ByStatus: map[int]int64{200: 2}, Limit: 300, Remaining: 290},
		},
	}
	d := Delta(before, after)
	if d.Requests != 7 || d.RateLimited != 1 || d.ByStatus[200] != 5 || d.ByStatus[429] != 1 {
		t.Errorf("Delta totals = %+v", d)
	}
	if _, ok := d.Buckets[okta.BucketGroup]; ok {
		t.Error("Delta kept a bucket that saw no request")
	}

	m := New("dev")
	m.ObserveAPI(before)
	m.ObserveAPI(d)
	fams := scrape(t, m)
	tests := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"oktasync_api_requests_total", map[string]string{"bucket": okta.BucketUsers, "status": "200"}, 8},
		{"oktasync_api_requests_total", map[string]string{"bucket": okta.BucketUsers, "status": "429"}, 1},
		{"oktasync_api_requests_total", map[string]string{"bucket": okta.BucketUserWrite, "status": "200"}, 2},
		{"oktasync_api_requests_total", map[string]string{"bucket": okta.BucketUserWrite, "status": "error"}, 1},
		{"oktasync_api_rate_limited_total", map[string]string{"bucket": okta.BucketUsers}, 1},
		{"oktasync_api_rate_limit_remaining", map[string]string{"bucket": okta.BucketUsers}, 0},
		{"oktasync_api_rate_limit_remaining", map[string]string{"bucket": okta.BucketGroup}, 98},
		{"oktasync_api_rate_limit_limit", map[string]string{"bucket": okta.BucketUserWrite}, 300},
	}
	for _, tt := range tests {
		got, ok := value(fams, tt.name, tt.labels)
		if !ok {
			t.Errorf("%s%v: missing", tt.name, tt.labels)
			continue
		}
		if got != tt.want {
			t.Errorf("%s%v = %v, want %v", tt.name, tt.labels, got, tt.want)
		}
	}
}
