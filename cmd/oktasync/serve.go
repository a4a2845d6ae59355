package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"github.com/oktasync/oktasync/internal/config"
	"github.com/oktasync/oktasync/internal/metrics"
	"github.com/oktasync/oktasync/internal/okta"
	"github.com/oktasync/oktasync/internal/reconcile"
	"github.com/oktasync/oktasync/internal/schedule"
	"github.com/oktasync/oktasync/internal/state"
)

// defaultShutdownGrace is serve.shutdownGrace's default.
const defaultShutdownGrace = 30 * time.Second

// httpShutdownTimeout bounds closing the HTTP listener's open connections.
const httpShutdownTimeout = 5 * time.Second

// syncJobName names the scheduled sync in gocron and in the schedule lock.
const syncJobName = "sync"

type serveFlags struct {
	addr string
}

func (a *app) serveCommand() *cobra.Command {
	f := &serveFlags{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Sync on a schedule and serve a status page, /metrics, /healthz and /readyz",
		Long: `serve syncs on the schedule the config sets (schedule.cron, five fields or
six with seconds first, or schedule.every, plus schedule.jitter) and never runs
two syncs at once. With a PostgreSQL state store, replicas share a lock so that
each scheduled sync runs once.

It serves on serve.addr (default 127.0.0.1:9464), over HTTPS with
serve.tls.certFile and keyFile:
  /         the status page: runs, the last plan, users, plans held back
            by a safety limit; its JSON under /api. Actions (run now,
            pause, resume, approve a held plan) need the credential in
            serve.adminTokenFile; without one the page is read-only
  /metrics  Prometheus metrics
  /healthz  200 while the process is up
  /readyz   200 once the config is loaded and Okta answered an authenticated
            call (at start, or a sync succeeded since); 503 before, and while
            shutting down

On SIGTERM or SIGINT it stops scheduling, lets the running sync finish its
calls in flight and record where it stopped (within serve.shutdownGrace,
default 30s), and exits 0.`,
		Example: `  oktasync serve --config /etc/oktasync/oktasync.yaml
  oktasync serve --addr 0.0.0.0:9464 --log-level info   # in a container`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.serve(cmd.Context(), f)
		},
	}
	cmd.Flags().StringVar(&f.addr, "addr", "", "listen address of the status page, /metrics, /healthz and /readyz (default serve.addr)")
	a.configFlag(cmd.Flags())
	a.logFlags(cmd.Flags())
	return cmd
}

// server is one `oktasync serve`: its config, the runner of its syncs,
// its metrics and readiness.
type server struct {
	cfg     *config.Config
	log     *slog.Logger
	metrics *metrics.Metrics
	runner  *reconcile.Runner

	// client is the Okta client every sync and the first contact share;
	// apiSeen is the part of its Stats already in the metrics.
	client  *okta.Client
	apiMu   sync.Mutex
	apiSeen okta.Stats

	mu       sync.Mutex
	ready    bool
	draining bool

	// store is the state store the status page reads; board holds the
	// last sync's plan and users; job is the scheduled sync. running is
	// true while a sync runs, and manual while one asked for by the status
	// page is due or running.
	store   state.Store
	board   statusBoard
	job     gocron.Job
	running atomic.Bool
	manual  atomic.Bool
}

// serveConfig is what serve takes from the config and flags, checked.
type serveConfig struct {
	def      gocron.JobDefinition
	jobOpts  []gocron.JobOption
	interval time.Duration // the time between two ticks
	grace    time.Duration
	addr     string
}

