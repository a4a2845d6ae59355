package source

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/oktasync/oktasync/internal/config"
	"github.com/oktasync/oktasync/internal/directory"
)

// CSV reads users, and optionally groups and memberships, from CSV files
// (RFC 4180, UTF-8 with or without a byte-order mark, a header row first).
type CSV struct {
	cfg  config.CSVSource
	opts options
}

var _ Reader = (*CSV)(nil)

// NewCSV returns a Reader over the files cfg names.
func NewCSV(cfg config.CSVSource, opts ...Option) *CSV {
	return &CSV{cfg: cfg, opts: newOptions(opts)}
}

// Read reads the groups file (when set), the users file and the
// memberships file (when set), in that order.
func (c *CSV) Read(ctx context.Context) (*directory.Directory, error) {
	m, err := compileMapping(c.opts.mapping)
	m = m.withAppColumns(c.opts.appColumns)
	if err != nil {
		return nil, fmt.Errorf("read CSV source: %w", err)
	}
	d := directory.New()
	coll := newCollector()
	readUsers := func(ctx context.Context, r io.Reader, name string, d *directory.Directory, coll *collector) error {
		return readUsersCSV(ctx, r, name, m, d, coll)
	}
	steps := []struct {
		path string
		read func(context.Context, io.Reader, string, *directory.Directory, *collector) error
	}{
		{c.cfg.Groups, readGroupsCSV},
		{c.cfg.Users, readUsers},
		{c.cfg.Memberships, readMembershipsCSV},
	}
	for i, s := range steps {
		if s.path == "" {
			if i == 1 {
				return nil, errors.New("read CSV source: no users file configured (source.csv.users)")
			}
			continue
		}
		if err := readFile(ctx, s.path, d, coll, s.read); err != nil {
			return nil, err
		}
		if coll.stop() {
			break
		}
	}
	if err := coll.err(); err != nil {
		return nil, err
	}
	d.Compact()
	return d, nil
}

func readFile(ctx context.Context, path string, d *directory.Directory, coll *collector,
	read func(context.Context, io.Reader, string, *directory.Directory, *collector) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("read CSV source: %w", err)
	}
	defer f.Close()
	return read(ctx, f, filepath.Base(path), d, coll)
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// table reads a CSV file's header and rows, reporting malformed rows to
// coll. onHeader returns false when the header is unusable; onRow is
// called for every well-formed row with the row's first line number.
func table(ctx context.Context, r io.Reader, name string, coll *collector,
	onHeader func(header []string) bool, onRow func(line int, rec []string)) error {
	br := bufio.NewReader(r)
	if b, err := br.Peek(len(utf8BOM)); err == nil && bytes.Equal(b, utf8BOM) {
		_, _ = br.Discard(len(utf8BOM))
	}
	cr := csv.NewReader(br)
	// onRow reads a record and keeps none of it but its strings.
	cr.ReuseRecord = true
	cr.FieldsPerRecord = 0 // the header's count, enforced on every row
	header, err := cr.Read()
	switch {
	case errors.Is(err, io.EOF):
		coll.addf(name, "empty file: want a header row (%s)", "login,email,firstName,lastName,…")
		return nil
	case err != nil:
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			coll.add(fmt.Sprintf("%s line %d", name, pe.StartLine), pe.Err)
			return nil
		}
		return fmt.Errorf("read %s: %w", name, err)
	}
	header = slices.Clone(header) // the next Read reuses the record
	if len(header) == 1 && strings.ContainsAny(header[0], ";\t") {
		coll.addf(name+" line 1", "the header is one column %q: is the file separated by semicolons or tabs? Save it as comma-separated values", truncate(header[0], 80))
		return nil
	}
	for i, h := range header {
		if p := checkText(h); p != "" {
			coll.addf(name+" line 1", "header column %d: %s", i+1, p)
			return nil
		}
	}
	if !onHeader(header) {
		return nil
	}
	for n := 0; ; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("read %s: %w", name, err)
			}
		}
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return fmt.Errorf("read %s: %w", name, err)
			}
			where := fmt.Sprintf("%s line %d", name, pe.StartLine)
			var ok bool
			if errors.Is(pe.Err, csv.ErrFieldCount) {
				ok = coll.addf(where, "has %d fields, the header has %d", len(rec), len(header))
			} else {
				ok = coll.add(where, fmt.Errorf("%w (quote a field holding quotes, commas or line breaks, and double the quotes in it)", pe.Err))
			}
			if !ok {
				return nil
			}
			continue
		}
		line, _ := cr.FieldPos(0)
		bad := false
		for i, f := range rec {
			if p := checkText(f); p != "" {
				bad = true
				if !coll.addf(fmt.Sprintf("%s line %d", name, line), "column %s: %s", columnName(header, i), p) {
					return nil
				}
			}
		}
		if bad || allEmpty(rec) {
			continue
		}
		onRow(line, rec)
		if coll.stop() {
			return nil
		}
	}
}

