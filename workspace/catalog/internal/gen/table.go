package main

// This table is the catalog's editorial layer: for every operation of the spec, its stable name,
// its class, and (optionally) a description in our words; or the reason it is excluded. The
// generator refuses to run when the spec has an operation this table does not mention, so a new
// operation is always a reviewed decision, and a name never changes by accident.
//
// Class rules:
//   - read: GET, and POSTs that only look something up or check it (validate, check, export).
//   - destructive: what the call's own parameters cannot undo, and whatever takes access away.
//     Deleting an object with an ID and state of its own (organization, connection, directory,
//     user, membership, role, ...), revoking what cannot be restored (sessions, API keys, client
//     secrets, an application's grant, an invitation's link), shortening audit-log retention (old
//     events are purged), and removing a permission, a role assignment or a group membership
//     (people lose what it granted; the same effect through a replacing update is confirmed too,
//     see effects.go).
//   - write: everything else, including removing a configuration link that the inverse call
//     restores exactly (a flag target, a redirect URI, a Radar list entry) and deactivation,
//     which reactivation undoes.
//
// Exclusions: minting or rotating credentials (the value would reach the agent, and a new
// credential is a new way in), acting as an end user inside a sign-in flow (authorize URLs, code
// and token exchanges, MFA challenges, accepting an invitation — the caller would become that
// person), and handing out tokens that let someone act as a user.

type class string

// Short names keep the table below readable: one operation a line.
const (
	R class = "read"
	W class = "write"
	D class = "destructive"
)

type entry struct {
	key     string // "METHOD /path" exactly as in the spec
	name    string // <resource>.<action>
	class   class
	desc    string // our words; "" = generated from the name
	exclude string // non-empty: excluded, with this reason
	idem    *bool  // nil = from the method
	email   bool   // sends email even when the spec does not say so
	// rename gives path parameters another name where a body field has the spec's name; the
	// catalog's Path uses the new placeholder.
	rename map[string]string
}

func op(key, name string, c class, desc string) entry {
	return entry{key: key, name: name, class: c, desc: desc}
}

func excl(key, name, reason string) entry { return entry{key: key, name: name, exclude: reason} }

func (e entry) idempotent(v bool) entry { e.idem = &v; return e }

func (e entry) sendsEmail() entry { e.email = true; return e }

func (e entry) renamePath(from, to string) entry {
	e.rename = map[string]string{from: to}
	return e
}

const (
	whyMintKey      = "mints a credential: its value would reach the agent, and a new credential is a new way into the environment"
	whyEndUserAuth  = "an end user's sign-in step: the caller would act as that person, which the workspace server never does"
	whyUserToken    = "hands out a token that lets the holder act as a user or call the API; credentials never go to the agent"
	whyImpersonate  = "acts as another person (accepting, confirming, completing on their behalf)"
	whyKeyMaterial  = "exposes or rotates encryption key material"
	whyEndUserRadar = "reports an end user's live sign-in attempt; only the application's own sign-in path should send it"
)

