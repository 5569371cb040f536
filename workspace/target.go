package workspace

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/workos-mcp/workos-mcp/workos"
)

// target is what an irreversible operation would destroy: the object, what hangs off it, and a
// fingerprint of both, so that a confirmation is only honoured if nothing changed meanwhile.
type target struct {
	Name        string         // what the person types to confirm (name, email, domain, or ID)
	WouldDelete map[string]any // for the person: counts and names
	Fingerprint string
}

// dependent is a list that hangs off a target: deleting the target takes it along.
type dependent struct {
	key   string // key in would_destroy
	path  string // list path
	param string // query parameter that takes the target's ID
}

// dependents of the targets whose loss is not obvious from the target itself.
var dependents = map[string][]dependent{
	"/organizations/{id}": {
		{"connections", "/connections", "organization_id"},
		{"directories", "/directories", "organization_id"},
		{"members", "/user_management/users", "organization_id"},
		{"invitations", "/user_management/invitations", "organization_id"},
	},
	"/directories/{id}": {
		{"directory_users", "/directory_users", "directory"},
		{"directory_groups", "/directory_groups", "directory"},
	},
	"/user_management/users/{id}": {
		{"memberships", "/user_management/organization_memberships", "user_id"},
	},
}

// maxDependentPages bounds how many pages of each dependent list a confirmation reads.
const maxDependentPages = 10

// describeTarget reads the target of an irreversible call and what hangs off it. It reads with
// the environment's key directly: the call already passed the policy for a write, which covers
// reading its own target.
func (s *Server) describeTarget(ctx context.Context, oc *opCall) (*target, error) {
	if oc.op.Class != classDestructive {
		return s.describeReplacement(ctx, oc)
	}
	_, pathParams, _, _, err := oc.request()
	if err != nil {
		return nil, err
	}
	getPath := oc.op.Path
	if _, ok := findByPath("GET", getPath); !ok && oc.op.Method != "DELETE" {
		// POST /x/{id}/revoke and friends: the target is /x/{id}.
		if i := strings.LastIndexByte(getPath, '/'); i > 0 && !strings.HasSuffix(getPath, "}") {
			getPath = getPath[:i]
		}
	}
	fp := map[string]any{"params": oc.params}
	t := &target{WouldDelete: map[string]any{}}
	if _, ok := findByPath("GET", getPath); !ok || !strings.Contains(getPath, "{") {
		t.Name = targetID(oc.params)
		t.WouldDelete["target"] = oc.params
		t.Fingerprint = hashJSON(fp)
		return t, nil
	}
	cl := s.client(oc.env.BaseURL, oc.env.APIKey)
	var raw json.RawMessage
	if _, err := cl.DoTemplate(ctx, "GET", getPath, pathParams, nil, nil, &raw); err != nil {
		return nil, s.apiError(oc, err)
	}
	var obj map[string]any
	_ = json.Unmarshal(raw, &obj)
	fp["target"] = obj
	t.Name = displayName(obj)
	if t.Name == "" {
		t.Name = targetID(oc.params)
	}
	t.WouldDelete[singular(oc.op.Resource)] = summarize(obj)
	if domains, ok := obj["domains"].([]any); ok {
		t.WouldDelete["domains"] = countAndNames(domains)
	}
	id, _ := obj["id"].(string)
	for _, d := range dependents[getPath] {
		lop, ok := findByPath("GET", d.path)
		if !ok || id == "" {
			continue
		}
		// Page through what hangs off the target (bounded): the counts are what the person
		// agrees to destroy.
		var items []any
		var ids []string
		q := url.Values{d.param: {id}, "limit": {"100"}}
		more, err := workos.Paginate(ctx, maxDependentPages, func(ctx context.Context, cursor string) ([]map[string]any, string, error) {
			if cursor != "" {
				q.Set("after", cursor)
			}
			var list workos.List[map[string]any]
			var lraw json.RawMessage
			if _, err := cl.Do(ctx, "GET", d.path, q, nil, &lraw); err != nil {
				return nil, "", err
			}
			_ = json.Unmarshal(lraw, &list)
			return list.Data, list.ListMetadata.After, nil
		}, func(page []map[string]any) bool {
			for _, it := range page {
				items = append(items, it)
				iid, _ := it["id"].(string)
				upd, _ := it["updated_at"].(string)
				st, _ := it["state"].(string)
				if st == "" {
					st, _ = it["status"].(string)
				}
				ids = append(ids, iid+"@"+upd+"@"+st)
			}
			return true
		})
		if err != nil {
			return nil, s.apiError(oc, fmt.Errorf("list %s: %w", d.key, err))
		}
		sort.Strings(ids)
		if !oc.c.role.Covers(lop) {
			// The plan shows only what the person may read; and what they may not read, they
			// may not destroy either.
			if len(items) > 0 {
				return nil, fmt.Errorf("%w: %s would also delete the target's %s, which are in the %s area, outside your role's areas (%s); ask someone whose role covers it",
					ErrRole, oc.op.Name, strings.ReplaceAll(d.key, "_", " "), lop.Area, strings.Join(oc.c.role.Areas, ", "))
			}
			continue
		}
		fp[d.key] = ids
		t.WouldDelete[d.key] = countAndNames(items)
		if more {
			t.WouldDelete[d.key].(map[string]any)["count_is_lower_bound"] = true
		}
	}
	t.Fingerprint = hashJSON(fp)
	// What the person sees passes the redactor like every other answer.
	if red, _ := s.redactor.JSON(mustJSON(t.WouldDelete)); red != nil {
		var v map[string]any
		if json.Unmarshal(red, &v) == nil {
			t.WouldDelete = v
		}
	}
	return t, nil
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func singular(resource string) string {
	r := strings.TrimSuffix(resource, "s")
	if r == "" {
		return "target"
	}
	return r
}

func targetID(params map[string]any) string {
	for _, k := range []string{"id", "organization_id", "user_id"} {
		if v, ok := params[k].(string); ok && v != "" {
			return v
		}
	}
	for _, k := range sortedKeys(params) {
		if v, ok := params[k].(string); ok && v != "" {
			return v
		}
	}
	return ""
}

// displayName is what a person recognises an object by.
func displayName(obj map[string]any) string {
	for _, k := range []string{"name", "email", "domain", "slug", "id"} {
		if v, ok := obj[k].(string); ok && v != "" {
			return v
		}
	}
	return ""
}

// summarize keeps the identifying fields of an object.
func summarize(obj map[string]any) map[string]any {
	out := map[string]any{}
	for _, k := range []string{"id", "name", "email", "domain", "state", "type", "connection_type", "organization_id", "external_id", "first_name", "last_name", "status"} {
		if v, ok := obj[k]; ok && v != nil && v != "" {
			out[k] = v
		}
	}
	return out
}

// countAndNames is the what-would-be-destroyed view of a list.
func countAndNames(items []any) map[string]any {
	names := []string{}
	for _, it := range items {
		switch x := it.(type) {
		case map[string]any:
			n := displayName(x)
			if org, _ := x["organization_name"].(string); org != "" && x["object"] == "organization_membership" {
				n = org // a user's membership is known by its organization
			}
			names = append(names, n)
		case string:
			names = append(names, x)
		}
	}
	return map[string]any{"count": len(items), "names": names}
}
