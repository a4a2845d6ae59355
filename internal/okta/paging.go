package okta

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
)

// listAll pages through a list starting at first, following each next link
// exactly as Okta gives it. A next link or "after" cursor seen before in the
// same listing ends it with ErrPagingLoop. When stopOnEmpty is set (polling
// lists such as the System Log, whose next link is always present) an empty
// page ends the listing.
func listAll[T any](ctx context.Context, c *Client, first string, stopOnEmpty bool) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		for p, err := range listPages[T](ctx, c, first, stopOnEmpty) {
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
func listPages[T any](ctx context.Context, c *Client, first string, stopOnEmpty bool) iter.Seq2[page[T], error] {
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
		for {
			var items []T
			resp, err := c.do(ctx, &request{method: http.MethodGet, path: next, out: &items, idempotent: true, scratchBody: true})
			if err != nil {
				yield(page[T]{}, err)
				return
			}
			more := resp.NextURL != "" && !(stopOnEmpty && len(items) == 0)
			if !yield(page[T]{items: items, more: more}, nil) || !more {
				return
			}
			if err := mark(resp.NextURL); err != nil {
				yield(page[T]{}, err)
				return
			}
			next = resp.NextURL
		}
	}
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