// resources gives each resource its words for generated descriptions: singular, plural.
var resources = map[string][2]string{
	"agent_credentials":              {"agent credential", "agent credentials"},
	"agent_claim_attempts":           {"agent claim attempt", "agent claim attempts"},
	"agent_registrations":            {"agent registration", "agent registrations"},
	"api_keys":                       {"API key", "API keys"},
	"application_client_secrets":     {"application client secret", "application client secrets"},
	"applications":                   {"Connect application", "Connect applications"},
	"audit_log_actions":              {"audit-log action", "audit-log actions"},
	"audit_log_events":               {"audit-log event", "audit-log events"},
	"audit_log_exports":              {"audit-log export", "audit-log exports"},
	"audit_log_retention":            {"audit-log retention setting", "audit-log retention settings"},
	"audit_log_schemas":              {"audit-log action schema", "audit-log action schemas"},
	"auth_challenges":                {"MFA challenge", "MFA challenges"},
	"auth_factors":                   {"MFA factor", "MFA factors"},
	"authkit":                        {"AuthKit sign-in", "AuthKit sign-ins"},
	"authorization":                  {"authorization check", "authorization checks"},
	"authorization_resources":        {"authorization resource", "authorization resources"},
	"client_tokens":                  {"client API token", "client API tokens"},
	"connected_accounts":             {"connected account", "connected accounts"},
	"connections":                    {"SSO connection", "SSO connections"},
	"cors_origins":                   {"CORS origin", "CORS origins"},
	"data_integrations":              {"data integration", "data integrations"},
	"directories":                    {"directory", "directories"},
	"directory_groups":               {"directory group", "directory groups"},
	"directory_users":                {"directory user", "directory users"},
	"email_verifications":            {"email verification", "email verifications"},
	"events":                         {"event", "events"},
	"feature_flag_targets":           {"feature-flag target", "feature-flag targets"},
	"feature_flags":                  {"feature flag", "feature flags"},
	"group_members":                  {"group member", "group members"},
	"group_role_assignments":         {"group role assignment", "group role assignments"},
	"groups":                         {"group", "groups"},
	"invitations":                    {"invitation", "invitations"},
	"jwks":                           {"JSON Web Key Set", "JSON Web Key Sets"},
	"jwt_template":                   {"JWT template", "JWT templates"},
	"magic_auth":                     {"Magic Auth code", "Magic Auth codes"},
	"membership_permissions":         {"effective permission", "effective permissions"},
	"membership_resources":           {"resource a membership can reach", "resources a membership can reach"},
	"membership_role_assignments":    {"membership role assignment", "membership role assignments"},
	"organization_api_keys":          {"organization API key", "organization API keys"},
	"organization_authorized_apps":   {"authorized application", "authorized applications"},
	"organization_data_integrations": {"organization data-integration configuration", "organization data-integration configurations"},
	"organization_domains":           {"organization domain", "organization domains"},
	"organization_feature_flags":     {"organization feature flag", "organization feature flags"},
	"organization_memberships":       {"organization membership", "organization memberships"},
	"organization_roles":             {"organization role", "organization roles"},
	"organizations":                  {"organization", "organizations"},
	"password_resets":                {"password reset", "password resets"},
	"permissions":                    {"permission", "permissions"},
	"portal_links":                   {"Admin Portal link", "Admin Portal links"},
	"radar_attempts":                 {"Radar attempt", "Radar attempts"},
	"radar_challenges":               {"Radar challenge", "Radar challenges"},
	"radar_lists":                    {"Radar list entry", "Radar list entries"},
	"redirect_uris":                  {"redirect URI", "redirect URIs"},
	"roles":                          {"environment role", "environment roles"},
	"sessions":                       {"session", "sessions"},
	"sso":                            {"SSO flow", "SSO flows"},
	"user_api_keys":                  {"user API key", "user API keys"},
	"user_authorized_applications":   {"authorized application of a user", "authorized applications of a user"},
	"user_management":                {"user-management flow", "user-management flows"},
	"users":                          {"user", "users"},
	"vault_keys":                     {"Vault key", "Vault keys"},
	"vault_objects":                  {"Vault object", "Vault objects"},
	"webhook_endpoints":              {"webhook endpoint", "webhook endpoints"},
	"widgets":                        {"widget session token", "widget session tokens"},
}