// serveConfigFrom checks the schedule, the shutdown grace and the address.
func serveConfigFrom(cfg *config.Config, f *serveFlags) (serveConfig, error) {
	var sc serveConfig
	var err error
	if sc.def, sc.jobOpts, sc.interval, err = schedule.Job(cfg.Schedule, time.Now()); err != nil {
		return sc, fmt.Errorf("serve: %w", err)
	}
	switch sc.grace = cfg.Serve.ShutdownGrace; {
	case sc.grace < 0:
		return sc, fmt.Errorf("serve: serve.shutdownGrace %s: must not be negative", sc.grace)
	case sc.grace == 0:
		sc.grace = defaultShutdownGrace
	}
	sc.addr = cmp.Or(f.addr, cfg.Serve.Addr, config.DefaultServeAddr)
	return sc, nil
}

func (a *app) serve(ctx context.Context, f *serveFlags) error {
	cfg, log, err := a.setup()
	if err != nil {
		return err
	}
	sc, err := serveConfigFrom(cfg, f)
	if err != nil {
		return err
	}
	s := &server{cfg: cfg, log: log, metrics: metrics.New(version)}
	if s.client, err = newOktaClient(cfg, log); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	if s.runner, err = newRunner(cfg, log, s.client, allowances{}); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	// Syncs and the first contact stop when runCtx ends: at a signal, or
	// when the HTTP listener fails.
	runCtx, stopRuns := context.WithCancel(ctx)
	defer stopRuns()

	httpSrv, httpErr, err := s.listen(ctx, sc.addr)
	if err != nil {
		return err
	}
	defer s.store.Close()

	locker, closeLocker, err := s.scheduleLocker(ctx, sc.interval)
	if err != nil {
		_ = httpSrv.Close()
		return err
	}
	defer closeLocker()

	// First contact: one cheap authenticated call makes the process ready.
	// It runs beside the scheduler, so a slow Okta delays no tick.
	var probe sync.WaitGroup
	probe.Go(func() { s.firstContact(runCtx) })
	defer func() {
		stopRuns()
		probe.Wait()
	}()

	sched, err := s.schedule(runCtx, sc, locker)
	if err != nil {
		_ = httpSrv.Close()
		return err
	}

	var serveErr error
	select {
	case <-ctx.Done():
		log.Info("shutting down: no new syncs; waiting for the running one", "grace", sc.grace.String())
	case err := <-httpErr:
		serveErr = fmt.Errorf("serve: HTTP listener on %s: %w", sc.addr, err)
		log.Error("HTTP listener failed; shutting down", "err", err)
	}
	s.setDraining()

	// The running sync sees runCtx cancelled: it starts nothing new, lets
	// its calls in flight finish and records where it stopped.
	stopRuns()
	return s.shutdown(ctx, sched, httpSrv, sc.grace, serveErr)
}

// listen opens the listener (first, so that a taken port fails at once)
// and the status page's state store, and serves the status page, metrics
// and health on it. Its errors come on the returned channel.
func (s *server) listen(ctx context.Context, addr string) (*http.Server, chan error, error) {
	adminToken, err := readAdminToken(s.cfg)
	if err != nil {
		return nil, nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("serve: listen on %s (serve.addr): %w", addr, err)
	}
	if err := s.openStatusStore(ctx); err != nil {
		ln.Close()
		return nil, nil, err
	}
	page, err := s.newStatusPage(adminToken)
	if err != nil {
		ln.Close()
		s.store.Close()
		return nil, nil, fmt.Errorf("serve: %w", err)
	}
	httpSrv := &http.Server{Handler: s.handler(page), ReadHeaderTimeout: 10 * time.Second}
	httpErr := make(chan error, 1)
	cert, key := s.cfg.Serve.TLS.CertFile, s.cfg.Serve.TLS.KeyFile
	go func() {
		if cert != "" {
			httpErr <- httpSrv.ServeTLS(ln, cert, key)
			return
		}
		httpErr <- httpSrv.Serve(ln)
	}()
	s.log.Info("serving metrics and health", "addr", ln.Addr().String(), "statusPage", "/", "tls", cert != "", "readOnly", page.ReadOnly())
	for _, w := range listenerWarnings(ln.Addr().String(), cert != "", adminToken != "") {
		s.log.Warn(w)
	}
	return httpSrv, httpErr, nil
}

