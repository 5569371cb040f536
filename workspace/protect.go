package workspace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/workos-mcp/workos-mcp/workos"
	"github.com/workos-mcp/workos-mcp/workspace/catalog"
)

// The team is protected by identity, not by key strings or names. Which managed environment is
// the team's sign-in environment is established by observation: with the managed environment's
// own key, GET /organizations/{team organization}. WorkOS object IDs are unique across
// environments, so 200 means the key reaches the sign-in environment, 404 means another
// environment, and any other answer means protection cannot be established (writes there are
// refused until it can). The sign-in environment is first checked to hold the team's
// organization with its own key: without that, a wrong organization ID would make every
// environment look like "another".

// DefaultProtectionRetry is how long an environment whose identity could not be established is
// left alone before the next attempt; writes there are refused meanwhile.
const DefaultProtectionRetry = 5 * time.Second

// identity is what the server knows about one environment.
type identity int

const (
	identityUnknown identity = iota // not established (not tried yet, or the last try failed)
	identityOther                   // established: not the team's sign-in environment
	identitySignIn                  // established: the team's sign-in environment
)

// envIdentity caches the identity of one environment of one team (or, with env empty, whether
// the team's sign-in environment holds the team's organization).
type envIdentity struct {
	mu      sync.Mutex
	state   identity
	reason  string    // why the state is what it is (no secret)
	checked time.Time // last attempt; zero: never tried
}

// ErrProtection refuses a write that could change the team's own sign-in environment or
// organization, or whose environment's identity could not be established.
var ErrProtection = errors.New("the team's own organization and sign-in environment are protected")

// Protection is what EstablishProtection found for one managed environment.
type Protection struct {
	// Team is the team's organization ID; Environment the managed environment's name.
	Team, Environment string
	// SignIn reports that the environment is the team's sign-in environment: it stays
	// read-only through this server.
	SignIn bool
	// Reason says how the identity was established.
	Reason string
}

// EstablishProtection establishes, for every team, that its sign-in environment holds its
// organization and which of its managed environments is the sign-in one, and caches the
// answers. The error names every team and environment whose protection cannot be established,
// or that uses the sign-in environment's API key, with the reason; serve refuses to start on
// it. Environments found to be a sign-in environment under another key are returned with SignIn
// set: they stay read-only.
func (s *Server) EstablishProtection(ctx context.Context) ([]Protection, error) {
	var found []Protection
	var errs []error
	for _, org := range sortedKeys(s.teams) {
		t := s.teams[org]
		if t.SignIn != nil {
			for i := range t.Environments {
				if t.Environments[i].APIKey == t.SignIn.APIKey {
					errs = append(errs, fmt.Errorf("team %s: environment %q uses the sign-in environment's API key: the team's sign-in environment cannot be managed through this server (remove the environment, or give it its own key to read it, read-only)", org, t.Environments[i].Name))
				}
			}
		}
		if err := s.signInHoldsTeam(ctx, t); err != nil {
			errs = append(errs, fmt.Errorf("team %s: %w", org, err))
			continue
		}
		for i := range t.Environments {
			env := &t.Environments[i]
			id, reason := s.identityOf(ctx, t, env, true)
			switch id {
			case identityUnknown:
				errs = append(errs, fmt.Errorf("team %s: environment %q: protection cannot be established: %s", org, env.Name, reason))
			case identitySignIn:
				found = append(found, Protection{Team: org, Environment: env.Name, SignIn: true, Reason: reason})
			default:
				found = append(found, Protection{Team: org, Environment: env.Name, Reason: reason})
			}
		}
	}
	return found, errors.Join(errs...)
}

