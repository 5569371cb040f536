package authkit

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Well-known paths (RFC 9728 §3, RFC 8414 §3).
const (
	ProtectedResourceMetadataPath   = "/.well-known/oauth-protected-resource"
	AuthorizationServerMetadataPath = "/.well-known/oauth-authorization-server"
)

// metadataRetryBackoff is how long a failed upstream fetch is not retried
// while a stale copy is served.
const metadataRetryBackoff = 10 * time.Second

// protectedResourceMetadata is the RFC 9728 §2 document.
type protectedResourceMetadata struct {
	Resource               string   `json:"resource"`
	AuthorizationServers   []string `json:"authorization_servers"`
	BearerMethodsSupported []string `json:"bearer_methods_supported"`
	ScopesSupported        []string `json:"scopes_supported,omitempty"`
	ResourceDocumentation  string   `json:"resource_documentation,omitempty"`
}

// asMetadata is the authorization server's RFC 8414 document as fetched:
// raw is served byte for byte, so every field is kept.
type asMetadata struct {
	raw     []byte
	jwksURI string
	fetched time.Time
}

type metadataCache struct {
	mu          sync.Mutex
	doc         *asMetadata
	lastAttempt time.Time
	lastErr     error
	inflight    *fetchCall
	warned      bool
}

// metadata returns the authorization server metadata, fetching it when it is
// older than MetadataTTL; a stale copy is served when upstream fails.
func (a *AuthKit) metadata(ctx context.Context) (*asMetadata, error) {
	m := &a.meta
	m.mu.Lock()
	doc := m.doc
	if doc != nil && time.Since(doc.fetched) < a.cfg.MetadataTTL {
		m.mu.Unlock()
		return doc, nil
	}
	if c := m.inflight; c != nil {
		m.mu.Unlock()
		if doc != nil {
			return doc, nil // someone is refreshing; stale is fine meanwhile
		}
		select {
		case <-c.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		m.mu.Lock()
		doc, err := m.doc, m.lastErr
		m.mu.Unlock()
		if doc != nil {
			return doc, nil
		}
		return nil, err
	}
	backoff := metadataRetryBackoff
	if doc == nil {
		backoff = failureBackoff
	}
	if m.lastErr != nil && time.Since(m.lastAttempt) < backoff {
		err := m.lastErr
		m.mu.Unlock()
		if doc != nil {
			return doc, nil
		}
		return nil, err
	}
	c := &fetchCall{done: make(chan struct{})}
	m.inflight = c
	m.lastAttempt = time.Now()
	m.mu.Unlock()

	fctx, cancel := context.WithTimeout(a.ctx, 30*time.Second)
	fresh, err := a.fetchMetadata(fctx)
	cancel()

	m.mu.Lock()
	m.inflight = nil
	m.lastErr = err
	if err == nil {
		m.doc = fresh
	}
	doc = m.doc
	m.mu.Unlock()
	close(c.done)
	if err != nil {
		a.cfg.Logger.Warn("authkit: authorization server metadata fetch failed", "err", err, "serving_stale", doc != nil)
		if doc != nil {
			return doc, nil
		}
		return nil, err
	}
	return doc, nil
}

func (a *AuthKit) fetchMetadata(ctx context.Context) (*asMetadata, error) {
	// RFC 8414 §3.1 first; issuers that are only OpenID providers publish
	// the same fields at the OIDC discovery URL.
	origin := a.issuerURL.Scheme + "://" + a.issuerURL.Host
	path := strings.TrimSuffix(a.issuerURL.EscapedPath(), "/")
	var body []byte
	var err error
	for _, uri := range []string{origin + AuthorizationServerMetadataPath + path, origin + path + "/.well-known/openid-configuration"} {
		if body, err = getJSON(ctx, a.cfg.HTTPClient, uri); err == nil {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, errors.New("authorization server metadata is not a JSON object")
	}
	if doc.Issuer != a.cfg.Issuer {
		a.meta.mu.Lock()
		warn := !a.meta.warned
		a.meta.warned = true
		a.meta.mu.Unlock()
		if warn {
			a.cfg.Logger.Warn("authkit: metadata issuer differs from Config.Issuer; clients compare them as strings",
				"metadata_issuer", doc.Issuer, "config_issuer", a.cfg.Issuer)
		}
	}
	out := &asMetadata{raw: body, fetched: time.Now()}
	if doc.JWKSURI != "" {
		if _, err := parseIssuer(doc.JWKSURI); err == nil {
			out.jwksURI = doc.JWKSURI
		}
	}
	return out, nil
}

// jwksURI is the metadata's jwks_uri, else <issuer>/oauth2/jwks (AuthKit's).
func (a *AuthKit) jwksURI(ctx context.Context) string {
	if doc, err := a.metadata(ctx); err == nil && doc.jwksURI != "" {
		return doc.jwksURI
	}
	return strings.TrimSuffix(a.cfg.Issuer, "/") + "/oauth2/jwks"
}

// ProtectedResourceMetadataURL is the absolute URL of the path-suffixed
// RFC 9728 document, as sent in challenges' resource_metadata.
func (a *AuthKit) ProtectedResourceMetadataURL() string { return a.prmURL }

// ProtectedResourceMetadataPaths are the paths the document is served at:
// the root well-known path and the one suffixed with the resource's path.
func (a *AuthKit) ProtectedResourceMetadataPaths() []string {
	paths := []string{ProtectedResourceMetadataPath}
	if p := strings.TrimSuffix(a.resourceURL.EscapedPath(), "/"); p != "" {
		paths = append(paths, ProtectedResourceMetadataPath+p)
	}
	return paths
}

// ProtectedResourceMetadataHandler serves the RFC 9728 document, whatever
// the path it is mounted at (mount it at ProtectedResourceMetadataPaths).
func (a *AuthKit) ProtectedResourceMetadataHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !metadataPreamble(w, r) {
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "public, max-age=300")
		_, _ = w.Write(a.prmJSON)
	})
}

