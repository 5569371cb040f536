package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// call is one request being handled.
type call struct {
	e      *Emulator
	r      *http.Request
	t      *tx
	env    Environment
	params map[string]string
	query  url.Values
	body   []byte
}

func (c *call) param(name string) string { return c.params[name] }

// queryList reads an array query parameter in every form WorkOS accepts: the
// spec's form style without explode (name=a,b), repeated (name=a&name=b) and
// bracketed (name[]=a). Empty items are dropped.
func (c *call) queryList(name string) []string {
	var out []string
	for _, k := range []string{name, name + "[]"} {
		for _, v := range c.query[k] {
			for _, item := range strings.Split(v, ",") {
				if item = strings.TrimSpace(item); item != "" {
					out = append(out, item)
				}
			}
		}
	}
	return out
}

// decode reads the JSON body into v; an empty body is an empty object.
func (c *call) decode(v any) error {
	body := bytes.TrimSpace(c.body)
	if len(body) == 0 {
		body = []byte("{}")
	}
	// One JSON value and nothing after it, as a JSON body parser takes it.
	if err := json.Unmarshal(body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return invalidField(te.Field, "invalid_type", fmt.Sprintf("%s must be of type %s.", te.Field, te.Type.String()))
		}
		return invalidParams(fieldError{Field: "body", Code: "invalid_json", Message: "The request body is not valid JSON."})
	}
	return nil
}

// baseURL is the public URL of the API root.
func (c *call) baseURL() string {
	if c.e.opts.BaseURL != "" {
		return strings.TrimRight(c.e.opts.BaseURL, "/")
	}
	scheme := "http"
	if c.r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + c.r.Host
}

// page is a list request's pagination, as WorkOS reads it.
type page struct {
	limit         int
	before, after string
	order         string // "asc" | "desc" | "normal"
}

func (c *call) page() (page, error) {
	p := page{limit: 10, order: "desc"}
	var errs []fieldError
	if v := c.query.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			errs = append(errs, fieldError{Field: "limit", Code: "limit_out_of_range", Message: "limit must be an integer between 1 and 100."})
		} else {
			p.limit = n
		}
	}
	switch v := c.query.Get("order"); v {
	case "", "desc":
	case "asc", "normal":
		p.order = v
	default:
		errs = append(errs, fieldError{Field: "order", Code: "invalid_order", Message: "order must be one of asc, desc, normal."})
	}
	p.before, p.after = c.query.Get("before"), c.query.Get("after")
	if p.before != "" && p.after != "" {
		errs = append(errs, fieldError{Field: "before", Code: "invalid_cursor", Message: "before and after cannot be used together."})
	}
	if len(errs) > 0 {
		return p, invalidParams(errs...)
	}
	return p, nil
}

type listMetadata struct {
	Before *string `json:"before"`
	After  *string `json:"after"`
}

type listBody struct {
	Object       string       `json:"object"`
	Data         any          `json:"data"`
	ListMetadata listMetadata `json:"list_metadata"`
}

// paginate orders items (oldest first, by ID) by the page's order and cuts the page; IDs are
// time-ordered ULIDs, so a cursor works even after its object was deleted. The spec's "normal"
// order lists newest first like "desc" but keeps ascending cursors: before= pages to older
// objects and after= to newer ones (list_metadata points the same way).
func paginate[T any](items []*T, id func(*T) string, p page) listBody {
	if p.order == "normal" {
		asc := p
		asc.order = "asc"
		if p.before == "" && p.after == "" {
			// The first page is the newest objects: the last page of the ascending listing.
			asc.before = "\uffff"
		}
		l := paginate(items, id, asc)
		data := l.Data.([]*T)
		slices.Reverse(data)
		return l
	}
	ordered := make([]*T, len(items))
	copy(ordered, items)
	sort.SliceStable(ordered, func(i, j int) bool {
		if p.order == "asc" {
			return id(ordered[i]) < id(ordered[j])
		}
		return id(ordered[i]) > id(ordered[j])
	})
	// comes reports whether a comes before b in the listing order.
	comes := func(a, b string) bool {
		if p.order == "asc" {
			return a < b
		}
		return a > b
	}
	var window []*T
	switch {
	case p.after != "":
		for _, it := range ordered {
			if comes(p.after, id(it)) {
				window = append(window, it)
			}
		}
		if len(window) > p.limit {
			window = window[:p.limit]
		}
	case p.before != "":
		for _, it := range ordered {
			if comes(id(it), p.before) {
				window = append(window, it)
			}
		}
		if len(window) > p.limit {
			window = window[len(window)-p.limit:]
		}
	default:
		window = ordered
		if len(window) > p.limit {
			window = window[:p.limit]
		}
	}
	meta := listMetadata{}
	if len(window) > 0 {
		first, last := id(window[0]), id(window[len(window)-1])
		for _, it := range ordered {
			if comes(id(it), first) {
				meta.Before = &first
				break
			}
		}
		for _, it := range ordered {
			if comes(last, id(it)) {
				meta.After = &last
				break
			}
		}
	}
	data := make([]*T, len(window))
	copy(data, window)
	return listBody{Object: "list", Data: data, ListMetadata: meta}
}

// rawBody is a response that is not JSON (CSV downloads, redirects).
type rawBody struct {
	contentType string
	data        []byte
	header      http.Header
}
