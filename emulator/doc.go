// Package emulator answers like the WorkOS REST API, locally: same paths, JSON shapes, ID formats,
// pagination, error bodies and rate-limit answers, persisted in SQLite.
//
// One process holds several environments, each selected by its API key (Authorization: Bearer
// sk_…). Every request runs in one SQLite transaction, so a request either applies completely or
// not at all, with the events it appends (GET /events).
//
// # Events
//
// A change appends the events WorkOS documents for it (organization.created, user.updated,
// invitation.accepted, …). Of the 86 write routes (POST, PUT, PATCH, DELETE), 36 append none.
// For 29 of them (27 handlers) WorkOS documents no event either: webhook endpoints (create,
// update, delete, and the emulator's redelivery), authorization resources (create, update and
// delete, by ID and by external ID) and their role assignments (assign, unassign by ID or by
// match), Connect applications and their client secrets, redirect URIs, CORS origins, the JWT
// template, email-change codes, audit logs (schemas, events, exports, retention), and the POSTs
// that read rather than change (API-key validation, permission checks, Admin Portal links).
// The other 7 are gaps: WorkOS documents group.member_added and group.member_removed (adding
// and removing a group's members), password_reset.created and password_reset.succeeded, and
// vault.data.created, vault.data.updated and vault.data.deleted (Vault objects), which the
// emulator does not append yet.
//
// # Seed files
//
// An emulator starts from a seed: DefaultSeed (embedded, see the Demo constants) or a JSON file
// read by LoadSeed. A seed lists environments; each holds the objects to create, in this order:
//
//	{
//	  "environments": [{
//	    "name": "sandbox", "kind": "sandbox", "api_key": "sk_test_…", "client_id": "client_…",
//	    "permissions":  [{"slug": "users:read", "name": "Read users"}],
//	    "roles":        [{"slug": "admin", "name": "Admin", "permissions": ["users:read"]}],
//	    "organizations": [{"id": "org_…", "name": "Acme", "external_id": "acme",
//	                       "domains": [{"domain": "acme.test", "state": "verified"}]}],
//	    "users":        [{"email": "a@acme.test", "first_name": "A", "password": "…"}],
//	    "memberships":  [{"user": "a@acme.test", "organization": "Acme", "role": "admin"}],
//	    "invitations":  [{"email": "b@acme.test", "organization": "Acme", "token": "…"}],
//	    "connections":  [{"organization": "Acme", "name": "Acme Okta", "connection_type": "OktaSAML", "state": "active"}],
//	    "directories":  [{"organization": "Acme", "name": "Acme SCIM", "type": "okta scim v2.0",
//	                      "groups": [{"name": "Engineering"}],
//	                      "users": [{"email": "c@acme.test", "first_name": "C", "groups": ["Engineering"]}]}],
//	    "sessions":     [{"user": "a@acme.test", "organization": "Acme"}],
//	    "audit_log_actions": [{"name": "user.signed_in", "targets": ["user"]}],
//	    "audit_log_events":  [{"organization": "Acme", "event": {"action": "user.signed_in", …}}],
//	    "webhook_endpoints": [{"endpoint_url": "https://…", "secret": "whsec_…", "events": ["user.created"]}],
//	    "api_keys":      [{"organization": "Acme", "name": "CI", "value": "sk_…"}],
//	    "feature_flags": [{"slug": "beta", "name": "Beta", "enabled": true, "targets": ["Acme"]}]
//	  }]
//	}
//
// SeedExtras documents more (Connect applications and consents, MFA factors, email
// verifications, Radar challenges, agent registrations, data integrations).
//
// An "id" is optional everywhere (a ULID-based WorkOS ID is generated). References to an
// organization accept its ID, external ID or name; references to a user accept its ID or email.
// Secrets in a seed (API keys, passwords, webhook secrets, invitation tokens, organization API key
// values) are fixed values that Seed.Secrets lists, so tests can check they never leak.
//
// # What the emulator adds
//
// A few paths under /_emulator/ stand in for what WorkOS does outside its API: the CSV of an
// audit-log export (a link that works without an API key, like a presigned URL), the page an
// Admin Portal link opens, and GET /_emulator/emails, the outbox of the emails WorkOS would
// have sent (invitations, verification and magic-auth codes, password resets), readable with
// the environment's API key so that scripts can complete those flows (SMS codes of MFA
// factors and Radar challenge codes land there too), and the page a data integration's
// authorize URL opens (it connects the account at once, as if the person had consented).
// Domain verification succeeds for any domain except those under .invalid.
// POST /user_management/authenticate authenticates the client with client_id and client_secret
// (the environment's API key), signs people in with a password, a magic auth code, an email
// verification code or an organization selection, answers RS256 JWT access tokens verifiable
// with GET /sso/jwks/{clientId} and one-use refresh tokens, and records failures as events. Every event is delivered to the
// webhook endpoints subscribed to it (GET /_emulator/webhook_deliveries is the delivery log).
//
// # Faults and rate limits
//
// InjectFault makes matching requests slow or fail (before or after they apply), for testing
// clients' retries; Options.RateLimit turns on a token bucket per API key answered with 429 and
// Retry-After, like WorkOS.
package emulator
