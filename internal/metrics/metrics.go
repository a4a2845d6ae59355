package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/oktasync/oktasync/internal/okta"
)

// Namespace prefixes every oktasync metric name.
const Namespace = "oktasync"

// StatusLocked is the run status recorded when a scheduled sync did not
// start because another oktasync process held the state store's lock.
const StatusLocked = "locked"

// Metrics holds oktasync's metrics on a private registry. Its methods are
// safe for concurrent use.
type Metrics struct {
	reg *prometheus.Registry

	runs            *prometheus.CounterVec
	operations      *prometheus.CounterVec
	apiRequests     *prometheus.CounterVec
	apiRateLimited  *prometheus.CounterVec
	budgetRemaining *prometheus.GaugeVec
	budgetLimit     *prometheus.GaugeVec
	lastSuccess     prometheus.Gauge
	runDuration     *prometheus.HistogramVec
	inProgress      prometheus.Gauge
}

// New registers oktasync's metrics, the Go runtime and process collectors,
// and a build-info gauge carrying version, on a new registry.
func New(version string) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "runs_total",
			Help: "Finished syncs by status (succeeded, partial, failed, blocked, interrupted, locked).",
		}, []string{"status"}),
		operations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "operations_total",
			Help: "Plan operations by action and outcome (applied, failed, skipped, mastered, pending).",
		}, []string{"action", "outcome"}),
		apiRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "api_requests_total",
			Help: "Okta API requests by rate-limit bucket and HTTP status (\"error\" when no response came).",
		}, []string{"bucket", "status"}),
		apiRateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "api_rate_limited_total",
			Help: "Okta 429 Too Many Requests answers by rate-limit bucket.",
		}, []string{"bucket"}),
		budgetRemaining: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: Namespace, Name: "api_rate_limit_remaining",
			Help: "Requests left in the bucket's current window, as Okta last reported (X-Rate-Limit-Remaining).",
		}, []string{"bucket"}),
		budgetLimit: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: Namespace, Name: "api_rate_limit_limit",
			Help: "Requests allowed per window in the bucket, as Okta last reported (X-Rate-Limit-Limit).",
		}, []string{"bucket"}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: Namespace, Name: "last_success_timestamp_seconds",
			Help: "When the last successful sync finished, in seconds since the Unix epoch (0: none yet).",
		}),
		runDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "run_duration_seconds",
			Help:    "How long syncs took, by status.",
			Buckets: []float64{1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200},
		}, []string{"status"}),
		inProgress: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: Namespace, Name: "run_in_progress",
			Help: "1 while a sync is running, else 0.",
		}),
	}
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: Namespace, Name: "build_info",
		Help:        "Always 1; the version label names the running oktasync.",
		ConstLabels: prometheus.Labels{"version": version},
	})
	build.Set(1)
	m.reg.MustRegister(
		m.runs, m.operations, m.apiRequests, m.apiRateLimited,
		m.budgetRemaining, m.budgetLimit, m.lastSuccess, m.runDuration, m.inProgress,
		build,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// Handler serves the metrics in the Prometheus exposition formats.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// RunStarted marks a sync as running.
func (m *Metrics) RunStarted() { m.inProgress.Set(1) }

// Run is what a finished sync reports to the metrics.
type Run struct {
	// Status is the run's final status: one of the state.Run* statuses
	// or StatusLocked.
	Status string
	// Started and Finished bound the run.
	Started, Finished time.Time
	// Operations counts the plan's operations by action and outcome.
	Operations map[OperationKey]int
}

// OperationKey names a count of operations.
type OperationKey struct {
	Action  string // diff.Action.String(), e.g. "user.create"
	Outcome string // applied, failed or skipped
}

// RunFinished records a finished sync: its status, duration and
// operations, and, for a successful one, the time it finished. A run in
// progress is marked as over.
func (m *Metrics) RunFinished(r Run) {
	m.inProgress.Set(0)
	m.runs.WithLabelValues(r.Status).Inc()
	if !r.Started.IsZero() && !r.Finished.IsZero() {
		m.runDuration.WithLabelValues(r.Status).Observe(r.Finished.Sub(r.Started).Seconds())
	}
	for k, n := range r.Operations {
		if n > 0 {
			m.operations.WithLabelValues(k.Action, k.Outcome).Add(float64(n))
		}
	}
	if r.Status == "succeeded" && !r.Finished.IsZero() {
		m.lastSuccess.Set(float64(r.Finished.UnixNano()) / 1e9)
	}
}

// ObserveAPI adds an Okta client's request statistics, as counted since
// the last call (see Delta), and sets each bucket's budget gauges from the
// figures Okta last reported.
func (m *Metrics) ObserveAPI(delta okta.Stats) {
	for name, b := range delta.Buckets {
		var answered int64
		for code, n := range b.ByStatus {
			if n > 0 {
				m.apiRequests.WithLabelValues(name, strconv.Itoa(code)).Add(float64(n))
			}
			answered += n
		}
		if errs := b.Requests - answered; errs > 0 {
			m.apiRequests.WithLabelValues(name, "error").Add(float64(errs))
		}
		if b.RateLimited > 0 {
			m.apiRateLimited.WithLabelValues(name).Add(float64(b.RateLimited))
		}
		if b.Limit > 0 {
			m.budgetLimit.WithLabelValues(name).Set(float64(b.Limit))
			m.budgetRemaining.WithLabelValues(name).Set(float64(b.Remaining))
		}
	}
}

// Delta returns the counts in after that were not yet in before, both
// snapshots of one client's Stats taken in that order. The rate-limit
// figures (Limit, Remaining, Reset) are after's, for the buckets after
// saw a request in since before.
func Delta(before, after okta.Stats) okta.Stats {
	d := okta.Stats{
		Requests:           after.Requests - before.Requests,
		TransportErrors:    after.TransportErrors - before.TransportErrors,
		RateLimited:        after.RateLimited - before.RateLimited,
		ConcurrencyLimited: after.ConcurrencyLimited - before.ConcurrencyLimited,
		Retries:            after.Retries - before.Retries,
		PacingWaits:        after.PacingWaits - before.PacingWaits,
		PacingDelay:        after.PacingDelay - before.PacingDelay,
		ByStatus:           subCounts(before.ByStatus, after.ByStatus),
		Buckets:            make(map[string]okta.BucketStats),
	}
	for name, a := range after.Buckets {
		b := before.Buckets[name]
		if a.Requests == b.Requests {
			continue
		}
		d.Buckets[name] = okta.BucketStats{
			Requests:    a.Requests - b.Requests,
			ByStatus:    subCounts(b.ByStatus, a.ByStatus),
			RateLimited: a.RateLimited - b.RateLimited,
			Limit:       a.Limit,
			Remaining:   a.Remaining,
			Reset:       a.Reset,
		}
	}
	return d
}

func subCounts(before, after map[int]int64) map[int]int64 {
	d := make(map[int]int64, len(after))
	for k, v := range after {
		if n := v - before[k]; n != 0 {
			d[k] = n
		}
	}
	return d
}
