package workspace

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/workos-mcp/workos-mcp/workspace/catalog"
)

// The onboard_customer tool; its plan and checks are in onboarding.go.

type onboardCustomerIn struct {
	Name         string   `json:"name" jsonschema:"the customer's organization name (at most 200 characters)"`
	Domains      []string `json:"domains,omitempty" jsonschema:"the customer's email domains, e.g. example.com (no scheme, path, port or wildcard; not a public email provider); a domain another organization holds is refused"`
	AdminEmail   string   `json:"admin_email" jsonschema:"email address of the customer's first admin (a bare address): they get an invitation, sent last"`
	AdminRole    string   `json:"admin_role,omitempty" jsonschema:"role slug for the invitation, one of the environment's roles; default: the environment's default role"`
	ExternalID   string   `json:"external_id,omitempty" jsonschema:"your application's ID for this customer"`
	PortalIntent string   `json:"portal_intent,omitempty" jsonschema:"what the Admin Portal link sets up, one of the intents of portal_links.create (default: sso)"`
	Environment  string   `json:"environment,omitempty" jsonschema:"environment name; default: the team's sandbox"`
}

// onboardCustomerOut is what an onboarding did (or found done by an earlier run).
type onboardCustomerOut struct {
	Reused            bool                `json:"reused" jsonschema:"an earlier run created the organization: nothing new was created"`
	Organization      onboardOrganization `json:"organization" jsonschema:"the customer's organization"`
	AdminPortalLink   string              `json:"admin_portal_link" jsonschema:"the Admin Portal link for the customer's IT admin (expires in minutes)"`
	AdminPortalIntent string              `json:"admin_portal_intent" jsonschema:"what the link sets up"`
	Invitation        map[string]any      `json:"invitation" jsonschema:"the first admin's invitation: id, email, state, expires_at, organization_id"`
	InvitationReused  bool                `json:"invitation_reused,omitempty" jsonschema:"the invitation was already waiting: no new email was sent"`
	Done              []string            `json:"done" jsonschema:"each step done, in order"`
	Next              string              `json:"next" jsonschema:"what to do next"`
}

// onboardOrganization is the onboarded organization with its domains' state.
type onboardOrganization struct {
	ID         string          `json:"id" jsonschema:"the organization's ID"`
	Name       string          `json:"name" jsonschema:"its name"`
	ExternalID string          `json:"external_id,omitempty" jsonschema:"your application's ID for it"`
	Domains    []onboardDomain `json:"domains" jsonschema:"its domains"`
}

// onboardDomain is one domain of an onboarded organization.
type onboardDomain struct {
	Domain string `json:"domain" jsonschema:"the domain"`
	State  string `json:"state" jsonschema:"its verification state"`
}

// shapeOnboardCustomer lists the Admin Portal intents, from the catalog, in portal_intent's
// description rather than as an enum: the tool takes them in any case ("DSYNC") and names every
// problem of a call at once, which an enum checked before the tool runs would not.
func shapeOnboardCustomer(in, _ *jsonschema.Schema) {
	if intents, err := portalIntents(); err == nil {
		p := in.Properties["portal_intent"]
		p.Description = "what the Admin Portal link sets up, one of the intents of portal_links.create: " + strings.Join(intents, ", ") + " (default: sso)"
	}
}

