package limit

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Limit is a safety limit: a count, a percentage of a base, or both (the
// larger wins, so a small org is not blocked by a single leaver). A
// negative Count means no limit. The zero Limit allows nothing.
type Limit struct {
	Count   int
	Percent float64
}

// Off is the limit that allows any number ("off").
var Off = Limit{Count: -1}

// Syntax says what Parse accepts; Parse's errors end with it.
const Syntax = `want a count (25), a percentage from 0 to 100 (10%), both ("10% or 5": whichever is larger) or "off"`

// Parse reads a limit. The grammar, with white space (space, tab, CR, LF,
// FF) allowed around the whole and required around "or":
//
//	off | none | unlimited              no limit (any case)
//	COUNT                               a whole number, 0 or more: "25"
//	PERCENT                             digits, optionally ".digits", then "%", at most 100: "10%", "2.5%"
//	PERCENT or COUNT | COUNT or PERCENT both, each above 0: "10% or 5"
//
// Anything else, such as "150%", "0% or 5", "-1", "10 %" or "", is an
// error naming the text and what is wrong.
func Parse(s string) (Limit, error) {
	l, err := parse(s)
	if err != nil {
		return Limit{}, fmt.Errorf("limit %q: %w; %s", s, err, Syntax)
	}
	return l, nil
}

func parse(s string) (Limit, error) {
	f := strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(" \t\r\n\f", r) })
	switch len(f) {
	case 0:
		return Limit{}, errors.New("empty")
	case 1:
		switch strings.ToLower(f[0]) {
		case "off", "none", "unlimited":
			return Off, nil
		}
		return term(f[0])
	case 3:
		if !strings.EqualFold(f[1], "or") {
			return Limit{}, fmt.Errorf("%q where \"or\" belongs", f[1])
		}
		a, err := term(f[0])
		if err != nil {
			return Limit{}, err
		}
		b, err := term(f[2])
		if err != nil {
			return Limit{}, err
		}
		l := Limit{Count: a.Count + b.Count, Percent: a.Percent + b.Percent}
		if (a.Percent == 0) == (b.Percent == 0) || l.Count == 0 {
			return Limit{}, errors.New(`"or" joins a count and a percentage, each above 0`)
		}
		return l, nil
	}
	return Limit{}, fmt.Errorf("%d words where one, or three joined by \"or\", belong", len(f))
}

// term reads one count ("25") or percentage ("10%").
func term(t string) (Limit, error) {
	if num, ok := strings.CutSuffix(t, "%"); ok {
		if !decimal(num) {
			return Limit{}, fmt.Errorf("percentage %q is not a number such as 10%% or 2.5%%", t)
		}
		p, err := strconv.ParseFloat(num, 64)
		if err != nil || p > 100 {
			return Limit{}, fmt.Errorf("percentage %s is over 100%%", t)
		}
		return Limit{Percent: p}, nil
	}
	if !digits(t) {
		return Limit{}, fmt.Errorf("%q is neither a count (a whole number, 0 or more) nor a percentage", t)
	}
	n, err := strconv.Atoi(t)
	if err != nil {
		return Limit{}, fmt.Errorf("count %s is too large", t)
	}
	return Limit{Count: n}, nil
}

// digits reports whether s is one or more ASCII digits.
func digits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// decimal reports whether s is digits, optionally followed by "." and digits.
func decimal(s string) bool {
	whole, frac, dot := strings.Cut(s, ".")
	return digits(whole) && (!dot || digits(frac))
}

// Unlimited reports whether l allows any number.
func (l Limit) Unlimited() bool { return l.Count < 0 }

// Allowed returns how many l allows out of base: the larger of Count and
// Percent of base (rounded down); math.MaxInt when unlimited.
func (l Limit) Allowed(base int) int {
	if l.Unlimited() {
		return math.MaxInt
	}
	n := l.Count
	if l.Percent > 0 {
		// The small epsilon keeps 10% of 50 at 5 despite float rounding.
		p := int(math.Floor(l.Percent*float64(base)/100 + 1e-9))
		n = max(n, p)
	}
	return n
}

// FormatPercent renders a percentage as the config writes it: "10%", "2.5%".
func FormatPercent(p float64) string { return strconv.FormatFloat(p, 'f', -1, 64) + "%" }
