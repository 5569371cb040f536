package emulator

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
)

type organization struct {
	Object                           string            `json:"object"`
	ID                               string            `json:"id"`
	Name                             string            `json:"name"`
	Domains                          []*orgDomain      `json:"domains"`
	Metadata                         map[string]string `json:"metadata"`
	ExternalID                       *string           `json:"external_id"`
	StripeCustomerID                 string            `json:"stripe_customer_id,omitempty"`
	AllowProfilesOutsideOrganization bool              `json:"allow_profiles_outside_organization"`
	CreatedAt                        string            `json:"created_at"`
	UpdatedAt                        string            `json:"updated_at"`
}

type orgDomain struct {
	Object               string `json:"object"`
	ID                   string `json:"id"`
	OrganizationID       string `json:"organization_id"`
	Domain               string `json:"domain"`
	State                string `json:"state"`
	VerificationPrefix   string `json:"verification_prefix,omitempty"`
	VerificationToken    string `json:"verification_token,omitempty"`
	VerificationStrategy string `json:"verification_strategy,omitempty"`
	CreatedAt            string `json:"created_at"`
	UpdatedAt            string `json:"updated_at"`
}

var domainRE = regexp.MustCompile(`^(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$`)

func (t *tx) organization(id string) (*organization, error) {
	o, err := loadFound[organization](t, "organization", "Organization", id)
	if err != nil {
		return nil, err
	}
	return t.withDomains(o)
}

// withDomains fills the organization's domains, which are stored as objects of their own.
func (t *tx) withDomains(o *organization) (*organization, error) {
	ds, err := loadAll[orgDomain](t, "organization_domain", o.ID)
	if err != nil {
		return nil, err
	}
	o.Domains = ds
	if o.Domains == nil {
		o.Domains = []*orgDomain{}
	}
	if o.Metadata == nil {
		o.Metadata = map[string]string{}
	}
	return o, nil
}

func (t *tx) saveOrganization(o *organization) error {
	stored := *o
	stored.Domains = nil
	return t.save("organization", o.ID, o.ID, &stored)
}

type domainData struct {
	Domain string `json:"domain"`
	State  string `json:"state"`
}

type orgInput struct {
	Name                             *string            `json:"name"`
	AllowProfilesOutsideOrganization *bool              `json:"allow_profiles_outside_organization"`
	Domains                          []string           `json:"domains"`
	DomainData                       []domainData       `json:"domain_data"`
	Metadata                         *map[string]string `json:"metadata"`
	ExternalID                       *string            `json:"external_id"`
	StripeCustomerID                 *string            `json:"stripe_customer_id"`
	ID                               string             `json:"id"` // seeds only
}

// maxMetadataKeys is the spec's maxProperties for organization and user metadata.
const maxMetadataKeys = 50

func validateMetadata(m map[string]string) error {
	if len(m) > maxMetadataKeys {
		return badRequest("invalid_metadata", fmt.Sprintf("metadata can hold at most %d keys.", maxMetadataKeys))
	}
	for k, v := range m {
		if len(k) > 40 || len(v) > 600 {
			return badRequest("invalid_metadata", "metadata keys are at most 40 characters and values at most 600.")
		}
	}
	return nil
}

func (in *orgInput) domainList() ([]domainData, error) {
	var out []domainData
	for _, d := range in.Domains {
		out = append(out, domainData{Domain: d, State: "pending"})
	}
	out = append(out, in.DomainData...)
	seen := map[string]bool{}
	for i, d := range out {
		d.Domain = strings.ToLower(strings.TrimSpace(d.Domain))
		if !domainRE.MatchString(d.Domain) {
			return nil, invalidField("domain_data", "invalid_domain", "'"+d.Domain+"' is not a valid domain.")
		}
		if d.State == "" {
			d.State = "pending"
		}
		if d.State != "pending" && d.State != "verified" {
			return nil, invalidField("domain_data", "invalid_state", "domain state must be pending or verified.")
		}
		if seen[d.Domain] {
			return nil, invalidField("domain_data", "duplicate_domain", "'"+d.Domain+"' is listed twice.")
		}
		seen[d.Domain] = true
		out[i] = d
	}
	return out, nil
}

