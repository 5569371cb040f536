package main

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// This file is the catalog's effect layer: the area of every resource, and the effect of every
// body field of every write operation. The generator refuses to run when an operation's resource
// has no area, or a write operation's body field is not classified here, so a new field in the
// spec is always a reviewed decision (testdata/catalog.golden in the catalog package pins the
// result).
//
// Effects (see catalog.Effect):
//   - plain: sets a value another call can set back.
//   - secret: stores a secret the person supplies; allowed, never echoed or logged.
//   - credential: sets or resets a way to sign in as someone. Refused to agents under every
//     operation: a password or password hash sets one directly; a user's email (or its
//     verification flag) decides where password resets and Magic Auth codes go, so changing it
//     is a takeover in two steps; an email change sent to an address the agent chooses is the
//     same. Creating a user with a chosen password is refused for the same reason (the agent would
//     hold a working sign-in for an account it then grants roles to).
//   - replaces: replaces a collection or value that exists; the call is confirmed first when the
//     new value drops something the current one has (a domain, a permission, a role, a redirect
//     URI, a scope, an event subscription, the JWT template).

// resourceAreas gives every resource its area; byOperation overrides it for single operations
// whose path sits under one resource but acts on another area.
var resourceAreas = map[string]string{
	"agent_credentials":              "agents",
	"agent_registrations":            "agents",
	"api_keys":                       "api_keys",
	"application_client_secrets":     "applications",
	"applications":                   "applications",
	"audit_log_actions":              "audit_logs",
	"audit_log_events":               "audit_logs",
	"audit_log_exports":              "audit_logs",
	"audit_log_retention":            "audit_logs",
	"audit_log_schemas":              "audit_logs",
	"auth_factors":                   "users",
	"authorization":                  "roles",
	"authorization_resources":        "roles",
	"connected_accounts":             "data_integrations",
	"connections":                    "sso",
	"cors_origins":                   "redirect_uris",
	"data_integrations":              "data_integrations",
	"directories":                    "directories",
	"directory_groups":               "directories",
	"directory_users":                "directories",
	"email_verifications":            "users",
	"events":                         "events",
	"feature_flag_targets":           "feature_flags",
	"feature_flags":                  "feature_flags",
	"group_members":                  "roles",
	"group_role_assignments":         "roles",
	"groups":                         "roles",
	"invitations":                    "users",
	"jwks":                           "settings",
	"jwt_template":                   "settings",
	"magic_auth":                     "users",
	"membership_permissions":         "roles",
	"membership_resources":           "roles",
	"membership_role_assignments":    "roles",
	"organization_api_keys":          "api_keys",
	"organization_authorized_apps":   "applications",
	"organization_data_integrations": "data_integrations",
	"organization_domains":           "domains",
	"organization_feature_flags":     "feature_flags",
	"organization_memberships":       "organizations",
	"organization_roles":             "roles",
	"organizations":                  "organizations",
	"password_resets":                "users",
	"permissions":                    "roles",
	"portal_links":                   "admin_portal",
	"radar_challenges":               "radar",
	"radar_lists":                    "radar",
	"redirect_uris":                  "redirect_uris",
	"roles":                          "roles",
	"sessions":                       "users",
	"user_api_keys":                  "api_keys",
	"user_authorized_applications":   "applications",
	"users":                          "users",
	"vault_objects":                  "vault",
	"webhook_endpoints":              "webhooks",
}

var operationAreas = map[string]string{
	"organizations.get_audit_log_configuration": "audit_logs",
	"users.list_data_providers":                 "data_integrations",
	"users.list_feature_flags":                  "feature_flags",
}

// fieldSpec classifies the body fields of one write operation: space-separated field names per
// effect, and how each replaces field compares with what exists.
type fieldSpec struct {
	plain, secret, credential, replaces string
	compare                             []replacement
}

// replacement mirrors catalog.Replacement (see its documentation).
type replacement struct{ field, read, current, currentKey, newKey string }