// writable refuses a write in the team's sign-in environment, or in an environment whose
// identity is not established (it is tried again at most every few seconds).
func (s *Server) writable(ctx context.Context, t *Team, env *Environment) error {
	if err := s.signInHoldsTeam(ctx, t); err != nil {
		return fmt.Errorf("%w: writes are refused until the server can tell the team's sign-in environment apart from the managed ones: %s", ErrProtection, err)
	}
	switch id, reason := s.identityOf(ctx, t, env, false); id {
	case identitySignIn:
		return fmt.Errorf("%w: environment %q is the team's own sign-in environment (%s), where MCP access is decided; nothing in it is writable through this server; change it in the WorkOS dashboard", ErrProtection, env.Name, reason)
	case identityUnknown:
		return fmt.Errorf("%w: environment %q: the server cannot establish that it is not the team's sign-in environment (%s), so writes there are refused; retry in a few seconds, or ask the server's operator", ErrProtection, env.Name, reason)
	}
	return nil
}

// knownSignIn reports whether an environment is already established as the team's sign-in
// environment, from the cache only (no WorkOS call): for whoami, which must not probe.
func (s *Server) knownSignIn(t *Team, env *Environment) bool {
	e := s.identityEntry(t, env.Name)
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.state == identitySignIn
}

// entry returns the cache entry of one team's environment ("" for the team's sign-in check).
func (s *Server) identityEntry(t *Team, env string) *envIdentity {
	key := t.OrganizationID + "\x00" + env
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.identities[key]
	if !ok {
		e = &envIdentity{}
		s.identities[key] = e
	}
	return e
}

// signInHoldsTeam checks, once (retried while it fails), that the team's organizations are in
// its sign-in environment, read with the sign-in key.
func (s *Server) signInHoldsTeam(ctx context.Context, t *Team) error {
	if t.SignIn == nil || t.SignIn.APIKey == "" {
		return errors.New("the team has no sign-in environment API key")
	}
	e := s.identityEntry(t, "")
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.state != identityUnknown {
		return nil
	}
	now := s.now()
	if !e.checked.IsZero() && now.Sub(e.checked) < s.protectRetry {
		return errors.New(e.reason)
	}
	e.checked = now
	for _, org := range protectedOrganizations(t) {
		found, why := s.probe(ctx, t.SignIn.BaseURL, t.SignIn.APIKey, org)
		if found != identitySignIn {
			if found == identityOther {
				why = fmt.Sprintf("the sign-in environment's API key does not find organization %s (404): check the team's organization ID and the sign-in (AuthKit) API key", org)
			} else {
				why = "the sign-in environment could not be checked: " + why
			}
			e.reason = why
			return errors.New(why)
		}
	}
	e.state, e.reason = identitySignIn, "holds the team's organization"
	return nil
}

// identityOf returns the cached identity of a managed environment, establishing it if it is
// unknown and the last attempt is old enough (or force is set).
func (s *Server) identityOf(ctx context.Context, t *Team, env *Environment, force bool) (identity, string) {
	e := s.identityEntry(t, env.Name)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.state != identityUnknown {
		return e.state, e.reason
	}
	now := s.now()
	if !force && !e.checked.IsZero() && now.Sub(e.checked) < s.protectRetry {
		return e.state, e.reason
	}
	e.checked = now
	if t.SignIn != nil && env.APIKey == t.SignIn.APIKey {
		e.state, e.reason = identitySignIn, "it uses the sign-in environment's API key"
		return e.state, e.reason
	}
	state, reason := identityOther, "its API key does not find the team's organization (404)"
	for _, org := range protectedOrganizations(t) {
		switch id, why := s.probe(ctx, env.BaseURL, env.APIKey, org); id {
		case identitySignIn:
			state, reason = identitySignIn, "its API key finds the team's organization "+org
		case identityUnknown:
			if state != identitySignIn {
				state, reason = identityUnknown, why
			}
		}
		if state == identitySignIn {
			break
		}
	}
	e.state, e.reason = state, reason
	return e.state, e.reason
}

// probeTimeout bounds one identity probe.
const probeTimeout = 10 * time.Second

