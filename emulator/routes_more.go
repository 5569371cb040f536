package emulator

import "net/http"

// addMoreRoutes registers group role assignments, MFA factors, authorized applications, Radar,
// agent registrations, email verifications, Vault data keys and data integrations (Pipes). They are listed here
// rather than in buildRoutes to keep that list short.
func addMoreRoutes(add func(method, pattern string, h handlerFunc) *route) {
	const get, post, put, del = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete

	gra := "/authorization/groups/{group_id}/role_assignments"
	add(get, gra, listGroupAssignments)
	add(post, gra, createGroupAssignment)
	add(put, gra, replaceGroupAssignments)
	add(del, gra, deleteMatchingGroupAssignment)
	add(get, gra+"/{role_assignment_id}", getGroupAssignment)
	add(del, gra+"/{role_assignment_id}", deleteGroupAssignment)

	add(post, "/auth/factors/enroll", enrollFactorHandler)
	add(get, "/auth/factors/{id}", getFactor)
	add(del, "/auth/factors/{id}", deleteFactor)
	add(post, "/auth/factors/{id}/challenge", challengeFactor)
	add(post, "/auth/challenges/{id}/verify", verifyChallenge)
	add(post, "/user_management/users/{userlandUserId}/auth_factors", enrollUserFactor)

	add(del, "/user_management/users/{user_id}/authorized_applications/{application_id}", revokeAuthorizedApplication)

	add(post, "/radar/lists/{type}/{action}", addRadarListEntry)
	add(del, "/radar/lists/{type}/{action}", removeRadarListEntry)
	add(get, "/user_management/radar_challenges/{id}", getRadarChallenge)
	add(post, "/radar/attempts", assessRadarAttempt)
	add(put, "/radar/attempts/{id}", updateRadarAttempt)

	add(get, "/agents/registrations/{id}", getAgentRegistration)
	add(post, "/agents/credentials/validate", validateAgentCredential)

	add(get, "/user_management/email_verification/{id}", getEmailVerification)

	add(post, "/vault/v1/keys/data-key", vaultRoute(createDataKey))
	add(post, "/vault/v1/keys/decrypt", vaultRoute(decryptDataKey))
	add(post, "/vault/v1/keys/rekey", vaultRoute(rekeyDataKey))

	add(get, "/data-integrations", listIntegrations)
	add(post, "/data-integrations", createIntegration)
	add(get, "/data-integrations/{slug}", getIntegration)
	add(put, "/data-integrations/{slug}", updateIntegration)
	add(del, "/data-integrations/{slug}", deleteIntegration)
	add(put, "/data-integrations/{slug}/api-key", setAccountSecret("api_key"))
	add(put, "/data-integrations/{slug}/client-credentials", setAccountSecret("client_credentials"))
	add(post, "/data-integrations/{slug}/authorize", authorizeIntegration)
	add(post, "/data-integrations/{slug}/token", integrationToken)
	add(post, "/data-integrations/{slug}/credentials", integrationCredential)
	consent := add(get, "/_emulator/data-integrations/authorize", completeAuthorization)
	consent.public, consent.hidden = true, true
	add(get, "/organizations/{organizationId}/data_integration_configurations", listIntegrationConfigs)
	add(put, "/organizations/{organizationId}/data_integration_configurations/{slug}", configureIntegration)
	ca := "/user_management/users/{user_id}/connected_accounts/{slug}"
	add(get, ca, getAccount)
	add(post, ca, importAccount)
	add(put, ca, updateAccount)
	add(del, ca, deleteAccount)
	add(get, "/user_management/users/{user_id}/data_providers", listDataProviders)
}
