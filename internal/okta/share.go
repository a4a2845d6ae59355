package okta

import (
	"maps"
	"math"
)

// How the limiter sets a bucket's budget: the token's ceiling.
//
// Okta lets one API token or OAuth app use only a share of each bucket (50 %
// by default; an admin may set 5 to 100 % per token), and does not document
// whether X-Rate-Limit-Limit and -Remaining report the org's bucket (the
// token's share then a hidden ceiling) or the token's own share. The headers
// cannot tell: a token alone in the org sees the same figures either way
// until it goes over. So, per bucket:
//
//  1. The ceiling (what the token may send per window) starts at
//     tokenShare × Limit (WithTokenShare, DefaultTokenShare): safe if the
//     header is the org's figure, a stall at a share of a share if it is
//     the token's own. The budget per window is maxShare × the ceiling
//     (WithRateLimit), never less than one request.
//  2. Probing up. When callers are held back by that budget alone (it is
//     spent, the share is not learned, maxShare is 1, and Remaining still
//     shows room), one request goes out above it, alone: only once every
//     other request of the bucket has been answered, so that it cannot
//     overtake one within the budget and its answer speaks of the ceiling
//     alone; the others wait for its answer rather than for the window.
//     In Okta's org-bucket reading that costs one 429, once. Every probe Okta
//     accepts raises the ceiling to what this window accepted (the most
//     accepted in one window is a proven floor for later windows).
//  3. Learning from a 429 whose headers still show room (Remaining > 0):
//     the org had room, so the token's own ceiling refused it; the ceiling
//     is what Okta accepted from the client in that window (counting
//     answers of the same window that arrive later). The share learned is
//     that ÷ Limit, at least MinTokenShare (Okta's smallest setting).
//  4. Learning from Remaining reaching 0 on an accepted answer while the
//     window accepted more than tokenShare × Limit: the header's own
//     figure binds, so the share learned is 1 (the header is the token's
//     share, or the org's whole bucket is ours to spend).
//
// A learned share is kept for the rest of the client's life and is no
// longer probed above; a later 429 with room (3) still lowers it. A share is
// a fraction of X-Rate-Limit-Limit rather than a count, so it stays right
// when the org's limits change. LearnedShares returns the learned shares
// and WithLearnedShares seeds them, so a program can keep them between runs
// and start at the right ceiling without a 429. With maxShare below 1 the
// client never probes (it would spend more than it was told to); it then
// relies on tokenShare and on seeded or learned shares.

// shareEpsilon absorbs floating-point error when a share is turned back
// into a count (7/15 × 15 must be 7, not 6).
const shareEpsilon = 1e-9

// ceiling is what the token may send in one window of b, as far as the
// client knows. l.mu must be held.
func (l *limiter) ceiling(b *bucketState) int {
	if b.share > 0 {
		return max(1, int(math.Floor(b.share*float64(b.limit)+shareEpsilon)))
	}
	return min(b.limit, max(l.assumed(b), b.proven))
}

// assumed is tokenShare of b's limit: the ceiling assumed until one is
// learned.
func (l *limiter) assumed(b *bucketState) int {
	return max(1, int(math.Floor(l.tokenShare*float64(b.limit)+shareEpsilon)))
}

// allowed is how many requests the client may send in one window of b
// without probing.
func (l *limiter) allowed(b *bucketState) int {
	return max(1, int(math.Floor(l.maxShare*float64(l.ceiling(b))+shareEpsilon)))
}

// mayProbe reports whether a request over b's budget may go out to probe
// the token's ceiling. l.mu must be held.
func (l *limiter) mayProbe(b *bucketState) bool {
	return l.maxShare >= 1 && b.share == 0 && l.ceiling(b) < b.limit && b.remainingKnown && b.remaining > 0
}

// learn learns from an answer of the current window of b: a 429 (not a
// concurrency one) or an accepted answer, with the Remaining its headers
// showed. l.mu must be held.
func (l *limiter) learn(name string, b *bucketState, is429 bool, shown int) {
	limit := float64(b.limit)
	if is429 {
		if shown <= 0 {
			return // the org's bucket is spent: nothing to learn of the token
		}
		share := max(MinTokenShare, float64(max(1, b.accepted))/limit)
		b.capped = true
		if b.share == 0 || share < b.share {
			l.setShare(name, b, share, "429 while the org had room")
		}
		return
	}
	b.accepted++
	switch {
	case b.capped:
		// A late answer of the window that met the hidden ceiling: Okta
		// accepted it, so the ceiling is at least this.
		if share := float64(b.accepted) / limit; share > b.share {
			b.share = min(1, share)
		}
	case b.share == 0:
		b.proven = max(b.proven, b.accepted)
		if shown <= 0 && b.accepted > l.assumed(b) {
			l.setShare(name, b, 1, "Remaining reached 0 above the assumed share")
		}
	}
}

// setShare records a learned share. l.mu must be held.
func (l *limiter) setShare(name string, b *bucketState, share float64, why string) {
	b.share = share
	if l.onLearn != nil {
		l.onLearn(name, share, why)
	}
}

// seed records shares kept from an earlier run for the buckets not used
// yet; a bucket already in use keeps what it has learned.
func (l *limiter) seed(shares map[string]float64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.learned == nil {
		l.learned = make(map[string]float64, len(shares))
	}
	for name, s := range shares {
		if _, used := l.buckets[name]; !used {
			l.learned[name] = s
		}
	}
}

// learnedShares returns the learned shares by bucket, the seeded ones
// included.
func (l *limiter) learnedShares() map[string]float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := maps.Clone(l.learned)
	if out == nil {
		out = map[string]float64{}
	}
	for name, b := range l.buckets {
		if b.share > 0 {
			out[name] = b.share
		}
	}
	return out
}
