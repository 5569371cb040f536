package redact

// Field names are compared after normalisation (lower case, "_" and "-"
// removed), so "client_secret", "clientSecret" and "Client-Secret" are one
// name. Sources: the secret-bearing properties of the WorkOS OpenAPI
// schemas, plus the usual OAuth and HTTP names.

// secretNames are redacted wherever they appear, whatever their value (but null).
var secretNames = []string{
	// API keys, client and webhook secrets
	"secret", "client_secret", "webhook_secret", "signing_secret", "api_key_value",
	"private_key", "client_assertion", "cookie_password", "encryption_key",
	// OAuth and sessions
	"access_token", "refresh_token", "id_token", "token", "session_token", "logout_token",
	"sealed_session", "authentication_code", "authorization_code", "authkit_authorization_code",
	"code_verifier", "device_code", "user_code", "oauth_tokens", "claim_attempt_token",
	"pending_authentication_token", "authorization", "cookie", "set_cookie",
	// passwords, resets, invitations, magic auth
	"password", "new_password", "password_hash", "password_reset_token", "password_reset_url",
	"invitation_token", "accept_invitation_url", "magic_auth_code",
	// MFA
	"totp_secret", "qr_code",
	// vault
	"data_key", "encrypted_keys",
}

// stringOnlyNames are redacted only when their value is a string: the same
// name also holds public data (JWKS "keys" is an array of public keys; an
// "api_key" object is the key's public description, whose "value" the
// api_key rule below redacts).
var stringOnlyNames = []string{"keys", "api_key"}

// Context-dependent names: "value", "key", "code" and "uri" are secrets in
// some objects and the very data the agent needs in others (an email
// address, an error code, a redirect URI).

// valueOwners are object types whose "value" and "key" are secrets. A
// "value" elsewhere is a secret too unless its siblings mark it public.
var valueOwners = []string{"api_key", "credential", "organization_api_key", "user_api_key"}

// codeOwners are object types whose "code" is a one-time secret.
var codeOwners = []string{"magic_auth", "password_reset", "email_verification", "authentication_challenge", "radar_challenge", "email_change"}

// valueSafeSiblings mark the objects whose "value" is public: directory
// user emails ({primary, type, value}) and consent choices ({label, value}).
var valueSafeSiblings = []string{"primary", "label"}

// uriSecretSiblings mark a TOTP enrolment, whose "uri" is the otpauth URI.
var uriSecretSiblings = []string{"qr_code", "secret"}

// ambiguousNames are the context-dependent names. Text, which has no
// context, redacts them in their quoted JSON form ("value": "…"): failing
// closed on what could not be parsed.
var ambiguousNames = []string{"value", "key", "code", "uri"}

// paramOnlyNames are, besides secretNames, the URL parameters redacted in any
// string (?code=…, &sig=…): query-string tokens in general, and the
// credentials of pre-signed URLs that do not start with X-Amz- or X-Goog-
// (Azure SAS "sig", legacy S3 and GCS "Signature", "AWSAccessKeyId",
// "GoogleAccessId").
var paramOnlyNames = []string{
	"code", "key", "sig", "signature", "api_key", "apikey", "auth", "auth_token", "jwt", "passwd", "pwd",
	"private_token", "credential", "credentials", "assertion", "saml_response", "ticket", "otp", "hmac",
	"session", "session_id", "awsaccesskeyid", "googleaccessid", "security_token",
}

// credentialParamPrefixes mark the URL parameters of pre-signed cloud storage
// URLs (AWS SigV4 X-Amz-Credential, X-Amz-Security-Token, X-Amz-Signature;
// GCS X-Goog-Credential, X-Goog-Signature): every parameter with one of these
// prefixes is redacted, failing closed on the ones that carry no credential
// (X-Amz-Date) rather than missing one that does. Compared normalised.
var credentialParamPrefixes = []string{"xamz", "xgoog"}

// sasNames are the parameters of an Azure shared access signature. "sig" is
// always redacted (paramOnlyNames); the others only in a query that is a SAS
// (it has both "sig" and "sv"), where they describe the grant: these short
// names mean other things elsewhere.
var sasNames = []string{
	"sv", "ss", "srt", "sp", "se", "st", "spr", "sr", "si", "sdd", "sip", "ses", "skoid", "sktid", "skt", "ske",
	"sks", "skv", "saoid", "suoid", "scid", "rscc", "rscd", "rsce", "rscl", "rsct",
}

// urlOwners are object types whose "url" is a capability: an audit-log
// export's pre-signed download link. The server reads it from the raw answer;
// the agent never sees it.
var urlOwners = []string{"audit_log_export"}

// An Admin Portal link ({"link": "https://setup.workos.com/portal/launch?secret=…"})
// is exempt from URL-parameter redaction when, and only when, JSON is asked to
// (the PortalLink option, for the portal-link operation's own answer):
// handing it to the customer's IT admin is the point of generating it
// (onboard_customer). Every other rule still applies to it.
const portalLinkKey = "link"