func (s *Server) onboardCustomer(ctx context.Context, c *caller, _ *mcp.CallToolRequest, in onboardCustomerIn) (*mcp.CallToolResult, *onboardCustomerOut, error) {
	if err := c.gate(); err != nil {
		return nil, nil, err
	}
	const tool = "onboard_customer"
	intents, err := portalIntents()
	if err != nil {
		return nil, nil, err
	}
	p, err := checkOnboardInput(in, intents)
	if err != nil {
		return nil, nil, err
	}
	// The whole plan passes the policy and the schemas before anything is read or changed, so
	// that a person who may create organizations but not send invitations, or a parameter the
	// API would refuse at the last step, leaves no half onboarding behind.
	if err := s.checkOnboardSteps(ctx, c, in.Environment, p); err != nil {
		return nil, nil, err
	}
	env, err := c.environment(in.Environment)
	if err != nil {
		return nil, nil, err
	}
	unlock, err := lockOnboarding(ctx, env)
	if err != nil {
		return nil, nil, err
	}
	defer unlock()
	if err := s.checkAdminRole(ctx, c, in.Environment, p); err != nil {
		return nil, nil, err
	}
	org, err := s.findExisting(ctx, c, in.Environment, p)
	if err != nil {
		return nil, nil, err
	}
	reused := org != nil
	out := &onboardCustomerOut{Reused: reused}
	var done []string
	var pending map[string]any // the admin's invitation already waiting, on a re-run
	if reused {
		done = append(done, "found organization "+orgRef(org)+" with this name and these domains (an earlier run of this onboarding): nothing new was created")
		if pending, err = s.reusedInvitation(ctx, c, in.Environment, p, org); err != nil {
			return nil, nil, err
		}
		// The later steps, checked again with the organization they would change.
		if err := s.checkWrites(ctx, c, in.Environment, p, str(org, "id"), 1); err != nil {
			return nil, nil, err
		}
	} else {
		raw, err := s.run(ctx, c, tool, in.Environment, "POST", "/organizations", p.writes("")[0].params)
		if err != nil {
			return nil, nil, fmt.Errorf("create the organization: %w. Nothing else was done; if the error leaves in doubt whether the organization was created, run onboard_customer again with the same arguments: it finds and reuses it", err)
		}
		if err := json.Unmarshal(raw, &org); err != nil || str(org, "id") == "" {
			return nil, nil, fmt.Errorf("create the organization: WorkOS answered without an organization ID. Nothing else was done; run onboard_customer again with the same arguments: it finds and reuses the organization if it exists")
		}
		done = append(done, fmt.Sprintf("created organization %s with domains [%s] (pending verification)", orgRef(org), strings.Join(p.domains, ", ")))
	}
	orgID := str(org, "id")
	out.Organization = onboardOrganization{ID: orgID, Name: str(org, "name"), ExternalID: str(org, "external_id")}
	for _, d := range sortedKeys(orgDomains(org)) {
		out.Organization.Domains = append(out.Organization.Domains, onboardDomain{Domain: d, State: orgDomains(org)[d]})
	}
	steps := p.writes(orgID)

	// The link first: it proves the organization and the intent work before anyone is emailed.
	raw, err := s.run(ctx, c, tool, in.Environment, steps[1].method, steps[1].path, steps[1].params)
	if err != nil {
		return nil, nil, onboardingIncomplete(p, orgID, done, "the Admin Portal link", err,
			"the invitation to "+p.adminEmail+" was not sent, so that nobody is emailed about an onboarding that is not ready")
	}
	var link struct {
		Link string `json:"link"`
	}
	_ = json.Unmarshal(raw, &link)
	out.AdminPortalLink, out.AdminPortalIntent = link.Link, p.intent
	done = append(done, "generated an Admin Portal link ("+p.intent+")")

	if pending != nil {
		out.Invitation = pick(pending, "id", "email", "state", "expires_at", "organization_id")
		out.InvitationReused = true
		done = append(done, "found the invitation to "+p.adminEmail+" ("+str(pending, "state")+"): no new email was sent")
	} else {
		raw, err := s.run(ctx, c, tool, in.Environment, steps[2].method, steps[2].path, steps[2].params)
		if err != nil {
			return nil, nil, onboardingIncomplete(p, orgID, done, "the invitation", err, "")
		}
		var m map[string]any
		_ = json.Unmarshal(raw, &m)
		out.Invitation = pick(m, "id", "email", "state", "expires_at", "organization_id")
		done = append(done, "invited "+p.adminEmail)
	}
	out.Done = done
	out.Next = "Send the Admin Portal link to the customer's IT admin (it expires in minutes; run onboard_customer again for a fresh one); the invitation went to " + p.adminEmail + "."
	return nil, out, nil
}

// onboardingIncomplete says what an onboarding did before a step failed and how to finish it. A
// half onboarding is not rolled back: the organization stays, and a re-run with the same
// arguments reuses it and does only what is missing.
func onboardingIncomplete(p *onboardPlan, orgID string, done []string, step string, err error, skipped string) error {
	var b strings.Builder
	fmt.Fprintf(&b, " Done so far (not rolled back): %s.", strings.Join(done, "; "))
	if step == "the invitation" {
		b.WriteString(" The Admin Portal link is not shown: the re-run makes a fresh one.")
	}
	if skipped != "" {
		fmt.Fprintf(&b, " Not done: %s.", skipped)
	}
	fmt.Fprintf(&b, " To finish: run onboard_customer again with the same arguments (it reuses %s and does only what is missing)", orgID)
	if step == "the invitation" {
		fmt.Fprintf(&b, ", or mutate invitations.send with email %s and organization_id %s", p.adminEmail, orgID)
	}
	b.WriteString(".")
	// Wrapped, so that a refusal (a limit, a protection) is still recorded as one.
	return fmt.Errorf("onboard_customer stopped at %s: %w.%s", step, err, b.String())
}

// prepareCheck runs the policy for an operation without parameters or a call.
func (s *Server) prepareCheck(c *caller, envName string, op *catalog.Operation) (*Environment, error) {
	env, err := c.environment(envName)
	if err != nil {
		return nil, err
	}
	return env, c.authorize(env, op)
}
