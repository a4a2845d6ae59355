package oktasim

import "time"

// SearchCapOkta is where Okta stops a `search` listing of users.
const SearchCapOkta = 50_000

// RealisticLifecycleDelay is Realistic's lifecycle delay: short, so that
// runs on the real clock stay quick, yet long enough that a client acting
// on a user right after activating or deactivating it meets 409 E0000112.
const RealisticLifecycleDelay = 2 * time.Second

// OktaTokenShare is the share of a bucket Okta lets one API token or OAuth
// app use by default.
const OktaTokenShare = 0.5

// Realistic returns o with the switches that make the simulated org behave
// as Okta does turned on: Okta's bucket map (LegacyBuckets off) with
// Workforce limits, X-Rate-Limit headers that show the org's bucket
// (HeaderOrg) over a hidden 50 % token share, the 50,000-result search cap,
// case-sensitive filter values, refused updates of DEPROVISIONED users and a
// short lifecycle delay. (The base-profile user schema needs no switch: it
// is always on.) Figures o already sets (TokenShare, SearchCap,
// LifecycleDelay, HeaderMode, Limits) are kept. Not included, as rare or intermittent on Okta: TwoResetLines,
// MemberPageTimeoutAbove, SearchLag and FaultOptions.
func Realistic(o Options) Options {
	o.RateLimit.LegacyBuckets = false
	if o.RateLimit.HeaderMode == "" {
		o.RateLimit.HeaderMode = HeaderOrg
	}
	if o.RateLimit.TokenShare == 0 {
		o.RateLimit.TokenShare = OktaTokenShare
	}
	if o.SearchCap == 0 {
		o.SearchCap = SearchCapOkta
	}
	if o.LifecycleDelay == 0 && o.ActivationDelay == 0 {
		o.LifecycleDelay = RealisticLifecycleDelay
	}
	o.CaseSensitiveFilter = true
	o.RefuseDeprovisionedUpdates = true
	return o
}