// scheduleLocker returns, with a PostgreSQL state store, the lock replicas
// share so that each scheduled sync runs once, and a function that
// releases it and closes its store; with another store, nil and a function
// that does nothing.
func (s *server) scheduleLocker(ctx context.Context, interval time.Duration) (*schedule.StoreLocker, func(), error) {
	if !isPostgresURL(s.cfg.State.URL) {
		return nil, func() {}, nil
	}
	store, err := state.Open(ctx, s.cfg.State.URL, stateOptions(s.cfg, s.log))
	if err != nil {
		return nil, nil, fmt.Errorf("serve: open state store for the schedule lock: %w", err)
	}
	locker := &schedule.StoreLocker{Store: store, Org: orgKey(s.cfg.Okta.OrgURL), MinHold: min(interval/2, time.Minute), Logger: s.log}
	return locker, func() {
		if err := locker.Close(); err != nil {
			s.log.Warn("release schedule lock", "err", err)
		}
		store.Close()
	}, nil
}

// schedule starts the scheduler with the sync job; the syncs run under
// runCtx.
func (s *server) schedule(runCtx context.Context, sc serveConfig, locker *schedule.StoreLocker) (gocron.Scheduler, error) {
	sched, err := gocron.NewScheduler(gocron.WithStopTimeout(sc.grace), gocron.WithLogger(s.log.With("component", "scheduler")))
	if err != nil {
		return nil, fmt.Errorf("serve: start scheduler: %w", err)
	}
	opts := append([]gocron.JobOption{
		gocron.WithName(syncJobName),
		gocron.WithSingletonMode(gocron.LimitModeReschedule),
		gocron.WithEventListeners(gocron.AfterLockError(func(_ uuid.UUID, _ string, err error) {
			s.manual.Store(false) // a sync asked for now did not start either
			s.log.Info("scheduled sync skipped: another replica runs it", "reason", err)
		})),
	}, sc.jobOpts...)
	if locker != nil {
		opts = append(opts, gocron.WithDistributedJobLocker(locker))
	}
	job, err := sched.NewJob(sc.def, gocron.NewTask(func() { s.syncOnce(runCtx) }), opts...)
	if err != nil {
		_ = sched.Shutdown()
		return nil, fmt.Errorf("serve: schedule sync: %w", err)
	}
	s.job = job
	sched.Start()
	if next, err := job.NextRun(); err == nil {
		s.log.Info("scheduled syncs", "next", next.Format(time.RFC3339), "distributedLock", locker != nil)
	}
	return sched, nil
}

// shutdown waits up to grace for the running sync, closes the HTTP
// listener, and returns serveErr or what stopping failed with.
func (s *server) shutdown(ctx context.Context, sched gocron.Scheduler, httpSrv *http.Server, grace time.Duration, serveErr error) error {
	stopErr := sched.Shutdown()
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), httpShutdownTimeout)
	defer cancel()
	if err := httpSrv.Shutdown(hctx); err != nil {
		s.log.Warn("close HTTP listener", "err", err)
	}
	switch {
	case serveErr != nil:
		return serveErr
	case errors.Is(stopErr, gocron.ErrStopJobsTimedOut) || errors.Is(stopErr, gocron.ErrStopSchedulerTimedOut):
		return fmt.Errorf("serve: the running sync did not stop within serve.shutdownGrace (%s); the next run will mark it interrupted", grace)
	case stopErr != nil:
		return fmt.Errorf("serve: stop scheduler: %w", stopErr)
	}
	s.log.Info("stopped")
	return nil
}

