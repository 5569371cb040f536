package catalog_test

import (
	"strings"
	"testing"

	"github.com/workos-mcp/workos-mcp/workspace/catalog"
)

// TestEveryOperationHasAnArea: roles are limited by area, so an operation without one would be
// reachable by no limited role, or by every one, by accident.
func TestEveryOperationHasAnArea(t *testing.T) {
	for _, op := range catalog.All() {
		if !op.Area.Valid() {
			t.Errorf("%s: area %q is not one of catalog.Areas()", op.Name, op.Area)
		}
	}
	for _, a := range catalog.Areas() {
		if a.Describe() == "" {
			t.Errorf("area %s has no description", a)
		}
	}
}

// TestAreasAreNotPathPrefixes pins the cases where a path prefix would have put an operation in
// the wrong area (issue: /organizations covered retention, organization API keys and groups).
func TestAreasAreNotPathPrefixes(t *testing.T) {
	want := map[string]catalog.Area{
		"organizations.update":                      catalog.AreaOrganizations,
		"audit_log_retention.update":                catalog.AreaAuditLogs,
		"organizations.get_audit_log_configuration": catalog.AreaAuditLogs,
		"organization_api_keys.list":                catalog.AreaAPIKeys,
		"groups.create":                             catalog.AreaRoles,
		"group_members.remove":                      catalog.AreaRoles,
		"organization_roles.remove_permission":      catalog.AreaRoles,
		"organization_feature_flags.list":           catalog.AreaFeatureFlags,
		"organization_data_integrations.configure":  catalog.AreaDataIntegrations,
		"organization_authorized_apps.list":         catalog.AreaApplications,
		"user_api_keys.list":                        catalog.AreaAPIKeys,
		"users.list_feature_flags":                  catalog.AreaFeatureFlags,
		"organization_domains.delete":               catalog.AreaDomains,
		"organization_memberships.update":           catalog.AreaOrganizations,
		"users.update":                              catalog.AreaUsers,
		"events.list":                               catalog.AreaEvents,
		"redirect_uris.create":                      catalog.AreaRedirectURIs,
		"cors_origins.create":                       catalog.AreaRedirectURIs,
	}
	for name, area := range want {
		op, ok := catalog.Lookup(name)
		if !ok {
			t.Errorf("%s missing", name)
			continue
		}
		if op.Area != area {
			t.Errorf("%s: area %s, want %s", name, op.Area, area)
		}
	}
}

// TestWriteFieldsAreClassified: every body field of every write operation has an effect, and
// read operations have none.
func TestWriteFieldsAreClassified(t *testing.T) {
	for _, op := range catalog.All() {
		for name, in := range op.In {
			if in != catalog.InBody {
				continue
			}
			_, ok := op.Effects[name]
			if op.Class == catalog.Read && ok {
				t.Errorf("%s (read) classifies %s", op.Name, name)
			}
			if op.Class != catalog.Read && !ok {
				t.Errorf("%s: body field %s has no effect", op.Name, name)
			}
		}
		for f, e := range op.Effects {
			if e == catalog.Replaces {
				if _, ok := op.Replacement(f); !ok {
					t.Errorf("%s: replaces field %s has no replacement", op.Name, f)
				}
			}
		}
	}
}

// TestCredentialFields: what sets a way to sign in as someone is a credential under every
// operation that carries it, and listed among the refused fields with its reason.
func TestCredentialFields(t *testing.T) {
	want := map[string][]string{
		"users.update":            {"password", "password_hash", "password_hash_type", "password_salt_position", "email", "email_verified"},
		"users.create":            {"password", "password_hash", "password_hash_type", "password_salt_position", "email_verified"},
		"users.send_email_change": {"new_email"},
	}
	refused := map[string]bool{}
	for _, x := range catalog.ExcludedFields() {
		refused[x.Operation+"."+x.Field] = true
		if x.Reason == "" {
			t.Errorf("%s.%s refused without a reason", x.Operation, x.Field)
		}
	}
	for name, fields := range want {
		op, _ := catalog.Lookup(name)
		for _, f := range fields {
			if op.Effect(f) != catalog.Credential {
				t.Errorf("%s.%s: effect %s, want credential", name, f, op.Effect(f))
			}
			if !refused[name+"."+f] {
				t.Errorf("%s.%s not in ExcludedFields", name, f)
			}
		}
	}
	// A field whose name says password, hash or secret is never plain.
	for _, op := range catalog.All() {
		for f, e := range op.Effects {
			if (containsAny(f, "password", "hash", "secret", "token", "credential", "api_key")) && e == catalog.Plain {
				t.Errorf("%s.%s is plain", op.Name, f)
			}
		}
	}
}

func containsAny(s string, subs ...string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}

// TestReplacingFields: updates that can remove what exists are compared with it.
func TestReplacingFields(t *testing.T) {
	for name, field := range map[string]string{
		"organizations.update":               "domain_data",
		"roles.set_permissions":              "permissions",
		"organization_roles.set_permissions": "permissions",
		"group_role_assignments.replace":     "role_assignments",
		"organization_memberships.update":    "role_slug",
		"webhook_endpoints.update":           "events",
		"applications.update":                "redirect_uris",
	} {
		op, _ := catalog.Lookup(name)
		if op.Effect(field) != catalog.Replaces {
			t.Errorf("%s.%s: effect %s, want replaces", name, field, op.Effect(field))
		}
	}
	op, _ := catalog.Lookup("organizations.update")
	r, _ := op.Replacement("domains")
	if r.Read != "/organizations/{id}" || r.Current != "domains" || r.CurrentKey != "domain" || r.NewKey != "" {
		t.Errorf("organizations.update domains replacement = %+v", r)
	}
}

func TestEventArea(t *testing.T) {
	for typ, want := range map[string]catalog.Area{
		"dsync.user.created":                catalog.AreaDirectories,
		"connection.activated":              catalog.AreaSSO,
		"api_key.created":                   catalog.AreaAPIKeys,
		"user.created":                      catalog.AreaUsers,
		"authentication.password_succeeded": catalog.AreaUsers,
		"organization.updated":              catalog.AreaOrganizations,
		"organization_membership.updated":   catalog.AreaOrganizations,
		"organization_domain.verified":      catalog.AreaDomains,
		"role.created":                      catalog.AreaRoles,
	} {
		if got, ok := catalog.EventArea(typ); !ok || got != want {
			t.Errorf("EventArea(%q) = %s, %v; want %s", typ, got, ok, want)
		}
	}
	for _, typ := range []string{"", "nonsense", "users.created", "Dsync.user.created"} {
		if a, ok := catalog.EventArea(typ); ok {
			t.Errorf("EventArea(%q) = %s, want none", typ, a)
		}
	}
}
