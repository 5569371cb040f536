package workos

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// pagedItems answers a list endpoint over n items ("obj_0001"…) in ascending
// order with WorkOS cursor semantics for after.
func pagedItems(n int) func(int, *http.Request, []byte) (int, http.Header, string) {
	return func(_ int, r *http.Request, _ []byte) (int, http.Header, string) {
		q := r.URL.Query()
		limit := 10
		if v := q.Get("limit"); v != "" {
			limit, _ = strconv.Atoi(v)
		}
		start := 0
		if a := q.Get("after"); a != "" {
			start, _ = strconv.Atoi(strings.TrimPrefix(a, "obj_"))
		}
		end := min(start+limit, n)
		type item struct {
			ID string `json:"id"`
		}
		var page List[item]
		page.Object = "list"
		page.Data = []item{}
		for i := start + 1; i <= end; i++ {
			page.Data = append(page.Data, item{fmt.Sprintf("obj_%04d", i)})
		}
		if end < n {
			page.ListMetadata.After = fmt.Sprintf("obj_%04d", end)
		}
		if start > 0 {
			page.ListMetadata.Before = fmt.Sprintf("obj_%04d", start+1)
		}
		b, _ := json.Marshal(page)
		// Real WorkOS sends null for an absent cursor.
		return 200, nil, strings.ReplaceAll(string(b), `""`, `null`)
	}
}

type obj struct {
	ID string `json:"id"`
}

