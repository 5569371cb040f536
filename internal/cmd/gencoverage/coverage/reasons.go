package coverage

// notEmulated says, for each spec operation the emulator leaves out, why: the operation only
// makes sense against a service the emulator does not run (an identity provider, hosted pages,
// the widgets), or it is served elsewhere in the local stack. Keyed by "METHOD /path" as the
// spec writes it. A test fails when an operation that is not emulated has no reason here, or
// when a reason is kept for an operation that is emulated (or no longer in the spec).
var notEmulated = map[string]string{
	"PATCH /agents/claims/attempts": "An agent's claim is completed through WorkOS's hosted claim flow, between the agent and a person; " +
		"the emulator has no claim flow (agent registrations come from the seed).",
	"POST /authkit/oauth2/complete": "Completes AuthKit's hosted sign-in for Standalone Connect. `workos-mcp dev` serves it from localauth " +
		"(under the same origin), which holds the sign-in and consent pages; `emulate` alone has no sign-in page to return to.",
	"POST /client/token": "Mints a token for WorkOS's Client GraphQL API, which the emulator does not serve: a token nothing can use " +
		"would only hide that.",
	"GET /sso/authorize": "Starts SSO at an identity provider (SAML or OIDC); the emulator runs no identity provider. " +
		"Sign-in in `workos-mcp dev` goes through localauth instead.",
	"GET /sso/logout":            "Redirects to the identity provider's logout; the emulator runs no identity provider.",
	"POST /sso/logout/authorize": "Prepares an identity-provider logout (see GET /sso/logout); the emulator runs no identity provider.",
	"GET /sso/profile":           "Reads the profile of an SSO sign-in, which needs an identity provider (see GET /sso/authorize).",
	"POST /sso/token":            "Exchanges the code of an SSO sign-in, which needs an identity provider (see GET /sso/authorize).",
	"GET /user_management/authorize": "Redirects a browser to AuthKit's hosted sign-in or an identity provider; the emulator serves no " +
		"hosted sign-in (`workos-mcp dev` signs people in through localauth).",
	"POST /user_management/authorize/device": "Starts the device (CLI) sign-in, which a person completes on AuthKit's hosted pages; " +
		"the emulator serves no hosted pages.",
	"POST /user_management/radar_challenges": "Sends an SMS code inside a sign-in that Radar challenged, with that sign-in's pending " +
		"authentication token; the emulator's sign-ins are never challenged by Radar, so there is no token to send it with.",
	"POST /widgets/token": "Mints a token for WorkOS's hosted widgets, which the emulator does not serve: a token nothing can use " +
		"would only hide that.",
}
