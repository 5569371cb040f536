package workspace

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/workos-mcp/workos-mcp/workos"
)

// onboard_customer checks everything it can before its first write: the inputs, the policy and
// the parameter schemas of every step, the admin role, and who already holds each domain and the
// external ID. docs/design.md ("Onboarding checks before it changes") explains the choices.

// Bounds of onboard_customer's inputs. WorkOS publishes no limit on an organization's name; 200
// characters is far above any real company name and keeps a name readable in every listing.
const (
	maxOrganizationName = 200
	maxOnboardDomains   = 20
	maxEmailLength      = 254 // RFC 5321's path limit
)

// publicEmailDomains are consumer mailbox providers. An organization's domain routes everyone
// with an address there to the organization (SSO, automatic membership), so such a domain is
// never one customer's: onboard_customer refuses it. The list holds the large providers only; a
// team that really owns one of these does not onboard itself through an agent.
var publicEmailDomains = map[string]bool{
	"gmail.com": true, "googlemail.com": true, "outlook.com": true, "hotmail.com": true, "live.com": true,
	"msn.com": true, "yahoo.com": true, "ymail.com": true, "icloud.com": true, "me.com": true, "mac.com": true,
	"aol.com": true, "proton.me": true, "protonmail.com": true, "pm.me": true, "gmx.com": true, "gmx.de": true,
	"gmx.net": true, "web.de": true, "mail.com": true, "yandex.com": true, "yandex.ru": true, "mail.ru": true,
	"qq.com": true, "163.com": true, "126.com": true, "zoho.com": true, "fastmail.com": true, "hey.com": true,
	"tutanota.com": true, "tuta.io": true, "hotmail.co.uk": true, "yahoo.co.uk": true, "outlook.fr": true,
	"hotmail.fr": true, "orange.fr": true, "free.fr": true, "laposte.net": true, "libero.it": true,
}

// onboardPlan is an onboard_customer call whose inputs are checked and normalized.
type onboardPlan struct {
	name       string   // trimmed
	domains    []string // lower-case, no trailing dot, sorted, distinct
	adminEmail string   // lower-case
	adminRole  string
	externalID string
	intent     string
}

// checkOnboardInput normalizes the inputs and reports every problem at once.
func checkOnboardInput(in onboardCustomerIn, intents []string) (*onboardPlan, error) {
	var problems []string
	p := &onboardPlan{}

	p.name = strings.TrimSpace(in.Name)
	switch {
	case p.name == "":
		problems = append(problems, "name is required")
	case !utf8.ValidString(p.name):
		problems = append(problems, "name is not valid UTF-8")
	case utf8.RuneCountInString(p.name) > maxOrganizationName:
		problems = append(problems, fmt.Sprintf("name is longer than %d characters", maxOrganizationName))
	case strings.IndexFunc(p.name, invisible) >= 0:
		problems = append(problems, "name contains control or invisible formatting characters (line breaks, tabs, direction overrides)")
	}

	email, err := normalizeEmail(in.AdminEmail)
	if err != nil {
		problems = append(problems, "a valid admin_email is required"+err.Error())
	}
	p.adminEmail = email

	if len(in.Domains) > maxOnboardDomains {
		problems = append(problems, fmt.Sprintf("at most %d domains at once (got %d)", maxOnboardDomains, len(in.Domains)))
	} else {
		seen := map[string]bool{}
		for _, raw := range in.Domains {
			d, err := normalizeDomain(raw)
			if err != nil {
				problems = append(problems, fmt.Sprintf("domain %q %s", raw, err))
				continue
			}
			if publicEmailDomains[d] {
				problems = append(problems, fmt.Sprintf("domain %s is a public email provider: no single customer owns it, and claiming it would route every one of its users to this organization", d))
				continue
			}
			if seen[d] {
				problems = append(problems, fmt.Sprintf("domain %s is listed twice", d))
				continue
			}
			seen[d] = true
			p.domains = append(p.domains, d)
		}
		sort.Strings(p.domains)
	}

	p.intent = strings.ToLower(strings.TrimSpace(in.PortalIntent))
	if p.intent == "" {
		p.intent = "sso"
	}
	if !slices.Contains(intents, p.intent) {
		problems = append(problems, fmt.Sprintf("portal_intent %q is not one of: %s", in.PortalIntent, strings.Join(intents, ", ")))
	}

	p.adminRole = in.AdminRole
	if in.AdminRole != "" && (strings.TrimSpace(in.AdminRole) != in.AdminRole || strings.IndexFunc(in.AdminRole, unicode.IsSpace) >= 0 || strings.IndexFunc(in.AdminRole, invisible) >= 0) {
		problems = append(problems, "admin_role must be a role slug (no spaces or control characters)")
	}

	p.externalID = in.ExternalID
	if in.ExternalID != "" && (strings.TrimSpace(in.ExternalID) == "" || strings.IndexFunc(in.ExternalID, invisible) >= 0) {
		problems = append(problems, "external_id must not be blank or contain control characters")
	}

	if len(problems) > 0 {
		return nil, fmt.Errorf("%w for onboard_customer: %s; nothing was created", ErrInvalidInput, strings.Join(problems, "; "))
	}
	return p, nil
}

