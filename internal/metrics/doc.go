// Package metrics owns oktasync's Prometheus metrics: the counters and
// gauges `oktasync serve` exposes on /metrics, and the code that turns a
// finished run and the Okta client's request statistics into them.
//
// Every metric is registered on a private registry, so tests and several
// servers in one process never collide. The metric names are:
//
//	oktasync_runs_total{status}                        counter: finished syncs by status
//	oktasync_operations_total{action,outcome}          counter: plan operations by action and outcome
//	oktasync_api_requests_total{bucket,status}         counter: Okta API requests by rate-limit bucket and HTTP status ("error" when no response came)
//	oktasync_api_rate_limited_total{bucket}            counter: 429 answers by bucket
//	oktasync_api_rate_limit_remaining{bucket}          gauge: requests left in the bucket's window, as Okta last reported
//	oktasync_api_rate_limit_limit{bucket}              gauge: the bucket's per-window limit, as Okta last reported
//	oktasync_last_success_timestamp_seconds            gauge: when the last successful sync finished (Unix time)
//	oktasync_run_duration_seconds{status}              histogram: how long syncs took
//	oktasync_run_in_progress                           gauge: 1 while a sync runs
//	oktasync_build_info{version}                       gauge: always 1
//
// plus the Go runtime and process collectors.
package metrics
