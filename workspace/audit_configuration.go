package workspace

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The audit_configuration tool: findings across an environment.

type auditConfigurationIn struct {
	Environment string `json:"environment,omitempty" jsonschema:"environment name; default: the team's sandbox"`
}

// auditConfigurationOut is what looks wrong across an environment. A part the person may not
// read (or that failed) is left out of counts and findings and named in unavailable.
type auditConfigurationOut struct {
	Counts             map[string]int `json:"counts" jsonschema:"how many of each kind of object were read: organizations, connections, directories, invitations, webhook_endpoints"`
	Findings           []finding      `json:"findings" jsonschema:"what looks wrong, each with a severity and what to do"`
	FindingsBySeverity map[string]int `json:"findings_by_severity" jsonschema:"the findings counted by severity"`
	Unavailable        unavailable    `json:"unavailable,omitempty" jsonschema:"the parts left out, each with why"`
}

func (s *Server) auditConfiguration(ctx context.Context, c *caller, _ *mcp.CallToolRequest, in auditConfigurationIn) (*mcp.CallToolResult, *auditConfigurationOut, error) {
	if err := c.gate(); err != nil {
		return nil, nil, err
	}
	const tool = "audit_configuration"
	out := &auditConfigurationOut{}
	var findings []finding
	counts := map[string]int{}
	now := s.now()
	orgs, _, err := s.list(ctx, c, tool, in.Environment, "/organizations", nil, 10)
	if err != nil {
		return nil, nil, err
	}
	counts["organizations"] = len(orgs)
	orgName := map[string]string{}
	for _, o := range orgs {
		orgName[str(o, "id")] = str(o, "name")
		ds, _ := o["domains"].([]any)
		for _, d := range ds {
			m, _ := d.(map[string]any)
			if m != nil && str(m, "state") != "" && str(m, "state") != "verified" {
				findings = append(findings, finding{Severity: "warning", Code: "domain_not_verified", Object: str(m, "id"),
					Message: fmt.Sprintf("Domain %s of %s is %s.", str(m, "domain"), str(o, "name"), str(m, "state")),
					Fix:     "Verify it (DNS) or send the customer an Admin Portal link with intent domain_verification."})
			}
		}
	}
	if conns, _, err := s.list(ctx, c, tool, in.Environment, "/connections", nil, 10); err != nil {
		out.Unavailable.fail("connections", err)
	} else {
		counts["connections"] = len(conns)
		for _, cn := range conns {
			if st := str(cn, "state"); st != "active" {
				findings = append(findings, finding{Severity: "error", Code: "connection_not_active", Object: str(cn, "id"),
					Message: fmt.Sprintf("Connection %s (%s) of %s is %s.", str(cn, "name"), str(cn, "connection_type"), firstNonEmpty(orgName[str(cn, "organization_id")], str(cn, "organization_id")), st),
					Fix:     "Finish its setup or delete it if unused."})
			}
		}
	}
	if dirs, _, err := s.list(ctx, c, tool, in.Environment, "/directories", nil, 10); err != nil {
		out.Unavailable.fail("directories", err)
	} else {
		counts["directories"] = len(dirs)
		for _, d := range dirs {
			switch st := str(d, "state"); st {
			case "active", "linked", "":
			default:
				sev := "warning"
				if strings.Contains(st, "invalid") || strings.Contains(st, "error") {
					sev = "error"
				}
				findings = append(findings, finding{Severity: sev, Code: "directory_not_linked", Object: str(d, "id"),
					Message: fmt.Sprintf("Directory %s (%s) of %s is %s.", str(d, "name"), str(d, "type"), firstNonEmpty(orgName[str(d, "organization_id")], str(d, "organization_id")), st),
					Fix:     "Ask the customer's IT admin to repair it through an Admin Portal link with intent dsync."})
			}
		}
	}
	if invs, _, err := s.list(ctx, c, tool, in.Environment, "/user_management/invitations", nil, 10); err != nil {
		out.Unavailable.fail("invitations", err)
	} else {
		counts["invitations"] = len(invs)
		for _, inv := range invs {
			st := str(inv, "state")
			exp, _ := time.Parse(time.RFC3339, str(inv, "expires_at"))
			if st == "expired" || (st == "pending" && !exp.IsZero() && exp.Before(now)) {
				findings = append(findings, finding{Severity: "info", Code: "invitation_expired", Object: str(inv, "id"),
					Message: fmt.Sprintf("The invitation for %s expired.", str(inv, "email")),
					Fix:     "Resend it if the person still needs access, or revoke it."})
			}
		}
	}
	if hooks, _, err := s.list(ctx, c, tool, in.Environment, "/webhook_endpoints", nil, 5); err != nil {
		out.Unavailable.fail("webhook_endpoints", err)
	} else {
		counts["webhook_endpoints"] = len(hooks)
		for _, h := range hooks {
			if st := str(h, "status"); st != "" && st != "enabled" {
				findings = append(findings, finding{Severity: "warning", Code: "webhook_endpoint_not_enabled", Object: str(h, "id"),
					Message: fmt.Sprintf("Webhook endpoint %s is %s: events are not delivered to it.", str(h, "endpoint_url"), st),
					Fix:     "Fix the receiving endpoint and enable it again."})
			}
		}
	}
	findings = nonNil(findings)
	bySeverity := map[string]int{}
	for _, f := range findings {
		bySeverity[f.Severity]++
	}
	out.Counts, out.Findings, out.FindingsBySeverity = counts, findings, bySeverity
	return nil, out, nil
}
