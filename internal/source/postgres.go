package source

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/oktasync/oktasync/internal/config"
	"github.com/oktasync/oktasync/internal/directory"
	"github.com/oktasync/oktasync/internal/redact"
)

// Postgres reads the desired state from PostgreSQL queries, all in one
// read-only REPEATABLE READ transaction so they see one snapshot.
type Postgres struct {
	cfg  config.PostgresSource
	opts options
}

var _ Reader = (*Postgres)(nil)

// NewPostgres returns a Reader running the queries cfg names.
func NewPostgres(cfg config.PostgresSource, opts ...Option) *Postgres {
	return &Postgres{cfg: cfg, opts: newOptions(opts)}
}

// Read connects, runs the groups query (when set), the users query and the
// memberships query (when set), streaming their rows, and disconnects.
func (p *Postgres) Read(ctx context.Context) (*directory.Directory, error) {
	d, err := p.read(ctx)
	if err != nil {
		return nil, redact.Error(err, redact.URLPassword(p.cfg.URL))
	}
	d.Compact()
	return d, nil
}

func (p *Postgres) read(ctx context.Context) (*directory.Directory, error) {
	if strings.TrimSpace(p.cfg.Users) == "" {
		return nil, errors.New("read postgres source: no users query configured (source.postgres.users)")
	}
	m, err := compileMapping(p.opts.mapping)
	m = m.withAppColumns(p.opts.appColumns)
	if err != nil {
		return nil, fmt.Errorf("read postgres source: %w", err)
	}
	readUsers := func(ctx context.Context, tx pgx.Tx, query string, d *directory.Directory, coll *collector) error {
		return readUsersPG(ctx, tx, query, m, d, coll)
	}
	pcfg, err := pgx.ParseConfig(p.cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("read postgres source: parse source.postgres.url: %w", err)
	}
	if _, ok := pcfg.RuntimeParams["application_name"]; !ok {
		pcfg.RuntimeParams["application_name"] = "oktasync"
	}
	conn, err := pgx.ConnectConfig(ctx, pcfg)
	if err != nil {
		return nil, fmt.Errorf("read postgres source: connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))

	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, fmt.Errorf("read postgres source: begin transaction: %w", err)
	}
	// The transaction only reads; ending it by rollback is all it needs.
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck

	timeout := p.cfg.StatementTimeout
	if timeout <= 0 {
		timeout = config.DefaultStatementTimeout
	}
	if _, err := tx.Exec(ctx, "SELECT set_config('statement_timeout', $1, true)", strconv.FormatInt(timeout.Milliseconds(), 10)); err != nil {
		return nil, fmt.Errorf("read postgres source: set statement_timeout: %w", err)
	}

	d := directory.New()
	coll := newCollector()
	steps := []struct {
		name, query string
		read        func(context.Context, pgx.Tx, string, *directory.Directory, *collector) error
	}{
		{"groups", p.cfg.Groups, readGroupsPG},
		{"users", p.cfg.Users, readUsers},
		{"memberships", p.cfg.Memberships, readMembershipsPG},
	}
	for _, s := range steps {
		if strings.TrimSpace(s.query) == "" {
			continue
		}
		if err := s.read(ctx, tx, s.query, d, coll); err != nil {
			return nil, fmt.Errorf("read postgres source: %s query: %w", s.name, err)
		}
		if coll.stop() {
			break
		}
	}
	if err := coll.err(); err != nil {
		return nil, err
	}
	return d, nil
}

// queryRows runs query and calls onRow for each row with its values,
// converted to profile values, and its 1-based row number. onColumns sees
// the column names first and returns false to stop. onRow must not keep
// row, which the next row reuses.
func queryRows(ctx context.Context, tx pgx.Tx, query string, coll *collector,
	onColumns func(names []string) bool, onRow func(n int, row *pgRow, problems []string)) error {
	rows, err := tx.Query(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	fields := rows.FieldDescriptions()
	if len(fields) == 0 {
		// A query that fails before describing its columns reports the
		// failure through Next and Err.
		for rows.Next() {
		}
		if err := rows.Err(); err != nil {
			return err
		}
		return errors.New("the query returns no columns")
	}
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.Name
	}
	if !onColumns(names) {
		return nil
	}
	dec, row := newRowDecoder(rows.Conn().TypeMap(), fields), newPGRow(len(fields))
	for n := 1; rows.Next(); n++ {
		problems, err := dec.decode(rows.RawValues(), names, row)
		if err != nil {
			return err
		}
		onRow(n, row, problems)
		if coll.stop() {
			return nil
		}
	}
	return rows.Err()
}

// profileValue turns a value pgx decoded into an Okta JSON value: string,
// int64, float64, bool, []string, or nil for NULL. It returns a problem
// for a value of a type with no Okta counterpart.
func profileValue(v any, oid uint32) (any, string) {
	switch x := v.(type) {
	case nil:
		return nil, ""
	case string, bool, int64:
		return v, "" // as it is, not boxed again
	case int16:
		return int64(x), ""
	case int32:
		return int64(x), ""
	case float32:
		return finite(float64(x))
	case float64:
		return finite(x)
	case pgtype.Numeric:
		f, err := x.Float64Value()
		if err != nil || !f.Valid {
			return nil, "numeric value does not fit a number"
		}
		return finite(f.Float64)
	case time.Time:
		if oid == pgtype.DateOID {
			return x.Format(time.DateOnly), ""
		}
		return x.UTC().Format(time.RFC3339Nano), ""
	case [16]byte:
		return fmt.Sprintf("%x-%x-%x-%x-%x", x[0:4], x[4:6], x[6:8], x[8:10], x[10:16]), ""
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				if e == nil {
					return nil, "array holds a NULL"
				}
				return nil, fmt.Sprintf("array of %T: only text arrays are supported (cast to text[])", e)
			}
			out = append(out, s)
		}
		if len(out) == 0 {
			return nil, ""
		}
		return out, ""
	}
	return nil, fmt.Sprintf("type %T (OID %d) has no Okta counterpart: cast it to text, a number, boolean or text[]", v, oid)
}

