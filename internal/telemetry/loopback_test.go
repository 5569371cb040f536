package telemetry

import "testing"

func TestIsLoopbackHost(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "LOCALHOST": true, "LocalHost": true, "localhost.": true, "app.localhost": true,
		"APP.LOCALHOST": true, "127.0.0.1": true, "127.1.2.3": true, "::1": true, "[::1]": true,
		"localhost:8080": true, "[::1]:8080": true,
		"localhost.evil.example": false, "evillocalhost": false, "example.com": false, "10.0.0.1": false,
		"0.0.0.0": false, "": false, "LOCALHOST.EVIL.EXAMPLE": false,
	} {
		if got := IsLoopbackHost(host); got != want {
			t.Errorf("IsLoopbackHost(%q) = %v, want %v", host, got, want)
		}
	}
}
