package main

import (
	"net"

	"github.com/workos-mcp/workos-mcp/internal/datadir"
	"github.com/workos-mcp/workos-mcp/internal/devstack"
)

// listenLocked opens addr and, given a data directory, takes its lock, so that `dev` and
// `emulate` start the same way: one server per data directory, a second one failing here and
// naming the first. baseURL is base, or the listener's own URL when base is empty. release
// frees the lock and then closes the listener; it is set whenever err is nil.
func listenLocked(addr, base, data string) (ln net.Listener, baseURL string, release func(), err error) {
	ln, err = devstack.Listen(addr)
	if err != nil {
		return nil, "", nil, err
	}
	baseURL = base
	if baseURL == "" {
		baseURL = "http://" + ln.Addr().String()
	}
	if data == "" {
		return ln, baseURL, func() { ln.Close() }, nil
	}
	lock, err := datadir.Acquire(data, baseURL)
	if err != nil {
		ln.Close()
		return nil, "", nil, err
	}
	return ln, baseURL, func() { lock.Close(); ln.Close() }, nil
}