func (t *tx) checkExternalID(typ, ext, selfID string) error {
	if ext == "" {
		return nil
	}
	switch typ {
	case "organization":
		o, err := find(t, typ, "", func(o *organization) bool { return o.ExternalID != nil && *o.ExternalID == ext && o.ID != selfID })
		if err == nil && o != nil {
			return badRequest("external_id_already_used", "An organization with this external_id already exists.")
		}
	case "user":
		u, err := find(t, typ, "", func(u *user) bool { return u.ExternalID != nil && *u.ExternalID == ext && u.ID != selfID })
		if err == nil && u != nil {
			return badRequest("external_id_already_used", "A user with this external_id already exists.")
		}
	}
	return nil
}

// verifiedElsewhere reports whether another organization holds the domain verified.
func (t *tx) verifiedElsewhere(domain, orgID string) (bool, error) {
	_, err := find(t, "organization_domain", "", func(d *orgDomain) bool {
		return d.Domain == domain && d.OrganizationID != orgID && d.State == "verified"
	})
	if errors.Is(err, errNotFound) {
		return false, nil
	}
	return err == nil, err
}

func (t *tx) addDomain(orgID string, d domainData, strategy string) (*orgDomain, error) {
	if taken, err := t.verifiedElsewhere(d.Domain, orgID); err != nil {
		return nil, err
	} else if taken && d.State == "verified" {
		return nil, conflict("domain_already_exists", "Domain '"+d.Domain+"' is already verified by another organization.")
	}
	od := &orgDomain{Object: "organization_domain", ID: t.newID("org_domain_"), OrganizationID: orgID, Domain: d.Domain, State: d.State,
		VerificationStrategy: strategy, CreatedAt: formatTime(t.now), UpdatedAt: formatTime(t.now)}
	if strategy == "" {
		od.VerificationStrategy = "manual"
	}
	if od.VerificationStrategy == "dns" {
		od.VerificationPrefix = "workos-domain-verification-" + strings.ToLower(randomToken(6))
		od.VerificationToken = randomToken(25)
	}
	if err := t.save("organization_domain", od.ID, orgID, od); err != nil {
		return nil, err
	}
	if err := t.emit("organization_domain.created", orgID, od); err != nil {
		return nil, err
	}
	if od.State == "verified" {
		if err := t.emit("organization_domain.verified", orgID, od); err != nil {
			return nil, err
		}
	}
	return od, nil
}

func (t *tx) createOrganization(in orgInput) (*organization, error) {
	if in.Name == nil || strings.TrimSpace(*in.Name) == "" {
		return nil, invalidField("name", "name_required", "name is required.")
	}
	domains, err := in.domainList()
	if err != nil {
		return nil, err
	}
	o := &organization{Object: "organization", ID: in.ID, Name: strings.TrimSpace(*in.Name), Metadata: map[string]string{},
		CreatedAt: formatTime(t.now), UpdatedAt: formatTime(t.now)}
	if o.ID == "" {
		o.ID = t.newID("org_")
	}
	if in.Metadata != nil && *in.Metadata != nil {
		if err := validateMetadata(*in.Metadata); err != nil {
			return nil, err
		}
		o.Metadata = *in.Metadata
	}
	if in.ExternalID != nil && *in.ExternalID != "" {
		if err := t.checkExternalID("organization", *in.ExternalID, ""); err != nil {
			return nil, err
		}
		o.ExternalID = in.ExternalID
	}
	if in.AllowProfilesOutsideOrganization != nil {
		o.AllowProfilesOutsideOrganization = *in.AllowProfilesOutsideOrganization
	}
	if in.StripeCustomerID != nil {
		o.StripeCustomerID = *in.StripeCustomerID
	}
	if err := t.saveOrganization(o); err != nil {
		return nil, err
	}
	for _, d := range domains {
		if _, err := t.addDomain(o.ID, d, "manual"); err != nil {
			return nil, err
		}
	}
	if o, err = t.withDomains(o); err != nil {
		return nil, err
	}
	return o, t.emit("organization.created", o.ID, o)
}

func createOrganizationHandler(c *call) (int, any, error) {
	var in orgInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	in.ID = ""
	o, err := c.t.createOrganization(in)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, o, nil
}

