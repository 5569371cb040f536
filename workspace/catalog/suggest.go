package catalog

import (
	"net/http"
	"sort"
	"strings"
	"unicode"
)

// maxSuggestions bounds how many operations Suggest returns.
const maxSuggestions = 5

// Suggest returns the operations whose names are closest to name, an operation name that the
// catalog does not have, best first (at most five; none when nothing is close). It reads name
// the ways people and agents write an operation:
//
//   - a name with a typo or a spelling variant: "organizations.lst", "organisations.list";
//   - a name with the resource in the singular, or the words in another order or style:
//     "organization.list", "list_organizations", "listOrganizations", "delete-user";
//   - a part of a resource's name, or a synonym of an action: "domains.list" finds
//     organization_domains.list, "users.fetch" finds users.get;
//   - an HTTP method and path, as in the API reference: "GET /organizations",
//     "DELETE /organizations/org_123", "https://api.workos.com/users?limit=5".
//
// keep, when not nil, says which operations may be suggested (the workspace passes the ones the
// person may run), so that the closest ones are chosen among them.
func Suggest(name string, keep func(*Operation) bool) []*Operation {
	type scored struct {
		op   *Operation
		cost int
	}
	var hits []scored
	collect := func(score func(*Operation) (int, bool)) {
		for _, op := range operations {
			if keep != nil && !keep(op) {
				continue
			}
			if c, ok := score(op); ok {
				hits = append(hits, scored{op, c})
			}
		}
	}
	window := 1
	method, path, isPath := methodPath(name)
	if isPath {
		// A path names one endpoint: only the best matches (the same method, else the nearest).
		collect(func(op *Operation) (int, bool) { return pathCost(method, path, op) })
		window = 0
	}
	if len(hits) == 0 {
		// Not a path the API has (a path from memory, "/users" for /user_management/users):
		// its words, without the IDs in it, are still a name.
		if isPath {
			name = withoutIDs(path)
		}
		ws := words(name)
		collect(func(op *Operation) (int, bool) { return wordCost(ws, op) })
		window = 1
	}
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].cost != hits[j].cost {
			return hits[i].cost < hits[j].cost
		}
		if li, lj := hits[i].op.Action == "list", hits[j].op.Action == "list"; li != lj {
			return li
		}
		return hits[i].op.Name < hits[j].op.Name
	})
	var out []*Operation
	for _, h := range hits {
		// Only the closest (and those one step further): a near miss should not drown in
		// everything that shares a word with it.
		if h.cost > hits[0].cost+window || len(out) == maxSuggestions {
			break
		}
		out = append(out, h.op)
	}
	return out
}

// Word matching costs: a word of the name that matches no word of the operation costs more
// than a word of the operation the name leaves out ("domains.list" for
// organization_domains.list), and more than a typo in a word.
const (
	costExtraWord   = 3 // a word of the name that the operation does not have
	costMissingWord = 2 // a word of the operation that the name does not have
	costMissingHead = 3 // the last word of the operation's resource, its head noun, left out
	costSynonym     = 1 // an action's synonym: "fetch" for get
	costStem        = 1 // a word cut short: "org" for organization, "invite" for invitation
	maxWordCost     = 5 // above this, the operation is not close
)

// synonyms maps words for an action to the catalog's word for it.
var synonyms = map[string]string{
	"fetch": "get", "read": "get", "retrieve": "get", "show": "get", "describe": "get", "find": "get",
	"all": "list", "index": "list", "search": "list", "browse": "list", "query": "list", "enumerate": "list",
	"new": "create", "make": "create", "insert": "create", "post": "create",
	"edit": "update", "modify": "update", "change": "update", "patch": "update", "put": "update",
	"destroy": "delete", "remove": "delete", "del": "delete", "rm": "delete", "drop": "delete", "erase": "delete", "purge": "delete",
}

// wordCost compares the words of a name with the words of an operation's name, each word
// matched at most once, in any order, a typo allowed per word. The catalog's names are
// plural resources; both sides are compared in the singular.
func wordCost(ws []string, op *Operation) (int, bool) {
	if len(ws) == 0 {
		return 0, false
	}
	rw := words(op.Resource)
	ow := append(rw, words(op.Action)...)
	used := make([]bool, len(ow))
	total, resource := 0, false
	for _, w := range ws {
		best, at := -1, -1
		for i, o := range ow {
			if used[i] {
				continue
			}
			if d := wordDistance(w, o); d <= typos(w) && (best < 0 || d < best) {
				best, at = d, i
			}
		}
		if at < 0 {
			total += costExtraWord
			continue
		}
		used[at] = true
		resource = resource || at < len(rw)
		total += best
	}
	for i, u := range used {
		switch {
		case u:
		case i == len(rw)-1:
			total += costMissingHead
		default:
			total += costMissingWord
		}
	}
	// A lone action ("list") is close to nothing in particular.
	return total, resource && total <= maxWordCost
}

