package redact

import (
	"encoding/json"
	"fmt"
	"testing"
)

// listResponse is a WorkOS-shaped list of n users and n invitations (about
// 20 KB for n = 30), with a few secrets in it.
func listResponse(n int) []byte {
	var data []any
	for i := range n {
		data = append(data, map[string]any{
			"object": "user", "id": fmt.Sprintf("user_01HXYZABCDEFGHJKMNPQRS%04d", i),
			"email": fmt.Sprintf("person%d@example.com", i), "first_name": "Ada", "last_name": "Lovelace",
			"email_verified": true, "profile_picture_url": "https://cdn.example.com/p.png",
			"last_sign_in_at": "2026-01-02T03:04:05.000Z", "external_id": nil,
			"metadata":   map[string]string{"team": "core"},
			"created_at": "2026-01-01T00:00:00.000Z", "updated_at": "2026-01-01T00:00:00.000Z",
		}, map[string]any{
			"object": "invitation", "id": fmt.Sprintf("invitation_01HXYZABCDEFGHJKMNPQ%04d", i),
			"email": "new@example.com", "state": "pending", "token": "Z1uX3RbwcIl5fIGJJJCXXisdI",
			"accept_invitation_url": "https://acme.authkit.app/invite?invitation_token=Z1uX3RbwcIl5fIGJJJCXXisdI",
			"organization_id":       "org_01HXYZABCDEFGHJKMNPQRSTUVW", "expires_at": "2026-01-09T00:00:00.000Z",
		})
	}
	b, _ := json.Marshal(map[string]any{"object": "list", "data": data,
		"list_metadata": map[string]any{"before": nil, "after": "user_01HXYZ"}})
	return b
}

func BenchmarkJSON(b *testing.B) {
	r := New("sk_test_default", "sk_live_default")
	in := listResponse(30)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	reportCPU(b, func() { r.JSON(in) })
}

func BenchmarkText(b *testing.B) {
	r := New("sk_test_default")
	in := string(listResponse(30))
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	reportCPU(b, func() { r.Text(in) })
}

// BenchmarkBaselineValid is json.Valid alone, which JSON pays first.
func BenchmarkBaselineValid(b *testing.B) {
	in := listResponse(30)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	reportCPU(b, func() { json.Valid(in) })
}

// BenchmarkBaselineRoundTrip is the naive alternative to JSON's walker:
// decode into any and encode again (and it would lose member order).
func BenchmarkBaselineRoundTrip(b *testing.B) {
	in := listResponse(30)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	reportCPU(b, func() {
		var v any
		_ = json.Unmarshal(in, &v)
		_, _ = json.Marshal(v)
	})
}

func TestBenchmarkInputSize(t *testing.T) {
	in := listResponse(30)
	if len(in) < 15000 || len(in) > 25000 {
		t.Fatalf("benchmark input is %d bytes, want about 20 KB", len(in))
	}
	out, n := New().JSON(in)
	if n != 60 || !json.Valid(out) {
		t.Fatalf("redactions %d", n)
	}
}
