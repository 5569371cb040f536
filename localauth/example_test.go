package localauth_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/workos-mcp/workos-mcp/localauth"
)

// Run an authorization server in memory, with people from a seed file, and
// read its metadata.
func ExampleNew() {
	dir, err := localauth.SeedDirectory("testdata/team.json")
	if err != nil {
		log.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(nil)
	issuer := "http://" + hs.Listener.Addr().String()
	s, err := localauth.New(context.Background(), localauth.Options{Issuer: issuer, Directory: dir, ClientID: "client_env"})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	hs.Config.Handler = s.Handler()
	hs.Start()
	defer hs.Close()

	resp, err := http.Get(issuer + "/.well-known/oauth-authorization-server")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var m struct {
		Issuer  string   `json:"issuer"`
		PKCE    []string `json:"code_challenge_methods_supported"`
		CIMD    bool     `json:"client_id_metadata_document_supported"`
		ISSResp bool     `json:"authorization_response_iss_parameter_supported"`
	}
	json.NewDecoder(resp.Body).Decode(&m)
	fmt.Println(m.Issuer == issuer, m.PKCE, m.CIMD, m.ISSResp)
	// Output: true [S256] true true
}
