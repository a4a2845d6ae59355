package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/oktasync/oktasync/internal/config"
	"github.com/oktasync/oktasync/internal/reconcile"
)

// version is stamped at build time with -ldflags "-X main.version=…".
var version = "dev"

// Exit codes; README.md documents them. A run's outcome gives its own
// (reconcile.Classify); exitChanges is the command's.
const (
	exitOK       = reconcile.ExitOK
	exitError    = reconcile.ExitError
	exitChanges  = 2 // --detailed-exitcode: the plan has changes
	exitBlocked  = reconcile.ExitBlocked
	exitPartial  = reconcile.ExitPartial
	exitLocked   = reconcile.ExitLocked
	exitConflict = reconcile.ExitConflict
)

// exitCodeError carries an exit code through cobra. A nil err means the
// command printed all it had to say.
type exitCodeError struct {
	code int
	err  error
}

func (e *exitCodeError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitCodeError) Unwrap() error { return e.err }

// app holds what every command shares: streams and global flags.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer

	configPath string
	logLevel   string
	logFormat  string
	noColor    bool
}

// Main runs oktasync with args and returns the process exit code.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr}
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	return a.exitCode(ctx, err)
}

// exitCode prints err, if any, and returns the exit code it calls for.
func (a *app) exitCode(ctx context.Context, err error) int {
	if err == nil {
		return exitOK
	}
	var ec *exitCodeError
	if errors.As(err, &ec) {
		if ec.err != nil {
			fmt.Fprintf(a.stderr, "oktasync: %v\n", ec.err)
		}
		return ec.code
	}
	fmt.Fprintf(a.stderr, "oktasync: %v\n", err)
	return reconcile.Classify(ctx, err).ExitCode
}

func (a *app) rootCommand() *cobra.Command {
	rf := &runFlags{}
	root := &cobra.Command{
		Use:   "oktasync",
		Short: "Keep an Okta org's users, groups and memberships in line with a directory source",
		Long: `oktasync reads the users, groups and memberships a directory source (CSV files
or Postgres) says should exist, reads what the Okta org has, computes a plan and
applies it within Okta's rate limits.

Run with no subcommand and a config to be found, oktasync runs a sync:
"oktasync --dry-run" is "oktasync run --dry-run"; with no config, it prints
this help. On a terminal a run shows the plan and asks before it applies
(--yes skips the question); without one (cron, CI, Kubernetes) it applies
at once.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version,
		Args:          unknownCommand,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !a.configFound() {
				return cmd.Help()
			}
			return a.runSync(cmd.Context(), rf)
		},
	}
	root.Example = `  oktasync demo                          # try it on a simulated org
  oktasync --config oktasync.yaml        # one sync (on a terminal, asks before applying)
  oktasync --dry-run                     # plan with ./oktasync.yaml, change nothing`
	a.configFlag(root.Flags())
	a.logFlags(root.Flags())
	a.colorFlag(root.Flags())
	root.SetVersionTemplate("oktasync {{.Version}}\n")
	root.SuggestionsMinimumDistance = 2
	rf.register(root, true)

	root.AddCommand(
		a.runCommand(),
		a.planCommand(),
		a.simCommand(),
		a.demoCommand(),
		a.versionCommand(),
		a.runsCommand(),
		a.migrateCommand(),
		a.applyCommand(),
		a.serveCommand(),
		a.validateCommand(),
	)
	return root
}

// The flags shared by several commands, each given only to the commands it
// applies to (no global flags): --config to those that read the config,
// the log flags to those that log, --no-color to those that print plans.

func (a *app) configFlag(fs *pflag.FlagSet) {
	fs.StringVarP(&a.configPath, "config", "c", "", "config `FILE` (default $OKTASYNC_CONFIG, then ./oktasync.yaml)")
}

func (a *app) logFlags(fs *pflag.FlagSet) {
	fs.StringVar(&a.logLevel, "log-level", "", "log `level`: debug, info, warn, error (default warn, or log.level)")
	fs.StringVar(&a.logFormat, "log-format", "", "log `format`: json or text (default: text on a terminal, json otherwise)")
}

func (a *app) colorFlag(fs *pflag.FlagSet) {
	fs.BoolVar(&a.noColor, "no-color", false, "no colours in plans (also when NO_COLOR is set)")
}

// loadConfig reads the config named by --config, $OKTASYNC_CONFIG or
// ./oktasync.yaml, in that order.
func (a *app) loadConfig() (*config.Config, error) {
	path := a.configPath
	if path == "" {
		path = os.Getenv("OKTASYNC_CONFIG")
	}
	if path == "" {
		path = "oktasync.yaml"
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("no config file: pass --config FILE, set OKTASYNC_CONFIG, or create ./oktasync.yaml (see config.example.yaml)")
		}
	}
	cfg, err := config.Load(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", problemConfig, err)
	}
	return cfg, nil
}

// setup loads the config and builds the logger from it, logging the
// config's warnings (such as a secret in a file others can read). Every
// command that reads the config starts here.
func (a *app) setup() (*config.Config, *slog.Logger, error) {
	cfg, err := a.loadConfig()
	if err != nil {
		return nil, nil, err
	}
	log, err := a.logger(cfg.Log.Level)
	if err != nil {
		return nil, nil, err
	}
	for _, w := range cfg.Warnings {
		log.Warn(w)
	}
	return cfg, log, nil
}

// logger builds the process logger from flags and config. Logs go to stderr.
func (a *app) logger(cfgLevel string) (*slog.Logger, error) {
	levelName := a.logLevel
	if levelName == "" {
		levelName = cfgLevel
	}
	if levelName == "" {
		levelName = "warn"
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(levelName)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", levelName)
	}
	opts := &slog.HandlerOptions{Level: level}
	format := strings.ToLower(a.logFormat)
	if format == "" {
		format = "json"
		if isTerminal(a.stderr) {
			format = "text"
		}
	}
	switch format {
	case "json":
		return slog.New(slog.NewJSONHandler(a.stderr, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(a.stderr, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want json or text", a.logFormat)
}

// unknownCommand refuses arguments to the bare command, which takes none: a
// word there is a mistyped subcommand, so the error suggests the closest.
func unknownCommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += fmt.Sprintf("; did you mean %s?", strings.Join(s, " or "))
	}
	return errors.New(msg + " (see oktasync --help)")
}

// color reports whether output to w may carry ANSI colours: w is a
// terminal, and neither --no-color nor NO_COLOR (https://no-color.org) asks
// otherwise.
func (a *app) color(w io.Writer) bool {
	return isTerminal(w) && !a.noColor && os.Getenv("NO_COLOR") == ""
}

// isTerminal reports whether w is a terminal (not merely a character
// device such as /dev/null).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isatty.IsTerminal(f.Fd())
}

func (a *app) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the version",
		Example: "  oktasync version\n  oktasync --version",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(a.stdout, "oktasync %s\n", version)
			return nil
		},
	}
}