var table = []entry{
	// Agents
	excl("PATCH /agents/claims/attempts", "agent_claim_attempts.link_external_user", "returns the code an agent uses to claim a user's account: "+whyUserToken),
	op("POST /agents/credentials/validate", "agent_credentials.validate", R, "Check whether an agent credential is valid and what it belongs to.").idempotent(true),
	op("GET /agents/registrations/{id}", "agent_registrations.get", R, ""),

	// API keys
	op("POST /api_keys/validations", "api_keys.validate", R, "Check whether an API key value is valid and return the key's record (never its value).").idempotent(true),
	op("DELETE /api_keys/{id}", "api_keys.delete", D, "Delete an API key. Every caller using it is cut off at once; the key cannot be restored."),
	op("POST /api_keys/{id}/expire", "api_keys.expire", D, "Expire an API key now. An expired key cannot be revived.").idempotent(true),

	// Audit logs
	op("GET /audit_logs/actions", "audit_log_actions.list", R, "List the audit-log actions configured in the environment."),
	op("POST /audit_logs/actions/{actionName}/schemas", "audit_log_schemas.create", W, "Define a new schema version for an audit-log action (targets, actor and metadata shapes)."),
	op("GET /audit_logs/actions/{actionName}/schemas", "audit_log_schemas.list", R, "List the schema versions of an audit-log action."),
	op("POST /audit_logs/events", "audit_log_events.create", W, "Record an event in an organization's audit log."),
	op("POST /audit_logs/exports", "audit_log_exports.create", R, "Start a CSV export of an organization's audit-log events, filtered by time range, actions, actors or targets. Reads only."),
	op("GET /audit_logs/exports/{auditLogExportId}", "audit_log_exports.get", R, "Get an audit-log export: its state and, when ready, its download URL."),

	// Multi-factor authentication (the API's own, outside user management)
	excl("POST /auth/challenges/{id}/verify", "auth_challenges.verify", whyEndUserAuth),
	excl("POST /auth/factors/enroll", "auth_factors.enroll", "creates a TOTP or SMS factor and returns its secret: "+whyMintKey),
	op("GET /auth/factors/{id}", "auth_factors.get", R, ""),
	op("DELETE /auth/factors/{id}", "auth_factors.delete", D, "Delete an MFA factor. Its secret is gone; the person must enroll again."),
	excl("POST /auth/factors/{id}/challenge", "auth_factors.challenge", whyEndUserAuth),

	excl("POST /authkit/oauth2/complete", "authkit.complete_login", "completes a person's AuthKit sign-in on the application's behalf: "+whyImpersonate),

	// Fine-grained authorization: group role assignments
	op("GET /authorization/groups/{group_id}/role_assignments", "group_role_assignments.list", R, "List the roles assigned to a group."),
	op("POST /authorization/groups/{group_id}/role_assignments", "group_role_assignments.create", W, "Assign a role to a group, optionally on a resource."),
	op("PUT /authorization/groups/{group_id}/role_assignments", "group_role_assignments.replace", W, "Replace all of a group's role assignments with the given set."),
	op("DELETE /authorization/groups/{group_id}/role_assignments", "group_role_assignments.delete_matching", D, "Remove a group's role assignments that match the given role and resource. Its members lose what the roles granted."),
	op("GET /authorization/groups/{group_id}/role_assignments/{role_assignment_id}", "group_role_assignments.get", R, ""),
	op("DELETE /authorization/groups/{group_id}/role_assignments/{role_assignment_id}", "group_role_assignments.delete", D, "Remove one role assignment from a group. Its members lose what the role granted."),

	// Fine-grained authorization: memberships
	op("POST /authorization/organization_memberships/{organization_membership_id}/check", "authorization.check", R, "Check whether an organization membership holds a permission, optionally on a resource.").idempotent(true),
	op("GET /authorization/organization_memberships/{organization_membership_id}/resources", "membership_resources.list", R, "List the resources an organization membership can reach."),
	op("GET /authorization/organization_memberships/{organization_membership_id}/resources/{resource_id}/permissions", "membership_permissions.list", R, "List the permissions an organization membership holds on a resource."),
	op("GET /authorization/organization_memberships/{organization_membership_id}/resources/{resource_type_slug}/{external_id}/permissions", "membership_permissions.list_by_external_id", R, "List the permissions an organization membership holds on a resource named by type and external ID."),
	op("GET /authorization/organization_memberships/{organization_membership_id}/role_assignments", "membership_role_assignments.list", R, "List the roles assigned to an organization membership."),
	op("POST /authorization/organization_memberships/{organization_membership_id}/role_assignments", "membership_role_assignments.create", W, "Assign a role to an organization membership, optionally on a resource."),
	op("DELETE /authorization/organization_memberships/{organization_membership_id}/role_assignments", "membership_role_assignments.delete_matching", D, "Remove a membership's role assignments that match the given role and resource. The person loses what the roles granted."),
	op("DELETE /authorization/organization_memberships/{organization_membership_id}/role_assignments/{role_assignment_id}", "membership_role_assignments.delete", D, "Remove one role assignment from an organization membership. The person loses what the role granted."),

	// Organization roles
	op("POST /authorization/organizations/{organizationId}/roles", "organization_roles.create", W, "Create a role that exists only in one organization."),
	op("GET /authorization/organizations/{organizationId}/roles", "organization_roles.list", R, "List the roles available in an organization: its own and the environment's."),
	op("GET /authorization/organizations/{organizationId}/roles/{slug}", "organization_roles.get", R, ""),
	op("PATCH /authorization/organizations/{organizationId}/roles/{slug}", "organization_roles.update", W, "").idempotent(true),
	op("DELETE /authorization/organizations/{organizationId}/roles/{slug}", "organization_roles.delete", D, "Delete an organization role. Members holding it lose it; the role and its permission set are gone."),
	op("PUT /authorization/organizations/{organizationId}/roles/{slug}/permissions", "organization_roles.set_permissions", W, "Replace the permissions of an organization role with the given set."),
	op("POST /authorization/organizations/{organizationId}/roles/{slug}/permissions", "organization_roles.add_permission", W, "Add one permission to an organization role.").renamePath("slug", "role_slug"),
	op("DELETE /authorization/organizations/{organizationId}/roles/{slug}/permissions/{permissionSlug}", "organization_roles.remove_permission", D, "Remove one permission from an organization role. Every member holding the role loses it."),

	// Authorization resources, addressed by external ID
	op("GET /authorization/organizations/{organization_id}/resources/{resource_type_slug}/{external_id}", "authorization_resources.get_by_external_id", R, "Get an authorization resource by its type and your external ID."),
	op("PATCH /authorization/organizations/{organization_id}/resources/{resource_type_slug}/{external_id}", "authorization_resources.update_by_external_id", W, "Update an authorization resource named by its type and your external ID.").idempotent(true),
	op("DELETE /authorization/organizations/{organization_id}/resources/{resource_type_slug}/{external_id}", "authorization_resources.delete_by_external_id", D, "Delete an authorization resource named by type and external ID, with the role assignments made on it."),
	op("GET /authorization/organizations/{organization_id}/resources/{resource_type_slug}/{external_id}/organization_memberships", "authorization_resources.list_memberships_by_external_id", R, "List the organization memberships with access to a resource named by type and external ID."),
	op("GET /authorization/organizations/{organization_id}/resources/{resource_type_slug}/{external_id}/role_assignments", "authorization_resources.list_role_assignments_by_external_id", R, "List the role assignments made on a resource named by type and external ID."),

	// Permissions
	op("GET /authorization/permissions", "permissions.list", R, "List the permissions defined in the environment."),
	op("POST /authorization/permissions", "permissions.create", W, ""),
	op("GET /authorization/permissions/{slug}", "permissions.get", R, ""),
	op("PATCH /authorization/permissions/{slug}", "permissions.update", W, "").idempotent(true),
	op("DELETE /authorization/permissions/{slug}", "permissions.delete", D, "Delete a permission. Every role that grants it loses it."),

	// Authorization resources
	op("GET /authorization/resources", "authorization_resources.list", R, ""),
	op("POST /authorization/resources", "authorization_resources.create", W, "Register a resource of yours (a project, a document...) for fine-grained authorization, in an organization and optionally under a parent."),
	op("GET /authorization/resources/{resource_id}", "authorization_resources.get", R, ""),
	op("PATCH /authorization/resources/{resource_id}", "authorization_resources.update", W, "").idempotent(true),
	op("DELETE /authorization/resources/{resource_id}", "authorization_resources.delete", D, "Delete an authorization resource with the role assignments made on it."),
	op("GET /authorization/resources/{resource_id}/organization_memberships", "authorization_resources.list_memberships", R, "List the organization memberships with access to a resource."),
	op("GET /authorization/resources/{resource_id}/role_assignments", "authorization_resources.list_role_assignments", R, "List the role assignments made on a resource."),

	// Environment roles
	op("POST /authorization/roles", "roles.create", W, "Create an environment role, available to every organization."),
	op("GET /authorization/roles", "roles.list", R, "List the environment's roles with their permissions."),
	op("GET /authorization/roles/{slug}", "roles.get", R, ""),
	op("PATCH /authorization/roles/{slug}", "roles.update", W, "").idempotent(true),
	op("PUT /authorization/roles/{slug}/permissions", "roles.set_permissions", W, "Replace the permissions of an environment role with the given set."),
	op("POST /authorization/roles/{slug}/permissions", "roles.add_permission", W, "Add one permission to an environment role.").renamePath("slug", "role_slug"),

	excl("POST /client/token", "client_tokens.create", whyUserToken),

	// Connect applications
	op("GET /connect/applications", "applications.list", R, ""),
	op("POST /connect/applications", "applications.create", W, "Register a Connect (OAuth) application. Its client secrets are not created here."),
	op("GET /connect/applications/{id}", "applications.get", R, ""),
	op("PUT /connect/applications/{id}", "applications.update", W, ""),
	op("DELETE /connect/applications/{id}", "applications.delete", D, "Delete a Connect application. Its client secrets and every grant made to it stop working."),
	op("GET /connect/applications/{id}/client_secrets", "application_client_secrets.list", R, "List an application's client secrets (metadata only, never the values)."),
	excl("POST /connect/applications/{id}/client_secrets", "application_client_secrets.create", whyMintKey),
	op("DELETE /connect/client_secrets/{id}", "application_client_secrets.delete", D, "Revoke an application client secret. Whoever uses it is cut off; it cannot be restored."),

	// SSO connections
	op("GET /connections", "connections.list", R, "List SSO connections, filtered by organization, type or domain."),
	op("GET /connections/{id}", "connections.get", R, "Get an SSO connection: its type, state and domains."),
	op("DELETE /connections/{id}", "connections.delete", D, "Delete an SSO connection. Its members can no longer sign in through it; the identity provider must be set up again."),

	// Pipes (data integrations)
	op("POST /data-integrations", "data_integrations.create", W, ""),
	op("GET /data-integrations", "data_integrations.list", R, ""),
	op("GET /data-integrations/{slug}", "data_integrations.get", R, ""),
	op("PUT /data-integrations/{slug}", "data_integrations.update", W, ""),
	op("DELETE /data-integrations/{slug}", "data_integrations.delete", D, "Delete a data integration, with every user's connection to that provider."),
	op("PUT /data-integrations/{slug}/api-key", "data_integrations.set_api_key", W, "Store a provider API key you supply for a data integration."),
	excl("POST /data-integrations/{slug}/authorize", "data_integrations.authorize", "builds the URL a user follows to connect their own account: "+whyEndUserAuth),
	op("PUT /data-integrations/{slug}/client-credentials", "data_integrations.set_client_credentials", W, "Store OAuth client credentials you supply for a data integration."),
	excl("POST /data-integrations/{slug}/credentials", "data_integrations.issue_credentials", "returns a user's live provider access token: "+whyUserToken),
	excl("POST /data-integrations/{slug}/token", "data_integrations.issue_user_token", whyUserToken),

	// Directory Sync
	op("GET /directories", "directories.list", R, "List directories (Directory Sync), filtered by organization or domain."),
	op("GET /directories/{id}", "directories.get", R, "Get a directory: its provider, state and organization."),
	op("DELETE /directories/{id}", "directories.delete", D, "Delete a directory with all its synced users and groups. The provider must be connected again to sync."),
	op("GET /directory_groups", "directory_groups.list", R, "List the groups synced from a directory, or a directory user's groups."),
	op("GET /directory_groups/{id}", "directory_groups.get", R, ""),
	op("GET /directory_users", "directory_users.list", R, "List the users synced from a directory, or the members of a directory group."),
	op("GET /directory_users/{id}", "directory_users.get", R, ""),

	op("GET /events", "events.list", R, "List recent events (organization, user, connection, directory changes...), filtered by type, organization and time."),

	// Feature flags
	op("GET /feature-flags", "feature_flags.list", R, ""),
	op("GET /feature-flags/{slug}", "feature_flags.get", R, ""),
	op("PUT /feature-flags/{slug}/disable", "feature_flags.disable", W, "Turn a feature flag off for everyone; enabling it restores it."),
	op("PUT /feature-flags/{slug}/enable", "feature_flags.enable", W, "Turn a feature flag on."),
	op("POST /feature-flags/{slug}/targets/{resourceId}", "feature_flag_targets.create", W, "Target a feature flag at an organization or user.").idempotent(true),
	op("DELETE /feature-flags/{slug}/targets/{resourceId}", "feature_flag_targets.delete", W, "Stop targeting a feature flag at an organization or user; targeting again restores it."),

	// Organization domains
	op("POST /organization_domains", "organization_domains.create", W, "Add a domain to an organization; it starts unverified."),
	op("GET /organization_domains/{id}", "organization_domains.get", R, "Get an organization domain and its verification state."),
	op("DELETE /organization_domains/{id}", "organization_domains.delete", D, "Remove a domain from an organization. Its verification is lost and must be redone."),
	op("POST /organization_domains/{id}/verify", "organization_domains.verify", W, "Start (or retry) DNS verification of an organization domain.").idempotent(true),

	// Organizations
	op("GET /organizations", "organizations.list", R, "List organizations, filtered by domain or a name search."),
	op("POST /organizations", "organizations.create", W, "Create an organization, optionally with its domains and an external ID."),
	op("GET /organizations/external_id/{external_id}", "organizations.get_by_external_id", R, "Get an organization by your external ID."),
	op("GET /organizations/{id}", "organizations.get", R, "Get an organization with its domains."),
	op("PUT /organizations/{id}", "organizations.update", W, "Update an organization's name, domains, external ID or metadata."),
	op("DELETE /organizations/{id}", "organizations.delete", D, "Delete an organization and everything that hangs off it: domains, SSO connections, directories, memberships."),
	op("GET /organizations/{id}/audit_log_configuration", "organizations.get_audit_log_configuration", R, "Get an organization's audit-log setup: retention, log stream and its state."),
	op("GET /organizations/{id}/audit_logs_retention", "audit_log_retention.get", R, "Get how many days an organization's audit-log events are kept."),
	op("PUT /organizations/{id}/audit_logs_retention", "audit_log_retention.update", D, "Change how long an organization's audit-log events are kept. Shortening it purges older events for good."),
	op("GET /organizations/{organizationId}/api_keys", "organization_api_keys.list", R, "List an organization's API keys (metadata only, never the values)."),
	excl("POST /organizations/{organizationId}/api_keys", "organization_api_keys.create", whyMintKey),
	op("GET /organizations/{organizationId}/data_integration_configurations", "organization_data_integrations.list", R, ""),
	op("PUT /organizations/{organizationId}/data_integration_configurations/{slug}", "organization_data_integrations.configure", W, "Enable or configure a data integration for one organization."),
	op("GET /organizations/{organizationId}/feature-flags", "organization_feature_flags.list", R, "List the feature flags in effect for an organization."),
	op("POST /organizations/{organizationId}/groups", "groups.create", W, "Create a group in an organization."),
	op("GET /organizations/{organizationId}/groups", "groups.list", R, "List an organization's groups."),
	op("GET /organizations/{organizationId}/groups/{groupId}", "groups.get", R, ""),
	op("PATCH /organizations/{organizationId}/groups/{groupId}", "groups.update", W, "").idempotent(true),
	op("DELETE /organizations/{organizationId}/groups/{groupId}", "groups.delete", D, "Delete a group. Its members lose the roles granted through it."),
	op("POST /organizations/{organizationId}/groups/{groupId}/organization-memberships", "group_members.add", W, "Put an organization membership into a group."),
	op("GET /organizations/{organizationId}/groups/{groupId}/organization-memberships", "group_members.list", R, "List the members of a group."),
	op("DELETE /organizations/{organizationId}/groups/{groupId}/organization-memberships/{omId}", "group_members.remove", D, "Remove a member from a group. They lose the roles granted through it."),
	op("GET /organizations/{organization_id}/authorized_applications", "organization_authorized_apps.list", R, "List the applications an organization has authorized."),

	op("POST /portal/generate_link", "portal_links.create", W, "Create a short-lived Admin Portal link for an organization's IT admin (SSO, Directory Sync, domain verification, audit logs, log streams)."),

	// Radar
	excl("POST /radar/attempts", "radar_attempts.create", whyEndUserRadar),
	excl("PUT /radar/attempts/{id}", "radar_attempts.update", whyEndUserRadar),
	op("POST /radar/lists/{type}/{action}", "radar_lists.add", W, "Add an entry (IP, domain, email, country...) to a Radar allow or block list.").idempotent(true),
	op("DELETE /radar/lists/{type}/{action}", "radar_lists.remove", W, "Remove an entry from a Radar allow or block list; adding it again restores it."),

	// SSO (end-user flows)
	excl("GET /sso/authorize", "sso.authorize", whyEndUserAuth),
	op("GET /sso/jwks/{clientId}", "jwks.get", R, "Get the public keys that verify the environment's session tokens."),
	excl("GET /sso/logout", "sso.logout", whyEndUserAuth),
	excl("POST /sso/logout/authorize", "sso.logout_authorize", whyEndUserAuth),
	excl("GET /sso/profile", "sso.get_profile", "reads a profile with an end user's SSO access token: "+whyEndUserAuth),
	excl("POST /sso/token", "sso.token", whyEndUserAuth),

	// User management: authentication flows
	excl("POST /user_management/authenticate", "user_management.authenticate", whyEndUserAuth),
	excl("GET /user_management/authorize", "user_management.authorize", whyEndUserAuth),
	excl("POST /user_management/authorize/device", "user_management.authorize_device", whyEndUserAuth),
	op("POST /user_management/cors_origins", "cors_origins.create", W, "Allow a browser origin to call the API from the environment's application."),
	op("GET /user_management/cors_origins", "cors_origins.list", R, ""),
	op("GET /user_management/email_verification/{id}", "email_verifications.get", R, "Get an email verification's state."),

	// Invitations
	op("GET /user_management/invitations", "invitations.list", R, "List invitations, filtered by organization or email."),
	op("POST /user_management/invitations", "invitations.send", W, "Invite a person by email, optionally into an organization with a role."),
	op("GET /user_management/invitations/by_token/{token}", "invitations.get_by_token", R, "Look up an invitation by its token."),
	op("GET /user_management/invitations/{id}", "invitations.get", R, "Get an invitation and its state."),
	excl("POST /user_management/invitations/{id}/accept", "invitations.accept", whyImpersonate),
	op("POST /user_management/invitations/{id}/resend", "invitations.resend", W, "Send a pending invitation's email again."),
	op("POST /user_management/invitations/{id}/revoke", "invitations.revoke", D, "Revoke a pending invitation. Its link stops working for good; a new invitation means a new email.").idempotent(true),

	op("GET /user_management/jwt_template", "jwt_template.get", R, "Get the template that shapes the environment's access-token claims."),
	op("PUT /user_management/jwt_template", "jwt_template.update", W, "Change the template that shapes the environment's access-token claims."),
	op("POST /user_management/magic_auth", "magic_auth.create", W, "Email a one-time sign-in code to a person. The code itself is never shown."),
	op("GET /user_management/magic_auth/{id}", "magic_auth.get", R, "Get a Magic Auth code's record (the code is never shown)."),

	// Organization memberships
	op("GET /user_management/organization_memberships", "organization_memberships.list", R, "List organization memberships, filtered by user, organization or status."),
	op("POST /user_management/organization_memberships", "organization_memberships.create", W, "Add a user to an organization with a role."),
	op("GET /user_management/organization_memberships/{id}", "organization_memberships.get", R, ""),
	op("DELETE /user_management/organization_memberships/{id}", "organization_memberships.delete", D, "Delete an organization membership and its role assignments. Deactivating is the reversible alternative."),
	op("PUT /user_management/organization_memberships/{id}", "organization_memberships.update", W, "Change the role of an organization membership."),
	op("PUT /user_management/organization_memberships/{id}/deactivate", "organization_memberships.deactivate", W, "Deactivate an organization membership, keeping it; reactivating restores it."),
	op("PUT /user_management/organization_memberships/{id}/reactivate", "organization_memberships.reactivate", W, "Reactivate a deactivated organization membership."),
	op("GET /user_management/organization_memberships/{omId}/groups", "organization_memberships.list_groups", R, "List the groups an organization membership belongs to."),

	// Password resets
	op("POST /user_management/password_reset", "password_resets.create", W, "Email a person a link to reset their password. The token itself is never shown."),
	excl("POST /user_management/password_reset/confirm", "password_resets.confirm", "sets a person's password with their reset token: "+whyImpersonate),
	op("GET /user_management/password_reset/{id}", "password_resets.get", R, "Get a password reset's record (the token is never shown)."),
	excl("POST /user_management/radar_challenges", "radar_challenges.create", whyEndUserAuth),
	op("GET /user_management/radar_challenges/{id}", "radar_challenges.get", R, ""),

	// Redirect URIs
	op("POST /user_management/redirect_uris", "redirect_uris.create", W, "Allow a redirect URI for the environment's sign-in flows."),
	op("GET /user_management/redirect_uris", "redirect_uris.list", R, ""),
	op("DELETE /user_management/redirect_uris/{id}", "redirect_uris.delete", W, "Stop allowing a redirect URI; adding it again restores it."),

	// Sessions
	excl("GET /user_management/sessions/logout", "sessions.logout", whyEndUserAuth),
	op("POST /user_management/sessions/revoke", "sessions.revoke", D, "Revoke a user's session. The person is signed out; the session cannot be restored.").idempotent(true),

	// Users
	op("GET /user_management/users", "users.list", R, "List users, filtered by email or organization."),
	op("POST /user_management/users", "users.create", W, "Create a user, optionally with a password (or a password hash to import) and an external ID."),
	op("GET /user_management/users/external_id/{external_id}", "users.get_by_external_id", R, "Get a user by your external ID."),
	op("PUT /user_management/users/{id}", "users.update", W, "Update a user's name, email, external ID, metadata or password."),
	op("GET /user_management/users/{id}", "users.get", R, "Get a user by ID: name, email and its verification, external ID, metadata, last sign-in."),
	op("DELETE /user_management/users/{id}", "users.delete", D, "Delete a user with their memberships, sessions, factors and identities."),
	excl("POST /user_management/users/{id}/email_change/confirm", "users.confirm_email_change", "confirms an email change with the code sent to the person: "+whyImpersonate),
	op("POST /user_management/users/{id}/email_change/send", "users.send_email_change", W, "Email a person a code to confirm a change of their email address."),
	excl("POST /user_management/users/{id}/email_verification/confirm", "users.confirm_email_verification", "verifies an email with the code sent to the person: "+whyImpersonate),
	op("POST /user_management/users/{id}/email_verification/send", "users.send_verification_email", W, "Email a person a code to verify their email address.").sendsEmail(),
	op("GET /user_management/users/{id}/identities", "users.list_identities", R, "List the identity-provider accounts (Google, Microsoft, GitHub...) linked to a user."),
	op("GET /user_management/users/{id}/sessions", "users.list_sessions", R, "List a user's sessions."),
	op("GET /user_management/users/{userId}/api_keys", "user_api_keys.list", R, "List a user's API keys (metadata only, never the values)."),
	excl("POST /user_management/users/{userId}/api_keys", "user_api_keys.create", whyMintKey),
	op("GET /user_management/users/{userId}/feature-flags", "users.list_feature_flags", R, "List the feature flags in effect for a user."),
	op("GET /user_management/users/{user_id}/authorized_applications", "user_authorized_applications.list", R, "List the applications a user has authorized."),
	op("DELETE /user_management/users/{user_id}/authorized_applications/{application_id}", "user_authorized_applications.delete", D, "Revoke a user's grant to an application. Its tokens stop working; the person must consent again."),
	op("GET /user_management/users/{user_id}/connected_accounts/{slug}", "connected_accounts.get", R, "Get a user's connected account for a provider (tokens are never shown)."),
	op("DELETE /user_management/users/{user_id}/connected_accounts/{slug}", "connected_accounts.delete", D, "Disconnect a user's account at a provider. Its stored tokens are gone; the person must connect again."),
	op("POST /user_management/users/{user_id}/connected_accounts/{slug}", "connected_accounts.import", W, "Import a user's connected account from OAuth tokens you supply."),
	op("PUT /user_management/users/{user_id}/connected_accounts/{slug}", "connected_accounts.update", W, "Replace a user's connected-account tokens, scopes or state with values you supply."),
	op("GET /user_management/users/{user_id}/data_providers", "users.list_data_providers", R, "List the data providers available to a user and whether each is connected."),
	excl("POST /user_management/users/{userlandUserId}/auth_factors", "users.enroll_auth_factor", "creates a TOTP factor and returns its secret: "+whyMintKey),
	op("GET /user_management/users/{userlandUserId}/auth_factors", "users.list_auth_factors", R, "List a user's MFA factors (secrets are never shown)."),

	// Vault
	excl("POST /vault/v1/keys/data-key", "vault_keys.create_data_key", whyKeyMaterial),
	excl("POST /vault/v1/keys/decrypt", "vault_keys.decrypt", whyKeyMaterial),
	excl("POST /vault/v1/keys/rekey", "vault_keys.rekey", whyKeyMaterial),
	op("GET /vault/v1/kv", "vault_objects.list", R, "List Vault objects (names and metadata)."),
	op("POST /vault/v1/kv", "vault_objects.create", W, "Store a value you supply in Vault."),
	op("GET /vault/v1/kv/name/{name}", "vault_objects.get_by_name", R, "Get a Vault object by name (its value is never shown)."),
	op("DELETE /vault/v1/kv/{id}", "vault_objects.delete", D, "Delete a Vault object with all its versions."),
	op("GET /vault/v1/kv/{id}", "vault_objects.get", R, "Get a Vault object (its value is never shown)."),
	op("PUT /vault/v1/kv/{id}", "vault_objects.update", W, "Store a new value you supply for a Vault object."),
	op("GET /vault/v1/kv/{id}/metadata", "vault_objects.get_metadata", R, "Get a Vault object's metadata: context, size, version and timestamps."),
	op("GET /vault/v1/kv/{id}/versions", "vault_objects.list_versions", R, "List the versions of a Vault object."),

	// Webhooks
	op("GET /webhook_endpoints", "webhook_endpoints.list", R, "List webhook endpoints with their subscribed events and state."),
	op("POST /webhook_endpoints", "webhook_endpoints.create", W, "Create a webhook endpoint for the given events. Its signing secret is never shown."),
	op("PATCH /webhook_endpoints/{id}", "webhook_endpoints.update", W, "Change a webhook endpoint's URL, events or state.").idempotent(true),
	op("DELETE /webhook_endpoints/{id}", "webhook_endpoints.delete", D, "Delete a webhook endpoint. Events stop being delivered to it; its secret is gone."),

	excl("POST /widgets/token", "widgets.create_token", whyUserToken),
}
