package source

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// pgRow is one row of a query's result, converted to profile values: a
// text column's value is in text (isText true), kept out of an interface;
// every other value is in vals (nil for NULL). A reader reuses one pgRow
// for every row.
type pgRow struct {
	vals   []any
	text   []string
	isText []bool
}

func newPGRow(n int) *pgRow {
	return &pgRow{vals: make([]any, n), text: make([]string, n), isText: make([]bool, n)}
}

// str returns column i's value when it is text.
func (r *pgRow) str(i int) (string, bool) {
	if r.isText[i] {
		return r.text[i], true
	}
	s, ok := r.vals[i].(string)
	return s, ok
}

// value returns column i's value.
func (r *pgRow) value(i int) any {
	if r.isText[i] {
		return r.text[i]
	}
	return r.vals[i]
}

// values returns every column's value, boxing the texts into vals, for
// readers of small tables that take values as they are.
func (r *pgRow) values() []any {
	for i, t := range r.isText {
		if t {
			r.vals[i] = r.text[i]
		}
	}
	return r.vals
}

// rowDecoder decodes the columns of a query's rows as pgx's Rows.Values
// does, except that it decodes a column of a text type (text, varchar,
// bpchar, name: pgtype.TextCodec) straight into a string, and it decodes
// into one reused pgRow rather than a new slice of interfaces a row.
type rowDecoder struct {
	m      *pgtype.Map
	fields []pgconn.FieldDescription
	// types holds each column's type; nil for an OID m does not know.
	types []*pgtype.Type
	text  []bool
}

func newRowDecoder(m *pgtype.Map, fields []pgconn.FieldDescription) *rowDecoder {
	d := &rowDecoder{m: m, fields: fields, types: make([]*pgtype.Type, len(fields)), text: make([]bool, len(fields))}
	for i, f := range fields {
		if dt, ok := m.TypeForOID(f.DataTypeOID); ok {
			d.types[i] = dt
			_, d.text[i] = dt.Codec.(pgtype.TextCodec)
		}
	}
	return d
}

// decode reads one row's raw values into row, converted to profile
// values (profileValue); a value with no profile counterpart leaves its
// column nil and adds a problem, named by the column's name in names. An
// error is pgx's failure to decode a value.
func (d *rowDecoder) decode(raw [][]byte, names []string, row *pgRow) (problems []string, err error) {
	if len(raw) != len(d.fields) {
		return nil, fmt.Errorf("number of field descriptions must equal number of values, got %d and %d", len(d.fields), len(raw))
	}
	clear(row.vals)
	clear(row.text)
	clear(row.isText)
	for i, buf := range raw {
		if buf != nil && d.text[i] {
			row.text[i], row.isText[i] = string(buf), true
			continue
		}
		v, err := d.value(i, buf)
		if err != nil {
			return nil, err
		}
		cv, p := profileValue(v, d.fields[i].DataTypeOID)
		if p != "" {
			problems = append(problems, fmt.Sprintf("column %s: %s", names[i], p))
			continue
		}
		row.vals[i] = cv
	}
	return problems, nil
}

// value decodes column i's raw value as Rows.Values does.
func (d *rowDecoder) value(i int, buf []byte) (any, error) {
	if buf == nil {
		return nil, nil
	}
	fd := &d.fields[i]
	if dt := d.types[i]; dt != nil {
		return dt.Codec.DecodeValue(d.m, fd.DataTypeOID, fd.Format, buf)
	}
	switch fd.Format {
	case pgx.TextFormatCode:
		return string(buf), nil
	case pgx.BinaryFormatCode:
		b := make([]byte, len(buf))
		copy(b, buf)
		return b, nil
	}
	return nil, errors.New("unknown format code")
}
