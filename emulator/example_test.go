package emulator_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/workos-mcp/workos-mcp/emulator"
)

// Run the emulator with the demo seed and call it like the WorkOS API.
func Example() {
	emu, err := emulator.New(context.Background(), emulator.Options{}) // in memory, DefaultSeed
	if err != nil {
		panic(err)
	}
	defer emu.Close()
	srv := httptest.NewServer(emu.Handler())
	defer srv.Close()

	req, _ := http.NewRequest("GET", srv.URL+"/organizations/"+emulator.DemoTeamOrganizationID, nil)
	req.Header.Set("Authorization", "Bearer "+emulator.DemoTeamAPIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, strings.Contains(string(body), `"name":"Demo Team"`))
	// Output: 200 true
}

// Make the next POST /organizations apply and then answer 503, to test a client's retries.
func ExampleEmulator_InjectFault() {
	emu, err := emulator.New(context.Background(), emulator.Options{})
	if err != nil {
		panic(err)
	}
	defer emu.Close()
	remove := emu.InjectFault(emulator.Fault{Method: "POST", Path: "/organizations", Status: 503, Times: 1, AfterApply: true})
	defer remove()
	fmt.Println(len(emu.Environments()))
	// Output: 3
}
