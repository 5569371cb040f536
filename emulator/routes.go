package emulator

import "net/http"

func (e *Emulator) buildRoutes() []*route {
	var rs []*route
	add := func(method, pattern string, h handlerFunc) *route {
		r := &route{method: method, pattern: pattern, segs: splitPath(pattern), h: h}
		rs = append(rs, r)
		return r
	}
	const get, post, put, patch, del = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete

	add(get, "/organizations", listOrganizations)
	add(post, "/organizations", createOrganizationHandler)
	add(get, "/organizations/{id}", getOrganization)
	add(put, "/organizations/{id}", updateOrganization)
	add(del, "/organizations/{id}", deleteOrganizationHandler)
	add(get, "/organizations/external_id/{external_id}", getOrganizationByExternalID)
	add(post, "/organization_domains", createDomain)
	add(get, "/organization_domains/{id}", getDomain)
	add(del, "/organization_domains/{id}", deleteDomain)
	add(post, "/organization_domains/{id}/verify", verifyDomain)

	add(get, "/user_management/users", listUsers)
	add(post, "/user_management/users", createUserHandler)
	add(get, "/user_management/users/{id}", getUser)
	add(put, "/user_management/users/{id}", updateUser)
	add(del, "/user_management/users/{id}", deleteUserHandler)
	add(get, "/user_management/users/external_id/{external_id}", getUserByExternalID)
	add(get, "/user_management/users/{id}/sessions", listUserSessions)
	add(post, "/user_management/sessions/revoke", revokeSession)
	add(post, "/user_management/authenticate", authenticate).public = true
	add(get, "/sso/jwks/{clientId}", getJWKS).public = true

	add(get, "/user_management/organization_memberships", listMemberships)
	add(post, "/user_management/organization_memberships", createMembershipHandler)
	add(get, "/user_management/organization_memberships/{id}", getMembership)
	add(put, "/user_management/organization_memberships/{id}", updateMembership)
	add(del, "/user_management/organization_memberships/{id}", deleteMembershipHandler)
	add(put, "/user_management/organization_memberships/{id}/deactivate", setMembershipStatus("inactive"))
	add(put, "/user_management/organization_memberships/{id}/reactivate", setMembershipStatus("active"))

	add(get, "/user_management/invitations", listInvitations)
	add(post, "/user_management/invitations", createInvitationHandler)
	add(get, "/user_management/invitations/{id}", getInvitation)
	add(get, "/user_management/invitations/by_token/{token}", getInvitationByToken)
	add(post, "/user_management/invitations/{id}/accept", acceptInvitation)
	add(post, "/user_management/invitations/{id}/resend", resendInvitation)
	add(post, "/user_management/invitations/{id}/revoke", revokeInvitation)

	add(get, "/authorization/roles", listRoles)
	add(post, "/authorization/roles", createRoleHandler)
	add(get, "/authorization/roles/{slug}", getRole)
	add(patch, "/authorization/roles/{slug}", updateRole)
	add(put, "/authorization/roles/{slug}/permissions", setRolePermissions)
	add(post, "/authorization/roles/{slug}/permissions", addRolePermission)
	add(get, "/authorization/organizations/{organizationId}/roles", listRoles)
	add(post, "/authorization/organizations/{organizationId}/roles", createRoleHandler)
	add(get, "/authorization/organizations/{organizationId}/roles/{slug}", getRole)
	add(patch, "/authorization/organizations/{organizationId}/roles/{slug}", updateRole)
	add(del, "/authorization/organizations/{organizationId}/roles/{slug}", deleteRole)
	add(put, "/authorization/organizations/{organizationId}/roles/{slug}/permissions", setRolePermissions)
	add(post, "/authorization/organizations/{organizationId}/roles/{slug}/permissions", addRolePermission)
	add(del, "/authorization/organizations/{organizationId}/roles/{slug}/permissions/{permissionSlug}", removeRolePermission)
	add(get, "/authorization/permissions", listPermissions)
	add(post, "/authorization/permissions", createPermissionHandler)
	add(get, "/authorization/permissions/{slug}", getPermission)
	add(patch, "/authorization/permissions/{slug}", updatePermission)
	add(del, "/authorization/permissions/{slug}", deletePermission)

	add(get, "/connections", listConnections)
	add(get, "/connections/{id}", getConnection)
	add(del, "/connections/{id}", deleteConnectionHandler)
	add(get, "/directories", listDirectories)
	add(get, "/directories/{id}", getDirectory)
	add(del, "/directories/{id}", deleteDirectoryHandler)
	add(get, "/directory_users", listDirectoryUsers)
	add(get, "/directory_users/{id}", getDirectoryUser)
	add(get, "/directory_groups", listDirectoryGroups)
	add(get, "/directory_groups/{id}", getDirectoryGroup)

	add(get, "/audit_logs/actions", listAuditActions)
	add(get, "/audit_logs/actions/{actionName}/schemas", listAuditSchemas)
	add(post, "/audit_logs/actions/{actionName}/schemas", createAuditSchemaHandler)
	add(post, "/audit_logs/events", createAuditEventHandler)
	add(post, "/audit_logs/exports", createAuditExport)
	add(get, "/audit_logs/exports/{auditLogExportId}", getAuditExport)
	dl := add(get, "/_emulator/audit_log_exports/{file}", downloadAuditExport)
	dl.public, dl.hidden = true, true
	portal := add(get, "/_emulator/portal", portalPage)
	portal.public, portal.hidden = true, true

	add(get, "/user_management/users/{id}/identities", listIdentities)
	add(post, "/user_management/users/{id}/email_verification/send", sendVerificationEmail)
	add(post, "/user_management/users/{id}/email_verification/confirm", confirmEmailVerification)
	add(post, "/user_management/users/{id}/email_change/send", sendEmailChange)
	add(post, "/user_management/users/{id}/email_change/confirm", confirmEmailChange)
	add(post, "/user_management/password_reset", createPasswordReset)
	add(get, "/user_management/password_reset/{id}", getPasswordReset)
	add(post, "/user_management/password_reset/confirm", confirmPasswordReset)
	add(post, "/user_management/magic_auth", createMagicAuth)
	add(get, "/user_management/magic_auth/{id}", getMagicAuth)
	add(get, "/organizations/{id}/audit_logs_retention", getAuditRetention)
	add(put, "/organizations/{id}/audit_logs_retention", setAuditRetention)
	add(get, "/organizations/{id}/audit_log_configuration", getAuditConfiguration)
	add(post, "/authorization/organization_memberships/{organization_membership_id}/check", checkPermission)
	add(get, "/organizations/{organizationId}/groups", listGroups)
	add(post, "/organizations/{organizationId}/groups", createGroup)
	add(get, "/organizations/{organizationId}/groups/{groupId}", getGroup)
	add(patch, "/organizations/{organizationId}/groups/{groupId}", updateGroup)
	add(del, "/organizations/{organizationId}/groups/{groupId}", deleteGroup)
	add(get, "/organizations/{organizationId}/groups/{groupId}/organization-memberships", listGroupMembers)
	add(post, "/organizations/{organizationId}/groups/{groupId}/organization-memberships", addGroupMember)
	add(del, "/organizations/{organizationId}/groups/{groupId}/organization-memberships/{omId}", removeGroupMember)
	add(get, "/user_management/organization_memberships/{omId}/groups", listMembershipGroups)
	add(get, "/user_management/users/{userlandUserId}/auth_factors", listAuthFactors)
	add(get, "/user_management/users/{user_id}/authorized_applications", listAuthorizedApplications)
	add(get, "/organizations/{organization_id}/authorized_applications", listAuthorizedApplications)
	add(get, "/user_management/sessions/logout", logout).public = true
	add(get, "/user_management/users/{userId}/api_keys", listUserAPIKeys)
	add(post, "/user_management/users/{userId}/api_keys", createUserAPIKey)
	add(post, "/api_keys/{id}/expire", expireAPIKey)
	add(get, "/user_management/cors_origins", listCORSOrigins)
	add(post, "/user_management/cors_origins", createCORSOrigin)
	add(get, "/user_management/redirect_uris", listRedirectURIs)
	add(post, "/user_management/redirect_uris", createRedirectURI)
	add(del, "/user_management/redirect_uris/{id}", deleteRedirectURI)
	add(get, "/user_management/jwt_template", getJWTTemplate)
	add(put, "/user_management/jwt_template", putJWTTemplate)
	add(get, "/vault/v1/kv", vaultRoute(listVaultObjects))
	add(post, "/vault/v1/kv", vaultRoute(createVaultObject))
	add(get, "/vault/v1/kv/name/{name}", vaultRoute(readVaultObject(true, true)))
	add(get, "/vault/v1/kv/{id}", vaultRoute(readVaultObject(true, false)))
	add(put, "/vault/v1/kv/{id}", vaultRoute(updateVaultObject))
	add(del, "/vault/v1/kv/{id}", vaultRoute(deleteVaultObject))
	add(get, "/vault/v1/kv/{id}/metadata", vaultRoute(readVaultObject(false, false)))
	add(get, "/vault/v1/kv/{id}/versions", vaultRoute(listVaultVersions))
	add(get, "/connect/applications", listApps)
	add(post, "/connect/applications", createApp)
	add(get, "/connect/applications/{id}", getApp)
	add(put, "/connect/applications/{id}", updateApp)
	add(del, "/connect/applications/{id}", deleteApp)
	add(get, "/connect/applications/{id}/client_secrets", listAppSecrets)
	add(post, "/connect/applications/{id}/client_secrets", createAppSecret)
	add(del, "/connect/client_secrets/{id}", deleteAppSecret)
	add(get, "/authorization/resources", listResources)
	add(post, "/authorization/resources", createResource)
	add(get, "/authorization/resources/{resource_id}", getResource)
	add(patch, "/authorization/resources/{resource_id}", updateResource)
	add(del, "/authorization/resources/{resource_id}", deleteResource)
	add(get, "/authorization/resources/{resource_id}/organization_memberships", listResourceMemberships)
	add(get, "/authorization/resources/{resource_id}/role_assignments", listResourceAssignments)
	byExt := "/authorization/organizations/{organization_id}/resources/{resource_type_slug}/{external_id}"
	add(get, byExt, getResource)
	add(patch, byExt, updateResource)
	add(del, byExt, deleteResource)
	add(get, byExt+"/organization_memberships", listResourceMemberships)
	add(get, byExt+"/role_assignments", listResourceAssignments)
	om := "/authorization/organization_memberships/{organization_membership_id}"
	add(get, om+"/role_assignments", listMembershipAssignments)
	add(post, om+"/role_assignments", assignRole)
	add(del, om+"/role_assignments", unassignMatching)
	add(del, om+"/role_assignments/{role_assignment_id}", unassignByID)
	add(get, om+"/resources", listMembershipResources)
	add(get, om+"/resources/{resource_id}/permissions", listMembershipPermissions)
	add(get, om+"/resources/{resource_type_slug}/{external_id}/permissions", listMembershipPermissions)
	outbox := add(get, "/_emulator/emails", listEmails)
	outbox.hidden = true

	add(get, "/events", listEvents)
	add(post, "/portal/generate_link", generatePortalLink)

	add(get, "/webhook_endpoints", listWebhooks)
	add(post, "/webhook_endpoints", createWebhookHandler)
	add(patch, "/webhook_endpoints/{id}", updateWebhook)
	add(del, "/webhook_endpoints/{id}", deleteWebhook)
	add(get, "/_emulator/webhook_deliveries", listDeliveries).hidden = true
	add(post, "/_emulator/webhook_deliveries/{id}/redeliver", redeliver).hidden = true

	add(get, "/organizations/{organizationId}/api_keys", listAPIKeys)
	add(post, "/organizations/{organizationId}/api_keys", createAPIKeyHandler)
	add(del, "/api_keys/{id}", deleteAPIKey)
	add(post, "/api_keys/validations", validateAPIKey)

	add(get, "/feature-flags", listFlags)
	add(get, "/feature-flags/{slug}", getFlag)
	add(put, "/feature-flags/{slug}/enable", setFlag(true))
	add(put, "/feature-flags/{slug}/disable", setFlag(false))
	add(post, "/feature-flags/{slug}/targets/{resourceId}", setFlagTarget(true))
	add(del, "/feature-flags/{slug}/targets/{resourceId}", setFlagTarget(false))
	add(get, "/organizations/{organizationId}/feature-flags", listFlags)
	add(get, "/user_management/users/{userId}/feature-flags", listFlags)
	addMoreRoutes(add)
	return rs
}

// portalPage stands in for the hosted Admin Portal that a generated link opens.
func portalPage(c *call) (int, any, error) {
	page := "<!doctype html><title>Admin Portal (emulated)</title><h1>Admin Portal</h1><p>The WorkOS emulator does not serve the Admin Portal; this link is what a real one would open.</p>\n"
	return http.StatusOK, rawBody{contentType: "text/html; charset=utf-8", data: []byte(page)}, nil
}
