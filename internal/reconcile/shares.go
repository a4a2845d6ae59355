package reconcile

import (
	"context"
	"time"
)

// RateLimits says how runs keep the rate-limit shares the Okta client
// learns (okta.Client.LearnedShares): a real run saves them in the state
// store and every run seeds the client with those kept, so that a run
// starts at the token's ceiling instead of learning it again from a 429.
type RateLimits struct {
	// Credential names the credential the shares belong to, without any
	// secret ("oauth 0oa…", or an API token's fingerprint); empty turns
	// keeping shares off.
	Credential string
	// TokenShare is the configured okta.rateLimit.tokenShare. Shares
	// learned under another value are not used: the admin may have
	// changed the token's share.
	TokenShare float64
}

// SharesKeptFor is how long a learned rate-limit share is trusted by
// default: long enough for daily and weekly schedules, short enough that a
// share an admin raised is found again within a week.
const SharesKeptFor = 7 * 24 * time.Hour

// seedShares gives the client the shares kept for this org and credential.
// A failure costs only the learning, so it is logged, not returned.
func (r *Runner) seedShares(ctx context.Context, store Store) {
	rl := r.set.RateLimits
	if rl.Credential == "" || r.parts.Okta == nil {
		return
	}
	shares, err := store.RateShares(ctx, r.set.Org, rl.Credential, rl.TokenShare, time.Now().Add(-SharesKeptFor))
	if err != nil {
		r.log.Warn("read learned rate-limit shares", "err", err)
		return
	}
	if len(shares) == 0 {
		return
	}
	if err := r.parts.Okta.SeedLearnedShares(shares); err != nil {
		r.log.Warn("use learned rate-limit shares", "err", err)
		return
	}
	r.log.Debug("rate-limit shares from earlier runs", "shares", shares)
}

// saveShares keeps the shares the client has learned for the next run.
//
// Only shares at or above the configured token share are kept: they are
// what saves a run the probing up to the header's own figure. A share
// learned below it may come from a 429 that other programs using the same
// token caused (the client counts only its own requests), and a kept low
// share would hold every run for a week at a fraction of its budget;
// learning it again costs one 429 a run.
func (r *Runner) saveShares(ctx context.Context, store Store) {
	rl := r.set.RateLimits
	if rl.Credential == "" || r.parts.Okta == nil {
		return
	}
	shares := r.parts.Okta.LearnedShares()
	for bucket, share := range shares {
		if share < rl.TokenShare {
			delete(shares, bucket)
		}
	}
	if len(shares) == 0 {
		return
	}
	if err := store.SaveRateShares(ctx, r.set.Org, rl.Credential, rl.TokenShare, shares, time.Now()); err != nil {
		r.log.Warn("record learned rate-limit shares", "err", err)
	}
}
