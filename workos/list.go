package workos

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// ListMetadata holds a list's cursors; a null cursor (end of list) decodes as "".
type ListMetadata struct {
	Before string `json:"before"`
	After  string `json:"after"`
}

// List is one page of a WorkOS list endpoint.
type List[T any] struct {
	Object       string       `json:"object"`
	Data         []T          `json:"data"`
	ListMetadata ListMetadata `json:"list_metadata"`
}

// ListParams are the pagination parameters every list endpoint takes.
// Limit is 1–100 (WorkOS default 10); Order is "asc", "desc" or "normal".
type ListParams struct {
	Limit  int
	Before string
	After  string
	Order  string
}

// Apply sets the non-zero parameters on q.
func (p ListParams) Apply(q url.Values) {
	if p.Limit > 0 {
		q.Set("limit", strconv.Itoa(p.Limit))
	}
	if p.Before != "" {
		q.Set("before", p.Before)
	}
	if p.After != "" {
		q.Set("after", p.After)
	}
	if p.Order != "" {
		q.Set("order", p.Order)
	}
}

// MaxListPages bounds how many pages ListAll fetches, whatever max says.
const MaxListPages = 1000

// ErrCursorRepeated is Paginate's error when a list hands out the same cursor twice.
var ErrCursorRepeated = errors.New("cursor repeated")

// Paginate walks a cursor-paginated list, the one loop every reader of a WorkOS list shares
// whatever the transport (the client, or a pipeline that checks and records each call). fetch gets
// "" for the first page and then the cursor the previous page returned, and answers the page's items
// and the cursor to the next page ("" at the end); visit sees each page's items in order.
//
// The walk stops after a page with no items or no next cursor, when visit returns false, at the
// first error (fetch's, returned as is), or after maxPages pages (fewer than 1 counts as 1): more
// then reports that the list goes on past the last page fetched. A cursor the server hands out
// twice is an error (ErrCursorRepeated), since following it would loop.
func Paginate[T any](ctx context.Context, maxPages int, fetch func(ctx context.Context, cursor string) (items []T, next string, err error), visit func(items []T) bool) (more bool, err error) {
	seen := map[string]bool{}
	cursor := ""
	for page := 0; page < max(maxPages, 1); page++ {
		items, next, err := fetch(ctx, cursor)
		if err != nil {
			return false, err
		}
		if !visit(items) || next == "" || len(items) == 0 {
			return false, nil
		}
		if seen[next] {
			return false, fmt.Errorf("%w: %q", ErrCursorRepeated, next)
		}
		seen[next] = true
		cursor = next
	}
	return true, nil
}

// ListAll fetches path page by page (limit 100 unless query sets one) and
// returns up to max items (max <= 0: no item limit, but at most MaxListPages
// pages). It follows list_metadata.after; when query sets "before" and not
// "after", it walks backwards along list_metadata.before instead.
func ListAll[T any](ctx context.Context, c *Client, path string, query url.Values, max int) ([]T, error) {
	q := url.Values{}
	for k, vs := range query {
		q[k] = append([]string(nil), vs...)
	}
	if q.Get("limit") == "" {
		q.Set("limit", "100")
	}
	param := "after"
	if q.Get("before") != "" && q.Get("after") == "" {
		param = "before"
	}
	var all []T
	more, err := Paginate(ctx, MaxListPages, func(ctx context.Context, cursor string) ([]T, string, error) {
		if cursor != "" {
			q.Set(param, cursor)
		}
		var l List[T]
		if _, err := c.Do(ctx, "GET", path, q, nil, &l); err != nil {
			return nil, "", err
		}
		if param == "before" {
			return l.Data, l.ListMetadata.Before, nil
		}
		return l.Data, l.ListMetadata.After, nil
	}, func(items []T) bool {
		all = append(all, items...)
		return max <= 0 || len(all) < max
	})
	switch {
	case errors.Is(err, ErrCursorRepeated):
		return all, fmt.Errorf("workos: list %s: %w", path, err)
	case err != nil:
		return all, err
	case more:
		return all, errors.New("workos: list " + path + ": more than " + strconv.Itoa(MaxListPages) + " pages")
	}
	if max > 0 && len(all) > max {
		all = all[:max]
	}
	return all, nil
}

// PathPattern replaces the segments of path that look like identifiers
// (anything but lowercase words and underscores) with "{id}", so that a path
// can serve as a metric label: "/organizations/org_01H…" -> "/organizations/{id}".
func PathPattern(path string) string {
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if s != "" && !isWord(s) {
			segs[i] = "{id}"
		}
	}
	return strings.Join(segs, "/")
}

// staticWithDigits are the API's fixed path segments that contain digits, so they are not IDs.
var staticWithDigits = map[string]bool{"oauth2": true, "v1": true}

func isWord(s string) bool {
	if staticWithDigits[s] {
		return true
	}
	if len(s) > 40 {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if (b < 'a' || b > 'z') && b != '_' && b != '-' && b != '.' {
			return false
		}
	}
	return true
}