func listOrganizations(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	orgs, err := loadAll[organization](c.t, "organization", "")
	if err != nil {
		return 0, nil, err
	}
	wantDomains := map[string]bool{}
	for _, d := range c.queryList("domains") {
		wantDomains[strings.ToLower(d)] = true
	}
	search := strings.ToLower(c.query.Get("search"))
	out := orgs[:0]
	for _, o := range orgs {
		if _, err := c.t.withDomains(o); err != nil {
			return 0, nil, err
		}
		if search != "" && !strings.Contains(strings.ToLower(o.Name), search) {
			continue
		}
		if len(wantDomains) > 0 {
			hit := false
			for _, d := range o.Domains {
				hit = hit || wantDomains[d.Domain]
			}
			if !hit {
				continue
			}
		}
		out = append(out, o)
	}
	return http.StatusOK, paginate(out, func(o *organization) string { return o.ID }, p), nil
}

func getOrganization(c *call) (int, any, error) {
	o, err := c.t.organization(c.param("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, o, nil
}

func getOrganizationByExternalID(c *call) (int, any, error) {
	ext := c.param("external_id")
	o, err := find(c.t, "organization", "", func(o *organization) bool { return o.ExternalID != nil && *o.ExternalID == ext })
	if errors.Is(err, errNotFound) {
		return 0, nil, notFound("Organization", ext)
	}
	if err != nil {
		return 0, nil, err
	}
	o, err = c.t.withDomains(o)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, o, nil
}

func updateOrganization(c *call) (int, any, error) {
	var in orgInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	t := c.t
	o, err := t.organization(c.param("id"))
	if err != nil {
		return 0, nil, err
	}
	if in.Name != nil {
		if strings.TrimSpace(*in.Name) == "" {
			return 0, nil, invalidField("name", "name_required", "name cannot be empty.")
		}
		o.Name = strings.TrimSpace(*in.Name)
	}
	if in.Metadata != nil {
		if *in.Metadata == nil {
			o.Metadata = map[string]string{}
		} else {
			if err := validateMetadata(*in.Metadata); err != nil {
				return 0, nil, err
			}
			merged := map[string]string{}
			for k, v := range o.Metadata {
				merged[k] = v
			}
			for k, v := range *in.Metadata {
				if v == "" {
					delete(merged, k) // WorkOS: an empty value removes the key
				} else {
					merged[k] = v
				}
			}
			o.Metadata = merged
		}
	}
	if in.ExternalID != nil {
		if *in.ExternalID == "" {
			o.ExternalID = nil
		} else {
			if err := t.checkExternalID("organization", *in.ExternalID, o.ID); err != nil {
				return 0, nil, err
			}
			o.ExternalID = in.ExternalID
		}
	}
	if in.AllowProfilesOutsideOrganization != nil {
		o.AllowProfilesOutsideOrganization = *in.AllowProfilesOutsideOrganization
	}
	if in.StripeCustomerID != nil {
		o.StripeCustomerID = *in.StripeCustomerID
	}
	if in.Domains != nil || in.DomainData != nil {
		want, err := in.domainList()
		if err != nil {
			return 0, nil, err
		}
		keep := map[string]domainData{}
		for _, d := range want {
			keep[d.Domain] = d
		}
		for _, d := range o.Domains {
			if _, ok := keep[d.Domain]; ok {
				delete(keep, d.Domain)
				continue
			}
			if err := t.remove("organization_domain", d.ID); err != nil {
				return 0, nil, err
			}
			if err := t.emit("organization_domain.deleted", o.ID, d); err != nil {
				return 0, nil, err
			}
		}
		for _, d := range want {
			if _, ok := keep[d.Domain]; ok {
				if _, err := t.addDomain(o.ID, d, "manual"); err != nil {
					return 0, nil, err
				}
			}
		}
	}
	o.UpdatedAt = formatTime(t.now)
	if err := t.saveOrganization(o); err != nil {
		return 0, nil, err
	}
	if o, err = t.withDomains(o); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, o, t.emit("organization.updated", o.ID, o)
}

// deleteOrganization removes the organization and everything that hangs off it, each with its
// own deletion event, as WorkOS does.
func deleteOrganizationHandler(c *call) (int, any, error) {
	t := c.t
	o, err := t.organization(c.param("id"))
	if err != nil {
		return 0, nil, err
	}
	conns, err := loadAll[connection](t, "connection", o.ID)
	if err != nil {
		return 0, nil, err
	}
	for _, cn := range conns {
		if err := t.deleteConnection(cn); err != nil {
			return 0, nil, err
		}
	}
	dirs, err := loadAll[directory](t, "directory", o.ID)
	if err != nil {
		return 0, nil, err
	}
	for _, d := range dirs {
		if err := t.deleteDirectory(d); err != nil {
			return 0, nil, err
		}
	}
	ms, err := loadAll[membership](t, "organization_membership", o.ID)
	if err != nil {
		return 0, nil, err
	}
	for _, m := range ms {
		if err := t.deleteMembership(m); err != nil {
			return 0, nil, err
		}
	}
	for _, d := range o.Domains {
		if err := t.emit("organization_domain.deleted", o.ID, d); err != nil {
			return 0, nil, err
		}
	}
	if err := t.removeOrg(o.ID, "organization_domain", "invitation", "organization_role", "api_key", "audit_log_event", "audit_log_export", "audit_log_retention", "session", "group", "connect_application", "authz_resource", "role_assignment", "group_role_assignment", "authorized_application", "agent_registration", "data_integration_configuration", "connected_account", "organization"); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, nil, t.emit("organization.deleted", o.ID, o)
}

// Organization domains.

func (t *tx) domain(id string) (*orgDomain, error) {
	d, err := loadFound[orgDomain](t, "organization_domain", "Organization domain", id)
	return d, err
}

func createDomain(c *call) (int, any, error) {
	var in struct {
		Domain         string `json:"domain"`
		OrganizationID string `json:"organization_id"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	var errs []fieldError
	in.Domain = strings.ToLower(strings.TrimSpace(in.Domain))
	if !domainRE.MatchString(in.Domain) {
		errs = append(errs, fieldError{Field: "domain", Code: "invalid_domain", Message: "domain must be a valid domain name."})
	}
	if in.OrganizationID == "" {
		errs = append(errs, fieldError{Field: "organization_id", Code: "organization_id_required", Message: "organization_id is required."})
	}
	if len(errs) > 0 {
		return 0, nil, invalidParams(errs...)
	}
	o, err := c.t.organization(in.OrganizationID)
	if err != nil {
		return 0, nil, err
	}
	for _, d := range o.Domains {
		if d.Domain == in.Domain {
			return 0, nil, conflict("domain_already_exists", "Domain already exists for this organization.")
		}
	}
	d, err := c.t.addDomain(o.ID, domainData{Domain: in.Domain, State: "pending"}, "dns")
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, d, nil
}

func getDomain(c *call) (int, any, error) {
	d, err := c.t.domain(c.param("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, d, nil
}

// verifyDomain succeeds for every pending domain: the emulator has no DNS to look at, except
// that a domain under .invalid always fails (to exercise the failure path).
func verifyDomain(c *call) (int, any, error) {
	t := c.t
	d, err := t.domain(c.param("id"))
	if err != nil {
		return 0, nil, err
	}
	if d.State == "verified" || d.State == "legacy_verified" {
		return 0, nil, badRequest("domain_already_verified", "Domain '"+d.Domain+"' is already verified.")
	}
	if strings.HasSuffix(d.Domain, ".invalid") {
		d.State = "failed"
		d.UpdatedAt = formatTime(t.now)
		if err := t.save("organization_domain", d.ID, d.OrganizationID, d); err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, d, t.emit("organization_domain.verification_failed", d.OrganizationID,
			map[string]any{"organization_domain": d, "reason": "domain_verification_period_expired"})
	}
	if taken, err := t.verifiedElsewhere(d.Domain, d.OrganizationID); err != nil {
		return 0, nil, err
	} else if taken {
		return 0, nil, badRequest("domain_already_verified", "Domain '"+d.Domain+"' is verified by another organization.")
	}
	d.State = "verified"
	d.UpdatedAt = formatTime(t.now)
	if err := t.save("organization_domain", d.ID, d.OrganizationID, d); err != nil {
		return 0, nil, err
	}
	if err := t.emit("organization_domain.verified", d.OrganizationID, d); err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, d, nil
}

func deleteDomain(c *call) (int, any, error) {
	d, err := c.t.domain(c.param("id"))
	if err != nil {
		return 0, nil, err
	}
	if err := c.t.remove("organization_domain", d.ID); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, c.t.emit("organization_domain.deleted", d.OrganizationID, d)
}