// probe reads one organization with a key: identitySignIn when it is there (200), identityOther
// when it is not (404), identityUnknown with the reason otherwise.
func (s *Server) probe(ctx context.Context, baseURL, apiKey, org string) (identity, string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), probeTimeout)
	defer cancel()
	var raw json.RawMessage
	resp, err := s.client(baseURL, apiKey).Do(ctx, http.MethodGet, "/organizations/"+url.PathEscape(org), nil, nil, &raw)
	var we *workos.Error
	switch {
	case err == nil && resp != nil && resp.StatusCode == http.StatusOK:
		return identitySignIn, ""
	case errors.As(err, &we) && we.StatusCode == http.StatusNotFound:
		return identityOther, ""
	case errors.As(err, &we):
		return identityUnknown, fmt.Sprintf("GET /organizations/{team organization} answered %d%s", we.StatusCode, strings.TrimSpace(" "+we.Code))
	case err != nil:
		return identityUnknown, "the WorkOS API could not be reached: " + s.redactor.Text(err.Error())
	default:
		return identityUnknown, fmt.Sprintf("GET /organizations/{team organization} answered %d", resp.StatusCode)
	}
}

// protectedOrganizations are the team's organizations: the one people sign in to and, if
// different, the one its audit events go to.
func protectedOrganizations(t *Team) []string {
	orgs := []string{t.OrganizationID}
	if a := t.auditOrganization(); a != "" && a != t.OrganizationID {
		orgs = append(orgs, a)
	}
	return orgs
}

// validObjectID reports whether s looks like a WorkOS object ID (org_01H...): it is put in a
// URL path by the protection probe.
func validObjectID(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r == '-' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')) {
			return false
		}
	}
	return true
}

// referencesTeam reports whether any value of the parameters, at any depth (strings in
// objects and arrays, object keys), mentions one of the team's organizations: in any case,
// with surrounding whitespace, percent-encoded, or inside a larger string.
func referencesTeam(t *Team, params map[string]any) (string, bool) {
	return findMention(protectedOrganizations(t), params)
}

// findMention finds the first parameter (by path, e.g. "domain_data[0].domain") whose value or
// key mentions one of the IDs.
func findMention(ids []string, params map[string]any) (string, bool) {
	var needles []string
	for _, o := range ids {
		needles = append(needles, strings.ToLower(o))
	}
	var path string
	var walk func(at string, v any, depth int) bool
	walk = func(at string, v any, depth int) bool {
		if depth > 64 {
			// Deeper than any API body: refuse rather than miss something.
			path = at
			return true
		}
		switch v := v.(type) {
		case string:
			if mentions(v, needles) {
				path = at
				return true
			}
		case map[string]any:
			for _, k := range sortedKeys(v) {
				if mentions(k, needles) || walk(at+"."+k, v[k], depth+1) {
					if path == "" {
						path = at + "." + k
					}
					return true
				}
			}
		case []any:
			for i, e := range v {
				if walk(fmt.Sprintf("%s[%d]", at, i), e, depth+1) {
					return true
				}
			}
		}
		return false
	}
	for _, k := range sortedKeys(params) {
		if mentions(k, needles) || walk(k, params[k], 0) {
			if path == "" {
				path = k
			}
			return path, true
		}
	}
	return "", false
}

// mentions reports whether s contains a needle, case-insensitively, also after undoing percent
// encoding (up to three layers) and dropping characters that are invisible or separators.
func mentions(s string, needles []string) bool {
	for range 4 {
		folded := strings.ToLower(strings.Map(func(r rune) rune {
			switch {
			case r == '\u200b' || r == '\u200c' || r == '\u200d' || r == '\ufeff' || r == '\u00ad':
				return -1
			}
			return r
		}, s))
		for _, n := range needles {
			if strings.Contains(folded, n) {
				return true
			}
		}
		u, err := url.PathUnescape(s)
		if err != nil || u == s {
			break
		}
		s = u
	}
	return false
}

