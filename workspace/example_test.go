package workspace_test

import (
	"log"
	"net/http"
	"os"

	"github.com/workos-mcp/workos-mcp/authkit"
	"github.com/workos-mcp/workos-mcp/workspace"
)

// A team that manages a sandbox and a production environment, behind authkit at /mcp.
func Example() {
	ak, err := authkit.New(authkit.Config{
		Issuer:      "https://example.authkit.app",
		ResourceURL: "https://mcp.example.com/mcp",
	})
	if err != nil {
		log.Fatal(err)
	}
	readOnly := false
	ws, err := workspace.New(workspace.Config{
		Teams: []workspace.Team{{
			OrganizationID: "org_01EXAMPLETEAM",
			Name:           "Platform team",
			Settings:       workspace.Settings{AllowWrite: &readOnly}, // reads only, for now
			// The AuthKit environment people sign in to: never writable through the server.
			SignIn: &workspace.SignInEnvironment{APIKey: os.Getenv("WORKOS_API_KEY"), ClientID: "client_01EXAMPLE"},
			Environments: []workspace.Environment{
				{Name: "sandbox", Kind: workspace.KindSandbox, APIKey: os.Getenv("WORKOS_SANDBOX_API_KEY")},
				{Name: "production", Kind: workspace.KindProduction, APIKey: os.Getenv("WORKOS_PRODUCTION_API_KEY")},
			},
		}},
		// Where people approve irreversible operations (mount the console package there).
		ConsoleURL: "https://mcp.example.com/console",
	}, ak)
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	ak.Register(mux) // protected-resource metadata
	mux.Handle("/mcp", ak.Middleware(ws.Handler()))
	_ = http.ListenAndServe // serve mux on 127.0.0.1 or behind your proxy
}
