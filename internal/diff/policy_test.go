package diff

import (
	"math"
	"testing"
)

func TestParseLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Limit
		str     string
		wantErr bool
	}{
		{in: "25", want: Limit{Count: 25}, str: "25"},
		{in: "0", want: Limit{}, str: "0"},
		{in: "10%", want: Limit{Percent: 10}, str: "10%"},
		{in: " 2.5 % ", want: Limit{Percent: 2.5}, str: "2.5%"},
		{in: "10% or 5", want: Limit{Count: 5, Percent: 10}, str: "10% or 5"},
		{in: "5 or 10%", want: Limit{Count: 5, Percent: 10}, str: "10% or 5"},
		{in: "off", want: Limit{Count: -1}, str: "off"},
		{in: "Unlimited", want: Limit{Count: -1}, str: "off"},
		{in: "", wantErr: true},
		{in: "-1", wantErr: true},
		{in: "ten", wantErr: true},
		{in: "101%", wantErr: true},
		{in: "5 or 6", wantErr: true},
		{in: "10% or 20%", wantErr: true},
		{in: "10% or 0", wantErr: true},
		{in: "1 or 2 or 3%", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseLimit(tt.in)
		if tt.wantErr {
			if err == nil {
				t.Errorf("ParseLimit(%q) = %+v, want an error", tt.in, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseLimit(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseLimit(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		if s := got.String(); s != tt.str {
			t.Errorf("ParseLimit(%q).String() = %q, want %q", tt.in, s, tt.str)
		}
		var back Limit
		if err := back.UnmarshalText([]byte(got.String())); err != nil || back != got {
			t.Errorf("Limit %+v does not round-trip through text: %+v, %v", got, back, err)
		}
	}
}

func TestLimitAllowed(t *testing.T) {
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
		{Limit{Count: -1}, 10, math.MaxInt},
		{Limit{}, 10, 0},
	}
	for _, tt := range tests {
		if got := tt.l.Allowed(tt.base); got != tt.want {
			t.Errorf("%+v.Allowed(%d) = %d, want %d", tt.l, tt.base, got, tt.want)
		}
	}
}

func TestDefaultPolicy(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	if !p.CreateActive || !p.Reactivate || p.DeleteAfter != 0 || p.DeleteUnlistedGroups {
		t.Errorf("DefaultPolicy() lifecycle = %+v", p)
	}
	if p.Safety.MaxDeactivations.String() != "10% or 5" || p.Safety.MaxMembershipRemovals.String() != "10% or 20" {
		t.Errorf("DefaultPolicy() safety = %+v", p.Safety)
	}
}