// invisible reports characters that have no place in a name or an identifier: control
// characters and invisible formatting (bidirectional overrides can make a name read as another).
func invisible(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
}

// normalizeEmail accepts one bare address (no display name, no comments, exactly one @, a real
// domain) and returns it lower-cased, as WorkOS stores it. An error's text completes "a valid
// admin_email is required".
func normalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", errors.New("")
	case len(s) > maxEmailLength:
		return "", fmt.Errorf(": at most %d characters", maxEmailLength)
	case strings.Count(s, "@") != 1:
		return "", errors.New(": one address like it@example.com")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return "", errors.New(": a bare address like it@example.com (no name, brackets, quotes or comments)")
	}
	i := strings.LastIndexByte(s, '@')
	if i == 0 {
		return "", errors.New(": something before the @")
	}
	if _, err := normalizeDomain(s[i+1:]); err != nil || strings.HasSuffix(s, ".") {
		return "", errors.New(": a valid domain after the @")
	}
	return strings.ToLower(s), nil
}

// normalizeDomain accepts a DNS name of at least two labels and returns it lower-cased without a
// trailing dot. It refuses what people paste by mistake (a URL, an address, a port, a wildcard)
// with a message that says so, and non-ASCII names, whose look-alikes are a spoofing tool: an
// internationalized domain is given in its xn-- form.
func normalizeDomain(s string) (string, error) {
	d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
	switch {
	case d == "":
		return "", errors.New("is empty")
	case strings.Contains(d, "://"):
		return "", errors.New("is a URL: give the domain alone, e.g. example.com")
	case strings.ContainsAny(d, "/?#\\"):
		return "", errors.New("has a path: give the domain alone, e.g. example.com")
	case strings.Contains(d, "@"):
		return "", errors.New("is an email address: give its domain alone")
	case strings.Contains(d, "*"):
		return "", errors.New("is a wildcard: list each domain")
	case strings.Contains(d, ":"):
		return "", errors.New("has a port: give the domain alone")
	case strings.IndexFunc(d, func(r rune) bool { return r > unicode.MaxASCII }) >= 0:
		return "", errors.New("is not ASCII: give an internationalized domain in its xn-- form")
	case len(d) > 253:
		return "", errors.New("is longer than 253 characters")
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return "", errors.New("needs at least two labels, e.g. example.com")
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' ||
			strings.IndexFunc(l, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') }) >= 0 {
			return "", errors.New("is not a valid domain name (labels of letters, digits and inner hyphens, separated by dots)")
		}
	}
	if tld := labels[len(labels)-1]; strings.Trim(tld, "0123456789") == "" {
		return "", errors.New("is an IP address, not a domain")
	}
	return d, nil
}

// parentDomains returns the domains above d, down to two labels: a.b.example.com gives
// b.example.com and example.com.
func parentDomains(d string) []string {
	var out []string
	for {
		i := strings.IndexByte(d, '.')
		if i < 0 || strings.Count(d[i+1:], ".") < 1 {
			return out
		}
		d = d[i+1:]
		out = append(out, d)
	}
}

