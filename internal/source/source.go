package source

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/oktasync/oktasync/internal/config"
	"github.com/oktasync/oktasync/internal/directory"
)

// Reader reads the desired state of the directory.
type Reader interface {
	// Read returns the whole desired state, or an error and no Directory
	// when the source cannot be read or holds any invalid record.
	Read(ctx context.Context) (*directory.Directory, error)
}

// New returns the Reader for the source cfg configures, with its mapping
// section.
func New(cfg *config.Config) (Reader, error) {
	switch s := cfg.Source; {
	case s.CSV != nil && s.Postgres != nil:
		return nil, errors.New("new source: both source.csv and source.postgres are set; choose one")
	case s.CSV != nil:
		return NewCSV(*s.CSV, WithMapping(cfg.Mapping), WithAppColumns(appColumns(cfg)...)), nil
	case s.Postgres != nil:
		return NewPostgres(*s.Postgres, WithMapping(cfg.Mapping), WithAppColumns(appColumns(cfg)...)), nil
	default:
		return nil, errors.New("new source: no source configured: set source.csv or source.postgres")
	}
}

// ErrInvalid is wrapped by every error about the source's data (as
// opposed to an error reading it).
var ErrInvalid = errors.New("invalid source data")

// MaxErrors is how many problems a Read collects before it stops and
// reports them.
const MaxErrors = 20

// MaxValueBytes caps the size of one value (a CSV field, a SQL text
// value).
const MaxValueBytes = 64 << 10

// RowError is a problem with one record of the source.
type RowError struct {
	// Where names the record: "users.csv line 12",
	// "postgres users row 17 (login=jdoe@example.com)".
	Where string
	Err   error
}

func (e *RowError) Error() string {
	if e.Where == "" {
		return e.Err.Error()
	}
	return e.Where + ": " + e.Err.Error()
}

// Unwrap returns the underlying error and ErrInvalid.
func (e *RowError) Unwrap() []error { return []error{e.Err, ErrInvalid} }

// Errors is every problem one Read found, up to MaxErrors.
type Errors struct {
	Errs []error
	// Truncated is true when reading stopped at MaxErrors.
	Truncated bool
}

func (e *Errors) Error() string {
	if len(e.Errs) == 1 && !e.Truncated {
		return e.Errs[0].Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d problems in the source", len(e.Errs))
	if e.Truncated {
		fmt.Fprintf(&b, " (stopped after the first %d)", len(e.Errs))
	}
	b.WriteString(":")
	for _, err := range e.Errs {
		b.WriteString("\n  ")
		b.WriteString(err.Error())
	}
	return b.String()
}

// Unwrap returns the problems.
func (e *Errors) Unwrap() []error { return e.Errs }

// collector gathers problems up to a cap.
type collector struct {
	max  int
	errs []error
	full bool
}

func newCollector() *collector { return &collector{max: MaxErrors} }

// add records a problem with the record at where; it reports false once
// the cap is reached and reading should stop.
func (c *collector) add(where string, err error) bool {
	if len(c.errs) >= c.max {
		c.full = true
		return false
	}
	c.errs = append(c.errs, &RowError{Where: where, Err: err})
	return len(c.errs) < c.max
}

// addf records a problem described by a format.
func (c *collector) addf(where, format string, args ...any) bool {
	return c.add(where, fmt.Errorf(format, args...))
}

// stop reports whether the cap has been reached.
func (c *collector) stop() bool { return len(c.errs) >= c.max }

func (c *collector) err() error {
	if len(c.errs) == 0 {
		return nil
	}
	return &Errors{Errs: c.errs, Truncated: c.full || len(c.errs) >= c.max}
}

// appColumns returns the columns the config's apps read users from.
func appColumns(cfg *config.Config) []string {
	var cols []string
	for _, a := range cfg.Apps {
		if a.Users != nil && a.Users.From != "" {
			cols = append(cols, a.Users.From)
		}
	}
	return cols
}
