package coverage

// behaviour is the hand-written part of docs/emulator.md that says how the emulator behaves
// where a team testing against it could be misled before going live: what follows the spec, and
// what follows WorkOS's documentation where the spec is silent.
const behaviour = "## Behaviour before going live\n\n" +
	"Where the spec states a behaviour, the emulator follows it:\n\n" +
	"- **Metadata** on organizations and users holds at most 50 keys (keys up to 40 characters,\n" +
	"  values up to 600), the spec's limits.\n" +
	"- **Audit log events** that fail validation answer 400 `invalid_audit_log_event` with\n" +
	"  `errors[].instancePath`, a JSON pointer into the event (`/targets/0/type`, `/context/location`).\n" +
	"- **Verifying a domain** that is already verified answers 400 `domain_already_verified`.\n" +
	"- **`order`** takes the spec's `asc`, `desc` (default) and `normal`: `normal` lists newest first\n" +
	"  like `desc`, but `before=` pages to older objects and `after=` to newer ones, and\n" +
	"  `list_metadata` points the same way.\n" +
	"- **`Idempotency-Key`**: the spec documents it on `POST /audit_logs/events` only. By default the\n" +
	"  emulator honours it on every POST (a repeat replays the first answer with\n" +
	"  `Idempotent-Replayed: true`; another body under the same key is 409 `idempotency_key_reused`),\n" +
	"  which is more forgiving than WorkOS; not on `POST /user_management/authenticate`, which finds\n" +
	"  its environment in its body (a repeated sign-in signs in again, and a failed one is recorded).\n" +
	"  A request that fails does not use up its key. `--strict-idempotency` (on `emulate` and `dev`) honours it\n" +
	"  only where the spec documents it, so a retried create is applied twice, as it would be against\n" +
	"  WorkOS: test your retries in this mode. Keys are remembered for 24 hours, as the spec says.\n" +
	"- **Rate limits** (WorkOS's documentation; the spec only lists 429 answers): `workos-mcp dev`\n" +
	"  limits each API key to WorkOS's general 6,000 requests a minute (100 a second, bursts of\n" +
	"  1,000) by default and answers 429 `rate_limit_exceeded` with `Retry-After` past it;\n" +
	"  `--rate-limit N` changes it, `0` turns it off. `workos-mcp emulate` is unlimited unless given\n" +
	"  `--rate-limit`. The per-endpoint limits WorkOS documents (sign-in attempts per email, Directory\n" +
	"  Sync user reads) are not emulated.\n\n" +
	"### Webhooks\n\n" +
	"Every event the emulator emits (the ones `GET /events` lists) is delivered to each enabled\n" +
	"webhook endpoint of its environment subscribed to its name: a `POST` of the event object as\n" +
	"JSON, signed as WorkOS signs, `WorkOS-Signature: t=<unix time in ms>, v1=<signature>`, where the\n" +
	"signature is the hex HMAC-SHA256 of `<t>.<raw body>` keyed by the endpoint's `secret`; WorkOS's\n" +
	"SDKs (`webhooks.constructEvent`) verify it. A delivery is queued in the same transaction as its\n" +
	"event and kept in SQLite, so pending deliveries survive a restart (an attempt cut short by\n" +
	"shutting down is sent again after the next start). A non-2xx answer, a redirect, a timeout\n" +
	"(10 seconds) or a refused connection is retried with exponential backoff (5 seconds, doubling)\n" +
	"for up to 6 attempts, then the delivery is `failed`. Events of the seed are not delivered. An\n" +
	"endpoint on a name that never resolves (`.test`, `.example`, `.invalid`, such as the demo seed's\n" +
	"`hooks.acme.test`) fails at once without touching the network.\n\n" +
	"Deliveries go to whatever URL the endpoint has, loopback included (`http://127.0.0.1:3000/hooks`\n" +
	"reaches a handler on your machine): the emulator is a local tool, so it does not refuse private\n" +
	"addresses as WorkOS does. With the same API key as the rest of the API:\n\n" +
	"- `GET /_emulator/webhook_deliveries` lists the deliveries, newest first, with `state`\n" +
	"  (`pending`, `delivered`, `failed`), `attempts`, `last_status`, `last_error`, `next_attempt_at`;\n" +
	"  filter with `webhook_endpoint_id`, `event_id`, `event`, `state`; paginate as any list. The log\n" +
	"  keeps deliveries as long as events are kept (30 days).\n" +
	"- `POST /_emulator/webhook_deliveries/{id}/redeliver` queues that delivery's event again, to the\n" +
	"  endpoint's current URL, as a new delivery (201).\n\n" +
	"### AuthKit sessions\n\n" +
	"`POST /user_management/authenticate` signs people in with `password`, `refresh_token`, the\n" +
	"magic auth code (`urn:workos:oauth:grant-type:magic-auth:code`, the code of\n" +
	"`POST /user_management/magic_auth`), the email verification code\n" +
	"(`urn:workos:oauth:grant-type:email-verification:code`) and the organization selection\n" +
	"(`urn:workos:oauth:grant-type:organization-selection`). A person whose email is not verified\n" +
	"gets 403 `email_verification_required` with a `pending_authentication_token` and a code in the\n" +
	"outbox; a member of several organizations gets 403 `organization_selection_required`; pending\n" +
	"tokens last 10 minutes and are used once. Other grants answer 400 `invalid_request`.\n\n" +
	"The `access_token` is an RS256 JWT with WorkOS's claims: `iss` (the API's base URL), `sub`,\n" +
	"`sid` (the session, listed by `GET /user_management/users/{id}/sessions`), `org_id`, `role`,\n" +
	"`roles`, `permissions` (of the membership's roles), `entitlements` (always empty),\n" +
	"`feature_flags` (the flags on for the organization or the user), `jti`, `iat`, `exp` (5 minutes\n" +
	"later) and `aud` (the client ID, as AuthKit sets it). Each environment has its own signing key,\n" +
	"created on first use and kept in SQLite (tokens verify across restarts), published at\n" +
	"`GET /sso/jwks/{clientId}` with `x5c` and `x5t#S256`. Refresh tokens are opaque and used once: a\n" +
	"refresh answers a new pair and the old token gets 400 `invalid_grant`, as does the token of a\n" +
	"revoked or expired session; `organization_id` on a refresh switches to another organization of\n" +
	"the person (else 400 `organization_membership_not_found`). Wrong, used or expired codes answer\n" +
	"400 `invalid_one_time_code`, `one_time_code_previously_used`, `one_time_code_expired`.\n\n" +
	"In `workos-mcp dev`, the MCP server's tokens come from `localauth` (issuer = the dev origin, keys\n" +
	"at `/oauth2/jwks`), not from this endpoint: localauth only uses `authenticate` to check passwords.\n" +
	"The emulator's sessions (issuer = the origin + `/workos`, keys at `/workos/sso/jwks/{clientId}`)\n" +
	"are for your own application's sign-in code; a token of one is not accepted by the other.\n\n"