// portalIntents reads the Admin Portal intents the catalog's schema of portal_links.create allows.
func portalIntents() ([]string, error) {
	op, ok := findByPath("POST", "/portal/generate_link")
	if !ok {
		return nil, errors.New("this server's catalog has no Admin Portal link operation")
	}
	var sch struct {
		Properties map[string]struct {
			Enum []string `json:"enum"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(op.Params, &sch); err != nil || len(sch.Properties["intent"].Enum) == 0 {
		return nil, fmt.Errorf("this server's catalog lists no Admin Portal intents for %s", op.Name)
	}
	return sch.Properties["intent"].Enum, nil
}

// onboardStep is one operation onboard_customer may run, with the parameters it would send.
type onboardStep struct {
	method, path string
	params       map[string]any
}

// placeholderOrg stands for the organization not created yet when the later steps' parameters
// are checked against their schemas.
const placeholderOrg = "org_to_be_created"

// checkOnboardSteps runs the policy for every operation onboard_customer may run (reads and
// writes), before anything is sent, and then checkWrites.
func (s *Server) checkOnboardSteps(ctx context.Context, c *caller, env string, p *onboardPlan) error {
	reads := []string{"/organizations", "/user_management/invitations", "/user_management/organization_memberships"}
	if p.externalID != "" {
		reads = append(reads, "/organizations/external_id/{external_id}")
	}
	for _, path := range reads {
		op, ok := findByPath("GET", path)
		if !ok {
			return fmt.Errorf("this server's catalog has no operation GET %s", path)
		}
		if _, err := s.prepareCheck(c, env, op); err != nil {
			return fmt.Errorf("onboard_customer checks existing organizations and invitations first: %w", err)
		}
	}
	if p.adminRole != "" {
		op, ok := findByPath("GET", "/authorization/roles")
		if !ok {
			return errors.New("this server's catalog has no operation to list roles, so admin_role cannot be checked; leave it out")
		}
		if _, err := s.prepareCheck(c, env, op); err != nil {
			return fmt.Errorf("admin_role cannot be checked (%w); leave admin_role out to use the environment's default role", err)
		}
	}
	return s.checkWrites(ctx, c, env, p, placeholderOrg, 0)
}

// checkWrites runs the pipeline's whole preparation (policy, refused fields, the catalog schema,
// team protection) of the writes from the from-th on, for the organization orgID (placeholderOrg
// before it exists), without running them.
func (s *Server) checkWrites(ctx context.Context, c *caller, env string, p *onboardPlan, orgID string, from int) error {
	for _, st := range p.writes(orgID)[from:] {
		op, ok := findByPath(st.method, st.path)
		if !ok {
			return fmt.Errorf("this server's catalog has no operation %s %s", st.method, st.path)
		}
		if _, err := s.prepare(ctx, c, "onboard_customer", env, op, st.params); err != nil {
			return fmt.Errorf("%w; nothing was changed", err)
		}
	}
	return nil
}

// writes are the three changes of an onboarding, in the order they run: the organization, the
// Admin Portal link (proves the organization and the intent work), and only then the
// invitation, which emails a person and cannot be taken back.
func (p *onboardPlan) writes(orgID string) []onboardStep {
	org := map[string]any{"name": p.name}
	if len(p.domains) > 0 {
		dd := make([]any, 0, len(p.domains))
		for _, d := range p.domains {
			dd = append(dd, map[string]any{"domain": d, "state": "pending"})
		}
		org["domain_data"] = dd
	}
	if p.externalID != "" {
		org["external_id"] = p.externalID
	}
	inv := map[string]any{"email": p.adminEmail, "organization_id": orgID}
	if p.adminRole != "" {
		inv["role_slug"] = p.adminRole
	}
	return []onboardStep{
		{"POST", "/organizations", org},
		{"POST", "/portal/generate_link", map[string]any{"organization": orgID, "intent": p.intent}},
		{"POST", "/user_management/invitations", inv},
	}
}

// checkAdminRole refuses a role slug the environment does not define.
func (s *Server) checkAdminRole(ctx context.Context, c *caller, env string, p *onboardPlan) error {
	if p.adminRole == "" {
		return nil
	}
	raw, err := s.run(ctx, c, "onboard_customer", env, "GET", "/authorization/roles", nil)
	if err != nil {
		return fmt.Errorf("admin_role could not be checked: %w; nothing was created", err)
	}
	var lp workos.List[map[string]any]
	if err := json.Unmarshal(raw, &lp); err != nil {
		return fmt.Errorf("admin_role could not be checked: unexpected roles answer: %w; nothing was created", err)
	}
	var slugs []string
	for _, r := range lp.Data {
		if slug := str(r, "slug"); slug != "" {
			if slug == p.adminRole {
				return nil
			}
			slugs = append(slugs, slug)
		}
	}
	sort.Strings(slugs)
	return fmt.Errorf("%w for onboard_customer: admin_role %q is not a role of this environment; its roles are: %s; nothing was created",
		ErrInvalidInput, p.adminRole, strings.Join(slugs, ", "))
}

// orgRef names an organization in a message: "Acme Corp" (org_123).
func orgRef(o map[string]any) string {
	return fmt.Sprintf("%q (%s)", str(o, "name"), str(o, "id"))
}

// orgDomains returns an organization's domains (lower-case) with their states.
func orgDomains(o map[string]any) map[string]string {
	out := map[string]string{}
	ds, _ := o["domains"].([]any)
	for _, d := range ds {
		if m, ok := d.(map[string]any); ok && str(m, "domain") != "" {
			out[strings.ToLower(str(m, "domain"))] = str(m, "state")
		}
	}
	return out
}

// isVerified reports a domain state that proves ownership.
func isVerified(state string) bool { return state == "verified" || state == "legacy_verified" }

// sameOnboarding reports whether an existing organization is what this onboarding would create:
// the same name (ignoring case), exactly the same domains, and the same external ID when the
// call gives one.
func (p *onboardPlan) sameOnboarding(o map[string]any) (bool, string) {
	var why []string
	if !strings.EqualFold(strings.TrimSpace(str(o, "name")), p.name) {
		why = append(why, fmt.Sprintf("its name is %q", str(o, "name")))
	}
	have := sortedKeys(orgDomains(o))
	if !slices.Equal(have, p.domains) {
		why = append(why, fmt.Sprintf("its domains are [%s]", strings.Join(have, ", ")))
	}
	if p.externalID != "" && str(o, "external_id") != p.externalID {
		why = append(why, fmt.Sprintf("its external_id is %q", str(o, "external_id")))
	}
	return len(why) == 0, strings.Join(why, " and ")
}

// findExisting looks for what already holds this onboarding's domains, external ID or (with
// neither) name. It returns the organization to reuse (a re-run of the same onboarding), or an
// error that names every organization in the way. Every domain already held by another
// organization is refused, verified or pending: a pending claim is someone's onboarding in
// progress, and a second organization with the same domain is exactly the duplicate that makes
// "which organization is acme.com?" unanswerable. A parent domain verified elsewhere is refused
// too: whoever verified example.com controls the DNS of every name under it.
func (s *Server) findExisting(ctx context.Context, c *caller, env string, p *onboardPlan) (map[string]any, error) {
	const tool = "onboard_customer"
	orgs := map[string]map[string]any{}
	if len(p.domains) > 0 {
		var names []string
		seen := map[string]bool{}
		for _, d := range p.domains {
			for _, n := range append([]string{d}, parentDomains(d)...) {
				if !seen[n] {
					seen[n] = true
					names = append(names, n)
				}
			}
		}
		for len(names) > 0 {
			batch := names[:min(len(names), 20)]
			names = names[len(batch):]
			q := make([]any, len(batch))
			for i := range batch {
				q[i] = batch[i]
			}
			found, more, err := s.list(ctx, c, tool, env, "/organizations", map[string]any{"domains": q}, 5)
			if err != nil {
				return nil, fmt.Errorf("could not check who holds the domains: %w; nothing was created", err)
			}
			if more {
				return nil, fmt.Errorf("more than 500 organizations hold these domains; nothing was created")
			}
			for _, o := range found {
				orgs[str(o, "id")] = o
			}
		}
	}
	var byExternalID map[string]any
	if p.externalID != "" {
		raw, err := s.run(ctx, c, tool, env, "GET", "/organizations/external_id/{external_id}", map[string]any{"external_id": p.externalID})
		switch {
		case err == nil:
			if err := json.Unmarshal(raw, &byExternalID); err != nil {
				return nil, fmt.Errorf("unexpected organization answer: %w; nothing was created", err)
			}
			orgs[str(byExternalID, "id")] = byExternalID
		case !strings.Contains(err.Error(), "WorkOS answered 404"):
			return nil, fmt.Errorf("could not check whether external_id is in use: %w; nothing was created", err)
		}
	}
	if len(p.domains) == 0 && p.externalID == "" {
		found, _, err := s.list(ctx, c, tool, env, "/organizations", map[string]any{"search": p.name}, 5)
		if err != nil {
			return nil, fmt.Errorf("could not check for an organization with this name: %w; nothing was created", err)
		}
		var same []map[string]any
		for _, o := range found {
			if ok, _ := p.sameOnboarding(o); ok {
				same = append(same, o)
			}
		}
		switch len(same) {
		case 0:
			return nil, nil
		case 1:
			return same[0], nil
		default:
			var refs []string
			for _, o := range same {
				refs = append(refs, orgRef(o))
			}
			return nil, fmt.Errorf("%w for onboard_customer: several organizations are named %q and have no domains: %s; "+
				"nothing was created. Use describe_organization with organization_id to pick one, and continue with mutate",
				ErrInvalidInput, p.name, strings.Join(refs, ", "))
		}
	}

	want := map[string]bool{}
	for _, d := range p.domains {
		want[d] = true
	}
	var reuse map[string]any
	var conflicts []string
	for _, id := range sortedKeys(orgs) {
		o := orgs[id]
		ds := orgDomains(o)
		var held, above []string
		for _, d := range sortedKeys(ds) {
			switch {
			case want[d]:
				held = append(held, fmt.Sprintf("%s (%s)", d, firstNonEmpty(ds[d], "unknown state")))
			case isVerified(ds[d]):
				for _, mine := range p.domains {
					if strings.HasSuffix(mine, "."+d) {
						above = append(above, fmt.Sprintf("%s is under %s, verified", mine, d))
					}
				}
			}
		}
		holdsExternalID := byExternalID != nil && str(byExternalID, "id") == id
		if len(held) == 0 && len(above) == 0 && !holdsExternalID {
			continue // matched a parent domain that is only pending: no proof of anything
		}
		if same, why := p.sameOnboarding(o); same {
			reuse = o
			continue
		} else {
			var what []string
			if len(held) > 0 {
				what = append(what, "holds "+strings.Join(held, ", "))
			}
			if len(above) > 0 {
				what = append(what, strings.Join(above, ", "))
			}
			if holdsExternalID {
				what = append(what, fmt.Sprintf("has external_id %q", p.externalID))
			}
			msg := orgRef(o) + " " + strings.Join(what, "; ")
			if strings.EqualFold(strings.TrimSpace(str(o, "name")), p.name) {
				msg += " and is not this onboarding again because " + why
			}
			conflicts = append(conflicts, msg)
		}
	}
	if len(conflicts) > 0 {
		return nil, fmt.Errorf("%w for onboard_customer: already taken: %s; nothing was created. "+
			"Onboard without what another organization holds, or resolve it with that organization first (describe_organization shows it)",
			ErrInvalidInput, strings.Join(conflicts, "; "))
	}
	return reuse, nil
}

// reusedInvitation is the admin's invitation (pending or accepted) in an organization a re-run
// reuses, or nil when the re-run is to send it (the earlier run stopped before). An organization
// that already has other people and no invitation for this admin is an existing customer whose
// name and domains were given again, not an unfinished onboarding: the tool refuses rather than
// invite a new person into it, which mutate does in the open.
func (s *Server) reusedInvitation(ctx context.Context, c *caller, env string, p *onboardPlan, org map[string]any) (map[string]any, error) {
	const tool = "onboard_customer"
	byOrg := map[string]any{"organization_id": str(org, "id")}
	invs, _, err := s.list(ctx, c, tool, env, "/user_management/invitations", byOrg, 5)
	if err != nil {
		return nil, fmt.Errorf("onboard_customer found organization %s (an earlier onboarding) but could not read its invitations: %w; nothing was changed", orgRef(org), err)
	}
	others := 0
	for _, inv := range invs {
		st := str(inv, "state")
		if st != "pending" && st != "accepted" {
			continue
		}
		if strings.EqualFold(str(inv, "email"), p.adminEmail) {
			return inv, nil
		}
		others++
	}
	members, more, err := s.list(ctx, c, tool, env, "/user_management/organization_memberships", byOrg, 1)
	if err != nil {
		return nil, fmt.Errorf("onboard_customer found organization %s (an earlier onboarding) but could not read its members: %w; nothing was changed", orgRef(org), err)
	}
	if others > 0 || len(members) > 0 {
		count := fmt.Sprint(len(members))
		if more {
			count = "more than " + count
		}
		return nil, fmt.Errorf("%w for onboard_customer: %s has this name and these domains but already has people (%s members, %d invitations to others) "+
			"and none for %s, so it is an existing customer, not an unfinished onboarding; nothing was changed. "+
			"To add %s to it, check it with describe_organization and use mutate invitations.send with organization_id %s",
			ErrInvalidInput, orgRef(org), count, others, p.adminEmail, p.adminEmail, str(org, "id"))
	}
	return nil, nil
}

// onboardLocks serializes onboardings per WorkOS environment in this process, so that an agent
// retrying a slow call does not race its own first attempt past the checks. Replicas do not
// share it (see docs/design.md).
var onboardLocks sync.Map // hash of base URL and key -> chan struct{}

func lockOnboarding(ctx context.Context, env *Environment) (func(), error) {
	sum := sha256.Sum256([]byte(env.BaseURL + "\x00" + env.APIKey))
	v, _ := onboardLocks.LoadOrStore(sum, make(chan struct{}, 1))
	ch := v.(chan struct{})
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("another onboarding in this environment is still running: %w", ctx.Err())
	}
}
