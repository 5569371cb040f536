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
	"  which is more forgiving than WorkOS. `--strict-idempotency` (on `emulate` and `dev`) honours it\n" +
	"  only where the spec documents it, so a retried create is applied twice, as it would be against\n" +
	"  WorkOS: test your retries in this mode. Keys are remembered for 24 hours, as the spec says.\n" +
	"- **Rate limits** (WorkOS's documentation; the spec only lists 429 answers): `workos-mcp dev`\n" +
	"  limits each API key to WorkOS's general 6,000 requests a minute (100 a second, bursts of\n" +
	"  1,000) by default and answers 429 `rate_limit_exceeded` with `Retry-After` past it;\n" +
	"  `--rate-limit N` changes it, `0` turns it off. `workos-mcp emulate` is unlimited unless given\n" +
	"  `--rate-limit`. The per-endpoint limits WorkOS documents (sign-in attempts per email, Directory\n" +
	"  Sync user reads) are not emulated.\n\n"
