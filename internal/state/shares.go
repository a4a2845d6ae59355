package state

import (
	"context"
	"fmt"
	"time"
)

// RateShares keeps the rate-limit shares the Okta client learned (the
// fraction of X-Rate-Limit-Limit one credential may spend per bucket), so
// that the next run starts at the right ceiling instead of learning it
// again from a 429.
type RateShares interface {
	// RateShares returns the shares kept for org and credential that were
	// learned under tokenShare (the configured okta.rateLimit.tokenShare)
	// no earlier than since, by bucket. Shares learned under another
	// tokenShare, or older, are left out: the admin may have changed the
	// token's share since.
	RateShares(ctx context.Context, org, credential string, tokenShare float64, since time.Time) (map[string]float64, error)
	// SaveRateShares records shares for org and credential, learned under
	// tokenShare at at, replacing what was kept for those buckets.
	SaveRateShares(ctx context.Context, org, credential string, tokenShare float64, shares map[string]float64, at time.Time) error
}

// RateShares implements RateShares.
func (s *sqlStore) RateShares(ctx context.Context, org, credential string, tokenShare float64, since time.Time) (map[string]float64, error) {
	rows, err := s.db.QueryContext(ctx, s.d.rebind(`SELECT bucket, share, token_share, learned_at FROM rate_shares
		WHERE org = ? AND credential = ?`), org, credential)
	if err != nil {
		return nil, fmt.Errorf("read rate-limit shares of %s: %w", org, err)
	}
	defer rows.Close()
	out := map[string]float64{}
	for rows.Next() {
		var (
			bucket       string
			share, under float64
			at           time.Time
		)
		if err := rows.Scan(&bucket, &share, &under, timeDest(&at)); err != nil {
			return nil, fmt.Errorf("read rate-limit shares of %s: %w", org, err)
		}
		if under == tokenShare && !at.Before(since) && share > 0 && share <= 1 {
			out[bucket] = share
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read rate-limit shares of %s: %w", org, err)
	}
	return out, nil
}

// SaveRateShares implements RateShares.
func (s *sqlStore) SaveRateShares(ctx context.Context, org, credential string, tokenShare float64, shares map[string]float64, at time.Time) error {
	if len(shares) == 0 {
		return nil
	}
	rows := make([][]any, 0, len(shares))
	for bucket, share := range shares {
		if !(share > 0 && share <= 1) {
			return fmt.Errorf("record rate-limit shares of %s: share %v of bucket %q is outside (0, 1]", org, share, bucket)
		}
		rows = append(rows, []any{org, credential, bucket, share, tokenShare, s.d.timeArg(at)})
	}
	err := s.batch.execBatch(ctx, s.d.rebind(`INSERT INTO rate_shares (org, credential, bucket, share, token_share, learned_at)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (org, credential, bucket) DO UPDATE SET share = excluded.share,
			token_share = excluded.token_share, learned_at = excluded.learned_at`), rows)
	if err != nil {
		return fmt.Errorf("record rate-limit shares of %s: %w", org, err)
	}
	return nil
}
