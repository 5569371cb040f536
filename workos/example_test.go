package workos_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/workos-mcp/workos-mcp/workos"
)

func ExampleClient_Do() {
	c := workos.New(workos.Options{
		BaseURL: "http://127.0.0.1:8080/workos", // the dev stack's emulator; default https://api.workos.com
		APIKey:  "sk_test_default",
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var org workos.Organization
	_, err := c.Do(ctx, "POST", "/organizations", nil, map[string]any{"name": "Acme"}, &org)
	var apiErr *workos.Error
	switch {
	case errors.As(err, &apiErr):
		fmt.Println("WorkOS said", apiErr.StatusCode, apiErr.Code, "request", apiErr.RequestID)
	case err != nil:
		fmt.Println("transport:", err)
	default:
		fmt.Println("created", org.ID)
	}
}

func ExampleListAll() {
	c := workos.New(workos.Options{APIKey: "sk_test_default"})
	q := url.Values{"organization_id": {"org_01EHZNVPK3SFK441A1RGBFSHRT"}}
	users, err := workos.ListAll[workos.User](context.Background(), c, "/user_management/users", q, 500)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(users), "users")
}

func ExampleWithIdempotencyKey() {
	c := workos.New(workos.Options{APIKey: "sk_test_default"})
	// The same key on a second submission (say, after a crash) creates nothing new.
	ctx := workos.WithIdempotencyKey(context.Background(), "onboard-acme-2026-01-02")
	_, err := c.Do(ctx, "POST", "/organizations", nil, map[string]any{"name": "Acme"}, nil)
	fmt.Println(err == nil)
}

func ExamplePaginate() {
	c := workos.New(workos.Options{APIKey: "sk_test_default"})
	ctx := context.Background()
	q := url.Values{"limit": {"100"}}
	var names []string
	// At most 5 pages; stop early once 20 names are in.
	more, err := workos.Paginate(ctx, 5, func(ctx context.Context, cursor string) ([]workos.Organization, string, error) {
		if cursor != "" {
			q.Set("after", cursor)
		}
		var page workos.List[workos.Organization]
		if _, err := c.Do(ctx, "GET", "/organizations", q, nil, &page); err != nil {
			return nil, "", err
		}
		return page.Data, page.ListMetadata.After, nil
	}, func(orgs []workos.Organization) bool {
		for _, o := range orgs {
			names = append(names, o.Name)
		}
		return len(names) < 20
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(names), "organizations; more pages:", more)
}