func finite(f float64) (any, string) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, "NaN and infinities are not numbers Okta accepts"
	}
	return f, ""
}

func readUsersPG(ctx context.Context, tx pgx.Tx, query string, m *mapper, d *directory.Directory, coll *collector) error {
	var ur *userReader
	loginIdx := -1
	onColumns := func(names []string) bool {
		cols, ok := newUserColumns(names, m, func(format string, args ...any) {
			coll.addf("postgres users query", format, args...)
		})
		ur = newUserReader(d, coll, cols, "postgres users row ", true)
		// Rows are named by their login column, or by the column a
		// mapping rule builds the login from.
		loginCol := directory.AttrLogin
		for _, r := range m.rules {
			if r.Attribute == directory.AttrLogin {
				loginCol = r.From
			}
		}
		for i, n := range names {
			if loginCol != "" && n == loginCol {
				loginIdx = i
			}
		}
		return ok
	}
	onRow := func(n int, row *pgRow, problems []string) {
		o := rowOrigin{prefix: ur.prefix, n: n}
		if loginIdx >= 0 {
			if s, ok := row.str(loginIdx); ok {
				o.login = strings.TrimSpace(s)
			}
		}
		if len(problems) > 0 {
			coll.add(o.String(), errors.New(strings.Join(problems, "; ")))
			return
		}
		ur.addValues(o, row)
	}
	return queryRows(ctx, tx, query, coll, onColumns, onRow)
}

func readGroupsPG(ctx context.Context, tx pgx.Tx, query string, d *directory.Directory, coll *collector) error {
	var gc *groupColumns
	onColumns := func(names []string) bool {
		var ok bool
		gc, ok = newGroupColumns(names, func(format string, args ...any) {
			coll.addf("postgres groups query", format, args...)
		})
		return ok
	}
	onRow := func(n int, row *pgRow, problems []string) {
		vals := row.values()
		origin := fmt.Sprintf("postgres groups row %d", n)
		if s, ok := vals[gc.name].(string); ok && s != "" {
			origin += fmt.Sprintf(" (name=%s)", truncate(s, 100))
		}
		if len(problems) > 0 {
			coll.add(origin, errors.New(strings.Join(problems, "; ")))
			return
		}
		addGroup(d, coll, gc, vals, origin)
	}
	return queryRows(ctx, tx, query, coll, onColumns, onRow)
}

func readMembershipsPG(ctx context.Context, tx pgx.Tx, query string, d *directory.Directory, coll *collector) error {
	var idx map[string]int
	onColumns := func(names []string) bool {
		var ok bool
		idx, ok = fixedColumns(names, []string{"group", "login"}, nil, func(format string, args ...any) {
			coll.addf("postgres memberships query", format, args...)
		})
		return ok
	}
	keys := make(groupKeys)
	onRow := func(n int, row *pgRow, problems []string) {
		vals := row.values()
		o := rowOrigin{prefix: "postgres memberships row ", n: n}
		if len(problems) > 0 {
			coll.add(o.String(), errors.New(strings.Join(problems, "; ")))
			return
		}
		group, gok := vals[idx["group"]].(string)
		login, lok := vals[idx["login"]].(string)
		if (!gok && vals[idx["group"]] != nil) || (!lok && vals[idx["login"]] != nil) {
			coll.addf(o.String(), "group and login must be text")
			return
		}
		addMembership(d, coll, keys, group, login, o)
	}
	return queryRows(ctx, tx, query, coll, onColumns, onRow)
}
