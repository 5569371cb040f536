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
	backwards := q.Get("before") != "" && q.Get("after") == ""
	var all []T
	seen := map[string]bool{}
	for page := 0; page < MaxListPages; page++ {
		var l List[T]
		if _, err := c.Do(ctx, "GET", path, q, nil, &l); err != nil {
			return all, err
		}
		all = append(all, l.Data...)
		if max > 0 && len(all) >= max {
			return all[:max], nil
		}
		next, param := l.ListMetadata.After, "after"
		if backwards {
			next, param = l.ListMetadata.Before, "before"
		}
		if next == "" || len(l.Data) == 0 {
			return all, nil
		}
		if seen[next] {
			return all, fmt.Errorf("workos: list %s: cursor %q repeated", path, next)
		}
		seen[next] = true
		q.Set(param, next)
	}
	return all, errors.New("workos: list " + path + ": more than " + strconv.Itoa(MaxListPages) + " pages")
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
