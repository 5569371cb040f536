// Command authkit-server is a custom MCP server built on the official Go
// SDK and protected by WorkOS AuthKit through the authkit package, with the
// tools from WorkOS's own MCP guides. Its tools are added through mcpfast, so
// that tools/list and tools/call skip the SDK's per-request session (about a
// tenth of the CPU per call; docs/benchmarks.md); everything else is the SDK's.
//
// Configuration (environment): AUTHKIT_DOMAIN (https://x.authkit.app),
// BASE_URL (public origin; default http://ADDR), WORKOS_CLIENT_ID,
// WORKOS_API_KEY, WORKOS_API_BASE_URL (default the WorkOS API; the emulator
// under `workos-mcp dev`), ADDR (listen address, default 127.0.0.1:3000).
// MCP is served at /mcp, the metadata at the well-known paths.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/workos-mcp/workos-mcp/authkit"
	"github.com/workos-mcp/workos-mcp/mcpfast"
	"github.com/workos-mcp/workos-mcp/workos"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "authkit-server:", err)
		os.Exit(1)
	}
}

func run() error {
	addr := os.Getenv("ADDR")
	if addr == "" {
		addr = "127.0.0.1:3000"
	}
	if os.Getenv("BASE_URL") == "" {
		_ = os.Setenv("BASE_URL", defaultBaseURL(addr))
	}
	cfg, err := authkit.FromEnv()
	if err != nil {
		return err
	}
	kit, err := authkit.New(cfg)
	if err != nil {
		return err
	}
	defer kit.Close()

	srv := &http.Server{Addr: addr, Handler: newHandler(kit), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	slog.Info("authkit-server listening", "mcp", cfg.ResourceURL, "issuer", cfg.Issuer)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// defaultBaseURL is http://ADDR, with a loopback host when ADDR names none
// (":3000", "0.0.0.0:3000"): a URL needs a host clients can reach.
func defaultBaseURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr // FromEnv reports it as a bad BASE_URL
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// newHandler serves MCP at /mcp behind kit's middleware, and the metadata.
func newHandler(kit *authkit.AuthKit) http.Handler {
	server := newMCPServer(kit)
	mcpHandler := server.Handler(&mcp.StreamableHTTPOptions{Stateless: true, JSONResponse: true})
	mux := http.NewServeMux()
	mux.Handle("/mcp", kit.Middleware(mcpHandler))
	kit.Register(mux)
	return mux
}

// Document is a record owned by an organization (the guide's example data).
type Document struct {
	ID             string `json:"id"`
	Title          string `json:"title"`
	OrganizationID string `json:"organization_id"`
}

var documents = []Document{
	{ID: "doc_1", Title: "Security review", OrganizationID: "org_01ACME"},
	{ID: "doc_2", Title: "Quarterly plan", OrganizationID: "org_01ACME"},
	{ID: "doc_3", Title: "Onboarding notes", OrganizationID: "org_01GLOBEX"},
}

type greetIn struct {
	Name string `json:"name,omitempty" jsonschema:"how to address the person (default: their user ID)"`
}

type greetOut struct {
	Greeting string `json:"greeting"`
}

type empty struct{}

type documentsOut struct {
	OrganizationID string     `json:"organization_id"`
	Documents      []Document `json:"documents"`
}

type userOut struct {
	ID                string `json:"id"`
	Email             string `json:"email"`
	FirstName         string `json:"first_name"`
	LastName          string `json:"last_name"`
	EmailVerified     bool   `json:"email_verified"`
	ProfilePictureURL string `json:"profile_picture_url,omitempty"`
}

type membershipsOut struct {
	Memberships []workos.OrganizationMembership `json:"memberships"`
}

// session returns the caller's Session and a context that carries it (for
// kit.User and kit.Client).
func session(ctx context.Context, req *mcp.CallToolRequest) (context.Context, *authkit.Session, error) {
	s, ok := authkit.SessionFromTokenInfo(req.Extra.TokenInfo)
	if !ok {
		return ctx, nil, errors.New("not authenticated")
	}
	return authkit.ContextWithSession(ctx, s), s, nil
}

func newMCPServer(kit *authkit.AuthKit) *mcpfast.Server {
	s := mcpfast.New(&mcp.Implementation{Name: "authkit-example", Version: "0.1.0"}, nil)
	readOnly := &mcp.ToolAnnotations{ReadOnlyHint: true}

	mcpfast.AddTool(s, &mcp.Tool{Name: "greet", Description: "Greet the signed-in person.", Annotations: readOnly},
		func(ctx context.Context, req *mcp.CallToolRequest, in greetIn) (*mcp.CallToolResult, greetOut, error) {
			_, sess, err := session(ctx, req)
			if err != nil {
				return nil, greetOut{}, err
			}
			name := in.Name
			if name == "" {
				name = sess.UserID
			}
			return nil, greetOut{Greeting: fmt.Sprintf("Hello, %s!", name)}, nil
		})

	mcpfast.AddTool(s, &mcp.Tool{Name: "get-user-info", Description: "The signed-in person's WorkOS user record.", Annotations: readOnly},
		func(ctx context.Context, req *mcp.CallToolRequest, _ empty) (*mcp.CallToolResult, userOut, error) {
			ctx, _, err := session(ctx, req)
			if err != nil {
				return nil, userOut{}, err
			}
			u, err := kit.User(ctx)
			if err != nil {
				return nil, userOut{}, fmt.Errorf("look up user: %w", err)
			}
			return nil, userOut{ID: u.ID, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName,
				EmailVerified: u.EmailVerified, ProfilePictureURL: u.ProfilePictureURL}, nil
		})

	mcpfast.AddTool(s, &mcp.Tool{Name: "get-memberships", Description: "The signed-in person's organization memberships.", Annotations: readOnly},
		func(ctx context.Context, req *mcp.CallToolRequest, _ empty) (*mcp.CallToolResult, membershipsOut, error) {
			ctx, sess, err := session(ctx, req)
			if err != nil {
				return nil, membershipsOut{}, err
			}
			c, err := kit.Client(ctx)
			if err != nil {
				return nil, membershipsOut{}, err
			}
			list, err := c.ListOrganizationMemberships(ctx, workos.ListOrganizationMembershipsParams{UserID: sess.UserID})
			if err != nil {
				return nil, membershipsOut{}, fmt.Errorf("list memberships: %w", err)
			}
			return nil, membershipsOut{Memberships: list.Data}, nil
		})

	mcpfast.AddTool(s, &mcp.Tool{Name: "get-documents", Description: "Documents of the organization the person signed in to.", Annotations: readOnly},
		func(ctx context.Context, req *mcp.CallToolRequest, _ empty) (*mcp.CallToolResult, documentsOut, error) {
			_, sess, err := session(ctx, req)
			if err != nil {
				return nil, documentsOut{}, err
			}
			if sess.OrganizationID == "" {
				return nil, documentsOut{}, errors.New("Organization context required: sign in to an organization to see its documents")
			}
			out := documentsOut{OrganizationID: sess.OrganizationID, Documents: []Document{}}
			for _, d := range documents {
				if d.OrganizationID == sess.OrganizationID {
					out.Documents = append(out.Documents, d)
				}
			}
			return nil, out, nil
		})
	return s
}
