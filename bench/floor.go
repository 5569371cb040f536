package main

import (
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/workos-mcp/workos-mcp/authkit"
)

// floorEnv, when set (to "ADDR ISSUER"), makes the harness binary the floor target instead:
// the harness starts itself again so that the floor's CPU is its own process's.
const floorEnv = "WORKOS_MCP_BENCH_FLOOR"

// floorAnswer is the floor's one fixed JSON-RPC result: what the example server's greet answers
// to the harness's call, so that both put the same bytes on the wire.
const floorAnswer = `{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"Hello, bench!"}]}}`

// serveFloor is the floor: bare net/http behind authkit's middleware, reading the request and
// answering floorAnswer. Everything an MCP engine adds is above it.
func serveFloor(addr, issuerURL string) error {
	kit, err := authkit.New(authkit.Config{Issuer: issuerURL, ResourceURL: "http://" + addr + "/mcp"})
	if err != nil {
		return err
	}
	defer kit.Close()
	answer := []byte(floorAnswer)
	mux := http.NewServeMux()
	mux.Handle("/mcp", kit.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(answer)
	})))
	kit.Register(mux)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}
