package localauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Client ID Metadata Documents
// (https://datatracker.ietf.org/doc/draft-ietf-oauth-client-id-metadata-document/):
// an https client_id is a URL whose JSON document describes the client.
const (
	cimdMaxBytes = 32 << 10
	cimdTimeout  = 5 * time.Second
	cimdTTL      = 5 * time.Minute
	cimdMaxCache = 1000
)

type cimdFetcher struct {
	hc            *http.Client
	allowLoopback bool
	timeout       time.Duration // per fetch; tests shorten it

	mu    sync.Mutex
	cache map[string]cimdEntry
}

type cimdEntry struct {
	c   *client
	exp time.Time
}

// blockedPrefixes are never fetched: link-local (cloud metadata lives at
// 169.254.169.254 and fd00:ec2::254), private networks, CGNAT (Alibaba's
// metadata at 100.100.100.200), unspecified, multicast and broadcast.
var blockedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("224.0.0.0/3"),
	netip.MustParsePrefix("::/128"),
	// IPv6 forms that carry an IPv4 address a gateway would reach for us:
	// NAT64 (RFC 6052, RFC 8215) and 6to4.
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("2002::/16"),
	netip.MustParsePrefix("fc00::/7"),
	netip.MustParsePrefix("fe80::/10"),
	netip.MustParsePrefix("ff00::/8"),
}

var loopbackPrefixes = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// addrAllowed decides at dial time, on the resolved address, so that DNS
// rebinding cannot slip a forbidden address past an earlier check.
func addrAllowed(ip netip.Addr, allowLoopback bool) bool {
	ip = ip.Unmap()
	for _, p := range loopbackPrefixes {
		if p.Contains(ip) {
			return allowLoopback
		}
	}
	for _, p := range blockedPrefixes {
		if p.Contains(ip) {
			return false
		}
	}
	return ip.IsValid()
}

func newCIMDFetcher(base *http.Client, allowLoopback bool) *cimdFetcher {
	dialer := &net.Dialer{
		Timeout: cimdTimeout,
		Control: func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("refusing to dial %q", address)
			}
			if !addrAllowed(ap.Addr(), allowLoopback) {
				return fmt.Errorf("refusing to fetch from the non-public address %s", ap.Addr())
			}
			return nil
		},
	}
	var tr *http.Transport
	if base != nil {
		if t, ok := base.Transport.(*http.Transport); ok {
			tr = t.Clone()
		}
	}
	if tr == nil {
		tr = http.DefaultTransport.(*http.Transport).Clone()
	}
	// A proxy, or a custom dialer carried over from base, would connect on
	// our behalf, past the address check.
	tr.Proxy = nil
	tr.DialContext = dialer.DialContext
	tr.DialTLSContext = nil
	tr.Dial = nil
	tr.DialTLS = nil
	hc := &http.Client{
		Transport: tr,
		Timeout:   cimdTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return errors.New("client metadata documents must be served without redirects")
		},
	}
	return &cimdFetcher{hc: hc, allowLoopback: allowLoopback, timeout: cimdTimeout, cache: map[string]cimdEntry{}}
}

// validateClientIDURL applies the draft's rules to the URL itself.
func validateClientIDURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("client_id is not a valid URL")
	}
	switch {
	case u.Scheme != "https":
		return errors.New("a client_id URL must use https")
	case u.Host == "":
		return errors.New("a client_id URL must have a host")
	case u.User != nil:
		return errors.New("a client_id URL must not contain user information")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return errors.New("a client_id URL must not contain a fragment")
	case u.Path == "" || u.Path == "/":
		return errors.New("a client_id URL must have a path")
	}
	for _, seg := range strings.Split(u.Path, "/") {
		if seg == "." || seg == ".." {
			return errors.New("a client_id URL must not contain dot segments")
		}
	}
	return nil
}

func (f *cimdFetcher) fetch(ctx context.Context, id string) (*client, error) {
	if err := validateClientIDURL(id); err != nil {
		return nil, &clientError{err.Error()}
	}
	f.mu.Lock()
	e, ok := f.cache[id]
	f.mu.Unlock()
	if ok && time.Now().Before(e.exp) {
		return e.c, nil
	}
	c, err := f.fetchUncached(ctx, id)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	if len(f.cache) >= cimdMaxCache {
		clear(f.cache)
	}
	f.cache[id] = cimdEntry{c: c, exp: time.Now().Add(cimdTTL)}
	f.mu.Unlock()
	return c, nil
}

func (f *cimdFetcher) fetchUncached(ctx context.Context, id string) (*client, error) {
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, id, nil)
	if err != nil {
		return nil, &clientError{"client_id is not a fetchable URL"}
	}
	req.Header.Set("Accept", "application/json")
	resp, err := f.hc.Do(req)
	if err != nil {
		return nil, &clientError{"could not fetch the client metadata document: " + fetchErrorReason(err)}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &clientError{fmt.Sprintf("the client metadata document answered HTTP %d", resp.StatusCode)}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, cimdMaxBytes+1))
	if err != nil {
		return nil, &clientError{"could not read the client metadata document"}
	}
	if len(body) > cimdMaxBytes {
		return nil, &clientError{fmt.Sprintf("the client metadata document is larger than %d bytes", cimdMaxBytes)}
	}
	var doc struct {
		ClientID string `json:"client_id"`
		registration
		ClientSecret string `json:"client_secret"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, &clientError{"the client metadata document is not valid JSON client metadata"}
	}
	if doc.ClientID != id {
		return nil, &clientError{"the client metadata document's client_id does not match its URL"}
	}
	if doc.ClientSecret != "" {
		return nil, &clientError{"a client metadata document must not contain a client_secret"}
	}
	if doc.TokenEndpointAuthMethod == "" {
		doc.TokenEndpointAuthMethod = "none"
	}
	if doc.TokenEndpointAuthMethod != "none" {
		return nil, &clientError{fmt.Sprintf("token_endpoint_auth_method %q is not supported for client metadata documents (none)", doc.TokenEndpointAuthMethod)}
	}
	if code, desc := doc.registration.validate(); code != "" {
		return nil, &clientError{"the client metadata document is invalid: " + desc}
	}
	// The name is the client's own claim; the host is what the person can trust.
	u, _ := url.Parse(id)
	name := u.Host
	if doc.ClientName != "" {
		name = doc.ClientName + " (" + u.Host + ")"
	}
	return &client{ID: id, Name: name, RedirectURIs: doc.RedirectURIs, AuthMethod: "none", GrantTypes: doc.GrantTypes, CIMD: true}, nil
}

// fetchErrorReason keeps the useful part of a transport error without
// echoing URLs back.
func fetchErrorReason(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out"
	}
	msg := err.Error()
	if i := strings.Index(msg, "refusing to"); i >= 0 {
		return msg[i:]
	}
	return msg
}
