package workspace

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/workos-mcp/workos-mcp/workspace/catalog"
)

// An update that replaces a collection (an organization's domains, a role's permissions, a
// membership's roles...) is as irreversible as a deletion when the new value drops something that
// exists: a removed domain loses its verification, a removed permission is lost by everyone holding
// the role. So a call that sets a Replaces field is compared with what exists before it runs, and
// confirmed like a deletion when it would remove anything, or when what exists cannot be read.

// removal is what one Replaces field of a call would remove.
type removal struct {
	Field   string
	Removed []string // keys of the current items the new value does not keep
	// Unknown is set when the current value could not be read completely (no read operation,
	// more than one page, an answer of another shape): the call is then confirmed as if it
	// removed everything.
	Unknown bool
	Current []string       // keys of the current items, for the confirmation's fingerprint
	Object  map[string]any // the object read, for the confirmation's display name
}

// removes reports whether any removal removes something or is unknown.
func removes(rs []removal) bool {
	for _, r := range rs {
		if r.Unknown || len(r.Removed) > 0 {
			return true
		}
	}
	return false
}

// removals compares each Replaces field the call sets with what exists, reading it with the
// environment's key (the call already passed the policy for a write, which covers reading its own
// target).
func (s *Server) removals(ctx context.Context, oc *opCall) ([]removal, error) {
	var fields []string
	for name := range oc.params {
		if oc.op.Effect(name) == catalog.Replaces {
			fields = append(fields, name)
		}
	}
	sort.Strings(fields)
	reads := map[string]map[string]any{} // one read per path, shared by the fields it serves
	var out []removal
	for _, f := range fields {
		rep, _ := oc.op.Replacement(f)
		rm := removal{Field: f}
		obj, ok, err := s.readCurrent(ctx, oc, rep.Read, reads)
		if err != nil {
			return nil, err
		}
		if !ok {
			rm.Unknown = true
			out = append(out, rm)
			continue
		}
		rm.Object = obj
		cur, ok := keysAt(obj, rep.Current, rep.CurrentKey)
		if !ok {
			rm.Unknown = true
			out = append(out, rm)
			continue
		}
		next, ok := keysOf(oc.params[f], rep.NewKey)
		if !ok {
			// A new value of an unexpected shape: the API will refuse it, or we cannot tell what
			// it keeps. Confirm it.
			rm.Unknown = true
		}
		keep := map[string]bool{}
		for _, k := range next {
			keep[k] = true
		}
		for _, k := range cur {
			if !keep[k] {
				rm.Removed = append(rm.Removed, k)
			}
		}
		rm.Current = cur
		out = append(out, rm)
	}
	return out, nil
}

// readCurrent reads GET template with the call's path parameters. ok is false when there is no
// such read, or the answer is a list with more than one page.
func (s *Server) readCurrent(ctx context.Context, oc *opCall, template string, cache map[string]map[string]any) (map[string]any, bool, error) {
	if template == "" {
		return nil, false, nil
	}
	if obj, ok := cache[template]; ok {
		return obj, obj != nil, nil
	}
	rop, found := findByPath("GET", template)
	if !found {
		cache[template] = nil
		return nil, false, nil
	}
	p := map[string]any{}
	for name, in := range rop.In {
		if in == catalog.InPath {
			p[name] = oc.params[name]
		}
	}
	if _, ok := rop.In["limit"]; ok {
		p["limit"] = float64(100)
	}
	_, query, _, err := rop.Request(p)
	if err != nil {
		return nil, false, fmt.Errorf("%w: %v", ErrInvalidInput, err)
	}
	pathParams, err := rop.PathParams(p)
	if err != nil {
		return nil, false, fmt.Errorf("%w: %v", ErrInvalidInput, err)
	}
	var raw json.RawMessage
	if _, err := s.client(oc.env.BaseURL, oc.env.APIKey).DoTemplate(ctx, "GET", rop.Path, pathParams, query, nil, &raw); err != nil {
		return nil, false, s.apiError(oc, fmt.Errorf("read what %s would replace: %w", oc.op.Name, err))
	}
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil {
		cache[template] = nil
		return nil, false, nil
	}
	if md, ok := obj["list_metadata"].(map[string]any); ok {
		if after, _ := md["after"].(string); after != "" {
			cache[template] = nil
			return nil, false, nil // more than one page: what exists is not known completely
		}
	}
	cache[template] = obj
	return obj, true, nil
}

// keysAt returns the keys of the items at a dotted path ("domains", "role.slug"). A missing or
// null value is an empty collection.
func keysAt(obj map[string]any, path, key string) ([]string, bool) {
	var v any = obj
	for _, part := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, v == nil
		}
		v = m[part]
	}
	return keysOf(v, key)
}

// keysOf returns the key of each item of a value: a string is one item, an array many, null none.
// key names the field (dotted, "+"-joined for composite keys) that identifies an object item;
// empty means items are strings.
func keysOf(v any, key string) ([]string, bool) {
	switch x := v.(type) {
	case nil:
		return nil, true
	case string:
		return []string{x}, true
	case []any:
		out := make([]string, 0, len(x))
		for _, it := range x {
			k, ok := itemKey(it, key)
			if !ok {
				return nil, false
			}
			out = append(out, k)
		}
		sort.Strings(out)
		return out, true
	}
	return nil, false
}

func itemKey(it any, key string) (string, bool) {
	if s, ok := it.(string); ok {
		return s, true
	}
	m, ok := it.(map[string]any)
	if !ok || key == "" {
		return "", false
	}
	var parts []string
	for _, k := range strings.Split(key, "+") {
		var v any = m
		for _, p := range strings.Split(k, ".") {
			mm, ok := v.(map[string]any)
			if !ok {
				v = nil
				break
			}
			v = mm[p]
		}
		s, _ := v.(string)
		parts = append(parts, s)
	}
	return strings.Join(parts, "+"), true
}

// describeReplacement is the confirmation plan of an update that would remove what exists: the
// target, and per replaced field what it removes.
func (s *Server) describeReplacement(ctx context.Context, oc *opCall) (*target, error) {
	rms, err := s.removals(ctx, oc)
	if err != nil {
		return nil, err
	}
	t := &target{WouldDelete: map[string]any{}}
	fp := map[string]any{"params": oc.params}
	for _, r := range rms {
		if t.Name == "" && r.Object != nil {
			t.Name = displayName(r.Object)
		}
		key := "removed_by_" + r.Field
		switch {
		case r.Unknown:
			t.WouldDelete[key] = map[string]any{"current": "could not be read: the call replaces whatever exists"}
		case len(r.Removed) > 0:
			items := make([]any, len(r.Removed))
			for i, k := range r.Removed {
				items[i] = k
			}
			t.WouldDelete[key] = countAndNames(items)
		}
		fp[r.Field] = r.Current
	}
	if t.Name == "" {
		t.Name = targetID(oc.params)
	}
	t.Fingerprint = hashJSON(fp)
	if red, _ := s.redactor.JSON(mustJSON(t.WouldDelete)); red != nil {
		var v map[string]any
		if json.Unmarshal(red, &v) == nil {
			t.WouldDelete = v
		}
	}
	return t, nil
}
