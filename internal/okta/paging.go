package okta

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Member pages that time out.
const (
	// memberPageDefault is the page size Okta uses for a member list whose
	// URL names no limit.
	memberPageDefault = 1000
	// minShrunkPage is the smallest page size a timed-out page is asked
	// again with.
	minShrunkPage = 50
)

// listOptions says how listAll pages.
type listOptions struct {
	// stopOnEmpty ends the listing at an empty page (polling lists such as
	// the System Log, whose next link is always present).
	stopOnEmpty bool
	// shrinkFrom, when above zero, is the page size Okta uses when the URL
	// names none, and lets a page that Okta answers 500 E0000009 (it timed
	// out building a page of many full user objects) be asked again at
	// once with half the limit, down to minShrunkPage; later pages keep
	// the smaller limit.
	shrinkFrom int
	// borrow, when set, decodes each page instead of decodeBody, and may
	// leave what it decodes pointing into the page's body: the body is
	// kept until the page's yield returns, and reused afterwards.
	borrow func(body []byte, out any) error
}

// listAll pages through a list starting at first, following each next link
// exactly as Okta gives it (but for a limit made smaller, see listOptions).
// A next link or "after" cursor seen before in the same listing ends it
// with ErrPagingLoop.
func listAll[T any](ctx context.Context, c *Client, first string, o listOptions) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		for p, err := range listPages[T](ctx, c, first, o) {
			if err != nil {
				yield(zero, err)
				return
			}
			for _, item := range p.items {
				if !yield(item, nil) {
					return
				}
			}
		}
	}
}

// page is one page of a listing.
type page[T any] struct {
	items []T
	// more says that a next link follows; the listing goes on unless the
	// loop breaks.
	more bool
}

// listPages is listAll a page at a time: it yields each page and whether
// a next link follows it, so that a caller can stop before the next page
// is fetched.
func listPages[T any](ctx context.Context, c *Client, first string, o listOptions) iter.Seq2[page[T], error] {
	return func(yield func(page[T], error) bool) {
		seenURL := map[string]bool{}
		seenCursor := map[string]bool{}
		mark := func(raw string) error {
			u, err := c.resolve(raw)
			if err != nil {
				return err
			}
			key := u.String()
			cursor := u.Query().Get("after")
			if seenURL[key] || (cursor != "" && seenCursor[cursor]) {
				return fmt.Errorf("%w (%s)", ErrPagingLoop, c.apiPath(u))
			}
			seenURL[key] = true
			if cursor != "" {
				seenCursor[cursor] = true
			}
			return nil
		}
		if err := mark(first); err != nil {
			yield(page[T]{}, err)
			return
		}
		next := first
		shrunk := 0 // the smaller limit pages are asked with, once one timed out
		for {
			var items []T
			limit := o.limitOf(next)
			resp, err := c.do(ctx, &request{method: http.MethodGet, path: next, out: &items, idempotent: true,
				scratchBody: true, shrinkable: limit > minShrunkPage, decode: o.borrow, holdBody: o.borrow != nil})
			if err != nil {
				if limit > minShrunkPage && isPageTimeout(err) {
					shrunk = max(minShrunkPage, limit/2)
					c.logger.LogAttrs(ctx, slog.LevelInfo, "okta page timed out; asking for a smaller one",
						slog.Int("limit", limit), slog.Int("new_limit", shrunk))
					next = withLimit(next, shrunk)
					continue
				}
				yield(page[T]{}, err)
				return
			}
			more := resp.NextURL != "" && !(o.stopOnEmpty && len(items) == 0)
			goOn := yield(page[T]{items: items, more: more}, nil)
			resp.release()
			if !goOn || !more {
				return
			}
			next = resp.NextURL
			if shrunk > 0 && o.limitOf(next) > shrunk {
				next = withLimit(next, shrunk)
			}
			if err := mark(next); err != nil {
				yield(page[T]{}, err)
				return
			}
		}
	}
}

// limitOf returns the page size a list URL asks for: its limit, else the
// default; 0 when o does not shrink pages.
func (o listOptions) limitOf(rawURL string) int {
	if o.shrinkFrom <= 0 {
		return 0
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return 0
	}
	if n, err := strconv.Atoi(u.Query().Get("limit")); err == nil && n > 0 {
		return n
	}
	return o.shrinkFrom
}

// withLimit returns rawURL with its limit query parameter set to n, every
// other byte of it left as Okta gave it.
func withLimit(rawURL string, n int) string {
	base, frag, _ := strings.Cut(rawURL, "#")
	path, rawQuery, _ := strings.Cut(base, "?")
	var params []string
	for p := range strings.SplitSeq(rawQuery, "&") {
		if name, _, _ := strings.Cut(p, "="); p != "" && name != "limit" {
			params = append(params, p)
		}
	}
	params = append(params, "limit="+strconv.Itoa(n))
	out := path + "?" + strings.Join(params, "&")
	if frag != "" {
		out += "#" + frag
	}
	return out
}

// isPageTimeout reports whether err is Okta's 500 E0000009, which it answers
// when building a page took too long.
func isPageTimeout(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.StatusCode == http.StatusInternalServerError && ae.ErrorCode == "E0000009"
}

// collect drains a list iterator into a slice.
func collect[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}

// query builds a query string from non-empty values.
type query url.Values

func (q query) str(key, val string) query {
	if val != "" {
		url.Values(q).Set(key, val)
	}
	return q
}

func (q query) int(key string, val int) query {
	if val > 0 {
		url.Values(q).Set(key, strconv.Itoa(val))
	}
	return q
}

func (q query) path(p string) string {
	if len(q) == 0 {
		return p
	}
	return p + "?" + url.Values(q).Encode()
}