// AuthorizationServerMetadataHandler passes the issuer's RFC 8414 document
// through unchanged for clients that look for it on the resource's origin.
// It is cached for MetadataTTL and served stale when the issuer fails; when
// it was never fetched the answer is 502 with a JSON error.
func (a *AuthKit) AuthorizationServerMetadataHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !metadataPreamble(w, r) {
			return
		}
		doc, err := a.metadata(r.Context())
		if err != nil {
			writeJSONError(w, http.StatusBadGateway, "temporarily_unavailable",
				"the authorization server's metadata could not be fetched")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "public, max-age=300")
		_, _ = w.Write(doc.raw)
	})
}

// Register mounts the protected resource metadata at both well-known paths
// and the authorization server metadata pass-through on mux.
func (a *AuthKit) Register(mux *http.ServeMux) {
	a.RegisterProtectedResourceMetadata(mux)
	mux.Handle(AuthorizationServerMetadataPath, a.AuthorizationServerMetadataHandler())
}

// RegisterProtectedResourceMetadata mounts only the RFC 9728 document, for
// origins where the authorization server serves its own metadata.
func (a *AuthKit) RegisterProtectedResourceMetadata(mux *http.ServeMux) {
	h := a.ProtectedResourceMetadataHandler()
	for _, p := range a.ProtectedResourceMetadataPaths() {
		mux.Handle(p, h)
	}
}

// metadataPreamble sets CORS headers (metadata is public, RFC 9728 §3.1),
// answers preflights and refuses methods other than GET and HEAD.
func metadataPreamble(w http.ResponseWriter, r *http.Request) bool {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Content-Type, Authorization, MCP-Protocol-Version")
	h.Set("Access-Control-Max-Age", "86400")
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		return true
	case http.MethodOptions:
		w.WriteHeader(http.StatusNoContent)
		return false
	}
	h.Set("Allow", "GET, HEAD, OPTIONS")
	writeJSONError(w, http.StatusMethodNotAllowed, "invalid_request", "only GET is supported")
	return false
}

func writeJSONError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	b, _ := json.Marshal(struct {
		Error            string `json:"error"`
		ErrorDescription string `json:"error_description,omitempty"`
	}{code, desc})
	_, _ = w.Write(b)
}

// prmLocation returns the absolute URL of the path-suffixed document for
// resource (RFC 9728 §3.1: the well-known segment goes before the path).
func prmLocation(resource *url.URL) string {
	return resource.Scheme + "://" + resource.Host + ProtectedResourceMetadataPath + strings.TrimSuffix(resource.EscapedPath(), "/")
}
