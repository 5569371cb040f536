package memo_test

import (
	"context"
	"fmt"
	"time"

	"github.com/workos-mcp/workos-mcp/internal/memo"
)

func ExampleCache_Get() {
	roles := memo.New[string, string](memo.Options{TTL: time.Minute, MaxEntries: 1000})
	lookups := 0
	lookUp := func(context.Context) (string, error) {
		lookups++ // the WorkOS call this cache saves
		return "admin", nil
	}
	for range 3 {
		role, err := roles.Get(context.Background(), "org_1\x00user_1", lookUp)
		fmt.Println(role, err)
	}
	fmt.Println(lookups, "look-up")
	// Output:
	// admin <nil>
	// admin <nil>
	// admin <nil>
	// 1 look-up
}
