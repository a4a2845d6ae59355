package okta

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"net/http"
	"strings"
)

// SearchCap is how many results Okta serves from one `search` listing of
// users: following the next link past them answers 400 E0000031. Plain
// lists and filters have no such cap.
const SearchCap = 50_000

// defaultUserPage is the page size Okta uses when a list names no limit.
const defaultUserPage = 200

// UserSearchOptions page a search that may match more users than one
// search listing serves.
type UserSearchOptions struct {
	// Limit is the page size; 0 leaves Okta's default (200).
	Limit int
	// Cap is where one search listing is expected to stop; 0 means
	// SearchCap. A listing that stops sooner (400 E0000031 after at least
	// one page) teaches the search the real cap, at the cost of that one
	// refused call.
	Cap int
}

// Search returns every user the search expression matches (DEPROVISIONED
// users included), however many there are, each once, in ascending order
// of id.
//
// Okta stops a search listing at SearchCap results. Search sorts by id
// (sortBy=id, sortOrder=asc; Okta orders ties of any sortBy by id) and,
// before a listing would cross the cap, starts a new one for the users
// after the last id read: `(search) and id gt "<last id>"`. No page is read
// twice, so a search of N users costs ceil(N/Limit) pages, as one listing
// would if there were no cap; a cap lower than opts.Cap costs one refused
// call, after which the lower cap is kept. Search results are eventually
// consistent (Okta's index lags writes by about a second).
//
// Assumed, not documented by Okta: that sortBy=id and `id gt` compare ids
// the same way (both by the search index's reading of the id; its string
// values ignore case). Were one to ignore case and the other not, a
// continuation could skip users whose ids differ in case from the last id
// read at the first differing letter.
func (s *UsersService) Search(ctx context.Context, search string, opts *UserSearchOptions) iter.Seq2[*User, error] {
	return searchAll(ctx, s.client, search, opts, func(u *User) string { return u.ID }, listOptions{})
}

// SearchBasic is Search, decoding each user as a BasicUser.
func (s *UsersService) SearchBasic(ctx context.Context, search string, opts *UserSearchOptions) iter.Seq2[*BasicUser, error] {
	return searchAll(ctx, s.client, search, opts, func(u *BasicUser) string { return u.ID }, listOptions{})
}

// SearchBasicBorrowed is SearchBasic for a caller that is done with each
// user before the next; users are borrowed as ListBasicBorrowed lends them,
// and their profiles hold only the attributes named in attrs (all of them
// when attrs is nil).
func (s *UsersService) SearchBasicBorrowed(ctx context.Context, search string, opts *UserSearchOptions, attrs []string) iter.Seq2[*BasicUser, error] {
	return borrowedUsers(attrs, func(o listOptions) iter.Seq2[*BasicUser, error] {
		return searchAll(ctx, s.client, search, opts, func(u *BasicUser) string { return u.ID }, o)
	})
}

// searchAll reads a search as a sequence of listings sorted by id, each
// continuing after the last id of the one before, each under the cap.
// The listings are paged with lo.
func searchAll[T any](ctx context.Context, c *Client, search string, opts *UserSearchOptions, idOf func(T) string, lo listOptions) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		if strings.TrimSpace(search) == "" {
			yield(zero, errors.New("okta: search users: empty search expression"))
			return
		}
		l := &searchListing{search: search, capAt: SearchCap, size: defaultUserPage}
		if opts != nil {
			l.limit = opts.Limit
			if opts.Cap > 0 {
				l.capAt = opts.Cap
			}
		}
		if l.limit > 0 {
			l.size = l.limit
		}
		total := 0
		for {
			n, next, done, err := readListing(ctx, c, l, lo, idOf, yield)
			total += n
			switch {
			case done:
				return
			case err != nil && l.after != "":
				yield(zero, fmt.Errorf("okta: search users past %d results, continuing after id %s: %w", total, l.after, err))
				return
			case err != nil:
				yield(zero, err)
				return
			case next == "":
				return
			case strings.ContainsAny(next, "\"\\"):
				yield(zero, fmt.Errorf("okta: search users: cannot continue past %d results after id %q", total, next))
				return
			}
			c.logger.LogAttrs(ctx, slog.LevelDebug, "okta search continues past its cap",
				slog.Int("read", total), slog.Int("cap", l.capAt), slog.String("afterID", next))
			l.after = next
		}
	}
}

// searchListing is one listing of a search, the users after id after
// (all of them when after is empty) sorted by id, and what the listings
// before it learned.
type searchListing struct {
	search string
	after  string
	// limit is the page size asked for (0: Okta's default), size the
	// page size expected.
	limit, size int
	// capAt is the most results a listing is expected to serve; a
	// listing that stops sooner lowers it.
	capAt int
	// first is the first id of the listing before, which a continuation
	// must not return again.
	first string
}

// readListing yields the users of listing l until it ends, the next page
// would cross the cap, or Okta refuses a page past the cap (l.capAt then
// becomes what the listing served). It returns how many users it read and,
// when the search goes on past them, the last id read; done is set when
// yield asked to stop.
func readListing[T any](ctx context.Context, c *Client, l *searchListing, lo listOptions, idOf func(T) string, yield func(T, error) bool) (n int, next string, done bool, err error) {
	expr := l.search
	if l.after != "" {
		expr = "(" + l.search + ") and id gt \"" + l.after + "\""
	}
	first := (&UserListOptions{Limit: l.limit, Search: expr, SortBy: "id", SortOrder: "asc"}).path()
	last := ""
	for p, err := range listPages[T](ctx, c, first, lo) {
		if err != nil {
			if n > 0 && isSearchCapError(err) {
				l.capAt = n
				return n, last, false, nil
			}
			return n, "", false, err
		}
		for _, item := range p.items {
			id := idOf(item)
			if n == 0 {
				if l.after != "" && (id == l.after || id == l.first) {
					return n, "", false, fmt.Errorf("okta: search users: continuing after id %s returned id %s again", l.after, id)
				}
				l.first = strings.Clone(id) // the page may be borrowed
			}
			n++
			last = id
			if !yield(item, nil) {
				return n, "", true, nil
			}
		}
		last = strings.Clone(last) // it outlives the page, which may be borrowed
		if p.more && n > 0 && n+l.size > l.capAt {
			return n, last, false, nil
		}
	}
	return n, "", false, nil
}

// isSearchCapError reports whether err is Okta's 400 E0000031, which a
// search listing answers for a page past its cap (and for an invalid
// search).
func isSearchCapError(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.StatusCode == http.StatusBadRequest && e.ErrorCode == "E0000031"
}