var fieldEffects = map[string]fieldSpec{
	"api_keys.expire":     {plain: "expires_at"},
	"applications.create": {plain: "application_type description is_first_party name organization_id redirect_uris scopes uses_pkce"},
	"applications.update": {plain: "description name", replaces: "redirect_uris scopes", compare: []replacement{
		{"redirect_uris", "/connect/applications/{id}", "redirect_uris", "uri", "uri"},
		{"scopes", "/connect/applications/{id}", "scopes", "", ""},
	}},
	"audit_log_events.create":                       {plain: "event organization_id"},
	"audit_log_retention.update":                    {plain: "retention_period_in_days"},
	"audit_log_schemas.create":                      {plain: "actor metadata targets"},
	"authorization_resources.create":                {plain: "description external_id name organization_id parent_resource_external_id parent_resource_id parent_resource_type_slug resource_type_slug"},
	"authorization_resources.update":                {plain: "description name parent_resource_external_id parent_resource_id parent_resource_type_slug"},
	"authorization_resources.update_by_external_id": {plain: "description name parent_resource_external_id parent_resource_id parent_resource_type_slug"},
	"connected_accounts.import":                     {plain: "expires_at scopes state", secret: "access_token refresh_token"},
	"connected_accounts.update": {plain: "expires_at state", secret: "access_token refresh_token", replaces: "scopes", compare: []replacement{
		{"scopes", "/user_management/users/{user_id}/connected_accounts/{slug}", "scopes", "", ""},
	}},
	"cors_origins.create":                      {plain: "origin"},
	"data_integrations.create":                 {plain: "auth_methods config custom_provider description enabled provider scopes", secret: "api_key credentials"},
	"data_integrations.set_api_key":            {plain: "organization_id user_id", secret: "secret"},
	"data_integrations.set_client_credentials": {plain: "client_id config organization_id user_id", secret: "client_secret"},
	"data_integrations.update": {plain: "custom_provider description enabled", secret: "api_key credentials", replaces: "scopes", compare: []replacement{
		{"scopes", "/data-integrations/{slug}", "scopes", "", ""},
	}},
	"group_members.add":                      {plain: "organization_membership_id"},
	"group_role_assignments.create":          {plain: "resource_external_id resource_id resource_type_slug role_slug"},
	"group_role_assignments.delete_matching": {plain: "resource_external_id resource_id resource_type_slug role_slug"},
	"group_role_assignments.replace": {replaces: "role_assignments", compare: []replacement{
		{"role_assignments", "/authorization/groups/{group_id}/role_assignments", "data", "role.slug+resource.id", "role_slug+resource_id"},
	}},
	"groups.create":      {plain: "description name"},
	"groups.update":      {plain: "description name"},
	"invitations.resend": {plain: "locale"},
	"invitations.send":   {plain: "email expires_in_days inviter_user_id locale organization_id role_slug"},
	"jwt_template.update": {replaces: "content", compare: []replacement{
		{"content", "/user_management/jwt_template", "content", "", ""},
	}},
	"magic_auth.create":                           {plain: "email ip_address radar_auth_attempt_id signals_id user_agent", secret: "invitation_token"},
	"membership_role_assignments.create":          {plain: "resource_external_id resource_id resource_type_slug role_slug"},
	"membership_role_assignments.delete_matching": {plain: "resource_external_id resource_id resource_type_slug role_slug"},
	"organization_data_integrations.configure": {plain: "config enabled", secret: "client_id client_secret", replaces: "scopes", compare: []replacement{
		{"scopes", "", "", "", ""},
	}},
	"organization_domains.create":     {plain: "domain organization_id"},
	"organization_memberships.create": {plain: "organization_id role_slug role_slugs user_id"},
	"organization_memberships.update": {replaces: "role_slug role_slugs", compare: []replacement{
		{"role_slug", "/user_management/organization_memberships/{id}", "role.slug", "", ""},
		{"role_slugs", "/user_management/organization_memberships/{id}", "roles", "slug", ""},
	}},
	"organization_roles.add_permission": {plain: "slug"},
	"organization_roles.create":         {plain: "description name resource_type_slug slug"},
	"organization_roles.set_permissions": {replaces: "permissions", compare: []replacement{
		{"permissions", "/authorization/organizations/{organizationId}/roles/{slug}", "permissions", "", ""},
	}},
	"organization_roles.update": {plain: "description name"},
	"organizations.create":      {plain: "allow_profiles_outside_organization domain_data domains external_id metadata name"},
	"organizations.update": {plain: "allow_profiles_outside_organization external_id metadata name stripe_customer_id", replaces: "domain_data domains", compare: []replacement{
		{"domain_data", "/organizations/{id}", "domains", "domain", "domain"},
		{"domains", "/organizations/{id}", "domains", "domain", ""},
	}},
	"password_resets.create": {plain: "email"},
	"permissions.create":     {plain: "description name resource_type_slug slug"},
	"permissions.update":     {plain: "description name"},
	"portal_links.create":    {plain: "intent it_contact_emails organization return_url success_url"},
	"radar_lists.add":        {plain: "entry"},
	"radar_lists.remove":     {plain: "entry"},
	"redirect_uris.create":   {plain: "uri"},
	"roles.add_permission":   {plain: "slug"},
	"roles.create":           {plain: "description name resource_type_slug slug"},
	"roles.set_permissions": {replaces: "permissions", compare: []replacement{
		{"permissions", "/authorization/roles/{slug}", "permissions", "", ""},
	}},
	"roles.update":             {plain: "description name"},
	"sessions.revoke":          {plain: "session_id"},
	"users.create":             {plain: "email external_id first_name ip_address last_name metadata name signals_id user_agent", credential: "email_verified password password_hash password_hash_type password_salt_position"},
	"users.send_email_change":  {credential: "new_email"},
	"users.update":             {plain: "external_id first_name last_name locale metadata name", credential: "email email_verified password password_hash password_hash_type password_salt_position"},
	"vault_objects.create":     {plain: "key_context name", secret: "value"},
	"vault_objects.update":     {plain: "version_check", secret: "value"},
	"webhook_endpoints.create": {plain: "endpoint_url events"},
	"webhook_endpoints.update": {plain: "endpoint_url status", replaces: "events", compare: []replacement{
		{"events", "", "", "", ""},
	}},
}