func columnName(header []string, i int) string {
	if i < len(header) && strings.TrimSpace(header[i]) != "" && checkText(header[i]) == "" {
		return strings.TrimSpace(header[i])
	}
	return fmt.Sprint(i + 1)
}

// allEmpty reports whether every field of rec is blank (a row of commas,
// as spreadsheets leave behind).
func allEmpty(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

func readUsersCSV(ctx context.Context, r io.Reader, name string, m *mapper, d *directory.Directory, coll *collector) error {
	var ur *userReader
	onHeader := func(header []string) bool {
		cols, ok := newUserColumns(header, m, func(format string, args ...any) {
			coll.addf(name+" line 1", format, args...)
		})
		ur = newUserReader(d, coll, cols, name+" line ", false)
		return ok
	}
	size := fileSize(r)
	cr := &countingReader{r: r}
	rows := 0
	onRow := func(line int, rec []string) {
		ur.addText(rowOrigin{prefix: ur.prefix, n: line}, rec)
		if rows++; rows == sizingRows && size > 0 && cr.n > 0 {
			// The file's size over the bytes its first rows took (and
			// a little read ahead) is about how many rows it holds.
			ur.expect(int(size * int64(rows) / cr.n))
		}
	}
	return table(ctx, cr, name, coll, onHeader, onRow)
}

// sizingRows is the number of rows a users file is read to before its
// size tells the reader how many users to make room for.
const sizingRows = 1024

// fileSize returns the size of r when it is a regular file, or -1.
func fileSize(r io.Reader) int64 {
	f, ok := r.(interface{ Stat() (os.FileInfo, error) })
	if !ok {
		return -1
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return -1
	}
	return fi.Size()
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// fixedColumns maps a table with a fixed set of columns.
func fixedColumns(header []string, required, optional []string, add func(format string, args ...any)) (map[string]int, bool) {
	idx := make(map[string]int)
	ok := true
	known := append(append([]string{}, required...), optional...)
	for i, h := range header {
		h = strings.TrimSpace(h)
		switch {
		case foldMatch(h, known) == "":
			add("unknown column %q (want %s)", truncate(h, 64), strings.Join(known, ", "))
			ok = false
		case foldMatch(h, known) != h:
			add("column %q: did you mean %q?", h, foldMatch(h, known))
			ok = false
		case func() bool { _, dup := idx[h]; return dup }():
			add("column %q appears twice", h)
			ok = false
		default:
			idx[h] = i
		}
	}
	for _, r := range required {
		if _, found := idx[r]; !found && ok {
			add("missing required column %s", r)
			ok = false
		}
	}
	return idx, ok
}

func readGroupsCSV(ctx context.Context, r io.Reader, name string, d *directory.Directory, coll *collector) error {
	var gc *groupColumns
	onHeader := func(header []string) bool {
		var ok bool
		gc, ok = newGroupColumns(header, func(format string, args ...any) {
			coll.addf(name+" line 1", format, args...)
		})
		return ok
	}
	onRow := func(line int, rec []string) {
		vals := make([]any, len(rec))
		for i, f := range rec {
			vals[i] = f
		}
		addGroup(d, coll, gc, vals, fmt.Sprintf("%s line %d", name, line))
	}
	return table(ctx, r, name, coll, onHeader, onRow)
}

func readMembershipsCSV(ctx context.Context, r io.Reader, name string, d *directory.Directory, coll *collector) error {
	var group, login int
	onHeader := func(header []string) bool {
		idx, ok := fixedColumns(header, []string{"group", "login"}, nil, func(format string, args ...any) {
			coll.addf(name+" line 1", format, args...)
		})
		group, login = idx["group"], idx["login"]
		return ok
	}
	keys, prefix := make(groupKeys), name+" line "
	onRow := func(line int, rec []string) {
		addMembership(d, coll, keys, rec[group], rec[login], rowOrigin{prefix: prefix, n: line})
	}
	return table(ctx, r, name, coll, onHeader, onRow)
}

// addMembership records one memberships row, at o; the login must be one
// of the source's users.
func addMembership(d *directory.Directory, coll *collector, keys groupKeys, group, login string, o rowOrigin) {
	group, login = strings.TrimSpace(group), strings.TrimSpace(login)
	switch {
	case group == "":
		coll.addf(o.String(), "empty group")
		return
	case login == "":
		coll.addf(o.String(), "empty login")
		return
	}
	if p := checkGroupName(group); p != "" {
		coll.addf(o.String(), "group: %s", p)
		return
	}
	u, ok := d.Users[directory.LoginKey(login)]
	if !ok {
		coll.addf(o.String(), "login %q is not one of the source's users", truncate(login, 100))
		return
	}
	// The user's own key, which shares its profile's storage.
	d.AddMemberKey(keys.ensure(d, group, o), directory.LoginKey(u.Login()))
}