func TestListAll(t *testing.T) {
	c, rc := newTestClient(t, pagedItems(250), Options{})
	got, err := ListAll[obj](context.Background(), c, "/organizations", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 250 || got[0].ID != "obj_0001" || got[249].ID != "obj_0250" {
		t.Fatalf("got %d items", len(got))
	}
	if rc.count() != 3 {
		t.Fatalf("pages %d, want 3", rc.count())
	}
	if q := rc.get(1).Query; q != "after=obj_0100&limit=100" {
		t.Fatalf("second page query %q", q)
	}
}

func TestListAllMaxAndLimit(t *testing.T) {
	c, rc := newTestClient(t, pagedItems(250), Options{})
	got, err := ListAll[obj](context.Background(), c, "/organizations", map[string][]string{"limit": {"20"}, "order": {"asc"}}, 45)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 45 || got[44].ID != "obj_0045" || rc.count() != 3 {
		t.Fatalf("got %d items in %d pages", len(got), rc.count())
	}
	if q := rc.get(0).Query; q != "limit=20&order=asc" {
		t.Fatalf("first query %q", q)
	}
}

func TestListAllRepeatedCursor(t *testing.T) {
	c, rc := newTestClient(t, func(int, *http.Request, []byte) (int, http.Header, string) {
		return 200, nil, `{"object":"list","data":[{"id":"a"}],"list_metadata":{"before":null,"after":"a"}}`
	}, Options{})
	_, err := ListAll[obj](context.Background(), c, "/x", nil, 0)
	if err == nil || !strings.Contains(err.Error(), "repeated") {
		t.Fatalf("err %v", err)
	}
	if rc.count() != 2 {
		t.Fatalf("pages %d", rc.count())
	}
}

func TestListAllError(t *testing.T) {
	c, _ := newTestClient(t, func(n int, r *http.Request, _ []byte) (int, http.Header, string) {
		if n == 0 {
			return pagedItems(150)(n, r, nil)
		}
		return 404, nil, `{"code":"entity_not_found","message":"gone"}`
	}, Options{})
	got, err := ListAll[obj](context.Background(), c, "/x", nil, 0)
	if !errors.Is(err, ErrNotFound) || len(got) != 100 {
		t.Fatalf("err %v, %d items", err, len(got))
	}
}

func TestTypedHelpers(t *testing.T) {
	c, rc := newTestClient(t, func(n int, r *http.Request, body []byte) (int, http.Header, string) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/user_management/users/"):
			return 200, nil, `{"object":"user","id":"user_01A","email":"a@example.com","first_name":"Ada","last_name":null,"email_verified":true,"metadata":{"k":"v"},"created_at":"2026-01-01T00:00:00.000Z"}`
		case r.URL.Path == "/user_management/organization_memberships":
			return 200, nil, `{"object":"list","data":[{"object":"organization_membership","id":"om_01","user_id":"user_01A","organization_id":"org_01","organization_name":"Team","status":"active","role":{"slug":"admin"},"roles":[{"slug":"admin"}]}],"list_metadata":{"before":null,"after":null}}`
		case strings.HasPrefix(r.URL.Path, "/organizations/"):
			return 200, nil, `{"object":"organization","id":"org_01","name":"Team","domains":[{"object":"organization_domain","id":"org_domain_01","domain":"example.com","state":"verified","verification_strategy":"dns","organization_id":"org_01"}]}`
		case r.URL.Path == "/audit_logs/events":
			return 201, nil, `{"success":true}`
		}
		return 404, nil, `{}`
	}, Options{})
	ctx := context.Background()
	u, err := c.GetUser(ctx, "user_01A")
	if err != nil || u.Email != "a@example.com" || u.FirstName != "Ada" || !u.EmailVerified || u.Metadata["k"] != "v" {
		t.Fatalf("user %+v %v", u, err)
	}
	ms, err := c.ListOrganizationMemberships(ctx, ListOrganizationMembershipsParams{ListParams: ListParams{Limit: 5}, UserID: "user_01A", Statuses: []string{"active", "pending"}})
	if err != nil || len(ms.Data) != 1 || ms.Data[0].Role.Slug != "admin" || ms.Data[0].OrganizationName != "Team" {
		t.Fatalf("memberships %+v %v", ms, err)
	}
	if q := rc.get(1).Query; q != "limit=5&statuses=active%2Cpending&user_id=user_01A" {
		t.Fatalf("membership query %q", q)
	}
	o, err := c.GetOrganization(ctx, "org_01")
	if err != nil || len(o.Domains) != 1 || o.Domains[0].State != "verified" {
		t.Fatalf("org %+v %v", o, err)
	}
	ev := AuditLogEvent{Action: "workspace.query", OccurredAt: "2026-01-01T00:00:00Z", Actor: AuditLogActor{ID: "user_01A", Type: "user"}, Context: AuditLogContext{Location: "127.0.0.1"}}
	if err := c.CreateAuditLogEvent(ctx, "org_01", ev, "key-1"); err != nil {
		t.Fatal(err)
	}
	got := rc.get(3)
	if got.Header.Get("Idempotency-Key") != "key-1" || !strings.Contains(got.Body, `"organization_id":"org_01"`) || !strings.Contains(got.Body, `"targets":[]`) {
		t.Fatalf("audit request %+v", got)
	}
	// Bad input is refused before anything is sent.
	before := rc.count()
	if _, err := c.GetUser(ctx, ""); err == nil {
		t.Error("empty user ID accepted")
	}
	if _, err := c.ListOrganizationMemberships(ctx, ListOrganizationMembershipsParams{}); err == nil {
		t.Error("unfiltered membership list accepted")
	}
	if err := c.CreateAuditLogEvent(ctx, "org_01", AuditLogEvent{}, ""); err == nil {
		t.Error("empty event accepted")
	}
	if rc.count() != before {
		t.Fatal("bad input reached the server")
	}
	// An ID cannot address another path: it is refused before anything is sent (issue 9;
	// this test used to accept it as one escaped segment).
	for _, id := range []string{"../organizations/org_01", "..", "a b"} {
		if _, err := c.GetUser(ctx, id); !errors.Is(err, ErrInvalidPath) {
			t.Errorf("GetUser(%q): %v, want ErrInvalidPath", id, err)
		}
		if _, err := c.GetOrganization(ctx, id); !errors.Is(err, ErrInvalidPath) {
			t.Errorf("GetOrganization(%q): %v, want ErrInvalidPath", id, err)
		}
	}
	if rc.count() != before {
		t.Fatal("a hostile ID reached the server")
	}
}

// pages serves fetch from a fixed list of pages; the cursor of page i is "c<i>".
func pages(t *testing.T, ps ...[]string) (func(context.Context, string) ([]string, string, error), *[]string) {
	var cursors []string
	return func(_ context.Context, cursor string) ([]string, string, error) {
		cursors = append(cursors, cursor)
		i := 0
		if cursor != "" {
			i, _ = strconv.Atoi(strings.TrimPrefix(cursor, "c"))
		}
		if i >= len(ps) {
			t.Fatalf("page %d fetched, only %d exist", i, len(ps))
		}
		next := ""
		if i+1 < len(ps) {
			next = fmt.Sprintf("c%d", i+1)
		}
		return ps[i], next, nil
	}, &cursors
}