// wordDistance is how far a word of a name is from a word of an operation's name: edits, or
// less for a synonym or a word cut short.
func wordDistance(w, o string) int {
	d := distance(w, o)
	if s, ok := synonyms[w]; ok && s == o {
		d = min(d, costSynonym)
	}
	if len(w) >= 3 && len(w) < len(o) && strings.HasPrefix(o, w) {
		d = min(d, costStem) // "org"
	}
	if n := commonPrefix(w, o); n >= 4 && n >= min(len(w), len(o))-1 {
		d = min(d, costStem) // "invite", "invitation"
	}
	return d
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// withoutIDs is a path's segments that are not IDs or placeholders ("/users/user_123" gives
// "users"): the words of an endpoint.
func withoutIDs(path string) string {
	var keep []string
	for _, seg := range strings.Split(path, "/") {
		if seg == "" || strings.ContainsAny(seg, "{}0123456789") {
			continue
		}
		keep = append(keep, seg)
	}
	return strings.Join(keep, " ")
}

// typos is how many edits a word of this length may carry and still be recognised.
func typos(w string) int {
	switch n := len(w); {
	case n <= 2:
		return 0
	case n <= 4:
		return 1
	case n <= 8:
		return 2
	}
	return 3
}

// words splits a name into lower-case singular words at dots, underscores, dashes, spaces,
// slashes and camelCase humps: "listOrganizations" and "organization.list" both give
// [list organization] (in their own order).
func words(name string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, singular(string(cur)))
			cur = cur[:0]
		}
	}
	prev := rune(0)
	for _, r := range name {
		switch {
		case unicode.IsUpper(r):
			if unicode.IsLower(prev) {
				flush()
			}
			cur = append(cur, unicode.ToLower(r))
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			cur = append(cur, r)
		default:
			flush()
		}
		prev = r
	}
	flush()
	return out
}

// methodPath reads "GET /organizations/{id}", "delete /users/user_1", "/organizations" or a full
// URL as a method (empty when not given) and a path without query, fragment or trailing slash.
func methodPath(s string) (method, path string, ok bool) {
	s = strings.TrimSpace(s)
	if f := strings.Fields(s); len(f) == 2 {
		switch m := strings.ToUpper(f[0]); m {
		case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
			method, s = m, f[1]
		}
	}
	if i := strings.Index(s, "://"); i >= 0 {
		rest := s[i+3:]
		j := strings.IndexByte(rest, '/')
		if j < 0 {
			return "", "", false
		}
		s = rest[j:]
	}
	if !strings.HasPrefix(s, "/") {
		return "", "", false
	}
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		s = s[:i]
	}
	if s = strings.TrimRight(s, "/"); s == "" {
		return "", "", false
	}
	return method, s, true
}

// pathCost matches a method and path against the operation's: each placeholder of its path
// template matches any one segment, other segments must be equal; another method costs one.
func pathCost(method, path string, op *Operation) (int, bool) {
	got, want := strings.Split(path, "/"), strings.Split(op.Path, "/")
	if len(got) != len(want) {
		return 0, false
	}
	for i, w := range want {
		if strings.HasPrefix(w, "{") && strings.HasSuffix(w, "}") {
			if got[i] == "" {
				return 0, false
			}
			continue
		}
		if !strings.EqualFold(got[i], w) {
			return 0, false
		}
	}
	switch {
	case method == "" || method == op.Method:
	case method == http.MethodPatch && op.Method == http.MethodPut, method == http.MethodPut && op.Method == http.MethodPatch:
		return 1, true // the same update, the other verb
	default:
		return 2, true
	}
	return 0, true
}

// distance is the optimal string alignment distance between a and b: insertions, deletions,
// substitutions and transpositions of adjacent letters ("lsit" is one edit from "list").
func distance(a, b string) int {
	if a == b {
		return 0
	}
	ra, rb := []rune(a), []rune(b)
	// d[i][j] is the distance between ra[:i] and rb[:j]; three rows suffice.
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			sub := 1
			if ra[i-1] == rb[j-1] {
				sub = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+sub)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