var knownAreas = map[string]bool{
	"users": true, "organizations": true, "domains": true, "sso": true, "directories": true, "roles": true,
	"api_keys": true, "applications": true, "webhooks": true, "redirect_uris": true, "audit_logs": true,
	"events": true, "settings": true, "admin_portal": true, "feature_flags": true, "data_integrations": true,
	"vault": true, "radar": true, "agents": true,
}

// classify sets an operation's area and the effect of each of its body fields, and refuses what
// nobody classified.
func classify(g *genOp) error {
	g.area = resourceAreas[g.resource]
	if a, ok := operationAreas[g.name]; ok {
		g.area = a
	}
	if g.area == "" {
		return fmt.Errorf("effects.go: resource %s (%s) has no area", g.resource, g.name)
	}
	if !knownAreas[g.area] {
		return fmt.Errorf("effects.go: %s: area %q is not one of catalog.Areas()", g.name, g.area)
	}
	var body []string
	for name, in := range g.in {
		if in == "body" {
			body = append(body, name)
		}
	}
	sort.Strings(body)
	spec, has := fieldEffects[g.name]
	if g.class == "read" {
		if has {
			return fmt.Errorf("effects.go: %s is a read operation; its fields have no effect to classify", g.name)
		}
		return nil
	}
	if !has {
		if len(body) > 0 {
			return fmt.Errorf("effects.go: write operation %s has body fields %s that nobody classified", g.name, strings.Join(body, ", "))
		}
		return nil
	}
	g.effects = map[string]string{}
	for effect, list := range map[string]string{"plain": spec.plain, "secret": spec.secret, "credential": spec.credential, "replaces": spec.replaces} {
		for _, f := range strings.Fields(list) {
			if _, dup := g.effects[f]; dup {
				return fmt.Errorf("effects.go: %s: field %s classified twice", g.name, f)
			}
			if g.in[f] != "body" {
				return fmt.Errorf("effects.go: %s: %s is not a body field of the operation", g.name, f)
			}
			g.effects[f] = effect
		}
	}
	var missing []string
	for _, f := range body {
		if _, ok := g.effects[f]; !ok {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("effects.go: %s: body field(s) %s that nobody classified", g.name, strings.Join(missing, ", "))
	}
	compared := map[string]bool{}
	for _, r := range spec.compare {
		if g.effects[r.field] != "replaces" {
			return fmt.Errorf("effects.go: %s: compare entry for %s, which is not a replaces field", g.name, r.field)
		}
		for _, m := range placeholder.FindAllStringSubmatch(r.read, -1) {
			if g.in[m[1]] != "path" {
				return fmt.Errorf("effects.go: %s: %s reads %s, whose {%s} is not a path parameter of the operation", g.name, r.field, r.read, m[1])
			}
		}
		compared[r.field] = true
		g.compare = append(g.compare, r)
	}
	for f, e := range g.effects {
		if e == "replaces" && !compared[f] {
			return fmt.Errorf("effects.go: %s: replaces field %s has no compare entry (use an empty read to always confirm)", g.name, f)
		}
	}
	sort.Slice(g.compare, func(i, j int) bool { return g.compare[i].field < g.compare[j].field })
	return nil
}

var placeholder = regexp.MustCompile(`\{([^}]+)\}`)
