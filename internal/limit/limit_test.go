package limit

import (
	"math"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Limit
		err  string // part of the error; "" for none
	}{
		{in: "25", want: Limit{Count: 25}},
		{in: "0", want: Limit{}},
		{in: "10%", want: Limit{Percent: 10}},
		{in: "0%", want: Limit{}},
		{in: "100%", want: Limit{Percent: 100}},
		{in: "2.5%", want: Limit{Percent: 2.5}},
		{in: "10% or 5", want: Limit{Count: 5, Percent: 10}},
		{in: "5 or 10%", want: Limit{Count: 5, Percent: 10}},
		{in: "10% OR 5", want: Limit{Count: 5, Percent: 10}},
		{in: "off", want: Off},
		{in: "None", want: Off},
		{in: "Unlimited", want: Off},
		// White space around the whole and around "or".
		{in: "  25\n", want: Limit{Count: 25}},
		{in: "\t10%  or\t5 ", want: Limit{Count: 5, Percent: 10}},
		{in: " off ", want: Off},

		{in: "", err: "empty"},
		{in: "   ", err: "empty"},
		{in: "150%", err: "over 100%"},
		{in: "100.5%", err: "over 100%"},
		{in: "0% or 5", err: `"or" joins a count and a percentage, each above 0`},
		{in: "10% or 0", err: `"or" joins a count and a percentage, each above 0`},
		{in: "5 or 6", err: `"or" joins a count and a percentage`},
		{in: "10% or 20%", err: `"or" joins a count and a percentage`},
		{in: "1 or 2 or 3%", err: "5 words"},
		{in: "10% and 5", err: `"and" where "or" belongs`},
		{in: "-1", err: `"-1" is neither a count`},
		{in: "-5%", err: `percentage "-5%" is not a number`},
		{in: "+5", err: `"+5" is neither a count`},
		{in: "ten", err: `"ten" is neither a count`},
		{in: "2.5", err: `"2.5" is neither a count`},
		{in: "10 %", err: "2 words"},
		{in: ".5%", err: "is not a number"},
		{in: "1e1%", err: "is not a number"},
		{in: "NaN%", err: "is not a number"},
		{in: "10%%", err: "is not a number"},
		{in: "99999999999999999999", err: "too large"},
		{in: "10\u00a0%", err: "is not a number"},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if tt.err != "" {
			if err == nil {
				t.Errorf("Parse(%q) = %+v, want an error", tt.in, got)
				continue
			}
			if !strings.Contains(err.Error(), tt.err) || !strings.HasSuffix(err.Error(), Syntax) {
				t.Errorf("Parse(%q) error = %q, want it to hold %q and end with the syntax", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Parse(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestAllowed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		l    Limit
		base int
		want int
	}{
		{Limit{Count: 25}, 1000, 25},
		{Limit{Percent: 10}, 1000, 100},
		{Limit{Percent: 10}, 50, 5},
		{Limit{Percent: 10}, 9, 0},
		{Limit{Count: 5, Percent: 10}, 9, 5},
		{Limit{Count: 5, Percent: 10}, 1000, 100},
		{Limit{Percent: 33.3}, 3, 0},
		{Off, 10, math.MaxInt},
		{Limit{}, 10, 0},
	}
	for _, tt := range tests {
		if got := tt.l.Allowed(tt.base); got != tt.want {
			t.Errorf("%+v.Allowed(%d) = %d, want %d", tt.l, tt.base, got, tt.want)
		}
	}
}