// ownedByTeam refuses a write that targets by ID an object of the team's organization (a
// membership, a user who is a member, an invitation, a role, a domain, a connection, a
// directory, an API key, ...): each object named by a path parameter is read first, in the same
// environment with the same parameters (through the catalog's read operation of that path),
// and the write is refused if the object names the team's organization anywhere. A user
// belongs to no organization, so a user's memberships in the team's organization are looked
// up. An object that is not found is left to the write (which then fails the same way); a read
// that fails otherwise refuses the write. Operations with no ID in their path (creations) are
// covered by referencesTeam, which sees every parameter.
func (s *Server) ownedByTeam(ctx context.Context, c *caller, env *Environment, op *catalog.Operation, params map[string]any) error {
	if !strings.Contains(op.Path, "{") {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	cl := s.client(env.BaseURL, env.APIKey)
	needles := protectedOrganizations(c.team)
	segs := strings.Split(op.Path, "/")
	for i, seg := range segs {
		if !isParam(seg) {
			continue
		}
		v, ok := params[seg[1:len(seg)-1]]
		if !ok {
			return nil // validateParams names the missing parameter
		}
		prefix := strings.Join(segs[:i+1], "/")
		if prefix == "/user_management/users/"+seg {
			// A user belongs to no organization; their memberships do.
			uid, _ := v.(string)
			for _, org := range needles {
				list, err := cl.ListOrganizationMemberships(ctx, workos.ListOrganizationMembershipsParams{UserID: uid, OrganizationID: org})
				if err != nil {
					if isNotFound(err) {
						break
					}
					return fmt.Errorf("%w: %s: the server could not check whether the user is a member of the team's organization, so the change is refused: %s", ErrProtection, op.Name, s.redactor.Text(err.Error()))
				}
				for _, m := range list.Data {
					if strings.EqualFold(m.OrganizationID, org) || m.OrganizationID == "" {
						return fmt.Errorf("%w: %s would change a member of the team's own organization, which this server never does; use the WorkOS dashboard", ErrProtection, op.Name)
					}
				}
			}
		}
		get, getParams, ok := readOf(segs[:i+1], params)
		if !ok {
			continue
		}
		path, query, _, err := get.Request(getParams)
		if err != nil {
			continue // the write's own request is refused the same way
		}
		var raw json.RawMessage
		_, err = cl.Do(ctx, http.MethodGet, path, query, nil, &raw)
		if err != nil {
			if isNotFound(err) {
				continue
			}
			return fmt.Errorf("%w: %s: the server could not check whether the object belongs to the team's organization (%s), so the change is refused", ErrProtection, op.Name, s.redactor.Text(err.Error()))
		}
		if mentionsJSON(raw, needles) {
			return fmt.Errorf("%w: %s would change %s of the team's own organization, which this server never does; use the WorkOS dashboard", ErrProtection, op.Name, get.Resource)
		}
	}
	return nil
}

func isParam(seg string) bool {
	return len(seg) > 2 && strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}")
}

// readOf finds the catalog's read operation of a path prefix (the same template, whatever its
// parameters are called) and gives it the write's values, by position.
func readOf(segs []string, params map[string]any) (*catalog.Operation, map[string]any, bool) {
	shape := func(parts []string) string {
		out := make([]string, len(parts))
		for i, p := range parts {
			if isParam(p) {
				p = "{}"
			}
			out[i] = p
		}
		return strings.Join(out, "/")
	}
	want := shape(segs)
	for _, op := range catalog.All() {
		if op.Method != http.MethodGet || excluded(op.Name) || op.Path == "" {
			continue
		}
		gs := strings.Split(op.Path, "/")
		if len(gs) != len(segs) || shape(gs) != want {
			continue
		}
		in := map[string]any{}
		for i, g := range gs {
			if isParam(g) {
				in[g[1:len(g)-1]] = params[segs[i][1:len(segs[i])-1]]
			}
		}
		return op, in, true
	}
	return nil, nil, false
}

func isNotFound(err error) bool {
	var we *workos.Error
	return errors.As(err, &we) && we.StatusCode == http.StatusNotFound
}

// mentionsJSON reports whether a JSON answer mentions one of the organizations anywhere.
func mentionsJSON(raw json.RawMessage, orgs []string) bool {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return true // unreadable: assume the worst
	}
	m, ok := v.(map[string]any)
	if !ok {
		m = map[string]any{"answer": v}
	}
	_, found := findMention(orgs, m)
	return found
}