func isPostgresURL(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

// handler serves the status page, /metrics, /healthz and /readyz.
func (s *server) handler(page http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", page)
	mux.Handle("GET /metrics", s.metrics.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		ready, why := s.readiness()
		if !ready {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintf(w, "not ready: %s\n", why)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	return mux
}

func (s *server) readiness() (bool, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.draining:
		return false, "shutting down"
	case !s.ready:
		return false, "Okta has not yet answered an authenticated call (first contact failed, and no sync has succeeded yet)"
	}
	return true, ""
}

func (s *server) setReady() {
	s.mu.Lock()
	s.ready = true
	s.mu.Unlock()
}

func (s *server) setDraining() {
	s.mu.Lock()
	s.draining = true
	s.mu.Unlock()
}

// firstContact makes one cheap authenticated call to Okta (the first user
// of the org) and marks the server ready when it succeeds. A failure is
// logged; the next successful sync makes the server ready instead.
func (s *server) firstContact(ctx context.Context) {
	_, _, err := s.client.Users.ListPage(ctx, &okta.UserListOptions{Limit: 1})
	s.observeAPI()
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		s.log.Warn("first contact with Okta failed; not ready until a sync succeeds", "err", err)
		return
	}
	s.log.Info("first contact with Okta succeeded", "org", orgKey(s.cfg.Okta.OrgURL))
	s.setReady()
}

// observeAPI adds to the metrics what the client did since the last call.
func (s *server) observeAPI() {
	s.apiMu.Lock()
	defer s.apiMu.Unlock()
	now := s.client.Stats()
	s.metrics.ObserveAPI(metrics.Delta(s.apiSeen, now))
	s.apiSeen = now
}

// syncOnce runs one sync, scheduled or asked for on the status page
// (which runs even while the schedule is paused, and without jitter), and
// records it in the metrics, the logs and the status page.
func (s *server) syncOnce(ctx context.Context) {
	manual := s.manual.Load()
	defer s.manual.Store(false)
	if ctx.Err() != nil {
		return
	}
	if !manual && s.paused(ctx) {
		s.log.Info("scheduled sync skipped: the schedule is paused")
		return
	}
	s.running.Store(true)
	defer s.running.Store(false)
	if !manual {
		if err := schedule.Jitter(ctx, s.cfg.Schedule.Jitter); err != nil {
			return
		}
	}
	runner, approval := s.runnerFor(ctx)
	s.board.forget()
	s.metrics.RunStarted()
	started := time.Now()
	rep, err := runner.Run(ctx, reconcile.Options{Grace: callGrace(s.cfg.Serve.ShutdownGrace), Observe: s.board.observe})
	finished := time.Now()
	s.observeAPI()
	status := reconcile.Classify(ctx, err).Label
	run := metrics.Run{Status: status, Started: started, Finished: finished, Operations: map[metrics.OperationKey]int{}}
	attrs := []any{"status", status, "duration", finished.Sub(started).Round(time.Millisecond).String()}
	if rep != nil {
		for _, op := range rep.Operations {
			if op.Status != "" {
				run.Operations[metrics.OperationKey{Action: op.Action.String(), Outcome: op.Status}]++
			}
		}
		attrs = append(attrs, "runId", rep.RunID, "operations", len(rep.Operations),
			"applied", rep.Applied, "failed", rep.Failed, "skipped", rep.Skipped)
	}
	s.metrics.RunFinished(run)
	s.afterSync(ctx, rep, status, approval)
	switch status {
	case state.RunSucceeded:
		s.setReady()
		s.log.Info("sync finished", attrs...)
	case metrics.StatusLocked:
		s.log.Info("sync finished", append(attrs, "err", err)...)
	default:
		s.log.Error("sync finished", append(attrs, "err", err)...)
	}
}

// callGrace is how long a sync's calls in flight at shutdown may still
// run: twice serve.shutdownGrace, so that serve's own wait (the grace)
// always ends first when a call outlasts it. With the same length the two
// timers raced: a sync whose calls were cut at the grace could end just
// before serve's wait did, and serve exit 0 though the grace was exceeded.
func callGrace(shutdownGrace time.Duration) time.Duration {
	if shutdownGrace <= 0 {
		shutdownGrace = defaultShutdownGrace
	}
	return 2 * shutdownGrace
}