func TestPaginate(t *testing.T) {
	collect := func(all *[]string) func([]string) bool {
		return func(items []string) bool { *all = append(*all, items...); return true }
	}
	t.Run("to the end", func(t *testing.T) {
		fetch, cursors := pages(t, []string{"a", "b"}, []string{"c"})
		var all []string
		more, err := Paginate(context.Background(), 5, fetch, collect(&all))
		if err != nil || more || strings.Join(all, ",") != "a,b,c" || strings.Join(*cursors, ",") != ",c1" {
			t.Fatalf("more %v err %v items %v cursors %q", more, err, all, *cursors)
		}
	})
	t.Run("empty page ends the walk whatever its cursor", func(t *testing.T) {
		fetch, cursors := pages(t, []string{"a"}, nil, []string{"never"})
		var all []string
		more, err := Paginate(context.Background(), 5, fetch, collect(&all))
		if err != nil || more || len(all) != 1 || len(*cursors) != 2 {
			t.Fatalf("more %v err %v items %v cursors %q", more, err, all, *cursors)
		}
	})
	t.Run("page bound reports more", func(t *testing.T) {
		fetch, cursors := pages(t, []string{"a"}, []string{"b"}, []string{"c"})
		var all []string
		more, err := Paginate(context.Background(), 2, fetch, collect(&all))
		if err != nil || !more || strings.Join(all, ",") != "a,b" || len(*cursors) != 2 {
			t.Fatalf("more %v err %v items %v cursors %q", more, err, all, *cursors)
		}
	})
	t.Run("last page within the bound is not more", func(t *testing.T) {
		fetch, _ := pages(t, []string{"a"}, []string{"b"})
		more, err := Paginate(context.Background(), 2, fetch, func([]string) bool { return true })
		if err != nil || more {
			t.Fatalf("more %v err %v", more, err)
		}
	})
	t.Run("a bound below one reads one page", func(t *testing.T) {
		fetch, cursors := pages(t, []string{"a"}, []string{"b"})
		more, err := Paginate(context.Background(), 0, fetch, func([]string) bool { return true })
		if err != nil || !more || len(*cursors) != 1 {
			t.Fatalf("more %v err %v cursors %q", more, err, *cursors)
		}
	})
	t.Run("visit stops the walk", func(t *testing.T) {
		fetch, cursors := pages(t, []string{"a"}, []string{"b"}, []string{"c"})
		more, err := Paginate(context.Background(), 5, fetch, func([]string) bool { return false })
		if err != nil || more || len(*cursors) != 1 {
			t.Fatalf("more %v err %v cursors %q", more, err, *cursors)
		}
	})
	t.Run("fetch error returned as is after the pages before it", func(t *testing.T) {
		boom := errors.New("boom")
		var all []string
		more, err := Paginate(context.Background(), 5, func(_ context.Context, cursor string) ([]string, string, error) {
			if cursor == "" {
				return []string{"a"}, "c1", nil
			}
			return nil, "", boom
		}, collect(&all))
		if err != boom || more || len(all) != 1 {
			t.Fatalf("more %v err %v items %v", more, err, all)
		}
	})
	t.Run("repeated cursor", func(t *testing.T) {
		n := 0
		_, err := Paginate(context.Background(), 100, func(context.Context, string) ([]string, string, error) {
			n++
			return []string{"a"}, "same", nil
		}, func([]string) bool { return true })
		if !errors.Is(err, ErrCursorRepeated) || n != 2 {
			t.Fatalf("err %v after %d pages", err, n)
		}
	})
	t.Run("context reaches fetch", func(t *testing.T) {
		type key struct{}
		ctx := context.WithValue(context.Background(), key{}, "v")
		_, _ = Paginate(ctx, 1, func(ctx context.Context, _ string) ([]string, string, error) {
			if ctx.Value(key{}) != "v" {
				t.Fatal("fetch did not get the walk's context")
			}
			return nil, "", nil
		}, func([]string) bool { return true })
	})
}
